//! [`MetricsCollector`]: the SDK's protocol, server-request, resource and custom families
//! on a [`MetricsRegistry`], with aggregation windows and exporters.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, OnceLock, Weak};
use std::time::Duration;

use parking_lot::{Mutex, RwLock};

use crate::error::{Error, Result};
use crate::runtime::{default_clock, spawn_background, BackgroundTask, SharedClock};

use super::config::{MetricType, MetricsConfig};
use super::family::{
    hash_labels, CounterFamily, CounterSeries, GaugeFamily, HistogramFamily, HistogramSeries,
    Series, SeriesMap,
};
use super::naming::sanitize_fragment;
use super::registry::{MetricsRegistry, MetricsRegistryConfig};
use super::snapshot::MetricsSnapshot;
use super::window::{MetricsWindow, WindowStore};

/// Label values longer than this many bytes are cut (at a char boundary).
pub const MAX_LABEL_VALUE_BYTES: usize = 128;

#[inline]
fn cut(v: &str) -> &str {
    if v.len() <= MAX_LABEL_VALUE_BYTES {
        return v;
    }
    let mut end = MAX_LABEL_VALUE_BYTES;
    while !v.is_char_boundary(end) {
        end -= 1;
    }
    &v[..end]
}

/// Resource gauges to set; `None` fields are left unchanged.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MetricsResourceUsage {
    /// Bytes in use by the SDK (`<ns>_resource_memory_bytes{kind="used"}`).
    pub memory_used_bytes: Option<u64>,
    /// Bytes held in buffer pools (`kind="pooled"`).
    pub memory_pooled_bytes: Option<u64>,
    /// Bytes held by the cache (`kind="cache"`).
    pub cache_bytes: Option<u64>,
    /// Cache entries (`<ns>_resource_cache_entries`).
    pub cache_entries: Option<u64>,
    /// Open connections (`<ns>_resource_connections_active`).
    pub active_connections: Option<u64>,
    /// Requests queued or in flight (`<ns>_resource_pending_requests`).
    pub pending_requests: Option<u64>,
}

struct ProtocolFamilies {
    ops: CounterFamily,
    duration: HistogramFamily,
    errors: CounterFamily,
    cache: OpCache,
}

struct McpFamilies {
    requests: CounterFamily,
    duration: HistogramFamily,
    cache: OpCache,
}

/// Handles of one key's series: the duration histogram and the two status counters.
struct OpHandles {
    duration: HistogramSeries,
    ok: OnceLock<CounterSeries>,
    err: OnceLock<CounterSeries>,
}

/// Caches, per key (e.g. protocol + operation), the handles of a
/// `counter{key.., status}` / `histogram{key..}` pair, so recording is one lookup.
/// Only series that are not `__overflow__` are cached, so the cache holds at most
/// `max_series_per_family` entries and overflowed recordings still go through the
/// families (which count them as dropped).
struct OpCache {
    map: RwLock<SeriesMap<OpHandles>>,
}

impl OpCache {
    fn new() -> Self {
        Self {
            map: RwLock::new(SeriesMap::new()),
        }
    }

    #[inline]
    fn record(
        &self,
        key: &[&str],
        counter: &CounterFamily,
        hist: &HistogramFamily,
        secs: f64,
        success: bool,
    ) {
        let h = hash_labels(key);
        let map = self.map.read();
        if let Some(e) = map.find(h, key) {
            let slot = if success { &e.cell.ok } else { &e.cell.err };
            if let Some(c) = slot.get() {
                e.cell.duration.observe(secs);
                c.inc();
                return;
            }
        }
        drop(map);
        self.record_slow(h, key, counter, hist, secs, success);
    }

    /// The cached handles of `key`, if it has been recorded and is not an overflow series.
    fn cached(&self, key: &[&str]) -> Option<Arc<Series<OpHandles>>> {
        self.map.read().find(hash_labels(key), key).cloned()
    }

