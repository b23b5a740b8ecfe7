//! Pool tests in virtual time. The transport is the boundary: `ScriptedTransport` answers
//! per URL with a scripted latency (slept on the `ManualClock`) and outcome, so these tests
//! exercise the pool's own logic exactly.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;

use super::*;
use crate::runtime::{BoxFuture, Clock, ManualClock, SharedClock};
use crate::transport::{HttpRequest, HttpResponse, Transport};
use crate::Error;

fn ms(v: u64) -> Duration {
    Duration::from_millis(v)
}

fn secs(v: u64) -> Duration {
    Duration::from_secs(v)
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Reply {
    /// 200 with a JSON-RPC result naming the endpoint.
    Ok,
    /// An HTTP status with an empty body.
    Status(u16),
    /// No response: `Error::Transport("connection refused")`.
    Refused,
    /// Never answers.
    Hang,
}

#[derive(Debug, Clone, Copy)]
struct Script {
    latency: Duration,
    reply: Reply,
}

#[derive(Debug, Clone)]
struct Logged {
    at: Duration,
    url: String,
    method: String,
    body: String,
}

/// In-process transport scripted per endpoint URL (prefix match), separately for health
/// pings and for other requests.
#[derive(Debug)]
struct ScriptedTransport {
    clock: ManualClock,
    pings: Mutex<BTreeMap<String, Script>>,
    live: Mutex<BTreeMap<String, Script>>,
    log: Mutex<Vec<Logged>>,
}

impl ScriptedTransport {
    fn new(clock: &ManualClock) -> Arc<Self> {
        Arc::new(Self {
            clock: clock.clone(),
            pings: Mutex::new(BTreeMap::new()),
            live: Mutex::new(BTreeMap::new()),
            log: Mutex::new(Vec::new()),
        })
    }

    /// Scripts both pings and live requests to `url`.
    fn set(&self, url: &str, latency: Duration, reply: Reply) {
        self.set_ping(url, latency, reply);
        self.set_live(url, latency, reply);
    }

    fn set_ping(&self, url: &str, latency: Duration, reply: Reply) {
        self.pings
            .lock()
            .insert(url.to_string(), Script { latency, reply });
    }

    fn set_live(&self, url: &str, latency: Duration, reply: Reply) {
        self.live
            .lock()
            .insert(url.to_string(), Script { latency, reply });
    }

    fn count(&self, url: &str, method: &str) -> usize {
        self.log
            .lock()
            .iter()
            .filter(|l| l.url.starts_with(url) && l.method == method)
            .count()
    }

    fn live_urls(&self) -> Vec<String> {
        self.log
            .lock()
            .iter()
            .filter(|l| l.method != "health")
            .map(|l| l.url.clone())
            .collect()
    }
}

fn find(map: &BTreeMap<String, Script>, url: &str) -> Script {
    map.iter()
        .filter(|(k, _)| url.starts_with(k.as_str()))
        .max_by_key(|(k, _)| k.len())
        .map(|(_, s)| *s)
        .unwrap_or(Script {
            latency: Duration::ZERO,
            reply: Reply::Refused,
        })
}

impl Transport for ScriptedTransport {
    fn send(&self, request: HttpRequest) -> BoxFuture<'static, crate::Result<HttpResponse>> {
        let body: serde_json::Value =
            serde_json::from_slice(&request.body).unwrap_or(serde_json::Value::Null);
        let method = body
            .get("method")
            .and_then(|m| m.as_str())
            .unwrap_or("")
            .to_string();
        let id = body.get("id").cloned().unwrap_or(serde_json::Value::Null);
        let script = if method == "health" {
            find(&self.pings.lock(), &request.url)
        } else {
            find(&self.live.lock(), &request.url)
        };
        self.log.lock().push(Logged {
            at: self.clock.now(),
            url: request.url.clone(),
            method,
            body: String::from_utf8_lossy(&request.body).into_owned(),
        });
        let clock = self.clock.clone();
        let url = request.url;
        Box::pin(async move {
            clock.sleep(script.latency).await;
            match script.reply {
                Reply::Ok => Ok(HttpResponse {
                    status: 200,
                    body:
                        serde_json::json!({"jsonrpc": "2.0", "id": id, "result": {"endpoint": url}})
                            .to_string()
                            .into_bytes(),
                    retry_after: None,
                }),
                Reply::Status(status) => Ok(HttpResponse {
                    status,
                    body: Vec::new(),
                    retry_after: None,
                }),
                Reply::Refused => Err(Error::transport(format!("connection refused: {url}"))),
                Reply::Hang => futures::future::pending().await,
            }
        })
    }
}

const A: &str = "http://node-a:26657";
const B: &str = "http://node-b:26657";

/// Seed config with a long health interval (so the loop does not interfere unless a test
/// wants it) and small per-endpoint limits.
fn config(min: usize, max: usize) -> ConnectionPoolConfig {
    ConnectionPoolConfig {
        max_connections: max,
        min_connections: min,
        health_check_interval: secs(3600),
        ..ConnectionPoolConfig::default()
    }
}

fn pool_with(
    config: ConnectionPoolConfig,
    options: PoolOptions,
) -> (ManualClock, Arc<ScriptedTransport>, ConnectionPool) {
    let clock = ManualClock::new();
    let transport = ScriptedTransport::new(&clock);
    let pool = ConnectionPool::builder(config)
        .options(options)
        .transport(transport.clone())
        .clock(Arc::new(clock.clone()) as SharedClock)
        .build()
        .expect("valid config");
    (clock, transport, pool)
}

/// `pool_with`, plus endpoint A answering pings and calls at once, already added.
async fn pool_with_a(
    config: ConnectionPoolConfig,
    options: PoolOptions,
) -> (ManualClock, Arc<ScriptedTransport>, ConnectionPool) {
    let (clock, t, pool) = pool_with(config, options);
    t.set(A, ms(0), Reply::Ok);
    pool.add_endpoint(A).await.unwrap();
    (clock, t, pool)
}

