//! Unit tests of the client in virtual time, against an in-memory JSON-RPC node that
//! answers with real CometBFT replies (`tests/fixtures/rpc`). The same behaviours run
//! against real nodes in `tests/client_devnet.rs`.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;
use serde_json::{json, Value};

use super::*;
use crate::runtime::{BoxFuture, ManualClock, SharedClock};
use crate::transport::{HttpMethod, HttpRequest, HttpResponse, Transport};
use crate::{BatchOptions, CacheType, Error, HealthStatus, Result};

macro_rules! fixture_result {
    ($name:literal) => {{
        let v: Value = serde_json::from_slice(include_bytes!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/rpc/",
            $name
        )))
        .unwrap();
        v["result"].clone()
    }};
}

/// How the fake node treats POSTs that are not pool health pings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Answer,
    Hang,
    Refuse,
}

/// An in-memory CometBFT RPC node. Records every POST body except the pool's health pings.
#[derive(Debug)]
struct FakeNode {
    posts: Mutex<Vec<Value>>,
    mode: Mutex<Mode>,
    /// Limit of a batch, like the node's `max_request_batch_size`.
    max_batch: usize,
    gets: AtomicUsize,
    down: AtomicBool,
}

impl FakeNode {
    fn new() -> Arc<Self> {
        Arc::new(Self {
            posts: Mutex::new(Vec::new()),
            mode: Mutex::new(Mode::Answer),
            max_batch: 10,
            gets: AtomicUsize::new(0),
            down: AtomicBool::new(false),
        })
    }

    fn set_mode(&self, mode: Mode) {
        *self.mode.lock() = mode;
    }

    /// Bodies posted so far (batches as arrays).
    fn posts(&self) -> Vec<Value> {
        self.posts.lock().clone()
    }

    /// JSON-RPC requests (methods) carried by the posts so far.
    fn methods(&self) -> Vec<String> {
        self.posts()
            .iter()
            .flat_map(|b| match b {
                Value::Array(items) => items.clone(),
                one => vec![one.clone()],
            })
            .map(|r| r["method"].as_str().unwrap_or("").to_string())
            .collect()
    }

    fn result_for(method: &str, params: &Value) -> std::result::Result<Value, Value> {
        Ok(match method {
            "health" => json!({}),
            "status" => fixture_result!("status.200.json"),
            "abci_info" => fixture_result!("abci_info.200.json"),
            "block" => fixture_result!("block.200.json"),
            "tx" => fixture_result!("tx.200.json"),
            "broadcast_tx_sync" | "broadcast_tx_async" => {
                fixture_result!("broadcast_tx_sync.200.json")
            }
            "broadcast_tx_commit" => fixture_result!("broadcast_tx_commit.200.json"),
            "abci_query" => {
                let data = params["data"].as_str().unwrap_or("");
                let code = if data == "ee" { 1 } else { 0 };
                json!({"response": {"code": code, "log": "exists", "key": "", "value": crate::rpc::base64_encode(data.as_bytes()), "height": "7"}})
            }
            "fail" => {
                return Err(json!({"code": -32603, "message": "Internal error", "data": "boom"}))
            }
            other => json!({"method": other, "params": params}),
        })
    }

    fn answer(&self, body: &Value) -> Value {
        let one =
            |r: &Value| match Self::result_for(r["method"].as_str().unwrap_or(""), &r["params"]) {
                Ok(result) => json!({"jsonrpc": "2.0", "id": r["id"], "result": result}),
                Err(error) => json!({"jsonrpc": "2.0", "id": r["id"], "error": error}),
            };
        match body {
            Value::Array(items) if items.len() > self.max_batch => json!({
                "jsonrpc": "2.0", "id": null,
                "error": {"code": -32600, "message": "Invalid Request",
                          "data": format!("batch request exceeds maximum ({}) allowed number of requests", self.max_batch)}
            }),
            Value::Array(items) if items.len() == 1 => one(&items[0]),
            Value::Array(items) => Value::Array(items.iter().map(one).collect()),
            single => one(single),
        }
    }
}

fn is_ping(body: &Value) -> bool {
    body.get("method").and_then(Value::as_str) == Some("health")
        && body.get("params") == Some(&json!({}))
        && !body.is_array()
}

