//! [`MetricsConfig`] and [`MetricType`].

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

use super::naming::{validate_const_labels, validate_metric_name};

/// prom-client's default histogram buckets, in seconds.
pub const DEFAULT_HISTOGRAM_BUCKETS: [f64; 11] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// Configuration of a [`MetricsCollector`](super::MetricsCollector).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MetricsConfig {
    /// Record `<ns>_protocol_*` families (protocol operations).
    pub enable_protocol_metrics: bool,
    /// Record `<ns>_mcp_*` families (server requests).
    pub enable_mcp_metrics: bool,
    /// Record `<ns>_resource_*` gauges.
    pub enable_resource_metrics: bool,
    /// Record `<ns>_custom_*` families.
    pub enable_custom_metrics: bool,
    /// How long per-interval window summaries are kept.
    pub retention_period: Duration,
    /// Length of one aggregation window (and period of the aggregation loop).
    pub aggregation_interval: Duration,
    /// Prefix of every family name (default `mantra`).
    pub namespace: String,
    /// Cardinality cap: label sets per family beyond this are folded into one
    /// `__overflow__` series and counted in `<ns>_metrics_dropped_series_total`.
    pub max_series_per_family: usize,
    /// Most distinct custom metrics (`record_custom_metric` names); more are rejected.
    pub max_custom_metrics: usize,
    /// Most window summaries kept in total (oldest pruned first).
    pub max_window_entries: usize,
    /// Histogram upper bounds in seconds (strictly increasing, finite; `+Inf` is implicit).
    pub histogram_buckets: Vec<f64>,
    /// Labels added to every exported series (Prometheus) / resource attributes (OTLP).
    pub const_labels: Vec<(String, String)>,
    /// On Linux, report the process resident set size as
    /// `<ns>_resource_memory_bytes{kind="process_rss"}` (needs `enable_resource_metrics`).
    pub enable_process_metrics: bool,
}

impl Default for MetricsConfig {
    fn default() -> Self {
        Self {
            enable_protocol_metrics: true,
            enable_mcp_metrics: true,
            enable_resource_metrics: true,
            enable_custom_metrics: true,
            retention_period: Duration::from_secs(3600),
            aggregation_interval: Duration::from_secs(60),
            namespace: "mantra".to_string(),
            max_series_per_family: 1000,
            max_custom_metrics: 1000,
            max_window_entries: 100_000,
            histogram_buckets: DEFAULT_HISTOGRAM_BUCKETS.to_vec(),
            const_labels: Vec::new(),
            enable_process_metrics: true,
        }
    }
}

impl MetricsConfig {
    /// Checks every field; the error names the offending one.
    pub fn validate(&self) -> Result<()> {
        crate::error::check_duration("aggregation_interval", self.aggregation_interval)?;
        crate::error::check_duration("retention_period", self.retention_period)?;
        if self.retention_period < self.aggregation_interval {
            return Err(Error::invalid_config(
                "retention_period",
                "must be at least aggregation_interval",
            ));
        }
        if validate_metric_name(&self.namespace).is_err() || self.namespace.contains(':') {
            return Err(Error::invalid_config(
                "namespace",
                format!(
                    "{:?} is not a valid metric name prefix ([a-zA-Z_][a-zA-Z0-9_]*)",
                    self.namespace
                ),
            ));
        }
        if self.max_series_per_family == 0 {
            return Err(Error::invalid_config(
                "max_series_per_family",
                "must be greater than 0",
            ));
        }
        if self.max_custom_metrics == 0 {
            return Err(Error::invalid_config(
                "max_custom_metrics",
                "must be greater than 0",
            ));
        }
        if self.max_window_entries == 0 {
            return Err(Error::invalid_config(
                "max_window_entries",
                "must be greater than 0",
            ));
        }
        validate_buckets(&self.histogram_buckets)
            .map_err(|reason| Error::invalid_config("histogram_buckets", reason))?;
        validate_const_labels(&self.const_labels)
            .map_err(|reason| Error::invalid_config("const_labels", reason))?;
        Ok(())
    }
}