/// `pool_with`, plus endpoints A and B answering pings after `a_ping` and `b_ping`, added
/// together (the clock advanced until both pings answered).
async fn pool_with_a_and_b(
    config: ConnectionPoolConfig,
    options: PoolOptions,
    a_ping: Duration,
    b_ping: Duration,
) -> (ManualClock, Arc<ScriptedTransport>, ConnectionPool) {
    let (clock, t, pool) = pool_with(config, options);
    t.set(A, a_ping, Reply::Ok);
    t.set(B, b_ping, Reply::Ok);
    let (ra, rb, ()) = tokio::join!(
        pool.add_endpoint(A),
        pool.add_endpoint(B),
        clock.advance(a_ping.max(b_ping))
    );
    ra.unwrap();
    rb.unwrap();
    (clock, t, pool)
}

/// `pool_with_a` whose breaker opens on one failure: a refused call opened it, and the clock
/// stands at the end of the 30 s open period, so the next acquire is the half-open probe.
async fn pool_with_a_half_open() -> (ManualClock, Arc<ScriptedTransport>, ConnectionPool) {
    let options = PoolOptions {
        failure_threshold: 1,
        ..PoolOptions::default()
    };
    let (clock, t, pool) = pool_with_a(config(1, 4), options).await;
    t.set_live(A, ms(0), Reply::Refused);
    {
        let c = pool.acquire().await.unwrap();
        let _ = c.client().post_json(STATUS).await;
    }
    clock.advance(secs(30)).await;
    (clock, t, pool)
}

fn stats_of(pool: &ConnectionPool, url: &str) -> PoolEndpointStats {
    pool.endpoints()
        .into_iter()
        .find(|e| e.url == url)
        .expect("endpoint listed")
}

fn answered_by(body: &[u8]) -> String {
    let v: serde_json::Value = serde_json::from_slice(body).unwrap();
    v["result"]["endpoint"].as_str().unwrap().to_string()
}

const STATUS: &str = r#"{"jsonrpc":"2.0","id":7,"method":"status","params":{}}"#;

// ---------------------------------------------------------------- config

#[test]
fn config_defaults_are_the_seed_values() {
    let c = ConnectionPoolConfig::default();
    assert_eq!(
        c,
        ConnectionPoolConfig {
            max_connections: 20,
            min_connections: 5,
            max_idle_time: secs(300),
            connection_timeout: secs(30),
            acquire_timeout: secs(10),
            health_check_interval: secs(60),
        }
    );
    assert!(c.validate().is_ok());
    let o = PoolOptions::default();
    assert_eq!(
        (o.failure_threshold, o.open_duration, o.half_open_max_probes),
        (5, secs(30), 1)
    );
    assert_eq!(
        (o.latency_weight, o.stability_weight, o.sample_count),
        (0.3, 0.7, 10)
    );
    assert_eq!(o.ping_method, "health");
}

#[test]
fn invalid_config_names_the_field() {
    let base = ConnectionPoolConfig::default();
    let cases: Vec<(ConnectionPoolConfig, &str)> = vec![
        (
            ConnectionPoolConfig {
                max_connections: 0,
                ..base.clone()
            },
            "max_connections",
        ),
        (
            ConnectionPoolConfig {
                max_connections: 4,
                min_connections: 5,
                ..base.clone()
            },
            "min_connections",
        ),
        (
            ConnectionPoolConfig {
                max_idle_time: Duration::ZERO,
                ..base.clone()
            },
            "max_idle_time",
        ),
        (
            ConnectionPoolConfig {
                connection_timeout: Duration::ZERO,
                ..base.clone()
            },
            "connection_timeout",
        ),
        (
            ConnectionPoolConfig {
                acquire_timeout: Duration::ZERO,
                ..base.clone()
            },
            "acquire_timeout",
        ),
        (
            ConnectionPoolConfig {
                health_check_interval: Duration::ZERO,
                ..base.clone()
            },
            "health_check_interval",
        ),
        (
            ConnectionPoolConfig {
                health_check_interval: Duration::MAX,
                ..base.clone()
            },
            "health_check_interval",
        ),
        (
            ConnectionPoolConfig {
                acquire_timeout: Duration::MAX,
                ..base.clone()
            },
            "acquire_timeout",
        ),
    ];
    for (config, field) in cases {
        match ConnectionPool::try_new(config) {
            Err(Error::InvalidConfig { field: f, .. }) => assert_eq!(f, field),
            other => panic!("{field}: expected InvalidConfig, got {other:?}"),
        }
    }
    // min == max and min == 0 are fine.
    assert!(ConnectionPoolConfig {
        min_connections: 20,
        ..base.clone()
    }
    .validate()
    .is_ok());
    assert!(ConnectionPoolConfig {
        min_connections: 0,
        ..base
    }
    .validate()
    .is_ok());
}

