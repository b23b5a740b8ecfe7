//! [`TtlCache`]: the generic, thread-safe LRU + TTL + byte-budget engine that
//! [`CacheManager`](super::CacheManager) and the language bindings instantiate with their
//! own value types (`Arc<serde_json::Value>`, `JsValue`, `Py<PyAny>`, bytes), keyed by
//! strings or by `u32` ids that a binding interned (see [`TtlCache::insert_keyed`]).

use std::borrow::Borrow;
use std::hash::Hash;
use std::sync::{Arc, Weak};
use std::time::Duration;

use parking_lot::Mutex;

use super::config::{CacheConfig, CacheType};
use super::stats::{CacheStats, Counters};
use super::store::Store;
use crate::error::{Error, Result};
use crate::runtime::{spawn_background, BackgroundTask, SendOutsideWasm, SharedClock};

struct State<K: Hash + Eq, V> {
    store: Store<K, V>,
    ttls: [Duration; CacheType::ALL.len()],
}

/// An LRU cache keyed by `(CacheType, key)` with a TTL per entry, bounded by both
/// `max_entries` and `max_memory_bytes`. Keys are strings by default (`K = Box<str>`); any
/// `K: Hash + Eq + Clone` works through the `*_keyed` methods, e.g. `TtlCache<V, u32>` for
/// keys a binding interned to ids so that lookups need not pass strings across an FFI.
///
/// * **Expiry**: an entry inserted at clock time `t` with TTL `d` is live while
///   `now < t + d` and expired from `now >= t + d` on (exactly at the boundary). An expired
///   entry is a miss, and is removed (counted in `expirations`) when looked up, when
///   [`cleanup`](Self::cleanup) runs, or when eviction reaches it.
/// * **Weight**: each entry is charged `value_weight` (given by the caller) + the key's
///   length in UTF-8 bytes + [`ENTRY_OVERHEAD`](Self::ENTRY_OVERHEAD)
///   ([`charge_bytes`](Self::charge_bytes)). An entry whose charge alone exceeds
///   `max_memory_bytes` is refused with [`Error::CapacityExceeded`] and counted in
///   `rejected` (an older value under that key is removed, never served stale).
/// * **Eviction**: after every insert, least-recently-used entries are dropped until
///   `len <= max_entries` and `memory_bytes <= max_memory_bytes`. A hit refreshes recency.
/// * **Lookups** index the type's own LRU map and hash the `&str` key directly (no
///   allocation); recency is global across types (an access tick per entry), so eviction
///   always takes the least-recently-used entry of the whole cache.
/// * **Removal log** (off by default, [`set_removal_log`](Self::set_removal_log)): the key
///   of every entry that leaves the cache for any reason — eviction, expiry (lookup, sweep
///   or eviction), `remove`, `clear`, `clear_type`, a refused update — is appended, to be
///   collected with [`take_removed`](Self::take_removed). A replaced value is not a
///   removal, and a key stored again before the log is collected leaves the log (the log
///   lists keys that are gone). Bindings that keep per-key data outside the cache use it to release that
///   data (like lru-cache's `dispose`).
///
/// All methods take `&self` (one internal mutex, never held across an await); wrap the
/// cache in an `Arc` to share it. `V: Clone` is returned by value, so make it cheap to
/// clone (`Arc`, `Py<..>`, `JsValue`). Time comes from the given clock: with
/// [`runtime::fast_clock`](crate::runtime::fast_clock) expiry is exact to the kernel tick
/// (1–4 ms on Linux); with a [`ManualClock`](crate::ManualClock) it is exact.
pub struct TtlCache<V, K: Hash + Eq = Box<str>> {
    state: Mutex<State<K, V>>,
    clock: SharedClock,
    config: CacheConfig,
}

impl<V, K: Hash + Eq + Clone> std::fmt::Debug for TtlCache<V, K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let st = self.state.lock();
        f.debug_struct("TtlCache")
            .field("entries", &st.store.len())
            .field("memory_bytes", &st.store.bytes())
            .field("config", &self.config)
            .finish()
    }
}

impl<V, K: Hash + Eq> TtlCache<V, K> {
    /// Bytes charged per entry on top of its key and value weight: an estimate of the key
    /// header, the entry record, the LRU node's links and its hash-table slot. A constant,
    /// the same on every target, for every key and value type, so that every binding (wasm32
    /// included) charges exactly what the Rust core charges.
    pub const ENTRY_OVERHEAD: usize = 64;

