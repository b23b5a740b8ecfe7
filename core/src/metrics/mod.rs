//! Metrics: a fast labelled registry (counters, gauges, histograms with prom-client's
//! buckets), the [`MetricsCollector`] with the SDK's protocol / server-request / resource /
//! custom families, aggregation windows with retention, and three exporters: Prometheus
//! text 0.0.4, OTLP/HTTP JSON and a JSON snapshot.
//!
//! **Cardinality cap.** A family holds at most `max_series_per_family` label sets. Any
//! further label set is folded into one overflow series whose label values are all
//! `__overflow__` (so totals stay right and memory stays bounded), and each such recording
//! is counted in `<ns>_metrics_dropped_series_total{family}` and in the snapshot's
//! `dropped_series`. Series are never removed.
//!
//! **Windows.** Every `aggregation_interval` (the loop started by
//! [`MetricsCollector::initialize`], or [`MetricsCollector::aggregate_now`]) each histogram
//! series that saw observations gets a [`MetricsWindow`]: count, sum, min, max and
//! p50/p95/p99 estimated from that window's own bucket counts (interpolated, clamped to
//! min/max). Windows that started more than `retention_period` ago are pruned (on each tick
//! and on each read), and at most `max_window_entries` are kept (oldest dropped first).
//! Counters and gauges have no windows.
//!
//! **Hot path.** Label lookup hashes the values once and finds the series under a shared
//! read lock; values are relaxed atomics (`f64` as `AtomicU64` bits). The handle API
//! ([`HistogramFamily::with_labels`] → [`HistogramSeries`]) skips the lookup.
//!
//! ```
//! use mantra_sdk::{MetricsRegistry, MetricsRegistryConfig};
//! let reg = MetricsRegistry::new(MetricsRegistryConfig::default());
//! let lat = reg.histogram("rpc_seconds", "RPC latency.", &["method"]).unwrap();
//! lat.observe(&["status"], 0.042).unwrap();
//! let handle = lat.with_labels(&["block"]).unwrap();
//! handle.observe(0.2);
//! assert!(reg.prometheus().contains("rpc_seconds_bucket{method=\"block\",le=\"0.25\"} 1"));
//! ```

mod collector;
mod config;
mod export;
mod family;
mod histogram;
pub(crate) use histogram::quantile as histogram_quantile;
mod naming;
mod registry;
mod snapshot;
mod window;

pub use collector::{
    process_rss_bytes, McpRequestHandle, MetricsCollector, MetricsResourceUsage,
    ProtocolOperationHandle, MAX_LABEL_VALUE_BYTES,
};
pub use config::{MetricType, MetricsConfig, DEFAULT_HISTOGRAM_BUCKETS};
pub use export::format_prometheus_float;
pub use export::prometheus::PROMETHEUS_CONTENT_TYPE;
pub use family::{
    CounterFamily, CounterSeries, GaugeFamily, GaugeSeries, HistogramFamily, HistogramSeries,
    OVERFLOW_LABEL_VALUE,
};
pub use registry::{MetricsRegistry, MetricsRegistryConfig};
pub use snapshot::{
    HistogramSnapshot, MetricFamilySnapshot, MetricSeriesSnapshot, MetricsBucket, MetricsLabels,
    MetricsSnapshot,
};
pub use window::MetricsWindow;

#[cfg(test)]
mod tests;