#[test]
fn invalid_options_name_the_field() {
    let d = PoolOptions::default();
    let cases: Vec<(PoolOptions, &str)> = vec![
        (
            PoolOptions {
                failure_threshold: 0,
                ..d.clone()
            },
            "failure_threshold",
        ),
        (
            PoolOptions {
                open_duration: Duration::ZERO,
                ..d.clone()
            },
            "open_duration",
        ),
        (
            PoolOptions {
                half_open_max_probes: 0,
                ..d.clone()
            },
            "half_open_max_probes",
        ),
        (
            PoolOptions {
                ewma_decay: Duration::ZERO,
                ..d.clone()
            },
            "ewma_decay",
        ),
        (
            PoolOptions {
                latency_weight: -0.1,
                ..d.clone()
            },
            "latency_weight",
        ),
        (
            PoolOptions {
                stability_weight: f64::NAN,
                ..d.clone()
            },
            "stability_weight",
        ),
        (
            PoolOptions {
                latency_weight: 0.0,
                stability_weight: 0.0,
                ..d.clone()
            },
            "stability_weight",
        ),
        (
            PoolOptions {
                sample_count: 0,
                ..d.clone()
            },
            "sample_count",
        ),
        (
            PoolOptions {
                ping_method: " ".into(),
                ..d.clone()
            },
            "ping_method",
        ),
        (
            PoolOptions {
                ping_timeout: Some(Duration::ZERO),
                ..d.clone()
            },
            "ping_timeout",
        ),
        (
            PoolOptions {
                open_duration: Duration::MAX,
                ..d.clone()
            },
            "open_duration",
        ),
        (
            PoolOptions {
                stall_timeout: Some(Duration::MAX),
                ..d.clone()
            },
            "stall_timeout",
        ),
        (
            PoolOptions {
                score_tolerance: 1.5,
                ..d.clone()
            },
            "score_tolerance",
        ),
        (
            PoolOptions {
                stall_timeout: Some(Duration::ZERO),
                ..d.clone()
            },
            "stall_timeout",
        ),
    ];
    for (options, field) in cases {
        let r = ConnectionPool::builder(ConnectionPoolConfig::default())
            .options(options)
            .build();
        match r {
            Err(Error::InvalidConfig { field: f, .. }) => assert_eq!(f, field),
            other => panic!("{field}: expected InvalidConfig, got {other:?}"),
        }
    }
}

#[test]
#[should_panic(expected = "min_connections")]
fn new_panics_with_the_validation_message() {
    let _ = ConnectionPool::new(ConnectionPoolConfig {
        min_connections: 50,
        ..ConnectionPoolConfig::default()
    });
}

// ---------------------------------------------------------------- seed

/// The seed snippet exactly as written (compiled, not run: its host does not exist).
#[allow(dead_code)]
async fn seed_snippet() -> crate::Result<()> {
    let config = ConnectionPoolConfig {
        max_connections: 20,
        min_connections: 5,
        max_idle_time: Duration::from_secs(300),
        connection_timeout: Duration::from_secs(30),
        acquire_timeout: Duration::from_secs(10),
        health_check_interval: Duration::from_secs(60),
    };
    let mut pool = ConnectionPool::new(config);
    pool.initialize("http://rpc-endpoint:26657").await?;
    let connection = pool.acquire().await?;
    let client = connection.client();
    let _ = client;
    Ok(())
}

/// The seed flow with the built-in transport against a closed local port: `initialize`
/// reports the unreachable endpoint as a transport error and marks it down.
#[tokio::test(flavor = "current_thread")]
async fn seed_flow_reports_unreachable_endpoint() {
    let config = ConnectionPoolConfig {
        max_connections: 20,
        min_connections: 5,
        max_idle_time: Duration::from_secs(300),
        connection_timeout: Duration::from_secs(30),
        acquire_timeout: Duration::from_secs(10),
        health_check_interval: Duration::from_secs(60),
    };
    let mut pool = ConnectionPool::new(config);
    let result: crate::Result<()> = async {
        pool.initialize("http://127.0.0.1:1").await?;
        let connection = pool.acquire().await?;
        let client = connection.client();
        assert_eq!(client.endpoint(), "http://127.0.0.1:1");
        Ok(())
    }
    .await;
    assert_eq!(result.unwrap_err().code(), "transport");
    let ep = &pool.endpoints()[0];
    assert_eq!(ep.health_checks, 5);
    assert_eq!(ep.breaker, CircuitState::Open);
    pool.close();
}

#[tokio::test(flavor = "current_thread")]
async fn seed_flow_with_a_reachable_endpoint() {
    let clock = ManualClock::new();
    let transport = ScriptedTransport::new(&clock);
    transport.set("http://rpc-endpoint:26657", ms(0), Reply::Ok);
    let mut pool = ConnectionPool::with_transport(
        ConnectionPoolConfig::default(),
        transport.clone(),
        Arc::new(clock.clone()),
    )
    .unwrap();
    pool.initialize("http://rpc-endpoint:26657").await.unwrap();
    let connection = pool.acquire().await.unwrap();
    let client = connection.client();
    assert_eq!(client.endpoint(), "http://rpc-endpoint:26657");
    let body = client.post_json(STATUS).await.unwrap();
    assert_eq!(answered_by(&body), "http://rpc-endpoint:26657");
    assert_eq!(pool.stats().in_flight, 1);
    drop(connection);
    assert_eq!(pool.stats().in_flight, 0);
}

// ---------------------------------------------------------------- endpoints & warm-up

#[tokio::test(flavor = "current_thread")]
async fn warm_up_sends_min_connections_concurrent_health_pings() {
    let (clock, t, mut pool) = pool_with(config(5, 20), PoolOptions::default());
    t.set(A, ms(10), Reply::Ok);
    let p = pool.clone();
    let init = tokio::spawn(async move {
        let mut p = p;
        p.initialize(A).await
    });
    ManualClock::settle().await;
    // All five pings are out before any answers: they are concurrent.
    assert_eq!(t.count(A, "health"), 5);
    assert!(!init.is_finished());
    let log = t.log.lock().clone();
    assert!(log.iter().all(|l| l.at == Duration::ZERO));
    let ids: Vec<String> = log
        .iter()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(&l.body).unwrap();
            assert_eq!(
                l.body,
                format!(
                    r#"{{"jsonrpc":"2.0","id":{},"method":"health","params":{{}}}}"#,
                    v["id"]
                )
            );
            v["id"].to_string()
        })
        .collect();
    let unique: std::collections::BTreeSet<_> = ids.iter().collect();
    assert_eq!(unique.len(), 5, "each ping has its own id");
    clock.advance(ms(10)).await;
    init.await.unwrap().unwrap();
    let ep = stats_of(&pool, A);
    assert_eq!((ep.samples, ep.connections, ep.idle_connections), (5, 5, 5));
    assert_eq!(ep.mean_ping_latency_ms, Some(10.0));
    assert_eq!(ep.success_rate, Some(1.0));
    // Initializing the same URL again (any spelling) does not add a duplicate.
    let (r, ()) = tokio::join!(
        pool.initialize("HTTP://node-a:26657/"),
        clock.advance(ms(10))
    );
    r.unwrap();
    assert_eq!(pool.endpoints().len(), 1);
    assert_eq!(t.count(A, "health"), 10);
}

