//! MetricsCollector for Kotlin/Swift: the core's collector (protocol / server-request /
//! resource / custom families, windows, Prometheus and OTLP exporters) with records for
//! its snapshot.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use mantra_sdk as sdk;
use sdk::MetricType;

use crate::clock::{enter, ManualClock, VirtualTime};
use crate::error::{guard, FfiResult};
use crate::util::{to_u64, to_usize, wall};

/// Kind of a metric family.
#[uniffi::remote(Enum)]
pub enum MetricType {
    /// Monotonic total (`_total`).
    Counter,
    /// A value that goes up and down.
    Gauge,
    /// Observations in cumulative buckets, with sum and count.
    Histogram,
}

/// One label: name and value.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct MetricsLabel {
    /// Label name.
    pub name: String,
    /// Label value.
    pub value: String,
}

fn labels(l: sdk::MetricsLabels) -> Vec<MetricsLabel> {
    l.0.into_iter()
        .map(|(name, value)| MetricsLabel { name, value })
        .collect()
}

/// Configuration of a [`MetricsCollector`]. Every field is optional: `null`/`nil` means the
/// core default (all families enabled, `retention_period` 1 h, `aggregation_interval`
/// 60 s, namespace `mantra`, 1000 series per family, 1000 custom metrics, 100 000 windows,
/// prom-client's buckets, no constant labels, process RSS on Linux).
#[derive(Debug, Clone, Default, PartialEq, uniffi::Record)]
pub struct MetricsConfig {
    /// Record `<ns>_protocol_*` families.
    #[uniffi(default)]
    pub enable_protocol_metrics: Option<bool>,
    /// Record `<ns>_mcp_*` families (server requests).
    #[uniffi(default)]
    pub enable_mcp_metrics: Option<bool>,
    /// Record `<ns>_resource_*` gauges.
    #[uniffi(default)]
    pub enable_resource_metrics: Option<bool>,
    /// Record `<ns>_custom_*` families.
    #[uniffi(default)]
    pub enable_custom_metrics: Option<bool>,
    /// How long window summaries are kept (at least `aggregation_interval`).
    #[uniffi(default)]
    pub retention_period: Option<Duration>,
    /// Length of one aggregation window (> 0).
    #[uniffi(default)]
    pub aggregation_interval: Option<Duration>,
    /// Prefix of every family name (`[a-zA-Z_][a-zA-Z0-9_]*`).
    #[uniffi(default)]
    pub namespace: Option<String>,
    /// Label sets per family; more are folded into one `__overflow__` series.
    #[uniffi(default)]
    pub max_series_per_family: Option<u64>,
    /// Most distinct custom metrics.
    #[uniffi(default)]
    pub max_custom_metrics: Option<u64>,
    /// Most window summaries kept in total.
    #[uniffi(default)]
    pub max_window_entries: Option<u64>,
    /// Histogram upper bounds in seconds (strictly increasing, finite).
    #[uniffi(default)]
    pub histogram_buckets: Option<Vec<f64>>,
    /// Labels added to every exported series, in order.
    #[uniffi(default)]
    pub const_labels: Option<Vec<MetricsLabel>>,
    /// Report the process RSS as `<ns>_resource_memory_bytes{kind="process_rss"}` (Linux).
    #[uniffi(default)]
    pub enable_process_metrics: Option<bool>,
}

impl MetricsConfig {
    fn to_core(&self) -> sdk::MetricsConfig {
        self.apply(sdk::MetricsConfig::default())
    }

