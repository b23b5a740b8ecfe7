//! `ManualClock`: virtual time for host tests. Components built with `withClock(..., clock)`
//! read it instead of the real clock, so TTLs, batch delays, retries and health intervals
//! move only on `advance`.
//!
//! In Rust tests a single-threaded executor makes virtual time exact: `advance` fires a
//! timer, lets every ready task run, then fires the next. Across the FFI the work is spread
//! over threads: the SDK's tasks run on its runtimes, host callbacks (a Kotlin executor, a
//! Swift check) on the host's threads, and SDK futures are polled by host coroutines. So
//! this clock keeps the books the single-threaded executor would give for free:
//! - the deadline of every timer components set on it (so `advance` can step timer by timer);
//! - host callbacks in flight, and how many of them wait on this clock (`sleep`);
//! - SDK futures (of components built on it) that were woken but not polled again.
//!
//! `settle` waits until all of that is quiet (and the SDK's runtimes have run their ready
//! tasks), so each step of a virtual-time test sees the full effect of the previous one,
//! as in Rust. It never hangs: after 10 s of real time it gives up.

use std::collections::BTreeSet;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll, Wake, Waker};
use std::time::{Duration, SystemTime};

use mantra_sdk as sdk;
use parking_lot::Mutex;
use sdk::Clock;

use crate::util::{to_u64, wall};

/// Real time `settle` waits for the system to become quiet before giving up.
const SETTLE_LIMIT: Duration = Duration::from_secs(10);

/// The bookkeeping shared by a [`ManualClock`] and every component built on it.
pub(crate) struct VirtualTime {
    clock: sdk::ManualClock,
    /// `(deadline, id)` of every live timer created on this clock.
    timers: Mutex<BTreeSet<(Duration, u64)>>,
    next_id: AtomicU64,
    /// Host callbacks (executor, check, fetcher, recovery) in flight.
    host_calls: AtomicUsize,
    /// Host calls of `ManualClock.sleep` in flight (host code waiting on virtual time).
    host_sleeps: AtomicUsize,
    /// Tracked SDK futures woken and not yet polled again.
    woken: AtomicUsize,
    /// Bumped on every change of the above.
    generation: AtomicU64,
    /// Host calls start one at a time, in the order the SDK makes them (see [`host_call`]).
    gate: tokio::sync::Mutex<()>,
    /// Counts `ManualClock.sleep` calls started by host code.
    sleep_starts: tokio::sync::watch::Sender<u64>,
}

impl std::fmt::Debug for VirtualTime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VirtualTime")
            .field("now", &self.clock.now())
            .field("timers", &self.timers.lock().len())
            .field("host_calls", &self.host_calls.load(SeqCst))
            .field("host_sleeps", &self.host_sleeps.load(SeqCst))
            .field("woken", &self.woken.load(SeqCst))
            .finish()
    }
}

impl VirtualTime {
    fn new() -> Arc<Self> {
        Arc::new(Self {
            clock: sdk::ManualClock::new(),
            timers: Mutex::new(BTreeSet::new()),
            next_id: AtomicU64::new(0),
            host_calls: AtomicUsize::new(0),
            host_sleeps: AtomicUsize::new(0),
            woken: AtomicUsize::new(0),
            generation: AtomicU64::new(0),
            gate: tokio::sync::Mutex::new(()),
            sleep_starts: tokio::sync::watch::channel(0).0,
        })
    }

    fn bump(&self) {
        self.generation.fetch_add(1, SeqCst);
    }

    /// The clock handle components are built with.
    pub(crate) fn shared_clock(self: &Arc<Self>) -> sdk::SharedClock {
        Arc::new(TrackedClock(self.clone()))
    }

    /// The earliest live timer strictly after now (timers already due complete when
    /// polled and need no advance).
    fn next_deadline(&self) -> Option<Duration> {
        let now = self.clock.now();
        self.timers
            .lock()
            .iter()
            .map(|(d, _)| *d)
            .find(|d| *d > now)
    }

