//! Client benchmarks against a real CometBFT node (`make bench-client`, see BENCHMARKS.md).
//!
//! ```text
//! cargo run --release -p mantra-sdk --example bench_client -- concurrent RUN_ID
//! cargo run --release -p mantra-sdk --example bench_client -- connection
//! cargo run --release -p mantra-sdk --example bench_client -- cache
//! ```
//!
//! The node is `RPC` if set, else `MANTRA_RPC_1` (from `scripts/devnet up`). Every
//! measurement prints one line `BENCH {json}` on stdout; `scripts/bench-client-report.py`
//! turns those lines (and the CosmJS ones of `bench/cosmjs/bench.mjs`) into the tables.
//!
//! - `concurrent`: `N` (default 1000) `abci_query` calls started at once through
//!   `MantraClient` with batching on and the cache off, each with a distinct key (so neither
//!   the cache nor single-flight can merge them); calls/s and per-call latency percentiles.
//! - `connection`: `N` (default 500) sequential `status` calls through `RpcClient` over
//!   `HttpTransport` with keep-alive, then over one that keeps no idle connection
//!   (`pool_max_idle_per_host: 0`, so every call opens a new TCP connection).
//! - `cache`: the same `abci_query` `N` (default 1000) times in sequence through
//!   `MantraClient` (batching off, so the batch delay does not blur the cache's effect) with
//!   the cache on, then with `CallOptions { bypass_cache: true }`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use mantra_sdk::rpc::cometbft::abci_query_params;
use mantra_sdk::rpc::{RpcClient, RpcClientConfig};
use mantra_sdk::transport::{HttpTransport, HttpTransportConfig, Transport};
use mantra_sdk::{CallOptions, ClientConfig, MantraClient};
use serde_json::json;

/// Path of every `abci_query` (the kvstore app looks up `data` as the key and ignores it).
const QUERY_PATH: &str = "/key";

fn rpc_url() -> String {
    std::env::var("RPC")
        .ok()
        .filter(|s| !s.trim().is_empty())
        .or_else(|| std::env::var("MANTRA_RPC_1").ok())
        .unwrap_or_else(|| "http://127.0.0.1:26657".into())
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Percentile (nearest rank) of sorted latencies, in milliseconds.
fn pct_ms(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1].as_secs_f64() * 1e3
}

fn mean_ms(lat: &[Duration]) -> f64 {
    lat.iter().map(Duration::as_secs_f64).sum::<f64>() / lat.len().max(1) as f64 * 1e3
}

/// Prints one result line for the report script.
fn emit(
    bench: &str,
    variant: &str,
    run: &str,
    wall: Duration,
    mut lat: Vec<Duration>,
    errors: usize,
) {
    lat.sort();
    let calls = lat.len();
    let line = json!({
        "bench": bench,
        "variant": variant,
        "run": run,
        "calls": calls,
        "errors": errors,
        "wall_s": wall.as_secs_f64(),
        "calls_per_s": (calls - errors) as f64 / wall.as_secs_f64(),
        "mean_ms": mean_ms(&lat),
        "p50_ms": pct_ms(&lat, 50.0),
        "p99_ms": pct_ms(&lat, 99.0),
    });
    println!("BENCH {line}");
}

async fn concurrent(url: &str, run: &str) -> mantra_sdk::Result<()> {
    let n = env_usize("N", 1000);
    let config = ClientConfig {
        cache: None,
        ..ClientConfig::new([url])
    };
    let client = MantraClient::new(config).await?;
    // Warm-up (same as the CosmJS side): one call, then a burst of 20.
    let _ = client.abci_query(QUERY_PATH, b"warmup", None).await;
    let warm: Vec<_> = (0..20)
        .map(|i| {
            let c = client.clone();
            let key = format!("warm-{run}-{i}");
            tokio::spawn(async move { c.abci_query(QUERY_PATH, key.as_bytes(), None).await })
        })
        .collect();
    for h in warm {
        let _ = h.await;
    }

    let start = Instant::now();
    let handles: Vec<_> = (0..n)
        .map(|i| {
            let c = client.clone();
            let key = format!("bench-{run}-{i}");
            tokio::spawn(async move {
                let r = c.abci_query(QUERY_PATH, key.as_bytes(), None).await;
                (start.elapsed(), r.is_ok())
            })
        })
        .collect();
    let mut lat = Vec::with_capacity(n);
    let mut errors = 0;
    for h in handles {
        match h.await {
            Ok((d, ok)) => {
                lat.push(d);
                errors += usize::from(!ok);
            }
            Err(_) => errors += 1,
        }
    }
    let wall = start.elapsed();
    let stats = client.stats();
    eprintln!("mantra concurrent run {run}: {stats:?}");
    emit("concurrent", "mantra_batched", run, wall, lat, errors);
    client.close();
    Ok(())
}

