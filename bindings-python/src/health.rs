//! `HealthConfig` and `HealthChecker`: the core health checker with async Python checks.

use std::time::Duration;

use mantra_sdk::runtime::BoxFuture;
use mantra_sdk::{
    CheckOutcome, Error, HealthCheck, HealthCheckOptions, HealthChecker, HealthConfig,
};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyString, PyTuple};

use crate::aio::{coroutine, none};
use crate::bridge::{with_gil, LoopSlot, PyCallback};
use crate::clock::{enter_runtime, PyManualClock};
use crate::convert::{count, py_to_json, seconds, to_py, type_name};
use crate::errors::{guard, type_error, OrPyErr};

/// Health checker configuration; every argument is keyword-only and optional (the defaults
/// are the core's). Durations are in seconds. Invalid values raise `InvalidConfigError`
/// naming the field.
#[pyclass(name = "HealthConfig", module = "mantra_sdk._native", frozen, eq)]
#[derive(Clone, PartialEq)]
pub(crate) struct PyHealthConfig {
    pub(crate) inner: HealthConfig,
}

#[pymethods]
impl PyHealthConfig {
    #[new]
    #[pyo3(signature = (
        *,
        check_interval = None,
        check_timeout = None,
        failure_threshold = None,
        recovery_threshold = None,
        enable_auto_checks = None,
        enable_auto_recovery = None,
        enable_diagnostics = None,
        recovery_timeout = None,
        history_size = None,
        service_name = None,
        description = None,
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        check_interval: Option<f64>,
        check_timeout: Option<f64>,
        failure_threshold: Option<Bound<'_, PyAny>>,
        recovery_threshold: Option<Bound<'_, PyAny>>,
        enable_auto_checks: Option<bool>,
        enable_auto_recovery: Option<bool>,
        enable_diagnostics: Option<bool>,
        recovery_timeout: Option<f64>,
        history_size: Option<Bound<'_, PyAny>>,
        service_name: Option<String>,
        description: Option<String>,
    ) -> PyResult<Self> {
        guard(|| {
            let mut c = HealthConfig::default();
            if let Some(s) = check_interval {
                c.check_interval = seconds("check_interval", s).or_py()?;
            }
            if let Some(s) = check_timeout {
                c.check_timeout = seconds("check_timeout", s).or_py()?;
            }
            if let Some(n) = failure_threshold {
                c.failure_threshold = count("failure_threshold", &n)?;
            }
            if let Some(n) = recovery_threshold {
                c.recovery_threshold = count("recovery_threshold", &n)?;
            }
            if let Some(b) = enable_auto_checks {
                c.enable_auto_checks = b;
            }
            if let Some(b) = enable_auto_recovery {
                c.enable_auto_recovery = b;
            }
            if let Some(b) = enable_diagnostics {
                c.enable_diagnostics = b;
            }
            if let Some(s) = recovery_timeout {
                c.recovery_timeout = seconds("recovery_timeout", s).or_py()?;
            }
            if let Some(n) = history_size {
                c.history_size = count("history_size", &n)?;
            }
            if service_name.is_some() {
                c.service_name = service_name;
            }
            if description.is_some() {
                c.description = description;
            }
            c.validate().or_py()?;
            Ok(Self { inner: c })
        })
    }

    #[getter]
    fn check_interval(&self) -> f64 {
        self.inner.check_interval.as_secs_f64()
    }
    #[getter]
    fn check_timeout(&self) -> f64 {
        self.inner.check_timeout.as_secs_f64()
    }
    #[getter]
    fn failure_threshold(&self) -> u32 {
        self.inner.failure_threshold
    }
    #[getter]
    fn recovery_threshold(&self) -> u32 {
        self.inner.recovery_threshold
    }
    #[getter]
    fn enable_auto_checks(&self) -> bool {
        self.inner.enable_auto_checks
    }
    #[getter]
    fn enable_auto_recovery(&self) -> bool {
        self.inner.enable_auto_recovery
    }
    #[getter]
    fn enable_diagnostics(&self) -> bool {
        self.inner.enable_diagnostics
    }
    #[getter]
    fn recovery_timeout(&self) -> f64 {
        self.inner.recovery_timeout.as_secs_f64()
    }
    #[getter]
    fn history_size(&self) -> usize {
        self.inner.history_size
    }
    #[getter]
    fn service_name(&self) -> Option<String> {
        self.inner.service_name.clone()
    }
    #[getter]
    fn description(&self) -> Option<String> {
        self.inner.description.clone()
    }

    /// The core's serialized form (durations as `*_ms`).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        guard(|| to_py(py, &self.inner))
    }

    fn __repr__(&self) -> String {
        let c = &self.inner;
        format!(
            "HealthConfig(check_interval={:?}, check_timeout={:?}, failure_threshold={}, \
             recovery_threshold={}, enable_auto_checks={}, enable_auto_recovery={}, \
             enable_diagnostics={}, recovery_timeout={:?}, history_size={}, service_name={}, \
             description={})",
            c.check_interval.as_secs_f64(),
            c.check_timeout.as_secs_f64(),
            c.failure_threshold,
            c.recovery_threshold,
            py_bool(c.enable_auto_checks),
            py_bool(c.enable_auto_recovery),
            py_bool(c.enable_diagnostics),
            c.recovery_timeout.as_secs_f64(),
            c.history_size,
            py_opt_str(&c.service_name),
            py_opt_str(&c.description),
        )
    }
}

