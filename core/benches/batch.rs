//! Batch submit overhead: the manager's cost per operation with an executor that answers at
//! once (no I/O), on a current-thread tokio runtime with `max_batch_delay = 0`.
//!
//! Run: `cargo bench -p mantra-sdk --bench batch`

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use mantra_sdk::{batch_fn, BatchConfig, BatchManager, BatchOperation, Priority};
use serde_json::json;

const OPS: usize = 1000;

fn manager() -> BatchManager {
    let config = BatchConfig {
        max_batch_delay: Duration::ZERO,
        ..Default::default()
    };
    // Answers `true` for every operation: the cost measured is the manager's own.
    BatchManager::new(config).with_executor(batch_fn(|ops: Vec<BatchOperation>| async move {
        Ok(ops
            .iter()
            .map(|_| Ok(serde_json::Value::Bool(true)))
            .collect())
    }))
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let op = BatchOperation::from_value(
        "abci_query",
        json!({"path": "/store/bank/key", "data": "00", "height": "0"}),
        Priority::Normal,
        Duration::from_secs(30),
    )
    .expect("op");

    let mut g = c.benchmark_group("batch");
    g.throughput(Throughput::Elements(OPS as u64));

    // 1000 operations queued at once, then awaited: batches of 10 (the default size).
    let m = manager();
    g.bench_function("submit_1000_concurrent", |b| {
        b.iter(|| {
            rt.block_on(async {
                let mut tickets = Vec::with_capacity(OPS);
                for _ in 0..OPS {
                    tickets.push(m.add_operation(op.clone()).await.expect("add"));
                }
                for t in tickets {
                    black_box(t.await.expect("result"));
                }
            })
        })
    });

    // Same, building each operation from JSON params (what a binding call costs).
    let m = manager();
    g.bench_function("new_op_and_submit_1000_concurrent", |b| {
        b.iter(|| {
            rt.block_on(async {
                let mut tickets = Vec::with_capacity(OPS);
                for i in 0..OPS {
                    let op = BatchOperation::new(
                        "abci_query".to_string(),
                        &json!({"path": "/store/bank/key", "data": i, "height": "0"}),
                        1,
                        Duration::from_secs(30),
                    )
                    .expect("op");
                    tickets.push(m.add_operation(op).await.expect("add"));
                }
                for t in tickets {
                    black_box(t.await.expect("result"));
                }
            })
        })
    });

    // 1000 sequential `submit().await`: each operation is flushed alone on the next turn.
    let m = manager();
    g.bench_function("submit_1000_sequential", |b| {
        b.iter(|| {
            rt.block_on(async {
                for _ in 0..OPS {
                    black_box(m.submit(op.clone()).await.expect("submit"));
                }
            })
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4))
        .sample_size(30);
    targets = bench
}
criterion_main!(benches);
