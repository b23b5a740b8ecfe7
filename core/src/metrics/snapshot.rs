//! [`MetricsSnapshot`]: a serializable point-in-time copy of every family, the source of
//! all three exporters.
//!
//! JSON shape (stable): `{timestamp_unix_ms, start_time_unix_ms, namespace, const_labels,
//! families: [{name, type, help, label_names, max_series, dropped_series, series: [{labels,
//! value}` for counters and gauges, `{labels, count, sum, buckets: [{le, count}], min, max,
//! p50, p95, p99}` for histograms`]}], dropped_series: {family: n}, windows: [...],
//! window_interval_seconds, retention_seconds}`. Buckets are cumulative and list the finite
//! bounds only; the `+Inf` bucket is `count`. Non-finite numbers are `null` in this JSON.

use std::collections::BTreeMap;

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use super::config::MetricType;
use super::window::MetricsWindow;

/// Label name/value pairs in declaration order (serialized as a JSON object).
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct MetricsLabels(pub Vec<(String, String)>);

impl MetricsLabels {
    /// Value of label `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Whether every `(name, value)` in `want` is present.
    pub fn matches(&self, want: &[(&str, &str)]) -> bool {
        want.iter().all(|(k, v)| self.get(k) == Some(*v))
    }

    /// Iterates over `(name, value)`.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// Number of labels.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are no labels.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Serialize for MetricsLabels {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

/// One cumulative histogram bucket: observations `<= le`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MetricsBucket {
    /// Upper bound (finite; the `+Inf` bucket is the histogram's `count`).
    pub le: f64,
    /// Cumulative count.
    pub count: u64,
}

/// Histogram values of one series.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HistogramSnapshot {
    /// Number of observations (= the `+Inf` bucket).
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
    /// 95th percentile (as `p50`).
    pub p95: Option<f64>,
    /// 99th percentile (as `p50`).
    pub p99: Option<f64>,
}

/// One series of a family.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetricSeriesSnapshot {
    /// Its labels (not including the constant labels).
    pub labels: MetricsLabels,
    /// Counter or gauge value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    /// Histogram values.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub histogram: Option<HistogramSnapshot>,
}

/// One family: name, type, help and its series.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetricFamilySnapshot {
    /// Full name (counters end in `_total`).
    pub name: String,
    /// Counter, gauge or histogram.
    #[serde(rename = "type")]
    pub metric_type: MetricType,
    /// Help text.
    pub help: String,
    /// Label names.
    pub label_names: Vec<String>,
    /// Cardinality cap.
    pub max_series: usize,
    /// Recordings folded into the overflow series.
    pub dropped_series: u64,
    /// Series sorted by label values; the overflow series, if any, last.
    pub series: Vec<MetricSeriesSnapshot>,
}

impl MetricFamilySnapshot {
    /// The first series whose labels include all of `labels`.
    pub fn series_with(&self, labels: &[(&str, &str)]) -> Option<&MetricSeriesSnapshot> {
        self.series.iter().find(|s| s.labels.matches(labels))
    }
}

/// Everything a collector or registry knows at one instant.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetricsSnapshot {
    /// Wall time of the snapshot, ms since the Unix epoch.
    pub timestamp_unix_ms: u64,
    /// Wall time the registry was created, ms since the Unix epoch.
    pub start_time_unix_ms: u64,
    /// `timestamp_unix_ms` in ns (used by OTLP; not in the JSON, which JS reads as f64).
    #[serde(skip)]
    pub timestamp_unix_nanos: u64,
    /// `start_time_unix_ms` in ns.
    #[serde(skip)]
    pub start_time_unix_nanos: u64,
    /// Family name prefix.
    pub namespace: String,
    /// Labels added to every exported series.
    pub const_labels: MetricsLabels,
    /// Every family, sorted by name.
    pub families: Vec<MetricFamilySnapshot>,
    /// Overflowed recordings per family (only families with any).
    pub dropped_series: BTreeMap<String, u64>,
    /// Per-interval summaries of histogram series within the retention period, oldest first.
    pub windows: Vec<MetricsWindow>,
    /// Length of one window (collector snapshots only).
    pub window_interval_seconds: Option<f64>,
    /// How long windows are kept (collector snapshots only).
    pub retention_seconds: Option<f64>,
}

impl MetricsSnapshot {
    /// The family called `name`.
    pub fn family(&self, name: &str) -> Option<&MetricFamilySnapshot> {
        self.families.iter().find(|f| f.name == name)
    }

    /// Prometheus text exposition format 0.0.4.
    pub fn to_prometheus(&self) -> String {
        super::export::prometheus::render(self)
    }

    /// OTLP/HTTP JSON `ExportMetricsServiceRequest`.
    pub fn to_otlp_json(&self) -> String {
        super::export::otlp::render(self)
    }

    /// This snapshot as JSON (see the module docs for the shape).
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|e| {
            serde_json::json!({ "error": format!("snapshot serialization failed: {e}") })
                .to_string()
        })
    }
}