#[tokio::test(flavor = "current_thread")]
async fn min_connections_zero_still_pings_once() {
    let (_clock, t, mut pool) = pool_with(config(0, 4), PoolOptions::default());
    t.set(A, ms(0), Reply::Ok);
    pool.initialize(A).await.unwrap();
    assert_eq!(t.count(A, "health"), 1);
}

#[tokio::test(flavor = "current_thread")]
async fn initialize_fails_only_when_no_endpoint_is_healthy() {
    let (_clock, t, mut pool) = pool_with(config(2, 4), PoolOptions::default());
    t.set(A, ms(0), Reply::Refused);
    let err = pool.initialize(A).await.unwrap_err();
    assert_eq!(err.code(), "transport");
    // Still registered, marked down (score 0), probed later.
    let a = stats_of(&pool, A);
    assert_eq!((a.score, a.health_check_failures), (0.0, 2));
    // A healthy second endpoint: initialize succeeds; now a failing third is tolerated.
    t.set(B, ms(0), Reply::Ok);
    pool.initialize(B).await.unwrap();
    let c = "http://node-c:1";
    pool.initialize(c).await.unwrap();
    assert_eq!(pool.endpoints().len(), 3);
    // add_endpoint never fails for reachability.
    let (_clock, _t, pool2) = pool_with(config(2, 4), PoolOptions::default());
    pool2.add_endpoint(A).await.unwrap();
    // A JSON-RPC error reply to the ping is a failure too.
    let (_clock, t3, mut pool3) = pool_with(config(1, 4), PoolOptions::default());
    t3.set(A, ms(0), Reply::Status(503));
    let err = pool3.initialize(A).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Transport {
                status: Some(503),
                ..
            }
        ),
        "{err:?}"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn invalid_urls_are_rejected() {
    let (_clock, t, mut pool) = pool_with(config(1, 4), PoolOptions::default());
    for bad in [
        "rpc-endpoint:26657",
        "ftp://host",
        "http://",
        "http://host:port",
    ] {
        assert_eq!(
            pool.initialize(bad).await.unwrap_err().code(),
            "invalid_argument",
            "{bad}"
        );
        assert_eq!(
            pool.add_endpoint(bad).await.unwrap_err().code(),
            "invalid_argument"
        );
    }
    assert!(pool.endpoints().is_empty());
    assert_eq!(t.log.lock().len(), 0);
    // Acquire with no endpoint fails at once.
    assert_eq!(pool.acquire().await.unwrap_err().code(), "pool_exhausted");
}

#[tokio::test(flavor = "current_thread")]
async fn remove_endpoint_routes_traffic_elsewhere() {
    let (_clock, t, pool) = pool_with(config(1, 4), PoolOptions::default());
    t.set(A, ms(0), Reply::Ok);
    t.set(B, ms(0), Reply::Ok);
    pool.add_endpoint(A).await.unwrap();
    pool.add_endpoint(B).await.unwrap();
    assert_eq!(pool.acquire().await.unwrap().endpoint(), A);
    assert!(pool.remove_endpoint("http://NODE-A:26657/"));
    assert!(!pool.remove_endpoint(A));
    assert_eq!(pool.acquire().await.unwrap().endpoint(), B);
    assert_eq!(pool.endpoints().len(), 1);
}

// ---------------------------------------------------------------- ranking

#[tokio::test(flavor = "current_thread")]
async fn rank_scores_follow_the_viem_formula_exactly() {
    let mut cfg = config(1, 4);
    cfg.health_check_interval = secs(10);
    let (clock, t, pool) = pool_with_a_and_b(cfg, PoolOptions::default(), ms(10), ms(40)).await;
    let close = |a: f64, b: f64| (a - b).abs() < 1e-9;
    // max latency 40: A = 0.3·(1 − 10/40) + 0.7 = 0.925, B = 0.3·0 + 0.7.
    let (a, b) = (stats_of(&pool, A), stats_of(&pool, B));
    assert!(close(a.score, 0.925), "{}", a.score);
    assert!(close(b.score, 0.7), "{}", b.score);
    assert_eq!((a.rank, b.rank), (0, 1));
    // Next round (t = 10 s): B now fails, after 40 ms; the round ends at t = 10.04 s.
    t.set(B, ms(40), Reply::Refused);
    clock.advance(secs(10)).await;
    assert_eq!(t.count(B, "health"), 2);
    let (a, b) = (stats_of(&pool, A), stats_of(&pool, B));
    // B: mean 40 = max → latency term 0; success 1/2 → 0.35.
    assert!(close(b.score, 0.35), "{}", b.score);
    assert!(close(a.score, 0.925), "{}", a.score);
    // Ten more failing rounds: B never succeeds within its window → score 0.
    for _ in 0..10 {
        clock.advance(secs(10) + ms(40)).await;
    }
    let b = stats_of(&pool, B);
    assert_eq!(b.samples, 10);
    assert_eq!(b.score, 0.0);
    assert_eq!(b.success_rate, Some(0.0));
    assert_eq!(pool.stats().healthy_endpoints, 1);
}

#[tokio::test(flavor = "current_thread")]
async fn acquire_picks_the_best_ranked_endpoint() {
    let (_clock, _t, pool) =
        pool_with_a_and_b(config(1, 4), PoolOptions::default(), ms(50), ms(10)).await;
    // B: 0.3·(1 − 10/50) + 0.7 = 0.94 beats A: 0.7 (beyond the 0.05 tolerance).
    for _ in 0..3 {
        let c = pool.acquire().await.unwrap();
        assert_eq!(c.endpoint(), B);
    }
    let held: Vec<_> = futures::future::join_all((0..4).map(|_| pool.acquire())).await;
    assert!(held.iter().all(|c| c.as_ref().unwrap().endpoint() == B));
    // B full: the next-best endpoint takes over.
    assert_eq!(pool.acquire().await.unwrap().endpoint(), A);
}

