//! [`MonitoringManager`]: metrics + health + tracing ring + collection loop + exporters
//! (+ the native endpoint).

use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

use parking_lot::Mutex;

use crate::error::{Error, Result};
use crate::health::{HealthChecker, SystemHealth};
use crate::metrics::{process_rss_bytes, MetricsCollector};
use crate::redact::{redact_text, redact_url};
use crate::runtime::{
    default_clock, spawn_background, timeout, BackgroundTask, SendOutsideWasm, SharedClock,
    SyncOutsideWasm,
};
use crate::transport::{HttpRequest, Transport};

use super::config::MonitoringConfig;
use super::spans::{MonitoringSpan, MonitoringSpanGuard, MonitoringTracingSummary, SpanRing};
use super::status::{
    MonitoringCollectionStatus, MonitoringHealthSummary, MonitoringMetricsSummary,
    MonitoringOtlpStatus, MonitoringSystemStatus,
};

trait ProviderFn: Fn(&MetricsCollector) + SendOutsideWasm + SyncOutsideWasm {}
impl<T> ProviderFn for T where T: Fn(&MetricsCollector) + SendOutsideWasm + SyncOutsideWasm + ?Sized {}
type Provider = Arc<dyn ProviderFn>;

#[derive(Default)]
pub(crate) struct Tasks {
    pub(crate) collection: Option<BackgroundTask>,
    #[cfg(not(all(target_family = "wasm", target_os = "unknown")))]
    pub(crate) server: Option<super::server::ServerHandle>,
}

pub(crate) struct Inner {
    pub(crate) config: MonitoringConfig,
    pub(crate) clock: SharedClock,
    pub(crate) metrics: MetricsCollector,
    pub(crate) health: HealthChecker,
    created_at: Duration,
    spans: Arc<SpanRing>,
    providers: Mutex<Vec<(String, Provider)>>,
    collection: Mutex<MonitoringCollectionStatus>,
    otlp: Mutex<MonitoringOtlpStatus>,
    transport: Mutex<Option<Arc<dyn Transport>>>,
    pub(crate) tasks: Mutex<Tasks>,
    closed: AtomicBool,
    /// Single flight for the first health round `GET /health` may trigger.
    first_health_round: tokio::sync::Mutex<()>,
}

/// Coordinates the monitoring features (the seed's `MonitoringManager`): a
/// [`MetricsCollector`], a [`HealthChecker`], a bounded tracing ring, a background
/// collection loop, Prometheus / OTLP / health+json exports and, on native targets, an
/// HTTP endpoint (`GET /metrics`, `/health`, `/status`).
///
/// A cheap `Clone` handle; clones share state. Background work (the collection loop, the
/// endpoint) holds only weak references and stops at [`close`](Self::close) or when the
/// last handle is dropped.
///
/// ```no_run
/// # use std::time::Duration;
/// use mantra_sdk::{MonitoringManager, MonitoringConfig};
/// # async fn demo() -> mantra_sdk::Result<()> {
/// let config = MonitoringConfig {
///     enable_opentelemetry: false,
///     prometheus_endpoint: Some("http://localhost:9090".to_string()),
///     collection_interval: Duration::from_secs(10),
///     enable_tracing: true,
///     serve_address: Some("127.0.0.1:9464".to_string()),
///     ..Default::default()
/// };
/// let mut manager = MonitoringManager::new(config);
/// manager.initialize().await?;
/// let system_status = manager.get_system_status().await;
/// let metrics_collector = manager.metrics();
/// let health_checker = manager.health();
/// # let _ = (system_status, metrics_collector, health_checker);
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct MonitoringManager {
    pub(crate) inner: Arc<Inner>,
}

impl std::fmt::Debug for MonitoringManager {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MonitoringManager")
            .field("service_name", &self.inner.config.service_name)
            .field("collecting", &self.is_collecting())
            .field("local_addr", &self.local_addr())
            .finish()
    }
}

impl MonitoringManager {
    /// A manager on the platform clock.
    ///
    /// # Panics
    /// If `config` is invalid (see [`MonitoringConfig::validate`]); use
    /// [`try_new`](Self::try_new) to get the error instead.
    pub fn new(config: MonitoringConfig) -> Self {
        match Self::try_new(config) {
            Ok(m) => m,
            Err(e) => panic!("{e}"),
        }
    }

