//! Native clock: `std::time::Instant` for monotonic time, tokio for sleeping.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::{BoxFuture, Clock};

/// Real time on native targets. Sleeps use the current tokio runtime, or the crate's
/// background runtime when called outside one.
#[derive(Debug, Clone)]
pub struct TokioClock {
    origin: Instant,
}

impl TokioClock {
    /// A clock whose origin is now.
    pub fn new() -> Self {
        Self {
            origin: Instant::now(),
        }
    }
}

impl Default for TokioClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for TokioClock {
    fn now(&self) -> Duration {
        self.origin.elapsed()
    }

    fn wall_time(&self) -> Duration {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
    }

    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        if tokio::runtime::Handle::try_current().is_ok() {
            Box::pin(tokio::time::sleep(duration))
        } else {
            let _guard = super::task::background_runtime().enter();
            Box::pin(tokio::time::sleep(duration))
        }
    }
}