    #[cold]
    fn record_slow(
        &self,
        h: u64,
        key: &[&str],
        counter: &CounterFamily,
        hist: &HistogramFamily,
        secs: f64,
        success: bool,
    ) {
        let status = if success { "success" } else { "error" };
        let mut labels: Vec<&str> = Vec::with_capacity(key.len() + 1);
        labels.extend_from_slice(key);
        labels.push(status);
        let cached = self.map.read().find(h, key).cloned();
        let entry = match cached {
            Some(e) => e,
            None => {
                let Ok(d) = hist.with_labels(key) else {
                    return;
                };
                if d.is_overflow() {
                    d.observe(secs);
                    let _ = counter.inc(&labels);
                    return;
                }
                let mut map = self.map.write();
                match map.find(h, key) {
                    Some(e) => e.clone(),
                    None => map.insert(
                        h,
                        key,
                        OpHandles {
                            duration: d,
                            ok: OnceLock::new(),
                            err: OnceLock::new(),
                        },
                    ),
                }
            }
        };
        record_entry(&entry, &labels, counter, secs, success);
    }
}

/// Records into one cached entry; `labels` = the key's values + the status value.
#[inline]
fn record_entry(
    entry: &Series<OpHandles>,
    labels: &[&str],
    counter: &CounterFamily,
    secs: f64,
    success: bool,
) {
    entry.cell.duration.observe(secs);
    let slot = if success {
        &entry.cell.ok
    } else {
        &entry.cell.err
    };
    match slot.get() {
        Some(c) => c.inc(),
        None => {
            let Ok(c) = counter.with_labels(labels) else {
                return;
            };
            c.inc();
            if !c.is_overflow() {
                let _ = slot.set(c);
            }
        }
    }
}

/// A resolved `(protocol, operation)` of [`MetricsCollector::record_protocol_operation_sync`]
/// (from [`MetricsCollector::protocol_operation`]): recording through it skips the label
/// lookup and records exactly the same series. For bindings that intern label values (the
/// JS package keeps one per pair instead of passing two strings across on every call).
#[derive(Clone)]
pub struct ProtocolOperationHandle {
    entry: Arc<Series<OpHandles>>,
    ops: CounterFamily,
    errors: CounterFamily,
}

impl fmt::Debug for ProtocolOperationHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProtocolOperationHandle")
            .field("labels", &self.entry.labels)
            .finish()
    }
}

impl ProtocolOperationHandle {
    /// Same as `record_protocol_operation_sync(protocol, operation, latency, success, error)`.
    #[inline]
    pub fn record(&self, latency: Duration, success: bool, error: Option<&str>) {
        let l = &self.entry.labels;
        let (p, o) = (&*l[0], &*l[1]);
        let status = if success { "success" } else { "error" };
        record_entry(
            &self.entry,
            &[p, o, status],
            &self.ops,
            latency.as_secs_f64(),
            success,
        );
        if !success {
            let _ = self.errors.inc(&[p, o, cut(error.unwrap_or("unknown"))]);
        }
    }
}

/// A resolved `transport` of [`MetricsCollector::record_mcp_request_sync`] (from
/// [`MetricsCollector::mcp_request`]); see [`ProtocolOperationHandle`].
#[derive(Clone)]
pub struct McpRequestHandle {
    entry: Arc<Series<OpHandles>>,
    requests: CounterFamily,
}

impl fmt::Debug for McpRequestHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("McpRequestHandle")
            .field("labels", &self.entry.labels)
            .finish()
    }
}

impl McpRequestHandle {
    /// Same as `record_mcp_request_sync(latency, success, transport)`.
    #[inline]
    pub fn record(&self, latency: Duration, success: bool) {
        let t = &*self.entry.labels[0];
        let status = if success { "success" } else { "error" };
        record_entry(
            &self.entry,
            &[t, status],
            &self.requests,
            latency.as_secs_f64(),
            success,
        );
    }
}