impl Transport for FakeNode {
    fn send(&self, request: HttpRequest) -> BoxFuture<'static, Result<HttpResponse>> {
        let ok = |v: Value| {
            Ok(HttpResponse {
                status: 200,
                body: v.to_string().into_bytes(),
                retry_after: None,
            })
        };
        if self.down.load(Ordering::SeqCst) {
            return Box::pin(async { Err(Error::transport("connection refused")) });
        }
        if request.method == HttpMethod::Get {
            self.gets.fetch_add(1, Ordering::SeqCst);
            let reply = if request.url.ends_with("/status") {
                json!({"jsonrpc": "2.0", "id": -1, "result": fixture_result!("status.200.json")})
            } else {
                json!({"jsonrpc": "2.0", "id": -1, "result": {}})
            };
            return Box::pin(async move { ok(reply) });
        }
        let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
        if is_ping(&body) {
            let reply = self.answer(&body);
            return Box::pin(async move { ok(reply) });
        }
        self.posts.lock().push(body.clone());
        match *self.mode.lock() {
            Mode::Hang => Box::pin(futures::future::pending()),
            Mode::Refuse => Box::pin(async { Err(Error::transport("connection refused")) }),
            Mode::Answer => {
                let reply = self.answer(&body);
                Box::pin(async move { ok(reply) })
            }
        }
    }
}

const URL: &str = "http://node.test:26657";

fn config(node: &Arc<FakeNode>) -> ClientConfig {
    let mut c = ClientConfig::new([URL]);
    c.transport = Some(node.clone());
    c
}

async fn client_with(config: ClientConfig) -> (MantraClient, ManualClock) {
    let clock = ManualClock::new();
    let shared: SharedClock = Arc::new(clock.clone());
    let client = MantraClient::with_clock(config, shared).await.unwrap();
    (client, clock)
}

/// Runs `futs` concurrently while virtual time advances past the batch delay.
async fn concurrently<T>(
    clock: &ManualClock,
    futs: Vec<impl std::future::Future<Output = T>>,
) -> Vec<T> {
    let all = futures::future::join_all(futs);
    let tick = async {
        for _ in 0..5 {
            clock.advance(Duration::from_millis(10)).await;
        }
    };
    futures::future::join(all, tick).await.0
}

