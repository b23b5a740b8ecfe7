//! Browser / Node clocks: `performance.now()` (falling back to `Date.now()`) and timers.
//!
//! * [`WasmClock`] reads `performance.now()` on every call (exact, ~40 ns in V8).
//! * [`CoarseWasmClock`] (what [`fast_clock`](super::fast_clock) returns on wasm, for hot
//!   paths such as a TTL check on every cache hit) caches that reading: a cached time is
//!   used until a 1 ms timer marks it stale or until it has been read
//!   [`CoarseWasmClock::MAX_READS`] times, whichever comes first. Like lru-cache's
//!   `ttlResolution` (1 ms), but bounded inside long synchronous runs too, where timers
//!   cannot fire. Expiry decisions on it are exact to about a millisecond while the event
//!   loop turns, and to 64 reads inside a synchronous run (a throttled background tab can
//!   fire the 1 ms timer late: then too the reading lags). The reading and
//!   its reads left are published in linear memory ([`coarse_published_reading`]): the npm
//!   cache's hit path compares core's expiry deadlines with it in JS and takes its reads
//!   from the same budget.
//! * Sleeps share one `setTimeout` timer per kind (see `Timers`), armed for the earliest
//!   pending sleep. A sleep created while a [`spawn_background`]
//!   (super::spawn_background) loop is being polled (a cache cleanup sweep, a metrics
//!   aggregation tick, an automatic health check) waits on the `unref`'d timer in Node, so a
//!   background loop never keeps a Node process alive; every other sleep (batch delays,
//!   retries, timeouts a caller awaits) keeps it alive while it is pending, as a pending
//!   `setTimeout` does.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use wasm_bindgen::prelude::*;

use super::{BoxFuture, Clock};

#[wasm_bindgen]
extern "C" {
    /// The host's `performance` object.
    type JsPerformance;
    #[wasm_bindgen(method, js_name = now)]
    fn now(this: &JsPerformance) -> f64;

    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(handler: &js_sys::Function, ms: f64) -> JsValue;
    #[wasm_bindgen(js_name = clearTimeout)]
    fn clear_timeout(id: &JsValue);
}

thread_local! {
    /// `globalThis.performance` when it has a `now` method (looked up once).
    static PERFORMANCE: Option<JsPerformance> = lookup_performance();
    /// On a host without `performance`: the latest `Date.now()` read by [`monotonic_ms`] and
    /// the sum of the steps back it has seen (added to every reading).
    static DATE_STEPS_BACK: Cell<(f64, f64)> = const { Cell::new((f64::NEG_INFINITY, 0.0)) };
    /// Set while a background task is being polled (see `task::spawn_background`).
    static IN_BACKGROUND: Cell<bool> = const { Cell::new(false) };
    /// The coarse clock's cached `monotonic_ms()` as a `Duration` since the host's time
    /// origin (converted once per reading, not per read), `None` when stale.
    static COARSE_NOW: Cell<Option<Duration>> = const { Cell::new(None) };
    /// `[performance.now() ms of the cached reading, or NaN when stale; reads left of it]`.
    /// Core's reads and a host's (the npm cache's hits, which check core's published
    /// expiry deadlines in place: see [`coarse_published_reading`]) share the one budget:
    /// each read takes one, and the next read after the last takes a fresh reading.
    static COARSE_PUB: [Cell<f64>; 2] = const { [Cell::new(f64::NAN), Cell::new(0.0)] };
    /// Whether the 1 ms staleness timer is pending.
    static COARSE_TIMER: Cell<bool> = const { Cell::new(false) };
    /// The staleness timer's callback (made once).
    static COARSE_EXPIRE: RefCell<Option<Closure<dyn FnMut()>>> = const { RefCell::new(None) };
}

fn lookup_performance() -> Option<JsPerformance> {
    let perf = js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("performance")).ok()?;
    if perf.is_undefined() || perf.is_null() {
        return None;
    }
    let now = js_sys::Reflect::get(&perf, &JsValue::from_str("now")).ok()?;
    now.is_function().then(|| perf.unchecked_into())
}

