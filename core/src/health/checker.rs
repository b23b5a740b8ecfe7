//! [`HealthChecker`]: registered checks, the threshold state machine, the auto-check loop,
//! recovery actions, listeners and reports.

use std::collections::{BTreeMap, VecDeque};
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Weak};
use std::time::Duration;

use futures::FutureExt;
use parking_lot::Mutex;
use serde_json::Value;

use crate::error::{Error, Result};
use crate::redact::redact_text;
use crate::runtime::{
    default_clock, spawn_background, timeout, BackgroundTask, BoxFuture, Clock, SendOutsideWasm,
    SharedClock, SyncOutsideWasm,
};
use crate::vec_map::VecMap;

use super::state::{ComponentState, Observation};
use super::{
    ComponentDiagnostics, ComponentHealth, HealthCheck, HealthCheckOptions, HealthCheckRecord,
    HealthConfig, HealthDiagnostics, HealthStatus, RecoveryDiagnostics, SystemHealth,
};

trait ListenerFn: Fn(&str, HealthStatus, HealthStatus) + SendOutsideWasm + SyncOutsideWasm {}
impl<T> ListenerFn for T where
    T: Fn(&str, HealthStatus, HealthStatus) + SendOutsideWasm + SyncOutsideWasm + ?Sized
{
}
type Listener = Arc<dyn ListenerFn>;

trait RecoveryActionFn:
    Fn() -> BoxFuture<'static, Result<()>> + SendOutsideWasm + SyncOutsideWasm
{
}
impl<T> RecoveryActionFn for T where
    T: Fn() -> BoxFuture<'static, Result<()>> + SendOutsideWasm + SyncOutsideWasm + ?Sized
{
}
type RecoveryFn = Arc<dyn RecoveryActionFn>;

/// Identifies a listener registered with [`HealthChecker::subscribe`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct HealthListenerId(u64);

struct Entry {
    id: u64,
    check: Arc<dyn HealthCheck>,
    options: HealthCheckOptions,
    state: ComponentState,
    history: VecDeque<HealthCheckRecord>,
}

struct RecoveryEntry {
    action: RecoveryFn,
    stats: RecoveryDiagnostics,
}

#[derive(Default)]
struct State {
    components: VecMap<String, Entry>,
    recoveries: VecMap<String, RecoveryEntry>,
    listeners: Vec<(u64, Listener)>,
    next_id: u64,
    total_runs: u64,
}

impl State {
    fn next_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }
}

struct Inner {
    config: HealthConfig,
    clock: SharedClock,
    created_at: Duration,
    state: Mutex<State>,
    /// The auto-check loop; dropping `Inner` drops (and so stops) it.
    auto: Mutex<AutoLoop>,
}

/// The auto-check loop's slot.
#[derive(Default)]
struct AutoLoop {
    task: Option<BackgroundTask>,
    /// Set by [`HealthChecker::close`]: the loop never starts again.
    closed: bool,
}

/// One check to run: a snapshot taken under the lock.
struct Job {
    name: String,
    id: u64,
    check: Arc<dyn HealthCheck>,
    timeout: Duration,
}

/// Result of running one check, before it is applied.
struct Probe {
    obs: Observation,
    message: Option<String>,
    details: Option<Value>,
}

/// Runs health checks, tracks each component through the Kubernetes-style threshold state
/// machine (see below), runs recovery actions and reports [`SystemHealth`],
/// [`ComponentHealth`], [`HealthDiagnostics`] and `application/health+json`.
///
/// A cheap `Clone` handle: clones share state. The auto-check loop holds only a weak
/// reference and stops when the last handle is dropped.
///
/// **Status per component** — starts `Unknown` (never checked):
/// - a failure (error, timeout at the check's deadline, or panic) resets the success streak;
///   at `failure_threshold` consecutive failures the component is `Unhealthy`; below it, a
///   component that is not already unhealthy reports `Degraded` (failing, not yet down);
/// - a success resets the failure streak; it makes the component `Healthy` at once (or
///   `Degraded` if the check reported degradation) — including the very first success from
///   `Unknown` — except from `Unhealthy`, which needs `recovery_threshold` consecutive
///   successes.
///
/// Overall status: see [`SystemHealth::overall_status`].
///
/// Listeners and recovery actions that capture a clone of the checker keep it alive (and
/// its loop running) until they are removed.
#[derive(Clone)]
pub struct HealthChecker {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for HealthChecker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HealthChecker")
            .field("config", &self.inner.config)
            .field("checks", &self.check_names())
            .field("running", &self.is_running())
            .finish()
    }
}