#[tokio::test(flavor = "current_thread")]
async fn cached_calls_avoid_the_network_until_their_ttl_passes() {
    let node = FakeNode::new();
    let (client, clock) = client_with(config(&node)).await;
    let (a, _) =
        futures::future::join(client.status(), clock.advance(Duration::from_millis(10))).await;
    let a = a.unwrap();
    assert_eq!(node.methods(), ["status"]);
    // Within the 1 s NodeStatus TTL: from the cache, no request.
    let b = client.status().await.unwrap();
    assert_eq!(a, b);
    assert_eq!(node.methods(), ["status"]);
    let stats = client.stats();
    assert_eq!((stats.cache_hits, stats.cache_misses), (1, 1));
    assert_eq!(stats.cache.unwrap().entries, 1);
    // After the TTL: fetched again.
    clock.advance(Duration::from_secs(1)).await;
    let (c, _) =
        futures::future::join(client.status(), clock.advance(Duration::from_millis(10))).await;
    c.unwrap();
    assert_eq!(node.methods(), ["status", "status"]);
    // A fixed-height block stays for an hour.
    let fetch = || async {
        futures::future::join(
            client.block(Some(1)),
            clock.advance(Duration::from_millis(10)),
        )
        .await
        .0
    };
    fetch().await.unwrap();
    clock.advance(Duration::from_secs(1800)).await;
    fetch().await.unwrap();
    assert_eq!(node.methods().iter().filter(|m| *m == "block").count(), 1);
    let block = client
        .cache()
        .unwrap()
        .engine()
        .peek(CacheType::Block, r#"block {"height":"1"}"#);
    assert!(block.is_some());
    client.close();
}

#[tokio::test(flavor = "current_thread")]
async fn concurrent_distinct_calls_share_one_batch_and_identical_ones_one_item() {
    let node = FakeNode::new();
    let (client, clock) = client_with(config(&node)).await;
    let calls: Vec<_> = (0..10)
        .map(|i| client.call("net_info", json!({ "i": i })))
        .collect();
    let out = concurrently(&clock, calls).await;
    for (i, r) in out.iter().enumerate() {
        assert_eq!(r.as_ref().unwrap()["params"]["i"], json!(i));
    }
    assert_eq!(node.posts().len(), 1, "one HTTP request");
    assert_eq!(node.posts()[0].as_array().unwrap().len(), 10);

    // Ten identical calls: one item on the wire, nine served by the flight.
    let same: Vec<_> = (0..10)
        .map(|_| client.call("net_info", json!({"same": true})))
        .collect();
    let out = concurrently(&clock, same).await;
    assert!(out
        .iter()
        .all(|r| r.as_ref().unwrap()["params"]["same"] == json!(true)));
    assert_eq!(node.posts().len(), 2);
    assert_eq!(
        node.posts()[1]["method"],
        "net_info",
        "a single request, not an array"
    );
    let stats = client.stats();
    assert_eq!(stats.shared_calls, 9);
    assert_eq!(stats.http.http_requests, 2);
    assert_eq!(stats.http.max_batch_size, 10);
    assert_eq!(stats.http.rpc_requests, 11);
    assert_eq!(stats.succeeded, 20);
    client.close();
}

#[tokio::test(flavor = "current_thread")]
async fn an_over_limit_batch_is_split_after_the_node_names_its_limit() {
    let node = FakeNode::new();
    let mut c = config(&node);
    c.batch.as_mut().unwrap().max_batch_size = 25;
    let (client, clock) = client_with(c).await;
    let calls: Vec<_> = (0..25)
        .map(|i| client.call("net_info", json!({ "i": i })))
        .collect();
    let out = concurrently(&clock, calls).await;
    assert!(out.iter().all(Result::is_ok), "{out:?}");
    let sizes: Vec<usize> = node
        .posts()
        .iter()
        .map(|b| b.as_array().map_or(1, Vec::len))
        .collect();
    assert_eq!(sizes[0], 25, "first try: the whole batch");
    let mut rest = sizes[1..].to_vec();
    rest.sort_unstable();
    assert_eq!(rest, [5, 10, 10], "then split at the learned limit");
    let stats = client.stats();
    assert_eq!(stats.batch.as_ref().unwrap().effective_max_batch_size, 10);
    assert_eq!(stats.batch.as_ref().unwrap().batch_limit_splits, 1);
    assert_eq!(stats.http.http_failures, 1);
    client.close();
}

#[tokio::test(flavor = "current_thread")]
async fn writes_are_sent_alone_and_never_cached() {
    let node = FakeNode::new();
    let (client, clock) = client_with(config(&node)).await;
    let txs: Vec<_> = (0..3).map(|_| client.broadcast_tx_sync(b"k=v")).collect();
    let out = concurrently(&clock, txs).await;
    assert!(out.iter().all(Result::is_ok), "{out:?}");
    assert_eq!(
        node.posts().len(),
        3,
        "identical writes are neither shared nor batched"
    );
    assert!(node.posts().iter().all(|b| b.is_object()));
    assert_eq!(client.cache().unwrap().len(), 0);
    let commit = client.broadcast_tx_commit(b"k=v").await.unwrap();
    assert_eq!(commit.tx_result.code, 0);
    assert_eq!(node.posts().len(), 4);
    client.close();
}

#[tokio::test(flavor = "current_thread")]
async fn errors_and_failed_abci_answers_are_not_cached() {
    let node = FakeNode::new();
    let mut c = config(&node);
    c.batch = None;
    c.cache_policy
        .method_ttls
        .insert("fail".into(), Duration::from_secs(60));
    let (client, _clock) = client_with(c).await;
    for _ in 0..2 {
        let e = client.call("fail", json!({})).await.unwrap_err();
        assert!(matches!(e, Error::Rpc { code: -32603, .. }), "{e:?}");
    }
    for _ in 0..2 {
        let r = client.abci_query("", &[0xee], None).await.unwrap();
        assert_eq!(r.code, 1);
    }
    let ok = client.abci_query("", b"key", None).await.unwrap();
    assert_eq!(ok.value, b"6b6579", "the fake echoes the hex data");
    client.abci_query("", b"key", None).await.unwrap();
    assert_eq!(
        node.methods(),
        ["fail", "fail", "abci_query", "abci_query", "abci_query"]
    );
    let stats = client.stats();
    assert_eq!(stats.errors_by_code.get("rpc"), Some(&2));
    client.close();
}

#[tokio::test(flavor = "current_thread")]
async fn every_call_is_recorded_in_the_metrics() {
    let node = FakeNode::new();
    let mut c = config(&node);
    c.batch = None;
    let (client, _clock) = client_with(c).await;
    client.status().await.unwrap();
    client.status().await.unwrap();
    client.abci_info().await.unwrap();
    let _ = client.call("fail", json!({})).await;
    let snap = client.metrics().get_all_metrics().await;
    let ops = snap.family("mantra_protocol_operations_total").unwrap();
    let count = |op: &str, status: &str| {
        ops.series_with(&[("protocol", "rpc"), ("operation", op), ("status", status)])
            .and_then(|s| s.value)
    };
    assert_eq!(count("status", "success"), Some(2.0));
    assert_eq!(count("abci_info", "success"), Some(1.0));
    assert_eq!(count("fail", "error"), Some(1.0));
    let errors = snap.family("mantra_protocol_errors_total").unwrap();
    assert!(errors
        .series_with(&[("operation", "fail"), ("error", "rpc")])
        .is_some());
    let lookups = snap.family("mantra_client_cache_lookups_total").unwrap();
    let lookup = |r: &str| {
        lookups
            .series_with(&[("cache_type", "node_status"), ("result", r)])
            .and_then(|s| s.value)
    };
    assert_eq!((lookup("hit"), lookup("miss")), (Some(1.0), Some(2.0)));
    let http = snap.family("mantra_client_http_requests_total").unwrap();
    assert_eq!(
        http.series_with(&[("endpoint", "http://node.test:26657"), ("outcome", "ok")])
            .and_then(|s| s.value),
        Some(3.0)
    );
    let stats = client.stats();
    assert_eq!(stats.calls, 4);
    assert!(stats.latency_p50_ms.is_some());
    let text = client.prometheus();
    assert!(
        text.contains("mantra_client_pool_healthy_endpoints 1"),
        "{text}"
    );
    assert!(text.contains("mantra_resource_cache_entries 2"), "{text}");
    client.close();
}

#[tokio::test(flavor = "current_thread")]
async fn a_hung_node_times_the_call_out_and_close_ends_pending_calls() {
    let node = FakeNode::new();
    let mut c = config(&node);
    c.request_timeout = Duration::from_secs(5);
    let (client, clock) = client_with(c).await;
    node.set_mode(Mode::Hang);
    let (r, _) = futures::future::join(
        client.call("net_info", json!({})),
        clock.advance(Duration::from_secs(6)),
    )
    .await;
    assert!(matches!(r, Err(Error::Timeout { .. })), "{r:?}");

    // Pending calls (in flight, waiting in the batch queue) end with Closed on close().
    let pending: Vec<_> = (0..3)
        .map(|i| client.call("net_info", json!({ "i": i })))
        .collect();
    let closer = async {
        clock.advance(Duration::from_millis(50)).await;
        client.close();
    };
    let (out, ()) = futures::future::join(futures::future::join_all(pending), closer).await;
    for r in out {
        assert_eq!(r.unwrap_err().code(), "closed");
    }
    assert_eq!(client.status().await.unwrap_err().code(), "closed");
    let stats = client.stats();
    assert!(stats.closed);
    assert_eq!(stats.errors_by_code.get("closed"), Some(&4));
    assert_eq!(stats.errors_by_code.get("timeout"), Some(&1));
    assert_eq!(stats.in_flight, 0);
    // The three were in flight (hung): their operations end as closed, not as cancelled.
    // (Here, on one thread, the woken calls run after close() returns; on a multi-threaded
    // runtime they may run at once, which is why close() closes the batch manager first.)
    let b = client.batch_manager().unwrap().stats();
    assert_eq!((b.cancelled, b.closed, b.timeouts), (0, 3, 1), "{b:?}");
    assert!(client.pool().is_closed());
    assert!(client.batch_manager().unwrap().is_closed());
    assert!(!client.metrics().is_running());
    // A closed client's health loop stays stopped: start() through its accessor does nothing.
    client.health().start();
    assert!(!client.health().is_running());
}

#[tokio::test(flavor = "current_thread")]
async fn a_dropped_call_is_counted_as_cancelled() {
    let node = FakeNode::new();
    let (client, clock) = client_with(config(&node)).await;
    node.set_mode(Mode::Hang);
    // Polled (so it starts), then dropped by the caller's own deadline.
    let call = client.call("net_info", json!({"x": 1}));
    let (r, ()) = futures::future::join(
        crate::runtime::timeout(&clock, Duration::from_millis(100), call),
        clock.advance(Duration::from_millis(200)),
    )
    .await;
    assert!(r.is_err());
    let stats = client.stats();
    assert_eq!(stats.cancelled, 1);
    assert_eq!(stats.in_flight, 0);
    // Its batch was in flight (hung): the operation ends as cancelled, not as a later
    // timeout or success.
    let batch = stats.batch.unwrap();
    assert_eq!((batch.cancelled, batch.timeouts), (1, 0), "{batch:?}");
    client.close();
}

/// Call options with only a timeout of `d`.
fn timeout_of(d: Duration) -> CallOptions {
    CallOptions {
        timeout: Some(d),
        ..CallOptions::default()
    }
}

/// A client (5 s call timeout) that sends one batch at a time, on a fake node that hangs.
async fn one_batch_at_a_time_on_a_hung_node() -> (Arc<FakeNode>, MantraClient, ManualClock) {
    let node = FakeNode::new();
    let mut c = config(&node);
    c.request_timeout = Duration::from_secs(5);
    c.batch = Some(crate::BatchConfig {
        max_concurrent_batches: 1,
        ..crate::BatchConfig::default()
    });
    let (client, clock) = client_with(c).await;
    node.set_mode(Mode::Hang);
    (node, client, clock)
}

#[tokio::test(flavor = "current_thread")]
async fn a_batch_whose_callers_all_left_frees_its_slot() {
    // One batch in flight at a time; its only call hangs (5 s deadline) and the caller gives
    // up at 100 ms. The slot must free then, not at the call's 5 s deadline: a call made
    // afterwards (1 s timeout) is sent at once and answered.
    let (node, client, clock) = one_batch_at_a_time_on_a_hung_node().await;
    let left = crate::runtime::timeout(
        &clock,
        Duration::from_millis(100),
        client.call("net_info", json!({ "left": 1 })),
    );
    let (r, ()) = futures::future::join(left, clock.advance(Duration::from_millis(200))).await;
    assert!(r.is_err(), "the caller gave up");
    let b = client.batch_manager().unwrap().stats();
    assert_eq!((b.cancelled, b.in_flight, b.batches), (1, 0, 1), "{b:?}");
    node.set_mode(Mode::Answer);
    let short = timeout_of(Duration::from_secs(1));
    let next = client.call_with_options("net_info", json!({ "next": 1 }), &short);
    let (r, ()) = futures::future::join(next, clock.advance(Duration::from_millis(500))).await;
    assert!(r.is_ok(), "{r:?}");
    let b = client.batch_manager().unwrap().stats();
    assert_eq!((b.cancelled, b.timeouts, b.batches), (1, 0, 2), "{b:?}");
    client.close();
}

#[tokio::test(flavor = "current_thread")]
async fn a_call_cancelled_in_the_batch_queue_leaves_it_unsent() {
    // One batch in flight at a time, held by a hung call until its own 300 ms deadline:
    // three later calls wait in the batch queue, and their callers give up (a cancelled
    // Python task or Kotlin coroutine) at 150 ms, well before the calls' own 5 s deadline.
    // Their operations must leave the queue, so nothing follows once the slot frees.
    let (node, client, clock) = one_batch_at_a_time_on_a_hung_node().await;
    let short = timeout_of(Duration::from_millis(300));
    let holder = client.call_with_options("net_info", json!({ "hold": 1 }), &short);
    let rest = async {
        clock.advance(Duration::from_millis(50)).await; // the holder's batch is sent, and hangs
        let calls = futures::future::join_all((0..3).map(|i| {
            let call = client.call("net_info", json!({ "queued": i }));
            crate::runtime::timeout(&clock, Duration::from_millis(100), call)
        }));
        let (out, ()) =
            futures::future::join(calls, clock.advance(Duration::from_millis(200))).await;
        let stats = client.batch_manager().unwrap().stats();
        assert_eq!(
            (
                stats.pending,
                stats.cancelled,
                stats.timeouts,
                stats.in_flight
            ),
            (0, 3, 0, 1),
            "{stats:?}"
        );
        // Past the holder's deadline its batch ends and frees the slot; the node answers.
        node.set_mode(Mode::Answer);
        clock.advance(Duration::from_secs(1)).await;
        out
    };
    let (held, out) = futures::future::join(holder, rest).await;
    assert_eq!(held.unwrap_err().code(), "timeout");
    assert!(out.iter().all(Result::is_err), "the callers gave up");
    assert_eq!(client.stats().cancelled, 3);
    let stats = client.batch_manager().unwrap().stats();
    assert_eq!(
        (stats.in_flight, stats.pending, stats.batches),
        (0, 0, 1),
        "{stats:?}"
    );
    // The slot is free and the node answers: a new call goes out alone.
    let (r, ()) = futures::future::join(
        client.call("net_info", json!({ "after": 1 })),
        clock.advance(Duration::from_millis(50)),
    )
    .await;
    r.unwrap();
    let sent = serde_json::to_string(&node.posts()).unwrap();
    assert!(
        !sent.contains("queued"),
        "a cancelled call was sent: {sent}"
    );
    assert!(sent.contains("after"), "{sent}");
    client.close();
}

#[tokio::test(flavor = "current_thread")]
async fn a_refusing_endpoint_fails_over_to_the_other() {
    let bad = FakeNode::new();
    let good = FakeNode::new();
    /// Routes by host to one of two fake nodes.
    #[derive(Debug)]
    struct Two(Arc<FakeNode>, Arc<FakeNode>);
    impl Transport for Two {
        fn send(&self, r: HttpRequest) -> BoxFuture<'static, Result<HttpResponse>> {
            if r.url.contains("bad.test") {
                self.0.send(r)
            } else {
                self.1.send(r)
            }
        }
    }
    let mut c = ClientConfig::new(["http://bad.test:1", "http://good.test:2"]);
    c.transport = Some(Arc::new(Two(bad.clone(), good.clone())));
    c.batch = None;
    c.cache = None;
    let (client, _clock) = client_with(c).await;
    bad.set_mode(Mode::Refuse);
    for i in 0..20 {
        client.call("net_info", json!({ "i": i })).await.unwrap();
    }
    let stats = client.stats();
    assert_eq!(stats.failed, 0);
    assert!(stats.pool.failovers >= 1, "{:?}", stats.pool);
    assert_eq!(good.posts().len(), 20);
    // The breaker on the refusing endpoint opened after a few failures.
    assert!(
        bad.posts().len() <= 5,
        "{} requests to the dead node",
        bad.posts().len()
    );

    // Health sees it too: failure_threshold (3) rounds make it unhealthy.
    bad.down.store(true, Ordering::SeqCst);
    for _ in 0..3 {
        client.run_health_checks().await.unwrap();
    }
    let ep = client.endpoint_health("http://bad.test:1").unwrap();
    assert_eq!(ep.status, HealthStatus::Unhealthy);
    assert_eq!(
        client.endpoint_health("http://good.test:2").unwrap().status,
        HealthStatus::Healthy
    );
    let stats = client.stats();
    assert_eq!(stats.endpoints[0].health, HealthStatus::Unhealthy);
    // One of two endpoints usable: the pool check is degraded, the system is not down.
    assert_eq!(stats.health, HealthStatus::Degraded);
    client.close();
}