/// `performance.now()`, or on a host without it `Date.now()` kept from going backwards: the
/// wall clock can be set back, and deadlines must neither come back to life (a cache entry's
/// expiry) nor stall (a sleep started after the step). A step back is added to every later
/// reading, so the clock keeps running from where it was.
fn monotonic_ms() -> f64 {
    PERFORMANCE
        .with(|p| p.as_ref().map(|p| p.now()))
        .unwrap_or_else(|| {
            let now = js_sys::Date::now();
            DATE_STEPS_BACK.with(|cell| {
                let (last, mut back) = cell.get();
                if now < last {
                    back += last - now;
                }
                cell.set((now, back));
                now + back
            })
        })
}

/// Wall-clock time since the Unix epoch from the host's `Date.now()`.
pub(crate) fn js_wall_time() -> Duration {
    Duration::from_secs_f64(js_sys::Date::now().max(0.0) / 1000.0)
}

#[inline]
fn since(origin_ms: f64, now_ms: f64) -> Duration {
    let ms = (now_ms - origin_ms).max(0.0);
    Duration::try_from_secs_f64(ms / 1000.0).unwrap_or(Duration::MAX)
}

/// Runs `poll` with the background flag set (used by `spawn_background` on wasm).
pub(crate) fn in_background<R>(poll: impl FnOnce() -> R) -> R {
    let prev = IN_BACKGROUND.with(|b| b.replace(true));
    let out = poll();
    IN_BACKGROUND.with(|b| b.set(prev));
    out
}

/// Pending sleeps of one kind (kept-alive or unref'd), all served by ONE host timer.
///
/// A sleep is an entry keyed by `(deadline, sequence)` (deadlines in whole microseconds of
/// `performance.now()`, rounded up, so a sleep never ends early). One `setTimeout` is armed
/// for the earliest deadline; when it fires, every due sleep is woken and the timer is
/// re-armed for the next one. Creating and dropping a sleep therefore costs a map insert and
/// remove, not a JS timer and a closure: the client's per-call deadlines (one or two sleeps
/// per call, almost all dropped long before they fall due) stay cheap. The timer is re-armed
/// only when a sleep falls due before the armed one, and cleared when no sleep is left, so
/// an idle Node process is not kept alive (nor woken) by sleeps that no longer exist.
struct Timers {
    entries: BTreeMap<(u64, u64), Option<Waker>>,
    next_seq: u64,
    /// `(deadline, timer id)` of the armed host timer.
    armed: Option<(u64, JsValue)>,
    /// The host timer's callback (made on first use, kept for the thread's life).
    callback: Option<Closure<dyn FnMut()>>,
    /// Whether the host timer is `unref`'d (background sleeps).
    unref: bool,
}

thread_local! {
    /// `[kept alive, unref'd]`.
    static TIMERS: [RefCell<Timers>; 2] =
        const { [RefCell::new(Timers::new(false)), RefCell::new(Timers::new(true))] };
}

impl Timers {
    const fn new(unref: bool) -> Self {
        Self {
            entries: BTreeMap::new(),
            next_seq: 0,
            armed: None,
            callback: None,
            unref,
        }
    }

    /// Arms the host timer for the earliest entry if none is armed or the armed one fires
    /// later; clears it when nothing is left.
    fn rearm(&mut self, lane: usize, now_us: u64) {
        let Some(&(first, _)) = self.entries.keys().next() else {
            if let Some((_, id)) = self.armed.take() {
                clear_timeout(&id);
            }
            return;
        };
        match &self.armed {
            Some((at, _)) if *at <= first => return,
            Some((_, id)) => clear_timeout(id),
            None => {}
        }
        let callback = self
            .callback
            .get_or_insert_with(|| Closure::<dyn FnMut()>::new(move || fire(lane)));
        // setTimeout clamps delays above 2^31 - 1 ms to 1 ms; a longer sleep wakes early and
        // the timer is re-armed, never late.
        let ms = (first.saturating_sub(now_us) as f64 / 1000.0)
            .ceil()
            .min(2_147_483_647.0);
        let id = set_timeout(callback.as_ref().unchecked_ref(), ms);
        if self.unref {
            unref_timer(&id);
        }
        self.armed = Some((first, id));
    }
}

