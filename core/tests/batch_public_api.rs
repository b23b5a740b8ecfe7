//! BatchManager through the crate-root API, on the real clock and a multi-thread runtime.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use mantra_sdk::{batch_fn, BatchConfig, BatchManager, BatchOperation, Error, Priority};
use serde_json::{json, Value};

#[derive(serde::Serialize)]
struct SwapParams {
    pool_identifier: String,
    offer: String,
}

#[tokio::test]
async fn seed_snippet_runs_on_the_real_clock() -> mantra_sdk::Result<()> {
    let swap_params = SwapParams {
        pool_identifier: "o.uom.uusdc".into(),
        offer: "1000uom".into(),
    };
    let config = BatchConfig {
        max_batch_size: 50,
        max_batch_delay: Duration::from_millis(100),
        enable_auto_batching: true,
        max_concurrent_batches: 10,
        retry_attempts: 3,
        retry_delay: Duration::from_millis(500),
    };
    let batch_manager = BatchManager::new(config);
    batch_manager.set_executor(batch_fn(|ops: Vec<BatchOperation>| async move {
        Ok(ops
            .iter()
            .map(|o| Ok(json!({"method": o.id(), "params": o.params()})))
            .collect())
    }));

    let operation = BatchOperation::new(
        "swap_operation".to_string(),
        &swap_params,
        1, // priority
        Duration::from_secs(30),
    )?;
    let ticket = batch_manager.add_operation(operation).await?;
    assert_eq!(
        ticket.await?,
        json!({"method": "swap_operation", "params": {"pool_identifier": "o.uom.uusdc", "offer": "1000uom"}})
    );
    assert_eq!(batch_manager.stats().succeeded, 1);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_ends_exactly_once_under_concurrency() {
    const TASKS: usize = 8;
    const PER_TASK: usize = 200;
    let calls = Arc::new(AtomicUsize::new(0));
    let exec = {
        let calls = calls.clone();
        batch_fn(move |ops: Vec<BatchOperation>| {
            let n = calls.fetch_add(1, Ordering::Relaxed);
            async move {
                tokio::task::yield_now().await;
                if n % 7 == 3 {
                    // A retryable whole-batch failure now and then.
                    return Err(Error::transport("connection reset"));
                }
                Ok(ops
                    .iter()
                    .map(|o| {
                        let i = o.params().as_u64().unwrap_or(0);
                        if i % 10 == 9 {
                            Err(Error::Rpc {
                                code: -32601,
                                message: "method not found".into(),
                                data: None,
                            })
                        } else {
                            Ok(Value::from(i * 2))
                        }
                    })
                    .collect())
            }
        })
    };
    let config = BatchConfig {
        max_batch_delay: Duration::from_millis(1),
        max_concurrent_batches: 3,
        retry_attempts: 5,
        retry_delay: Duration::from_millis(1),
        ..Default::default()
    };
    let m = BatchManager::try_new(config).unwrap().with_executor(exec);
    let mut tasks = Vec::new();
    for t in 0..TASKS {
        let m = m.clone();
        tasks.push(tokio::spawn(async move {
            let mut ok = 0;
            let mut failed = 0;
            for k in 0..PER_TASK {
                let i = (t * PER_TASK + k) as u64;
                let p = Priority::ALL[k % 3];
                let op = BatchOperation::from_value("double", json!(i), p, Duration::from_secs(30))
                    .unwrap();
                match m.submit(op).await {
                    Ok(v) => {
                        assert_eq!(v, json!(i * 2), "result routed to the wrong caller");
                        ok += 1;
                    }
                    Err(Error::Rpc { code: -32601, .. }) => {
                        assert_eq!(i % 10, 9);
                        failed += 1;
                    }
                    Err(e) => panic!("unexpected error for {i}: {e}"),
                }
            }
            (ok, failed)
        }));
    }
    let (mut ok, mut failed) = (0, 0);
    for t in tasks {
        let (o, f) = t.await.unwrap();
        ok += o;
        failed += f;
    }
    assert_eq!(ok + failed, TASKS * PER_TASK);
    assert_eq!(failed, TASKS * PER_TASK / 10);
    let s = m.stats();
    assert_eq!(s.operations as usize, TASKS * PER_TASK);
    assert_eq!(s.succeeded as usize, ok);
    assert_eq!(s.failures as usize, failed);
    assert_eq!((s.pending, s.in_flight, s.timeouts), (0, 0, 0));
    assert!(s.retries > 0, "some batches were retried");
}
