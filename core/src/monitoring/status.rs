//! [`MonitoringSystemStatus`]: one serializable view of health, key metrics, tracing,
//! collection and export state.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Serialize, Serializer};

use crate::health::{HealthStatus, SystemHealth};
use crate::metrics::{MetricType, MetricsSnapshot};
use crate::time_fmt::{ser_opt_latency_ms, ser_opt_wall, ser_wall};

use super::spans::MonitoringTracingSummary;

fn ser_secs<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64())
}

/// Everything the [`MonitoringManager`](super::MonitoringManager) knows, at one instant.
/// Served as JSON by `GET /status`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MonitoringSystemStatus {
    /// `MonitoringConfig::service_name`.
    pub service_name: String,
    /// Overall health (the health checker's rule; `unknown` before any check ran).
    pub overall_status: HealthStatus,
    /// Wall time of this report (RFC 3339 in JSON).
    #[serde(serialize_with = "ser_wall")]
    pub generated_at: Duration,
    /// Time since the manager was created (`uptime_seconds` in JSON).
    #[serde(rename = "uptime_seconds", serialize_with = "ser_secs")]
    pub uptime: Duration,
    /// Component health summary.
    pub health: MonitoringHealthSummary,
    /// Key metric totals.
    pub metrics: MonitoringMetricsSummary,
    /// The tracing ring.
    pub tracing: MonitoringTracingSummary,
    /// The collection loop.
    pub collection: MonitoringCollectionStatus,
    /// OTLP export state.
    pub opentelemetry: MonitoringOtlpStatus,
    /// Base URL of the monitoring endpoint when serving, e.g. `http://127.0.0.1:9464`.
    pub endpoint: Option<String>,
    /// The configured Prometheus server (credential-redacted), for operators' links.
    pub prometheus_endpoint: Option<String>,
}

/// Component health in brief.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MonitoringHealthSummary {
    /// Aggregate status.
    pub overall_status: HealthStatus,
    /// Registered components.
    pub total: usize,
    /// Components `healthy`.
    pub healthy: usize,
    /// Components `degraded`.
    pub degraded: usize,
    /// Components `unhealthy`.
    pub unhealthy: usize,
    /// Components never checked.
    pub unknown: usize,
    /// Wall time of the latest check result (RFC 3339 in JSON).
    #[serde(serialize_with = "ser_opt_wall")]
    pub checked_at: Option<Duration>,
    /// Per component, by name.
    pub components: BTreeMap<String, MonitoringComponentSummary>,
}

/// One component in brief.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MonitoringComponentSummary {
    /// Its status.
    pub status: HealthStatus,
    /// Whether its failure makes the system unhealthy.
    pub critical: bool,
    /// Failures in a row.
    pub consecutive_failures: u32,
    /// Most recent failure text (redacted).
    pub last_error: Option<String>,
    /// Latest check duration (`last_latency_ms` in JSON).
    #[serde(rename = "last_latency_ms", serialize_with = "ser_opt_latency_ms")]
    pub last_latency: Option<Duration>,
}

impl MonitoringHealthSummary {
    pub(crate) fn from_health(h: &SystemHealth) -> Self {
        let count = |s: HealthStatus| h.components.values().filter(|c| c.status == s).count();
        Self {
            overall_status: h.overall_status,
            total: h.components.len(),
            healthy: count(HealthStatus::Healthy),
            degraded: count(HealthStatus::Degraded),
            unhealthy: count(HealthStatus::Unhealthy),
            unknown: count(HealthStatus::Unknown),
            checked_at: h.checked_at,
            components: h
                .components
                .iter()
                .map(|(n, c)| {
                    (
                        n.clone(),
                        MonitoringComponentSummary {
                            status: c.status,
                            critical: c.critical,
                            consecutive_failures: c.consecutive_failures,
                            last_error: c.last_error.clone(),
                            last_latency: c.last_latency,
                        },
                    )
                })
                .collect(),
        }
    }
}

/// Key metric totals from the metrics snapshot.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MonitoringMetricsSummary {
    /// Protocol operations recorded (`<ns>_protocol_operations_total`, all statuses).
    pub operations_total: u64,
    /// Of those, failed.
    pub errors_total: u64,
    /// `errors_total / operations_total` (0 when there were none).
    pub error_rate: f64,
    /// Per protocol.
    pub protocols: BTreeMap<String, MonitoringProtocolSummary>,
    /// Server ("MCP") requests recorded.
    pub mcp_requests_total: u64,
    /// Of those, failed.
    pub mcp_errors_total: u64,
    /// Metric families registered.
    pub families: usize,
    /// Recordings folded into overflow series (cardinality cap), all families.
    pub dropped_series_total: u64,
}

/// One protocol's operations.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MonitoringProtocolSummary {
    /// Operations recorded.
    pub operations: u64,
    /// Of those, failed.
    pub errors: u64,
    /// Median latency over all its operations, estimated from the merged histogram buckets
    /// (`p50_ms` in JSON).
    #[serde(rename = "p50_ms", serialize_with = "ser_opt_latency_ms")]
    pub p50: Option<Duration>,
    /// 99th percentile latency (`p99_ms` in JSON).
    #[serde(rename = "p99_ms", serialize_with = "ser_opt_latency_ms")]
    pub p99: Option<Duration>,
}

/// State of the collection loop.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct MonitoringCollectionStatus {
    /// Whether the loop is running.
    pub running: bool,
    /// Its period in seconds.
    pub interval_seconds: f64,
    /// Collections run (by the loop or [`MonitoringManager::collect_now`](super::MonitoringManager::collect_now)).
    pub collections: u64,
    /// Wall time of the latest collection (RFC 3339 in JSON).
    #[serde(serialize_with = "ser_opt_wall")]
    pub last_collection_at: Option<Duration>,
    /// Names of the registered gauge providers.
    pub providers: Vec<String>,
    /// Provider calls that panicked (each is isolated; the others still run).
    pub provider_failures: u64,
}