/// Checks histogram bounds: non-empty, finite, strictly increasing.
pub(crate) fn validate_buckets(b: &[f64]) -> std::result::Result<(), String> {
    if b.is_empty() {
        return Err("must not be empty".into());
    }
    if b.iter().any(|x| !x.is_finite()) {
        return Err("must be finite (+Inf is implicit)".into());
    }
    if b.windows(2).any(|w| w[0] >= w[1]) {
        return Err("must be strictly increasing".into());
    }
    Ok(())
}

/// Kind of a metric family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MetricType {
    /// Monotonic total (`_total`).
    Counter,
    /// A value that goes up and down.
    Gauge,
    /// Observations in cumulative buckets, with sum and count.
    Histogram,
}

impl MetricType {
    /// `"counter"`, `"gauge"` or `"histogram"` (the Prometheus `# TYPE` word).
    pub fn as_str(self) -> &'static str {
        match self {
            MetricType::Counter => "counter",
            MetricType::Gauge => "gauge",
            MetricType::Histogram => "histogram",
        }
    }
}

impl fmt::Display for MetricType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for MetricType {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "counter" => Ok(MetricType::Counter),
            "gauge" => Ok(MetricType::Gauge),
            "histogram" => Ok(MetricType::Histogram),
            other => Err(Error::InvalidArgument(format!(
                "unknown metric type {other:?} (expected counter, gauge or histogram)"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field_of(c: MetricsConfig) -> &'static str {
        match c.validate() {
            Err(Error::InvalidConfig { field, .. }) => field,
            other => panic!("expected InvalidConfig, got {other:?}"),
        }
    }

    #[test]
    fn default_is_valid_and_uses_prom_client_buckets() {
        let c = MetricsConfig::default();
        c.validate().unwrap();
        assert_eq!(c.namespace, "mantra");
        assert_eq!(
            c.histogram_buckets,
            vec![0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0]
        );
    }

    #[test]
    fn validation_names_the_field() {
        let d = MetricsConfig::default;
        assert_eq!(
            field_of(MetricsConfig {
                aggregation_interval: Duration::ZERO,
                ..d()
            }),
            "aggregation_interval"
        );
        assert_eq!(
            field_of(MetricsConfig {
                retention_period: Duration::from_secs(1),
                ..d()
            }),
            "retention_period"
        );
        assert_eq!(
            field_of(MetricsConfig {
                aggregation_interval: Duration::MAX,
                ..d()
            }),
            "aggregation_interval"
        );
        assert_eq!(
            field_of(MetricsConfig {
                retention_period: Duration::MAX,
                ..d()
            }),
            "retention_period"
        );
        assert_eq!(
            field_of(MetricsConfig {
                namespace: "9bad".into(),
                ..d()
            }),
            "namespace"
        );
        assert_eq!(
            field_of(MetricsConfig {
                max_series_per_family: 0,
                ..d()
            }),
            "max_series_per_family"
        );
        assert_eq!(
            field_of(MetricsConfig {
                histogram_buckets: vec![1.0, 0.5],
                ..d()
            }),
            "histogram_buckets"
        );
        assert_eq!(
            field_of(MetricsConfig {
                histogram_buckets: vec![1.0, f64::INFINITY],
                ..d()
            }),
            "histogram_buckets"
        );
        assert_eq!(
            field_of(MetricsConfig {
                const_labels: vec![("__x".into(), "v".into())],
                ..d()
            }),
            "const_labels"
        );
        assert_eq!(
            field_of(MetricsConfig {
                max_window_entries: 0,
                ..d()
            }),
            "max_window_entries"
        );
    }

    #[test]
    fn metric_type_parses() {
        assert_eq!(
            "counter".parse::<MetricType>().unwrap(),
            MetricType::Counter
        );
        assert_eq!("Gauge".parse::<MetricType>().unwrap(), MetricType::Gauge);
        assert_eq!(
            "histogram".parse::<MetricType>().unwrap(),
            MetricType::Histogram
        );
        assert_eq!(
            "summary".parse::<MetricType>().unwrap_err().code(),
            "invalid_argument"
        );
        assert_eq!(MetricType::Counter.to_string(), "counter");
    }
}