    /// A manager on the platform clock, or the configuration error.
    pub fn try_new(config: MonitoringConfig) -> Result<Self> {
        Self::with_clock(config, default_clock())
    }

    /// A manager on `clock` (a [`ManualClock`](crate::ManualClock) in tests); its collector
    /// and checker are built from `config.metrics` / `config.health` on the same clock.
    pub fn with_clock(config: MonitoringConfig, clock: SharedClock) -> Result<Self> {
        config.validate()?;
        let metrics = MetricsCollector::with_clock(config.metrics.clone(), clock.clone())?;
        let mut health_config = config.health.clone();
        if health_config.service_name.is_none() {
            health_config.service_name = Some(config.service_name.clone());
        }
        let health = HealthChecker::with_clock(health_config, clock.clone())?;
        Self::build(config, metrics, health, clock)
    }

    /// A manager over an existing collector and checker (e.g. the ones a client already
    /// records into); `config.metrics` and `config.health` are then not used. Note that
    /// [`close`](Self::close) also stops their background loops.
    pub fn from_parts(
        config: MonitoringConfig,
        metrics: MetricsCollector,
        health: HealthChecker,
        clock: SharedClock,
    ) -> Result<Self> {
        config.validate()?;
        Self::build(config, metrics, health, clock)
    }