impl HealthChecker {
    /// A checker on the platform clock.
    ///
    /// # Panics
    /// If `config` is invalid (see [`HealthConfig::validate`]); use [`try_new`](Self::try_new)
    /// to get the error instead.
    pub fn new(config: HealthConfig) -> Self {
        match Self::try_new(config) {
            Ok(c) => c,
            Err(e) => panic!("{e}"),
        }
    }

    /// A checker on the platform clock, or the configuration error.
    pub fn try_new(config: HealthConfig) -> Result<Self> {
        Self::with_clock(config, default_clock())
    }

    /// A checker on `clock` (e.g. a [`ManualClock`](crate::ManualClock) in tests).
    pub fn with_clock(config: HealthConfig, clock: SharedClock) -> Result<Self> {
        config.validate()?;
        let created_at = clock.now();
        Ok(Self {
            inner: Arc::new(Inner {
                config,
                clock,
                created_at,
                state: Mutex::new(State::default()),
                auto: Mutex::new(AutoLoop::default()),
            }),
        })
    }

    /// The configuration in effect.
    pub fn config(&self) -> &HealthConfig {
        &self.inner.config
    }

    /// Validates the configuration and, when `enable_auto_checks` is set, starts the
    /// auto-check loop. Idempotent.
    pub async fn initialize(&mut self) -> Result<()> {
        self.inner.config.validate()?;
        if self.inner.config.enable_auto_checks {
            self.start();
        }
        Ok(())
    }

    /// Starts the auto-check loop: a round of checks now, then every `check_interval`
    /// (fixed rate; a round that overruns skips the missed ticks). Idempotent; does nothing
    /// once the checker's client is closed.
    pub fn start(&self) {
        let mut slot = self.inner.auto.lock();
        if slot.closed || slot.task.as_ref().is_some_and(|t| !t.is_stopped()) {
            return;
        }
        let weak: Weak<Inner> = Arc::downgrade(&self.inner);
        let clock = self.inner.clock.clone();
        let interval = self.inner.config.check_interval;
        slot.task = Some(spawn_background(async move {
            let mut next = clock.now();
            loop {
                {
                    let Some(inner) = weak.upgrade() else { break };
                    let checker = HealthChecker { inner };
                    let _ = checker.run_health_checks().await;
                }
                let now = clock.now();
                next += interval;
                if next < now {
                    // Overran: align to the next tick after now.
                    let behind = (now - next).as_nanos() % interval.as_nanos();
                    next = now + interval - Duration::from_nanos(behind as u64);
                }
                clock.sleep(next - now).await;
            }
        }));
    }

    /// Stops the auto-check loop (cancelling an automatic round in flight). Idempotent.
    pub fn stop(&self) {
        if let Some(task) = self.inner.auto.lock().task.take() {
            task.stop();
        }
    }

    /// Stops the auto-check loop for good: later [`start`](Self::start) calls do nothing
    /// (the client's checker, when the client closes). Checks can still be run by hand.
    pub(crate) fn close(&self) {
        let mut slot = self.inner.auto.lock();
        slot.closed = true;
        if let Some(task) = slot.task.take() {
            task.stop();
        }
    }

    /// Whether the auto-check loop is running.
    pub fn is_running(&self) -> bool {
        self.inner
            .auto
            .lock()
            .task
            .as_ref()
            .is_some_and(|t| !t.is_stopped())
    }

    /// Registers (or replaces, resetting its state) a check with default options: critical,
    /// the configured `check_timeout`, no tags.
    pub fn register_check(
        &self,
        name: impl Into<String>,
        check: impl HealthCheck + 'static,
    ) -> Result<()> {
        self.register_check_with_options(name, check, HealthCheckOptions::default())
    }

    /// Registers (or replaces, resetting its state to `Unknown` without notifying
    /// listeners) a check with `options`.
    pub fn register_check_with_options(
        &self,
        name: impl Into<String>,
        check: impl HealthCheck + 'static,
        options: HealthCheckOptions,
    ) -> Result<()> {
        self.register_dyn(name.into(), Arc::new(check), options)
    }

    /// [`register_check_with_options`](Self::register_check_with_options), compiled once
    /// for every check type.
    fn register_dyn(
        &self,
        name: String,
        check: Arc<dyn HealthCheck>,
        options: HealthCheckOptions,
    ) -> Result<()> {
        let name = non_empty(name)?;
        options.validate()?;
        let mut st = self.inner.state.lock();
        let id = st.next_id();
        st.components.insert(
            name,
            Entry {
                id,
                check,
                options,
                state: ComponentState::default(),
                history: VecDeque::new(),
            },
        );
        Ok(())
    }