    /// `base` with the fields set here overridden.
    pub(crate) fn apply(&self, d: sdk::MetricsConfig) -> sdk::MetricsConfig {
        sdk::MetricsConfig {
            enable_protocol_metrics: self
                .enable_protocol_metrics
                .unwrap_or(d.enable_protocol_metrics),
            enable_mcp_metrics: self.enable_mcp_metrics.unwrap_or(d.enable_mcp_metrics),
            enable_resource_metrics: self
                .enable_resource_metrics
                .unwrap_or(d.enable_resource_metrics),
            enable_custom_metrics: self
                .enable_custom_metrics
                .unwrap_or(d.enable_custom_metrics),
            retention_period: self.retention_period.unwrap_or(d.retention_period),
            aggregation_interval: self.aggregation_interval.unwrap_or(d.aggregation_interval),
            namespace: self.namespace.clone().unwrap_or(d.namespace),
            max_series_per_family: self
                .max_series_per_family
                .map(to_usize)
                .unwrap_or(d.max_series_per_family),
            max_custom_metrics: self
                .max_custom_metrics
                .map(to_usize)
                .unwrap_or(d.max_custom_metrics),
            max_window_entries: self
                .max_window_entries
                .map(to_usize)
                .unwrap_or(d.max_window_entries),
            histogram_buckets: self
                .histogram_buckets
                .clone()
                .unwrap_or(d.histogram_buckets),
            const_labels: self
                .const_labels
                .as_ref()
                .map(|l| {
                    l.iter()
                        .map(|l| (l.name.clone(), l.value.clone()))
                        .collect()
                })
                .unwrap_or(d.const_labels),
            enable_process_metrics: self
                .enable_process_metrics
                .unwrap_or(d.enable_process_metrics),
        }
    }
}

impl From<&sdk::MetricsConfig> for MetricsConfig {
    fn from(c: &sdk::MetricsConfig) -> Self {
        Self {
            enable_protocol_metrics: Some(c.enable_protocol_metrics),
            enable_mcp_metrics: Some(c.enable_mcp_metrics),
            enable_resource_metrics: Some(c.enable_resource_metrics),
            enable_custom_metrics: Some(c.enable_custom_metrics),
            retention_period: Some(c.retention_period),
            aggregation_interval: Some(c.aggregation_interval),
            namespace: Some(c.namespace.clone()),
            max_series_per_family: Some(to_u64(c.max_series_per_family)),
            max_custom_metrics: Some(to_u64(c.max_custom_metrics)),
            max_window_entries: Some(to_u64(c.max_window_entries)),
            histogram_buckets: Some(c.histogram_buckets.clone()),
            const_labels: Some(
                c.const_labels
                    .iter()
                    .map(|(name, value)| MetricsLabel {
                        name: name.clone(),
                        value: value.clone(),
                    })
                    .collect(),
            ),
            enable_process_metrics: Some(c.enable_process_metrics),
        }
    }
}

/// One protocol operation, for `recordProtocolOperations`.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ProtocolOperation {
    /// Protocol label (e.g. `rpc`).
    pub protocol: String,
    /// Operation label (e.g. `status`).
    pub operation: String,
    /// How long it took.
    pub latency: Duration,
    /// Whether it succeeded.
    pub success: bool,
    /// Error label when it failed (`unknown` if absent).
    #[uniffi(default)]
    pub error: Option<String>,
}

/// Resource gauges to set; null/nil fields are left unchanged.
#[derive(Debug, Clone, Default, PartialEq, uniffi::Record)]
pub struct MetricsResourceUsage {
    /// Bytes in use (`<ns>_resource_memory_bytes{kind="used"}`).
    #[uniffi(default)]
    pub memory_used_bytes: Option<u64>,
    /// Bytes held in buffer pools (`kind="pooled"`).
    #[uniffi(default)]
    pub memory_pooled_bytes: Option<u64>,
    /// Bytes held by the cache (`kind="cache"`).
    #[uniffi(default)]
    pub cache_bytes: Option<u64>,
    /// Cache entries (`<ns>_resource_cache_entries`).
    #[uniffi(default)]
    pub cache_entries: Option<u64>,
    /// Open connections (`<ns>_resource_connections_active`).
    #[uniffi(default)]
    pub active_connections: Option<u64>,
    /// Requests queued or in flight (`<ns>_resource_pending_requests`).
    #[uniffi(default)]
    pub pending_requests: Option<u64>,
}

/// One cumulative histogram bucket: observations `<= le`.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct MetricsBucket {
    /// Upper bound (finite; the `+Inf` bucket is the histogram's `count`).
    pub le: f64,
    /// Cumulative count.
    pub count: u64,
}

