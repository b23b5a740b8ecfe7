//! `HealthChecker`: core's threshold state machine, timeouts, auto checks and recovery, with
//! JS async functions as the checks and recovery actions.
//!
//! What a check's result means (the same rule as the Python binding): `undefined`, `null`
//! or `true` → healthy; a string → degraded with that reason; a plain object → healthy with
//! those details; `false` → failure; throwing or rejecting → failure (core decides the rest).

use crate::host::promise;
use futures::FutureExt;
use js_sys::Promise;
use mantra_sdk::runtime::{default_clock, BoxFuture, SharedClock};
use mantra_sdk::{
    CheckOutcome, Error, HealthCheck, HealthCheckOptions, HealthChecker as CoreHealthChecker,
    HealthConfig,
};
use wasm_bindgen::prelude::*;

use crate::clock::ManualClock;
use crate::convert::{describe, function, json, string, Config};
use crate::error::{to_js, JsResult};
use crate::host::call_host;
use crate::ser;

#[derive(Debug)]
struct JsCheck {
    name: String,
    f: js_sys::Function,
}

fn outcome(name: &str, v: &JsValue) -> mantra_sdk::Result<CheckOutcome> {
    let fail = |message: String| Error::HealthCheck {
        check: name.to_string(),
        message,
    };
    if v.is_undefined() || v.is_null() || v.as_bool() == Some(true) {
        return Ok(CheckOutcome::healthy());
    }
    if v.as_bool() == Some(false) {
        return Err(fail("the check returned false".into()));
    }
    if let Some(reason) = v.as_string() {
        return Ok(CheckOutcome::degraded(reason));
    }
    if v.is_object() && !js_sys::Array::is_array(v) && !v.is_function() {
        let details = json(v, "health check details")
            .map_err(|_| fail("the check returned details that are not JSON-compatible".into()))?;
        return Ok(CheckOutcome::healthy().with_details(details));
    }
    Err(fail(format!(
        "the check returned {}; expected undefined, a boolean, a string (degraded) or an object (details)",
        describe(v)
    )))
}

impl HealthCheck for JsCheck {
    fn check(&self) -> BoxFuture<'static, mantra_sdk::Result<CheckOutcome>> {
        let f = self.f.clone();
        let name = self.name.clone();
        Box::pin(async move {
            let v = call_host(&f, &[], "health check").await?;
            outcome(&name, &v)
        })
    }
}

/// Runs registered checks through core's health state machine; see `index.d.ts`.
#[wasm_bindgen]
pub struct HealthChecker {
    inner: CoreHealthChecker,
}

/// Reads a JS health config.
pub(crate) fn read_config(config: &JsValue) -> JsResult<(Config, HealthConfig)> {
    let mut r = Config::new(config, "HealthChecker config")?;
    let mut c = HealthConfig::default();
    if let Some(b) = r.flag("enableAutoChecks", "enable_auto_checks")? {
        c.enable_auto_checks = b;
    }
    if let Some(d) = r.ms("checkIntervalMs", "check_interval")? {
        c.check_interval = d;
    }
    if let Some(d) = r.ms("checkTimeoutMs", "check_timeout")? {
        c.check_timeout = d;
    }
    if let Some(n) = r.count_u32("failureThreshold", "failure_threshold")? {
        c.failure_threshold = n;
    }
    if let Some(n) = r.count_u32("recoveryThreshold", "recovery_threshold")? {
        c.recovery_threshold = n;
    }
    if let Some(b) = r.flag("enableAutoRecovery", "enable_auto_recovery")? {
        c.enable_auto_recovery = b;
    }
    if let Some(b) = r.flag("enableDiagnostics", "enable_diagnostics")? {
        c.enable_diagnostics = b;
    }
    if let Some(d) = r.ms("recoveryTimeoutMs", "recovery_timeout")? {
        c.recovery_timeout = d;
    }
    if let Some(n) = r.count("historySize", "history_size")? {
        c.history_size = n;
    }
    if let Some(s) = r.string("serviceName", "service_name")? {
        c.service_name = Some(s);
    }
    if let Some(s) = r.string("description", "description")? {
        c.description = Some(s);
    }
    r.finish()?;
    Ok((r, c))
}

fn build(config: &JsValue, clock: SharedClock) -> JsResult<HealthChecker> {
    let (r, c) = read_config(config)?;
    let inner = CoreHealthChecker::with_clock(c, clock).map_err(|e| r.error(&e))?;
    // Core's `initialize` (starts the loop when `enable_auto_checks`) does not wait on
    // anything, so it completes in its first poll.
    let mut init = inner.clone();
    if let Some(Err(e)) = init.initialize().now_or_never() {
        return Err(r.error(&e));
    }
    Ok(HealthChecker { inner })
}

fn check_options(value: &JsValue) -> JsResult<HealthCheckOptions> {
    let mut r = Config::new(value, "HealthChecker.registerCheck options")?;
    let mut o = HealthCheckOptions::default();
    if let Some(b) = r.flag("critical", "critical")? {
        o.critical = b;
    }
    if let Some(d) = r.ms("timeoutMs", "timeout")? {
        o.timeout = Some(d);
    }
    if let Some(tags) = r.raw("tags", "tags") {
        let bad = || {
            crate::error::type_error(&format!(
                "HealthChecker.registerCheck options `tags` must be an array of strings, got {}",
                describe(&tags)
            ))
        };
        if !js_sys::Array::is_array(&tags) {
            return Err(bad());
        }
        o.tags = js_sys::Array::unchecked_from_js_ref(&tags)
            .iter()
            .map(|t: JsValue| t.as_string().ok_or_else(bad))
            .collect::<JsResult<Vec<String>>>()?;
    }
    r.finish()?;
    o.validate().map_err(|e| r.error(&e))?;
    Ok(o)
}

