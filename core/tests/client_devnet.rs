//! `MantraClient` against a real CometBFT network (`scripts/devnet`: a validator on node 1
//! and a full node on node 2, both running the kvstore app on loopback). Each test makes
//! sure the devnet is up first; the fault test stops and restarts node 1 (under a write
//! lock, so the other tests of this binary never see it down) and leaves both running.
#![cfg(not(all(target_family = "wasm", target_os = "unknown")))]

mod common;
use common::devnet;

use std::collections::BTreeMap;
use std::process::Command;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use mantra_sdk::rpc::cosmwasm::{encode_smart_query_raw, Coin};
use mantra_sdk::runtime::BoxFuture;
use mantra_sdk::transport::{HttpMethod, HttpRequest, HttpResponse, HttpTransport, Transport};
use mantra_sdk::{ClientConfig, Error, HealthStatus, MantraClient, Result};
use parking_lot::Mutex;
use serde_json::{json, Value};
use tokio::sync::RwLock;

fn devnet_cmd(args: &[&str]) {
    let out = Command::new("bash")
        .arg(&devnet().script)
        .args(args)
        .output()
        .expect("run scripts/devnet");
    assert!(
        out.status.success(),
        "scripts/devnet {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Node 1 is stopped by the fault test; every other test holds this lock for reading.
fn nodes() -> &'static RwLock<()> {
    static NODES: OnceLock<RwLock<()>> = OnceLock::new();
    NODES.get_or_init(|| RwLock::new(()))
}

fn nonce() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!(
        "{t}x{}x{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// Forwards to the real HTTP transport and records every JSON-RPC POST body (with its
/// URL), except the pool's health pings (a lone `health` request).
#[derive(Debug)]
struct Counting {
    real: HttpTransport,
    posts: Mutex<Vec<(String, Value)>>,
}

impl Counting {
    fn new() -> Arc<Self> {
        Arc::new(Self {
            real: HttpTransport::new(),
            posts: Mutex::new(Vec::new()),
        })
    }

    /// HTTP requests carrying RPC calls so far.
    fn requests(&self) -> usize {
        self.posts.lock().len()
    }

    /// JSON-RPC requests per HTTP request, in order.
    fn sizes(&self) -> Vec<usize> {
        self.posts
            .lock()
            .iter()
            .map(|(_, b)| b.as_array().map_or(1, Vec::len))
            .collect()
    }

    fn bodies_since(&self, n: usize) -> Vec<Value> {
        self.posts.lock()[n..]
            .iter()
            .map(|(_, b)| b.clone())
            .collect()
    }
}

impl Transport for Counting {
    fn send(&self, request: HttpRequest) -> BoxFuture<'static, Result<HttpResponse>> {
        if request.method == HttpMethod::Post {
            let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
            let ping = body.get("method").and_then(Value::as_str) == Some("health");
            if !ping {
                self.posts.lock().push((request.url.clone(), body));
            }
        }
        self.real.send(request)
    }
}

fn config(endpoints: &[&str], transport: Arc<dyn Transport>) -> ClientConfig {
    let mut c = ClientConfig::new(endpoints.iter().copied());
    c.transport = Some(transport);
    c.request_timeout = Duration::from_secs(20);
    c
}

async fn client(endpoints: &[&str], transport: Arc<dyn Transport>) -> MantraClient {
    MantraClient::new(config(endpoints, transport))
        .await
        .unwrap()
}

#[tokio::test]
async fn every_method_against_a_real_node() {
    let _nodes = nodes().read().await;
    let d = devnet();
    let client = client(&[&d.rpc1], Arc::new(HttpTransport::new())).await;

    let status = client.status().await.unwrap();
    assert!(status.sync_info.latest_block_height >= 1);
    assert!(!status.sync_info.catching_up);
    client.health_check().await.unwrap();
    let info = client.abci_info().await.unwrap();
    assert!(info.last_block_height >= 1);
    let first = client.block(Some(1)).await.unwrap();
    assert_eq!(first.block.header.height, 1);
    assert!(client.block(None).await.unwrap().block.header.height >= 1);

    // broadcast_tx_commit, then abci_query sees the value, at the latest and at that height.
    let (key, value) = (format!("k{}", nonce()), format!("v{}", nonce()));
    let tx = format!("{key}={value}");
    let committed = client.broadcast_tx_commit(tx.as_bytes()).await.unwrap();
    assert_eq!(committed.tx_result.code, 0, "{committed:?}");
    let q = client.abci_query("", key.as_bytes(), None).await.unwrap();
    assert_eq!((q.code, q.log.as_str()), (0, "exists"));
    assert_eq!(q.value, value.as_bytes());
    let at = client
        .abci_query("", key.as_bytes(), Some(q.height as u64))
        .await
        .unwrap();
    assert_eq!(at.value, value.as_bytes());
    let block = client.block(Some(committed.height as u64)).await.unwrap();
    assert!(block.block.data.txs.iter().any(|t| t == tx.as_bytes()));
    let found = client.tx_hex(&committed.hash).await.unwrap();
    assert_eq!(
        (found.height, found.tx.as_slice()),
        (committed.height, tx.as_bytes())
    );

    let sync = client
        .broadcast_tx_sync(format!("k{}=v", nonce()).as_bytes())
        .await
        .unwrap();
    assert_eq!((sync.code, sync.hash.len()), (0, 64));
    let sent = client
        .broadcast_tx_async(format!("k{}=v", nonce()).as_bytes())
        .await
        .unwrap();
    assert_eq!(sent.hash.len(), 64);

    // CosmWasm smart query: store a QuerySmartContractStateResponse under the request's key
    // (kvstore is not wasmd), then the client decodes the contract's JSON reply.
    let contract = format!("mantra1contract{}", nonce());
    let request = encode_smart_query_raw(&contract, br#""config""#);
    let reply_json = br#"["o.uom.uusdc","1000"]"#;
    let mut response = vec![0x0a, reply_json.len() as u8];
    response.extend_from_slice(reply_json);
    let store = [request.as_slice(), b"=", response.as_slice()].concat();
    let stored = client.broadcast_tx_commit(&store).await.unwrap();
    assert_eq!(stored.tx_result.code, 0, "{stored:?}");
    let reply = client
        .smart_query(&contract, &json!("config"))
        .await
        .unwrap();
    assert_eq!(reply, json!(["o.uom.uusdc", "1000"]));

    // DEX helpers travel the same path; kvstore has no pool manager: a typed decode error.
    let pm = format!("mantra1pm{}", nonce());
    let e = client.dex_pools(&pm, "o.uom.uusdc").await.unwrap_err();
    assert!(
        matches!(&e, Error::Decode(m) if m.contains("empty")),
        "{e:?}"
    );
    let e = client
        .dex_simulation(&pm, Coin::new(1000u128, "uom"), "uusdc", "o.uom.uusdc")
        .await
        .unwrap_err();
    assert_eq!(e.code(), "decode");

    // Any method through `call`; the node's own errors are typed.
    let v = client.call("validators", json!({})).await.unwrap();
    assert!(
        v["validators"].as_array().is_some_and(|a| !a.is_empty()),
        "{v}"
    );
    let e = client.call("no_such_method", json!({})).await.unwrap_err();
    assert!(matches!(e, Error::Rpc { code: -32601, .. }), "{e:?}");
    let stats = client.stats();
    assert_eq!(stats.in_flight, 0);
    assert_eq!(stats.failed, 3);
    client.close();
}

#[tokio::test]
async fn concurrent_distinct_queries_go_out_as_real_batches() {
    let _nodes = nodes().read().await;
    let d = devnet();
    let wire = Counting::new();
    let client = client(&[&d.rpc1, &d.rpc2], wire.clone()).await;
    let run = nonce();

    // 10 concurrent distinct queries → ONE HTTP request holding all 10.
    let before = wire.requests();
    let calls = (0..10).map(|i| client.abci_query("", format!("{run}-a{i}").as_bytes(), None));
    let out = futures::future::join_all(calls).await;
    for (i, r) in out.iter().enumerate() {
        let r = r.as_ref().unwrap();
        assert_eq!(
            r.key,
            format!("{run}-a{i}").as_bytes(),
            "results routed by id"
        );
        assert_eq!(r.log, "does not exist");
    }
    assert_eq!(wire.requests() - before, 1, "{:?}", wire.sizes());
    assert_eq!(wire.sizes().last(), Some(&10));

    // 25 → 3 requests (10 + 10 + 5): the node's max_request_batch_size is 10.
    let before = wire.requests();
    let calls = (0..25).map(|i| client.abci_query("", format!("{run}-b{i}").as_bytes(), None));
    let out = futures::future::join_all(calls).await;
    assert!(out.iter().all(Result::is_ok), "{out:?}");
    let mut sizes = wire.sizes()[before..].to_vec();
    sizes.sort_unstable();
    assert_eq!(sizes, [5, 10, 10]);

    let stats = client.stats();
    assert_eq!(stats.http.max_batch_size, 10);
    assert_eq!(stats.batch.as_ref().unwrap().effective_max_batch_size, 10);
    client.close();
}

#[tokio::test]
async fn an_over_limit_batch_teaches_the_client_the_nodes_limit() {
    let _nodes = nodes().read().await;
    let d = devnet();
    let wire = Counting::new();
    let mut c = config(&[&d.rpc1], wire.clone());
    c.batch.as_mut().unwrap().max_batch_size = 25;
    let client = MantraClient::new(c).await.unwrap();
    let run = nonce();
    let calls = (0..25).map(|i| client.abci_query("", format!("{run}-{i}").as_bytes(), None));
    let out = futures::future::join_all(calls).await;
    assert!(out.iter().all(Result::is_ok), "{out:?}");
    let sizes = wire.sizes();
    assert_eq!(sizes[0], 25, "first the whole batch, refused by the node");
    let mut rest = sizes[1..].to_vec();
    rest.sort_unstable();
    assert_eq!(rest, [5, 10, 10]);
    let stats = client.stats();
    let batch = stats.batch.unwrap();
    assert_eq!(batch.effective_max_batch_size, 10);
    assert_eq!(batch.batch_limit_splits, 1);
    assert_eq!(stats.http.http_failures, 1);
    client.close();
}

#[tokio::test]
async fn cache_hits_avoid_the_network_and_identical_calls_share_one_request() {
    let _nodes = nodes().read().await;
    let d = devnet();
    let wire = Counting::new();
    let client = client(&[&d.rpc1, &d.rpc2], wire.clone()).await;

    client.block(Some(1)).await.unwrap();
    let n = wire.requests();
    for _ in 0..5 {
        assert_eq!(client.block(Some(1)).await.unwrap().block.header.height, 1);
    }
    client.status().await.unwrap();
    let n2 = wire.requests();
    assert_eq!(n2, n + 1, "5 cache hits, one status");
    client.status().await.unwrap();
    assert_eq!(wire.requests(), n2, "status within its 1 s TTL: a hit");
    let stats = client.stats();
    assert_eq!(stats.cache_hits, 6);
    assert!(stats.cache.unwrap().hits >= 6);

    // Single-flight: 10 identical concurrent calls (cache off for this call) → 1 item.
    let key = format!("k{}", nonce());
    let before = wire.requests();
    let options = mantra_sdk::CallOptions {
        bypass_cache: true,
        ..Default::default()
    };
    let params = json!({"path": "", "data": hex(key.as_bytes()), "height": "0", "prove": false});
    let calls = (0..10).map(|_| client.call_with_options("abci_query", params.clone(), &options));
    let out = futures::future::join_all(calls).await;
    assert!(out
        .iter()
        .all(|r| r.as_ref().is_ok_and(|v| v == out[0].as_ref().unwrap())));
    let bodies = wire.bodies_since(before);
    assert_eq!(bodies.len(), 1, "{bodies:?}");
    assert!(
        bodies[0].is_object(),
        "one request, not a batch: {}",
        bodies[0]
    );
    assert_eq!(client.stats().shared_calls, 9);
    client.close();
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[tokio::test]
async fn metrics_are_recorded_per_method() {
    let _nodes = nodes().read().await;
    let d = devnet();
    let client = client(&[&d.rpc1, &d.rpc2], Arc::new(HttpTransport::new())).await;
    client.status().await.unwrap();
    client.status().await.unwrap();
    client.abci_info().await.unwrap();
    client.abci_query("", b"nothing-here", None).await.unwrap();
    let _ = client.call("no_such_method", json!({})).await;
    let snap = client.metrics().get_all_metrics().await;
    let ops = snap.family("mantra_protocol_operations_total").unwrap();
    let count = |op: &str, status: &str| {
        ops.series_with(&[("protocol", "rpc"), ("operation", op), ("status", status)])
            .and_then(|s| s.value)
            .unwrap_or(0.0)
    };
    assert_eq!(count("status", "success"), 2.0);
    assert_eq!(count("abci_info", "success"), 1.0);
    assert_eq!(count("abci_query", "success"), 1.0);
    assert_eq!(count("no_such_method", "error"), 1.0);
    let lat = snap
        .family("mantra_protocol_operation_duration_seconds")
        .unwrap();
    let status_lat = lat
        .series_with(&[("operation", "status")])
        .and_then(|s| s.histogram.as_ref())
        .unwrap();
    assert_eq!(status_lat.count, 2);
    let http = snap.family("mantra_client_http_requests_total").unwrap();
    let sent: f64 = http.series.iter().filter_map(|s| s.value).sum();
    assert_eq!(sent as u64, client.stats().http.http_requests);
    assert!(sent >= 1.0);
    let text = client.prometheus();
    assert!(
        text.contains("mantra_client_pool_healthy_endpoints 2"),
        "{text}"
    );
    client.close();
}

/// Restarts a node when dropped, so a failing assertion never leaves the devnet broken.
struct RestartNode(&'static str);

impl Drop for RestartNode {
    fn drop(&mut self) {
        let _ = Command::new("bash")
            .arg(&devnet().script)
            .args(["start-node", self.0])
            .output();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_the_preferred_node_under_load_fails_over_and_health_follows() {
    let _nodes = nodes().write().await;
    let d = devnet();
    let mut c = config(&[&d.rpc1, &d.rpc2], Arc::new(HttpTransport::new()));
    c.cache = None;
    c.request_timeout = Duration::from_secs(15);
    c.health.check_timeout = Duration::from_secs(2);
    let client = MantraClient::new(c).await.unwrap();
    // Blocks that exist on both nodes (a fresh chain may be shorter than 20 blocks; a
    // height beyond the tip is a definite `rpc` answer, not a fault).
    let tip = client.status().await.unwrap().sync_info.latest_block_height;
    // one below the tip: the other node may be a block behind
    let blocks = tip.saturating_sub(1).clamp(1, 20);
    // 20 calls before the fault: that status and 19 more
    for _ in 0..19 {
        client.abci_info().await.unwrap();
    }
    // The node the client prefers (rank 0) is the one we kill.
    let pool = client.pool_stats();
    let (dead, alive) = if pool.endpoints[0].rank == 0 {
        (0, 1)
    } else {
        (1, 0)
    };
    let node = ["1", "2"][dead];
    let dead_url = [&d.rpc1, &d.rpc2][dead].clone();
    assert!(
        pool.endpoints[dead].total_requests > 0,
        "the preferred node carries the traffic before the fault: {pool:?}"
    );
    let alive_before = pool.endpoints[alive].total_requests;
    let report = client.run_health_checks().await.unwrap();
    let dead_check = format!("endpoint:{dead_url}");
    assert_eq!(report.components[&dead_check].status, HealthStatus::Healthy);

    // 300 calls over ~3 s; the preferred node is stopped after ~1 s.
    const CALLS: usize = 300;
    let run = nonce();
    let mut tasks = Vec::with_capacity(CALLS);
    for i in 0..CALLS {
        let client = client.clone();
        let key = format!("{run}-{i}");
        tasks.push(tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(10 * i as u64)).await;
            let call = async {
                match i % 3 {
                    0 => client
                        .abci_query("", key.as_bytes(), None)
                        .await
                        .map(|_| ()),
                    1 => client.abci_info().await.map(|_| ()),
                    _ => client.block(Some(i as u64 % blocks + 1)).await.map(|_| ()),
                }
            };
            // Generous: a call still pending after this has hung.
            tokio::time::timeout(Duration::from_secs(60), call).await
        }));
    }
    let _restart = RestartNode(node);
    tokio::time::sleep(Duration::from_secs(1)).await;
    tokio::task::spawn_blocking(move || devnet_cmd(&["stop-node", node]))
        .await
        .unwrap();
    let mut ok = 0;
    let mut errors: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut first_message: BTreeMap<&'static str, String> = BTreeMap::new();
    for t in tasks {
        match t.await.unwrap() {
            Err(_) => panic!("a call did not end within 60 s"),
            Ok(Ok(())) => ok += 1,
            Ok(Err(e)) => {
                *errors.entry(e.code()).or_default() += 1;
                first_message
                    .entry(e.code())
                    .or_insert_with(|| e.to_string());
            }
        }
    }
    assert_eq!(
        ok + errors.values().sum::<usize>(),
        CALLS,
        "every call ended exactly once"
    );
    for code in errors.keys() {
        assert!(
            ["transport", "timeout", "circuit_open"].contains(code),
            "untyped failure {code}: {errors:?}, first messages {first_message:?}"
        );
    }
    assert!(
        ok > CALLS / 2,
        "most calls succeed through the fault: {ok} ok, {errors:?}"
    );
    let stats = client.stats();
    assert_eq!(stats.calls, 20 + CALLS as u64);
    assert_eq!(stats.in_flight, 0);
    eprintln!("fault: {ok} ok, errors {errors:?}, pool {:?}", stats.pool);

    // Later calls succeed via the other node.
    for i in 0..20 {
        client
            .abci_query("", format!("{run}-after-{i}").as_bytes(), None)
            .await
            .unwrap();
    }
    let pool = client.pool_stats();
    assert!(
        pool.endpoints[alive].total_requests > alive_before,
        "the other node took over"
    );

    // Health: the dead endpoint goes unhealthy after failure_threshold (3) failing rounds.
    let mut status = HealthStatus::Unknown;
    for _ in 0..5 {
        client.run_health_checks().await.unwrap();
        status = client.endpoint_health(&dead_url).unwrap().status;
        if status == HealthStatus::Unhealthy {
            break;
        }
    }
    assert_eq!(status, HealthStatus::Unhealthy);
    assert_eq!(
        client.stats().endpoints[dead].health,
        HealthStatus::Unhealthy
    );
    assert_ne!(
        client.stats().health,
        HealthStatus::Unhealthy,
        "the other node keeps the system up"
    );
    // The health transition triggered a pool ranking round: the pool saw the node fail too
    // (live requests that hit it after the kill, if any, or that round's pings).
    let mut seen = false;
    for _ in 0..50 {
        let e = &client.pool_stats().endpoints[dead];
        if e.total_failures + e.health_check_failures >= 1 {
            seen = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        seen,
        "the pool never saw the dead node fail: {:?}",
        client.pool_stats()
    );

    // Restart it; health checks bring it back (recovery_threshold successes).
    tokio::task::spawn_blocking(move || devnet_cmd(&["start-node", node]))
        .await
        .unwrap();
    let mut healthy = false;
    for _ in 0..60 {
        client.run_health_checks().await.unwrap();
        if client.endpoint_health(&dead_url).unwrap().status == HealthStatus::Healthy {
            healthy = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    assert!(healthy, "{:?}", client.endpoint_health(&dead_url));
    client.status().await.unwrap();
    client.close();
}
