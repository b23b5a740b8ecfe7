//! Collector tests, in virtual time.

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use super::*;
use crate::error::Error;
use crate::runtime::{Clock, ManualClock};

fn collector(config: MetricsConfig) -> (MetricsCollector, ManualClock) {
    let clock = ManualClock::new();
    let c = MetricsCollector::with_clock(config, Arc::new(clock.clone())).unwrap();
    (c, clock)
}

fn seed_config() -> MetricsConfig {
    MetricsConfig {
        enable_protocol_metrics: true,
        enable_mcp_metrics: true,
        enable_resource_metrics: true,
        enable_custom_metrics: true,
        retention_period: Duration::from_secs(24 * 3600),
        aggregation_interval: Duration::from_secs(60),
        ..Default::default()
    }
}

#[tokio::test(flavor = "current_thread")]
async fn seed_usage_records_every_family() -> crate::Result<()> {
    let config = seed_config();
    let clock = ManualClock::new();
    let mut collector = MetricsCollector::with_clock(config, Arc::new(clock.clone()))?;
    collector.initialize().await?;
    collector
        .record_protocol_operation("dex", "swap", Duration::from_millis(50), true, None)
        .await;
    collector
        .record_mcp_request(Duration::from_millis(25), true, "http")
        .await;
    collector
        .record_custom_metric(
            "business_logic",
            "user_transactions",
            42.0,
            MetricType::Counter,
        )
        .await;
    let all = collector.get_all_metrics().await;

    let ops = all.family("mantra_protocol_operations_total").unwrap();
    let s = ops
        .series_with(&[
            ("protocol", "dex"),
            ("operation", "swap"),
            ("status", "success"),
        ])
        .unwrap();
    assert_eq!(s.value, Some(1.0));
    let dur = all
        .family("mantra_protocol_operation_duration_seconds")
        .unwrap();
    let h = dur.series[0].histogram.as_ref().unwrap();
    assert_eq!(h.count, 1);
    assert!((h.sum - 0.05).abs() < 1e-12);
    assert_eq!(h.p50, Some(0.05), "a single observation is exact");
    let mcp = all.family("mantra_mcp_requests_total").unwrap();
    assert!(mcp
        .series_with(&[("transport", "http"), ("status", "success")])
        .is_some());
    let custom = all
        .family("mantra_custom_business_logic_user_transactions_total")
        .unwrap();
    assert_eq!(custom.metric_type, MetricType::Counter);
    assert_eq!(custom.series[0].value, Some(42.0));
    assert!(collector.is_running());
    collector.close();
    assert!(!collector.is_running());
    Ok(())
}

#[tokio::test(flavor = "current_thread")]
async fn errors_are_counted_by_error_label() {
    let (c, _) = collector(MetricsConfig::default());
    c.record_protocol_operation_sync(
        "dex",
        "swap",
        Duration::from_millis(5),
        false,
        Some("timeout"),
    );
    c.record_protocol_operation_sync("dex", "swap", Duration::from_millis(5), false, None);
    c.record_protocol_operation_sync(
        "dex",
        "swap",
        Duration::from_millis(5),
        true,
        Some("ignored"),
    );
    let s = c.get_all_metrics_sync();
    let errs = s.family("mantra_protocol_errors_total").unwrap();
    assert_eq!(errs.series.len(), 2);
    assert_eq!(
        errs.series_with(&[("error", "timeout")]).unwrap().value,
        Some(1.0)
    );
    assert_eq!(
        errs.series_with(&[("error", "unknown")]).unwrap().value,
        Some(1.0)
    );
    let ops = s.family("mantra_protocol_operations_total").unwrap();
    assert_eq!(
        ops.series_with(&[("status", "error")]).unwrap().value,
        Some(2.0)
    );
}

