//! Virtual time for tests: time moves only when [`ManualClock::advance`] is called.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use parking_lot::Mutex;

use super::{yield_now, BoxFuture, Clock};
use crate::vec_map::VecMap;

/// Wall time reported by a [`ManualClock`] at virtual time zero (2023-11-14T22:13:20Z).
pub const MANUAL_WALL_ORIGIN: Duration = Duration::from_secs(1_700_000_000);

#[derive(Debug, Default)]
struct State {
    now: Duration,
    next_id: u64,
    sleepers: VecMap<(Duration, u64), Waker>,
}

/// A clock that only moves when told to. Sleeps complete when [`advance`](Self::advance)
/// passes their deadline, in deadline order, with the executor given turns in between so
/// that chained timers (a retry after a backoff, a loop's next tick) fire as they would in
/// real time.
#[derive(Debug, Clone, Default)]
pub struct ManualClock {
    state: Arc<Mutex<State>>,
}

impl ManualClock {
    /// A clock at virtual time zero.
    pub fn new() -> Self {
        Self::default()
    }

    /// Moves time forward by `by`, firing every sleep that falls due on the way.
    pub async fn advance(&self, by: Duration) {
        let target = self.now().saturating_add(by);
        loop {
            Self::settle().await;
            if !self.fire_next(target) {
                break;
            }
        }
        self.jump_to(target);
        Self::settle().await;
    }

    /// One step of [`advance`](Self::advance), for hosts that interleave their own event
    /// loop between steps: if a sleep is due at or before `target`, moves time to the
    /// earliest such deadline (never backwards), wakes every sleep due by then and returns
    /// `true`; otherwise changes nothing and returns `false`.
    pub fn fire_next(&self, target: Duration) -> bool {
        let woken = {
            let mut st = self.state.lock();
            let next = match st.sleepers.first_key() {
                Some(&(deadline, _)) if deadline <= target => deadline,
                _ => return false,
            };
            st.now = st.now.max(next);
            Self::take_due(&mut st)
        };
        for w in woken {
            w.wake();
        }
        true
    }

    /// Sets the time to `target` (never backwards) and wakes every sleep due by then: the
    /// last step of [`advance`](Self::advance).
    pub fn jump_to(&self, target: Duration) {
        let woken = {
            let mut st = self.state.lock();
            st.now = st.now.max(target);
            Self::take_due(&mut st)
        };
        for w in woken {
            w.wake();
        }
    }

    fn take_due(st: &mut State) -> Vec<Waker> {
        let now = st.now;
        st.sleepers
            .take_through(&(now, u64::MAX))
            .into_iter()
            .map(|(_, w)| w)
            .collect()
    }

    /// The earliest deadline among the waiting sleeps.
    pub fn next_deadline(&self) -> Option<Duration> {
        self.state.lock().sleepers.first_key().map(|&(d, _)| d)
    }

    /// How many sleeps were ever created on this clock (a progress counter for hosts that
    /// wait until their tasks are idle).
    pub fn sleeps_created(&self) -> u64 {
        self.state.lock().next_id
    }

    /// Lets ready tasks run without moving time.
    pub async fn settle() {
        for _ in 0..32 {
            yield_now().await;
        }
    }

    /// Number of sleeps currently waiting on this clock.
    pub fn pending_sleeps(&self) -> usize {
        self.state.lock().sleepers.len()
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Duration {
        self.state.lock().now
    }

    fn wall_time(&self) -> Duration {
        MANUAL_WALL_ORIGIN + self.now()
    }

    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        let mut st = self.state.lock();
        let deadline = st.now + duration;
        let id = st.next_id;
        st.next_id += 1;
        Box::pin(ManualSleep {
            state: self.state.clone(),
            key: (deadline, id),
        })
    }
}

struct ManualSleep {
    state: Arc<Mutex<State>>,
    key: (Duration, u64),
}

impl Future for ManualSleep {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut st = self.state.lock();
        if st.now >= self.key.0 {
            st.sleepers.remove(&self.key);
            Poll::Ready(())
        } else {
            st.sleepers.insert(self.key, cx.waker().clone());
            Poll::Pending
        }
    }
}

