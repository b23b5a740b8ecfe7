//! The [`HealthCheck`] trait, its outcome, per-check options and closure adapters.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use crate::error::{Error, Result};
use crate::runtime::{BoxFuture, SendOutsideWasm, SyncOutsideWasm};

/// What a passing check reports. A check that fails returns `Err(..)` instead (or times out,
/// or panics — all three count as a failure).
#[derive(Debug, Clone, PartialEq)]
pub enum CheckOutcome {
    /// Everything is fine.
    Healthy {
        /// Optional measurement (reported as `observedValue` in health+json).
        details: Option<Value>,
    },
    /// Working, but impaired (node catching up, cache under pressure, ...). Counts as a
    /// success for the thresholds, and makes the component `Degraded`.
    Degraded {
        /// Why.
        reason: String,
        /// Optional measurement.
        details: Option<Value>,
    },
}

impl CheckOutcome {
    /// A healthy outcome without details.
    pub fn healthy() -> Self {
        CheckOutcome::Healthy { details: None }
    }

    /// A degraded outcome with `reason`.
    pub fn degraded(reason: impl Into<String>) -> Self {
        CheckOutcome::Degraded {
            reason: reason.into(),
            details: None,
        }
    }

    /// The same outcome carrying `details`.
    pub fn with_details(self, details: Value) -> Self {
        match self {
            CheckOutcome::Healthy { .. } => CheckOutcome::Healthy {
                details: Some(details),
            },
            CheckOutcome::Degraded { reason, .. } => CheckOutcome::Degraded {
                reason,
                details: Some(details),
            },
        }
    }

    /// The details, if any.
    pub fn details(&self) -> Option<&Value> {
        match self {
            CheckOutcome::Healthy { details } | CheckOutcome::Degraded { details, .. } => {
                details.as_ref()
            }
        }
    }
}

impl From<()> for CheckOutcome {
    fn from(_: ()) -> Self {
        CheckOutcome::healthy()
    }
}

/// A health probe. Host bindings implement it for their callables; Rust code usually uses
/// [`check_fn`]. `check` returns a `'static` future so that the checker can run it under a
/// timeout without borrowing the check.
pub trait HealthCheck: SendOutsideWasm + SyncOutsideWasm {
    /// Runs the probe once: `Ok` = pass (healthy or degraded), `Err` = failure.
    fn check(&self) -> BoxFuture<'static, Result<CheckOutcome>>;
}

impl<T: HealthCheck + ?Sized> HealthCheck for Arc<T> {
    fn check(&self) -> BoxFuture<'static, Result<CheckOutcome>> {
        (**self).check()
    }
}

impl<T: HealthCheck + ?Sized> HealthCheck for Box<T> {
    fn check(&self) -> BoxFuture<'static, Result<CheckOutcome>> {
        (**self).check()
    }
}

/// A [`HealthCheck`] made from an async closure; see [`check_fn`].
#[derive(Clone)]
pub struct CheckFn<F>(F);

impl<F> std::fmt::Debug for CheckFn<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CheckFn")
    }
}

/// Wraps an async closure as a [`HealthCheck`]. The closure may return `Result<()>`
/// (healthy) or `Result<CheckOutcome>`:
///
/// ```
/// # use mantra_sdk::{check_fn, CheckOutcome};
/// let ok = check_fn(|| async { Ok(()) });
/// let slow = check_fn(|| async { Ok(CheckOutcome::degraded("catching up")) });
/// ```
pub fn check_fn<F, Fut, T>(f: F) -> CheckFn<F>
where
    F: Fn() -> Fut + SendOutsideWasm + SyncOutsideWasm + 'static,
    Fut: Future<Output = Result<T>> + SendOutsideWasm + 'static,
    T: Into<CheckOutcome>,
{
    CheckFn(f)
}

impl<F, Fut, T> HealthCheck for CheckFn<F>
where
    F: Fn() -> Fut + SendOutsideWasm + SyncOutsideWasm + 'static,
    Fut: Future<Output = Result<T>> + SendOutsideWasm + 'static,
    T: Into<CheckOutcome>,
{
    fn check(&self) -> BoxFuture<'static, Result<CheckOutcome>> {
        let fut = (self.0)();
        Box::pin(async move { fut.await.map(Into::into) })
    }
}