/// Histogram values of one series.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct HistogramSnapshot {
    /// Number of observations.
    pub count: u64,
    /// Sum of observations.
    pub sum: f64,
    /// Cumulative buckets for the finite bounds.
    pub buckets: Vec<MetricsBucket>,
    /// Smallest observation.
    pub min: Option<f64>,
    /// Largest observation.
    pub max: Option<f64>,
    /// Median, interpolated from the buckets and clamped to `[min, max]`.
    pub p50: Option<f64>,
    /// 95th percentile.
    pub p95: Option<f64>,
    /// 99th percentile.
    pub p99: Option<f64>,
}

/// One series of a family.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct MetricSeriesSnapshot {
    /// Its labels, in declaration order (constant labels not included).
    pub labels: Vec<MetricsLabel>,
    /// Counter or gauge value (null for histograms).
    pub value: Option<f64>,
    /// Histogram values (null for counters and gauges).
    pub histogram: Option<HistogramSnapshot>,
}

/// One family: name, type, help and its series.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct MetricFamilySnapshot {
    /// Full name (counters end in `_total`).
    pub name: String,
    /// Counter, gauge or histogram.
    pub metric_type: MetricType,
    /// Help text.
    pub help: String,
    /// Label names.
    pub label_names: Vec<String>,
    /// Cardinality cap.
    pub max_series: u64,
    /// Recordings folded into the overflow series.
    pub dropped_series: u64,
    /// Series sorted by label values; the overflow series, if any, last.
    pub series: Vec<MetricSeriesSnapshot>,
}

/// Summary of one histogram series over one aggregation interval.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct MetricsWindow {
    /// Family name.
    pub family: String,
    /// Series labels.
    pub labels: Vec<MetricsLabel>,
    /// Window start (wall time).
    pub start: SystemTime,
    /// Window end (wall time).
    pub end: SystemTime,
    /// Observations in the window.
    pub count: u64,
    /// Their sum.
    pub sum: f64,
    /// Smallest observation.
    pub min: Option<f64>,
    /// Largest observation.
    pub max: Option<f64>,
    /// Median estimated from the window's buckets.
    pub p50: Option<f64>,
    /// 95th percentile.
    pub p95: Option<f64>,
    /// 99th percentile.
    pub p99: Option<f64>,
}

impl From<sdk::MetricsWindow> for MetricsWindow {
    fn from(w: sdk::MetricsWindow) -> Self {
        Self {
            family: w.family,
            labels: labels(w.labels),
            start: wall(Duration::from_millis(w.start_unix_ms)),
            end: wall(Duration::from_millis(w.end_unix_ms)),
            count: w.count,
            sum: w.sum,
            min: w.min,
            max: w.max,
            p50: w.p50,
            p95: w.p95,
            p99: w.p99,
        }
    }
}

/// Everything a collector knows at one instant (`getAllMetrics()`); `snapshotJson()` is
/// the same as JSON text.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct MetricsSnapshot {
    /// When the snapshot was taken (wall time).
    pub timestamp: SystemTime,
    /// When the collector was created (wall time).
    pub start_time: SystemTime,
    /// Family name prefix.
    pub namespace: String,
    /// Labels added to every exported series.
    pub const_labels: Vec<MetricsLabel>,
    /// Every family, sorted by name.
    pub families: Vec<MetricFamilySnapshot>,
    /// Recordings folded into overflow series, per family (only families with any).
    pub dropped_series: HashMap<String, u64>,
    /// Window summaries within the retention period, oldest first.
    pub windows: Vec<MetricsWindow>,
    /// Length of one window.
    pub window_interval: Option<Duration>,
    /// How long windows are kept.
    pub retention: Option<Duration>,
}