    fn busy(&self) -> bool {
        self.host_calls.load(SeqCst) > self.host_sleeps.load(SeqCst) || self.woken.load(SeqCst) > 0
    }

    /// Waits until the SDK's runtimes ran their ready tasks, no host callback is running
    /// (other than waiting on this clock) and no tracked future waits to be polled, with
    /// nothing changing over two rounds.
    pub(crate) async fn settle(&self) {
        let started = std::time::Instant::now();
        let mut last = u64::MAX;
        let mut quiet_rounds = 0;
        loop {
            sdk::ManualClock::settle().await;
            runtime_barrier().await;
            let busy = self.busy();
            let generation = self.generation.load(SeqCst);
            if !busy && generation == last {
                quiet_rounds += 1;
                if quiet_rounds >= 2 {
                    return;
                }
            } else {
                quiet_rounds = 0;
            }
            last = generation;
            if started.elapsed() > SETTLE_LIMIT {
                eprintln!("mantra-sdk ManualClock.settle: still busy after {SETTLE_LIMIT:?}, giving up: {self:?}");
                return;
            }
            if busy {
                // Host threads are working: give them real time.
                pause(Duration::from_micros(200)).await;
            }
        }
    }

    /// Moves time to `now + by`, stopping at every timer on the way to let its effects
    /// (including host callbacks) settle before the next one.
    pub(crate) async fn advance(&self, by: Duration) {
        let target = self.clock.now().saturating_add(by);
        loop {
            self.settle().await;
            match self.next_deadline() {
                Some(d) if d <= target => {
                    let now = self.clock.now();
                    self.clock.advance(d.saturating_sub(now)).await;
                }
                _ => break,
            }
        }
        let now = self.clock.now();
        if target > now {
            self.clock.advance(target - now).await;
        }
        self.settle().await;
    }
}

/// The tokio runtimes SDK tasks may run on: the virtual-time runtime (every task of a
/// component built on a `ManualClock`), the core's background runtime and the runtime the
/// current async call runs in (uniffi's).
async fn runtime_barrier() {
    let current = tokio::runtime::Handle::try_current().ok();
    let vt = Some(vt_runtime().handle().clone());
    for h in [vt, background_handle(), current].into_iter().flatten() {
        for _ in 0..2 {
            let _ = h
                .spawn(async {
                    for _ in 0..4 {
                        tokio::task::yield_now().await;
                    }
                })
                .await;
        }
    }
}

/// The core's background runtime, reached by spawning from a thread outside any runtime.
fn background_handle() -> Option<tokio::runtime::Handle> {
    static HANDLE: OnceLock<Option<tokio::runtime::Handle>> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            std::thread::spawn(|| {
                let (tx, rx) = std::sync::mpsc::channel();
                sdk::runtime::spawn(async move {
                    let _ = tx.send(tokio::runtime::Handle::current());
                });
                rx.recv_timeout(Duration::from_secs(5)).ok()
            })
            .join()
            .ok()
            .flatten()
        })
        .clone()
}

/// One single-threaded runtime (driven by its own thread) for the tasks of every component
/// built on a `ManualClock`: tasks then run in spawn order, as on the current-thread runtime
/// of a Rust test, whichever host thread made the call.
fn vt_runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    static DRIVER: std::sync::Once = std::sync::Once::new();
    let rt = RT.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("failed to start the mantra-sdk virtual-time runtime")
    });
    DRIVER.call_once(|| {
        let _ = std::thread::Builder::new()
            .name("mantra-sdk-vt".into())
            .spawn(|| {
                if let Some(rt) = RT.get() {
                    rt.block_on(futures::future::pending::<()>());
                }
            });
    });
    rt
}

/// While alive, SDK tasks spawned by this thread go to the virtual-time runtime (no-op
/// without virtual time).
pub(crate) fn enter(vt: Option<&Arc<VirtualTime>>) -> Option<tokio::runtime::EnterGuard<'static>> {
    vt.map(|_| vt_runtime().enter())
}

