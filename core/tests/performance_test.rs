//! Performance optimization (seed §8.1, `tests/performance_test.rs` in
//! `PERFORMANCE_AND_MONITORING.md`): the cache, batch, async-optimizer and memory snippets
//! as written, through the crate-root API, with their outcomes asserted; batching under
//! real multi-threaded load; and the cache → batch → executor path the seed describes,
//! composed from the public parts in virtual time.
//!
//! Component edge cases live in each module's unit tests and in the shared scenarios
//! (`tests/scenarios/*.json`); monitoring lives in `monitoring_test.rs`.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// A MANTRA DEX pool (stand-in for the seed's `pool_info`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct PoolInfo {
    pool_identifier: String,
    asset_denoms: Vec<String>,
    total_share: String,
}

fn pool_info() -> PoolInfo {
    PoolInfo {
        pool_identifier: "o.uom.uusdc".into(),
        asset_denoms: vec!["uom".into(), "uusdc".into()],
        total_share: "1767766952966".into(),
    }
}

/// Parameters of a DEX swap (stand-in for the seed's `swap_params`).
#[derive(Debug, Clone, Serialize)]
struct SwapParams {
    pool_identifier: String,
    offer: String,
    ask_denom: String,
}

mod cache {
    use super::*;
    use mantra_sdk::ManualClock;

    #[tokio::test]
    async fn seed_cache_snippet() {
        let pool_info = pool_info();

        use mantra_sdk::{CacheConfig, CacheManager, CacheType};

        let config = CacheConfig {
            max_entries: 10000,
            default_ttl: Duration::from_secs(300),
            enable_stats: true,
            cleanup_interval: Duration::from_secs(60),
            max_memory_bytes: 100 * 1024 * 1024, // 100MB
        };

        let cache = CacheManager::new(config);

        // Cache pool information
        cache
            .put("pool_123".to_string(), &pool_info, CacheType::PoolInfo)
            .await;

        // Retrieve cached data
        let cached_pool: Option<PoolInfo> = cache.get("pool_123", CacheType::PoolInfo).await;

        assert_eq!(cached_pool, Some(pool_info));
        // The same key under another type is another entry.
        assert_eq!(
            cache.get::<PoolInfo>("pool_123", CacheType::Balance).await,
            None
        );
        let stats = cache.stats();
        assert_eq!((stats.hits, stats.misses, stats.entries), (1, 1, 1));
        assert!(stats.memory_bytes > 0);
        cache.close();
    }

    #[tokio::test(flavor = "current_thread")]
    async fn typed_values_expire_by_their_type_ttl_in_virtual_time() {
        use mantra_sdk::{CacheConfig, CacheManager, CacheType};
        let clock = ManualClock::new();
        let cache =
            CacheManager::with_clock(CacheConfig::default(), Arc::new(clock.clone())).unwrap();
        cache
            .set_type_ttl("node_status".parse().unwrap(), Duration::from_secs(5))
            .unwrap();
        cache
            .try_put("status", &42u64, CacheType::NodeStatus)
            .unwrap();
        cache
            .try_put("pool", &pool_info(), CacheType::PoolInfo)
            .unwrap();
        clock.advance(Duration::from_millis(4999)).await;
        assert_eq!(
            cache.get::<u64>("status", CacheType::NodeStatus).await,
            Some(42)
        );
        clock.advance(Duration::from_millis(1)).await;
        assert_eq!(
            cache.get::<u64>("status", CacheType::NodeStatus).await,
            None
        );
        // Pool info keeps the 300 s default.
        assert_eq!(
            cache.get::<PoolInfo>("pool", CacheType::PoolInfo).await,
            Some(pool_info())
        );
        let json = serde_json::to_value(cache.stats()).unwrap();
        assert_eq!(json["expirations"], 1);
        assert_eq!(json["hits"], 2);
    }
}

mod batch {
    use super::*;
    use mantra_sdk::{batch_fn, BatchConfig, BatchManager, BatchOperation, Error, Priority};