#[tokio::test(flavor = "current_thread")]
async fn disabled_families_record_nothing() {
    let (c, _) = collector(MetricsConfig {
        enable_protocol_metrics: false,
        enable_mcp_metrics: false,
        enable_resource_metrics: false,
        enable_custom_metrics: false,
        ..Default::default()
    });
    c.record_protocol_operation("dex", "swap", Duration::from_millis(1), false, Some("x"))
        .await;
    c.record_mcp_request(Duration::from_millis(1), true, "http")
        .await;
    c.record_custom_metric("a", "b", 1.0, MetricType::Gauge)
        .await;
    assert!(c
        .try_record_custom_metric("a", "b", 1.0, MetricType::Gauge)
        .is_ok());
    c.record_resource_usage(&MetricsResourceUsage {
        cache_entries: Some(3),
        ..Default::default()
    });
    let s = c.get_all_metrics_sync();
    for f in &s.families {
        assert!(
            !f.name.contains("_protocol_")
                && !f.name.contains("_mcp_")
                && !f.name.contains("_resource_")
                && !f.name.contains("_custom_"),
            "{} should not exist",
            f.name
        );
        assert!(f.series.is_empty(), "{} recorded something", f.name);
    }
    c.aggregate_now();
    assert!(c.windows().is_empty());
    assert!(!c.prometheus().contains("mantra_protocol"));
}

#[tokio::test(flavor = "current_thread")]
async fn only_the_disabled_family_is_off() {
    let (c, _) = collector(MetricsConfig {
        enable_mcp_metrics: false,
        ..Default::default()
    });
    c.record_protocol_operation_sync("p", "o", Duration::from_millis(1), true, None);
    c.record_mcp_request_sync(Duration::from_millis(1), true, "http");
    let s = c.get_all_metrics_sync();
    assert!(s.family("mantra_mcp_requests_total").is_none());
    assert_eq!(
        s.family("mantra_protocol_operations_total")
            .unwrap()
            .series
            .len(),
        1
    );
}

#[tokio::test(flavor = "current_thread")]
async fn aggregation_loop_builds_windows_and_prunes_them_in_virtual_time() {
    let (mut c, clock) = collector(MetricsConfig {
        retention_period: Duration::from_secs(300),
        aggregation_interval: Duration::from_secs(60),
        ..Default::default()
    });
    c.initialize().await.unwrap();
    c.initialize().await.unwrap(); // idempotent: still one loop
    let wall0 = clock.wall_time().as_millis() as u64;
    for (ms, ok) in [(10, true), (20, true), (400, false)] {
        c.record_protocol_operation_sync("dex", "swap", Duration::from_millis(ms), ok, None);
    }
    c.record_mcp_request_sync(Duration::from_millis(30), true, "ws");
    clock.advance(Duration::from_secs(60)).await;

    let w = c.windows();
    assert_eq!(w.len(), 2, "one per active histogram series: {w:?}");
    let p = w
        .iter()
        .find(|w| w.family == "mantra_protocol_operation_duration_seconds")
        .unwrap();
    assert_eq!(p.count, 3);
    assert_eq!((p.min, p.max), (Some(0.01), Some(0.4)));
    assert!((p.sum - 0.43).abs() < 1e-12);
    assert!(p.p50.unwrap() >= 0.01 && p.p50.unwrap() <= 0.025);
    assert!(p.p99.unwrap() > 0.25 && p.p99.unwrap() <= 0.4);
    assert_eq!((p.start_unix_ms, p.end_unix_ms), (wall0, wall0 + 60_000));
    assert_eq!(p.labels.get("operation"), Some("swap"));

    // one observation per minute for 10 minutes
    for _ in 0..10 {
        c.record_protocol_operation_sync("dex", "swap", Duration::from_millis(5), true, None);
        clock.advance(Duration::from_secs(60)).await;
    }
    let w = c.windows();
    let now = clock.now();
    assert!(
        w.iter().all(|w| w.start + Duration::from_secs(300) >= now),
        "nothing older than the retention period"
    );
    // retention 300 s / interval 60 s = 5 windows of the protocol series
    assert_eq!(w.len(), 5, "{w:?}");
    assert!(w.iter().all(|w| w.count == 1));
    assert!(w.windows(2).all(|p| p[0].end < p[1].end), "oldest first");

    // idle time prunes everything, also without the loop
    c.close();
    clock.advance(Duration::from_secs(1000)).await;
    assert!(c.windows().is_empty());
    let s = c.get_all_metrics_sync();
    assert!(s.windows.is_empty());
    assert_eq!(s.window_interval_seconds, Some(60.0));
    assert_eq!(s.retention_seconds, Some(300.0));
    assert_eq!(clock.pending_sleeps(), 0, "closed loop left no timer");
    assert_eq!(c.initialize().await.unwrap_err().code(), "closed");
}