    /// Bytes an entry is charged: `key_bytes` (the key's UTF-8 length) + `value_weight` +
    /// [`ENTRY_OVERHEAD`](Self::ENTRY_OVERHEAD), saturating.
    #[inline]
    pub const fn charge_bytes(key_bytes: usize, value_weight: usize) -> usize {
        value_weight
            .saturating_add(key_bytes)
            .saturating_add(Self::ENTRY_OVERHEAD)
    }
}

impl<V, K: Hash + Eq + Clone> TtlCache<V, K> {
    /// A cache with `config`'s limits, reading time from `clock`.
    pub fn new(config: CacheConfig, clock: SharedClock) -> Result<Self> {
        config.validate()?;
        let store = Store::new(
            CacheType::ALL.len(),
            config.max_entries,
            config.max_memory_bytes,
            config.enable_stats,
        );
        Ok(Self {
            state: Mutex::new(State {
                store,
                ttls: [config.default_ttl; CacheType::ALL.len()],
            }),
            clock,
            config,
        })
    }

    /// The configuration the cache was built with.
    pub fn config(&self) -> &CacheConfig {
        &self.config
    }

    /// The clock the cache reads.
    pub fn clock(&self) -> &SharedClock {
        &self.clock
    }

    /// Overrides the TTL of one cache type (for later inserts). Zero is rejected.
    pub fn set_type_ttl(&self, ty: CacheType, ttl: Duration) -> Result<()> {
        if ttl.is_zero() {
            return Err(Error::InvalidArgument(format!(
                "ttl for cache type `{ty}` must be greater than 0"
            )));
        }
        self.state.lock().ttls[ty.index()] = ttl;
        Ok(())
    }

    /// The TTL inserts of `ty` get (the config's `default_ttl` unless overridden).
    pub fn type_ttl(&self, ty: CacheType) -> Duration {
        self.state.lock().ttls[ty.index()]
    }

    /// Stores `value` under `(ty, key)`, charged [`charge_bytes`](Self::charge_bytes)`(
    /// key_bytes, value_weight)`, with `ttl` or (if `None`) the type's TTL; see the type docs
    /// for refusal and eviction. `key_bytes` is the UTF-8 length of the key the caller
    /// interned (for string keys, [`insert`](TtlCache::insert) passes `key.len()`). A zero
    /// `ttl` is rejected. Returns when the entry expires (on this cache's clock): a host that
    /// serves hits itself (see [`record_hits`](Self::record_hits)) learns core's expiry
    /// decision from it.
    pub fn insert_keyed(
        &self,
        ty: CacheType,
        key: K,
        key_bytes: usize,
        value: V,
        value_weight: usize,
        ttl: Option<Duration>,
    ) -> Result<Duration> {
        if ttl.is_some_and(|t| t.is_zero()) {
            return Err(Error::InvalidArgument(
                "per-entry ttl must be greater than 0".into(),
            ));
        }
        let weight = Self::charge_bytes(key_bytes, value_weight);
        let now = self.clock.now();
        let mut st = self.state.lock();
        let ttl = ttl.unwrap_or(st.ttls[ty.index()]);
        let expires_at = now.saturating_add(ttl);
        let res = st
            .store
            .insert(ty.index(), key, value, weight, expires_at, now);
        drop(st);
        res.map(|()| expires_at).map_err(|_| self.oversize(weight))
    }

    /// Records hits that a host served itself, oldest first: each refreshes its entry's
    /// recency (if it is still stored) and counts as a hit, exactly as a
    /// [`get_keyed`](Self::get_keyed) that found the entry live would have. For a host whose
    /// reads must not cross into core one by one (the npm package's cache): it serves an
    /// entry only before the expiry that [`insert_keyed`](Self::insert_keyed)
    /// returned, by this cache's clock, and hands its reads over before any other operation.
    pub fn record_hits(&self, hits: impl IntoIterator<Item = (CacheType, K)>) {
        let mut st = self.state.lock();
        for (ty, key) in hits {
            st.store.touch(ty.index(), &key);
        }
    }

    /// The error of an entry heavier than the whole byte budget.
    fn oversize(&self, weight: usize) -> Error {
        Error::CapacityExceeded(format!(
            "cache entry of {weight} bytes exceeds max_memory_bytes ({})",
            self.config.max_memory_bytes
        ))
    }

