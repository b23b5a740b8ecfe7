//! [`BatchConfig`]: the seed's six batching knobs; [`BatchOptions`]: the further ones.

use std::time::Duration;

use crate::error::{Error, Result};

/// Batching configuration, exactly the seed's fields. Further knobs (byte bound, jitter,
/// retry-delay cap, priority aging) are setters on [`BatchManager`](super::BatchManager).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchConfig {
    /// Most operations in one batch (default 10 = CometBFT's `max_request_batch_size`).
    pub max_batch_size: usize,
    /// Longest an operation waits for companions before its batch is sent (default 10 ms).
    /// Zero sends on the next turn of the executor, batching everything queued until then.
    pub max_batch_delay: Duration,
    /// `false` sends every operation alone, immediately (default `true`).
    pub enable_auto_batching: bool,
    /// Most executor calls in flight at once; further batches wait in the queue (default 10).
    pub max_concurrent_batches: usize,
    /// Retries of a retryable error per operation; 0 disables retries (default 3).
    pub retry_attempts: u32,
    /// First retry backoff, doubled on every further retry, plus jitter (default 150 ms).
    pub retry_delay: Duration,
}

impl Default for BatchConfig {
    fn default() -> Self {
        Self {
            max_batch_size: 10,
            max_batch_delay: Duration::from_millis(10),
            enable_auto_batching: true,
            max_concurrent_batches: 10,
            retry_attempts: 3,
            retry_delay: Duration::from_millis(150),
        }
    }
}

impl BatchConfig {
    /// Checks every field; the error names the first offending one.
    pub fn validate(&self) -> Result<()> {
        if self.max_batch_size == 0 {
            return Err(Error::invalid_config(
                "max_batch_size",
                "must be greater than 0",
            ));
        }
        if self.max_concurrent_batches == 0 {
            return Err(Error::invalid_config(
                "max_concurrent_batches",
                "must be greater than 0",
            ));
        }
        crate::error::check_duration_allow_zero("max_batch_delay", self.max_batch_delay)?;
        crate::error::check_duration_allow_zero("retry_delay", self.retry_delay)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_the_documented_values() {
        let c = BatchConfig::default();
        assert_eq!(c.max_batch_size, 10);
        assert_eq!(c.max_batch_delay, Duration::from_millis(10));
        assert!(c.enable_auto_batching);
        assert_eq!(c.max_concurrent_batches, 10);
        assert_eq!(c.retry_attempts, 3);
        assert_eq!(c.retry_delay, Duration::from_millis(150));
        assert!(c.validate().is_ok());
    }

    #[test]
    fn zero_sizes_are_rejected_by_name_zero_delay_and_retries_allowed() {
        let err = BatchConfig {
            max_batch_size: 0,
            ..Default::default()
        }
        .validate()
        .unwrap_err();
        assert!(matches!(
            err,
            Error::InvalidConfig {
                field: "max_batch_size",
                ..
            }
        ));
        let err = BatchConfig {
            max_concurrent_batches: 0,
            ..Default::default()
        }
        .validate()
        .unwrap_err();
        assert!(matches!(
            err,
            Error::InvalidConfig {
                field: "max_concurrent_batches",
                ..
            }
        ));
        let ok = BatchConfig {
            max_batch_delay: Duration::ZERO,
            retry_attempts: 0,
            retry_delay: Duration::ZERO,
            ..Default::default()
        };
        assert!(ok.validate().is_ok());
    }

    #[test]
    fn unbounded_durations_are_rejected_by_name() {
        for field in ["max_batch_delay", "retry_delay"] {
            let mut c = BatchConfig::default();
            match field {
                "max_batch_delay" => c.max_batch_delay = Duration::MAX,
                _ => c.retry_delay = Duration::MAX,
            }
            match c.validate() {
                Err(Error::InvalidConfig { field: f, .. }) => assert_eq!(f, field),
                other => panic!("{field}: expected InvalidConfig, got {other:?}"),
            }
        }
    }
}

/// The batch manager's further knobs — its setters as data, for configs that carry them (a
/// [`ClientConfig`](crate::ClientConfig), the bindings' batch configs). `None` keeps the
/// manager's current value; [`BatchManager::apply_options`](super::BatchManager::apply_options)
/// applies the rest.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BatchOptions {
    /// Retry jitter on or off ([`set_retry_jitter`](super::BatchManager::set_retry_jitter)).
    pub retry_jitter: Option<bool>,
    /// Bound on one batch's encoded size
    /// ([`set_max_batch_bytes`](super::BatchManager::set_max_batch_bytes)).
    pub max_batch_bytes: Option<usize>,
    /// Cap on one retry's backoff
    /// ([`set_max_retry_delay`](super::BatchManager::set_max_retry_delay)).
    pub max_retry_delay: Option<Duration>,
    /// Priority aging step ([`set_priority_aging`](super::BatchManager::set_priority_aging)).
    pub priority_aging: Option<Duration>,
}

impl BatchOptions {
    /// Checks the values on their own (a manager's byte ceiling is checked when applied);
    /// the error names the field.
    pub fn validate(&self) -> Result<()> {
        if self.max_batch_bytes == Some(0) {
            return Err(Error::invalid_config(
                "max_batch_bytes",
                "must be greater than 0",
            ));
        }
        if let Some(d) = self.max_retry_delay {
            crate::error::check_duration("max_retry_delay", d)?;
        }
        if let Some(d) = self.priority_aging {
            crate::error::check_duration("priority_aging", d)?;
        }
        Ok(())
    }
}