fn py_bool(b: bool) -> &'static str {
    if b {
        "True"
    } else {
        "False"
    }
}

fn py_opt_str(s: &Option<String>) -> String {
    s.as_ref()
        .map_or_else(|| "None".to_string(), |s| format!("{s:?}"))
}

/// A Python check: `None`/`True` → healthy, a `str` → degraded with that reason, a `dict` →
/// healthy with those details, `False` → failure; raising (anything) → failure.
struct PyHealthCheck {
    name: String,
    callback: PyCallback,
}

impl HealthCheck for PyHealthCheck {
    fn check(&self) -> BoxFuture<'static, mantra_sdk::Result<CheckOutcome>> {
        let call = self.callback.call(|py| Ok(PyTuple::empty(py)));
        let name = self.name.clone();
        Box::pin(async move {
            let value = call.await?;
            with_gil(|py| outcome(&name, value.bind(py)))
        })
    }
}

fn outcome(name: &str, v: &Bound<'_, PyAny>) -> mantra_sdk::Result<CheckOutcome> {
    let fail = |message: String| Error::HealthCheck {
        check: name.to_string(),
        message,
    };
    if v.is_none() {
        return Ok(CheckOutcome::healthy());
    }
    if let Ok(b) = v.cast::<PyBool>() {
        return if b.is_true() {
            Ok(CheckOutcome::healthy())
        } else {
            Err(fail("the check returned False".into()))
        };
    }
    if let Ok(s) = v.cast::<PyString>() {
        let reason = s.to_cow().map(|c| c.into_owned()).unwrap_or_default();
        return Ok(CheckOutcome::degraded(reason));
    }
    if v.is_instance_of::<PyDict>() {
        let py = v.py();
        let details = py_to_json(v).map_err(|e| {
            fail(format!(
                "unusable details: {}",
                crate::bridge::describe(py, e.value(py).as_any())
            ))
        })?;
        return Ok(CheckOutcome::healthy().with_details(details));
    }
    Err(fail(format!(
        "the check returned {}; expected None, a bool, a str (degraded) or a dict (details)",
        type_name(v)
    )))
}

/// Runs registered async checks through the core's threshold state machine and reports
/// dicts shaped by the core's serde (`application/health+json` via `health_json()`).
#[pyclass(name = "HealthChecker", module = "mantra_sdk._native", frozen)]
pub(crate) struct PyHealthChecker {
    inner: HealthChecker,
    slot: LoopSlot,
}

fn callable(what: &str, obj: &Bound<'_, PyAny>) -> PyResult<()> {
    if obj.is_callable() {
        Ok(())
    } else {
        Err(type_error(format!(
            "{what} must be callable (an async function), not {}",
            type_name(obj)
        )))
    }
}

fn opt_seconds(field: &'static str, secs: Option<f64>) -> PyResult<Option<Duration>> {
    secs.map(|s| seconds(field, s)).transpose().or_py()
}

#[pymethods]
impl PyHealthChecker {
    #[new]
    #[pyo3(signature = (config = None, *, clock = None))]
    fn new(
        config: Option<PyRef<'_, PyHealthConfig>>,
        clock: Option<PyRef<'_, PyManualClock>>,
    ) -> PyResult<Self> {
        guard(|| {
            let config = config.map(|c| c.inner.clone()).unwrap_or_default();
            let inner = match clock {
                Some(c) => HealthChecker::with_clock(config, c.shared()),
                None => HealthChecker::try_new(config),
            };
            Ok(Self {
                inner: inner.or_py()?,
                slot: LoopSlot::default(),
            })
        })
    }

    /// The configuration in effect.
    #[getter]
    fn config(&self) -> PyHealthConfig {
        PyHealthConfig {
            inner: self.inner.config().clone(),
        }
    }

    /// Registers (or replaces) `check`, an async function of no arguments.
    #[pyo3(signature = (name, check, *, critical = true, timeout = None, tags = None))]
    fn register_check(
        &self,
        py: Python<'_>,
        name: String,
        check: Bound<'_, PyAny>,
        critical: bool,
        timeout: Option<f64>,
        tags: Option<Vec<String>>,
    ) -> PyResult<()> {
        guard(|| {
            callable("check", &check)?;
            let options = HealthCheckOptions {
                critical,
                timeout: opt_seconds("timeout", timeout)?,
                tags: tags.unwrap_or_default(),
            };
            let check = PyHealthCheck {
                name: name.clone(),
                callback: PyCallback::new(check, self.slot.clone(), "health check"),
            };
            py.detach(|| self.inner.register_check_with_options(name, check, options))
                .or_py()
        })
    }

