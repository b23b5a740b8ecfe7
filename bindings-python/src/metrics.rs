//! `MetricsConfig` and `MetricsCollector`: the core's metrics collector.
//!
//! Recording keeps the GIL (a recording costs less than releasing it); exporting
//! (`prometheus()`, `otlp_json()`, `get_all_metrics()`) releases it while the core renders.

use std::time::Duration;

use mantra_sdk::runtime::default_clock;
use mantra_sdk::{MetricType, MetricsCollector, MetricsConfig, MetricsResourceUsage};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};

use crate::clock::{clock_or, enter_runtime, PyManualClock};
use crate::convert::{arg_count, arg_seconds, as_str, count, seconds, to_py, type_name, with_str};
use crate::errors::{guard, type_error, OrPyErr};

/// Metrics configuration (keyword-only; durations in seconds). `inner` has the core's
/// defaults for the fields not given (a standalone `MetricsCollector` uses it); `given`
/// remembers the fields that were, so `MantraClient.connect` lays just those over the
/// client's defaults. Equality compares the values (`inner`).
#[pyclass(name = "MetricsConfig", module = "mantra_sdk._native", frozen, eq)]
#[derive(Clone, Default)]
pub(crate) struct PyMetricsConfig {
    pub(crate) inner: MetricsConfig,
    given: Given,
}

impl PartialEq for PyMetricsConfig {
    fn eq(&self, other: &Self) -> bool {
        self.inner == other.inner
    }
}

/// The fields a `MetricsConfig` was given (`None` = not given).
#[derive(Clone, Default)]
struct Given {
    enable_protocol_metrics: Option<bool>,
    enable_mcp_metrics: Option<bool>,
    enable_resource_metrics: Option<bool>,
    enable_custom_metrics: Option<bool>,
    retention_period: Option<Duration>,
    aggregation_interval: Option<Duration>,
    namespace: Option<String>,
    max_series_per_family: Option<usize>,
    max_custom_metrics: Option<usize>,
    max_window_entries: Option<usize>,
    histogram_buckets: Option<Vec<f64>>,
    const_labels: Option<Vec<(String, String)>>,
    enable_process_metrics: Option<bool>,
}

impl Given {
    /// `base` with the given fields overridden.
    fn over(&self, mut c: MetricsConfig) -> MetricsConfig {
        fn set<T: Clone>(to: &mut T, v: &Option<T>) {
            if let Some(v) = v {
                to.clone_from(v);
            }
        }
        // Exhaustive: a new field cannot be forgotten here.
        let Given {
            enable_protocol_metrics,
            enable_mcp_metrics,
            enable_resource_metrics,
            enable_custom_metrics,
            retention_period,
            aggregation_interval,
            namespace,
            max_series_per_family,
            max_custom_metrics,
            max_window_entries,
            histogram_buckets,
            const_labels,
            enable_process_metrics,
        } = self;
        set(&mut c.enable_protocol_metrics, enable_protocol_metrics);
        set(&mut c.enable_mcp_metrics, enable_mcp_metrics);
        set(&mut c.enable_resource_metrics, enable_resource_metrics);
        set(&mut c.enable_custom_metrics, enable_custom_metrics);
        set(&mut c.retention_period, retention_period);
        set(&mut c.aggregation_interval, aggregation_interval);
        set(&mut c.namespace, namespace);
        set(&mut c.max_series_per_family, max_series_per_family);
        set(&mut c.max_custom_metrics, max_custom_metrics);
        set(&mut c.max_window_entries, max_window_entries);
        set(&mut c.histogram_buckets, histogram_buckets);
        set(&mut c.const_labels, const_labels);
        set(&mut c.enable_process_metrics, enable_process_metrics);
        c
    }

    /// Every field of `c` given.
    fn all(c: &MetricsConfig) -> Self {
        Self {
            enable_protocol_metrics: Some(c.enable_protocol_metrics),
            enable_mcp_metrics: Some(c.enable_mcp_metrics),
            enable_resource_metrics: Some(c.enable_resource_metrics),
            enable_custom_metrics: Some(c.enable_custom_metrics),
            retention_period: Some(c.retention_period),
            aggregation_interval: Some(c.aggregation_interval),
            namespace: Some(c.namespace.clone()),
            max_series_per_family: Some(c.max_series_per_family),
            max_custom_metrics: Some(c.max_custom_metrics),
            max_window_entries: Some(c.max_window_entries),
            histogram_buckets: Some(c.histogram_buckets.clone()),
            const_labels: Some(c.const_labels.clone()),
            enable_process_metrics: Some(c.enable_process_metrics),
        }
    }
}