impl From<sdk::MetricsSnapshot> for MetricsSnapshot {
    fn from(s: sdk::MetricsSnapshot) -> Self {
        let secs = |x: Option<f64>| x.and_then(|x| Duration::try_from_secs_f64(x).ok());
        Self {
            timestamp: wall(Duration::from_nanos(s.timestamp_unix_nanos)),
            start_time: wall(Duration::from_nanos(s.start_time_unix_nanos)),
            namespace: s.namespace,
            const_labels: labels(s.const_labels),
            families: s
                .families
                .into_iter()
                .map(|f| MetricFamilySnapshot {
                    name: f.name,
                    metric_type: f.metric_type,
                    help: f.help,
                    label_names: f.label_names,
                    max_series: to_u64(f.max_series),
                    dropped_series: f.dropped_series,
                    series: f
                        .series
                        .into_iter()
                        .map(|s| MetricSeriesSnapshot {
                            labels: labels(s.labels),
                            value: s.value,
                            histogram: s.histogram.map(|h| HistogramSnapshot {
                                count: h.count,
                                sum: h.sum,
                                buckets: h
                                    .buckets
                                    .into_iter()
                                    .map(|b| MetricsBucket {
                                        le: b.le,
                                        count: b.count,
                                    })
                                    .collect(),
                                min: h.min,
                                max: h.max,
                                p50: h.p50,
                                p95: h.p95,
                                p99: h.p99,
                            }),
                        })
                        .collect(),
                })
                .collect(),
            dropped_series: s.dropped_series.into_iter().collect(),
            windows: s.windows.into_iter().map(Into::into).collect(),
            window_interval: secs(s.window_interval_seconds),
            retention: secs(s.retention_seconds),
        }
    }
}

/// Records protocol operations, server requests, resource gauges and custom metrics, and
/// exports them (Prometheus text, OTLP JSON, snapshot). Every method is synchronous.
/// Families are listed in the core's `MetricsCollector` docs (`mantra_protocol_operations_total`, ...).
#[derive(uniffi::Object)]
pub struct MetricsCollector {
    inner: sdk::MetricsCollector,
    vt: Option<Arc<VirtualTime>>,
}

impl MetricsCollector {
    /// Wraps an existing core collector (e.g. a client's).
    pub(crate) fn wrap(inner: sdk::MetricsCollector) -> Arc<Self> {
        Arc::new(Self { inner, vt: None })
    }
}

#[uniffi::export]
impl MetricsCollector {
    /// A collector with `config` (all defaults when omitted). Throws `InvalidConfig` naming
    /// the field. The aggregation loop starts with `initialize()`.
    #[uniffi::constructor(default(config))]
    pub fn new(config: MetricsConfig) -> FfiResult<Arc<Self>> {
        guard(|| {
            Ok(Arc::new(Self {
                inner: sdk::MetricsCollector::try_new(config.to_core())?,
                vt: None,
            }))
        })
    }

    /// A collector whose windows and timestamps follow `clock` (virtual time, for tests).
    #[uniffi::constructor]
    pub fn with_clock(config: MetricsConfig, clock: Arc<ManualClock>) -> FfiResult<Arc<Self>> {
        guard(|| {
            let vt = Some(clock.virtual_time());
            let _rt = enter(vt.as_ref());
            Ok(Arc::new(Self {
                inner: sdk::MetricsCollector::with_clock(config.to_core(), clock.shared())?,
                vt,
            }))
        })
    }

    /// The effective configuration.
    pub fn config(&self) -> MetricsConfig {
        self.inner.config().into()
    }

    /// Starts the aggregation loop (one window every `aggregationInterval`). Idempotent;
    /// throws `Closed` after `shutdown()`.
    pub fn initialize(&self) -> FfiResult<()> {
        guard(|| {
            let _rt = enter(self.vt.as_ref());
            Ok(self.inner.initialize_sync()?)
        })
    }

    /// Whether the aggregation loop is running.
    pub fn is_running(&self) -> bool {
        self.inner.is_running()
    }

    /// Stops the aggregation loop (idempotent). Recording and exporting keep working.
    /// (The core's `close`; Kotlin's `close()` is `AutoCloseable`'s and releases the object.)
    #[uniffi::method(name = "shutdown")]
    pub fn close(&self) {
        self.inner.close()
    }