    fn build(
        config: MonitoringConfig,
        metrics: MetricsCollector,
        health: HealthChecker,
        clock: SharedClock,
    ) -> Result<Self> {
        let spans = Arc::new(SpanRing::new(config.enable_tracing, config.trace_capacity));
        let collection = MonitoringCollectionStatus {
            interval_seconds: config.collection_interval.as_secs_f64(),
            ..Default::default()
        };
        let otlp = MonitoringOtlpStatus {
            enabled: config.enable_opentelemetry,
            push_url: config.otlp_metrics_url().map(|u| redact_url(&u)),
            ..Default::default()
        };
        Ok(Self {
            inner: Arc::new(Inner {
                created_at: clock.now(),
                config,
                clock,
                metrics,
                health,
                spans,
                providers: Mutex::new(Vec::new()),
                collection: Mutex::new(collection),
                otlp: Mutex::new(otlp),
                transport: Mutex::new(None),
                tasks: Mutex::new(Tasks::default()),
                closed: AtomicBool::new(false),
                first_health_round: tokio::sync::Mutex::new(()),
            }),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &MonitoringConfig {
        &self.inner.config
    }

    /// Starts everything the config asks for: the metrics aggregation loop, the health
    /// auto-check loop (if `health.enable_auto_checks`), the collection loop and, when
    /// `serve_address` is set (native), the endpoint. Idempotent; `Closed` after
    /// [`close`](Self::close).
    pub async fn initialize(&mut self) -> Result<()> {
        self.initialize_sync()
    }

    /// Synchronous twin of [`initialize`](Self::initialize) (for bindings).
    pub fn initialize_sync(&self) -> Result<()> {
        self.ensure_open()?;
        self.inner.config.validate()?;
        // Bind first: a port in use fails initialize before any loop starts.
        #[cfg(not(all(target_family = "wasm", target_os = "unknown")))]
        if let Some(addr) = self.inner.config.serve_address.clone() {
            if self.local_addr().is_none() {
                self.serve(&addr)?;
            }
        }
        self.inner.metrics.initialize_sync()?;
        if self.inner.health.config().enable_auto_checks {
            self.inner.health.start();
        }
        self.start_collection();
        Ok(())
    }

    fn ensure_open(&self) -> Result<()> {
        if self.inner.closed.load(Ordering::Acquire) {
            Err(Error::Closed("monitoring manager".into()))
        } else {
            Ok(())
        }
    }

    fn start_collection(&self) {
        let mut tasks = self.inner.tasks.lock();
        if tasks.collection.as_ref().is_some_and(|t| !t.is_stopped()) {
            return;
        }
        let weak: Weak<Inner> = Arc::downgrade(&self.inner);
        let clock = self.inner.clock.clone();
        let interval = self.inner.config.collection_interval;
        tasks.collection = Some(spawn_background(async move {
            loop {
                clock.sleep(interval).await;
                let Some(inner) = weak.upgrade() else { break };
                let manager = MonitoringManager { inner };
                manager.collect_now();
                if manager.inner.config.otlp_metrics_url().is_some() {
                    let _ = manager.export_otlp_now().await;
                }
            }
        }));
    }

    /// Whether the collection loop is running.
    pub fn is_collecting(&self) -> bool {
        self.inner
            .tasks
            .lock()
            .collection
            .as_ref()
            .is_some_and(|t| !t.is_stopped())
    }

    /// Stops the collection loop, the endpoint (it stops accepting at once; requests in
    /// flight finish within `request_timeout`), the metrics aggregation loop and the health
    /// auto-check loop. Idempotent. Recording, exporting and status keep working;
    /// [`initialize`](Self::initialize) then fails with `Closed`.
    pub fn close(&self) {
        self.inner.closed.store(true, Ordering::Release);
        let tasks = std::mem::take(&mut *self.inner.tasks.lock());
        drop(tasks);
        self.inner.metrics.close();
        self.inner.health.stop();
    }

    /// Whether [`close`](Self::close) was called.
    pub fn is_closed(&self) -> bool {
        self.inner.closed.load(Ordering::Acquire)
    }

    /// The metrics collector.
    pub fn metrics(&self) -> &MetricsCollector {
        &self.inner.metrics
    }

    /// The health checker.
    pub fn health(&self) -> &HealthChecker {
        &self.inner.health
    }

    /// The clock this manager runs on.
    pub fn clock(&self) -> &SharedClock {
        &self.inner.clock
    }

    // ---- collection -------------------------------------------------------------------

    /// Registers (or replaces) a gauge provider: `provider(&collector)` runs on every
    /// collection and records whatever it measures (e.g.
    /// [`MetricsCollector::record_resource_usage`] with a cache's size). A panicking
    /// provider is counted in `provider_failures` and does not stop the others.
    pub fn register_gauge_provider<F>(&self, name: impl Into<String>, provider: F) -> Result<()>
    where
        F: Fn(&MetricsCollector) + SendOutsideWasm + SyncOutsideWasm + 'static,
    {
        let name = name.into();
        if name.trim().is_empty() {
            return Err(Error::InvalidArgument(
                "gauge provider name must not be empty".into(),
            ));
        }
        let provider: Provider = Arc::new(provider);
        let mut providers = self.inner.providers.lock();
        match providers.iter_mut().find(|(n, _)| *n == name) {
            Some(slot) => slot.1 = provider,
            None => providers.push((name, provider)),
        }
        Ok(())
    }

    /// Removes a gauge provider; returns whether it existed.
    pub fn unregister_gauge_provider(&self, name: &str) -> bool {
        let mut providers = self.inner.providers.lock();
        let before = providers.len();
        providers.retain(|(n, _)| n != name);
        providers.len() != before
    }

    /// Runs one collection now: records the process RSS as
    /// `<ns>_resource_memory_bytes{kind="process_rss"}` (Linux, when
    /// `metrics.enable_process_metrics`) and runs every gauge provider. The loop calls this
    /// every `collection_interval`.
    pub fn collect_now(&self) {
        let inner = &self.inner;
        if inner.metrics.config().enable_process_metrics {
            if let Some(rss) = process_rss_bytes() {
                inner.metrics.record_memory_bytes("process_rss", rss);
            }
        }
        let providers: Vec<Provider> = inner
            .providers
            .lock()
            .iter()
            .map(|(_, p)| p.clone())
            .collect();
        let mut failures = 0u64;
        for p in providers {
            if catch_unwind(AssertUnwindSafe(|| p(&inner.metrics))).is_err() {
                failures += 1;
            }
        }
        let mut c = inner.collection.lock();
        c.collections += 1;
        c.provider_failures += failures;
        c.last_collection_at = Some(inner.clock.wall_time());
    }

    // ---- tracing ----------------------------------------------------------------------

    /// Starts timing an operation named `name`; the span lands in the ring when the guard
    /// is finished, failed or dropped. Inert when `enable_tracing` is off.
    pub fn start_span(&self, name: impl Into<String>) -> MonitoringSpanGuard {
        MonitoringSpanGuard::new(
            self.inner.spans.clone(),
            self.inner.clock.clone(),
            name.into(),
        )
    }

    /// Records an already-measured span (no-op when `enable_tracing` is off).
    pub fn record_span(&self, name: &str, duration: Duration, success: bool, error: Option<&str>) {
        let start = self.inner.clock.wall_time().saturating_sub(duration);
        let error = match (success, error) {
            (true, _) => None,
            (false, e) => Some(e.unwrap_or("error")),
        };
        self.inner.spans.record(name, start, duration, error);
    }

    /// Runs `fut` as protocol operation `protocol`/`operation`: records it in the metrics
    /// (`record_protocol_operation`, error label = the error's [`code`](Error::code)) and,
    /// with tracing on, a span `protocol.operation`. Cancelled mid-way (the returned future
    /// dropped), it is recorded once as a failure with error `cancelled`.
    pub async fn trace<T, F>(&self, protocol: &str, operation: &str, fut: F) -> Result<T>
    where
        F: Future<Output = Result<T>>,
    {
        struct Pending<'a> {
            manager: &'a MonitoringManager,
            protocol: &'a str,
            operation: &'a str,
            span: Option<MonitoringSpanGuard>,
        }
        impl Pending<'_> {
            fn end(&mut self, error: Option<&Error>) {
                let Some(span) = self.span.take() else { return };
                let latency = span.elapsed();
                let code = error.map(|e| e.code());
                self.manager.inner.metrics.record_protocol_operation_sync(
                    self.protocol,
                    self.operation,
                    latency,
                    error.is_none(),
                    code,
                );
                match error {
                    None => span.finish(),
                    Some(e) => span.fail(e),
                }
            }
        }
        impl Drop for Pending<'_> {
            fn drop(&mut self) {
                self.end(Some(&Error::Cancelled("operation was dropped".into())));
            }
        }
        let mut pending = Pending {
            manager: self,
            protocol,
            operation,
            span: Some(self.start_span(format!("{protocol}.{operation}"))),
        };
        let out = fut.await;
        pending.end(out.as_ref().err());
        out
    }