impl PyMetricsConfig {
    /// The configuration in effect somewhere: every field counts as given.
    pub(crate) fn of(c: &MetricsConfig) -> Self {
        Self {
            inner: c.clone(),
            given: Given::all(c),
        }
    }

    /// `base` (e.g. the client's defaults) with the fields this config was given; the
    /// caller validates the result.
    pub(crate) fn over(&self, base: MetricsConfig) -> MetricsConfig {
        self.given.over(base)
    }
}

fn const_labels(obj: &Bound<'_, PyAny>) -> PyResult<Vec<(String, String)>> {
    let bad = || {
        type_error(format!(
            "`const_labels` must be a dict of str to str, not {}",
            type_name(obj)
        ))
    };
    let d = obj.cast::<PyDict>().map_err(|_| bad())?;
    d.iter()
        .map(|(k, v)| {
            let k = k.cast::<PyString>().map_err(|_| bad())?;
            let v = v.cast::<PyString>().map_err(|_| bad())?;
            Ok((k.to_cow()?.into_owned(), v.to_cow()?.into_owned()))
        })
        .collect()
}

#[pymethods]
impl PyMetricsConfig {
    #[new]
    #[pyo3(signature = (
        *,
        enable_protocol_metrics = None,
        enable_mcp_metrics = None,
        enable_resource_metrics = None,
        enable_custom_metrics = None,
        retention_period = None,
        aggregation_interval = None,
        namespace = None,
        max_series_per_family = None,
        max_custom_metrics = None,
        max_window_entries = None,
        histogram_buckets = None,
        const_labels = None,
        enable_process_metrics = None,
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        enable_protocol_metrics: Option<bool>,
        enable_mcp_metrics: Option<bool>,
        enable_resource_metrics: Option<bool>,
        enable_custom_metrics: Option<bool>,
        retention_period: Option<f64>,
        aggregation_interval: Option<f64>,
        namespace: Option<String>,
        max_series_per_family: Option<Bound<'_, PyAny>>,
        max_custom_metrics: Option<Bound<'_, PyAny>>,
        max_window_entries: Option<Bound<'_, PyAny>>,
        histogram_buckets: Option<Vec<f64>>,
        const_labels: Option<Bound<'_, PyAny>>,
        enable_process_metrics: Option<bool>,
    ) -> PyResult<Self> {
        guard(|| {
            let given = Given {
                enable_protocol_metrics,
                enable_mcp_metrics,
                enable_resource_metrics,
                enable_custom_metrics,
                retention_period: retention_period
                    .map(|s| seconds("retention_period", s))
                    .transpose()
                    .or_py()?,
                aggregation_interval: aggregation_interval
                    .map(|s| seconds("aggregation_interval", s))
                    .transpose()
                    .or_py()?,
                namespace,
                max_series_per_family: max_series_per_family
                    .map(|n| count("max_series_per_family", &n))
                    .transpose()?,
                max_custom_metrics: max_custom_metrics
                    .map(|n| count("max_custom_metrics", &n))
                    .transpose()?,
                max_window_entries: max_window_entries
                    .map(|n| count("max_window_entries", &n))
                    .transpose()?,
                histogram_buckets,
                const_labels: const_labels.map(|l| self::const_labels(&l)).transpose()?,
                enable_process_metrics,
            };
            let inner = given.over(MetricsConfig::default());
            inner.validate().or_py()?;
            Ok(Self { inner, given })
        })
    }

    #[getter]
    fn enable_protocol_metrics(&self) -> bool {
        self.inner.enable_protocol_metrics
    }
    #[getter]
    fn enable_mcp_metrics(&self) -> bool {
        self.inner.enable_mcp_metrics
    }
    #[getter]
    fn enable_resource_metrics(&self) -> bool {
        self.inner.enable_resource_metrics
    }
    #[getter]
    fn enable_custom_metrics(&self) -> bool {
        self.inner.enable_custom_metrics
    }
    #[getter]
    fn retention_period(&self) -> f64 {
        self.inner.retention_period.as_secs_f64()
    }
    #[getter]
    fn aggregation_interval(&self) -> f64 {
        self.inner.aggregation_interval.as_secs_f64()
    }
    #[getter]
    fn namespace(&self) -> &str {
        &self.inner.namespace
    }
    #[getter]
    fn max_series_per_family(&self) -> usize {
        self.inner.max_series_per_family
    }
    #[getter]
    fn max_custom_metrics(&self) -> usize {
        self.inner.max_custom_metrics
    }
    #[getter]
    fn max_window_entries(&self) -> usize {
        self.inner.max_window_entries
    }
    #[getter]
    fn histogram_buckets(&self) -> Vec<f64> {
        self.inner.histogram_buckets.clone()
    }
    #[getter]
    fn const_labels(&self) -> std::collections::BTreeMap<String, String> {
        self.inner.const_labels.iter().cloned().collect()
    }
    #[getter]
    fn enable_process_metrics(&self) -> bool {
        self.inner.enable_process_metrics
    }

    fn __repr__(&self) -> String {
        format!(
            "MetricsConfig(namespace={:?}, aggregation_interval={:?}, retention_period={:?}, \
             max_series_per_family={})",
            self.inner.namespace,
            self.inner.aggregation_interval.as_secs_f64(),
            self.inner.retention_period.as_secs_f64(),
            self.inner.max_series_per_family
        )
    }
}