#[tokio::test(flavor = "current_thread")]
async fn connect_is_ready_when_one_endpoint_answers_and_the_silent_one_warms_up_behind() {
    /// Pings to `silent.test` are never answered; the rest goes to the fake node.
    #[derive(Debug)]
    struct Silent(Arc<FakeNode>);
    impl Transport for Silent {
        fn send(&self, r: HttpRequest) -> BoxFuture<'static, Result<HttpResponse>> {
            if r.url.contains("silent.test") {
                Box::pin(futures::future::pending())
            } else {
                self.0.send(r)
            }
        }
    }
    let node = FakeNode::new();
    let mut c = ClientConfig::new(["http://silent.test:1", URL]);
    c.transport = Some(Arc::new(Silent(node.clone())));
    let clock = ManualClock::new();
    // Virtual time moves only the warm-up's grace (100 ms): before, `connect` waited for
    // the silent endpoint's 30 s ping timeout, so it could never finish here.
    let (client, ()) = tokio::time::timeout(
        Duration::from_secs(5),
        futures::future::join(
            MantraClient::with_clock(c.clone(), Arc::new(clock.clone())),
            clock.advance(Duration::from_millis(100)),
        ),
    )
    .await
    .expect("connect waited for the silent endpoint");
    let client = client.unwrap();
    assert_eq!(client.pool_stats().healthy_endpoints, 1);
    let (status, _) =
        futures::future::join(client.status(), clock.advance(Duration::from_millis(10))).await;
    assert_eq!(status.unwrap().sync_info.latest_block_height, 1138);
    // The silent endpoint's warm-up ends at its ping timeout, in the background.
    clock.advance(Duration::from_secs(30)).await;
    let silent = &client.pool_stats().endpoints[0];
    assert!(silent.last_error.is_some(), "{silent:?}");
    client.close();

    // `close` stops a warm-up still running: its ping (and the ping's timer) end with it.
    let clock = ManualClock::new();
    let (client, ()) = futures::future::join(
        MantraClient::with_clock(c, Arc::new(clock.clone())),
        clock.advance(Duration::from_millis(100)),
    )
    .await;
    let client = client.unwrap();
    let before = clock.pending_sleeps();
    client.close();
    ManualClock::settle().await;
    assert!(
        clock.pending_sleeps() < before,
        "{} sleeps left of {before}",
        clock.pending_sleeps()
    );
    assert_eq!(clock.pending_sleeps(), 0);

    // Only silent endpoints: `connect` fails after `request_timeout` (which bounds a
    // ping), not after the pool's 30 s `connection_timeout`.
    let mut c = ClientConfig::new(["http://silent.test:1"]);
    c.transport = Some(Arc::new(Silent(node)));
    c.request_timeout = Duration::from_secs(2);
    let clock = ManualClock::new();
    let connect = MantraClient::with_clock(c, Arc::new(clock.clone()));
    let (r, ()) = tokio::time::timeout(
        Duration::from_secs(5),
        futures::future::join(connect, clock.advance(Duration::from_secs(2))),
    )
    .await
    .expect("connect waited past request_timeout");
    let e = r.expect_err("connect failed");
    assert_eq!(e.code(), "transport", "{e}");
    assert!(e.to_string().contains("timed out after 2s"), "{e}");
}