    /// Removes a check; returns whether it existed.
    fn unregister_check(&self, py: Python<'_>, name: &str) -> PyResult<bool> {
        guard(|| Ok(py.detach(|| self.inner.unregister_check(name))))
    }

    /// Names of the registered checks, sorted.
    fn check_names(&self, py: Python<'_>) -> PyResult<Vec<String>> {
        guard(|| Ok(py.detach(|| self.inner.check_names())))
    }

    /// Registers (or replaces) the recovery action of `name`: an async function of no
    /// arguments, run once each time the component becomes unhealthy.
    fn register_recovery(
        &self,
        py: Python<'_>,
        name: String,
        action: Bound<'_, PyAny>,
    ) -> PyResult<()> {
        guard(|| {
            callable("action", &action)?;
            let callback = PyCallback::new(action, self.slot.clone(), "recovery action");
            py.detach(|| {
                self.inner.register_recovery(name, move || {
                    let call = callback.call(|py| Ok(PyTuple::empty(py)));
                    async move { call.await.map(drop) }
                })
            })
            .or_py()
        })
    }

    /// Runs every check concurrently (each under its timeout) and returns the report.
    fn run_health_checks<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let checker = self.inner.clone();
        guard(|| {
            coroutine(
                py,
                async move { checker.run_health_checks().await },
                |py, report| to_py(py, &report),
            )
        })
    }

    /// Runs the single check `name` now and returns that component's health.
    fn run_check<'py>(&self, py: Python<'py>, name: String) -> PyResult<Bound<'py, PyAny>> {
        let checker = self.inner.clone();
        guard(|| {
            coroutine(
                py,
                async move { checker.run_check(&name).await },
                |py, report| to_py(py, &report),
            )
        })
    }

    /// The current report: `{overall_status, components: {name: {...}}, checked_at, ...}`.
    fn get_system_health<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        guard(|| {
            let report = py.detach(|| self.inner.system_health());
            to_py(py, &report)
        })
    }

    /// The health of one component, or `None` if no check has that name.
    fn get_protocol_health<'py>(&self, py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyAny>> {
        guard(|| {
            let report = py.detach(|| self.inner.protocol_health(name));
            to_py(py, &report)
        })
    }

    /// Diagnostics: history, configuration, uptime, recovery activity.
    fn get_diagnostics<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        guard(|| {
            let report = py.detach(|| self.inner.diagnostics());
            to_py(py, &report)
        })
    }

    /// The report as an `application/health+json` document.
    fn health_json<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        guard(|| {
            let doc = py.detach(|| self.inner.system_health().to_health_json());
            crate::convert::json_to_py(py, &doc)
        })
    }

    /// `"healthy"`, `"degraded"`, `"unhealthy"` or `"unknown"`.
    fn overall_status(&self, py: Python<'_>) -> PyResult<&'static str> {
        guard(|| Ok(py.detach(|| self.inner.overall_status()).as_str()))
    }

    /// Seed API: starts the periodic checks when `enable_auto_checks` is set (idempotent).
    /// Must be awaited on the event loop the checks should run on.
    fn initialize<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let mut checker = self.inner.clone();
        let slot = self.slot.clone();
        guard(|| {
            coroutine(
                py,
                async move {
                    with_gil(|py| {
                        slot.capture_current(py)
                            .map_err(|e| Error::Internal(format!("no event loop: {e}")))
                    })?;
                    checker.initialize().await
                },
                none,
            )
        })
    }

    /// Starts the periodic checks (every `check_interval`) on the running event loop.
    /// Must be called from a running asyncio event loop. Idempotent.
    fn start(&self, py: Python<'_>) -> PyResult<()> {
        guard(|| {
            self.slot.capture_running(py)?;
            py.detach(|| {
                let _rt = enter_runtime();
                self.inner.start()
            });
            Ok(())
        })
    }

    /// Stops the periodic checks (cancelling a round in flight). Idempotent.
    fn stop(&self, py: Python<'_>) -> PyResult<()> {
        guard(|| {
            py.detach(|| self.inner.stop());
            Ok(())
        })
    }

    /// Whether the periodic checks are running.
    #[getter]
    fn is_running(&self, py: Python<'_>) -> PyResult<bool> {
        guard(|| Ok(py.detach(|| self.inner.is_running())))
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        let (names, running) = py.detach(|| (self.inner.check_names(), self.inner.is_running()));
        format!(
            "HealthChecker(checks={names:?}, running={})",
            py_bool(running)
        )
    }
}