/// Runs one host callback. With virtual time, host callbacks start one at a time in the
/// order the SDK makes them (host coroutines would otherwise start in any order on the
/// host's thread pool): the next may start once this one returned or waits on the clock.
pub(crate) async fn host_call<F: Future>(
    vt: Option<Arc<VirtualTime>>,
    call: HostCall,
    fut: F,
) -> F::Output {
    let Some(vt) = vt else {
        let out = fut.await;
        drop(call);
        return out;
    };
    let mut fut = std::pin::pin!(fut);
    let turn = vt.gate.lock().await;
    let mut starts = vt.sleep_starts.subscribe();
    let base = *starts.borrow_and_update();
    let first = {
        let sleeping = std::pin::pin!(starts.wait_for(|n| *n > base));
        match futures::future::select(fut.as_mut(), sleeping).await {
            futures::future::Either::Left((out, _)) => Some(out),
            futures::future::Either::Right(_) => None,
        }
    };
    drop(turn);
    let out = match first {
        Some(out) => out,
        None => fut.await,
    };
    drop(call);
    out
}

async fn pause(d: Duration) {
    if tokio::runtime::Handle::try_current().is_ok() {
        tokio::time::sleep(d).await;
    } else {
        std::thread::sleep(d);
    }
}

/// The core's `ManualClock` plus timer bookkeeping.
#[derive(Debug)]
struct TrackedClock(Arc<VirtualTime>);

impl Clock for TrackedClock {
    fn now(&self) -> Duration {
        self.0.clock.now()
    }

    fn wall_time(&self) -> Duration {
        self.0.clock.wall_time()
    }

    fn sleep(&self, duration: Duration) -> sdk::runtime::BoxFuture<'static, ()> {
        let vt = &self.0;
        let key = (
            vt.clock.now().saturating_add(duration),
            vt.next_id.fetch_add(1, SeqCst),
        );
        vt.timers.lock().insert(key);
        vt.bump();
        Box::pin(TrackedSleep {
            inner: vt.clock.sleep(duration),
            vt: vt.clone(),
            key,
        })
    }
}

struct TrackedSleep {
    inner: sdk::runtime::BoxFuture<'static, ()>,
    vt: Arc<VirtualTime>,
    key: (Duration, u64),
}

impl TrackedSleep {
    fn forget(&self) {
        if self.vt.timers.lock().remove(&self.key) {
            self.vt.bump();
        }
    }
}

impl Future for TrackedSleep {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let r = self.inner.as_mut().poll(cx);
        if r.is_ready() {
            self.forget();
        }
        r
    }
}

impl Drop for TrackedSleep {
    fn drop(&mut self) {
        self.forget();
    }
}

/// Marks a host callback in flight while alive (no-op without virtual time).
pub(crate) struct HostCall(Option<Arc<VirtualTime>>);

impl HostCall {
    pub(crate) fn start(vt: Option<&Arc<VirtualTime>>) -> Self {
        if let Some(v) = vt {
            v.host_calls.fetch_add(1, SeqCst);
            v.bump();
        }
        Self(vt.cloned())
    }
}

impl Drop for HostCall {
    fn drop(&mut self) {
        if let Some(v) = &self.0 {
            v.host_calls.fetch_sub(1, SeqCst);
            v.bump();
        }
    }
}

/// A future polled by the host whose wake-ups are counted (pass-through without
/// virtual time), so `settle` can wait until the host has polled it again.
pub(crate) struct Tracked<F> {
    fut: Pin<Box<F>>,
    flag: Option<Arc<WakeFlag>>,
}

struct WakeFlag {
    vt: Arc<VirtualTime>,
    pending: AtomicBool,
    /// The future finished or was dropped: later wake-ups (wakers left behind in timers or
    /// channels) no longer count.
    done: AtomicBool,
    waker: Mutex<Option<Waker>>,
}