#[tokio::test(flavor = "current_thread")]
async fn window_entries_are_capped() {
    let (c, _) = collector(MetricsConfig {
        max_window_entries: 4,
        ..Default::default()
    });
    for i in 0..10 {
        c.record_protocol_operation_sync(
            "p",
            &format!("op{i}"),
            Duration::from_millis(1),
            true,
            None,
        );
    }
    c.aggregate_now();
    assert_eq!(c.windows().len(), 4);
    assert_eq!(c.windows_pruned_for_capacity(), 6);
}

#[tokio::test(flavor = "current_thread")]
async fn dropping_the_collector_ends_the_loop() {
    let (mut c, clock) = collector(MetricsConfig::default());
    c.initialize().await.unwrap();
    ManualClock::settle().await;
    assert_eq!(clock.pending_sleeps(), 1);
    drop(c);
    ManualClock::settle().await;
    assert_eq!(clock.pending_sleeps(), 0);
}

#[tokio::test(flavor = "current_thread")]
async fn cardinality_cap_in_the_collector() {
    let (c, _) = collector(MetricsConfig {
        max_series_per_family: 5,
        ..Default::default()
    });
    for i in 0..50 {
        c.record_protocol_operation_sync(
            "dex",
            &format!("op-{i}"),
            Duration::from_millis(1),
            true,
            None,
        );
    }
    let s = c.get_all_metrics_sync();
    let ops = s.family("mantra_protocol_operations_total").unwrap();
    assert_eq!(ops.series.len(), 6);
    let over = ops.series.last().unwrap();
    assert_eq!(over.labels.get("operation"), Some(OVERFLOW_LABEL_VALUE));
    assert_eq!(over.value, Some(45.0));
    let total: f64 = ops.series.iter().filter_map(|s| s.value).sum();
    assert_eq!(total, 50.0, "no recording lost");
    assert_eq!(s.dropped_series["mantra_protocol_operations_total"], 45);
    assert_eq!(
        s.dropped_series["mantra_protocol_operation_duration_seconds"],
        45
    );
    let text = c.prometheus();
    assert!(text.contains(
        "mantra_metrics_dropped_series_total{family=\"mantra_protocol_operations_total\"} 45"
    ));
}

#[tokio::test(flavor = "current_thread")]
async fn long_label_values_are_cut() {
    let (c, _) = collector(MetricsConfig::default());
    let long = "é".repeat(200);
    c.record_protocol_operation_sync("p", &long, Duration::from_millis(1), true, None);
    let s = c.get_all_metrics_sync();
    let v = s.family("mantra_protocol_operations_total").unwrap().series[0]
        .labels
        .get("operation")
        .unwrap()
        .to_string();
    assert!(v.len() <= MAX_LABEL_VALUE_BYTES && v.len() >= MAX_LABEL_VALUE_BYTES - 1);
    assert!(long.starts_with(&v));
}