impl Drop for ManualSleep {
    fn drop(&mut self) {
        self.state.lock().sleepers.remove(&self.key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::timeout;

    #[tokio::test(flavor = "current_thread")]
    async fn sleeps_fire_in_order_at_their_deadline() {
        let clock = ManualClock::new();
        let log = Arc::new(Mutex::new(Vec::new()));
        for ms in [30u64, 10, 20] {
            let c = clock.clone();
            let l = log.clone();
            tokio::spawn(async move {
                c.sleep(Duration::from_millis(ms)).await;
                l.lock().push((ms, c.now()));
            });
        }
        ManualClock::settle().await;
        assert_eq!(clock.pending_sleeps(), 3);
        clock.advance(Duration::from_millis(19)).await;
        assert_eq!(*log.lock(), vec![(10, Duration::from_millis(10))]);
        clock.advance(Duration::from_millis(11)).await;
        assert_eq!(log.lock().len(), 3);
        assert_eq!(log.lock()[2], (30, Duration::from_millis(30)));
        assert_eq!(clock.now(), Duration::from_millis(30));
        assert_eq!(clock.pending_sleeps(), 0);
    }

    #[tokio::test(flavor = "current_thread")]
    async fn chained_sleeps_fire_within_one_advance() {
        let clock = ManualClock::new();
        let ticks = Arc::new(Mutex::new(Vec::new()));
        let (c, t) = (clock.clone(), ticks.clone());
        tokio::spawn(async move {
            for _ in 0..3 {
                c.sleep(Duration::from_secs(1)).await;
                t.lock().push(c.now().as_secs());
            }
        });
        clock.advance(Duration::from_millis(3500)).await;
        assert_eq!(*ticks.lock(), vec![1, 2, 3]);
    }

    #[tokio::test(flavor = "current_thread")]
    async fn stepwise_advance_fires_deadlines_in_order_and_never_moves_back() {
        let clock = ManualClock::new();
        let log = Arc::new(Mutex::new(Vec::new()));
        for ms in [20u64, 10, 10] {
            let (c, l) = (clock.clone(), log.clone());
            tokio::spawn(async move {
                c.sleep(Duration::from_millis(ms)).await;
                l.lock().push(c.now().as_millis());
            });
        }
        ManualClock::settle().await;
        assert_eq!(clock.sleeps_created(), 3);
        assert_eq!(clock.next_deadline(), Some(Duration::from_millis(10)));
        let target = Duration::from_millis(15);
        assert!(clock.fire_next(target));
        ManualClock::settle().await;
        assert_eq!(*log.lock(), vec![10, 10]);
        assert_eq!(clock.now(), Duration::from_millis(10));
        assert!(
            !clock.fire_next(target),
            "the 20 ms sleep is past the target"
        );
        clock.jump_to(target);
        assert_eq!(clock.now(), target);
        clock.jump_to(Duration::from_millis(5));
        assert_eq!(clock.now(), target, "time never goes back");
        clock.jump_to(Duration::from_millis(20));
        ManualClock::settle().await;
        assert_eq!(*log.lock(), vec![10, 10, 20]);
        assert_eq!(clock.next_deadline(), None);
    }

    #[tokio::test(flavor = "current_thread")]
    async fn timeout_fires_in_virtual_time_and_drops_sleep() {
        let clock = ManualClock::new();
        let c = clock.clone();
        let h = tokio::spawn(async move {
            timeout(&c, Duration::from_secs(5), futures::future::pending::<()>()).await
        });
        clock.advance(Duration::from_secs(4)).await;
        assert!(!h.is_finished());
        clock.advance(Duration::from_secs(1)).await;
        assert_eq!(h.await.unwrap(), Err(crate::runtime::Elapsed));
        assert_eq!(clock.pending_sleeps(), 0);
        let ready = timeout(&clock, Duration::ZERO, async { 7 }).await;
        assert_eq!(ready, Ok(7));
        // A future ready on its first poll arms no timer at all (a cache hit's call).
        let made = clock.sleeps_created();
        assert_eq!(
            timeout(&clock, Duration::from_secs(5), async { 8 }).await,
            Ok(8)
        );
        assert_eq!(clock.sleeps_created(), made);
    }
}
