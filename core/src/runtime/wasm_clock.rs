//! Browser / Node clocks: `performance.now()` (falling back to `Date.now()`) and timers.
//!
//! * [`WasmClock`] reads `performance.now()` on every call (exact, ~40 ns in V8).
//! * [`CoarseWasmClock`] (what [`fast_clock`](super::fast_clock) returns on wasm, for hot
//!   paths such as a TTL check on every cache hit) caches that reading: a cached time is
//!   used until a 1 ms timer marks it stale or until it has been read
//!   [`CoarseWasmClock::MAX_READS`] times, whichever comes first. Like lru-cache's
//!   `ttlResolution` (1 ms), but bounded inside long synchronous runs too, where timers
//!   cannot fire. Expiry decisions on it are exact to about a millisecond.
//! * Sleeps are `setTimeout` timers. A sleep created while a [`spawn_background`]
//!   (super::spawn_background) loop is being polled (a cache cleanup sweep, a metrics
//!   aggregation tick, an automatic health check) is `unref`'d in Node, so a background loop
//!   never keeps a Node process alive; every other sleep (batch delays, retries, timeouts a
//!   caller awaits) keeps it alive, as a pending `setTimeout` does.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use futures::channel::oneshot;
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
    /// Set while a background task is being polled (see `task::spawn_background`).
    static IN_BACKGROUND: Cell<bool> = const { Cell::new(false) };
    /// The coarse clock's cached `monotonic_ms()`, NaN when stale.
    static COARSE_MS: Cell<f64> = const { Cell::new(f64::NAN) };
    /// Reads of the cached value since it was taken.
    static COARSE_READS: Cell<u32> = const { Cell::new(0) };
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

fn monotonic_ms() -> f64 {
    PERFORMANCE
        .with(|p| p.as_ref().map(|p| p.now()))
        .unwrap_or_else(js_sys::Date::now)
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

/// A `setTimeout` sleep; `clearTimeout` on drop. Unref'd (Node) when `unref` is set.
struct Timeout {
    id: JsValue,
    rx: oneshot::Receiver<()>,
    // Keeps the JS callback alive until the timer fires or is cleared.
    _callback: Closure<dyn FnMut()>,
}

impl Timeout {
    fn new(duration: Duration, unref: bool) -> Self {
        let (tx, rx) = oneshot::channel();
        let mut tx = Some(tx);
        let callback = Closure::<dyn FnMut()>::new(move || {
            if let Some(tx) = tx.take() {
                let _ = tx.send(());
            }
        });
        // setTimeout clamps delays above 2^31 - 1 ms to 1 ms; a longer sleep wakes early and
        // is re-armed by the caller's loop, never late.
        let ms = (duration.as_secs_f64() * 1000.0)
            .ceil()
            .min(2_147_483_647.0);
        let id = set_timeout(callback.as_ref().unchecked_ref(), ms);
        if unref {
            unref_timer(&id);
        }
        Self {
            id,
            rx,
            _callback: callback,
        }
    }
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

impl Future for Timeout {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        match Pin::new(&mut self.rx).poll(cx) {
            Poll::Ready(_) => Poll::Ready(()),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl Drop for Timeout {
    fn drop(&mut self) {
        clear_timeout(&self.id);
    }
}

fn sleep(duration: Duration) -> BoxFuture<'static, ()> {
    let unref = IN_BACKGROUND.with(|b| b.get());
    let mut remaining = duration;
    let clock_origin = monotonic_ms();
    Box::pin(async move {
        // A timer may fire a little early (clamping, coarse host timers): sleep again for
        // what is left, so a sleep never ends before its duration.
        loop {
            Timeout::new(remaining, unref).await;
            let elapsed = since(clock_origin, monotonic_ms());
            if elapsed >= duration {
                break;
            }
            remaining = duration - elapsed;
        }
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
    origin_ms: f64,
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
            origin_ms: monotonic_ms(),
        }
    }
}

impl Default for CoarseWasmClock {
    fn default() -> Self {
        Self::new()
    }
}

// The cached read is `#[inline]` (compiled with its caller: the cache's hot path is built at
// the binding's opt-level); taking a fresh reading is not.
#[inline]
fn coarse_ms() -> f64 {
    let cached = COARSE_MS.with(|c| c.get());
    if !cached.is_nan() {
        let reads = COARSE_READS.with(|r| r.get());
        if reads < CoarseWasmClock::MAX_READS {
            COARSE_READS.with(|r| r.set(reads + 1));
            return cached;
        }
    }
    coarse_refresh()
}

#[inline(never)]
fn coarse_refresh() -> f64 {
    let now = monotonic_ms();
    COARSE_MS.with(|c| c.set(now));
    COARSE_READS.with(|r| r.set(1));
    if !COARSE_TIMER.with(|t| t.replace(true)) {
        COARSE_EXPIRE.with(|cell| {
            let mut cell = cell.borrow_mut();
            let f = cell.get_or_insert_with(|| {
                Closure::<dyn FnMut()>::new(|| {
                    COARSE_MS.with(|c| c.set(f64::NAN));
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
        since(self.origin_ms, coarse_ms())
    }

    fn wall_time(&self) -> Duration {
        js_wall_time()
    }

    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        sleep(duration)
    }
}
