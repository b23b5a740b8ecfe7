//! Writes a realistic metrics exposition for validity checks (`make test-metrics`):
//! `metrics_exposition PROM_FILE OTLP_FILE JSON_FILE`. It records protocol, server,
//! resource and custom metrics, label values with quotes, backslashes, newlines and
//! unicode, and overflows one family past its cardinality cap.

use std::time::Duration;

use mantra_sdk::{MetricType, MetricsCollector, MetricsConfig, MetricsResourceUsage};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [prom, otlp, json] = args.as_slice() else {
        return Err("usage: metrics_exposition PROM_FILE OTLP_FILE JSON_FILE".into());
    };
    let collector = MetricsCollector::new(MetricsConfig {
        max_series_per_family: 8,
        const_labels: vec![("chain_id".into(), "mantra-dukong-1".into())],
        ..Default::default()
    });
    let nasty = [
        "quote\"inside",
        "back\\slash",
        "new\nline",
        "ünïcødé ✓ 日本",
        "all \\\"three\"\n",
        "",
    ];
    for (i, op) in nasty.iter().enumerate() {
        let ms = 3 + 40 * i as u64;
        collector.record_protocol_operation_sync("dex", op, Duration::from_millis(ms), true, None);
    }
    collector.record_protocol_operation_sync(
        "dex",
        "swap",
        Duration::from_millis(1200),
        false,
        Some("rpc error -32603: \"internal\"\nat height 7"),
    );
    collector.record_protocol_operation_sync("bank", "send", Duration::from_secs(30), false, None);
    // overflow: 40 distinct operations into a family capped at 8 series
    for i in 0..40 {
        collector.record_protocol_operation_sync(
            "wasm",
            &format!("query_{i}"),
            Duration::from_micros(700 + i * 97),
            i % 5 != 0,
            Some("timeout"),
        );
    }
    for (t, ms) in [("http", 25), ("http", 31), ("ws", 4), ("fetch", 250)] {
        collector.record_mcp_request_sync(Duration::from_millis(ms), ms < 200, t);
    }
    collector.record_resource_usage(&MetricsResourceUsage {
        memory_used_bytes: Some(12_582_912),
        memory_pooled_bytes: Some(1_048_576),
        cache_bytes: Some(3_500_000),
        cache_entries: Some(1234),
        active_connections: Some(4),
        pending_requests: Some(0),
    });
    collector.record_custom_metric_sync(
        "business_logic",
        "user_transactions",
        42.0,
        MetricType::Counter,
    );
    collector.record_custom_metric_sync("pool", "tvl usd", 1.25e9, MetricType::Gauge);
    collector.record_custom_metric_sync("dex", "slippage", 0.0031, MetricType::Histogram);
    collector.record_custom_metric_sync("dex", "slippage", -0.2, MetricType::Histogram);
    collector.record_custom_metric_sync("pool", "ratio", f64::NAN, MetricType::Gauge);
    collector.record_custom_metric_sync("pool", "upper", f64::INFINITY, MetricType::Gauge);
    collector.aggregate_now();

    std::fs::write(prom, collector.prometheus())?;
    std::fs::write(otlp, collector.otlp_json())?;
    std::fs::write(json, collector.snapshot_json())?;
    let s = collector.get_all_metrics_sync();
    eprintln!(
        "wrote {} families, dropped series: {:?}",
        s.families.len(),
        s.dropped_series
    );
    Ok(())
}