    /// Removes a check; returns whether it existed. A round in flight ignores its result.
    pub fn unregister_check(&self, name: &str) -> bool {
        self.inner.state.lock().components.remove(name).is_some()
    }

    /// Names of the registered checks, sorted.
    pub fn check_names(&self) -> Vec<String> {
        self.inner.state.lock().components.keys().cloned().collect()
    }

    /// Registers (or replaces) the recovery action of `component_name`. With
    /// `enable_auto_recovery`, it runs once each time the component becomes `Unhealthy`
    /// (not on every failing round), under `recovery_timeout`; its errors, timeouts and
    /// panics are recorded, never propagated. The round that saw the transition waits for
    /// the action; the next round shows whether it helped.
    pub fn register_recovery<F, Fut>(
        &self,
        component_name: impl Into<String>,
        action: F,
    ) -> Result<()>
    where
        F: Fn() -> Fut + SendOutsideWasm + SyncOutsideWasm + 'static,
        Fut: Future<Output = Result<()>> + SendOutsideWasm + 'static,
    {
        let name = non_empty(component_name.into())?;
        let action: RecoveryFn = Arc::new(move || Box::pin(action()));
        self.inner.state.lock().recoveries.insert(
            name,
            RecoveryEntry {
                action,
                stats: RecoveryDiagnostics {
                    attempts: 0,
                    successes: 0,
                    last_attempt_at: None,
                    last_error: None,
                },
            },
        );
        Ok(())
    }

    /// Removes a recovery action; returns whether it existed.
    pub fn unregister_recovery(&self, component_name: &str) -> bool {
        self.inner
            .state
            .lock()
            .recoveries
            .remove(component_name)
            .is_some()
    }

    /// Runs the recovery action of `component_name` now (regardless of
    /// `enable_auto_recovery`) and returns its result; it is recorded like an automatic one.
    pub async fn run_recovery(&self, component_name: &str) -> Result<()> {
        self.inner.recover(component_name).await
    }

    /// Registers `listener(name, old, new)`, called on every component status change
    /// (synchronously, outside any lock; a panicking listener is ignored).
    pub fn subscribe<F>(&self, listener: F) -> HealthListenerId
    where
        F: Fn(&str, HealthStatus, HealthStatus) + SendOutsideWasm + SyncOutsideWasm + 'static,
    {
        let mut st = self.inner.state.lock();
        let id = st.next_id();
        st.listeners.push((id, Arc::new(listener)));
        HealthListenerId(id)
    }

    /// Removes a listener; returns whether it existed.
    pub fn unsubscribe(&self, id: HealthListenerId) -> bool {
        let mut st = self.inner.state.lock();
        let before = st.listeners.len();
        st.listeners.retain(|(i, _)| *i != id.0);
        st.listeners.len() != before
    }

    /// Runs every registered check concurrently, each under its timeout, applies the
    /// results (listeners and recovery actions run as each result lands) and returns the
    /// resulting report. Check failures are reported in the result, not as an error.
    /// Rounds may overlap (a manual round during an automatic one); every result is applied
    /// as it lands, so each counts once toward the thresholds.
    pub async fn run_health_checks(&self) -> Result<SystemHealth> {
        let jobs = self.inner.jobs(None);
        futures::future::join_all(jobs.into_iter().map(|j| self.inner.run_one(j))).await;
        self.inner.state.lock().total_runs += 1;
        Ok(self.system_health())
    }

    /// Runs the single check `name` now and returns the component's health.
    pub async fn run_check(&self, name: &str) -> Result<ComponentHealth> {
        let job = self
            .inner
            .jobs(Some(name))
            .pop()
            .ok_or_else(|| Error::InvalidArgument(format!("no health check named `{name}`")))?;
        self.inner.run_one(job).await;
        self.protocol_health(name)
            .ok_or_else(|| Error::Cancelled(format!("health check `{name}` was unregistered")))
    }

    /// The current report (seed API; same as [`system_health`](Self::system_health)).
    pub async fn get_system_health(&self) -> SystemHealth {
        self.system_health()
    }

    /// The current report, synchronously (for bindings).
    pub fn system_health(&self) -> SystemHealth {
        let components = {
            let st = self.inner.state.lock();
            crate::sort::btree(
                st.components
                    .iter()
                    .map(|(n, e)| (n.clone(), component_health(n, e, &st))),
            )
        };
        let mut sys = SystemHealth::from_components(components);
        sys.service_name = self.inner.config.service_name.clone();
        sys.description = self.inner.config.description.clone();
        sys
    }

