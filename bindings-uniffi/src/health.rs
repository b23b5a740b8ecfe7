//! HealthChecker for Kotlin/Swift: records mirroring the core reports, the `HealthCheck`,
//! `HealthRecoveryAction` and `HealthListener` foreign traits, and the object itself.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::util::Registry;
use mantra_sdk as sdk;
use sdk::HealthStatus;

use crate::clock::{enter, host_call, tracked, HostCall, ManualClock, VirtualTime};
use crate::error::{guard, guard_async, FfiResult, MantraException};

/// Health of a component or of the system.
#[uniffi::remote(Enum)]
pub enum HealthStatus {
    /// Passing.
    Healthy,
    /// Working but impaired (failing below the threshold, or the check reported degradation).
    Degraded,
    /// Failed `failureThreshold` times in a row and not recovered yet.
    Unhealthy,
    /// Never checked.
    Unknown,
}

/// Configuration of a [`HealthChecker`]. Every field is optional: `null`/`nil` means the
/// core default (`check_interval` 30 s, `check_timeout` 10 s, `failure_threshold` 3,
/// `recovery_threshold` 2, `enable_auto_checks` false, `enable_auto_recovery` true,
/// `enable_diagnostics` true, `recovery_timeout` 30 s, `history_size` 20).
/// `HealthChecker.config()` returns the effective values.
#[derive(Debug, Clone, Default, PartialEq, uniffi::Record)]
pub struct HealthConfig {
    /// Start the periodic check loop at construction.
    #[uniffi(default)]
    pub enable_auto_checks: Option<bool>,
    /// Period of the automatic check loop.
    #[uniffi(default)]
    pub check_interval: Option<Duration>,
    /// Deadline of one check; a check still running then counts as a failure.
    #[uniffi(default)]
    pub check_timeout: Option<Duration>,
    /// Consecutive failures that make a component unhealthy (at least 1).
    #[uniffi(default)]
    pub failure_threshold: Option<u32>,
    /// Consecutive successes that bring an unhealthy component back (at least 1).
    #[uniffi(default)]
    pub recovery_threshold: Option<u32>,
    /// Run a component's recovery action when it becomes unhealthy.
    #[uniffi(default)]
    pub enable_auto_recovery: Option<bool>,
    /// Keep per-component history for `getDiagnostics()`.
    #[uniffi(default)]
    pub enable_diagnostics: Option<bool>,
    /// Deadline of one recovery action.
    #[uniffi(default)]
    pub recovery_timeout: Option<Duration>,
    /// Results kept per component when diagnostics are enabled.
    #[uniffi(default)]
    pub history_size: Option<u32>,
    /// Service name, reported as `serviceId` in health+json.
    #[uniffi(default)]
    pub service_name: Option<String>,
    /// Description, reported in health+json.
    #[uniffi(default)]
    pub description: Option<String>,
}

impl HealthConfig {
    fn to_core(&self) -> sdk::HealthConfig {
        let d = sdk::HealthConfig::default();
        sdk::HealthConfig {
            enable_auto_checks: self.enable_auto_checks.unwrap_or(d.enable_auto_checks),
            check_interval: self.check_interval.unwrap_or(d.check_interval),
            check_timeout: self.check_timeout.unwrap_or(d.check_timeout),
            failure_threshold: self.failure_threshold.unwrap_or(d.failure_threshold),
            recovery_threshold: self.recovery_threshold.unwrap_or(d.recovery_threshold),
            enable_auto_recovery: self.enable_auto_recovery.unwrap_or(d.enable_auto_recovery),
            enable_diagnostics: self.enable_diagnostics.unwrap_or(d.enable_diagnostics),
            recovery_timeout: self.recovery_timeout.unwrap_or(d.recovery_timeout),
            history_size: self
                .history_size
                .map(|n| n as usize)
                .unwrap_or(d.history_size),
            service_name: self.service_name.clone().or(d.service_name),
            description: self.description.clone().or(d.description),
        }
    }
}

