//! [`HealthDiagnostics`]: what [`get_diagnostics`](super::HealthChecker::get_diagnostics)
//! returns — history, configuration, uptime and recovery activity.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Serialize;

use super::{ComponentHealth, HealthConfig, HealthStatus};
use crate::time_fmt::{ser_latency_ms, ser_opt_wall, ser_wall};

/// Troubleshooting snapshot of a [`HealthChecker`](super::HealthChecker). With
/// `enable_diagnostics = false` it is minimal: `enabled` is false and `components` and
/// `recoveries` are empty (no history is recorded at all). Every message is
/// credential-redacted.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HealthDiagnostics {
    /// Whether full diagnostics are enabled.
    pub enabled: bool,
    /// Overall status at the time of the snapshot.
    pub overall_status: HealthStatus,
    /// Wall time of the snapshot (RFC 3339 in JSON).
    #[serde(serialize_with = "ser_wall")]
    pub generated_at: Duration,
    /// Time since the checker was created (serialized as `uptime_ms`).
    #[serde(rename = "uptime_ms", serialize_with = "ser_latency_ms")]
    pub uptime: Duration,
    /// The configuration in effect.
    pub config: HealthConfig,
    /// Whether the automatic check loop is running.
    pub auto_checks_running: bool,
    /// Completed rounds of [`run_health_checks`](super::HealthChecker::run_health_checks).
    pub total_runs: u64,
    /// Number of registered checks.
    pub component_count: usize,
    /// Recovery actions started, over all components.
    pub recovery_attempts: u64,
    /// Recovery actions that completed without error, over all components.
    pub recovery_successes: u64,
    /// Per-component state and recent history.
    pub components: BTreeMap<String, ComponentDiagnostics>,
    /// Per-component recovery activity, for every registered recovery action.
    pub recoveries: BTreeMap<String, RecoveryDiagnostics>,
}

/// A component's health plus its recent results.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ComponentDiagnostics {
    /// Current state (flattened into this object in JSON).
    #[serde(flatten)]
    pub health: ComponentHealth,
    /// The last `history_size` results, oldest first.
    pub history: Vec<HealthCheckRecord>,
}

/// One check result in a component's history.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HealthCheckRecord {
    /// Wall time of the result (RFC 3339 in JSON).
    #[serde(serialize_with = "ser_wall")]
    pub at: Duration,
    /// What this single result said: `Healthy` (pass), `Degraded` (pass with a warning) or
    /// `Unhealthy` (error, timeout or panic).
    pub outcome: HealthStatus,
    /// The component's status after applying this result.
    pub status: HealthStatus,
    /// How long the check took (serialized as `latency_ms`).
    #[serde(rename = "latency_ms", serialize_with = "ser_latency_ms")]
    pub latency: Duration,
    /// Failure text or degradation reason.
    pub message: Option<String>,
}

/// Recovery activity of one component.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecoveryDiagnostics {
    /// Actions started.
    pub attempts: u64,
    /// Actions that completed without error.
    pub successes: u64,
    /// Wall time of the latest attempt (RFC 3339 in JSON).
    #[serde(serialize_with = "ser_opt_wall")]
    pub last_attempt_at: Option<Duration>,
    /// Error of the latest failed attempt.
    pub last_error: Option<String>,
}
