//! A tour of `PERFORMANCE_AND_MONITORING.md`: every Rust snippet of the seed document, as
//! written, run in order against the `mantra-sdk` crate (`cargo run --example seed_tour`).
//!
//! Changes to the snippets are only those `DESIGN.md` allows: `use` lines (each snippet
//! keeps its own, plus `std::time::Duration`), a tokio runtime around them, boxing the
//! futures collected in one `Vec`, and attaching the batch executor (`BatchManager::new`
//! takes only the config, as in the seed; the host's batch function attaches separately).
//! The seed's free variables (`pool_info`, `swap_params`) are stand-in values of realistic
//! MANTRA DEX types defined below. Lines marked `// tour:` are additions that show what a
//! step did; they never change a snippet. The batch executor and the health check are local
//! functions. The `ConnectionPool` and `PerformanceManager` snippets talk to a real node:
//! `RPC` if set, else node 1 of the local devnet (`scripts/devnet up`, started if needed) —
//! the seed's `"http://rpc-endpoint:26657"` placeholder host is the one value replaced.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// A coin amount as the chain encodes it (amounts are JSON strings).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Coin {
    denom: String,
    amount: String,
}

/// A MANTRA DEX pool, as the pool manager's `{"pools": {...}}` query returns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct PoolInfo {
    pool_identifier: String,
    asset_denoms: Vec<String>,
    lp_denom: String,
    assets: Vec<Coin>,
    total_share: Coin,
    pool_type: String,
    swap_fee: String,
}

/// Parameters of a DEX swap (the pool manager's `swap` message).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct SwapParams {
    pool_identifier: String,
    offer_asset: Coin,
    ask_asset_denom: String,
    belief_price: Option<String>,
    max_spread: Option<String>,
}

fn stand_in_pool_info() -> PoolInfo {
    PoolInfo {
        pool_identifier: "o.uom.uusdc".into(),
        asset_denoms: vec!["uom".into(), "uusdc".into()],
        lp_denom: "factory/mantra1pool/o.uom.uusdc.LP".into(),
        assets: vec![
            Coin {
                denom: "uom".into(),
                amount: "1250000000000".into(),
            },
            Coin {
                denom: "uusdc".into(),
                amount: "2500000000000".into(),
            },
        ],
        total_share: Coin {
            denom: "factory/mantra1pool/o.uom.uusdc.LP".into(),
            amount: "1767766952966".into(),
        },
        pool_type: "constant_product".into(),
        swap_fee: "0.003".into(),
    }
}

fn stand_in_swap_params() -> SwapParams {
    SwapParams {
        pool_identifier: "o.uom.uusdc".into(),
        offer_asset: Coin {
            denom: "uom".into(),
            amount: "1000000".into(),
        },
        ask_asset_denom: "uusdc".into(),
        belief_price: None,
        max_spread: Some("0.01".into()),
    }
}

/// The node the pool snippets talk to: `RPC`, or node 1 of the devnet (started if needed).
fn endpoint() -> String {
    if let Some(rpc) = std::env::var("RPC").ok().filter(|v| !v.trim().is_empty()) {
        return rpc.split(',').next().unwrap_or_default().trim().to_string();
    }
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/devnet");
    let out = std::process::Command::new("bash")
        .arg(script)
        .arg("up")
        .stderr(std::process::Stdio::inherit())
        .output()
        .expect("run scripts/devnet up");
    assert!(out.status.success(), "scripts/devnet up failed");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("MANTRA_RPC_1="))
        .expect("MANTRA_RPC_1 in the devnet env")
        .trim()
        .to_string()
}

fn step(title: &str) {
    println!("\n== {title}");
}