impl From<&sdk::HealthConfig> for HealthConfig {
    fn from(c: &sdk::HealthConfig) -> Self {
        Self {
            enable_auto_checks: Some(c.enable_auto_checks),
            check_interval: Some(c.check_interval),
            check_timeout: Some(c.check_timeout),
            failure_threshold: Some(c.failure_threshold),
            recovery_threshold: Some(c.recovery_threshold),
            enable_auto_recovery: Some(c.enable_auto_recovery),
            enable_diagnostics: Some(c.enable_diagnostics),
            recovery_timeout: Some(c.recovery_timeout),
            history_size: Some(u32::try_from(c.history_size).unwrap_or(u32::MAX)),
            service_name: c.service_name.clone(),
            description: c.description.clone(),
        }
    }
}

/// Options of one registered check; `null`/`nil` fields take the core defaults
/// (critical, the configured `check_timeout`, no tags).
#[derive(Debug, Clone, Default, PartialEq, uniffi::Record)]
pub struct HealthCheckOptions {
    /// An unhealthy critical component makes the system unhealthy; a non-critical one only
    /// degrades it. Default true.
    #[uniffi(default)]
    pub critical: Option<bool>,
    /// Overrides `HealthConfig.checkTimeout` for this check.
    #[uniffi(default)]
    pub timeout: Option<Duration>,
    /// Free-form labels.
    #[uniffi(default)]
    pub tags: Vec<String>,
}

impl HealthCheckOptions {
    fn to_core(&self) -> sdk::HealthCheckOptions {
        let d = sdk::HealthCheckOptions::default();
        sdk::HealthCheckOptions {
            critical: self.critical.unwrap_or(d.critical),
            timeout: self.timeout.or(d.timeout),
            tags: self.tags.clone(),
        }
    }
}

/// What a passing check returns. A failing check throws instead (any exception; a
/// `MantraException` keeps its code).
#[derive(Debug, Clone, PartialEq, uniffi::Enum)]
pub enum HealthCheckOutcome {
    /// Everything is fine.
    Healthy {
        /// Optional measurement as JSON text (reported as `observedValue` in health+json).
        #[uniffi(default)]
        details: Option<String>,
    },
    /// Working but impaired: counts as a success for the thresholds and makes the
    /// component degraded.
    Degraded {
        /// Why.
        reason: String,
        /// Optional measurement as JSON text.
        #[uniffi(default)]
        details: Option<String>,
    },
}

impl HealthCheckOutcome {
    fn into_core(self) -> sdk::Result<sdk::CheckOutcome> {
        let parse = |details: Option<String>| -> sdk::Result<Option<serde_json::Value>> {
            details
                .map(|s| {
                    serde_json::from_str(&s).map_err(|e| {
                        sdk::Error::Decode(format!("check details must be JSON text: {e}"))
                    })
                })
                .transpose()
        };
        Ok(match self {
            HealthCheckOutcome::Healthy { details } => sdk::CheckOutcome::Healthy {
                details: parse(details)?,
            },
            HealthCheckOutcome::Degraded { reason, details } => sdk::CheckOutcome::Degraded {
                reason,
                details: parse(details)?,
            },
        })
    }
}

/// A health probe implemented by the host (Kotlin `suspend fun check()`, Swift
/// `func check() async throws`). Return an outcome to pass; throw to fail. Each call runs
/// under the check timeout; a timed-out call is cancelled.
#[uniffi::export(with_foreign)]
#[async_trait::async_trait]
pub trait HealthCheck: Send + Sync {
    /// Runs the probe once.
    async fn check(&self) -> Result<HealthCheckOutcome, MantraException>;
}

/// A recovery action implemented by the host, run once each time its component becomes
/// unhealthy (with `enableAutoRecovery`), or on `runRecovery`.
#[uniffi::export(with_foreign)]
#[async_trait::async_trait]
pub trait HealthRecoveryAction: Send + Sync {
    /// Tries to repair the component; throw to report failure.
    async fn recover(&self) -> Result<(), MantraException>;
}

/// Notified on every component status change (synchronously, from the thread that applied
/// the result: keep it short). Exceptions it throws are ignored.
#[uniffi::export(with_foreign)]
pub trait HealthListener: Send + Sync {
    /// `component` moved from `old_status` to `new_status`.
    fn on_status_change(
        &self,
        component: String,
        old_status: HealthStatus,
        new_status: HealthStatus,
    ) -> Result<(), MantraException>;
}

struct ForeignCheck {
    check: Arc<dyn HealthCheck>,
    vt: Option<Arc<VirtualTime>>,
}