#[tokio::test(flavor = "current_thread")]
async fn custom_metrics_types_names_and_errors() {
    let (c, _) = collector(MetricsConfig {
        max_custom_metrics: 3,
        ..Default::default()
    });
    c.try_record_custom_metric("Business Logic", "queue-depth", 7.0, MetricType::Gauge)
        .unwrap();
    c.try_record_custom_metric("Business Logic", "queue-depth", 3.0, MetricType::Gauge)
        .unwrap();
    c.try_record_custom_metric("biz", "size", 0.3, MetricType::Histogram)
        .unwrap();
    c.try_record_custom_metric("biz", "tx", 1.5, MetricType::Counter)
        .unwrap();
    c.try_record_custom_metric("biz", "tx", 2.0, MetricType::Counter)
        .unwrap();
    let e = c
        .try_record_custom_metric("biz", "tx", 1.0, MetricType::Gauge)
        .unwrap_err();
    assert!(matches!(e, Error::InvalidArgument(_)), "{e}");
    for bad in [-1.0, f64::NAN, f64::INFINITY] {
        // A counter at +Inf could never move again: refused like a negative step.
        let e = c
            .try_record_custom_metric("biz", "tx", bad, MetricType::Counter)
            .unwrap_err();
        assert!(matches!(e, Error::InvalidArgument(_)), "{bad}: {e}");
    }
    assert!(c
        .try_record_custom_metric("!!", "tx", 1.0, MetricType::Counter)
        .is_err());
    assert_eq!(
        c.try_record_custom_metric("biz", "fourth", 1.0, MetricType::Gauge)
            .unwrap_err()
            .code(),
        "capacity_exceeded"
    );
    c.record_custom_metric("biz", "fifth", 1.0, MetricType::Gauge)
        .await; // silently rejected, counted

    let s = c.get_all_metrics_sync();
    assert_eq!(
        s.family("mantra_custom_Business_Logic_queue_depth")
            .unwrap()
            .series[0]
            .value,
        Some(3.0)
    );
    let h = s.family("mantra_custom_biz_size").unwrap();
    assert_eq!(h.metric_type, MetricType::Histogram);
    assert_eq!(h.series[0].histogram.as_ref().unwrap().count, 1);
    assert_eq!(
        s.family("mantra_custom_biz_tx_total").unwrap().series[0].value,
        Some(3.5)
    );
    assert!(s.family("mantra_custom_biz_fourth").is_none());
    let rej = s.family("mantra_metrics_rejected_total").unwrap();
    assert_eq!(
        rej.series_with(&[("reason", "type_conflict")])
            .unwrap()
            .value,
        Some(1.0)
    );
    assert_eq!(
        rej.series_with(&[("reason", "invalid_value")])
            .unwrap()
            .value,
        Some(3.0) // -1, NaN, +Inf
    );
    assert_eq!(
        rej.series_with(&[("reason", "invalid_name")])
            .unwrap()
            .value,
        Some(1.0)
    );
    assert_eq!(
        rej.series_with(&[("reason", "too_many_custom_metrics")])
            .unwrap()
            .value,
        Some(2.0)
    );
}

#[tokio::test(flavor = "current_thread")]
async fn resource_gauges() {
    let (c, _) = collector(MetricsConfig::default());
    c.record_resource_usage(&MetricsResourceUsage {
        memory_used_bytes: Some(1024),
        cache_entries: Some(17),
        active_connections: Some(2),
        ..Default::default()
    });
    c.record_resource_usage(&MetricsResourceUsage {
        pending_requests: Some(5),
        ..Default::default()
    });
    c.record_memory_bytes("codec", 64);
    let s = c.get_all_metrics_sync();
    let mem = s.family("mantra_resource_memory_bytes").unwrap();
    assert_eq!(
        mem.series_with(&[("kind", "used")]).unwrap().value,
        Some(1024.0)
    );
    assert_eq!(
        mem.series_with(&[("kind", "codec")]).unwrap().value,
        Some(64.0)
    );
    assert!(
        mem.series_with(&[("kind", "pooled")]).is_none(),
        "None leaves it unset"
    );
    let one = |n: &str| s.family(n).unwrap().series[0].value;
    assert_eq!(one("mantra_resource_cache_entries"), Some(17.0));
    assert_eq!(one("mantra_resource_connections_active"), Some(2.0), "kept");
    assert_eq!(one("mantra_resource_pending_requests"), Some(5.0));
    #[cfg(target_os = "linux")]
    {
        let rss = mem.series_with(&[("kind", "process_rss")]).unwrap();
        assert!(rss.value.unwrap() > 1_000_000.0, "{rss:?}");
    }
}