    /// Every span in the ring, oldest first.
    pub fn recent_spans(&self) -> Vec<MonitoringSpan> {
        self.inner.spans.spans()
    }

    /// The ring's counters and newest spans.
    pub fn tracing_summary(&self) -> MonitoringTracingSummary {
        self.inner.spans.summary()
    }

    // ---- exports ----------------------------------------------------------------------

    /// Prometheus text exposition 0.0.4 (what `GET /metrics` serves).
    pub fn prometheus(&self) -> String {
        self.inner.metrics.prometheus()
    }

    /// The OTLP/HTTP JSON `ExportMetricsServiceRequest`, when `enable_opentelemetry` is on
    /// (the collector's own [`MetricsCollector::otlp_json`] is always available).
    pub fn otlp_json(&self) -> Option<String> {
        self.inner
            .config
            .enable_opentelemetry
            .then(|| self.inner.metrics.otlp_json())
    }

    /// The latest health report as `application/health+json` (no checks are run).
    pub fn health_json(&self) -> String {
        self.inner
            .health
            .system_health()
            .to_health_json()
            .to_string()
    }

    /// The system status as JSON (what `GET /status` serves).
    pub fn status_json(&self) -> String {
        serde_json::to_string(&self.system_status()).unwrap_or_else(|e| {
            serde_json::json!({ "error": format!("status serialization failed: {e}") }).to_string()
        })
    }

    /// Uses `transport` for OTLP pushes (default: the platform's HTTP transport).
    pub fn set_transport(&self, transport: Arc<dyn Transport>) {
        *self.inner.transport.lock() = Some(transport);
    }

    fn transport(&self) -> Arc<dyn Transport> {
        self.inner
            .transport
            .lock()
            .get_or_insert_with(crate::transport::default_transport)
            .clone()
    }