    /// Closes the current aggregation window now.
    pub fn aggregate_now(&self) {
        self.inner.aggregate_now()
    }

    /// Records one protocol operation: `<ns>_protocol_operations_total{protocol, operation,
    /// status}`, its latency histogram, and on failure `<ns>_protocol_errors_total{..., error}`
    /// (`error` defaults to `"unknown"`). Label values are cut to 128 bytes.
    #[uniffi::method(default(error = None))]
    pub fn record_protocol_operation(
        &self,
        protocol: String,
        operation: String,
        latency: Duration,
        success: bool,
        error: Option<String>,
    ) {
        self.inner.record_protocol_operation_sync(
            &protocol,
            &operation,
            latency,
            success,
            error.as_deref(),
        )
    }

    /// `recordProtocolOperation` for many operations in one call (one FFI crossing instead
    /// of one per operation), in order.
    pub fn record_protocol_operations(&self, operations: Vec<ProtocolOperation>) {
        for op in &operations {
            self.inner.record_protocol_operation_sync(
                &op.protocol,
                &op.operation,
                op.latency,
                op.success,
                op.error.as_deref(),
            );
        }
    }

    /// Records one server request (the seed's "MCP" request): count by transport and
    /// outcome, and its latency.
    pub fn record_mcp_request(&self, latency: Duration, success: bool, transport: String) {
        self.inner
            .record_mcp_request_sync(latency, success, &transport)
    }

    /// Records `<ns>_custom_<category>_<name>`: a counter adds `value` (>= 0), a gauge is
    /// set to it, a histogram observes it. Throws `InvalidArgument` (no usable name,
    /// negative, infinite or NaN counter value, a name first recorded with another type) or
    /// `CapacityExceeded` (more than `maxCustomMetrics`); each refusal is also counted in
    /// `<ns>_metrics_rejected_total{reason}`. Nothing happens when custom metrics are off.
    pub fn record_custom_metric(
        &self,
        category: String,
        name: String,
        value: f64,
        metric_type: MetricType,
    ) -> FfiResult<()> {
        guard(|| {
            Ok(self
                .inner
                .try_record_custom_metric(&category, &name, value, metric_type)?)
        })
    }

    /// Sets the resource gauges given in `usage`.
    pub fn record_resource_usage(&self, usage: MetricsResourceUsage) {
        self.inner
            .record_resource_usage(&sdk::MetricsResourceUsage {
                memory_used_bytes: usage.memory_used_bytes,
                memory_pooled_bytes: usage.memory_pooled_bytes,
                cache_bytes: usage.cache_bytes,
                cache_entries: usage.cache_entries,
                active_connections: usage.active_connections,
                pending_requests: usage.pending_requests,
            })
    }

    /// Sets `<ns>_resource_memory_bytes{kind}` to `bytes`.
    pub fn record_memory_bytes(&self, kind: String, bytes: u64) {
        self.inner.record_memory_bytes(&kind, bytes)
    }

    /// Every family with its series (counts, sums, buckets, p50/p95/p99), the retained
    /// windows and dropped-series counts.
    pub fn get_all_metrics(&self) -> MetricsSnapshot {
        self.inner.get_all_metrics_sync().into()
    }

    /// `getAllMetrics()` as JSON text (the core's stable snapshot shape, shared with
    /// the JS and Python packages).
    pub fn snapshot_json(&self) -> String {
        self.inner.snapshot_json()
    }

    /// The retained window summaries, oldest first.
    pub fn windows(&self) -> Vec<MetricsWindow> {
        self.inner.windows().into_iter().map(Into::into).collect()
    }

    /// Prometheus text exposition format 0.0.4 (serve it with `prometheusContentType()`).
    pub fn prometheus(&self) -> String {
        self.inner.prometheus()
    }

    /// OTLP/HTTP JSON `ExportMetricsServiceRequest` (POST it to `/v1/metrics`).
    pub fn otlp_json(&self) -> String {
        self.inner.otlp_json()
    }
}