struct ResourceFamilies {
    memory: GaugeFamily,
    cache_entries: GaugeFamily,
    connections: GaugeFamily,
    pending: GaugeFamily,
}

#[derive(Clone)]
enum CustomMetric {
    Counter(CounterFamily),
    Gauge(GaugeFamily),
    Histogram(HistogramFamily),
}

impl CustomMetric {
    fn metric_type(&self) -> MetricType {
        match self {
            CustomMetric::Counter(_) => MetricType::Counter,
            CustomMetric::Gauge(_) => MetricType::Gauge,
            CustomMetric::Histogram(_) => MetricType::Histogram,
        }
    }
}

struct Inner {
    config: MetricsConfig,
    clock: SharedClock,
    registry: MetricsRegistry,
    protocol: Option<ProtocolFamilies>,
    mcp: Option<McpFamilies>,
    resource: Option<ResourceFamilies>,
    custom: RwLock<HashMap<String, CustomMetric>>,
    rejected: CounterFamily,
    windows: Mutex<WindowStore>,
    task: Mutex<Option<BackgroundTask>>,
    closed: Mutex<bool>,
}

impl Inner {
    fn aggregate(&self) {
        self.refresh_process_metrics();
        let fams = self.registry.histogram_families();
        let (now, wall) = (self.clock.now(), self.clock.wall_time());
        self.windows.lock().aggregate(&fams, now, wall);
    }

    fn refresh_process_metrics(&self) {
        if !self.config.enable_process_metrics {
            return;
        }
        if let (Some(r), Some(rss)) = (&self.resource, process_rss_bytes()) {
            let _ = r.memory.set(&["process_rss"], rss as f64);
        }
    }
}

/// Resident set size of this process, from `/proc/self/status` (Linux only).
#[cfg(target_os = "linux")]
pub fn process_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// Resident set size of this process (not available on this platform).
#[cfg(not(target_os = "linux"))]
pub fn process_rss_bytes() -> Option<u64> {
    None
}

/// Collects the SDK's metrics (cheap `Clone` handle; clones share state).
///
/// Families (with the default namespace `mantra`; a public contract):
///
/// | family | type | labels |
/// |---|---|---|
/// | `mantra_protocol_operations_total` | counter | `protocol, operation, status` (`success`/`error`) |
/// | `mantra_protocol_operation_duration_seconds` | histogram | `protocol, operation` |
/// | `mantra_protocol_errors_total` | counter | `protocol, operation, error` |
/// | `mantra_mcp_requests_total` | counter | `transport, status` |
/// | `mantra_mcp_request_duration_seconds` | histogram | `transport` |
/// | `mantra_resource_memory_bytes` | gauge | `kind` (`used`, `pooled`, `cache`, `process_rss`, ...) |
/// | `mantra_resource_cache_entries` | gauge | |
/// | `mantra_resource_connections_active` | gauge | |
/// | `mantra_resource_pending_requests` | gauge | |
/// | `mantra_custom_<category>_<name>` (+`_total` for counters) | as requested | |
/// | `mantra_metrics_dropped_series_total` | counter | `family` |
/// | `mantra_metrics_rejected_total` | counter | `reason` |
///
/// A family whose `enable_*` flag is off is not registered and records nothing.
#[derive(Clone)]
pub struct MetricsCollector {
    inner: Arc<Inner>,
}

impl fmt::Debug for MetricsCollector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MetricsCollector")
            .field("namespace", &self.inner.config.namespace)
            .field("running", &self.is_running())
            .finish()
    }
}

impl Default for MetricsCollector {
    fn default() -> Self {
        Self::new(MetricsConfig::default())
    }
}