    /// The live value under `(ty, key)`, refreshing its recency; `None` if absent or expired.
    #[inline]
    pub fn get_keyed<Q>(&self, ty: CacheType, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
        V: Clone,
    {
        let now = self.clock.now();
        self.state.lock().store.get(ty.index(), key, now)
    }

    /// Like [`get_keyed`](Self::get_keyed), also returning the entry's age (time since its
    /// insert).
    #[inline]
    pub fn get_keyed_with_age<Q>(&self, ty: CacheType, key: &Q) -> Option<(V, Duration)>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
        V: Clone,
    {
        let now = self.clock.now();
        self.state.lock().store.get_with(ty.index(), key, now, |e| {
            (e.value.clone(), now.saturating_sub(e.inserted_at))
        })
    }

    /// Like [`peek_keyed`](Self::peek_keyed), also returning the entry's age.
    pub fn peek_keyed_with_age<Q>(&self, ty: CacheType, key: &Q) -> Option<(V, Duration)>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
        V: Clone,
    {
        let now = self.clock.now();
        self.state
            .lock()
            .store
            .peek(ty.index(), key, now)
            .map(|e| (e.value.clone(), now.saturating_sub(e.inserted_at)))
    }

    /// The live value under `(ty, key)` without changing recency, counters or anything else.
    pub fn peek_keyed<Q>(&self, ty: CacheType, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
        V: Clone,
    {
        let now = self.clock.now();
        self.state
            .lock()
            .store
            .peek(ty.index(), key, now)
            .map(|e| e.value.clone())
    }

    /// Whether a live entry exists (no recency or counter change).
    pub fn contains_keyed<Q>(&self, ty: CacheType, key: &Q) -> bool
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let now = self.clock.now();
        self.state.lock().store.peek(ty.index(), key, now).is_some()
    }

    /// Removes `(ty, key)`, returning its value if it was stored (even if expired).
    pub fn remove_keyed<Q>(&self, ty: CacheType, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.state.lock().store.remove(ty.index(), key)
    }

    /// Records (`true`) or stops recording (`false`) the keys of removed entries; see the
    /// type docs. Turning it on starts an empty log; turning it off drops the log.
    pub fn set_removal_log(&self, enabled: bool) {
        self.state.lock().store.set_removal_log(enabled);
    }

    /// Takes the keys logged since the last call, oldest first (empty when the log is off).
    pub fn take_removed(&self) -> Vec<K> {
        self.state
            .lock()
            .store
            .removal_log()
            .map(std::mem::take)
            .unwrap_or_default()
    }

    /// Moves the logged keys into `out` (oldest first) and returns how many; reuses `out`'s
    /// allocation.
    pub fn drain_removed_into(&self, out: &mut Vec<K>) -> usize {
        let mut st = self.state.lock();
        match st.store.removal_log() {
            Some(log) => {
                let n = log.len();
                out.append(log);
                n
            }
            None => 0,
        }
    }

    /// Number of keys waiting in the removal log.
    pub fn removed_len(&self) -> usize {
        self.state
            .lock()
            .store
            .removal_log()
            .map_or(0, |log| log.len())
    }

    /// Removes every entry.
    pub fn clear(&self) {
        self.state.lock().store.clear();
    }

    /// Removes every entry of one type; returns how many.
    pub fn clear_type(&self, ty: CacheType) -> usize {
        self.state.lock().store.clear_part(ty.index())
    }

    /// Removes every expired entry now; returns how many (counted as expirations).
    pub fn cleanup(&self) -> usize {
        let now = self.clock.now();
        self.state.lock().store.remove_expired(now)
    }

    /// Entries stored, including expired ones not yet removed.
    pub fn len(&self) -> usize {
        self.state.lock().store.len()
    }

    /// Whether nothing is stored.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Sum of the stored entries' charges, in bytes.
    pub fn memory_bytes(&self) -> usize {
        self.state.lock().store.bytes()
    }

    /// Counters and size.
    pub fn stats(&self) -> CacheStats {
        let st = self.state.lock();
        st.store.counters.snapshot(st.store.len(), st.store.bytes())
    }

    /// Zeroes the counters (sizes are unaffected).
    pub fn reset_stats(&self) {
        self.state.lock().store.counters = Counters::default();
    }

    /// Counts a value refused before reaching the cache (e.g. not encodable).
    pub(crate) fn note_rejected(&self) {
        let mut st = self.state.lock();
        if self.config.enable_stats {
            st.store.counters.rejected += 1;
        }
    }

    /// Starts the periodic sweep: every `cleanup_interval` on the cache's clock, call
    /// [`cleanup`](Self::cleanup). The loop holds only a `Weak` reference, so it ends by
    /// itself once the last `Arc` is dropped; stopping or dropping the returned task ends it
    /// at once.
    pub fn spawn_cleanup(self: &Arc<Self>) -> BackgroundTask
    where
        V: SendOutsideWasm + 'static,
        K: SendOutsideWasm + 'static,
    {
        let weak: Weak<Self> = Arc::downgrade(self);
        let clock = self.clock.clone();
        let interval = self.config.cleanup_interval;
        spawn_background(async move {
            loop {
                clock.sleep(interval).await;
                match weak.upgrade() {
                    Some(cache) => {
                        cache.cleanup();
                    }
                    None => break,
                }
            }
        })
    }

    /// Checks the size totals against the entries and the limits (tests).
    #[cfg(test)]
    pub(crate) fn assert_consistent(&self) {
        let st = self.state.lock();
        assert_eq!(st.store.recount(), (st.store.len(), st.store.bytes()));
        assert!(st.store.len() <= self.config.max_entries);
        assert!(st.store.bytes() <= self.config.max_memory_bytes);
    }
}

/// The string-keyed API (the default `K = Box<str>`).
impl<V> TtlCache<V> {
    /// Bytes an entry with this key and value weight is charged:
    /// [`charge_bytes`](Self::charge_bytes)`(key.len(), value_weight)`.
    #[inline]
    pub fn charge(key: &str, value_weight: usize) -> usize {
        Self::charge_bytes(key.len(), value_weight)
    }