impl HealthChecker {
    /// A handle on an existing checker (a client's: `client.health`).
    pub(crate) fn from_core(inner: CoreHealthChecker) -> Self {
        Self { inner }
    }
}

#[wasm_bindgen]
impl HealthChecker {
    /// A checker on the platform clock.
    #[wasm_bindgen(constructor)]
    pub fn new(config: JsValue) -> Result<HealthChecker, JsValue> {
        build(&config, default_clock())
    }

    /// A checker on a `ManualClock` (virtual time).
    #[wasm_bindgen(js_name = withClock)]
    pub fn with_clock(config: JsValue, clock: &ManualClock) -> Result<HealthChecker, JsValue> {
        build(&config, clock.shared())
    }

    /// Registers (or replaces) check `name`: `check` is a (possibly async) function; options
    /// `{critical, timeoutMs, tags}`.
    #[wasm_bindgen(js_name = registerCheck)]
    pub fn register_check(
        &self,
        name: JsValue,
        check: JsValue,
        options: JsValue,
    ) -> Result<(), JsValue> {
        let name = string(&name, "HealthChecker.registerCheck(name)")?;
        let f = function(&check, "HealthChecker.registerCheck(name, check)")?;
        let options = check_options(&options)?;
        self.inner
            .register_check_with_options(name.clone(), JsCheck { name, f }, options)
            .map_err(|e| to_js(&e))
    }

    /// Removes a check; returns whether it existed.
    #[wasm_bindgen(js_name = unregisterCheck)]
    pub fn unregister_check(&self, name: &str) -> bool {
        self.inner.unregister_check(name)
    }

    /// Registers (or replaces) the recovery action of component `name` (an async function;
    /// run when the component becomes unhealthy, if `enableAutoRecovery`).
    #[wasm_bindgen(js_name = registerRecovery)]
    pub fn register_recovery(&self, name: JsValue, action: JsValue) -> Result<(), JsValue> {
        let name = string(&name, "HealthChecker.registerRecovery(name)")?;
        let f = function(&action, "HealthChecker.registerRecovery(name, action)")?;
        self.inner
            .register_recovery(name, move || {
                let f = f.clone();
                async move { call_host(&f, &[], "recovery action").await.map(drop) }
            })
            .map_err(|e| to_js(&e))
    }

    /// Runs every check now (concurrently, each under its timeout) and resolves with the
    /// system report.
    #[wasm_bindgen(js_name = runHealthChecks)]
    pub fn run_health_checks(&self) -> Promise {
        let inner = self.inner.clone();
        promise(Box::pin(async move {
            let report = inner.run_health_checks().await.map_err(|e| to_js(&e))?;
            Ok(ser::to_js(&report))
        }))
    }

    /// Runs one check now and resolves with its component report.
    #[wasm_bindgen(js_name = runCheck)]
    pub fn run_check(&self, name: JsValue) -> Promise {
        let inner = self.inner.clone();
        let name = string(&name, "HealthChecker.runCheck(name)");
        promise(Box::pin(async move {
            let report = inner.run_check(&name?).await.map_err(|e| to_js(&e))?;
            Ok(ser::to_js(&report))
        }))
    }

    /// The current system report (no checks run).
    #[wasm_bindgen(js_name = getSystemHealth)]
    pub fn get_system_health(&self) -> JsValue {
        ser::to_js(&self.inner.system_health())
    }

    /// One component's report, or `null` if no such check.
    #[wasm_bindgen(js_name = getProtocolHealth)]
    pub fn get_protocol_health(&self, name: JsValue) -> Result<JsValue, JsValue> {
        let name = string(&name, "HealthChecker.getProtocolHealth(name)")?;
        Ok(self
            .inner
            .protocol_health(&name)
            .map_or(JsValue::NULL, |c| ser::to_js(&c)))
    }

    /// Per-component history, recovery statistics and the configuration.
    #[wasm_bindgen(js_name = getDiagnostics)]
    pub fn get_diagnostics(&self) -> JsValue {
        ser::to_js(&self.inner.diagnostics())
    }

    /// The report as IETF `application/health+json` (`{status: "pass" | "warn" | "fail", …}`).
    #[wasm_bindgen(js_name = healthJson)]
    pub fn health_json(&self) -> JsValue {
        crate::convert::from_json(&self.inner.system_health().to_health_json())
    }

    /// Starts the periodic checks (every `checkIntervalMs`; idempotent).
    pub fn start(&self) {
        self.inner.start();
    }

    /// Stops the periodic checks (idempotent).
    pub fn stop(&self) {
        self.inner.stop();
    }

    /// Whether periodic checks run.
    #[wasm_bindgen(getter, js_name = isRunning)]
    pub fn is_running(&self) -> bool {
        self.inner.is_running()
    }
}
