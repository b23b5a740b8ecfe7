//! OTLP/HTTP JSON: an `ExportMetricsServiceRequest` per the protobuf JSON mapping
//! (lowerCamelCase fields, 64-bit integers as strings, non-finite doubles as `"NaN"`,
//! `"Infinity"`, `"-Infinity"`), cumulative temporality.
//!
//! Counters → `sum {isMonotonic: true, aggregationTemporality: 2}`, gauges → `gauge`,
//! histograms → `histogram` with per-bucket (non-cumulative) `bucketCounts`
//! (`explicitBounds.len() + 1` of them). Constant labels become resource attributes;
//! families without series are left out.

use serde_json::{json, Map, Value};

use crate::metrics::config::MetricType;
use crate::metrics::snapshot::{MetricsLabels, MetricsSnapshot};

/// `AGGREGATION_TEMPORALITY_CUMULATIVE`.
const CUMULATIVE: u8 = 2;

fn double(v: f64) -> Value {
    if v.is_nan() {
        Value::from("NaN")
    } else if v == f64::INFINITY {
        Value::from("Infinity")
    } else if v == f64::NEG_INFINITY {
        Value::from("-Infinity")
    } else {
        Value::from(v)
    }
}

fn attributes(labels: &MetricsLabels) -> Value {
    Value::Array(
        labels
            .iter()
            .map(|(k, v)| json!({ "key": k, "value": { "stringValue": v } }))
            .collect(),
    )
}

fn unit_of(name: &str) -> &'static str {
    let base = name.strip_suffix("_total").unwrap_or(name);
    if base.ends_with("_seconds") {
        "s"
    } else if base.ends_with("_bytes") {
        "By"
    } else {
        ""
    }
}