async fn sequential_status(client: &RpcClient, n: usize) -> (Duration, Vec<Duration>, usize) {
    let mut lat = Vec::with_capacity(n);
    let mut errors = 0;
    let start = Instant::now();
    for _ in 0..n {
        let t = Instant::now();
        errors += usize::from(client.status().await.is_err());
        lat.push(t.elapsed());
    }
    (start.elapsed(), lat, errors)
}

async fn connection(url: &str) -> mantra_sdk::Result<()> {
    let n = env_usize("N", 500);
    let reuse: Arc<dyn Transport> =
        Arc::new(HttpTransport::try_new(HttpTransportConfig::default())?);
    let fresh: Arc<dyn Transport> = Arc::new(HttpTransport::try_new(HttpTransportConfig {
        pool_max_idle_per_host: 0,
        ..HttpTransportConfig::default()
    })?);
    let reuse = RpcClient::with_transport(url, reuse, RpcClientConfig::default())?;
    let fresh = RpcClient::with_transport(url, fresh, RpcClientConfig::default())?;
    for _ in 0..10 {
        let _ = reuse.status().await;
        let _ = fresh.status().await;
    }
    for (variant, client) in [("keep_alive", &reuse), ("new_connection", &fresh)] {
        let (wall, lat, errors) = sequential_status(client, n).await;
        emit("connection", variant, "1", wall, lat, errors);
    }
    Ok(())
}

async fn cache(url: &str) -> mantra_sdk::Result<()> {
    let n = env_usize("N", 1000);
    let client = MantraClient::new(ClientConfig {
        batch: None,
        ..ClientConfig::new([url])
    })
    .await?;
    let params = abci_query_params(QUERY_PATH, b"hot-key", None, false);
    for (variant, bypass_cache) in [("cached", false), ("bypass_cache", true)] {
        let options = CallOptions {
            bypass_cache,
            ..CallOptions::default()
        };
        let _ = client
            .call_with_options("abci_query", params.clone(), &options)
            .await;
        let mut lat = Vec::with_capacity(n);
        let mut errors = 0;
        let start = Instant::now();
        for _ in 0..n {
            let t = Instant::now();
            errors += usize::from(
                client
                    .call_with_options("abci_query", params.clone(), &options)
                    .await
                    .is_err(),
            );
            lat.push(t.elapsed());
        }
        emit("cache", variant, "1", start.elapsed(), lat, errors);
    }
    if let Some(c) = client.cache() {
        eprintln!("cache stats: {:?}", c.stats());
    }
    client.close();
    Ok(())
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let what = args.first().map(String::as_str).unwrap_or("all");
    let run = args.get(1).cloned().unwrap_or_else(|| "1".into());
    let url = rpc_url();
    let result = match what {
        "concurrent" => concurrent(&url, &run).await,
        "connection" => connection(&url).await,
        "cache" => cache(&url).await,
        "all" => {
            async {
                concurrent(&url, &run).await?;
                connection(&url).await?;
                cache(&url).await
            }
            .await
        }
        other => {
            eprintln!(
                "usage: bench_client [concurrent RUN_ID|connection|cache|all]; got `{other}`"
            );
            std::process::exit(2);
        }
    };
    if let Err(e) = result {
        eprintln!("bench_client: {e}");
        std::process::exit(1);
    }
}