#[tokio::test(flavor = "current_thread")]
async fn equally_healthy_endpoints_are_chosen_by_peak_ewma_then_in_flight() {
    let (clock, t, pool) =
        pool_with_a_and_b(config(1, 4), PoolOptions::default(), ms(10), ms(10)).await;
    // Equal scores and equal seeded EWMA: the first added wins, then fewer in flight.
    let first = pool.acquire().await.unwrap();
    assert_eq!(first.endpoint(), A);
    let second = pool.acquire().await.unwrap();
    assert_eq!(second.endpoint(), B, "tie broken by fewer in-flight");
    drop((first, second));
    // Live traffic on A is slow: its PeakEWMA jumps to 200 ms, so B is preferred even
    // though both rank scores are unchanged.
    t.set_live(A, ms(200), Reply::Ok);
    let c = pool.acquire().await.unwrap();
    assert_eq!(c.endpoint(), A);
    let (r, ()) = tokio::join!(c.client().post_json(STATUS), clock.advance(ms(200)));
    r.unwrap();
    drop(c);
    assert_eq!(stats_of(&pool, A).ewma_latency_ms, Some(200.0));
    assert_eq!(stats_of(&pool, A).score, stats_of(&pool, B).score);
    assert_eq!(pool.acquire().await.unwrap().endpoint(), B);
    assert_eq!(stats_of(&pool, B).rank, 0);
}

#[tokio::test(flavor = "current_thread")]
async fn a_node_that_stops_answering_ranks_behind_once_its_callers_give_up() {
    let (clock, t, pool) =
        pool_with_a_and_b(config(1, 4), PoolOptions::default(), ms(10), ms(10)).await;
    t.set_live(A, ms(0), Reply::Hang);
    // The caller's deadline (3 s) passes before the exchange's own (`connection_timeout`):
    // the exchange is dropped mid-flight, and the time it ran is still A's latency.
    let call = pool.execute(|c| async move { c.post_json(STATUS).await });
    let (r, ()) = tokio::join!(
        crate::runtime::timeout(&clock, secs(3), call),
        clock.advance(secs(3))
    );
    assert!(r.is_err(), "the caller timed out");
    let a = stats_of(&pool, A);
    assert_eq!(a.ewma_latency_ms, Some(3000.0));
    assert_eq!(
        (a.total_requests, a.total_failures),
        (0, 0),
        "neither a success nor a failure"
    );
    assert_eq!(a.score, stats_of(&pool, B).score);
    assert_eq!(pool.acquire().await.unwrap().endpoint(), B);

    // A caller that gives up early says nothing about a fast node: a shorter abandoned
    // exchange never lowers the estimate (A alone now, so the call goes there).
    pool.remove_endpoint(B);
    let call = pool.execute(|c| async move { c.post_json(STATUS).await });
    let (r, ()) = tokio::join!(
        crate::runtime::timeout(&clock, ms(100), call),
        clock.advance(ms(100))
    );
    assert!(r.is_err());
    // Only the default 10 s decay over those 100 ms (blending the 100 ms sample in would
    // have re-anchored it at 3000·w + 100·(1 − w)).
    let after = stats_of(&pool, A).ewma_latency_ms.unwrap();
    let decayed = 3000.0 * (-0.1f64 / 10.0).exp();
    assert!((after - decayed).abs() < 1e-6, "{after} ms, not {decayed}");
}

// ---------------------------------------------------------------- failover & breaker

#[tokio::test(flavor = "current_thread")]
async fn execute_fails_over_when_the_best_endpoint_goes_down() {
    let (_clock, t, pool) =
        pool_with_a_and_b(config(1, 4), PoolOptions::default(), ms(10), ms(20)).await;
    t.set_live(A, ms(0), Reply::Ok);
    t.set_live(B, ms(0), Reply::Ok);
    let call = |c: EndpointClient| async move { c.post_json(STATUS).await };
    // A: 0.3·(1 − 10/20) + 0.7 = 0.85 beats B: 0.7.
    let body = pool.execute(call).await.unwrap();
    assert_eq!(answered_by(&body), A);

    t.set_live(A, ms(0), Reply::Refused);
    let body = pool.execute(call).await.unwrap();
    assert_eq!(answered_by(&body), B, "failed over to B");
    assert_eq!(
        t.live_urls(),
        vec![A.to_string(), A.to_string(), B.to_string()]
    );
    assert_eq!(pool.stats().failovers, 1);
    let a = stats_of(&pool, A);
    assert_eq!((a.total_requests, a.total_failures), (2, 1));
    assert!(a.last_error.unwrap().contains("connection refused"));
    // The live failure entered A's window: success 2/3 → 0.3·0.5 + 0.7·2/3 ≈ 0.617 < 0.7,
    // so B now ranks first and the next call goes straight to it.
    assert!(
        (a.score - (0.15 + 0.7 * 2.0 / 3.0)).abs() < 1e-9,
        "{}",
        a.score
    );
    let body = pool.execute(call).await.unwrap();
    assert_eq!(answered_by(&body), B);
    assert_eq!(t.count(A, "status"), 2);
    assert_eq!(pool.stats().failovers, 1);
}