/// State of the OTLP export.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct MonitoringOtlpStatus {
    /// `enable_opentelemetry`.
    pub enabled: bool,
    /// Where metrics are pushed (redacted), when pushing is on.
    pub push_url: Option<String>,
    /// Successful pushes.
    pub exports_ok: u64,
    /// Failed pushes.
    pub exports_failed: u64,
    /// Wall time of the latest push attempt (RFC 3339 in JSON).
    #[serde(serialize_with = "ser_opt_wall")]
    pub last_export_at: Option<Duration>,
    /// Error of the latest failed push (redacted).
    pub last_error: Option<String>,
}

/// Merged histogram of several series of one family (same bounds).
#[derive(Default)]
struct Merged {
    bounds: Vec<f64>,
    /// Per-bucket (not cumulative) counts, last one the `+Inf` bucket.
    counts: Vec<u64>,
    min: Option<f64>,
    max: Option<f64>,
}

impl MonitoringMetricsSummary {
    pub(crate) fn from_snapshot(s: &MetricsSnapshot) -> Self {
        let ns = &s.namespace;
        let mut protocols: BTreeMap<String, MonitoringProtocolSummary> = BTreeMap::new();
        let (mut ops, mut errs) = (0u64, 0u64);
        if let Some(f) = s.family(&format!("{ns}_protocol_operations_total")) {
            for series in &f.series {
                let v = series.value.unwrap_or(0.0).max(0.0) as u64;
                let Some(p) = series.labels.get("protocol") else {
                    continue;
                };
                let e = protocols
                    .entry(p.to_string())
                    .or_insert(MonitoringProtocolSummary {
                        operations: 0,
                        errors: 0,
                        p50: None,
                        p99: None,
                    });
                e.operations += v;
                ops += v;
                if series.labels.get("status") == Some("error") {
                    e.errors += v;
                    errs += v;
                }
            }
        }
        if let Some(f) = s.family(&format!("{ns}_protocol_operation_duration_seconds")) {
            if f.metric_type == MetricType::Histogram {
                let mut merged: BTreeMap<&str, Merged> = BTreeMap::new();
                for series in &f.series {
                    let (Some(p), Some(h)) = (series.labels.get("protocol"), &series.histogram)
                    else {
                        continue;
                    };
                    let m = merged.entry(p).or_default();
                    if m.bounds.is_empty() {
                        m.bounds = h.buckets.iter().map(|b| b.le).collect();
                        m.counts = vec![0; m.bounds.len() + 1];
                    }
                    if m.bounds.len() != h.buckets.len() {
                        continue;
                    }
                    let mut prev = 0u64;
                    for (i, b) in h.buckets.iter().enumerate() {
                        m.counts[i] += b.count.saturating_sub(prev);
                        prev = b.count;
                    }
                    m.counts[h.buckets.len()] += h.count.saturating_sub(prev);
                    m.min = min_opt(m.min, h.min);
                    m.max = max_opt(m.max, h.max);
                }
                for (p, m) in merged {
                    if let Some(e) = protocols.get_mut(p) {
                        e.p50 = quantile(0.5, &m).map(secs);
                        e.p99 = quantile(0.99, &m).map(secs);
                    }
                }
            }
        }
        let (mut mcp, mut mcp_errs) = (0u64, 0u64);
        if let Some(f) = s.family(&format!("{ns}_mcp_requests_total")) {
            for series in &f.series {
                let v = series.value.unwrap_or(0.0).max(0.0) as u64;
                mcp += v;
                if series.labels.get("status") == Some("error") {
                    mcp_errs += v;
                }
            }
        }
        Self {
            operations_total: ops,
            errors_total: errs,
            error_rate: if ops == 0 {
                0.0
            } else {
                errs as f64 / ops as f64
            },
            protocols,
            mcp_requests_total: mcp,
            mcp_errors_total: mcp_errs,
            families: s.families.len(),
            dropped_series_total: s.dropped_series.values().sum(),
        }
    }
}

fn min_opt(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

fn max_opt(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

fn secs(v: f64) -> Duration {
    Duration::try_from_secs_f64(v.max(0.0)).unwrap_or(Duration::MAX)
}

/// The `q`-quantile of merged buckets: the metrics module's PromQL-style interpolation.
fn quantile(q: f64, m: &Merged) -> Option<f64> {
    crate::metrics::histogram_quantile(q, &m.bounds, &m.counts, m.min, m.max)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn merged(bounds: &[f64], counts: &[u64], min: f64, max: f64) -> Merged {
        Merged {
            bounds: bounds.to_vec(),
            counts: counts.to_vec(),
            min: Some(min),
            max: Some(max),
        }
    }

    #[test]
    fn quantile_interpolates_within_the_bucket_and_clamps() {
        let m = merged(&[0.1, 0.2, 0.4], &[0, 100, 0, 0], 0.1, 0.2);
        let p50 = quantile(0.5, &m).unwrap();
        assert!((p50 - 0.15).abs() < 1e-9, "{p50}");
        let one = merged(&[0.1, 0.2], &[0, 1, 0], 0.17, 0.17);
        assert_eq!(quantile(0.99, &one), Some(0.17));
        let inf = merged(&[0.1], &[0, 10], 0.5, 0.9);
        let p99 = quantile(0.99, &inf).unwrap();
        assert!((0.5..=0.9).contains(&p99), "{p99}");
        assert_eq!(quantile(0.5, &Merged::default()), None);
    }
}