/// Polls `done` every millisecond for up to `limit` (tour helper, real clock).
async fn wait_until(limit: Duration, done: impl Fn() -> bool) -> bool {
    let start = tokio::time::Instant::now();
    while !done() {
        if start.elapsed() > limit {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    true
}

// ----- Performance Optimization (8.1) ---------------------------------------------------

/// Seed: "Connection Pooling".
async fn connection_pooling() -> mantra_sdk::Result<()> {
    step("Connection pooling");
    use mantra_sdk::{ConnectionPool, ConnectionPoolConfig};
    let rpc_endpoint = endpoint();

    let config = ConnectionPoolConfig {
        max_connections: 20,
        min_connections: 5,
        max_idle_time: Duration::from_secs(300),
        connection_timeout: Duration::from_secs(30),
        acquire_timeout: Duration::from_secs(10),
        health_check_interval: Duration::from_secs(60),
    };

    let mut pool = ConnectionPool::new(config);
    pool.initialize(&rpc_endpoint).await?;

    // Acquire a connection from the pool
    let connection = pool.acquire().await?;
    let client = connection.client();

    // tour:
    let body = client
        .post_json(r#"{"jsonrpc":"2.0","id":1,"method":"status","params":{}}"#)
        .await?;
    let status: serde_json::Value = serde_json::from_slice(&body)?;
    println!(
        "{} answered status at height {}",
        connection.endpoint(),
        status["result"]["sync_info"]["latest_block_height"]
    );
    drop(connection);
    let stats = pool.stats();
    println!(
        "{} healthy endpoint(s), score {:.3}",
        stats.healthy_endpoints, stats.endpoints[0].score
    );
    pool.close();
    Ok(())
}

/// Seed: "Caching".
async fn caching() -> mantra_sdk::Result<()> {
    step("Caching");
    let pool_info = stand_in_pool_info();

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

    // tour:
    let stats = cache.stats();
    println!(
        "cached pool {} and read it back: {}",
        pool_info.pool_identifier,
        if cached_pool.as_ref() == Some(&pool_info) {
            "identical"
        } else {
            "MISSING"
        }
    );
    println!(
        "cache stats: {} entry, {} bytes, {} hit, {} miss, hit rate {:.2}",
        stats.entries, stats.memory_bytes, stats.hits, stats.misses, stats.hit_rate
    );
    assert_eq!(cached_pool, Some(pool_info));
    cache.close();
    Ok(())
}

/// Seed: "Batch Operations".
async fn batch_operations() -> mantra_sdk::Result<()> {
    step("Batch operations");
    let swap_params = stand_in_swap_params();

    use mantra_sdk::{BatchConfig, BatchManager, BatchOperation};

    let config = BatchConfig {
        max_batch_size: 50,
        max_batch_delay: Duration::from_millis(100),
        enable_auto_batching: true,
        max_concurrent_batches: 10,
        retry_attempts: 3,
        retry_delay: Duration::from_millis(500),
    };

    let batch_manager = BatchManager::new(config);

    // Attach the host's batch function (a local DEX simulation; one result per operation).
    batch_manager.set_executor(mantra_sdk::batch_fn(
        |ops: Vec<BatchOperation>| async move {
            println!("executor: one batch of {} operation(s)", ops.len());
            Ok(ops
                .iter()
                .map(|op| {
                    Ok(serde_json::json!({
                        "operation": op.id(),
                        "return_asset": {"denom": "uusdc", "amount": "1994006"},
                        "spread_amount": "2",
                        "swap_fee_amount": "5994",
                    }))
                })
                .collect())
        },
    ));

    // Create batch operations
    let operation = BatchOperation::new(
        "swap_operation".to_string(),
        &swap_params,
        1, // priority
        Duration::from_secs(30),
    )?;

    // The seed discards the returned ticket; the operation is still sent.
    batch_manager.add_operation(operation).await?;

    // tour:
    let sent = wait_until(Duration::from_secs(5), || {
        batch_manager.stats().succeeded == 1
    })
    .await;
    let stats = batch_manager.stats();
    println!(
        "queued `swap_operation` (priority 1): sent after the 100 ms batch delay = {sent}; \
         batches {}, operations {}, succeeded {}",
        stats.batches, stats.operations, stats.succeeded
    );
    let ticket = batch_manager
        .add_operation(BatchOperation::new(
            "simulate_swap".to_string(),
            &swap_params,
            2,
            Duration::from_secs(30),
        )?)
        .await?;
    batch_manager.flush().await;
    println!(
        "a second operation, flushed at once, answered {}",
        ticket.await?
    );
    assert!(sent);
    Ok(())
}

/// Seed: "Async Optimizations".
async fn async_optimizations() -> mantra_sdk::Result<()> {
    step("Async optimizations");
    use mantra_sdk::runtime::BoxFuture;

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

    // Execute multiple operations in parallel (each async block is its own type: boxed)
    let futures: Vec<(String, BoxFuture<'static, mantra_sdk::Result<i32>>)> = vec![
        ("op1".to_string(), Box::pin(async { Ok(1) })),
        ("op2".to_string(), Box::pin(async { Ok(2) })),
        ("op3".to_string(), Box::pin(async { Ok(3) })),
    ];

    let results = optimizer.execute_parallel(futures).await;

    // tour:
    println!("high priority operation returned {result:?}");
    println!("parallel results, in input order: {results:?}");
    let stats = optimizer.stats();
    println!(
        "optimizer: limit {}, completed {}, failed {}",
        stats.limit, stats.completed, stats.failed
    );
    assert_eq!(results, vec![Ok(1), Ok(2), Ok(3)]);
    Ok(())
}

/// Seed: "Memory Optimization".
async fn memory_optimization() -> mantra_sdk::Result<()> {
    step("Memory optimization");
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

    // tour:
    let shared: CowBuffer = cow_buffer.clone();
    println!(
        "allocated a {}-byte buffer (size class {:?}); cow buffer of {} bytes, shared after clone: {}",
        buffer.len(),
        buffer.size_class(),
        cow_buffer.len(),
        shared.is_shared()
    );
    drop(buffer);
    let stats = optimizer.stats();
    println!(
        "garbage_collect freed {freed_bytes} bytes (nothing idle yet); after releasing the \
         buffer: {} bytes in use, {} bytes pooled for reuse",
        stats.in_use_bytes, stats.pooled_bytes
    );
    optimizer.close();
    Ok(())
}

// ----- Monitoring and Metrics (8.2) -----------------------------------------------------

/// Seed: "Metrics Collection".
async fn metrics_collection() -> mantra_sdk::Result<()> {
    step("Metrics collection");
    use mantra_sdk::{MetricType, MetricsCollector, MetricsConfig};

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

    // tour:
    println!(
        "{} metric families; selected Prometheus lines:",
        all_metrics.families.len()
    );
    for line in collector.prometheus().lines().filter(|l| {
        l.starts_with("mantra_protocol_operations_total")
            || l.starts_with("mantra_mcp_requests_total")
            || l.starts_with("mantra_custom_business_logic_user_transactions_total")
    }) {
        println!("  {line}");
    }
    collector.close();
    Ok(())
}

/// Seed: "Health Checks and Diagnostics (8.3)".
async fn health_checks() -> mantra_sdk::Result<()> {
    step("Health checks and diagnostics");
    use mantra_sdk::{HealthChecker, HealthConfig, HealthStatus};

    let config = HealthConfig {
        enable_auto_checks: true,
        check_interval: Duration::from_secs(30),
        check_timeout: Duration::from_secs(10),
        failure_threshold: 3,
        recovery_threshold: 2,
        enable_auto_recovery: true,
        enable_diagnostics: true,
        ..Default::default()
    };

    let mut health_checker = HealthChecker::new(config);
    // tour: a "dex" check to report on (a local probe; a real one would query the node).
    health_checker.register_check(
        "dex",
        mantra_sdk::check_fn(|| async { Ok(mantra_sdk::CheckOutcome::healthy()) }),
    )?;
    health_checker.initialize().await?;

    // Manual health check
    health_checker.run_health_checks().await?;

    // Get system health
    let system_health = health_checker.get_system_health().await;
    println!("Overall status: {:?}", system_health.overall_status);

    // Get protocol-specific health
    let dex_health = health_checker.get_protocol_health("dex").await;

    // Get diagnostic information
    let diagnostics = health_checker.get_diagnostics().await;

    // tour:
    if let Some(dex) = &dex_health {
        println!("dex: {} after {} check(s)", dex.status, dex.total_checks);
    }
    println!(
        "diagnostics: {} component(s), {} run(s), auto checks running: {}",
        diagnostics.component_count, diagnostics.total_runs, diagnostics.auto_checks_running
    );
    assert_eq!(system_health.overall_status, HealthStatus::Healthy);
    health_checker.stop();
    Ok(())
}

/// Seed: "Comprehensive Monitoring".
async fn comprehensive_monitoring() -> mantra_sdk::Result<()> {
    step("Comprehensive monitoring");
    use mantra_sdk::{MonitoringConfig, MonitoringManager};

    let config = MonitoringConfig {
        enable_opentelemetry: false,
        prometheus_endpoint: Some("http://localhost:9090".to_string()),
        collection_interval: Duration::from_secs(10),
        enable_tracing: true,
        ..Default::default()
    };

    let mut manager = MonitoringManager::new(config);
    manager.initialize().await?;

    // Get comprehensive system status
    let system_status = manager.get_system_status().await;

    // Access individual components
    let metrics_collector = manager.metrics();
    let health_checker = manager.health();

    // tour:
    metrics_collector
        .record_protocol_operation("dex", "swap", Duration::from_millis(42), true, None)
        .await;
    println!(
        "system status: overall {:?}, uptime {:?}; {} health check(s) registered",
        system_status.overall_status,
        system_status.uptime,
        health_checker.check_names().len()
    );
    let text = manager.prometheus();
    assert!(text.contains("mantra_protocol_operations_total"));
    println!("prometheus exposition: {} lines", text.lines().count());
    manager.close();
    Ok(())
}

// ----- Integration ----------------------------------------------------------------------

/// Seed: "Performance Manager".
async fn performance_manager() -> mantra_sdk::Result<()> {
    step("Performance manager");
    use mantra_sdk::{PerformanceConfig, PerformanceManager};

    let config = PerformanceConfig::default();
    let manager = PerformanceManager::new(config);

    // Access individual components
    let connection_pool = manager.connection_pool();
    let cache_manager = manager.cache_manager();
    let batch_manager = manager.batch_manager();
    let async_optimizer = manager.async_optimizer();
    let memory_optimizer = manager.memory_optimizer();

    // Get comprehensive performance statistics
    let stats = manager.get_stats().await;

    // tour: the components are wired — batches go to the pool's endpoint as one JSON-RPC array.
    println!(
        "before any work: {} endpoint(s), {} cache entries, {} batches",
        stats.pool.endpoints.len(),
        stats.cache.entries,
        stats.batch.batches
    );
    connection_pool.add_endpoint(&endpoint()).await?;
    let mut tickets = Vec::new();
    for method in ["status", "abci_info", "health"] {
        let op = mantra_sdk::BatchOperation::from_value(
            method,
            serde_json::json!({}),
            mantra_sdk::Priority::Normal,
            Duration::from_secs(10),
        )?;
        tickets.push(batch_manager.add_operation(op).await?);
    }
    let results = futures::future::join_all(tickets).await;
    let status = results[0].clone()?;
    println!(
        "3 calls in {} HTTP request(s), height {}",
        manager.stats().rpc.http_requests,
        status["sync_info"]["latest_block_height"]
    );
    cache_manager
        .put(
            "latest_status".to_string(),
            &status,
            mantra_sdk::CacheType::NodeStatus,
        )
        .await;
    let hit = async_optimizer
        .execute("cache_read", async {
            Ok(cache_manager
                .get_value("latest_status", mantra_sdk::CacheType::NodeStatus)
                .is_some())
        })
        .await?;
    println!("status cached: {hit}");
    drop(memory_optimizer.allocate(4096)?);
    println!(
        "gc freed {} bytes",
        memory_optimizer.garbage_collect().await
    );
    manager.close();
    Ok(())
}

#[tokio::main]
async fn main() -> mantra_sdk::Result<()> {
    println!("mantra-sdk seed tour: every snippet of PERFORMANCE_AND_MONITORING.md");
    connection_pooling().await?;
    caching().await?;
    batch_operations().await?;
    async_optimizations().await?;
    memory_optimization().await?;
    metrics_collection().await?;
    health_checks().await?;
    comprehensive_monitoring().await?;
    performance_manager().await?;
    println!("\nseed tour complete");
    Ok(())
}
