//! Concurrent metrics recording stays exact and bounded (the seed snippet runs in monitoring_test.rs).

use std::sync::Arc;
use std::time::Duration;

use mantra_sdk::{MetricsCollector, MetricsConfig, MetricsRegistry};

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