#[tokio::test(flavor = "current_thread")]
async fn snapshot_json_shape_is_stable() {
    let (c, clock) = collector(MetricsConfig {
        const_labels: vec![("region".into(), "eu".into())],
        enable_process_metrics: false,
        ..Default::default()
    });
    clock.advance(Duration::from_secs(2)).await;
    c.record_protocol_operation_sync("dex", "swap", Duration::from_millis(50), true, None);
    c.record_custom_metric_sync("x", "g", 1.5, MetricType::Gauge);
    c.aggregate_now();
    let v: Value = serde_json::from_str(&c.snapshot_json()).unwrap();
    assert_eq!(
        v["timestamp_unix_ms"].as_u64().unwrap(),
        clock.wall_time().as_millis() as u64
    );
    assert_eq!(v["namespace"], "mantra");
    assert_eq!(v["const_labels"]["region"], "eu");
    let fams = v["families"].as_array().unwrap();
    let f = |n: &str| fams.iter().find(|f| f["name"] == n).unwrap().clone();
    let d = f("mantra_protocol_operation_duration_seconds");
    assert_eq!(d["type"], "histogram");
    assert_eq!(
        d["label_names"],
        serde_json::json!(["protocol", "operation"])
    );
    let s = &d["series"][0];
    assert_eq!(s["labels"]["protocol"], "dex");
    assert_eq!(s["count"], 1);
    assert_eq!(s["buckets"].as_array().unwrap().len(), 11);
    assert_eq!(s["buckets"][3]["le"], 0.05);
    assert_eq!(s["buckets"][3]["count"], 1);
    assert_eq!(s["buckets"][2]["count"], 0);
    for k in ["sum", "min", "max", "p50", "p95", "p99"] {
        assert!(s[k].is_number(), "{k} missing");
    }
    assert!(s.get("value").is_none());
    let g = f("mantra_custom_x_g");
    assert_eq!(g["type"], "gauge");
    assert_eq!(g["series"][0]["value"], 1.5);
    assert!(g["series"][0].get("count").is_none());
    assert_eq!(
        v["windows"][0]["family"],
        "mantra_protocol_operation_duration_seconds"
    );
    assert_eq!(v["windows"][0]["count"], 1);
    assert!(v["dropped_series"].as_object().unwrap().is_empty());
}

#[test]
fn invalid_config_is_rejected_by_every_constructor() {
    let bad = MetricsConfig {
        max_series_per_family: 0,
        ..Default::default()
    };
    match MetricsCollector::try_new(bad.clone()) {
        Err(Error::InvalidConfig { field, .. }) => assert_eq!(field, "max_series_per_family"),
        other => panic!("{other:?}"),
    }
    let r = std::panic::catch_unwind(|| MetricsCollector::new(bad));
    assert!(r.is_err());
}

#[tokio::test(flavor = "current_thread")]
async fn clones_share_state() {
    let (c, _) = collector(MetricsConfig::default());
    let c2 = c.clone();
    c2.record_mcp_request_sync(Duration::from_millis(1), false, "grpc");
    let s = c.get_all_metrics_sync();
    assert_eq!(
        s.family("mantra_mcp_requests_total")
            .unwrap()
            .series_with(&[("status", "error")])
            .unwrap()
            .value,
        Some(1.0)
    );
}

#[tokio::test(flavor = "current_thread")]
async fn cached_handles_keep_totals_and_drop_counts_exact_when_status_overflows() {
    let (c, _) = collector(MetricsConfig {
        max_series_per_family: 4,
        ..Default::default()
    });
    // 4 keys fit the histogram; their success+error status series (8) overflow the counter
    for round in 0..3 {
        for i in 0..4 {
            let op = format!("op{i}");
            c.record_protocol_operation_sync("p", &op, Duration::from_millis(1), true, None);
            c.record_protocol_operation_sync("p", &op, Duration::from_millis(2), false, Some("e"));
        }
        let s = c.get_all_metrics_sync();
        let ops = s.family("mantra_protocol_operations_total").unwrap();
        let total: f64 = ops.series.iter().filter_map(|s| s.value).sum();
        assert_eq!(total, 8.0 * (round + 1) as f64, "no recording lost");
        assert_eq!(ops.series.len(), 5, "4 + overflow");
        let overflowed = ops.series.last().unwrap().value.unwrap() as u64;
        assert_eq!(
            ops.dropped_series, overflowed,
            "every folded recording counted"
        );
        let d = s
            .family("mantra_protocol_operation_duration_seconds")
            .unwrap();
        let count: u64 = d
            .series
            .iter()
            .map(|s| s.histogram.as_ref().unwrap().count)
            .sum();
        assert_eq!(count, 8 * (round + 1));
        assert_eq!(d.dropped_series, 0);
    }
}

