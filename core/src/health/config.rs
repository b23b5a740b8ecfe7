//! [`HealthConfig`]: intervals, thresholds and switches of a [`HealthChecker`](super::HealthChecker).

use std::time::Duration;

use serde::Serialize;

use crate::error::{Error, Result};
use crate::time_fmt::ser_duration_ms;

/// Configuration of a [`HealthChecker`](super::HealthChecker).
///
/// Defaults (Kubernetes-probe-like): `check_interval` 30 s, `check_timeout` 10 s,
/// `failure_threshold` 3, `recovery_threshold` 2, `recovery_timeout` 30 s,
/// `history_size` 20, `enable_auto_checks` **false** (no background task unless asked for,
/// or started with [`start`](super::HealthChecker::start)), `enable_auto_recovery` true
/// (recovery only ever runs for components that registered an action),
/// `enable_diagnostics` true (a bounded history per component).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HealthConfig {
    /// Start the periodic check loop in [`initialize`](super::HealthChecker::initialize).
    pub enable_auto_checks: bool,
    /// Period of the automatic check loop (fixed rate; an overrunning round skips ticks).
    #[serde(rename = "check_interval_ms", serialize_with = "ser_duration_ms")]
    pub check_interval: Duration,
    /// Deadline of one check; a check still running at this point counts as a failure.
    #[serde(rename = "check_timeout_ms", serialize_with = "ser_duration_ms")]
    pub check_timeout: Duration,
    /// Consecutive failures that make a component `Unhealthy` (Kubernetes `failureThreshold`).
    pub failure_threshold: u32,
    /// Consecutive successes that bring an `Unhealthy` component back (Kubernetes
    /// `successThreshold`).
    pub recovery_threshold: u32,
    /// Run a component's recovery action when it becomes `Unhealthy`.
    pub enable_auto_recovery: bool,
    /// Keep per-component history for [`get_diagnostics`](super::HealthChecker::get_diagnostics).
    pub enable_diagnostics: bool,
    /// Deadline of one recovery action.
    #[serde(rename = "recovery_timeout_ms", serialize_with = "ser_duration_ms")]
    pub recovery_timeout: Duration,
    /// Number of check results kept per component when diagnostics are enabled (0 keeps none).
    pub history_size: usize,
    /// Optional service name, reported as `serviceId` in `application/health+json`.
    pub service_name: Option<String>,
    /// Optional human-readable description, reported as `description` in health+json.
    pub description: Option<String>,
}

impl Default for HealthConfig {
    fn default() -> Self {
        Self {
            enable_auto_checks: false,
            check_interval: Duration::from_secs(30),
            check_timeout: Duration::from_secs(10),
            failure_threshold: 3,
            recovery_threshold: 2,
            enable_auto_recovery: true,
            enable_diagnostics: true,
            recovery_timeout: Duration::from_secs(30),
            history_size: 20,
            service_name: None,
            description: None,
        }
    }
}

impl HealthConfig {
    /// Checks every field; the error names the first offending one.
    pub fn validate(&self) -> Result<()> {
        crate::error::check_duration("check_interval", self.check_interval)?;
        crate::error::check_duration("check_timeout", self.check_timeout)?;
        if self.failure_threshold == 0 {
            return Err(Error::invalid_config(
                "failure_threshold",
                "must be at least 1",
            ));
        }
        if self.recovery_threshold == 0 {
            return Err(Error::invalid_config(
                "recovery_threshold",
                "must be at least 1",
            ));
        }
        crate::error::check_duration("recovery_timeout", self.recovery_timeout)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_documented_values() {
        let c = HealthConfig::default();
        c.validate().unwrap();
        assert_eq!(c.check_interval, Duration::from_secs(30));
        assert_eq!(c.check_timeout, Duration::from_secs(10));
        assert_eq!((c.failure_threshold, c.recovery_threshold), (3, 2));
        assert!(!c.enable_auto_checks);
    }

    #[test]
    fn zero_values_are_rejected_naming_the_field() {
        let cases: Vec<(&str, HealthConfig)> = vec![
            (
                "check_interval",
                HealthConfig {
                    check_interval: Duration::ZERO,
                    ..Default::default()
                },
            ),
            (
                "check_timeout",
                HealthConfig {
                    check_timeout: Duration::ZERO,
                    ..Default::default()
                },
            ),
            (
                "failure_threshold",
                HealthConfig {
                    failure_threshold: 0,
                    ..Default::default()
                },
            ),
            (
                "recovery_threshold",
                HealthConfig {
                    recovery_threshold: 0,
                    ..Default::default()
                },
            ),
            (
                "recovery_timeout",
                HealthConfig {
                    recovery_timeout: Duration::ZERO,
                    ..Default::default()
                },
            ),
        ];
        for (field, cfg) in cases {
            match cfg.validate() {
                Err(Error::InvalidConfig { field: f, .. }) => assert_eq!(f, field),
                other => panic!("{field}: expected InvalidConfig, got {other:?}"),
            }
        }
    }

    #[test]
    fn serializes_durations_in_milliseconds() {
        let v = serde_json::to_value(HealthConfig::default()).unwrap();
        assert_eq!(v["check_interval_ms"], 30000);
        assert_eq!(v["check_timeout_ms"], 10000);
        assert_eq!(v["failure_threshold"], 3);
    }
}