impl MetricsCollector {
    /// A collector on the platform clock. Panics with the validation message on an invalid
    /// config (see [`try_new`](Self::try_new)).
    pub fn new(config: MetricsConfig) -> Self {
        match Self::try_new(config) {
            Ok(c) => c,
            Err(e) => panic!("{e}"),
        }
    }

    /// A collector on the platform clock.
    pub fn try_new(config: MetricsConfig) -> Result<Self> {
        Self::with_clock(config, default_clock())
    }

    /// A collector on `clock` (a `ManualClock` in tests).
    pub fn with_clock(config: MetricsConfig, clock: SharedClock) -> Result<Self> {
        config.validate()?;
        let registry = MetricsRegistry::with_clock(
            MetricsRegistryConfig {
                namespace: config.namespace.clone(),
                max_series_per_family: config.max_series_per_family,
                histogram_buckets: config.histogram_buckets.clone(),
                const_labels: config.const_labels.clone(),
            },
            clock.clone(),
        )?;
        let ns = &config.namespace;
        let n = |s: &str| format!("{ns}_{s}");
        let protocol = if config.enable_protocol_metrics {
            Some(ProtocolFamilies {
                ops: registry.counter(
                    &n("protocol_operations_total"),
                    "Protocol operations by outcome.",
                    &["protocol", "operation", "status"],
                )?,
                duration: registry.histogram(
                    &n("protocol_operation_duration_seconds"),
                    "Protocol operation latency in seconds.",
                    &["protocol", "operation"],
                )?,
                errors: registry.counter(
                    &n("protocol_errors_total"),
                    "Failed protocol operations by error.",
                    &["protocol", "operation", "error"],
                )?,
                cache: OpCache::new(),
            })
        } else {
            None
        };
        let mcp = if config.enable_mcp_metrics {
            Some(McpFamilies {
                requests: registry.counter(
                    &n("mcp_requests_total"),
                    "Server requests by transport and outcome.",
                    &["transport", "status"],
                )?,
                duration: registry.histogram(
                    &n("mcp_request_duration_seconds"),
                    "Server request latency in seconds.",
                    &["transport"],
                )?,
                cache: OpCache::new(),
            })
        } else {
            None
        };
        let resource = if config.enable_resource_metrics {
            Some(ResourceFamilies {
                memory: registry.gauge(
                    &n("resource_memory_bytes"),
                    "Memory in bytes by kind.",
                    &["kind"],
                )?,
                cache_entries: registry.gauge(
                    &n("resource_cache_entries"),
                    "Entries in the response cache.",
                    &[],
                )?,
                connections: registry.gauge(
                    &n("resource_connections_active"),
                    "Open connections.",
                    &[],
                )?,
                pending: registry.gauge(
                    &n("resource_pending_requests"),
                    "Requests queued or in flight.",
                    &[],
                )?,
            })
        } else {
            None
        };
        let rejected = registry.counter(
            &n("metrics_rejected_total"),
            "Recordings rejected by the collector, by reason.",
            &["reason"],
        )?;
        let windows = WindowStore::new(
            config.max_window_entries,
            config.retention_period,
            clock.now(),
            clock.wall_time(),
        );
        let inner = Arc::new(Inner {
            config,
            clock,
            registry,
            protocol,
            mcp,
            resource,
            custom: RwLock::new(HashMap::new()),
            rejected,
            windows: Mutex::new(windows),
            task: Mutex::new(None),
            closed: Mutex::new(false),
        });
        inner.refresh_process_metrics();
        Ok(Self { inner })
    }

    /// The configuration.
    pub fn config(&self) -> &MetricsConfig {
        &self.inner.config
    }

    /// The underlying registry, for registering further families.
    pub fn registry(&self) -> &MetricsRegistry {
        &self.inner.registry
    }

    /// Validates the config and starts the aggregation loop (idempotent).
    pub async fn initialize(&mut self) -> Result<()> {
        self.initialize_sync()
    }