pub(crate) fn render(s: &MetricsSnapshot) -> String {
    let start = s.start_time_unix_nanos.to_string();
    let now = s.timestamp_unix_nanos.to_string();
    let mut metrics = Vec::new();
    for f in &s.families {
        if f.series.is_empty() {
            continue;
        }
        let mut m = Map::new();
        m.insert("name".into(), Value::from(f.name.as_str()));
        m.insert("description".into(), Value::from(f.help.as_str()));
        let unit = unit_of(&f.name);
        if !unit.is_empty() {
            m.insert("unit".into(), Value::from(unit));
        }
        match f.metric_type {
            MetricType::Counter | MetricType::Gauge => {
                let points: Vec<Value> = f
                    .series
                    .iter()
                    .map(|p| {
                        json!({
                            "attributes": attributes(&p.labels),
                            "startTimeUnixNano": start,
                            "timeUnixNano": now,
                            "asDouble": double(p.value.unwrap_or(0.0)),
                        })
                    })
                    .collect();
                if f.metric_type == MetricType::Counter {
                    m.insert(
                        "sum".into(),
                        json!({
                            "dataPoints": points,
                            "aggregationTemporality": CUMULATIVE,
                            "isMonotonic": true,
                        }),
                    );
                } else {
                    m.insert("gauge".into(), json!({ "dataPoints": points }));
                }
            }
            MetricType::Histogram => {
                let points: Vec<Value> = f
                    .series
                    .iter()
                    .filter_map(|p| {
                        let h = p.histogram.as_ref()?;
                        let mut prev = 0u64;
                        let mut counts: Vec<Value> = h
                            .buckets
                            .iter()
                            .map(|b| {
                                let c = b.count.saturating_sub(prev);
                                prev = b.count;
                                Value::from(c.to_string())
                            })
                            .collect();
                        counts.push(Value::from(h.count.saturating_sub(prev).to_string()));
                        let bounds: Vec<Value> = h.buckets.iter().map(|b| double(b.le)).collect();
                        let mut dp = json!({
                            "attributes": attributes(&p.labels),
                            "startTimeUnixNano": start,
                            "timeUnixNano": now,
                            "count": h.count.to_string(),
                            "sum": double(h.sum),
                            "bucketCounts": counts,
                            "explicitBounds": bounds,
                        });
                        if let (Some(min), Some(max), Some(o)) = (h.min, h.max, dp.as_object_mut())
                        {
                            o.insert("min".into(), double(min));
                            o.insert("max".into(), double(max));
                        }
                        Some(dp)
                    })
                    .collect();
                m.insert(
                    "histogram".into(),
                    json!({
                        "dataPoints": points,
                        "aggregationTemporality": CUMULATIVE,
                    }),
                );
            }
        }
        metrics.push(Value::Object(m));
    }
    let mut resource = Vec::new();
    if !s.const_labels.iter().any(|(k, _)| k == "service_name") {
        resource.push(json!({ "key": "service.name", "value": { "stringValue": "mantra-sdk" } }));
    }
    resource.push(json!({ "key": "telemetry.sdk.name", "value": { "stringValue": "mantra-sdk" } }));
    resource.push(json!({ "key": "telemetry.sdk.language", "value": { "stringValue": "rust" } }));
    resource.push(json!({
        "key": "telemetry.sdk.version",
        "value": { "stringValue": env!("CARGO_PKG_VERSION") }
    }));
    if let Value::Array(consts) = attributes(&s.const_labels) {
        resource.extend(consts);
    }
    json!({
        "resourceMetrics": [{
            "resource": { "attributes": resource },
            "scopeMetrics": [{
                "scope": { "name": "mantra-sdk", "version": env!("CARGO_PKG_VERSION") },
                "metrics": metrics,
            }],
        }]
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use serde_json::Value;

    use crate::metrics::{MetricsRegistry, MetricsRegistryConfig};
    use crate::runtime::{Clock, ManualClock};

    #[tokio::test(flavor = "current_thread")]
    async fn otlp_json_shape() {
        let clock = ManualClock::new();
        let r = MetricsRegistry::with_clock(
            MetricsRegistryConfig {
                const_labels: vec![("env".into(), "test".into())],
                ..Default::default()
            },
            Arc::new(clock.clone()),
        )
        .unwrap();
        let start = clock.wall_time().as_nanos().to_string();
        clock.advance(Duration::from_secs(5)).await;
        let now = clock.wall_time().as_nanos().to_string();
        r.counter("ops", "Operations.", &["k"])
            .unwrap()
            .inc_by(&["v"], 3.0)
            .unwrap();
        r.gauge("temp", "T.", &[])
            .unwrap()
            .set(&[], f64::INFINITY)
            .unwrap();
        let h = r
            .histogram_with_buckets("lat_seconds", "L.", &["k"], &[0.1, 1.0])
            .unwrap();
        for v in [0.05, 0.5, 0.7, 3.0] {
            h.observe(&["v"], v).unwrap();
        }
        r.gauge("empty", "E.", &["k"]).unwrap();

        let v: Value = serde_json::from_str(&r.otlp_json()).unwrap();
        let rm = &v["resourceMetrics"][0];
        let attrs = rm["resource"]["attributes"].as_array().unwrap();
        assert!(attrs
            .iter()
            .any(|a| a["key"] == "env" && a["value"]["stringValue"] == "test"));
        let metrics = rm["scopeMetrics"][0]["metrics"].as_array().unwrap();
        let by = |n: &str| metrics.iter().find(|m| m["name"] == n).cloned().unwrap();
        assert!(
            metrics.iter().all(|m| m["name"] != "empty"),
            "no data points, left out"
        );

        let ops = by("ops_total");
        assert_eq!(ops["sum"]["isMonotonic"], true);
        assert_eq!(ops["sum"]["aggregationTemporality"], 2);
        let p = &ops["sum"]["dataPoints"][0];
        assert_eq!(p["asDouble"], 3.0);
        assert_eq!(p["startTimeUnixNano"], start.as_str());
        assert_eq!(p["timeUnixNano"], now.as_str());
        assert_eq!(p["attributes"][0]["key"], "k");
        assert_eq!(p["attributes"][0]["value"]["stringValue"], "v");

        assert_eq!(by("temp")["gauge"]["dataPoints"][0]["asDouble"], "Infinity");

        let lat = by("lat_seconds");
        assert_eq!(lat["unit"], "s");
        let hp = &lat["histogram"]["dataPoints"][0];
        assert_eq!(lat["histogram"]["aggregationTemporality"], 2);
        assert_eq!(hp["count"], "4");
        assert_eq!(hp["bucketCounts"], serde_json::json!(["1", "2", "1"]));
        assert_eq!(hp["explicitBounds"], serde_json::json!([0.1, 1.0]));
        assert_eq!(hp["min"], 0.05);
        assert_eq!(hp["max"], 3.0);
        assert!((hp["sum"].as_f64().unwrap() - 4.25).abs() < 1e-12);
    }
}