    /// The overall status only.
    pub fn overall_status(&self) -> HealthStatus {
        let st = self.inner.state.lock();
        let comps: Vec<ComponentHealth> = st
            .components
            .iter()
            .map(|(n, e)| component_health(n, e, &st))
            .collect();
        super::report::overall_status(&comps)
    }

    /// Health of one component (seed API; same as [`protocol_health`](Self::protocol_health)).
    pub async fn get_protocol_health(&self, name: &str) -> Option<ComponentHealth> {
        self.protocol_health(name)
    }

    /// Health of one component, synchronously (for bindings).
    pub fn protocol_health(&self, name: &str) -> Option<ComponentHealth> {
        let st = self.inner.state.lock();
        st.components
            .get(name)
            .map(|e| component_health(name, e, &st))
    }

    /// Components carrying `tag` (e.g. `"protocol"`).
    pub fn components_with_tag(&self, tag: &str) -> Vec<ComponentHealth> {
        let st = self.inner.state.lock();
        st.components
            .iter()
            .filter(|(_, e)| e.options.tags.iter().any(|t| t == tag))
            .map(|(n, e)| component_health(n, e, &st))
            .collect()
    }

    /// Diagnostics (seed API; same as [`diagnostics`](Self::diagnostics)).
    pub async fn get_diagnostics(&self) -> HealthDiagnostics {
        self.diagnostics()
    }

    /// Diagnostics, synchronously (for bindings). Minimal when `enable_diagnostics` is off.
    pub fn diagnostics(&self) -> HealthDiagnostics {
        let inner = &self.inner;
        let enabled = inner.config.enable_diagnostics;
        let running = self.is_running();
        let st = inner.state.lock();
        let healths: BTreeMap<String, ComponentHealth> = crate::sort::btree(
            st.components
                .iter()
                .map(|(n, e)| (n.clone(), component_health(n, e, &st))),
        );
        let overall_status = super::report::overall_status(healths.values());
        let (components, recoveries) = if enabled {
            let components = crate::sort::btree(healths.into_iter().map(|(n, health)| {
                let history = st
                    .components
                    .get(&n)
                    .map(|e| e.history.iter().cloned().collect())
                    .unwrap_or_default();
                (n, ComponentDiagnostics { health, history })
            }));
            let recoveries = crate::sort::btree(
                st.recoveries
                    .iter()
                    .map(|(n, r)| (n.clone(), r.stats.clone())),
            );
            (components, recoveries)
        } else {
            (BTreeMap::new(), BTreeMap::new())
        };
        HealthDiagnostics {
            enabled,
            overall_status,
            generated_at: inner.clock.wall_time(),
            uptime: inner.clock.now().saturating_sub(inner.created_at),
            config: inner.config.clone(),
            auto_checks_running: running,
            total_runs: st.total_runs,
            component_count: st.components.len(),
            recovery_attempts: st.recoveries.values().map(|r| r.stats.attempts).sum(),
            recovery_successes: st.recoveries.values().map(|r| r.stats.successes).sum(),
            components,
            recoveries,
        }
    }
}

fn non_empty(name: String) -> Result<String> {
    if name.trim().is_empty() {
        Err(Error::InvalidArgument(
            "health check name must not be empty".into(),
        ))
    } else {
        Ok(name)
    }
}

fn component_health(name: &str, e: &Entry, st: &State) -> ComponentHealth {
    let s = &e.state;
    let rec = st.recoveries.get(name).map(|r| &r.stats);
    ComponentHealth {
        name: name.to_string(),
        status: s.status,
        critical: e.options.critical,
        tags: e.options.tags.clone(),
        consecutive_failures: s.consecutive_failures,
        consecutive_successes: s.consecutive_successes,
        last_error: s.last_error.clone(),
        output: s.output.clone(),
        details: s.details.clone(),
        last_latency: s.last_latency,
        last_checked: s.last_checked,
        last_status_change: s.last_status_change,
        total_checks: s.total_checks,
        total_failures: s.total_failures,
        recovery_attempts: rec.map_or(0, |r| r.attempts),
        recovery_successes: rec.map_or(0, |r| r.successes),
    }
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_string())
}