#[tokio::test(flavor = "current_thread")]
async fn connect_fails_when_no_endpoint_answers() {
    let node = FakeNode::new();
    node.down.store(true, Ordering::SeqCst);
    let clock: SharedClock = Arc::new(ManualClock::new());
    let e = MantraClient::with_clock(config(&node), clock.clone())
        .await
        .unwrap_err();
    assert_eq!(e.code(), "transport");
    assert!(e.to_string().contains("http://node.test:26657"), "{e}");
    let mut bad = config(&node);
    bad.endpoints = vec!["node.test:26657".into()];
    let e = MantraClient::with_clock(bad, clock).await.unwrap_err();
    assert!(
        matches!(
            e,
            Error::InvalidConfig {
                field: "endpoints",
                ..
            }
        ),
        "{e:?}"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn health_checks_cover_endpoints_pool_cache_and_batch() {
    let node = FakeNode::new();
    let (client, _clock) = client_with(config(&node)).await;
    let names = client.health().check_names();
    for n in [
        "batch_backlog",
        "cache_pressure",
        "endpoint:http://node.test:26657",
        "node_sync:http://node.test:26657",
        "pool",
    ] {
        assert!(names.iter().any(|x| x == n), "{n} not in {names:?}");
    }
    let report = client.run_health_checks().await.unwrap();
    assert_eq!(
        report.components["endpoint:http://node.test:26657"].status,
        HealthStatus::Healthy
    );
    assert_eq!(report.components["pool"].status, HealthStatus::Healthy);
    assert_eq!(
        node.gets.load(Ordering::SeqCst),
        2,
        "GET /health and GET /status"
    );
    let text = client.prometheus();
    assert!(
        text.contains(r#"mantra_client_health_status{component="pool",status="healthy"} 1"#),
        "{text}"
    );
    client.close();
    // Closed: the client's round is refused like its calls; by hand, the pool check fails.
    assert_eq!(
        client.run_health_checks().await.unwrap_err().code(),
        "closed"
    );
    let pool = client.health().run_check("pool").await.unwrap();
    assert_ne!(pool.status, HealthStatus::Healthy, "{pool:?}");
    assert!(
        pool.last_error.as_deref().unwrap_or("").contains("closed"),
        "{pool:?}"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn typed_methods_decode_real_replies() {
    let node = FakeNode::new();
    let mut c = config(&node);
    c.batch = None;
    let (client, _clock) = client_with(c).await;
    assert_eq!(
        client.status().await.unwrap().sync_info.latest_block_height,
        1138
    );
    client.health_check().await.unwrap();
    assert!(client.abci_info().await.unwrap().last_block_height > 0);
    assert!(client.block(None).await.unwrap().block.header.height > 0);
    let tx = client.tx_hex("0xABCD").await.unwrap();
    assert!(tx.height > 0);
    assert!(client.broadcast_tx_async(b"a=b").await.is_ok());
    let sent = node.posts();
    let tx_req = sent.iter().find(|b| b["method"] == "tx").unwrap();
    assert_eq!(
        tx_req["params"]["hash"], "q80=",
        "hex hash sent as base64 bytes"
    );
    // Smart queries decode the contract reply; the fake's echo is no protobuf reply.
    let e = client
        .smart_query("mantra1c", &json!({"config": {}}))
        .await
        .unwrap_err();
    assert_eq!(e.code(), "decode");
    let e = client
        .dex_pools("mantra1pm", "o.uom.uusdc")
        .await
        .unwrap_err();
    assert_eq!(e.code(), "decode");
    assert!(client.call("", json!({})).await.is_err());
    // Height 0 is no block: refused before anything is sent (the node would answer it
    // with an internal error).
    let before = node.posts().len();
    let e = client.block(Some(0)).await.unwrap_err();
    assert_eq!(e.code(), "invalid_argument", "{e}");
    assert_eq!(node.posts().len(), before);
    client.close();
}

#[tokio::test(flavor = "current_thread")]
async fn the_smallest_body_limit_still_carries_a_call() {
    let node = FakeNode::new();
    let mut c = config(&node);
    c.max_body_bytes = super::config::MIN_BODY_BYTES - 1;
    assert!(
        MantraClient::with_clock(c.clone(), Arc::new(ManualClock::new()))
            .await
            .is_err()
    );
    c.max_body_bytes = super::config::MIN_BODY_BYTES;
    let (client, clock) = client_with(c).await;
    let (status, _) =
        futures::future::join(client.status(), clock.advance(Duration::from_millis(10))).await;
    assert_eq!(status.unwrap().sync_info.latest_block_height, 1138);
    client.close();
}

#[test]
fn client_futures_are_send_and_the_client_is_shareable() {
    fn send<T: Send>(_: &T) {}
    fn share<T: Send + Sync + Clone + 'static>() {}
    share::<MantraClient>();
    let node = FakeNode::new();
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let client = rt.block_on(async {
        let clock: SharedClock = Arc::new(ManualClock::new());
        MantraClient::with_clock(config(&node), clock)
            .await
            .unwrap()
    });
    send(&client.status());
    send(&client.call("m", json!({})));
    send(&client.abci_query("", b"", None));
    send(&client.smart_query("c", &json!({})));
    send(&client.broadcast_tx_commit(b""));
    client.close();
}

#[tokio::test(flavor = "current_thread")]
async fn monitoring_over_the_client_serves_its_metrics() {
    let node = FakeNode::new();
    let (client, clock) = client_with(config(&node)).await;
    let (r, _) =
        futures::future::join(client.status(), clock.advance(Duration::from_millis(10))).await;
    r.unwrap();
    let monitoring = client
        .monitoring(crate::MonitoringConfig::default())
        .unwrap();
    monitoring.collect_now();
    let text = monitoring.prometheus();
    assert!(
        text.contains(r#"mantra_protocol_operations_total{protocol="rpc",operation="status",status="success"} 1"#),
        "{text}"
    );
    assert!(
        text.contains("mantra_client_batch_effective_max_size 10"),
        "{text}"
    );
    monitoring.close();
    client.close();
}

#[tokio::test(flavor = "current_thread")]
async fn a_call_future_stays_small() {
    // Every call's future is set up (and moved into a box by the bindings) per call; the
    // executor's large future must stay boxed out of it (it made calls ~23 KB).
    let node = FakeNode::new();
    let (client, _clock) = client_with(config(&node)).await;
    let call = client.abci_query("/key", b"ab", None);
    assert!(
        std::mem::size_of_val(&call) < 4096,
        "abci_query future: {} bytes",
        std::mem::size_of_val(&call)
    );
}

#[tokio::test(flavor = "current_thread")]
async fn cache_ttls_and_batch_options_reach_the_components_and_are_checked_before_any_request() {
    let node = FakeNode::new();
    let mut c = config(&node);
    c.cache_ttls = vec![(CacheType::Block, Duration::from_secs(7))];
    c.batch_options = BatchOptions {
        max_batch_bytes: Some(500),
        priority_aging: Some(Duration::from_millis(250)),
        ..BatchOptions::default()
    };
    let (client, _clock) = client_with(c).await;
    let cache = client.cache().unwrap();
    assert_eq!(cache.type_ttl(CacheType::Block), Duration::from_secs(7));
    assert_eq!(cache.type_ttl(CacheType::Generic), Duration::from_secs(300));
    assert_eq!(client.batch_manager().unwrap().max_batch_bytes(), Some(500));
    client.close();
    // Without options the batch bound is the body limit.
    let (plain, _clock) = client_with(config(&node)).await;
    assert_eq!(
        plain.batch_manager().unwrap().max_batch_bytes(),
        Some(999_998)
    );
    plain.close();

    // Invalid values fail the config check, before the warm-up: with the node down, a
    // check after it would report the transport failure instead.
    node.down.store(true, Ordering::SeqCst);
    let bad = |edit: &dyn Fn(&mut ClientConfig)| {
        let mut c = config(&node);
        edit(&mut c);
        c
    };
    for (c, field) in [
        (
            bad(&|c| c.cache_ttls = vec![(CacheType::Block, Duration::ZERO)]),
            "cache_ttls",
        ),
        (
            bad(&|c| c.batch_options.max_batch_bytes = Some(0)),
            "max_batch_bytes",
        ),
        (
            bad(&|c| c.batch_options.max_batch_bytes = Some(1_000_000)),
            "max_batch_bytes",
        ),
        (
            bad(&|c| c.batch_options.priority_aging = Some(Duration::ZERO)),
            "priority_aging",
        ),
    ] {
        let shared: SharedClock = Arc::new(ManualClock::new());
        match MantraClient::with_clock(c, shared).await {
            Err(Error::InvalidConfig { field: f, .. }) => assert_eq!(f, field),
            other => panic!(
                "expected InvalidConfig({field}), got {:?}",
                other.map(|_| ())
            ),
        }
    }
}

#[tokio::test(flavor = "current_thread")]
async fn a_call_timing_out_in_the_batch_queue_leaves_it_as_a_timeout() {
    // One batch in flight at a time, held by a hung call with a long deadline: later calls
    // wait in the batch queue until their own deadline ends them. Their tickets have no
    // timer of their own (the call's timeout bounds them), so dropping them must take the
    // operations out of the queue and count them as timeouts.
    let (_node, client, clock) = one_batch_at_a_time_on_a_hung_node().await;
    let long = timeout_of(Duration::from_secs(60));
    let holder = Box::pin(client.call_with_options("net_info", json!({ "hold": 1 }), &long));
    let queued = Box::pin(async {
        clock.advance(Duration::from_millis(50)).await; // the holder's batch is sent, and hangs
        let calls = futures::future::join_all(
            (0..3).map(|i| client.call("net_info", json!({ "queued": i }))),
        );
        let (out, ()) = futures::future::join(calls, clock.advance(Duration::from_secs(6))).await;
        out
    });
    let futures::future::Either::Right((out, holder)) =
        futures::future::select(holder, queued).await
    else {
        panic!("the held call ended first");
    };
    for r in out {
        assert_eq!(r.unwrap_err().code(), "timeout");
    }
    let stats = client.batch_manager().unwrap().stats();
    assert_eq!(stats.pending, 0, "{stats:?}");
    assert_eq!(stats.timeouts, 3, "{stats:?}");
    assert_eq!(stats.in_flight, 1, "{stats:?}");
    client.close();
    assert_eq!(holder.await.unwrap_err().code(), "closed");
}