/// The HTTP `Content-Type` of `MetricsCollector.prometheus()` output.
#[uniffi::export]
pub fn prometheus_content_type() -> String {
    sdk::PROMETHEUS_CONTENT_TYPE.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unset_fields_take_the_core_defaults_and_round_trip() {
        assert_eq!(
            MetricsConfig::default().to_core(),
            sdk::MetricsConfig::default()
        );
        let c = MetricsConfig {
            namespace: Some("app".into()),
            const_labels: Some(vec![
                MetricsLabel {
                    name: "zone".into(),
                    value: "b".into(),
                },
                MetricsLabel {
                    name: "app".into(),
                    value: "w".into(),
                },
            ]),
            ..Default::default()
        }
        .to_core();
        assert_eq!(c.namespace, "app");
        assert_eq!(c.const_labels[0].0, "zone", "order is kept");
        assert_eq!(MetricsConfig::from(&c).to_core(), c);
    }

    #[test]
    fn invalid_config_and_bad_custom_values_are_typed_errors() {
        let e = MetricsCollector::new(MetricsConfig {
            namespace: Some("9bad".into()),
            ..Default::default()
        })
        .err()
        .unwrap();
        assert_eq!(e.code(), "invalid_config");
        assert!(e.reason().contains("namespace"), "{e}");
        let m = MetricsCollector::new(MetricsConfig::default()).unwrap();
        let e = m
            .record_custom_metric("app".into(), "n".into(), -1.0, MetricType::Counter)
            .unwrap_err();
        assert_eq!(e.code(), "invalid_argument");
        m.record_custom_metric("app".into(), "n".into(), 2.0, MetricType::Counter)
            .unwrap();
        let e = m
            .record_custom_metric("app".into(), "n".into(), 2.0, MetricType::Gauge)
            .unwrap_err();
        assert!(e.reason().contains("already"), "{e}");
    }

    #[test]
    fn snapshot_records_mirror_the_core_snapshot() {
        let clock = ManualClock::new();
        let m = MetricsCollector::with_clock(MetricsConfig::default(), clock.clone()).unwrap();
        m.record_protocol_operation(
            "rpc".into(),
            "status".into(),
            Duration::from_millis(20),
            true,
            None,
        );
        m.record_protocol_operation(
            "rpc".into(),
            "status".into(),
            Duration::from_millis(40),
            false,
            Some("timeout".into()),
        );
        m.record_protocol_operations(vec![ProtocolOperation {
            protocol: "rpc".into(),
            operation: "block".into(),
            latency: Duration::from_millis(5),
            success: true,
            error: None,
        }]);
        assert!(m.prometheus().contains(
            "mantra_protocol_operations_total{protocol=\"rpc\",operation=\"block\",status=\"success\"} 1"
        ));
        let s = m.get_all_metrics();
        assert_eq!(s.namespace, "mantra");
        assert_eq!(s.timestamp, clock.wall_time());
        let fam = s
            .families
            .iter()
            .find(|f| f.name == "mantra_protocol_operation_duration_seconds")
            .unwrap();
        assert_eq!(fam.metric_type, MetricType::Histogram);
        let status = fam
            .series
            .iter()
            .find(|s| s.labels[1].value == "status")
            .unwrap();
        let h = status.histogram.as_ref().unwrap();
        assert_eq!(h.count, 2);
        assert!((h.sum - 0.06).abs() < 1e-9);
        assert_eq!(h.buckets.len(), 11);
        assert_eq!(status.labels[0].name, "protocol");
        let errors = s
            .families
            .iter()
            .find(|f| f.name == "mantra_protocol_errors_total")
            .unwrap();
        assert_eq!(errors.series[0].value, Some(1.0));
        assert_eq!(s.window_interval, Some(Duration::from_secs(60)));
        assert!(m
            .prometheus()
            .contains("mantra_protocol_errors_total{protocol=\"rpc\",operation=\"status\",error=\"timeout\"} 1"));
        assert!(m.otlp_json().starts_with('{'));
    }
}