/// Runs `check` once under `limit`; errors, timeouts and panics become failures.
async fn probe(clock: &dyn Clock, name: &str, check: &dyn HealthCheck, limit: Duration) -> Probe {
    let fail = |message: String| Probe {
        obs: Observation::Fail,
        message: Some(redact_text(&message)),
        details: None,
    };
    let fut = match catch_unwind(AssertUnwindSafe(|| check.check())) {
        Ok(f) => f,
        Err(p) => {
            return fail(format!(
                "health check `{name}` panicked: {}",
                panic_message(&*p)
            ))
        }
    };
    match timeout(clock, limit, AssertUnwindSafe(fut).catch_unwind()).await {
        Err(_) => fail(Error::timeout(format!("health check `{name}`"), limit).to_string()),
        Ok(Err(p)) => fail(format!(
            "health check `{name}` panicked: {}",
            panic_message(&*p)
        )),
        Ok(Ok(Err(e))) => fail(e.to_string()),
        Ok(Ok(Ok(super::CheckOutcome::Healthy { details }))) => Probe {
            obs: Observation::Pass,
            message: None,
            details,
        },
        Ok(Ok(Ok(super::CheckOutcome::Degraded { reason, details }))) => Probe {
            obs: Observation::Warn,
            message: Some(redact_text(&reason)),
            details,
        },
    }
}

impl Inner {
    fn jobs(&self, only: Option<&str>) -> Vec<Job> {
        let st = self.state.lock();
        st.components
            .iter()
            .filter(|(n, _)| only.is_none_or(|o| o == n.as_str()))
            .map(|(n, e)| Job {
                name: n.clone(),
                id: e.id,
                check: e.check.clone(),
                timeout: e.options.timeout.unwrap_or(self.config.check_timeout),
            })
            .collect()
    }

    async fn run_one(&self, job: Job) {
        let start = self.clock.now();
        let Probe {
            obs,
            message,
            details,
        } = probe(&*self.clock, &job.name, &*job.check, job.timeout).await;
        let latency = self.clock.now().saturating_sub(start);
        let wall = self.clock.wall_time();
        let (change, recover, listeners) = {
            let mut guard = self.state.lock();
            let st = &mut *guard;
            let Some(entry) = st.components.get_mut(&job.name).filter(|e| e.id == job.id) else {
                return; // unregistered or replaced while running
            };
            let cs = &mut entry.state;
            let change = cs.observe(
                obs,
                self.config.failure_threshold,
                self.config.recovery_threshold,
            );
            cs.last_latency = Some(latency);
            cs.last_checked = Some(wall);
            if change.is_some() {
                cs.last_status_change = Some(wall);
            }
            if obs == Observation::Fail {
                cs.last_error.clone_from(&message);
            }
            cs.output.clone_from(&message);
            cs.details = details;
            if self.config.enable_diagnostics && self.config.history_size > 0 {
                entry.history.push_back(HealthCheckRecord {
                    at: wall,
                    outcome: obs.as_status(),
                    status: cs.status,
                    latency,
                    message,
                });
                while entry.history.len() > self.config.history_size {
                    entry.history.pop_front();
                }
            }
            let recover = self.config.enable_auto_recovery
                && matches!(change, Some((_, HealthStatus::Unhealthy)))
                && st.recoveries.contains_key(&job.name);
            let listeners: Vec<Listener> = if change.is_some() {
                st.listeners.iter().map(|(_, l)| l.clone()).collect()
            } else {
                Vec::new()
            };
            (change, recover, listeners)
        };
        if let Some((old, new)) = change {
            for l in listeners {
                let _ = catch_unwind(AssertUnwindSafe(|| l(&job.name, old, new)));
            }
        }
        if recover {
            let _ = self.recover(&job.name).await;
        }
    }

    async fn recover(&self, name: &str) -> Result<()> {
        let action = {
            let mut st = self.state.lock();
            let entry = st.recoveries.get_mut(name).ok_or_else(|| {
                Error::InvalidArgument(format!("no recovery action registered for `{name}`"))
            })?;
            entry.stats.attempts += 1;
            entry.stats.last_attempt_at = Some(self.clock.wall_time());
            entry.action.clone()
        };
        let limit = self.config.recovery_timeout;
        let result = match catch_unwind(AssertUnwindSafe(|| action())) {
            Err(p) => Err(Error::Internal(format!(
                "recovery action of `{name}` panicked: {}",
                panic_message(&*p)
            ))),
            Ok(fut) => {
                match timeout(&*self.clock, limit, AssertUnwindSafe(fut).catch_unwind()).await {
                    Err(_) => Err(Error::timeout(format!("recovery of `{name}`"), limit)),
                    Ok(Err(p)) => Err(Error::Internal(format!(
                        "recovery action of `{name}` panicked: {}",
                        panic_message(&*p)
                    ))),
                    Ok(Ok(r)) => r,
                }
            }
        };
        if let Some(entry) = self.state.lock().recoveries.get_mut(name) {
            match &result {
                Ok(()) => entry.stats.successes += 1,
                Err(e) => entry.stats.last_error = Some(redact_text(&e.to_string())),
            }
        }
        result
    }
}
