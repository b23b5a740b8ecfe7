//! Labelled recording: the `prometheus` crate vs mantra-sdk's metrics.
//! Run: `cargo bench -p mantra-sdk --bench metrics -- --warm-up-time 1 --measurement-time 2`

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use mantra_sdk::{MetricsCollector, MetricsConfig, MetricsRegistry, MetricsRegistryConfig};

const VALUES: [f64; 8] = [0.003, 0.02, 0.07, 0.3, 0.012, 1.7, 0.04, 6.0];

fn histogram_observe(c: &mut Criterion) {
    let mut g = c.benchmark_group("metrics/histogram_observe_2_labels");

    let prom = prometheus::HistogramVec::new(
        prometheus::HistogramOpts::new("lat_seconds", "Latency."),
        &["a", "b"],
    )
    .expect("prometheus histogram");
    let mut i = 0usize;
    g.bench_function("prometheus_with_label_values", |b| {
        b.iter(|| {
            i = i.wrapping_add(1);
            prom.with_label_values(&[black_box("a"), black_box("b")])
                .observe(black_box(VALUES[i & 7]));
        })
    });

    let reg = MetricsRegistry::new(MetricsRegistryConfig::default());
    let ours = reg
        .histogram("lat_seconds", "Latency.", &["a", "b"])
        .expect("histogram");
    g.bench_function("mantra_observe_labels", |b| {
        b.iter(|| {
            i = i.wrapping_add(1);
            let _ = ours.observe(&[black_box("a"), black_box("b")], black_box(VALUES[i & 7]));
        })
    });
    g.bench_function("mantra_with_labels_then_observe", |b| {
        b.iter(|| {
            i = i.wrapping_add(1);
            if let Ok(h) = ours.with_labels(&[black_box("a"), black_box("b")]) {
                h.observe(black_box(VALUES[i & 7]));
            }
        })
    });

    let prom_handle = prom.with_label_values(&["a", "b"]);
    g.bench_function("prometheus_handle", |b| {
        b.iter(|| {
            i = i.wrapping_add(1);
            prom_handle.observe(black_box(VALUES[i & 7]));
        })
    });
    let handle = ours.with_labels(&["a", "b"]).expect("handle");
    g.bench_function("mantra_handle", |b| {
        b.iter(|| {
            i = i.wrapping_add(1);
            handle.observe(black_box(VALUES[i & 7]));
        })
    });
    g.finish();
}

fn counter_inc(c: &mut Criterion) {
    let mut g = c.benchmark_group("metrics/counter_inc_2_labels");
    let prom = prometheus::CounterVec::new(prometheus::Opts::new("ops_total", "Ops."), &["a", "b"])
        .expect("prometheus counter");
    g.bench_function("prometheus_with_label_values", |b| {
        b.iter(|| {
            prom.with_label_values(&[black_box("a"), black_box("b")])
                .inc()
        })
    });
    let reg = MetricsRegistry::new(MetricsRegistryConfig::default());
    let ours = reg
        .counter("ops_total", "Ops.", &["a", "b"])
        .expect("counter");
    g.bench_function("mantra_inc_labels", |b| {
        b.iter(|| {
            let _ = ours.inc(&[black_box("a"), black_box("b")]);
        })
    });
    g.finish();
}

fn collector(c: &mut Criterion) {
    let mut g = c.benchmark_group("metrics/collector");
    let col = MetricsCollector::new(MetricsConfig::default());
    let mut i = 0usize;
    g.bench_function("record_protocol_operation_sync", |b| {
        b.iter(|| {
            i = i.wrapping_add(1);
            col.record_protocol_operation_sync(
                black_box("dex"),
                black_box("swap"),
                Duration::from_micros(black_box(50 + (i & 7) as u64 * 700)),
                true,
                None,
            )
        })
    });
    g.bench_function("record_mcp_request_sync", |b| {
        b.iter(|| col.record_mcp_request_sync(Duration::from_millis(25), true, black_box("http")))
    });
    g.finish();
}

criterion_group!(benches, histogram_observe, counter_inc, collector);
criterion_main!(benches);