#[tokio::test(flavor = "current_thread")]
async fn execute_does_not_retry_non_retryable_errors_and_returns_first_error_without_fallback() {
    let (_clock, t, pool) = pool_with_a(config(1, 4), PoolOptions::default()).await;
    let calls = Arc::new(Mutex::new(0));
    let c2 = calls.clone();
    let r: crate::Result<()> = pool
        .execute(move |_c| {
            let c2 = c2.clone();
            async move {
                *c2.lock() += 1;
                Err(Error::InvalidArgument("bad".into()))
            }
        })
        .await;
    assert_eq!(r.unwrap_err().code(), "invalid_argument");
    assert_eq!(*calls.lock(), 1);
    // Only one endpoint: a retryable failure has nowhere to go; the original error returns.
    t.set_live(A, ms(0), Reply::Status(503));
    let r = pool
        .execute(|c| async move { c.post_json(STATUS).await })
        .await;
    assert!(
        matches!(
            r,
            Err(Error::Transport {
                status: Some(503),
                ..
            })
        ),
        "{r:?}"
    );
    assert_eq!(t.count(A, "status"), 1);
}

#[tokio::test(flavor = "current_thread")]
async fn stalled_call_is_hedged_on_the_next_endpoint() {
    let options = PoolOptions {
        stall_timeout: Some(secs(1)),
        ..PoolOptions::default()
    };
    let (clock, t, pool) = pool_with_a_and_b(config(1, 4), options, ms(10), ms(20)).await;
    t.set_live(A, secs(5), Reply::Ok);
    let p = pool.clone();
    let h = tokio::spawn(async move {
        let body = p
            .execute(|c| async move { c.post_json(STATUS).await })
            .await?;
        Ok::<_, Error>(answered_by(&body))
    });
    clock.advance(secs(1) - ms(1)).await;
    assert_eq!(t.live_urls(), vec![A.to_string()]);
    clock.advance(ms(20)).await;
    assert!(!h.is_finished());
    assert_eq!(t.live_urls(), vec![A.to_string(), B.to_string()]);
    assert_eq!(
        pool.stats().in_flight,
        2,
        "both permits held during the hedge"
    );
    clock.advance(ms(1)).await;
    assert_eq!(h.await.unwrap().unwrap(), B);
    assert_eq!(pool.stats().in_flight, 0, "the stalled call was dropped");
    assert_eq!(pool.stats().hedges, 1);
}

#[tokio::test(flavor = "current_thread")]
async fn breaker_opens_half_opens_and_closes_at_exact_times() {
    let options = PoolOptions {
        failure_threshold: 3,
        ..PoolOptions::default()
    };
    let (clock, t, pool) = pool_with_a(config(1, 4), options).await;
    t.set_live(A, ms(0), Reply::Status(500));
    clock.advance(secs(5)).await;
    for _ in 0..3 {
        let c = pool.acquire().await.unwrap();
        assert!(c.client().post_json(STATUS).await.is_err());
    }
    assert_eq!(stats_of(&pool, A).breaker, CircuitState::Open);
    match pool.acquire().await {
        Err(Error::CircuitOpen { endpoint }) => assert_eq!(endpoint, A),
        other => panic!("expected CircuitOpen, got {other:?}"),
    }
    clock.advance(secs(30) - ms(1)).await;
    assert_eq!(pool.acquire().await.unwrap_err().code(), "circuit_open");
    clock.advance(ms(1)).await;
    assert_eq!(stats_of(&pool, A).breaker, CircuitState::HalfOpen);
    let probe = pool.acquire().await.unwrap();
    // Only one probe at a time: others wait (not CircuitOpen) and time out.
    assert_eq!(pool.try_acquire().unwrap_err().code(), "pool_exhausted");
    // The probe fails: open again for a full period from now (t = 35 s).
    assert!(probe.client().post_json(STATUS).await.is_err());
    drop(probe);
    assert_eq!(stats_of(&pool, A).breaker, CircuitState::Open);
    clock.advance(secs(30) - ms(1)).await;
    assert_eq!(pool.acquire().await.unwrap_err().code(), "circuit_open");
    clock.advance(ms(1)).await;
    t.set_live(A, ms(0), Reply::Ok);
    let probe = pool.acquire().await.unwrap();
    probe.client().post_json(STATUS).await.unwrap();
    let a = stats_of(&pool, A);
    assert_eq!(
        (a.breaker, a.times_opened, a.consecutive_failures),
        (CircuitState::Closed, 2, 0)
    );
    // Closed: concurrent connections allowed again.
    let _second = pool.try_acquire().unwrap();
    assert_eq!(pool.stats().circuit_rejections, 3);
}

#[tokio::test(flavor = "current_thread")]
async fn waiter_on_a_busy_probe_gets_the_endpoint_once_it_closes() {
    let (clock, t, pool) = pool_with_a_half_open().await;
    t.set_live(A, ms(100), Reply::Ok);
    let probe = pool.acquire().await.unwrap();
    let p = pool.clone();
    let waiter = tokio::spawn(async move { p.acquire().await.map(|c| c.endpoint().to_string()) });
    ManualClock::settle().await;
    assert!(!waiter.is_finished());
    let (r, ()) = tokio::join!(probe.client().post_json(STATUS), clock.advance(ms(100)));
    r.unwrap();
    ManualClock::settle().await;
    assert_eq!(waiter.await.unwrap().unwrap(), A);
}

#[tokio::test(flavor = "current_thread")]
async fn all_open_breakers_fail_fast_with_redacted_urls() {
    let options = PoolOptions {
        failure_threshold: 1,
        ..PoolOptions::default()
    };
    let (_clock, t, pool) = pool_with(config(1, 4), options);
    let secret = "https://alice:s3cret@node-s:443";
    t.set(secret, ms(0), Reply::Refused);
    t.set(B, ms(0), Reply::Refused);
    pool.add_endpoint(secret).await.unwrap();
    pool.add_endpoint(B).await.unwrap();
    match pool.acquire().await {
        Err(Error::CircuitOpen { endpoint }) => {
            assert_eq!(endpoint, format!("https://***@node-s:443, {B}"));
        }
        other => panic!("expected CircuitOpen, got {other:?}"),
    }
    let stats = serde_json::to_string(&pool.stats()).unwrap();
    assert!(!stats.contains("s3cret"), "{stats}");
    assert!(stats.contains("https://***@node-s:443"));
}

