//! Health checks (anchors: Kubernetes probes, gRPC health, Spring Actuator, IETF
//! `application/health+json`).
//!
//! [`HealthChecker`] runs registered [`HealthCheck`]s concurrently under a timeout, moves
//! each component through a `failure_threshold` / `recovery_threshold` state machine
//! (Unknown → Healthy / Degraded / Unhealthy), runs recovery actions once per transition to
//! `Unhealthy`, notifies listeners of status changes, and reports [`SystemHealth`],
//! [`HealthDiagnostics`] and `application/health+json`, with credentials redacted
//! ([`redact_url`](crate::redact_url), [`redact_text`](crate::redact_text)).
//!
//! ```no_run
//! # use std::time::Duration;
//! # use mantra_sdk::{HealthChecker, HealthConfig, check_fn};
//! # async fn demo() -> mantra_sdk::Result<()> {
//! let config = HealthConfig {
//!     enable_auto_checks: true,
//!     check_interval: Duration::from_secs(30),
//!     check_timeout: Duration::from_secs(10),
//!     failure_threshold: 3,
//!     recovery_threshold: 2,
//!     enable_auto_recovery: true,
//!     enable_diagnostics: true,
//!     ..Default::default()
//! };
//! let mut health_checker = HealthChecker::new(config);
//! health_checker.register_check("dex", check_fn(|| async { Ok(()) }))?;
//! health_checker.initialize().await?;
//! health_checker.run_health_checks().await?;
//! let system_health = health_checker.get_system_health().await;
//! println!("Overall status: {:?}", system_health.overall_status);
//! let dex_health = health_checker.get_protocol_health("dex").await;
//! let diagnostics = health_checker.get_diagnostics().await;
//! # let _ = (dex_health, diagnostics);
//! # Ok(())
//! # }
//! ```

mod builtin;
mod check;
mod checker;
mod config;
mod diagnostics;
mod health_json;
mod report;
mod state;
mod status;

#[cfg(test)]
mod tests;

pub use builtin::{endpoint_check, node_sync_check};
pub use check::{
    check_fn, threshold_check, CheckFn, CheckOutcome, HealthCheck, HealthCheckOptions,
};
pub use checker::{HealthChecker, HealthListenerId};
pub use config::HealthConfig;
pub use diagnostics::{
    ComponentDiagnostics, HealthCheckRecord, HealthDiagnostics, RecoveryDiagnostics,
};
pub use health_json::HEALTH_JSON_CONTENT_TYPE;
pub use report::{ComponentHealth, SystemHealth};
pub use status::HealthStatus;