/// Protocol, server-request and custom metrics with Prometheus and OTLP exporters.
#[pyclass(name = "MetricsCollector", module = "mantra_sdk._native", frozen)]
pub(crate) struct PyMetricsCollector {
    pub(crate) inner: MetricsCollector,
}

fn metric_type(obj: &Bound<'_, PyAny>) -> PyResult<MetricType> {
    with_str(as_str("type", obj)?, |s| s.parse::<MetricType>())?.or_py()
}

#[pymethods]
impl PyMetricsCollector {
    #[new]
    #[pyo3(signature = (config = None, *, clock = None))]
    fn new(
        config: Option<PyRef<'_, PyMetricsConfig>>,
        clock: Option<PyRef<'_, PyManualClock>>,
    ) -> PyResult<Self> {
        guard(|| {
            let config = config.map(|c| c.inner.clone()).unwrap_or_default();
            let clock = clock_or(clock.as_deref(), default_clock);
            Ok(Self {
                inner: MetricsCollector::with_clock(config, clock).or_py()?,
            })
        })
    }

    /// The configuration in effect.
    #[getter]
    fn config(&self) -> PyMetricsConfig {
        PyMetricsConfig::of(self.inner.config())
    }

    /// Records one protocol operation; `latency` in seconds; `error` (a short error kind)
    /// is counted only when `success` is false.
    #[pyo3(signature = (protocol, operation, latency, success, error = None))]
    fn record_protocol_operation(
        &self,
        protocol: &Bound<'_, PyAny>,
        operation: &Bound<'_, PyAny>,
        latency: f64,
        success: bool,
        error: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        guard(|| {
            let latency = arg_seconds("latency", latency).or_py()?;
            let p = as_str("protocol", protocol)?;
            let o = as_str("operation", operation)?;
            with_str(p, |p| {
                with_str(o, |o| match error {
                    Some(e) => with_str(as_str("error", e)?, |e| {
                        self.inner
                            .record_protocol_operation_sync(p, o, latency, success, Some(e))
                    }),
                    None => {
                        self.inner
                            .record_protocol_operation_sync(p, o, latency, success, None);
                        Ok(())
                    }
                })
            })???;
            Ok(())
        })
    }

    /// Records one server request (`latency` in seconds) for `transport`.
    fn record_mcp_request(
        &self,
        latency: f64,
        success: bool,
        transport: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        guard(|| {
            let latency = arg_seconds("latency", latency).or_py()?;
            with_str(as_str("transport", transport)?, |t| {
                self.inner.record_mcp_request_sync(latency, success, t)
            })
        })
    }