    /// Stores `value` under `(ty, key)` with the type's TTL; see the type docs for weight,
    /// refusal and eviction.
    pub fn insert(
        &self,
        ty: CacheType,
        key: impl AsRef<str>,
        value: V,
        value_weight: usize,
    ) -> Result<()> {
        self.insert_str(ty, key.as_ref(), value, value_weight, None)
    }

    /// Like [`insert`](Self::insert) with an explicit TTL for this entry. Zero is rejected.
    pub fn insert_with_ttl(
        &self,
        ty: CacheType,
        key: impl AsRef<str>,
        value: V,
        value_weight: usize,
        ttl: Duration,
    ) -> Result<()> {
        if ttl.is_zero() {
            return Err(Error::InvalidArgument(
                "per-entry ttl must be greater than 0".into(),
            ));
        }
        self.insert_str(ty, key.as_ref(), value, value_weight, Some(ttl))
    }

    /// A string-keyed insert: a key already stored is updated in place (its key is not
    /// allocated again); otherwise as [`insert_keyed`](Self::insert_keyed). The caller has
    /// rejected a zero `ttl`.
    fn insert_str(
        &self,
        ty: CacheType,
        key: &str,
        value: V,
        value_weight: usize,
        ttl: Option<Duration>,
    ) -> Result<()> {
        let weight = Self::charge_bytes(key.len(), value_weight);
        let now = self.clock.now();
        let mut st = self.state.lock();
        let expires_at = now.saturating_add(ttl.unwrap_or(st.ttls[ty.index()]));
        // One lock, one clock read: replace in place, else insert under a new key.
        let res = match st
            .store
            .replace(ty.index(), key, value, weight, expires_at, now)
        {
            Ok(()) => Ok(()),
            Err(value) => st
                .store
                .insert(ty.index(), key.into(), value, weight, expires_at, now),
        };
        drop(st);
        res.map_err(|_| self.oversize(weight))
    }

    /// The live value under `(ty, key)`, refreshing its recency; `None` if absent or expired.
    #[inline]
    pub fn get(&self, ty: CacheType, key: &str) -> Option<V>
    where
        V: Clone,
    {
        self.get_keyed(ty, key)
    }

    /// Like [`get`](Self::get), also returning the entry's age (time since its insert).
    #[inline]
    pub fn get_with_age(&self, ty: CacheType, key: &str) -> Option<(V, Duration)>
    where
        V: Clone,
    {
        self.get_keyed_with_age(ty, key)
    }

    /// Like [`peek`](Self::peek), also returning the entry's age.
    pub fn peek_with_age(&self, ty: CacheType, key: &str) -> Option<(V, Duration)>
    where
        V: Clone,
    {
        self.peek_keyed_with_age(ty, key)
    }

    /// The live value under `(ty, key)` without changing recency, counters or anything else.
    pub fn peek(&self, ty: CacheType, key: &str) -> Option<V>
    where
        V: Clone,
    {
        self.peek_keyed(ty, key)
    }

    /// Whether a live entry exists (no recency or counter change).
    pub fn contains(&self, ty: CacheType, key: &str) -> bool {
        self.contains_keyed(ty, key)
    }

    /// Removes `(ty, key)`, returning its value if it was stored (even if expired).
    pub fn remove(&self, ty: CacheType, key: &str) -> Option<V> {
        self.remove_keyed(ty, key)
    }

    /// Keys from most- to least-recently used (tests).
    #[cfg(test)]
    pub(crate) fn keys_mru(&self) -> Vec<(CacheType, String)> {
        self.state
            .lock()
            .store
            .keys_mru()
            .into_iter()
            .map(|(p, k)| (CacheType::ALL[p], k.to_string()))
            .collect()
    }
}