impl sdk::HealthCheck for ForeignCheck {
    fn check(&self) -> sdk::runtime::BoxFuture<'static, sdk::Result<sdk::CheckOutcome>> {
        let check = self.check.clone();
        let (vt, call) = (self.vt.clone(), HostCall::start(self.vt.as_ref()));
        Box::pin(async move {
            host_call(vt, call, check.check())
                .await
                .map_err(sdk::Error::from)
                .and_then(HealthCheckOutcome::into_core)
        })
    }
}

fn wall(d: Duration) -> SystemTime {
    UNIX_EPOCH + d
}

/// Health of one registered check. Messages are credential-redacted.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
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
    /// Failure text or degradation reason of the latest result (none when it was healthy).
    pub output: Option<String>,
    /// Details (JSON text) reported by the latest successful result.
    pub details: Option<String>,
    /// Duration of the latest check.
    pub last_latency: Option<Duration>,
    /// When the latest result landed.
    pub last_checked: Option<SystemTime>,
    /// When the status last changed.
    pub last_status_change: Option<SystemTime>,
    /// Checks run since registration.
    pub total_checks: u64,
    /// Failed checks since registration.
    pub total_failures: u64,
    /// Recovery actions started for this component.
    pub recovery_attempts: u64,
    /// Recovery actions that completed without error.
    pub recovery_successes: u64,
}

impl From<sdk::ComponentHealth> for ComponentHealth {
    fn from(c: sdk::ComponentHealth) -> Self {
        Self {
            name: c.name,
            status: c.status,
            critical: c.critical,
            tags: c.tags,
            consecutive_failures: c.consecutive_failures,
            consecutive_successes: c.consecutive_successes,
            last_error: c.last_error,
            output: c.output,
            details: c.details.map(|v| v.to_string()),
            last_latency: c.last_latency,
            last_checked: c.last_checked.map(wall),
            last_status_change: c.last_status_change.map(wall),
            total_checks: c.total_checks,
            total_failures: c.total_failures,
            recovery_attempts: c.recovery_attempts,
            recovery_successes: c.recovery_successes,
        }
    }
}

/// Health of the whole system.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct SystemHealth {
    /// Unknown until a component was checked; unhealthy if a critical component is; degraded
    /// if any component is degraded or a non-critical one unhealthy; else healthy.
    pub overall_status: HealthStatus,
    /// Every registered component, by name.
    pub components: HashMap<String, ComponentHealth>,
    /// When the most recent result of any component landed.
    pub checked_at: Option<SystemTime>,
    /// `HealthConfig.serviceName`, if set.
    pub service_name: Option<String>,
    /// `HealthConfig.description`, if set.
    pub description: Option<String>,
}

impl From<sdk::SystemHealth> for SystemHealth {
    fn from(s: sdk::SystemHealth) -> Self {
        Self {
            overall_status: s.overall_status,
            components: s
                .components
                .into_iter()
                .map(|(k, v)| (k, v.into()))
                .collect(),
            checked_at: s.checked_at.map(wall),
            service_name: s.service_name,
            description: s.description,
        }
    }
}

/// One check result in a component's history.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct HealthCheckRecord {
    /// When the result landed.
    pub at: SystemTime,
    /// What this result said: healthy, degraded or unhealthy (error, timeout, panic).
    pub outcome: HealthStatus,
    /// The component's status after this result.
    pub status: HealthStatus,
    /// How long the check took.
    pub latency: Duration,
    /// Failure text or degradation reason.
    pub message: Option<String>,
}

/// A component's health plus its recent results (oldest first).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ComponentDiagnostics {
    /// Current state.
    pub health: ComponentHealth,
    /// The last `historySize` results, oldest first.
    pub history: Vec<HealthCheckRecord>,
}

/// Recovery activity of one component.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct RecoveryDiagnostics {
    /// Actions started.
    pub attempts: u64,
    /// Actions that completed without error.
    pub successes: u64,
    /// When the latest attempt started.
    pub last_attempt_at: Option<SystemTime>,
    /// Error of the latest failed attempt.
    pub last_error: Option<String>,
}