#[tokio::test(flavor = "current_thread")]
async fn handles_record_exactly_what_recording_by_name_records() {
    let ms = Duration::from_millis;
    let config = MetricsConfig {
        enable_process_metrics: false,
        ..seed_config()
    };
    let (by_name, _c1) = collector(config.clone());
    let (by_handle, _c2) = collector(config);
    assert!(
        by_handle.protocol_operation("rpc", "status").is_none(),
        "not recorded yet"
    );
    assert!(by_handle.mcp_request("http").is_none());
    for c in [&by_name, &by_handle] {
        c.record_protocol_operation_sync("rpc", "status", ms(3), true, None);
        c.record_mcp_request_sync(ms(4), true, "http");
    }
    let op = by_handle.protocol_operation("rpc", "status").unwrap();
    let mcp = by_handle.mcp_request("http").unwrap();
    let long = "x".repeat(MAX_LABEL_VALUE_BYTES + 10);
    by_name.record_protocol_operation_sync(&long, "q", ms(1), true, None);
    by_handle.record_protocol_operation_sync(&long, "q", ms(1), true, None);
    let cut_handle = by_handle
        .protocol_operation(&long, "q")
        .expect("long values are cut");
    for (i, lat) in [1u64, 20, 300, 7000].iter().enumerate() {
        let ok = i % 2 == 0;
        let err = (!ok).then_some("timeout");
        by_name.record_protocol_operation_sync("rpc", "status", ms(*lat), ok, err);
        op.record(ms(*lat), ok, err);
        by_name.record_mcp_request_sync(ms(*lat), ok, "http");
        mcp.record(ms(*lat), ok);
        by_name.record_protocol_operation_sync(&long, "q", ms(*lat), ok, None);
        cut_handle.record(ms(*lat), ok, None);
    }
    let text = by_handle.prometheus();
    assert_eq!(text, by_name.prometheus());
    assert!(text.contains(
        "mantra_protocol_operations_total{protocol=\"rpc\",operation=\"status\",status=\"error\"} 2"
    ));
    assert!(text.contains(
        "mantra_protocol_errors_total{protocol=\"rpc\",operation=\"status\",error=\"timeout\"} 2"
    ));
    assert!(text.contains("mantra_mcp_requests_total{transport=\"http\",status=\"success\"} 3"));
}

#[tokio::test(flavor = "current_thread")]
async fn no_handle_for_overflowed_pairs_or_disabled_families() {
    let (c, _clock) = collector(MetricsConfig {
        max_series_per_family: 1,
        ..seed_config()
    });
    let ms = Duration::from_millis(1);
    c.record_protocol_operation_sync("a", "x", ms, true, None);
    c.record_protocol_operation_sync("b", "x", ms, true, None); // folded into __overflow__
    assert!(c.protocol_operation("a", "x").is_some());
    assert!(c.protocol_operation("b", "x").is_none());
    c.record_mcp_request_sync(ms, true, "http");
    c.record_mcp_request_sync(ms, true, "ws");
    assert!(c.mcp_request("ws").is_none());
    let (off, _clock) = collector(MetricsConfig {
        enable_protocol_metrics: false,
        enable_mcp_metrics: false,
        ..seed_config()
    });
    off.record_protocol_operation_sync("a", "x", ms, true, None);
    off.record_mcp_request_sync(ms, true, "http");
    assert!(off.protocol_operation("a", "x").is_none());
    assert!(off.mcp_request("http").is_none());
}
