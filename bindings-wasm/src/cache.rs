//! The cache engine behind the JS `CacheManager` (`lib/cache.mjs`).
//!
//! Core's [`TtlCache`] keyed by `u32` ids decides everything — expiry, LRU order, both
//! limits, the stats. The JS layer only translates: it interns each `(type, key)` to an id
//! in a JS `Map`, keeps the value under that id (stored by reference, as lru-cache does, so
//! nothing is copied or re-encoded), and passes the key's UTF-8 length and the value's
//! weight walked by core's [`mantra_sdk::JsonWeigher`] rule (compact JSON text length) — the
//! inputs of core's charge ([`TtlCache::charge_bytes`], the same as
//! [`mantra_sdk::CacheManager::entry_weight`]). Core's removal log tells JS which
//! ids left the cache (evicted, expired, removed, cleared) so it can release them; JS
//! reuses an id only after core has reported it removed.
//!
//! Hot methods return small integer codes instead of `Result`s (a `Result` costs a return
//! area in wasm-bindgen's glue); see each method.

use std::cell::{Cell, RefCell};
use std::sync::Arc;
use std::time::Duration;

use js_sys::Promise;
use mantra_sdk::runtime::{coarse_published_reading, BackgroundTask, CoarseWasmClock, SharedClock};
use mantra_sdk::{CacheKey, CacheType, Error, SingleFlight};
use wasm_bindgen::prelude::*;

use mantra_sdk_wasm_io::convert::{duration_from_ms, function};
use mantra_sdk_wasm_io::engines::{self, Flights, IdCache};
use mantra_sdk_wasm_io::error::{to_js, JsResult};
use mantra_sdk_wasm_io::ManualClock;

/// An id JS never allocates: looking it up counts a miss for a key JS has never seen.
const NO_ID: u32 = u32::MAX;

/// `put` codes (`>= 0` is the id of the one entry the put removed).
const PUT_OK: i32 = -1;
const PUT_OK_DRAIN: i32 = -2;
const PUT_ERROR: i32 = -3;

/// Hits the JS layer may record before core replays them (each is a `[type, id]` pair).
const READS_CAP: usize = 256;

/// What lets the JS layer serve a hit without crossing into wasm, core still deciding
/// expiry and recency (caches on the coarse clock only; not with a `ManualClock`):
/// - `deadlines[id]`: when id's entry expires, in `performance.now()` ms — core's
///   decision, published at every put; `-inf` once the entry is gone;
/// - core's published coarse reading (`coarse_published_reading`): JS serves an entry
///   only while `reading < deadlines[id]` and the reading has reads left (it takes one);
/// - `reads`/`count`: JS appends each hit it served as `[type, id]`; core replays them
///   (recency, hit counters), in order, before every operation that reads or changes them
///   (`get`, `miss`, puts, `remove`, clears, `cleanup`, `stats`, `resetStats`).
///
/// Everything JS sees lives at a stable address except `deadlines`, which moves only when
/// a `put` grows it (JS re-reads the layout after a put of an id at or past its view's
/// end; a grown wasm memory detaches every view, and JS then re-reads it too).
struct FastHits {
    origin_ms: f64,
    deadlines: RefCell<Vec<f64>>,
    reads: Box<[Cell<u32>]>,
    count: Box<Cell<u32>>,
}

impl FastHits {
    fn publish(&self, id: u32, expires_at: Duration) {
        let mut dl = self.deadlines.borrow_mut();
        let i = id as usize;
        if i >= dl.len() {
            let len = (i + 1).max(dl.len() * 2).max(1024);
            dl.resize(len, f64::NEG_INFINITY);
        }
        dl[i] = self.origin_ms + expires_at.as_secs_f64() * 1000.0;
    }

    fn unpublish(&self, id: u32) {
        if let Some(d) = self.deadlines.borrow_mut().get_mut(id as usize) {
            *d = f64::NEG_INFINITY;
        }
    }
}

/// The cache engine (internal: used by the JS `CacheManager`).
#[wasm_bindgen(js_name = "__CacheCore")]
pub struct CacheCore {
    cache: Arc<IdCache>,
    cleanup: RefCell<Option<BackgroundTask>>,
    flights: Flights,
    error: RefCell<Option<JsValue>>,
    fast: Option<FastHits>,
}