/// The host timer of `lane` fired: wakes every due sleep and re-arms for the next.
fn fire(lane: usize) {
    let due = TIMERS.with(|t| {
        let mut t = t[lane].borrow_mut();
        t.armed = None;
        let now_us = now_us_floor();
        let rest = t.entries.split_off(&(now_us.saturating_add(1), 0));
        let due = std::mem::replace(&mut t.entries, rest);
        t.rearm(lane, now_us);
        due
    });
    // Woken (and dropped) outside the borrow: a waker may run or free arbitrary code.
    for waker in due.into_values().flatten() {
        waker.wake();
    }
}

/// `performance.now()` in whole microseconds, rounded down.
fn now_us_floor() -> u64 {
    (monotonic_ms() * 1000.0).floor().max(0.0) as u64
}

fn unref_timer(id: &JsValue) {
    // Node's Timeout object; browsers return a number (nothing to do).
    if id.is_object() {
        if let Ok(f) = js_sys::Reflect::get(id, &JsValue::from_str("unref")) {
            if let Some(f) = f.dyn_ref::<js_sys::Function>() {
                let _ = f.call0(id);
            }
        }
    }
}

/// A sleep on the shared timer of its lane (see [`Timers`]).
struct Sleep {
    lane: usize,
    /// Deadline in microseconds of `performance.now()`, rounded up.
    deadline_us: u64,
    /// The entry's key once registered (first pending poll).
    key: Option<(u64, u64)>,
}

impl Future for Sleep {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let lane = self.lane;
        let (ready, old) = TIMERS.with(|t| {
            let mut t = t[lane].borrow_mut();
            match self.key {
                Some(key) => match t.entries.get_mut(&key) {
                    // Not due yet: keep the latest waker.
                    Some(slot) => match slot {
                        Some(w) if w.will_wake(cx.waker()) => (false, None),
                        _ => (false, slot.replace(cx.waker().clone())),
                    },
                    // Removed by `fire`: due.
                    None => (true, None),
                },
                None => {
                    // When the armed host timer fires no later than this deadline, it will
                    // wake this sleep or re-arm for it: registered without reading the clock
                    // (a deadline already past is then woken by that timer).
                    let covered = matches!(&t.armed, Some((at, _)) if *at <= self.deadline_us);
                    let now_us = if covered { None } else { Some(now_us_floor()) };
                    if now_us.is_some_and(|now| now >= self.deadline_us) {
                        return (true, None);
                    }
                    let key = (self.deadline_us, t.next_seq);
                    t.next_seq += 1;
                    t.entries.insert(key, Some(cx.waker().clone()));
                    if let Some(now_us) = now_us {
                        t.rearm(lane, now_us);
                    }
                    self.key = Some(key);
                    (false, None)
                }
            }
        });
        drop(old);
        if ready {
            self.key = None;
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        let Some(key) = self.key.take() else { return };
        let lane = self.lane;
        let waker = TIMERS.with(|t| {
            let mut t = t[lane].borrow_mut();
            let waker = t.entries.remove(&key).flatten();
            if t.entries.is_empty() {
                t.rearm(lane, 0);
            }
            waker
        });
        drop(waker);
    }
}

/// A sleep on the host's clock (what every wasm clock's `sleep` returns).
pub(crate) fn sleep(duration: Duration) -> BoxFuture<'static, ()> {
    let lane = usize::from(IN_BACKGROUND.with(|b| b.get()));
    // Measured from now (the sleep's creation), like the host timer it replaces.
    let deadline_ms = monotonic_ms() + duration.as_secs_f64() * 1000.0;
    let deadline_us = (deadline_ms * 1000.0).ceil();
    let deadline_us = if deadline_us.is_finite() && deadline_us > 0.0 {
        deadline_us as u64
    } else if deadline_us > 0.0 {
        u64::MAX
    } else {
        0
    };
    Box::pin(Sleep {
        lane,
        deadline_us,
        key: None,
    })
}

/// Real time in JS hosts (browsers, Node ≥ 18, workers): `performance.now()` on every read.
#[derive(Clone)]
pub struct WasmClock {
    origin_ms: f64,
}