/// Troubleshooting snapshot. With `enableDiagnostics = false`, `components` and
/// `recoveries` are empty.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct HealthDiagnostics {
    /// Whether full diagnostics are enabled.
    pub enabled: bool,
    /// Overall status at the time of the snapshot.
    pub overall_status: HealthStatus,
    /// When the snapshot was taken.
    pub generated_at: SystemTime,
    /// Time since the checker was created.
    pub uptime: Duration,
    /// The effective configuration.
    pub config: HealthConfig,
    /// Whether the automatic check loop is running.
    pub auto_checks_running: bool,
    /// Completed rounds of `runHealthChecks`.
    pub total_runs: u64,
    /// Number of registered checks.
    pub component_count: u64,
    /// Recovery actions started, over all components.
    pub recovery_attempts: u64,
    /// Recovery actions that completed without error, over all components.
    pub recovery_successes: u64,
    /// Per-component state and history.
    pub components: HashMap<String, ComponentDiagnostics>,
    /// Per-component recovery activity.
    pub recoveries: HashMap<String, RecoveryDiagnostics>,
}

impl From<sdk::HealthDiagnostics> for HealthDiagnostics {
    fn from(d: sdk::HealthDiagnostics) -> Self {
        Self {
            enabled: d.enabled,
            overall_status: d.overall_status,
            generated_at: wall(d.generated_at),
            uptime: d.uptime,
            config: (&d.config).into(),
            auto_checks_running: d.auto_checks_running,
            total_runs: d.total_runs,
            component_count: d.component_count as u64,
            recovery_attempts: d.recovery_attempts,
            recovery_successes: d.recovery_successes,
            components: d
                .components
                .into_iter()
                .map(|(k, c)| {
                    let history = c
                        .history
                        .into_iter()
                        .map(|r| HealthCheckRecord {
                            at: wall(r.at),
                            outcome: r.outcome,
                            status: r.status,
                            latency: r.latency,
                            message: r.message,
                        })
                        .collect();
                    (
                        k,
                        ComponentDiagnostics {
                            health: c.health.into(),
                            history,
                        },
                    )
                })
                .collect(),
            recoveries: d
                .recoveries
                .into_iter()
                .map(|(k, r)| {
                    (
                        k,
                        RecoveryDiagnostics {
                            attempts: r.attempts,
                            successes: r.successes,
                            last_attempt_at: r.last_attempt_at.map(wall),
                            last_error: r.last_error,
                        },
                    )
                })
                .collect(),
        }
    }
}

/// Runs registered checks (host objects) under a timeout and tracks each component through
/// the failure/recovery thresholds. Report methods are synchronous; running checks is
/// `suspend` (Kotlin) / `async` (Swift).
#[derive(uniffi::Object)]
pub struct HealthChecker {
    inner: sdk::HealthChecker,
    listeners: Registry<sdk::HealthListenerId>,
    vt: Option<Arc<VirtualTime>>,
}

impl HealthChecker {
    fn build(config: HealthConfig, clock: Option<&ManualClock>) -> FfiResult<Arc<Self>> {
        let vt = clock.map(ManualClock::virtual_time);
        let _rt = enter(vt.as_ref());
        let inner = match clock {
            Some(clock) => sdk::HealthChecker::with_clock(config.to_core(), clock.shared())?,
            None => sdk::HealthChecker::try_new(config.to_core())?,
        };
        if inner.config().enable_auto_checks {
            inner.start();
        }
        Ok(Arc::new(Self {
            inner,
            listeners: Registry::default(),
            vt,
        }))
    }
}

#[uniffi::export(async_runtime = "tokio")]
impl HealthChecker {
    /// A checker with `config` (all defaults when omitted). Throws `InvalidConfig` naming
    /// the field for an out-of-range value. Starts the auto-check loop when
    /// `enableAutoChecks` is set.
    #[uniffi::constructor(default(config))]
    pub fn new(config: HealthConfig) -> FfiResult<Arc<Self>> {
        guard(|| Self::build(config, None))
    }

    /// A checker whose timeouts and check interval run on `clock` (virtual time, for
    /// tests). Host checks that must take time wait with `clock.sleep`.
    #[uniffi::constructor]
    pub fn with_clock(config: HealthConfig, clock: Arc<ManualClock>) -> FfiResult<Arc<Self>> {
        guard(|| Self::build(config, Some(&clock)))
    }