    #[tokio::test]
    async fn seed_batch_snippet_runs_on_the_real_clock() -> mantra_sdk::Result<()> {
        let swap_params = SwapParams {
            pool_identifier: "o.uom.uusdc".into(),
            offer: "1000uom".into(),
            ask_denom: "uusdc".into(),
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
        // The host's batch function attaches separately (DESIGN.md).
        batch_manager.set_executor(batch_fn(|ops: Vec<BatchOperation>| async move {
            Ok(ops
                .iter()
                .map(|o| Ok(json!({"method": o.id(), "params": o.params()})))
                .collect())
        }));

        // Create batch operations
        let operation = BatchOperation::new(
            "swap_operation".to_string(),
            &swap_params,
            1, // priority
            Duration::from_secs(30),
        )?;

        let ticket = batch_manager.add_operation(operation).await?;
        assert_eq!(
            ticket.await?,
            json!({"method": "swap_operation", "params": {
                "pool_identifier": "o.uom.uusdc", "offer": "1000uom", "ask_denom": "uusdc"}})
        );
        let stats = batch_manager.stats();
        assert_eq!(
            (stats.batches, stats.operations, stats.succeeded),
            (1, 1, 1)
        );
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
                    let op =
                        BatchOperation::from_value("double", json!(i), p, Duration::from_secs(30))
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
}

mod exec {
    use super::*;
    use mantra_sdk::runtime::BoxFuture;

    #[tokio::test]
    async fn seed_async_optimizer_snippet() -> mantra_sdk::Result<()> {
        use mantra_sdk::{AsyncOptimizer, Priority};

        let optimizer = AsyncOptimizer::new(8); // 8 concurrent operations

        // Execute with priority
        let result = optimizer
            .execute_with_priority(
                "high_priority_op".to_string(),
                Priority::High,
                Duration::from_secs(10),
                async {
                    // Your async operation here
                    Ok("success".to_string())
                },
            )
            .await?;
        assert_eq!(result, "success");

        // Execute multiple operations in parallel (distinct async blocks are boxed).
        let futures: Vec<(String, BoxFuture<'static, mantra_sdk::Result<i32>>)> = vec![
            ("op1".to_string(), Box::pin(async { Ok(1) })),
            ("op2".to_string(), Box::pin(async { Ok(2) })),
            ("op3".to_string(), Box::pin(async { Ok(3) })),
        ];

        let results = optimizer.execute_parallel(futures).await;
        assert_eq!(results, vec![Ok(1), Ok(2), Ok(3)]);
        let stats = optimizer.stats();
        assert_eq!((stats.completed, stats.failed, stats.in_flight), (4, 0, 0));
        assert_eq!(stats.limit, 8);
        Ok(())
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn eight_concurrent_operations_at_most() {
        use mantra_sdk::{AsyncOptimizer, Priority};
        let optimizer = AsyncOptimizer::new(8);
        let running = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let ops: Vec<(String, BoxFuture<'static, mantra_sdk::Result<usize>>)> = (0..40)
            .map(|i| {
                let (running, peak) = (running.clone(), peak.clone());
                let fut: BoxFuture<'static, mantra_sdk::Result<usize>> = Box::pin(async move {
                    let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                    peak.fetch_max(now, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(2)).await;
                    running.fetch_sub(1, Ordering::SeqCst);
                    Ok(i)
                });
                (format!("op{i}"), fut)
            })
            .collect();
        let results = optimizer
            .execute_parallel_with_priority(ops, Priority::Normal, Duration::from_secs(30))
            .await;
        let values: Vec<usize> = results.into_iter().map(|r| r.unwrap()).collect();
        assert_eq!(values, (0..40).collect::<Vec<_>>(), "input order kept");
        let peak = peak.load(Ordering::SeqCst);
        assert!(peak <= 8, "ran {peak} at once with a limit of 8");
        assert!(peak > 1, "operations did run concurrently");
    }
}

mod memory {
    use super::*;

    #[tokio::test]
    async fn seed_memory_optimizer_snippet() -> mantra_sdk::Result<()> {
        use mantra_sdk::{CowBuffer, MemoryConfig, MemoryOptimizer};

        let config = MemoryConfig {
            max_memory_bytes: 512 * 1024 * 1024, // 512MB
            warning_threshold: 0.8,
            enable_auto_gc: true,
            gc_interval: Duration::from_secs(30),
            enable_pooling: true,
            pool_sizes: vec![1024, 4096, 16384, 65536],
        };

        let optimizer = MemoryOptimizer::new(config);

        // Allocate from pool
        let buffer = optimizer.allocate(4096)?;

        // Create copy-on-write buffer
        let cow_buffer = optimizer.create_cow_buffer(vec![1, 2, 3, 4]);

        // Manual garbage collection
        let freed_bytes = optimizer.garbage_collect().await;

        assert_eq!(buffer.len(), 4096);
        assert_eq!(buffer.size_class(), Some(4096));
        let mut written: CowBuffer = cow_buffer.clone();
        assert!(written.is_shared() && written.ptr_eq(&cow_buffer));
        written.make_mut().push(5);
        assert!(!written.ptr_eq(&cow_buffer), "a write copies");
        assert_eq!(cow_buffer.as_slice(), &[1, 2, 3, 4]);
        assert_eq!(freed_bytes, 0, "nothing idle in the pools yet");

        // A released buffer goes back to its pool and is handed out again.
        drop(buffer);
        let again = optimizer.allocate(3000)?;
        assert_eq!(again.size_class(), Some(4096));
        let stats = optimizer.stats();
        assert_eq!((stats.pool_hits, stats.pool_misses), (1, 1));
        optimizer.close();
        Ok(())
    }
}

/// The seed's request path from public parts: identical concurrent reads share one cached
/// fetch; distinct ones are batched into one executor call, run under the optimizer.
#[tokio::test(flavor = "current_thread")]
async fn cached_batched_request_path_in_virtual_time() {
    use mantra_sdk::{
        batch_fn, AsyncOptimizer, AsyncOptimizerConfig, BatchConfig, BatchManager, BatchOperation,
        CacheConfig, CacheManager, CacheType, ManualClock, Priority,
    };
    let clock = ManualClock::new();
    let shared: mantra_sdk::SharedClock = Arc::new(clock.clone());
    let cache = CacheManager::with_clock(CacheConfig::default(), shared.clone()).unwrap();
    let batches = BatchManager::with_clock(
        BatchConfig {
            max_batch_delay: Duration::from_millis(20),
            ..Default::default()
        },
        shared.clone(),
    )
    .unwrap();
    let sent = Arc::new(parking_lot::Mutex::new(Vec::<Vec<String>>::new()));
    {
        let sent = sent.clone();
        batches.set_executor(batch_fn(move |ops: Vec<BatchOperation>| {
            sent.lock()
                .push(ops.iter().map(|o| o.params().to_string()).collect());
            let out = ops
                .iter()
                .map(|o| Ok(json!({"pool": o.params(), "total_share": "100"})))
                .collect();
            async move { Ok(out) }
        }));
    }
    let optimizer = AsyncOptimizer::with_clock(
        AsyncOptimizerConfig::with_max_concurrency(4),
        shared.clone(),
    )
    .unwrap();

    let read = |pool: &'static str| {
        let (cache, batches, optimizer) = (cache.clone(), batches.clone(), optimizer.clone());
        tokio::spawn(async move {
            cache
                .get_or_fetch::<Value, _, _>(pool, CacheType::PoolInfo, || async move {
                    let op = BatchOperation::from_value(
                        "abci_query",
                        json!(pool),
                        Priority::Normal,
                        Duration::from_secs(5),
                    )?;
                    optimizer
                        .execute_with_priority(
                            format!("pool {pool}"),
                            Priority::Normal,
                            Duration::from_secs(5),
                            batches.submit(op),
                        )
                        .await
                })
                .await
        })
    };
    let mut handles = Vec::new();
    for _ in 0..5 {
        handles.push(read("o.uom.uusdc"));
    }
    handles.push(read("o.uom.uatom"));
    ManualClock::settle().await;
    assert!(sent.lock().is_empty(), "waiting for the batch delay");
    clock.advance(Duration::from_millis(20)).await;
    for h in handles {
        let v = h.await.unwrap().unwrap();
        assert_eq!(v["total_share"], "100");
    }
    assert_eq!(
        *sent.lock(),
        vec![vec![
            "\"o.uom.uusdc\"".to_string(),
            "\"o.uom.uatom\"".to_string()
        ]],
        "one batch, one operation per distinct key"
    );
    // Later reads are cache hits: no new executor call.
    let again = read("o.uom.uusdc").await.unwrap().unwrap();
    assert_eq!(again["pool"], "o.uom.uusdc");
    assert_eq!(sent.lock().len(), 1);
    let stats = cache.stats();
    assert_eq!(stats.entries, 2);
    assert!(stats.hits >= 1);
    assert_eq!(batches.stats().operations, 2);
}