    /// Synchronous twin of [`initialize`](Self::initialize). Fails with `Closed` after
    /// [`close`](Self::close).
    pub fn initialize_sync(&self) -> Result<()> {
        self.inner.config.validate()?;
        if *self.inner.closed.lock() {
            return Err(Error::Closed("metrics collector".into()));
        }
        let mut task = self.inner.task.lock();
        if task.is_some() {
            return Ok(());
        }
        let weak: Weak<Inner> = Arc::downgrade(&self.inner);
        let clock = self.inner.clock.clone();
        let interval = self.inner.config.aggregation_interval;
        *task = Some(spawn_background(async move {
            loop {
                clock.sleep(interval).await;
                let Some(inner) = weak.upgrade() else {
                    break;
                };
                inner.aggregate();
            }
        }));
        Ok(())
    }

    /// Whether the aggregation loop is running.
    pub fn is_running(&self) -> bool {
        self.inner
            .task
            .lock()
            .as_ref()
            .is_some_and(|t| !t.is_stopped())
    }

    /// Stops the aggregation loop (idempotent). Recording and exporting keep working.
    pub fn close(&self) {
        *self.inner.closed.lock() = true;
        if let Some(t) = self.inner.task.lock().take() {
            t.stop();
        }
    }

    /// Closes the current aggregation window now (the loop does this every interval).
    pub fn aggregate_now(&self) {
        self.inner.aggregate();
    }

    /// Records one protocol operation (see the family table on [`MetricsCollector`]).
    pub async fn record_protocol_operation(
        &self,
        protocol: &str,
        operation: &str,
        latency: Duration,
        success: bool,
        error: Option<&str>,
    ) {
        self.record_protocol_operation_sync(protocol, operation, latency, success, error)
    }

    /// Synchronous twin of [`record_protocol_operation`](Self::record_protocol_operation).
    /// `error` is used only when `success` is false (`"unknown"` if absent).
    #[inline]
    pub fn record_protocol_operation_sync(
        &self,
        protocol: &str,
        operation: &str,
        latency: Duration,
        success: bool,
        error: Option<&str>,
    ) {
        let Some(f) = &self.inner.protocol else {
            return;
        };
        let (p, o) = (cut(protocol), cut(operation));
        f.cache
            .record(&[p, o], &f.ops, &f.duration, latency.as_secs_f64(), success);
        if !success {
            let _ = f.errors.inc(&[p, o, cut(error.unwrap_or("unknown"))]);
        }
    }

    /// The handle of `(protocol, operation)` once it has been recorded (by
    /// [`record_protocol_operation_sync`](Self::record_protocol_operation_sync)) into series
    /// of its own; `None` before that, for a pair folded into the overflow series (keep
    /// recording those by name, so each recording is counted as dropped), and when protocol
    /// metrics are disabled.
    pub fn protocol_operation(
        &self,
        protocol: &str,
        operation: &str,
    ) -> Option<ProtocolOperationHandle> {
        let f = self.inner.protocol.as_ref()?;
        let entry = f.cache.cached(&[cut(protocol), cut(operation)])?;
        Some(ProtocolOperationHandle {
            entry,
            ops: f.ops.clone(),
            errors: f.errors.clone(),
        })
    }

    /// The handle of `transport` once recorded by
    /// [`record_mcp_request_sync`](Self::record_mcp_request_sync); `None` as for
    /// [`protocol_operation`](Self::protocol_operation).
    pub fn mcp_request(&self, transport: &str) -> Option<McpRequestHandle> {
        let f = self.inner.mcp.as_ref()?;
        let entry = f.cache.cached(&[cut(transport)])?;
        Some(McpRequestHandle {
            entry,
            requests: f.requests.clone(),
        })
    }

    /// Records one server request (the seed's "MCP" request).
    pub async fn record_mcp_request(&self, latency: Duration, success: bool, transport: &str) {
        self.record_mcp_request_sync(latency, success, transport)
    }

