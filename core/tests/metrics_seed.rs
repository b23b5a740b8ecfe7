//! The seed's metrics snippet, as written, on the real clock; and concurrent recording.

use std::sync::Arc;
use std::time::Duration;

use mantra_sdk::{MetricType, MetricsCollector, MetricsConfig, MetricsRegistry};

#[tokio::test]
async fn seed_snippet_compiles_and_runs() -> mantra_sdk::Result<()> {
    let config = MetricsConfig {
        enable_protocol_metrics: true,
        enable_mcp_metrics: true,
        enable_resource_metrics: true,
        enable_custom_metrics: true,
        retention_period: Duration::from_secs(24 * 3600),
        aggregation_interval: Duration::from_secs(60),
        ..Default::default()
    };

    let mut collector = MetricsCollector::new(config);
    collector.initialize().await?;

    // Record protocol operation
    collector
        .record_protocol_operation("dex", "swap", Duration::from_millis(50), true, None)
        .await;

    // Record MCP request
    collector
        .record_mcp_request(Duration::from_millis(25), true, "http")
        .await;

    // Record custom metrics
    collector
        .record_custom_metric(
            "business_logic",
            "user_transactions",
            42.0,
            MetricType::Counter,
        )
        .await;

    // Get all metrics
    let all_metrics = collector.get_all_metrics().await;

    assert!(all_metrics.timestamp_unix_ms > 1_600_000_000_000);
    assert!(all_metrics
        .family("mantra_custom_business_logic_user_transactions_total")
        .is_some());
    let text = collector.prometheus();
    assert!(text.contains(
        "mantra_protocol_operations_total{protocol=\"dex\",operation=\"swap\",status=\"success\"} 1"
    ));
    assert!(collector.otlp_json().contains("\"resourceMetrics\""));
    collector.close();
    Ok(())
}

#[test]
fn concurrent_recording_is_exact_and_bounded() {
    let reg = MetricsRegistry::default();
    let h = reg.histogram("lat_seconds", "Latency.", &["k"]).unwrap();
    let c = reg.counter("ops", "Ops.", &["k"]).unwrap();
    let collector = Arc::new(MetricsCollector::new(MetricsConfig {
        max_series_per_family: 50,
        ..Default::default()
    }));
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let (h, c, col) = (h.clone(), c.clone(), collector.clone());
            std::thread::spawn(move || {
                let handle = h.with_labels(&["shared"]).unwrap();
                for i in 0..10_000u32 {
                    handle.observe(0.01);
                    c.inc(&["shared"]).unwrap();
                    // new label sets from every thread, far past the cap
                    let op = format!("op{}", (i * 4 + t) % 400);
                    col.record_protocol_operation_sync(
                        "p",
                        &op,
                        Duration::from_millis(1),
                        i % 3 != 0,
                        None,
                    );
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(h.get(&["shared"]).unwrap().0, 40_000);
    assert!((h.get(&["shared"]).unwrap().1 - 400.0).abs() < 1e-6);
    assert_eq!(c.get(&["shared"]), Some(40_000.0));

    let s = collector.get_all_metrics_sync();
    let ops = s.family("mantra_protocol_operations_total").unwrap();
    assert!(ops.series.len() <= 51, "bounded: {}", ops.series.len());
    let total: f64 = ops.series.iter().filter_map(|s| s.value).sum();
    assert_eq!(total, 40_000.0, "no recording lost under contention");
    let overflowed = ops.series.last().unwrap().value.unwrap() as u64;
    assert_eq!(ops.dropped_series, overflowed);
    let d = s
        .family("mantra_protocol_operation_duration_seconds")
        .unwrap();
    assert!(d.series.len() <= 51);
    let count: u64 = d
        .series
        .iter()
        .map(|s| s.histogram.as_ref().unwrap().count)
        .sum();
    assert_eq!(count, 40_000);
}