impl Wake for WakeFlag {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref()
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if self.done.load(SeqCst) {
            return;
        }
        if !self.pending.swap(true, SeqCst) {
            self.vt.woken.fetch_add(1, SeqCst);
            self.vt.bump();
        }
        let w = self.waker.lock().clone();
        if let Some(w) = w {
            w.wake();
        }
    }
}

impl WakeFlag {
    fn finish(&self) {
        self.done.store(true, SeqCst);
        self.clear();
        self.waker.lock().take();
    }

    fn clear(&self) {
        if self.pending.swap(false, SeqCst) {
            self.vt.woken.fetch_sub(1, SeqCst);
            self.vt.bump();
        }
    }
}

/// Wraps `fut` so its wake-ups count towards `vt`'s `settle` (when there is one).
pub(crate) fn tracked<F: Future>(vt: Option<&Arc<VirtualTime>>, fut: F) -> Tracked<F> {
    Tracked {
        fut: Box::pin(fut),
        flag: vt.map(|vt| {
            Arc::new(WakeFlag {
                vt: vt.clone(),
                pending: AtomicBool::new(false),
                done: AtomicBool::new(false),
                waker: Mutex::new(None),
            })
        }),
    }
}

impl<F: Future> Future for Tracked<F> {
    type Output = F::Output;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let Some(flag) = self.flag.clone() else {
            return self.fut.as_mut().poll(cx);
        };
        {
            let mut w = flag.waker.lock();
            if !w.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
                *w = Some(cx.waker().clone());
            }
        }
        flag.clear();
        let waker = Waker::from(flag.clone());
        let _rt = vt_runtime().enter();
        let r = self.fut.as_mut().poll(&mut Context::from_waker(&waker));
        if r.is_ready() {
            flag.finish();
        }
        r
    }
}

impl<F> Drop for Tracked<F> {
    fn drop(&mut self) {
        if let Some(flag) = &self.flag {
            flag.finish();
        }
    }
}

/// A clock that moves only when told to (the core's `ManualClock`). Starts at zero; its
/// wall time starts at 2023-11-14T22:13:20Z. Build components on it with their
/// `withClock` constructors.
///
/// `advance` fires due timers in deadline order and, between timers, waits until the
/// effects have settled: SDK tasks ran, host callbacks returned (or wait on `sleep`), and
/// SDK calls the host awaits were polled. Host callbacks that must wait on virtual time use
/// `sleep`.
#[derive(uniffi::Object)]
pub struct ManualClock {
    vt: Arc<VirtualTime>,
}

impl ManualClock {
    /// The bookkeeping components built on this clock share.
    pub(crate) fn virtual_time(&self) -> Arc<VirtualTime> {
        self.vt.clone()
    }

    /// The clock as the core's shared clock handle.
    pub(crate) fn shared(&self) -> sdk::SharedClock {
        self.vt.shared_clock()
    }
}

#[uniffi::export(async_runtime = "tokio")]
impl ManualClock {
    /// A clock at virtual time zero.
    #[uniffi::constructor]
    pub fn new() -> Arc<Self> {
        Arc::new(Self {
            vt: VirtualTime::new(),
        })
    }

    /// Moves time forward by `by`, firing every timer that falls due on the way, in order,
    /// and letting the effects of each settle before the next.
    pub async fn advance(&self, by: Duration) {
        self.vt.advance(by).await
    }

    /// Waits (in real time, at most 10 s) until the SDK and host callbacks are quiet,
    /// without moving virtual time.
    pub async fn settle(&self) {
        self.vt.settle().await
    }

