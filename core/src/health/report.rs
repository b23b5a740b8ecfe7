//! Health reports: [`ComponentHealth`] and [`SystemHealth`].

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Serialize;
use serde_json::Value;

use super::HealthStatus;
use crate::time_fmt::{ser_opt_latency_ms, ser_opt_wall};

/// Health of one registered check. Messages are credential-redacted.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ComponentHealth {
    /// Name the check was registered under.
    pub name: String,
    /// Current status.
    pub status: HealthStatus,
    /// Whether an unhealthy status makes the whole system unhealthy.
    pub critical: bool,
    /// Tags given at registration.
    pub tags: Vec<String>,
    /// Failures in a row (reset by any success).
    pub consecutive_failures: u32,
    /// Successes in a row (reset by any failure).
    pub consecutive_successes: u32,
    /// Message of the most recent failure; kept after recovery.
    pub last_error: Option<String>,
    /// Message of the latest result: the failure text or the degradation reason
    /// (`None` when the latest result was healthy).
    pub output: Option<String>,
    /// Details reported by the latest successful result.
    pub details: Option<Value>,
    /// Duration of the latest check (serialized as `last_latency_ms`).
    #[serde(rename = "last_latency_ms", serialize_with = "ser_opt_latency_ms")]
    pub last_latency: Option<Duration>,
    /// Wall time (since the Unix epoch) of the latest result (RFC 3339 in JSON).
    #[serde(serialize_with = "ser_opt_wall")]
    pub last_checked: Option<Duration>,
    /// Wall time of the latest status change (RFC 3339 in JSON).
    #[serde(serialize_with = "ser_opt_wall")]
    pub last_status_change: Option<Duration>,
    /// Checks run since registration.
    pub total_checks: u64,
    /// Failed checks since registration.
    pub total_failures: u64,
    /// Recovery actions started for this component.
    pub recovery_attempts: u64,
    /// Recovery actions that completed without error.
    pub recovery_successes: u64,
}

/// Health of the whole system; see [`SystemHealth::overall_status`] for the rule.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SystemHealth {
    /// Aggregate status:
    /// `Unknown` if no component has been checked yet; else `Unhealthy` if any critical
    /// component is unhealthy; else `Degraded` if any component is degraded or a
    /// non-critical one is unhealthy; else `Healthy`. Components that were never checked
    /// (registered after the latest run) do not count.
    pub overall_status: HealthStatus,
    /// Every registered component, by name (stable order).
    pub components: BTreeMap<String, ComponentHealth>,
    /// Wall time of the most recent check result of any component (RFC 3339 in JSON).
    #[serde(serialize_with = "ser_opt_wall")]
    pub checked_at: Option<Duration>,
    /// [`HealthConfig::service_name`](super::HealthConfig::service_name), if set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_name: Option<String>,
    /// [`HealthConfig::description`](super::HealthConfig::description), if set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

impl SystemHealth {
    /// Builds a report from components, computing the overall status and `checked_at`.
    pub fn from_components(components: BTreeMap<String, ComponentHealth>) -> Self {
        let overall_status = overall_status(components.values());
        let checked_at = components.values().filter_map(|c| c.last_checked).max();
        Self {
            overall_status,
            components,
            checked_at,
            service_name: None,
            description: None,
        }
    }

    /// Whether the overall status is `Healthy`.
    pub fn is_healthy(&self) -> bool {
        self.overall_status.is_healthy()
    }

    /// Names of the components currently in `status`.
    pub fn components_with_status(&self, status: HealthStatus) -> Vec<&str> {
        self.components
            .values()
            .filter(|c| c.status == status)
            .map(|c| c.name.as_str())
            .collect()
    }
}

/// The overall-status rule documented on [`SystemHealth::overall_status`].
pub(crate) fn overall_status<'a>(
    components: impl IntoIterator<Item = &'a ComponentHealth>,
) -> HealthStatus {
    let mut any_known = false;
    let mut degraded = false;
    for c in components {
        match c.status {
            HealthStatus::Unknown => {}
            HealthStatus::Healthy => any_known = true,
            HealthStatus::Degraded => {
                any_known = true;
                degraded = true;
            }
            HealthStatus::Unhealthy => {
                if c.critical {
                    return HealthStatus::Unhealthy;
                }
                any_known = true;
                degraded = true;
            }
        }
    }
    match (any_known, degraded) {
        (false, _) => HealthStatus::Unknown,
        (true, true) => HealthStatus::Degraded,
        (true, false) => HealthStatus::Healthy,
    }
}

#[cfg(test)]
pub(crate) fn test_component(name: &str, status: HealthStatus, critical: bool) -> ComponentHealth {
    ComponentHealth {
        name: name.to_string(),
        status,
        critical,
        tags: Vec::new(),
        consecutive_failures: 0,
        consecutive_successes: 0,
        last_error: None,
        output: None,
        details: None,
        last_latency: None,
        last_checked: None,
        last_status_change: None,
        total_checks: 0,
        total_failures: 0,
        recovery_attempts: 0,
        recovery_successes: 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use HealthStatus::*;

    fn overall(cs: &[(HealthStatus, bool)]) -> HealthStatus {
        let v: Vec<_> = cs
            .iter()
            .enumerate()
            .map(|(i, (s, c))| test_component(&format!("c{i}"), *s, *c))
            .collect();
        overall_status(&v)
    }

    #[test]
    fn overall_status_rules() {
        assert_eq!(overall(&[]), Unknown);
        assert_eq!(overall(&[(Unknown, true), (Unknown, false)]), Unknown);
        assert_eq!(overall(&[(Healthy, true), (Unknown, true)]), Healthy);
        assert_eq!(overall(&[(Healthy, true), (Healthy, false)]), Healthy);
        assert_eq!(overall(&[(Healthy, true), (Degraded, false)]), Degraded);
        assert_eq!(overall(&[(Healthy, true), (Degraded, true)]), Degraded);
        assert_eq!(overall(&[(Healthy, true), (Unhealthy, false)]), Degraded);
        assert_eq!(overall(&[(Degraded, true), (Unhealthy, true)]), Unhealthy);
        assert_eq!(overall(&[(Unhealthy, true)]), Unhealthy);
        assert_eq!(overall(&[(Unhealthy, false)]), Degraded);
    }

    #[test]
    fn checked_at_is_latest_result() {
        let mut a = test_component("a", Healthy, true);
        a.last_checked = Some(Duration::from_secs(5));
        let mut b = test_component("b", Healthy, true);
        b.last_checked = Some(Duration::from_secs(9));
        let c = test_component("c", Unknown, true);
        let sys = SystemHealth::from_components(
            [a, b, c].into_iter().map(|c| (c.name.clone(), c)).collect(),
        );
        assert_eq!(sys.checked_at, Some(Duration::from_secs(9)));
        assert_eq!(sys.overall_status, Healthy);
        assert_eq!(sys.components_with_status(Unknown), vec!["c"]);
    }
}