    /// Records a custom metric `<namespace>_custom_<category>_<name>`: a counter adds
    /// `value`, a gauge is set to it, a histogram observes it. `type`: `"counter"`,
    /// `"gauge"` or `"histogram"`. Raises `InvalidArgumentError` (bad value, type change)
    /// or `CapacityExceededError` (too many custom metrics); rejections are also counted.
    #[pyo3(signature = (category, name, value, r#type))]
    fn record_custom_metric(
        &self,
        category: &Bound<'_, PyAny>,
        name: &Bound<'_, PyAny>,
        value: f64,
        r#type: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        guard(|| {
            let t = metric_type(r#type)?;
            with_str(as_str("category", category)?, |c| {
                with_str(as_str("name", name)?, |n| {
                    self.inner.try_record_custom_metric(c, n, value, t)
                })
            })??
            .or_py()
        })
    }

    /// Sets `<namespace>_resource_memory_bytes{kind}`.
    fn record_memory_bytes(
        &self,
        kind: &Bound<'_, PyAny>,
        bytes: Bound<'_, PyAny>,
    ) -> PyResult<()> {
        guard(|| {
            let bytes: u64 = arg_count("bytes", &bytes)?;
            with_str(as_str("kind", kind)?, |k| {
                self.inner.record_memory_bytes(k, bytes)
            })
        })
    }

    /// Sets the resource gauges given (keyword-only; `None` leaves a gauge unchanged):
    /// `<namespace>_resource_memory_bytes{kind="used"|"pooled"|"cache"}`,
    /// `_resource_cache_entries`, `_resource_connections_active`,
    /// `_resource_pending_requests`. A no-op when resource metrics are off.
    #[pyo3(signature = (
        *,
        memory_used_bytes = None,
        memory_pooled_bytes = None,
        cache_bytes = None,
        cache_entries = None,
        active_connections = None,
        pending_requests = None,
    ))]
    #[allow(clippy::too_many_arguments)]
    fn record_resource_usage(
        &self,
        memory_used_bytes: Option<Bound<'_, PyAny>>,
        memory_pooled_bytes: Option<Bound<'_, PyAny>>,
        cache_bytes: Option<Bound<'_, PyAny>>,
        cache_entries: Option<Bound<'_, PyAny>>,
        active_connections: Option<Bound<'_, PyAny>>,
        pending_requests: Option<Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        guard(|| {
            let n = |name: &'static str, v: Option<Bound<'_, PyAny>>| {
                v.map(|v| arg_count::<u64>(name, &v)).transpose()
            };
            let usage = MetricsResourceUsage {
                memory_used_bytes: n("memory_used_bytes", memory_used_bytes)?,
                memory_pooled_bytes: n("memory_pooled_bytes", memory_pooled_bytes)?,
                cache_bytes: n("cache_bytes", cache_bytes)?,
                cache_entries: n("cache_entries", cache_entries)?,
                active_connections: n("active_connections", active_connections)?,
                pending_requests: n("pending_requests", pending_requests)?,
            };
            self.inner.record_resource_usage(&usage);
            Ok(())
        })
    }

    /// Every family with its series (counts, sums, buckets, p50/p95/p99), the retained
    /// windows and dropped-series counts.
    fn get_all_metrics<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        guard(|| {
            let snap = py.detach(|| self.inner.get_all_metrics_sync());
            to_py(py, &snap)
        })
    }

    /// Prometheus text exposition format 0.0.4.
    fn prometheus(&self, py: Python<'_>) -> PyResult<String> {
        guard(|| Ok(py.detach(|| self.inner.prometheus())))
    }

    /// OTLP/HTTP JSON `ExportMetricsServiceRequest` (a JSON string).
    fn otlp_json(&self, py: Python<'_>) -> PyResult<String> {
        guard(|| Ok(py.detach(|| self.inner.otlp_json())))
    }

    /// Closes the current aggregation window now.
    fn aggregate_now(&self, py: Python<'_>) -> PyResult<()> {
        guard(|| {
            py.detach(|| self.inner.aggregate_now());
            Ok(())
        })
    }

    /// Starts the periodic aggregation loop (every `aggregation_interval`). Idempotent.
    fn start(&self) -> PyResult<()> {
        guard(|| {
            let _rt = enter_runtime();
            self.inner.initialize_sync().or_py()
        })
    }

    /// Stops the aggregation loop (idempotent); recording and exporting keep working.
    fn close(&self) {
        self.inner.close()
    }

    /// Whether the aggregation loop runs.
    #[getter]
    fn is_running(&self) -> bool {
        self.inner.is_running()
    }

    fn __repr__(&self) -> String {
        format!(
            "MetricsCollector(namespace={:?}, running={})",
            self.inner.config().namespace,
            if self.inner.is_running() {
                "True"
            } else {
                "False"
            }
        )
    }
}