// ---------------------------------------------------------------- permits

#[tokio::test(flavor = "current_thread")]
async fn pool_exhausted_after_exactly_acquire_timeout() {
    let (clock, _t, pool) = pool_with_a(config(1, 2), PoolOptions::default()).await;
    let c1 = pool.acquire().await.unwrap();
    let _c2 = pool.acquire().await.unwrap();
    let p = pool.clone();
    let waiter = tokio::spawn(async move { p.acquire().await.map(|_| ()) });
    clock.advance(secs(10) - ms(1)).await;
    assert!(!waiter.is_finished());
    clock.advance(ms(1)).await;
    match waiter.await.unwrap() {
        Err(Error::PoolExhausted(msg)) => assert!(msg.contains("10s"), "{msg}"),
        other => panic!("expected PoolExhausted, got {other:?}"),
    }
    assert_eq!(pool.stats().exhausted, 1);
    // A waiter is served as soon as a permit is released.
    let p = pool.clone();
    let waiter = tokio::spawn(async move { p.acquire().await.map(|_| ()) });
    clock.advance(secs(3)).await;
    assert!(!waiter.is_finished());
    drop(c1);
    ManualClock::settle().await;
    assert!(waiter.is_finished());
    waiter.await.unwrap().unwrap();
    assert_eq!(clock.pending_sleeps(), 1, "only the ranking loop sleeps");
}

#[tokio::test(flavor = "current_thread")]
async fn permits_are_released_on_drop_and_on_cancellation() {
    let (clock, t, pool) = pool_with_a(config(1, 1), PoolOptions::default()).await;
    {
        let c = pool.acquire().await.unwrap();
        let client = c.client().clone();
        drop(c);
        // A clone of the client keeps the permit.
        assert_eq!(pool.stats().in_flight, 1);
        drop(client);
    }
    assert_eq!(pool.stats().in_flight, 0);
    // A caller cancelled mid-request releases its permit.
    t.set_live(A, ms(0), Reply::Hang);
    let p = pool.clone();
    let task = tokio::spawn(async move {
        let c = p.acquire().await?;
        c.client().post_json(STATUS).await
    });
    ManualClock::settle().await;
    assert_eq!(pool.stats().in_flight, 1);
    task.abort();
    let _ = task.await;
    assert_eq!(pool.stats().in_flight, 0);
    // A cancelled waiter leaves nothing behind.
    let held = pool.acquire().await.unwrap();
    let p = pool.clone();
    let waiter = tokio::spawn(async move { p.acquire().await.map(|_| ()) });
    ManualClock::settle().await;
    assert_eq!(clock.pending_sleeps(), 2);
    waiter.abort();
    let _ = waiter.await;
    assert_eq!(clock.pending_sleeps(), 1);
    drop(held);
    assert!(pool.try_acquire().is_ok());
}

#[tokio::test(flavor = "current_thread")]
async fn cancelled_half_open_probe_frees_the_probe_slot() {
    let (_clock, t, pool) = pool_with_a_half_open().await;
    t.set_live(A, ms(0), Reply::Hang);
    let p = pool.clone();
    let task = tokio::spawn(async move {
        let c = p.acquire().await?;
        c.client().post_json(STATUS).await
    });
    ManualClock::settle().await;
    assert_eq!(pool.try_acquire().unwrap_err().code(), "pool_exhausted");
    task.abort();
    let _ = task.await;
    assert!(pool.try_acquire().is_ok(), "probe slot returned");
}

#[tokio::test(flavor = "current_thread")]
async fn send_resolves_paths_times_out_and_feeds_the_ewma() {
    let (clock, t, pool) = pool_with_a(config(1, 4), PoolOptions::default()).await;
    let c = pool.acquire().await.unwrap();
    let client = c.client();
    let resp = client.send(HttpRequest::get("/status")).await.unwrap();
    assert_eq!(resp.status, 200);
    client.send(HttpRequest::get("health")).await.unwrap();
    client
        .send(HttpRequest::get(format!("{A}/abci_info")))
        .await
        .unwrap();
    let urls = t
        .log
        .lock()
        .iter()
        .skip(1)
        .map(|l| l.url.clone())
        .collect::<Vec<_>>();
    assert_eq!(
        urls,
        vec![
            format!("{A}/status"),
            format!("{A}/health"),
            format!("{A}/abci_info")
        ]
    );
    let err = client
        .send(HttpRequest::get(format!("{B}/status")))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "invalid_argument");
    // Non-2xx statuses are responses for send (the pool still counts 5xx as failures).
    t.set_live(A, ms(0), Reply::Status(502));
    assert_eq!(
        client.send(HttpRequest::get("/x")).await.unwrap().status,
        502
    );
    assert_eq!(stats_of(&pool, A).total_failures, 1);
    // A hanging endpoint times out after exactly connection_timeout (30 s).
    t.set_live(A, ms(0), Reply::Hang);
    let c2 = c.client().clone();
    let h = tokio::spawn(async move { c2.post_json(STATUS).await });
    clock.advance(secs(30) - ms(1)).await;
    assert!(!h.is_finished());
    clock.advance(ms(1)).await;
    match h.await.unwrap() {
        Err(Error::Timeout { after, .. }) => assert_eq!(after, secs(30)),
        other => panic!("expected Timeout, got {other:?}"),
    }
    let a = stats_of(&pool, A);
    assert_eq!((a.total_requests, a.total_failures), (5, 2));
    assert_eq!(a.ewma_latency_ms, Some(30_000.0), "a stall is a peak");
    // A shorter per-request timeout wins.
    let mut req = HttpRequest::get("/slow");
    req.timeout = Some(secs(2));
    let (r, ()) = tokio::join!(client.send(req), clock.advance(secs(2)));
    assert_eq!(r.unwrap_err().code(), "timeout");
}