    /// Suspends the calling host code until `duration` of virtual time has passed: how a
    /// host callback (an executor, a check) waits on this clock.
    pub async fn sleep(&self, duration: Duration) {
        let vt = &self.vt;
        vt.host_sleeps.fetch_add(1, SeqCst);
        vt.bump();
        struct Done<'a>(&'a VirtualTime);
        impl Drop for Done<'_> {
            fn drop(&mut self) {
                self.0.host_sleeps.fetch_sub(1, SeqCst);
                self.0.bump();
            }
        }
        let _done = Done(vt);
        // Tracked: once the timer fires, `settle` waits for the host to resume.
        let sleep = tracked(Some(vt), vt.shared_clock().sleep(duration));
        vt.sleep_starts.send_modify(|n| *n += 1);
        sleep.await
    }

    /// Virtual time since the clock was created.
    pub fn now(&self) -> Duration {
        self.vt.clock.now()
    }

    /// The wall time this clock reports (its origin plus `now()`).
    pub fn wall_time(&self) -> SystemTime {
        wall(self.vt.clock.wall_time())
    }

    /// Timers currently waiting on this clock.
    pub fn pending_sleeps(&self) -> u64 {
        to_u64(self.vt.clock.pending_sleeps())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "current_thread")]
    async fn advances_only_when_told_and_tracks_timers() {
        let clock = ManualClock::new();
        assert_eq!(clock.now(), Duration::ZERO);
        let shared = clock.shared();
        let sleep = shared.sleep(Duration::from_millis(10));
        assert_eq!(clock.vt.next_deadline(), Some(Duration::from_millis(10)));
        let h = tokio::spawn(sleep);
        clock.settle().await;
        assert_eq!(clock.pending_sleeps(), 1);
        clock.advance(Duration::from_millis(10)).await;
        h.await.unwrap();
        assert_eq!(clock.now(), Duration::from_millis(10));
        assert_eq!(clock.vt.next_deadline(), None, "fired timers are forgotten");
        assert_eq!(
            clock.wall_time(),
            wall(sdk::ManualClock::new().wall_time()) + Duration::from_millis(10)
        );
        drop(shared.sleep(Duration::from_secs(1)));
        assert_eq!(
            clock.vt.next_deadline(),
            None,
            "dropped timers are forgotten"
        );
    }

    #[tokio::test(flavor = "current_thread")]
    async fn chained_timers_fire_in_order_within_one_advance() {
        let clock = ManualClock::new();
        let shared = clock.shared();
        let log = Arc::new(Mutex::new(Vec::new()));
        let (c, l) = (shared.clone(), log.clone());
        tokio::spawn(async move {
            for _ in 0..3 {
                c.sleep(Duration::from_millis(100)).await;
                l.lock().push(c.now());
            }
        });
        clock.settle().await;
        clock.advance(Duration::from_millis(250)).await;
        assert_eq!(
            *log.lock(),
            vec![Duration::from_millis(100), Duration::from_millis(200)]
        );
    }

    #[tokio::test(flavor = "current_thread")]
    async fn host_calls_and_woken_futures_keep_settle_waiting() {
        let clock = ManualClock::new();
        let vt = clock.virtual_time();
        {
            let _call = HostCall::start(Some(&vt));
            assert!(vt.busy());
        }
        assert!(!vt.busy());
        let (tx, rx) = tokio::sync::oneshot::channel::<u8>();
        let mut fut = Box::pin(tracked(Some(&vt), rx));
        assert!(futures::poll!(&mut fut).is_pending());
        tx.send(7).unwrap();
        assert!(vt.busy(), "woken, not yet polled");
        assert_eq!(fut.await.unwrap(), 7);
        assert!(!vt.busy());
        // A host callback waiting on the clock counts as quiet.
        let (c2, vt2) = (clock.clone(), vt.clone());
        let h = tokio::spawn(async move {
            let _call = HostCall::start(Some(&vt2));
            c2.sleep(Duration::from_secs(1)).await;
            c2.now()
        });
        clock.settle().await;
        assert_eq!(vt.host_calls.load(SeqCst), 1);
        assert!(!vt.busy());
        let started = std::time::Instant::now();
        clock.advance(Duration::from_secs(1)).await;
        assert!(started.elapsed() < SETTLE_LIMIT, "settle gave up");
        assert_eq!(h.await.unwrap(), Duration::from_secs(1));
        assert_eq!(vt.host_calls.load(SeqCst), 0);
    }
}
