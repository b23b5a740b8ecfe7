//! Portable runtime: a [`Clock`] (monotonic time, wall time, sleep), task spawning and
//! timeouts that work on native targets (tokio), on `wasm32-unknown-unknown`
//! (`setTimeout`, `performance.now()`, `spawn_local`) and in virtual time ([`ManualClock`]).
//!
//! Nothing else in the crate reads the system clock or uses `tokio::time`: every timing
//! decision goes through a [`SharedClock`], so tests can drive TTLs, batch delays, retries
//! and health intervals exactly.

#[cfg(not(all(target_family = "wasm", target_os = "unknown")))]
mod fast_clock;
mod manual;
mod task;
#[cfg(not(all(target_family = "wasm", target_os = "unknown")))]
mod tokio_clock;
#[cfg(all(target_family = "wasm", target_os = "unknown"))]
mod wasm_clock;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

#[cfg(not(all(target_family = "wasm", target_os = "unknown")))]
pub use fast_clock::FastClock;
pub use manual::ManualClock;
pub use task::{spawn, spawn_background, BackgroundTask};
#[cfg(not(all(target_family = "wasm", target_os = "unknown")))]
pub use tokio_clock::TokioClock;
#[cfg(all(target_family = "wasm", target_os = "unknown"))]
pub use wasm_clock::{coarse_published_reading, CoarseWasmClock, WasmClock};
#[cfg(all(target_family = "wasm", target_os = "unknown"))]
pub(crate) use wasm_clock::{js_wall_time, sleep as js_sleep};

/// `Send` on native targets, nothing on wasm (where JS values and futures are `!Send`).
#[cfg(not(all(target_family = "wasm", target_os = "unknown")))]
pub trait SendOutsideWasm: Send {}
#[cfg(not(all(target_family = "wasm", target_os = "unknown")))]
impl<T: Send + ?Sized> SendOutsideWasm for T {}
/// `Send` on native targets, nothing on wasm (where JS values and futures are `!Send`).
#[cfg(all(target_family = "wasm", target_os = "unknown"))]
pub trait SendOutsideWasm {}
#[cfg(all(target_family = "wasm", target_os = "unknown"))]
impl<T: ?Sized> SendOutsideWasm for T {}

/// `Sync` on native targets, nothing on wasm.
#[cfg(not(all(target_family = "wasm", target_os = "unknown")))]
pub trait SyncOutsideWasm: Sync {}
#[cfg(not(all(target_family = "wasm", target_os = "unknown")))]
impl<T: Sync + ?Sized> SyncOutsideWasm for T {}
/// `Sync` on native targets, nothing on wasm.
#[cfg(all(target_family = "wasm", target_os = "unknown"))]
pub trait SyncOutsideWasm {}
#[cfg(all(target_family = "wasm", target_os = "unknown"))]
impl<T: ?Sized> SyncOutsideWasm for T {}

/// A boxed future that is `Send` outside wasm.
#[cfg(not(all(target_family = "wasm", target_os = "unknown")))]
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;
/// A boxed future that is `Send` outside wasm.
#[cfg(all(target_family = "wasm", target_os = "unknown"))]
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + 'a>>;

/// Source of time for every component.
pub trait Clock: SendOutsideWasm + SyncOutsideWasm + std::fmt::Debug {
    /// Monotonic time since an arbitrary, fixed origin.
    fn now(&self) -> Duration;
    /// Wall-clock time since the Unix epoch (for exported timestamps only).
    fn wall_time(&self) -> Duration;
    /// A future that completes after `duration` has passed on this clock.
    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()>;
}

/// The clock shared by components.
pub type SharedClock = Arc<dyn Clock>;

/// The platform's real clock: tokio on native targets, the JS clock on wasm.
pub fn default_clock() -> SharedClock {
    #[cfg(not(all(target_family = "wasm", target_os = "unknown")))]
    {
        Arc::new(TokioClock::new())
    }
    #[cfg(all(target_family = "wasm", target_os = "unknown"))]
    {
        Arc::new(WasmClock::new())
    }
}

/// The platform's cheapest monotonic clock for hot paths: [`FastClock`] on native targets
/// (kernel-tick resolution on Linux/Android), [`CoarseWasmClock`] on wasm (a cached
/// `performance.now()`, about 1 ms resolution).
///
/// `#[inline]`: the clock's vtable (and its `#[inline]` `now`) is then built in the calling
/// crate, at that crate's opt-level (the npm binding's hot paths are built at opt-level 3,
/// core at z).
#[inline]
pub fn fast_clock() -> SharedClock {
    #[cfg(not(all(target_family = "wasm", target_os = "unknown")))]
    {
        Arc::new(FastClock::new())
    }
    #[cfg(all(target_family = "wasm", target_os = "unknown"))]
    {
        Arc::new(CoarseWasmClock::new())
    }
}

/// Error of [`timeout`]: the deadline passed first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Elapsed;

/// Runs `fut` until it completes or `duration` passes on `clock`, whichever is first; the
/// duration counts from the first poll at which `fut` is pending (synchronous work in that
/// poll comes on top). A future that is ready on its first poll wins even for a zero
/// duration, and arms no timer.
pub async fn timeout<F: Future>(
    clock: &dyn Clock,
    duration: Duration,
    fut: F,
) -> Result<F::Output, Elapsed> {
    let mut fut = std::pin::pin!(fut);
    // Made only once `fut` is pending (a future ready on its first poll, such as a cache
    // hit, costs no timer), and measured from then.
    let mut sleep: Option<BoxFuture<'static, ()>> = None;
    std::future::poll_fn(|cx| {
        if let Poll::Ready(out) = fut.as_mut().poll(cx) {
            return Poll::Ready(Ok(out));
        }
        let sleep = sleep.get_or_insert_with(|| clock.sleep(duration));
        sleep.as_mut().poll(cx).map(|()| Err(Elapsed))
    })
    .await
}

/// Yields once to the executor so other ready tasks can run.
pub fn yield_now() -> YieldNow {
    YieldNow { yielded: false }
}

/// Future of [`yield_now`].
#[derive(Debug)]
#[must_use = "futures do nothing unless awaited"]
pub struct YieldNow {
    yielded: bool,
}

impl Future for YieldNow {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.yielded {
            Poll::Ready(())
        } else {
            self.yielded = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

/// Small deterministic jitter source (xorshift), seeded per use; no OS randomness needed
/// so it works unchanged on wasm.
#[derive(Debug, Clone)]
pub struct Jitter(u64);

impl Jitter {
    /// A generator seeded from `seed` (zero is replaced by a fixed odd constant).
    pub fn new(seed: u64) -> Self {
        Self(if seed == 0 {
            0x9E37_79B9_7F4A_7C15
        } else {
            seed
        })
    }

    /// A generator seeded from the clock's wall time and a per-process counter.
    pub fn from_clock(clock: &dyn Clock) -> Self {
        use std::sync::atomic::{AtomicU64, Ordering};
        static COUNTER: AtomicU64 = AtomicU64::new(1);
        let c = COUNTER.fetch_add(0x9E37_79B9, Ordering::Relaxed);
        Self::new(clock.wall_time().as_nanos() as u64 ^ c.rotate_left(17))
    }

    /// Next value in `[0, 1)`.
    pub fn next_f64(&mut self) -> f64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        (x >> 11) as f64 / (1u64 << 53) as f64
    }
}