impl CacheCore {
    fn build(config: &JsValue, clock: SharedClock, fast: Option<FastHits>) -> JsResult<CacheCore> {
        let (cache, cleanup) = engines::build_cache(config, clock)?;
        Ok(CacheCore {
            cache,
            cleanup: RefCell::new(Some(cleanup)),
            flights: SingleFlight::new(),
            error: RefCell::new(None),
            fast,
        })
    }

    /// Replays the hits JS served itself since the last operation (see [`FastHits`]).
    #[inline]
    fn replay(&self) {
        let Some(f) = &self.fast else { return };
        let n = (f.count.get() as usize).min(READS_CAP);
        if n == 0 {
            return;
        }
        f.count.set(0);
        self.cache.record_hits(
            f.reads[..2 * n]
                .chunks_exact(2)
                .map(|r| (ty(r[0].get() as u8), r[1].get())),
        );
    }

    /// Takes the removal log, withdrawing the removed ids' deadlines.
    fn take_log(&self) -> Vec<u32> {
        let ids = self.cache.take_removed();
        if let Some(f) = &self.fast {
            for &id in &ids {
                f.unpublish(id);
            }
        }
        ids
    }

    /// `1` if the removal log has ids for JS to collect, else `0`.
    #[inline]
    fn drain_flag(&self) -> u32 {
        u32::from(self.cache.removed_len() != 0)
    }
}

fn ty(index: u8) -> CacheType {
    // JS passes indices it got from `cacheTypes()`; anything else is treated as generic.
    CacheType::ALL
        .get(usize::from(index))
        .copied()
        .unwrap_or_default()
}

#[wasm_bindgen(js_class = "__CacheCore")]
impl CacheCore {
    /// A cache on the platform's cheap clock (`config`: the JS config object).
    #[wasm_bindgen(constructor)]
    pub fn new(config: JsValue) -> Result<CacheCore, JsValue> {
        let clock = CoarseWasmClock::new();
        let fast = FastHits {
            origin_ms: clock.origin_ms(),
            deadlines: RefCell::new(Vec::new()),
            reads: (0..2 * READS_CAP).map(|_| Cell::new(0)).collect(),
            count: Box::new(Cell::new(0)),
        };
        Self::build(&config, Arc::new(clock), Some(fast))
    }

    /// A cache on a `ManualClock` (virtual time).
    #[wasm_bindgen(js_name = withClock)]
    pub fn with_clock(config: JsValue, clock: &ManualClock) -> Result<CacheCore, JsValue> {
        Self::build(&config, clock.shared(), None)
    }

    /// Where the JS layer's hit path reads and writes (all `u32` addresses / lengths in
    /// linear memory): `[deadlines ptr, deadlines len, reads ptr, reads capacity (pairs),
    /// count ptr, coarse reading ptr]`; empty for a cache on a `ManualClock` (every get
    /// crosses into core).
    #[wasm_bindgen(js_name = fastLayout)]
    pub fn fast_layout(&self) -> Vec<u32> {
        let Some(f) = &self.fast else {
            return Vec::new();
        };
        let dl = f.deadlines.borrow();
        [
            dl.as_ptr() as usize,
            dl.len(),
            f.reads.as_ptr() as usize,
            READS_CAP,
            f.count.as_ptr() as usize,
            coarse_published_reading(),
        ]
        .iter()
        .map(|&v| u32::try_from(v).unwrap_or(0))
        .collect()
    }

    /// Looks id `id` of type `ty` up. Returns `1` on a hit; on a miss `drain << 1`: bit 1
    /// set when the removal log has ids to collect (it holds `id` itself if the entry had
    /// expired). A hit does not look at the log (one lock less on the hot path): ids a
    /// background sweep removed meanwhile are collected at the next miss or put.
    pub fn get(&self, ty_index: u8, id: u32) -> u32 {
        self.replay();
        if self.cache.get_keyed(ty(ty_index), &id).is_some() {
            return 1;
        }
        self.drain_flag() << 1
    }

    /// Counts a miss for a key JS has no id for. Returns the drain flag (as `get`'s bit 1).
    pub fn miss(&self, ty_index: u8) -> u32 {
        self.replay();
        let _ = self.cache.get_keyed(ty(ty_index), &NO_ID);
        self.drain_flag() << 1
    }