    /// Synchronous twin of [`record_mcp_request`](Self::record_mcp_request).
    #[inline]
    pub fn record_mcp_request_sync(&self, latency: Duration, success: bool, transport: &str) {
        let Some(f) = &self.inner.mcp else {
            return;
        };
        f.cache.record(
            &[cut(transport)],
            &f.requests,
            &f.duration,
            latency.as_secs_f64(),
            success,
        );
    }

    /// Records a custom metric `<ns>_custom_<category>_<name>` (sanitized). Problems
    /// (bad value, type change, too many custom metrics) are counted in
    /// `<ns>_metrics_rejected_total{reason}`; use
    /// [`try_record_custom_metric`](Self::try_record_custom_metric) to get them as errors.
    pub async fn record_custom_metric(
        &self,
        category: &str,
        name: &str,
        value: f64,
        metric_type: MetricType,
    ) {
        self.record_custom_metric_sync(category, name, value, metric_type)
    }

    /// Synchronous twin of [`record_custom_metric`](Self::record_custom_metric).
    pub fn record_custom_metric_sync(
        &self,
        category: &str,
        name: &str,
        value: f64,
        metric_type: MetricType,
    ) {
        let _ = self.try_record_custom_metric(category, name, value, metric_type);
    }

    /// Records a custom metric: a counter adds `value` (must be `>= 0`), a gauge is set to
    /// it, a histogram observes it. Errors: `InvalidArgument` (empty name after
    /// sanitizing, negative/NaN value, type differs from the first recording),
    /// `CapacityExceeded` (more than `max_custom_metrics`). Disabled: `Ok`, nothing recorded.
    pub fn try_record_custom_metric(
        &self,
        category: &str,
        name: &str,
        value: f64,
        metric_type: MetricType,
    ) -> Result<()> {
        if !self.inner.config.enable_custom_metrics {
            return Ok(());
        }
        let r = self.custom_inner(category, name, value, metric_type);
        if let Err(e) = &r {
            let reason = match e {
                Error::CapacityExceeded(_) => "too_many_custom_metrics",
                Error::InvalidArgument(m) if m.contains("already") => "type_conflict",
                Error::InvalidArgument(m) if m.contains("name") => "invalid_name",
                _ => "invalid_value",
            };
            let _ = self.inner.rejected.inc(&[reason]);
        }
        r
    }

    fn custom_inner(
        &self,
        category: &str,
        name: &str,
        value: f64,
        metric_type: MetricType,
    ) -> Result<()> {
        let (Some(cat), Some(nm)) = (sanitize_fragment(category), sanitize_fragment(name)) else {
            return Err(Error::InvalidArgument(format!(
                "custom metric name {category:?}/{name:?} has no usable characters"
            )));
        };
        let base = format!("{}_custom_{cat}_{nm}", self.inner.config.namespace);
        let bad_value =
            || Error::InvalidArgument(format!("custom {metric_type} {base} cannot record {value}"));
        match metric_type {
            MetricType::Counter if !(value.is_finite() && value >= 0.0) => return Err(bad_value()),
            MetricType::Histogram if value.is_nan() => return Err(bad_value()),
            _ => {}
        }
        let existing = self.inner.custom.read().get(&base).cloned();
        let metric = match existing {
            Some(m) => m,
            None => {
                let mut map = self.inner.custom.write();
                match map.get(&base) {
                    Some(m) => m.clone(),
                    None => {
                        if map.len() >= self.inner.config.max_custom_metrics {
                            return Err(Error::CapacityExceeded(format!(
                                "more than max_custom_metrics ({}) custom metrics",
                                self.inner.config.max_custom_metrics
                            )));
                        }
                        let help = format!("Custom {metric_type} {category}/{name}.");
                        let reg = &self.inner.registry;
                        let m = match metric_type {
                            MetricType::Counter => {
                                CustomMetric::Counter(reg.counter(&base, &help, &[])?)
                            }
                            MetricType::Gauge => {
                                CustomMetric::Gauge(reg.gauge(&base, &help, &[])?)
                            }
                            MetricType::Histogram => {
                                CustomMetric::Histogram(reg.histogram(&base, &help, &[])?)
                            }
                        };
                        map.insert(base.clone(), m.clone());
                        m
                    }
                }
            }
        };
        if metric.metric_type() != metric_type {
            return Err(Error::InvalidArgument(format!(
                "custom metric {base} is already a {}, not a {metric_type}",
                metric.metric_type()
            )));
        }
        match metric {
            CustomMetric::Counter(c) => c.inc_by(&[], value),
            CustomMetric::Gauge(g) => g.set(&[], value),
            CustomMetric::Histogram(h) => h.observe(&[], value),
        }
    }