/// A check over a synchronous gauge (cache fill ratio, batch backlog, block age in
/// seconds, ...): healthy below `warn_at`, degraded from `warn_at`, failing from `fail_at`.
/// The observed value is reported as the check's details.
pub fn threshold_check<F>(
    name: impl Into<String>,
    observe: F,
    warn_at: f64,
    fail_at: f64,
) -> impl HealthCheck
where
    F: Fn() -> f64 + SendOutsideWasm + SyncOutsideWasm + 'static,
{
    let name = name.into();
    check_fn(move || {
        let v = observe();
        let name = name.clone();
        async move {
            let details = serde_json::json!(v);
            if v.is_nan() || v >= fail_at {
                Err(Error::HealthCheck {
                    check: name,
                    message: format!("{v} is at or above the failure level {fail_at}"),
                })
            } else if v >= warn_at {
                Ok(CheckOutcome::degraded(format!(
                    "{name}: {v} is at or above the warning level {warn_at}"
                ))
                .with_details(details))
            } else {
                Ok(CheckOutcome::healthy().with_details(details))
            }
        }
    })
}

/// Options of one registered check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HealthCheckOptions {
    /// An unhealthy critical component makes the system unhealthy; a non-critical one only
    /// degrades it. Default `true`.
    pub critical: bool,
    /// Overrides [`HealthConfig::check_timeout`](super::HealthConfig::check_timeout).
    pub timeout: Option<Duration>,
    /// Free-form labels, e.g. `"protocol"`, `"endpoint"`.
    pub tags: Vec<String>,
}

impl Default for HealthCheckOptions {
    fn default() -> Self {
        Self {
            critical: true,
            timeout: None,
            tags: Vec::new(),
        }
    }
}

impl HealthCheckOptions {
    /// Sets [`critical`](Self::critical).
    pub fn critical(mut self, critical: bool) -> Self {
        self.critical = critical;
        self
    }

    /// Sets a per-check timeout.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Adds a tag.
    pub fn tag(mut self, tag: impl Into<String>) -> Self {
        self.tags.push(tag.into());
        self
    }

    /// Validates the options (a zero timeout is rejected).
    pub fn validate(&self) -> Result<()> {
        if self.timeout.is_some_and(|t| t.is_zero()) {
            return Err(Error::invalid_config("timeout", "must be greater than 0"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "current_thread")]
    async fn closures_returning_unit_or_outcome_are_checks() {
        let ok = check_fn(|| async { Ok(()) });
        assert_eq!(ok.check().await.unwrap(), CheckOutcome::healthy());
        let deg = check_fn(|| async { Ok(CheckOutcome::degraded("slow")) });
        assert!(matches!(
            deg.check().await.unwrap(),
            CheckOutcome::Degraded { reason, .. } if reason == "slow"
        ));
        let err = check_fn(|| async { Err::<(), _>(Error::transport("refused")) });
        assert_eq!(err.check().await.unwrap_err().code(), "transport");
        let shared: Arc<dyn HealthCheck> = Arc::new(ok);
        assert!(shared.check().await.is_ok());
    }

    #[tokio::test(flavor = "current_thread")]
    async fn threshold_check_levels() {
        use std::sync::atomic::{AtomicU64, Ordering};
        let level = Arc::new(AtomicU64::new(0));
        let l = level.clone();
        let c = threshold_check(
            "cache_pressure",
            move || l.load(Ordering::SeqCst) as f64 / 100.0,
            0.8,
            0.95,
        );
        level.store(50, Ordering::SeqCst);
        let out = c.check().await.unwrap();
        assert_eq!(
            out,
            CheckOutcome::healthy().with_details(serde_json::json!(0.5))
        );
        level.store(80, Ordering::SeqCst);
        assert!(matches!(
            c.check().await.unwrap(),
            CheckOutcome::Degraded { .. }
        ));
        level.store(95, Ordering::SeqCst);
        assert_eq!(c.check().await.unwrap_err().code(), "health_check");
    }

    #[test]
    fn options_builder_and_validation() {
        let o = HealthCheckOptions::default()
            .critical(false)
            .timeout(Duration::from_secs(1))
            .tag("protocol");
        assert!(!o.critical);
        assert_eq!(o.tags, vec!["protocol".to_string()]);
        o.validate().unwrap();
        let bad = HealthCheckOptions::default().timeout(Duration::ZERO);
        assert!(matches!(
            bad.validate(),
            Err(Error::InvalidConfig {
                field: "timeout",
                ..
            })
        ));
        assert!(HealthCheckOptions::default().critical);
    }
}