// ---------------------------------------------------------------- ranking loop & lifecycle

#[tokio::test(flavor = "current_thread")]
async fn ranking_loop_pings_every_interval_and_recovers_breakers() {
    let mut cfg = config(1, 4);
    cfg.health_check_interval = secs(60);
    let (clock, t, pool) = pool_with(cfg, PoolOptions::default());
    t.set(A, ms(0), Reply::Ok);
    t.set(B, ms(0), Reply::Refused);
    pool.add_endpoint(A).await.unwrap();
    pool.add_endpoint(B).await.unwrap();
    assert!(pool.is_ranking());
    assert_eq!((t.count(A, "health"), t.count(B, "health")), (1, 1));
    clock.advance(secs(60) - ms(1)).await;
    assert_eq!(t.count(A, "health"), 1);
    clock.advance(ms(1)).await;
    assert_eq!((t.count(A, "health"), t.count(B, "health")), (2, 2));
    clock.advance(secs(240)).await;
    assert_eq!((t.count(A, "health"), t.count(B, "health")), (6, 6));
    // B failed 6 pings: its breaker opened at the 5th (t = 240 s), and the ping at
    // t = 300 s (after the open period) failed as a probe: open until 330 s.
    let b = stats_of(&pool, B);
    assert_eq!(
        (b.breaker, b.health_check_failures, b.score),
        (CircuitState::Open, 6, 0.0)
    );
    // B comes back: the first ping after the open period closes its breaker.
    t.set(B, ms(0), Reply::Ok);
    clock.advance(secs(60)).await; // t = 360: past 330 → this ping is the probe
    let b = stats_of(&pool, B);
    assert_eq!(b.breaker, CircuitState::Closed);
    assert!(b.score > 0.0);
}

#[tokio::test(flavor = "current_thread")]
async fn idle_connections_are_trimmed_to_min_after_max_idle_time() {
    let mut cfg = config(1, 5);
    cfg.health_check_interval = secs(60);
    let (clock, _t, pool) = pool_with_a(cfg, PoolOptions::default()).await;
    assert_eq!(stats_of(&pool, A).connections, 1);
    let held: Vec<_> = futures::future::join_all((0..3).map(|_| pool.acquire())).await;
    let a = stats_of(&pool, A);
    assert_eq!((a.connections, a.idle_connections, a.in_flight), (3, 0, 3));
    clock.advance(secs(1)).await;
    drop(held);
    let a = stats_of(&pool, A);
    assert_eq!((a.connections, a.idle_connections), (3, 3));
    // Pings keep one connection fresh; the two others were last used at t = 1 s.
    clock.advance(secs(299)).await; // t = 300: idle for 299 s
    assert_eq!(stats_of(&pool, A).connections, 3);
    clock.advance(secs(60)).await; // t = 360: trimmed down to min_connections
    let a = stats_of(&pool, A);
    assert_eq!((a.connections, a.idle_connections), (1, 1));
}

#[tokio::test(flavor = "current_thread")]
async fn close_stops_the_loop_and_fails_acquire() {
    let (clock, t, pool) = pool_with_a(config(1, 1), PoolOptions::default()).await;
    ManualClock::settle().await;
    assert_eq!(
        clock.pending_sleeps(),
        1,
        "the ranking loop waits for its next round"
    );
    let held = pool.acquire().await.unwrap();
    let p = pool.clone();
    let waiter = tokio::spawn(async move { p.acquire().await.map(|_| ()) });
    ManualClock::settle().await;
    assert!(!waiter.is_finished());
    pool.close();
    ManualClock::settle().await;
    assert_eq!(waiter.await.unwrap().unwrap_err().code(), "closed");
    assert_eq!(clock.pending_sleeps(), 0, "loop stopped");
    assert!(!pool.is_ranking());
    assert_eq!(pool.acquire().await.unwrap_err().code(), "closed");
    assert_eq!(
        pool.execute(|c| async move { c.post_json(STATUS).await })
            .await
            .unwrap_err()
            .code(),
        "closed"
    );
    assert_eq!(pool.add_endpoint(B).await.unwrap_err().code(), "closed");
    // Connections already taken keep working.
    held.client().post_json(STATUS).await.unwrap();
    clock.advance(secs(7200)).await;
    assert_eq!(t.count(A, "health"), 1, "no more pings");
    assert!(pool.stats().closed);
}

#[tokio::test(flavor = "current_thread")]
async fn dropping_every_handle_stops_the_loop() {
    let (clock, t, pool) = pool_with_a(config(1, 2), PoolOptions::default()).await;
    let clone = pool.clone();
    let held = pool.acquire().await.unwrap();
    drop(pool);
    ManualClock::settle().await;
    assert_eq!(clock.pending_sleeps(), 1, "a clone keeps it running");
    drop(clone);
    ManualClock::settle().await;
    assert_eq!(clock.pending_sleeps(), 0);
    clock.advance(secs(7200)).await;
    assert_eq!(t.count(A, "health"), 1);
    // A connection outliving the pool still works and releases cleanly.
    held.client().post_json(STATUS).await.unwrap();
    drop(held);
}

#[tokio::test(flavor = "current_thread")]
async fn stats_serialize_with_snake_case_breaker_state() {
    let (_clock, _t, pool) = pool_with_a(config(2, 3), PoolOptions::default()).await;
    let _c = pool.acquire().await.unwrap();
    let v = serde_json::to_value(pool.stats()).unwrap();
    assert_eq!(v["endpoints"][0]["breaker"], "closed");
    assert_eq!(v["endpoints"][0]["url"], A);
    assert_eq!(v["endpoints"][0]["in_flight"], 1);
    assert_eq!(v["in_flight"], 1);
    assert_eq!(v["max_connections_per_endpoint"], 3);
    assert_eq!(v["acquired"], 1);
    assert_eq!(CircuitState::HalfOpen.as_str(), "half_open");
}