    /// Whether `id` is live (no recency or counter change).
    pub fn contains(&self, ty_index: u8, id: u32) -> bool {
        self.cache.contains_keyed(ty(ty_index), &id)
    }

    /// Stores id `id` (a key of `key_bytes` UTF-8 bytes, a value weighing `value_bytes`) with
    /// the type's TTL. Returns `-1`: stored, nothing to collect;
    /// `n >= 0`: stored, and id `n` was removed (the usual single eviction, already taken off
    /// the log); `-2`: stored, collect the log; `-3`: refused — throw `takeError()`, then
    /// collect the log and release `id`.
    pub fn put(&self, ty_index: u8, id: u32, key_bytes: u32, value_bytes: u32) -> i32 {
        self.insert(ty_index, id, key_bytes, value_bytes, None)
    }

    /// `put` with a TTL for this entry only (`ttl_ms` > 0).
    #[wasm_bindgen(js_name = putWithTtl)]
    pub fn put_with_ttl(
        &self,
        ty_index: u8,
        id: u32,
        key_bytes: u32,
        value_bytes: u32,
        ttl_ms: JsValue,
    ) -> i32 {
        let ttl = match duration_from_ms(&ttl_ms, "CacheManager.put(…, { ttlMs })") {
            Ok(t) => t,
            Err(e) => {
                *self.error.borrow_mut() = Some(e);
                return PUT_ERROR;
            }
        };
        self.insert(ty_index, id, key_bytes, value_bytes, Some(ttl))
    }

    fn insert(
        &self,
        ty_index: u8,
        id: u32,
        key_bytes: u32,
        value_bytes: u32,
        ttl: Option<Duration>,
    ) -> i32 {
        self.replay();
        let r = self.cache.insert_keyed(
            ty(ty_index),
            id,
            key_bytes as usize,
            (),
            value_bytes as usize,
            ttl,
        );
        match r {
            Ok(expires_at) => {
                if let Some(f) = &self.fast {
                    f.publish(id, expires_at);
                }
            }
            Err(e) => {
                if let Some(f) = &self.fast {
                    f.unpublish(id);
                }
                *self.error.borrow_mut() = Some(to_js(&e));
                return PUT_ERROR;
            }
        }
        match self.cache.removed_len() {
            0 => PUT_OK,
            1 => match self.take_log().pop() {
                Some(id) => i32::try_from(id).unwrap_or(PUT_OK_DRAIN),
                None => PUT_OK,
            },
            _ => PUT_OK_DRAIN,
        }
    }

    /// The error of the last refused `put` (a `MantraError`).
    #[wasm_bindgen(js_name = takeError)]
    pub fn take_error(&self) -> JsValue {
        self.error
            .borrow_mut()
            .take()
            .unwrap_or_else(|| to_js(&Error::Internal("no cache error recorded".into())))
    }

    /// The ids removed since the last call, oldest first.
    #[wasm_bindgen(js_name = takeRemoved)]
    pub fn take_removed(&self) -> Vec<u32> {
        self.take_log()
    }

    /// Removes `id`; returns `removed | drain << 1`.
    pub fn remove(&self, ty_index: u8, id: u32) -> u32 {
        self.replay();
        let removed = self.cache.remove_keyed(ty(ty_index), &id).is_some();
        u32::from(removed) | self.drain_flag() << 1
    }

    /// Removes every entry (collect the log afterwards).
    pub fn clear(&self) {
        self.replay();
        self.cache.clear();
    }

    /// Removes every entry of one type; returns how many (collect the log afterwards).
    #[wasm_bindgen(js_name = clearType)]
    pub fn clear_type(&self, ty_index: u8) -> u32 {
        self.replay();
        u32::try_from(self.cache.clear_type(ty(ty_index))).unwrap_or(u32::MAX)
    }

    /// Drops expired entries now; returns how many (collect the log afterwards).
    pub fn cleanup(&self) -> u32 {
        self.replay();
        u32::try_from(self.cache.cleanup()).unwrap_or(u32::MAX)
    }

    /// Entries stored.
    pub fn len(&self) -> u32 {
        u32::try_from(self.cache.len()).unwrap_or(u32::MAX)
    }

    /// Whether nothing is stored.
    #[wasm_bindgen(js_name = isEmpty)]
    pub fn is_empty(&self) -> bool {
        self.cache.is_empty()
    }