    /// The effective configuration (every field filled in).
    pub fn config(&self) -> HealthConfig {
        self.inner.config().into()
    }

    /// Registers (or replaces, resetting its state) `check` under `name`. Throws
    /// `InvalidArgument` for an empty name, `InvalidConfig` for a zero timeout.
    #[uniffi::method(default(options))]
    pub fn register_check(
        &self,
        name: String,
        check: Arc<dyn HealthCheck>,
        options: HealthCheckOptions,
    ) -> FfiResult<()> {
        guard(|| {
            let check = ForeignCheck {
                check,
                vt: self.vt.clone(),
            };
            Ok(self
                .inner
                .register_check_with_options(name, check, options.to_core())?)
        })
    }

    /// Removes a check; returns whether it existed.
    pub fn unregister_check(&self, name: String) -> bool {
        self.inner.unregister_check(&name)
    }

    /// Names of the registered checks, sorted.
    pub fn check_names(&self) -> Vec<String> {
        self.inner.check_names()
    }

    /// Registers (or replaces) the recovery action of `component_name`.
    pub fn register_recovery(
        &self,
        component_name: String,
        action: Arc<dyn HealthRecoveryAction>,
    ) -> FfiResult<()> {
        guard(|| {
            let vt = self.vt.clone();
            Ok(self.inner.register_recovery(component_name, move || {
                let action = action.clone();
                let call = HostCall::start(vt.as_ref());
                let vt = vt.clone();
                async move {
                    host_call(vt, call, action.recover())
                        .await
                        .map_err(sdk::Error::from)
                }
            })?)
        })
    }

    /// Removes a recovery action; returns whether it existed.
    pub fn unregister_recovery(&self, component_name: String) -> bool {
        self.inner.unregister_recovery(&component_name)
    }

    /// Runs the recovery action of `component_name` now and returns its result.
    pub async fn run_recovery(&self, component_name: String) -> FfiResult<()> {
        let fut = async { Ok(self.inner.run_recovery(&component_name).await?) };
        guard_async(tracked(self.vt.as_ref(), fut)).await
    }

    /// Registers `listener` for status changes; returns an id for `unsubscribe`.
    pub fn subscribe(&self, listener: Arc<dyn HealthListener>) -> u64 {
        let id = self.inner.subscribe(move |name, old, new| {
            // A throwing listener is ignored, as in every binding.
            let _ = listener.on_status_change(name.to_string(), old, new);
        });
        self.listeners.insert(id)
    }

    /// Removes a listener; returns whether it existed.
    pub fn unsubscribe(&self, id: u64) -> bool {
        self.listeners
            .remove(id)
            .is_some_and(|lid| self.inner.unsubscribe(lid))
    }

    /// Runs every check concurrently (each under its timeout), applies the results and
    /// returns the report. Check failures are in the report, not thrown.
    pub async fn run_health_checks(&self) -> FfiResult<SystemHealth> {
        let fut = async { Ok(self.inner.run_health_checks().await?.into()) };
        guard_async(tracked(self.vt.as_ref(), fut)).await
    }

    /// Runs the single check `name` now. Throws `InvalidArgument` for an unknown name.
    pub async fn run_check(&self, name: String) -> FfiResult<ComponentHealth> {
        let fut = async { Ok(self.inner.run_check(&name).await?.into()) };
        guard_async(tracked(self.vt.as_ref(), fut)).await
    }

    /// The current report (no checks are run).
    pub fn get_system_health(&self) -> SystemHealth {
        self.inner.system_health().into()
    }

    /// The overall status only.
    pub fn overall_status(&self) -> HealthStatus {
        self.inner.overall_status()
    }

    /// Health of one component, or null/nil if no check has that name.
    pub fn get_protocol_health(&self, name: String) -> Option<ComponentHealth> {
        self.inner.protocol_health(&name).map(Into::into)
    }

    /// Diagnostics: history, configuration, uptime, recovery activity.
    pub fn get_diagnostics(&self) -> HealthDiagnostics {
        self.inner.diagnostics().into()
    }

    /// The report as `application/health+json` text.
    pub fn health_json(&self) -> String {
        self.inner.system_health().to_health_json().to_string()
    }

    /// Starts the auto-check loop (a round now, then every `checkInterval`). Idempotent.
    pub fn start(&self) {
        let _rt = enter(self.vt.as_ref());
        self.inner.start()
    }