    /// Sets the resource gauges given in `usage` (no-op when resource metrics are off).
    pub fn record_resource_usage(&self, usage: &MetricsResourceUsage) {
        let Some(r) = &self.inner.resource else {
            return;
        };
        let mem = [
            ("used", usage.memory_used_bytes),
            ("pooled", usage.memory_pooled_bytes),
            ("cache", usage.cache_bytes),
        ];
        for (kind, v) in mem {
            if let Some(v) = v {
                let _ = r.memory.set(&[kind], v as f64);
            }
        }
        let gauges = [
            (&r.cache_entries, usage.cache_entries),
            (&r.connections, usage.active_connections),
            (&r.pending, usage.pending_requests),
        ];
        for (g, v) in gauges {
            if let Some(v) = v {
                let _ = g.set(&[], v as f64);
            }
        }
    }

    /// Sets `<ns>_resource_memory_bytes{kind}` to `bytes`.
    pub fn record_memory_bytes(&self, kind: &str, bytes: u64) {
        if let Some(r) = &self.inner.resource {
            let _ = r.memory.set(&[cut(kind)], bytes as f64);
        }
    }

    /// Every family, the retained windows, dropped-series counts and a timestamp.
    pub async fn get_all_metrics(&self) -> MetricsSnapshot {
        self.get_all_metrics_sync()
    }

    /// Synchronous twin of [`get_all_metrics`](Self::get_all_metrics).
    pub fn get_all_metrics_sync(&self) -> MetricsSnapshot {
        self.inner.refresh_process_metrics();
        let mut s = self.inner.registry.snapshot();
        let mut w = self.inner.windows.lock();
        w.prune(self.inner.clock.now());
        s.windows = w.entries().cloned().collect();
        s.window_interval_seconds = Some(self.inner.config.aggregation_interval.as_secs_f64());
        s.retention_seconds = Some(self.inner.config.retention_period.as_secs_f64());
        s
    }

    /// The retained window summaries, oldest first (pruned to the retention period).
    pub fn windows(&self) -> Vec<MetricsWindow> {
        let mut w = self.inner.windows.lock();
        w.prune(self.inner.clock.now());
        w.entries().cloned().collect()
    }

    /// Window summaries dropped early because `max_window_entries` was reached.
    pub fn windows_pruned_for_capacity(&self) -> u64 {
        self.inner.windows.lock().pruned_for_capacity()
    }

    /// Prometheus text exposition format 0.0.4.
    pub fn prometheus(&self) -> String {
        self.inner.refresh_process_metrics();
        self.inner.registry.snapshot().to_prometheus()
    }

    /// OTLP/HTTP JSON `ExportMetricsServiceRequest`.
    pub fn otlp_json(&self) -> String {
        self.inner.refresh_process_metrics();
        self.inner.registry.snapshot().to_otlp_json()
    }

    /// The snapshot of [`get_all_metrics_sync`](Self::get_all_metrics_sync) as JSON.
    pub fn snapshot_json(&self) -> String {
        self.get_all_metrics_sync().to_json()
    }
}