    /// Counters and size, camelCased (`hitRate`, `memoryBytes`, …).
    pub fn stats(&self) -> JsValue {
        self.replay();
        engines::cache_stats(&self.cache.stats())
    }

    /// Zeroes the counters.
    #[wasm_bindgen(js_name = resetStats)]
    pub fn reset_stats(&self) {
        self.replay();
        self.cache.reset_stats()
    }

    /// The TTL in ms that puts of the type get.
    #[wasm_bindgen(js_name = typeTtlMs)]
    pub fn type_ttl_ms(&self, ty_index: u8) -> f64 {
        crate::convert::ms_from_duration(self.cache.type_ttl(ty(ty_index)))
    }

    /// Stops the periodic cleanup loop (idempotent); the cache stays usable.
    pub fn close(&self) {
        if let Some(task) = self.cleanup.borrow_mut().take() {
            task.stop();
        }
    }

    /// Whether `close` was called.
    #[wasm_bindgen(getter, js_name = isClosed)]
    pub fn is_closed(&self) -> bool {
        self.cleanup.borrow().is_none()
    }

    /// Runs `leader` once for concurrent callers of the same `(type, key)` (core's
    /// single-flight): the first caller's `leader()` runs, later callers get its result or
    /// error; if the first caller is dropped, a waiter runs its own.
    #[wasm_bindgen(js_name = fetchOnce)]
    pub fn fetch_once(&self, ty_index: u8, key: String, leader: JsValue) -> Promise {
        let leader = function(&leader, "CacheManager.getOrFetch(key, type, fetcher)");
        let flight = CacheKey::new(ty(ty_index), &key);
        engines::fetch_once(self.flights.clone(), flight, leader)
    }

    /// Keys being fetched right now.
    #[wasm_bindgen(getter, js_name = inFlight)]
    pub fn in_flight(&self) -> u32 {
        u32::try_from(self.flights.in_flight()).unwrap_or(u32::MAX)
    }
}

impl Drop for CacheCore {
    fn drop(&mut self) {
        self.close();
    }
}

/// Core's charge of an entry: key UTF-8 bytes + value weight + the fixed per-entry overhead
/// (internal: `CacheManager.entryWeight`).
#[wasm_bindgen(js_name = "__cacheEntryWeight")]
pub fn entry_weight(key_bytes: u32, value_bytes: u32) -> f64 {
    IdCache::charge_bytes(key_bytes as usize, value_bytes as usize) as f64
}

/// Core's `JsonWeigher` weight of a JS number that is not a safe integer (a float, as
/// serde_json prints it; internal: the JS layer weighs everything else itself, by the same
/// rule — the length of the value's compact JSON text).
#[wasm_bindgen(js_name = "__jsonFloatWeight")]
pub fn json_float_weight(v: f64) -> u32 {
    let mut w = mantra_sdk::JsonWeigher::new();
    w.f64(v);
    u32::try_from(w.weight()).unwrap_or(u32::MAX)
}

/// A `MantraError` `invalid_argument` with `message` (internal: the JS layer's value checks).
#[wasm_bindgen(js_name = "__invalidArgument")]
pub fn invalid_argument(message: String) -> JsValue {
    to_js(&Error::InvalidArgument(message))
}

/// The cache type names, in core's index order (internal).
#[wasm_bindgen(js_name = "__cacheTypes")]
pub fn cache_types() -> Vec<String> {
    CacheType::ALL
        .iter()
        .map(|t| t.as_str().to_string())
        .collect()
}

/// The type of calls that name none: core's `CacheType::default()` (internal).
#[wasm_bindgen(js_name = "__cacheDefaultType")]
pub fn cache_default_type() -> String {
    CacheType::default().as_str().to_string()
}

/// Core's error for an unknown cache type name (internal: thrown by the JS layer).
#[wasm_bindgen(js_name = "__cacheTypeError")]
pub fn cache_type_error(name: &str) -> JsValue {
    match name.parse::<CacheType>() {
        Err(e) => to_js(&e),
        Ok(_) => to_js(&Error::Internal(format!("cache type `{name}` is valid"))),
    }
}

/// The module's linear memory (internal: the JS cache's hit path reads core's published
/// deadlines and clock reading in place; see `CacheCore::fast_layout`).
#[wasm_bindgen(js_name = "__wasmMemory")]
pub fn wasm_memory() -> JsValue {
    wasm_bindgen::memory()
}
