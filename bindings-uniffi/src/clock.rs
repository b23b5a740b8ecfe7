//! `ManualClock`: virtual time for host tests. Components built with `withClock(..., clock)`
//! read it instead of the real clock, so TTLs, batch delays and retries move only on
//! `advance`.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use mantra_sdk as sdk;
use sdk::Clock;

use crate::util::{to_u64, wall};

/// A clock that moves only when told to (the core's `ManualClock`). Starts at zero; its
/// wall time starts at 2023-11-14T22:13:20Z.
///
/// `advance` fires due timers in deadline order and lets the SDK's tasks run in between.
/// Host callbacks (a Kotlin executor, a Swift fetcher) run on the host's own threads: wait
/// for their effects (e.g. poll a counter) before advancing again.
#[derive(uniffi::Object)]
pub struct ManualClock {
    inner: sdk::ManualClock,
}

impl ManualClock {
    /// The clock as the core's shared clock handle.
    pub(crate) fn shared(&self) -> sdk::SharedClock {
        Arc::new(self.inner.clone())
    }
}

#[uniffi::export(async_runtime = "tokio")]
impl ManualClock {
    /// A clock at virtual time zero.
    #[uniffi::constructor]
    pub fn new() -> Arc<Self> {
        Arc::new(Self {
            inner: sdk::ManualClock::new(),
        })
    }

    /// Moves time forward by `by`, firing every timer that falls due on the way.
    pub async fn advance(&self, by: Duration) {
        self.inner.advance(by).await
    }

    /// Lets the SDK's ready tasks run without moving time.
    pub async fn settle(&self) {
        sdk::ManualClock::settle().await
    }

    /// Virtual time since the clock was created.
    pub fn now(&self) -> Duration {
        self.inner.now()
    }

    /// The wall time this clock reports (its origin plus `now()`).
    pub fn wall_time(&self) -> SystemTime {
        wall(self.inner.wall_time())
    }

    /// Timers currently waiting on this clock.
    pub fn pending_sleeps(&self) -> u64 {
        to_u64(self.inner.pending_sleeps())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "current_thread")]
    async fn advances_only_when_told() {
        let clock = ManualClock::new();
        assert_eq!(clock.now(), Duration::ZERO);
        let shared = clock.shared();
        let sleep = shared.sleep(Duration::from_millis(10));
        assert_eq!(clock.pending_sleeps(), 0, "registered on first poll");
        let h = tokio::spawn(sleep);
        clock.settle().await;
        assert_eq!(clock.pending_sleeps(), 1);
        clock.advance(Duration::from_millis(10)).await;
        h.await.unwrap();
        assert_eq!(clock.now(), Duration::from_millis(10));
        assert_eq!(
            clock.wall_time(),
            wall(sdk::runtime::ManualClock::new().wall_time()) + Duration::from_millis(10)
        );
    }
}