    /// POSTs the OTLP JSON export to `<otlp_endpoint>/v1/metrics` now (content type
    /// `application/json`) under `otlp_timeout`. `InvalidArgument` when pushing is off
    /// (`enable_opentelemetry` false or no `otlp_endpoint`); a non-2xx reply is a
    /// `Transport` error carrying the status. The outcome is kept in the status.
    pub async fn export_otlp_now(&self) -> Result<()> {
        let Some(url) = self.inner.config.otlp_metrics_url() else {
            return Err(Error::InvalidArgument(
                "OTLP push needs enable_opentelemetry and otlp_endpoint".into(),
            ));
        };
        let shown = redact_url(&url);
        let limit = self.inner.config.otlp_timeout;
        let mut request = HttpRequest::post_json(url, self.inner.metrics.otlp_json().into_bytes());
        request
            .headers
            .insert("content-type".into(), "application/json".into());
        request.timeout = Some(limit);
        let send = self.transport().send(request);
        let result = match timeout(&*self.inner.clock, limit, send).await {
            Err(_) => Err(Error::timeout(format!("OTLP export to {shown}"), limit)),
            Ok(Err(e)) => Err(e),
            Ok(Ok(resp)) if (200..300).contains(&resp.status) => Ok(()),
            Ok(Ok(resp)) => Err(resp.status_error(Some(&shown))),
        };
        let mut st = self.inner.otlp.lock();
        st.last_export_at = Some(self.inner.clock.wall_time());
        match &result {
            Ok(()) => st.exports_ok += 1,
            Err(e) => {
                st.exports_failed += 1;
                st.last_error = Some(redact_text(&e.to_string()));
            }
        }
        result
    }

    // ---- status -----------------------------------------------------------------------

    /// The system status (seed API; same as [`system_status`](Self::system_status)).
    pub async fn get_system_status(&self) -> MonitoringSystemStatus {
        self.system_status()
    }

    /// The system status, synchronously (for bindings): overall and per-component health,
    /// operation / error totals and p50/p99 latency per protocol, uptime, the tracing ring,
    /// collection and OTLP state, the endpoint address when serving.
    pub fn system_status(&self) -> MonitoringSystemStatus {
        let inner = &self.inner;
        let health = inner.health.system_health();
        let snapshot = inner.metrics.registry().snapshot();
        let mut collection = inner.collection.lock().clone();
        collection.running = self.is_collecting();
        collection.providers = inner
            .providers
            .lock()
            .iter()
            .map(|(n, _)| n.clone())
            .collect();
        MonitoringSystemStatus {
            service_name: inner.config.service_name.clone(),
            overall_status: health.overall_status,
            generated_at: inner.clock.wall_time(),
            uptime: inner.clock.now().saturating_sub(inner.created_at),
            health: MonitoringHealthSummary::from_health(&health),
            metrics: MonitoringMetricsSummary::from_snapshot(&snapshot),
            tracing: inner.spans.summary(),
            collection,
            opentelemetry: inner.otlp.lock().clone(),
            endpoint: self.local_addr().map(|a| format!("http://{a}")),
            prometheus_endpoint: inner.config.prometheus_endpoint.as_deref().map(redact_url),
        }
    }

    /// The health report `GET /health` serves: the latest one, except that when checks are
    /// registered but none has ever run, one round runs first (bounded by
    /// `health.check_timeout`; concurrent callers share it).
    pub async fn health_report(&self) -> SystemHealth {
        let fresh = |h: &SystemHealth| h.checked_at.is_some() || h.components.is_empty();
        let h = self.inner.health.system_health();
        if fresh(&h) {
            return h;
        }
        let _round = self.inner.first_health_round.lock().await;
        let h = self.inner.health.system_health();
        if fresh(&h) {
            return h;
        }
        let limit = self.inner.health.config().check_timeout;
        match timeout(
            &*self.inner.clock,
            limit,
            self.inner.health.run_health_checks(),
        )
        .await
        {
            Ok(Ok(h)) => h,
            _ => self.inner.health.system_health(),
        }
    }

    /// Address of the endpoint when serving (native), else `None`.
    pub fn local_addr(&self) -> Option<std::net::SocketAddr> {
        #[cfg(not(all(target_family = "wasm", target_os = "unknown")))]
        {
            self.inner.tasks.lock().server.as_ref().map(|s| s.addr())
        }
        #[cfg(all(target_family = "wasm", target_os = "unknown"))]
        {
            None
        }
    }
}