// By hand: a derived `Debug` would format the `f64` and pull float formatting (~10 KB
// gzipped) into every wasm binary, since `SharedClock`'s vtable needs `Debug`.
impl std::fmt::Debug for WasmClock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WasmClock").finish_non_exhaustive()
    }
}

impl WasmClock {
    /// A clock whose origin is now.
    pub fn new() -> Self {
        Self {
            origin_ms: monotonic_ms(),
        }
    }
}

impl Default for WasmClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for WasmClock {
    fn now(&self) -> Duration {
        since(self.origin_ms, monotonic_ms())
    }

    fn wall_time(&self) -> Duration {
        js_wall_time()
    }

    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        sleep(duration)
    }
}

/// [`WasmClock`] with a cached reading for hot paths; see the module docs.
#[derive(Clone)]
pub struct CoarseWasmClock {
    /// `monotonic_ms()` at creation, as a `Duration` since the host's time origin.
    origin: Duration,
}

impl std::fmt::Debug for CoarseWasmClock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CoarseWasmClock").finish_non_exhaustive()
    }
}

impl CoarseWasmClock {
    /// Reads of one cached `performance.now()` value before it is taken again (even if the
    /// 1 ms timer has not fired, e.g. inside a long synchronous loop).
    pub const MAX_READS: u32 = 64;

    /// A clock whose origin is now.
    pub fn new() -> Self {
        Self {
            origin: since(0.0, monotonic_ms()),
        }
    }
}

impl CoarseWasmClock {
    /// This clock's origin in `performance.now()` milliseconds: its `now()` is the coarse
    /// reading minus this.
    pub fn origin_ms(&self) -> f64 {
        self.origin.as_secs_f64() * 1000.0
    }
}

/// The address in linear memory of the coarse reading: two `f64`s, `[performance.now() ms
/// of the cached reading, or NaN when stale; reads left of it]`. A host may use the reading
/// only while a read is left, taking one (decrementing the second) per use; it writes
/// nothing else. When none is left (or the reading is stale) it asks core, whose next read
/// takes a fresh reading.
pub fn coarse_published_reading() -> usize {
    COARSE_PUB.with(|p| p[0].as_ptr() as usize)
}

impl Default for CoarseWasmClock {
    fn default() -> Self {
        Self::new()
    }
}

// The cached read is `#[inline]` (compiled with its caller: the cache's hot path is built at
// the binding's opt-level); taking a fresh reading is not.
#[inline]
fn coarse_now() -> Duration {
    if let Some(cached) = COARSE_NOW.with(|c| c.get()) {
        let left = COARSE_PUB.with(|p| p[1].get());
        if left >= 1.0 {
            COARSE_PUB.with(|p| p[1].set(left - 1.0));
            return cached;
        }
    }
    coarse_refresh()
}

#[inline(never)]
fn coarse_refresh() -> Duration {
    let ms = monotonic_ms();
    let now = since(0.0, ms);
    COARSE_NOW.with(|c| c.set(Some(now)));
    COARSE_PUB.with(|p| {
        p[0].set(ms);
        p[1].set(f64::from(CoarseWasmClock::MAX_READS - 1));
    });
    if !COARSE_TIMER.with(|t| t.replace(true)) {
        COARSE_EXPIRE.with(|cell| {
            let mut cell = cell.borrow_mut();
            let f = cell.get_or_insert_with(|| {
                Closure::<dyn FnMut()>::new(|| {
                    COARSE_NOW.with(|c| c.set(None));
                    COARSE_PUB.with(|p| p[0].set(f64::NAN));
                    COARSE_TIMER.with(|t| t.set(false));
                })
            });
            let id = set_timeout(f.as_ref().unchecked_ref(), 1.0);
            unref_timer(&id);
        });
    }
    now
}

impl Clock for CoarseWasmClock {
    #[inline]
    fn now(&self) -> Duration {
        coarse_now().saturating_sub(self.origin)
    }

    fn wall_time(&self) -> Duration {
        js_wall_time()
    }

    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        sleep(duration)
    }
}