    /// Stops the auto-check loop. Idempotent.
    pub fn stop(&self) {
        let _rt = enter(self.vt.as_ref());
        self.inner.stop()
    }

    /// Whether the auto-check loop is running.
    pub fn is_running(&self) -> bool {
        self.inner.is_running()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct RustCheck(Result<HealthCheckOutcome, MantraException>);

    #[async_trait::async_trait]
    impl HealthCheck for RustCheck {
        async fn check(&self) -> Result<HealthCheckOutcome, MantraException> {
            self.0.clone()
        }
    }

    #[test]
    fn unset_fields_take_the_core_defaults_and_round_trip() {
        assert_eq!(
            HealthConfig::default().to_core(),
            sdk::HealthConfig::default()
        );
        let effective = HealthConfig::from(&sdk::HealthConfig::default());
        assert_eq!(effective.check_interval, Some(Duration::from_secs(30)));
        assert_eq!(effective.to_core(), sdk::HealthConfig::default());
        let custom = HealthConfig {
            failure_threshold: Some(5),
            check_timeout: Some(Duration::from_millis(250)),
            service_name: Some("wallet".into()),
            ..Default::default()
        };
        let core = custom.to_core();
        assert_eq!(core.failure_threshold, 5);
        assert_eq!(core.check_timeout, Duration::from_millis(250));
        assert_eq!(core.recovery_threshold, 2);
        assert_eq!(HealthConfig::from(&core).to_core(), core);
        assert_eq!(
            HealthCheckOptions::default().to_core(),
            sdk::HealthCheckOptions::default()
        );
    }

    #[test]
    fn invalid_config_is_a_typed_error_naming_the_field() {
        let err = HealthChecker::new(HealthConfig {
            recovery_threshold: Some(0),
            ..Default::default()
        })
        .err()
        .expect("zero threshold must be rejected");
        assert_eq!(err.code(), "invalid_config");
        assert!(err.reason().contains("recovery_threshold"), "{err}");
    }

    #[test]
    fn outcome_details_must_be_json() {
        let ok = HealthCheckOutcome::Degraded {
            reason: "slow".into(),
            details: Some("{\"lag\":3}".into()),
        }
        .into_core()
        .unwrap();
        assert_eq!(ok.details(), Some(&serde_json::json!({"lag": 3})));
        let bad = HealthCheckOutcome::Healthy {
            details: Some("{oops".into()),
        }
        .into_core()
        .unwrap_err();
        assert_eq!(bad.code(), "decode");
    }

    #[tokio::test(flavor = "current_thread")]
    async fn checks_run_through_the_core_state_machine() {
        let hc = HealthChecker::new(HealthConfig {
            failure_threshold: Some(1),
            ..Default::default()
        })
        .unwrap();
        hc.register_check(
            "node".into(),
            Arc::new(RustCheck(Err(MantraException::Transport {
                reason: "refused".into(),
                status: None,
                retry_after: None,
            }))),
            HealthCheckOptions::default(),
        )
        .unwrap();
        hc.register_check(
            "sync".into(),
            Arc::new(RustCheck(Ok(HealthCheckOutcome::Degraded {
                reason: "catching up".into(),
                details: None,
            }))),
            HealthCheckOptions {
                critical: Some(false),
                ..Default::default()
            },
        )
        .unwrap();
        let report = hc.run_health_checks().await.unwrap();
        assert_eq!(report.overall_status, HealthStatus::Unhealthy);
        let node = &report.components["node"];
        assert_eq!(node.status, HealthStatus::Unhealthy);
        assert_eq!(node.last_error.as_deref(), Some("transport error: refused"));
        assert!(node.last_checked.is_some());
        assert_eq!(report.components["sync"].status, HealthStatus::Degraded);
        assert_eq!(hc.get_system_health(), report);
        let err = hc.run_check("missing".into()).await.unwrap_err();
        assert_eq!(err.code(), "invalid_argument");
        let err = hc
            .register_check(
                "".into(),
                Arc::new(RustCheck(Ok(HealthCheckOutcome::Healthy { details: None }))),
                HealthCheckOptions::default(),
            )
            .unwrap_err();
        assert_eq!(err.code(), "invalid_argument");
    }
}
