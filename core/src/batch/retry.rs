//! Retry backoff: `retry_delay · 2^n`, plus up to 50 % jitter, capped, never shorter than
//! the server's `Retry-After`.

use std::time::Duration;

use crate::runtime::Jitter;

/// Largest share of the backoff added as random jitter.
pub(crate) const JITTER_FRACTION: f64 = 0.5;

/// Default cap on one retry's backoff (before `Retry-After`, which is always honoured).
pub(crate) const DEFAULT_MAX_RETRY_DELAY: Duration = Duration::from_secs(30);

/// Delay before retry number `n` (0 = the first retry):
/// `min(retry_delay · 2^n · (1 + jitter), cap)`, then at least `retry_after`.
pub(crate) fn backoff_delay(
    retry_delay: Duration,
    n: u32,
    cap: Duration,
    jitter: Option<&mut Jitter>,
    retry_after: Option<Duration>,
) -> Duration {
    let factor = 1u32.checked_shl(n).unwrap_or(u32::MAX);
    let mut delay = retry_delay.saturating_mul(factor);
    if let Some(j) = jitter {
        let extra = delay.as_secs_f64() * JITTER_FRACTION * j.next_f64();
        if extra.is_finite() && extra > 0.0 {
            delay = delay.saturating_add(Duration::from_secs_f64(extra.min(1e9)));
        }
    }
    delay = delay.min(cap);
    match retry_after {
        Some(ra) => delay.max(ra),
        None => delay,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: fn(u64) -> Duration = Duration::from_millis;

    #[test]
    fn doubles_caps_and_honours_retry_after() {
        let cap = Duration::from_secs(1);
        assert_eq!(backoff_delay(MS(150), 0, cap, None, None), MS(150));
        assert_eq!(backoff_delay(MS(150), 1, cap, None, None), MS(300));
        assert_eq!(backoff_delay(MS(150), 2, cap, None, None), MS(600));
        assert_eq!(backoff_delay(MS(150), 3, cap, None, None), cap);
        assert_eq!(backoff_delay(MS(150), 200, cap, None, None), cap);
        assert_eq!(
            backoff_delay(MS(150), 0, cap, None, Some(MS(2000))),
            MS(2000)
        );
        assert_eq!(backoff_delay(MS(150), 0, cap, None, Some(MS(10))), MS(150));
    }

    #[test]
    fn jitter_stays_within_its_band() {
        let mut j = Jitter::new(42);
        let mut distinct = std::collections::HashSet::new();
        for _ in 0..200 {
            let d = backoff_delay(MS(100), 1, Duration::from_secs(60), Some(&mut j), None);
            assert!(d >= MS(200) && d < MS(300), "{d:?}");
            distinct.insert(d);
        }
        assert!(distinct.len() > 100);
    }
}
