//! The seed document's `ConnectionPool` and `PerformanceManager` snippets, as written,
//! run against a real node: `RPC` if set, else the local devnet (`scripts/devnet up`).
//!
//! ```text
//! cargo run -p mantra-sdk --example seed_pool_and_performance
//! ```

use std::time::Duration;

use mantra_sdk::{
    BatchOperation, CacheType, ConnectionPool, ConnectionPoolConfig, PerformanceConfig,
    PerformanceManager, Priority,
};
use serde_json::{json, Value};

/// The node to talk to: `RPC`, or node 1 of the devnet (started if needed).
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

#[tokio::main]
async fn main() -> mantra_sdk::Result<()> {
    let rpc = endpoint();

    // ---- Connection Pooling (seed) ----
    let config = ConnectionPoolConfig {
        max_connections: 20,
        min_connections: 5,
        max_idle_time: Duration::from_secs(300),
        connection_timeout: Duration::from_secs(30),
        acquire_timeout: Duration::from_secs(10),
        health_check_interval: Duration::from_secs(60),
    };

    let mut pool = ConnectionPool::new(config);
    pool.initialize(&rpc).await?;

    // Acquire a connection from the pool
    let connection = pool.acquire().await?;
    let client = connection.client();

    let body = client
        .post_json(r#"{"jsonrpc":"2.0","id":1,"method":"status","params":{}}"#)
        .await?;
    let status: Value = serde_json::from_slice(&body)?;
    println!(
        "pool: {} answered status at height {}",
        connection.endpoint(),
        status["result"]["sync_info"]["latest_block_height"]
    );
    drop(connection);
    let stats = pool.stats();
    println!(
        "pool: {} healthy endpoint(s), score {:.3}, {} warm connections",
        stats.healthy_endpoints, stats.endpoints[0].score, stats.endpoints[0].connections
    );
    pool.close();

    // ---- Performance Manager (seed) ----
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
    println!(
        "performance: {} endpoints, cache {} entries, {} batches before any work",
        stats.pool.endpoints.len(),
        stats.cache.entries,
        stats.batch.batches
    );

    // The components are wired: batches go to the pool's endpoints as JSON-RPC batches.
    connection_pool.add_endpoint(&rpc).await?;
    let ops = ["status", "abci_info", "health"].map(|method| {
        BatchOperation::from_value(method, json!({}), Priority::Normal, Duration::from_secs(10))
    });
    let mut tickets = Vec::new();
    for op in ops {
        tickets.push(batch_manager.add_operation(op?).await?);
    }
    let results = futures::future::join_all(tickets).await;
    let status = results[0].clone()?;
    let height = status["sync_info"]["latest_block_height"].clone();
    println!(
        "batch: 3 calls in {} HTTP request(s), height {height}",
        manager.stats().rpc.http_requests
    );

    cache_manager
        .put("latest_status".to_string(), &status, CacheType::NodeStatus)
        .await;
    let cached: Option<Value> = cache_manager
        .get("latest_status", CacheType::NodeStatus)
        .await;
    println!("cache: status cached = {}", cached.is_some());

    let doubled = async_optimizer
        .execute_with_priority(
            "double_height".to_string(),
            Priority::High,
            Duration::from_secs(10),
            async {
                Ok(height
                    .as_str()
                    .and_then(|h| h.parse::<u64>().ok())
                    .unwrap_or(0)
                    * 2)
            },
        )
        .await?;
    println!("optimizer: {doubled}");

    let buffer = memory_optimizer.allocate(4096)?;
    drop(buffer);
    let freed = memory_optimizer.garbage_collect().await;
    println!("memory: gc freed {freed} bytes");

    let stats = manager.get_stats().await;
    println!("{}", serde_json::to_string_pretty(&stats)?);
    manager.close();
    Ok(())
}
