//! `make demo`: a realistic mixed workload through `MantraClient` against real CometBFT
//! nodes, with a live view of what every layer does.
//!
//! ```text
//! make demo                                   # starts the local devnet (2 nodes) if needed
//! make demo DURATION=60                       # run longer (seconds)
//! make demo RPC=http://host:26657,http://h2:26657   # other nodes (read-only workload)
//! cargo run --release -p mantra-sdk --example demo  # the same, without make
//! ```
//!
//! Environment: `RPC` (comma-separated endpoints; default: `scripts/devnet up`),
//! `DURATION` (seconds, default 20), `METRICS_ADDR` (default `127.0.0.1:9464`, falling back
//! to a free port), `WRITES` (`1`/`0`: broadcast kvstore txs; default on for the devnet,
//! off with `RPC`), `NO_COLOR`/non-TTY stdout (plain periodic lines instead of the live view).
//!
//! Every number shown comes from the components' own stats (`MantraClient::stats`,
//! `BatchStats`, `CacheStats`, `PoolStats`, health reports) or the metrics registry
//! (latency quantiles, per-method table) — nothing is estimated by the demo itself.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::process::{Command, ExitCode, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use mantra_sdk::runtime::Jitter;
use mantra_sdk::{
    ClientConfig, ClientStats, HealthStatus, MantraClient, MetricsSnapshot, MonitoringConfig,
    MonitoringManager,
};
use parking_lot::Mutex;

/// What the workload itself did (the part no component can know: which keys it wrote and
/// whether reading them back returned what was written).
#[derive(Default)]
struct Workload {
    txs_sent: AtomicU64,
    txs_accepted: AtomicU64,
    txs_rejected: AtomicU64,
    read_back_ok: AtomicU64,
    read_back_wrong: AtomicU64,
    bursts: AtomicU64,
    /// Keys written (key, value, when), waiting to be read back.
    written: Mutex<Vec<(String, String, Instant, u32)>>,
}

struct Settings {
    endpoints: Vec<String>,
    duration: Duration,
    metrics_addr: String,
    writes: bool,
    devnet: bool,
}

fn parse_duration(s: &str) -> Option<Duration> {
    let s = s.trim();
    let (num, scale) = if let Some(m) = s.strip_suffix('m') {
        (m, 60.0)
    } else {
        (s.strip_suffix('s').unwrap_or(s), 1.0)
    };
    let secs: f64 = num.trim().parse().ok()?;
    (secs.is_finite() && secs > 0.0).then(|| Duration::from_secs_f64(secs * scale))
}

fn env_nonempty(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// Starts the devnet (idempotent) and returns its two RPC URLs.
fn start_devnet() -> Result<Vec<String>, String> {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/devnet");
    println!("starting the local devnet (scripts/devnet up) ...");
    let out = Command::new("bash")
        .arg(script)
        .arg("up")
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run {script}: {e}"))?;
    if !out.status.success() {
        return Err("scripts/devnet up failed (see above)".into());
    }
    let env = String::from_utf8_lossy(&out.stdout);
    let urls: Vec<String> = env
        .lines()
        .filter_map(|l| l.split_once('='))
        .filter(|(k, _)| k.starts_with("MANTRA_RPC_"))
        .map(|(_, v)| v.trim().to_string())
        .collect();
    if urls.is_empty() {
        return Err(format!("scripts/devnet up printed no endpoints: {env}"));
    }
    Ok(urls)
}

fn settings() -> Result<Settings, String> {
    let duration = match env_nonempty("DURATION") {
        None => Duration::from_secs(20),
        Some(d) => parse_duration(&d)
            .ok_or_else(|| format!("DURATION={d:?} is not a number of seconds"))?,
    };
    let metrics_addr = env_nonempty("METRICS_ADDR").unwrap_or_else(|| "127.0.0.1:9464".into());
    let (endpoints, devnet) = match env_nonempty("RPC") {
        Some(list) => (
            list.split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect(),
            false,
        ),
        None => (start_devnet()?, true),
    };
    let writes = match env_nonempty("WRITES").as_deref() {
        Some("1") | Some("true") | Some("yes") => true,
        Some(_) => false,
        None => devnet,
    };
    Ok(Settings {
        endpoints,
        duration,
        metrics_addr,
        writes,
        devnet,
    })
}

fn client_config(s: &Settings) -> ClientConfig {
    let mut c = ClientConfig::new(s.endpoints.clone());
    // A lively demo: rank endpoints and run health checks every 2 s.
    c.pool.health_check_interval = Duration::from_secs(2);
    c.pool.min_connections = 2;
    c.health.enable_auto_checks = true;
    c.health.check_interval = Duration::from_secs(2);
    c.health.check_timeout = Duration::from_secs(2);
    c.request_timeout = Duration::from_secs(10);
    c.metrics.aggregation_interval = Duration::from_secs(5);
    c
}

/// Serves /metrics, /health and /status over the client's collector and checker.
fn start_monitoring(client: &MantraClient, addr: &str) -> Option<(MonitoringManager, String)> {
    for candidate in [addr, "127.0.0.1:0"] {
        let config = MonitoringConfig {
            serve_address: Some(candidate.to_string()),
            collection_interval: Duration::from_secs(1),
            service_name: "mantra-sdk-demo".into(),
            ..Default::default()
        };
        let manager = match client.monitoring(config) {
            Ok(m) => m,
            Err(e) => {
                eprintln!("monitoring unavailable: {e}");
                return None;
            }
        };
        match manager.initialize_sync() {
            Ok(()) => {
                let bound = manager.local_addr()?;
                return Some((manager, format!("http://{bound}")));
            }
            Err(e) => {
                eprintln!("cannot serve metrics on {candidate}: {e}");
                manager.close();
            }
        }
    }
    None
}

// ----- the workload ---------------------------------------------------------------------

fn rng() -> Jitter {
    static SEED: AtomicU64 = AtomicU64::new(0x5EED);
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(1, |d| d.as_nanos() as u64);
    Jitter::new(t ^ SEED.fetch_add(0x9E37_79B9, Ordering::Relaxed))
}

fn pick(r: &mut Jitter, n: usize) -> usize {
    ((r.next_f64() * n as f64) as usize).min(n.saturating_sub(1))
}

/// Sleeps for `d`, but never past `until`.
async fn nap(d: Duration, until: Instant) {
    let left = until.saturating_duration_since(Instant::now());
    tokio::time::sleep(d.min(left)).await;
}

async fn sleep_ms(lo: u64, hi: u64, r: &mut Jitter, until: Instant) {
    let ms = lo + pick(r, (hi - lo + 1) as usize) as u64;
    nap(Duration::from_millis(ms), until).await;
}

/// Hot keys and node status: what a dashboard or bot re-reads all the time (cache hits).
async fn hot_reader(client: MantraClient, run: Arc<String>, until: Instant) {
    let mut r = rng();
    while Instant::now() < until {
        let _ = match pick(&mut r, 5) {
            0 => client.status().await.map(|_| ()),
            1 => client.abci_info().await.map(|_| ()),
            2 => client.block(None).await.map(|_| ()),
            _ => {
                let key = format!("demo{run}hot{}", pick(&mut r, 5));
                client
                    .abci_query("", key.as_bytes(), None)
                    .await
                    .map(|_| ())
            }
        };
        sleep_ms(2, 12, &mut r, until).await;
    }
}

/// Status polling (4×/s, 1 s TTL) and walking recent blocks (fixed heights: cached 1 h).
async fn poller(client: MantraClient, until: Instant) {
    let mut r = rng();
    let mut tick = 0u64;
    while Instant::now() < until {
        if let Ok(s) = client.status().await {
            let h = s.sync_info.latest_block_height;
            if h > 1 && tick % 2 == 0 {
                let back = pick(&mut r, 30.min(h as usize - 1)) as u64;
                let _ = client.block(Some(h - back)).await;
            }
        }
        tick += 1;
        nap(Duration::from_millis(250), until).await;
    }
}

/// Broadcasts `key=value` txs (sync; every 10th waits for the commit).
async fn writer(client: MantraClient, run: Arc<String>, work: Arc<Workload>, until: Instant) {
    let mut n = 0u64;
    while Instant::now() < until {
        let key = format!("demo{run}k{n}");
        let value = format!("v{n}x{}", n * 7 + 3);
        let tx = format!("{key}={value}");
        work.txs_sent.fetch_add(1, Ordering::Relaxed);
        let code = if n % 10 == 9 {
            client
                .broadcast_tx_commit(tx.as_bytes())
                .await
                .map(|c| c.check_tx.code.max(c.tx_result.code))
        } else {
            client
                .broadcast_tx_sync(tx.as_bytes())
                .await
                .map(|c| c.code)
        };
        match code {
            Ok(0) => {
                work.txs_accepted.fetch_add(1, Ordering::Relaxed);
                work.written.lock().push((key, value, Instant::now(), 0));
            }
            Ok(_) => {
                work.txs_rejected.fetch_add(1, Ordering::Relaxed);
            }
            Err(_) => {}
        }
        n += 1;
        nap(Duration::from_millis(150), until).await;
    }
}

/// Reads back what the writer wrote once it has had time to commit (re-trying a key not
/// there yet after its 2 s cache TTL).
async fn verifier(client: MantraClient, work: Arc<Workload>, until: Instant) {
    while Instant::now() < until {
        let due = {
            let mut w = work.written.lock();
            let now = Instant::now();
            let wait = |tries: u32| Duration::from_millis(1500 + 2100 * u64::from(tries));
            w.iter()
                .position(|(_, _, at, tries)| now.duration_since(*at) >= wait(*tries))
                .map(|i| w.swap_remove(i))
        };
        if let Some((key, value, at, tries)) = due {
            match client.abci_query("", key.as_bytes(), None).await {
                Ok(q) if q.value == value.as_bytes() => {
                    work.read_back_ok.fetch_add(1, Ordering::Relaxed);
                }
                Ok(q) if q.value.is_empty() && tries < 3 => {
                    work.written.lock().push((key, value, at, tries + 1));
                }
                Ok(_) => {
                    work.read_back_wrong.fetch_add(1, Ordering::Relaxed);
                }
                Err(_) => work.written.lock().push((key, value, at, tries + 1)),
            }
        }
        nap(Duration::from_millis(100), until).await;
    }
}

/// Every 2 s: 40 concurrent distinct queries (→ batches of the node's limit) and 10
/// identical ones (→ one request, 9 shared).
async fn burster(client: MantraClient, run: Arc<String>, work: Arc<Workload>, until: Instant) {
    let mut b = 0u64;
    nap(Duration::from_millis(700), until).await;
    while Instant::now() < until {
        let distinct = (0..40).map(|i| {
            let key = format!("demo{run}burst{b}x{i}");
            let client = client.clone();
            async move {
                client
                    .abci_query("", key.as_bytes(), None)
                    .await
                    .map(|_| ())
            }
        });
        let same_key = format!("demo{run}same{b}");
        let same = (0..10).map(|_| {
            let client = client.clone();
            let key = same_key.clone();
            async move {
                client
                    .abci_query("", key.as_bytes(), None)
                    .await
                    .map(|_| ())
            }
        });
        futures::future::join(
            futures::future::join_all(distinct),
            futures::future::join_all(same),
        )
        .await;
        work.bursts.fetch_add(1, Ordering::Relaxed);
        b += 1;
        nap(Duration::from_secs(2), until).await;
    }
}

// ----- the view -------------------------------------------------------------------------

const BOLD: &str = "\x1b[1m";
const DIM: &str = "\x1b[2m";
const RESET: &str = "\x1b[0m";
const GREEN: &str = "\x1b[32m";
const YELLOW: &str = "\x1b[33m";
const RED: &str = "\x1b[31m";

struct Style {
    color: bool,
}

impl Style {
    fn paint(&self, code: &str, text: impl std::fmt::Display) -> String {
        if self.color {
            format!("{code}{text}{RESET}")
        } else {
            text.to_string()
        }
    }

    fn status(&self, s: HealthStatus, width: usize) -> String {
        let text = format!("{:<width$}", s.as_str());
        let code = match s {
            HealthStatus::Healthy => GREEN,
            HealthStatus::Degraded => YELLOW,
            HealthStatus::Unhealthy => RED,
            HealthStatus::Unknown => DIM,
        };
        self.paint(code, text)
    }
}

fn ms(v: Option<f64>) -> String {
    match v {
        None => "—".into(),
        Some(v) if v < 1.0 => format!("{:.0} µs", v * 1000.0),
        Some(v) => format!("{v:.1} ms"),
    }
}

fn bytes(n: u64) -> String {
    if n >= 1 << 20 {
        format!("{:.1} MiB", n as f64 / (1u64 << 20) as f64)
    } else {
        format!("{:.1} KiB", n as f64 / 1024.0)
    }
}

fn errors_line(s: &ClientStats) -> String {
    if s.errors_by_code.is_empty() {
        "none".into()
    } else {
        s.errors_by_code
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

struct Frame<'a> {
    stats: &'a ClientStats,
    work: &'a Workload,
    height: Option<u64>,
    elapsed: Duration,
    total: Duration,
    rate: f64,
    metrics_url: Option<&'a str>,
    writes: bool,
}

fn render(f: &Frame<'_>, st: &Style) -> Vec<String> {
    let s = f.stats;
    let mut out = Vec::new();
    let frac = (f.elapsed.as_secs_f64() / f.total.as_secs_f64()).clamp(0.0, 1.0);
    let width = 30;
    let filled = (frac * width as f64).round() as usize;
    out.push(format!(
        "{}  [{}{}] {:>5.1} / {:.0} s",
        st.paint(BOLD, "MANTRA SDK demo — MantraClient live"),
        "#".repeat(filled),
        ".".repeat(width - filled),
        f.elapsed.as_secs_f64().min(f.total.as_secs_f64()),
        f.total.as_secs_f64()
    ));
    out.push(match f.metrics_url {
        Some(u) => format!("metrics {u}/metrics   health {u}/health   status {u}/status"),
        None => "metrics endpoint unavailable".into(),
    });
    out.push(String::new());
    out.push(format!(
        "calls     {:>8} done  {:>7.0}/s now   ok {}   failed {}   in flight {}",
        s.calls, f.rate, s.succeeded, s.failed, s.in_flight
    ));
    if let Some(c) = &s.cache {
        out.push(format!(
            "cache     hit rate {:>5.1} %   hits {} / misses {}   entries {}   {}   evictions {}",
            c.hit_rate * 100.0,
            c.hits,
            c.misses,
            c.entries,
            bytes(c.memory_bytes),
            c.evictions
        ));
    }
    out.push(format!(
        "shared    {} calls answered by an identical call in flight (single-flight)",
        s.shared_calls
    ));
    if let Some(b) = &s.batch {
        out.push(format!(
            "batches   {} sent   avg {:.2} ops/batch   max {} per HTTP request   cap {} (node limit)   splits {}   retries {}",
            b.batches, b.avg_batch_size, s.http.max_batch_size, b.effective_max_batch_size,
            b.batch_limit_splits, b.retries
        ));
    }
    out.push(format!(
        "wire      {} HTTP requests carrying {} JSON-RPC calls   {} failed",
        s.http.http_requests, s.http.rpc_requests, s.http.http_failures
    ));
    out.push(format!(
        "latency   p50 {}   p99 {}   (every call, cache hits included)",
        ms(s.latency_p50_ms),
        ms(s.latency_p99_ms)
    ));
    out.push(format!(
        "executor  limit {}   in flight {}   queued {}   avg {:.1} ms per request",
        s.executor.limit,
        s.executor.in_flight,
        s.executor.queued.total(),
        s.executor.avg_latency.as_secs_f64() * 1000.0
    ));
    let w = f.work;
    out.push(format!(
        "chain     height {}   {}",
        f.height.map_or("—".into(), |h| h.to_string()),
        if f.writes {
            format!(
                "txs sent {} (accepted {}, rejected {})   read back {} ok, {} wrong",
                w.txs_sent.load(Ordering::Relaxed),
                w.txs_accepted.load(Ordering::Relaxed),
                w.txs_rejected.load(Ordering::Relaxed),
                w.read_back_ok.load(Ordering::Relaxed),
                w.read_back_wrong.load(Ordering::Relaxed)
            )
        } else {
            "writes off (read-only workload)".into()
        }
    ));
    out.push(String::new());
    out.push(st.paint(
        DIM,
        format!(
            "{:<32} {:<10} {:<10} {:>4} {:>6} {:<9} {:>6} {:>9} {:>8} {:>9}",
            "endpoint",
            "health",
            "sync",
            "rank",
            "score",
            "breaker",
            "in-fl",
            "requests",
            "failed",
            "ewma"
        ),
    ));
    for e in &s.endpoints {
        let breaker = format!("{:?}", e.breaker).to_lowercase();
        out.push(format!(
            "{:<32} {} {} {:>4} {:>6.3} {:<9} {:>6} {:>9} {:>8} {:>9}",
            e.url,
            st.status(e.health, 10),
            st.status(e.node_sync, 10),
            e.rank,
            e.score,
            breaker,
            e.in_flight,
            e.requests,
            e.failures,
            ms(e.ewma_latency_ms)
        ));
    }
    out.push(String::new());
    out.push(format!(
        "health    overall {}   errors by code: {}",
        st.status(s.health, 9),
        errors_line(s)
    ));
    out
}

fn plain_line(f: &Frame<'_>) -> String {
    let s = f.stats;
    let eps: Vec<String> = s
        .endpoints
        .iter()
        .map(|e| format!("{}={}/{:?}", e.url, e.health.as_str(), e.breaker).to_lowercase())
        .collect();
    format!(
        "[{:>5.1}s] calls {} ({:.0}/s) hit {:.1}% shared {} batches {} avg {:.2} max {} http {} p50 {} p99 {} errors {} | {}",
        f.elapsed.as_secs_f64(),
        s.calls,
        f.rate,
        s.cache.as_ref().map_or(0.0, |c| c.hit_rate * 100.0),
        s.shared_calls,
        s.batch.as_ref().map_or(0, |b| b.batches),
        s.batch.as_ref().map_or(0.0, |b| b.avg_batch_size),
        s.http.max_batch_size,
        s.http.http_requests,
        ms(s.latency_p50_ms),
        ms(s.latency_p99_ms),
        errors_line(s),
        eps.join(" ")
    )
}

/// Per-method rows from the metrics: calls, errors, p50, p99.
fn method_table(snap: &MetricsSnapshot) -> Vec<String> {
    let mut rows: BTreeMap<String, (f64, f64, Option<f64>, Option<f64>)> = BTreeMap::new();
    if let Some(ops) = snap.family("mantra_protocol_operations_total") {
        for s in &ops.series {
            if s.labels.get("protocol") != Some("rpc") {
                continue;
            }
            let (Some(op), Some(v)) = (s.labels.get("operation"), s.value) else {
                continue;
            };
            let row = rows.entry(op.to_string()).or_default();
            row.0 += v;
            if s.labels.get("status") == Some("error") {
                row.1 += v;
            }
        }
    }
    if let Some(lat) = snap.family("mantra_protocol_operation_duration_seconds") {
        for s in &lat.series {
            if let (Some(op), Some(h)) = (s.labels.get("operation"), &s.histogram) {
                if let Some(row) = rows.get_mut(op) {
                    row.2 = h.p50.map(|v| v * 1000.0);
                    row.3 = h.p99.map(|v| v * 1000.0);
                }
            }
        }
    }
    let mut out = vec![format!(
        "{:<22} {:>8} {:>7} {:>10} {:>10}",
        "method", "calls", "errors", "p50", "p99"
    )];
    for (op, (calls, errors, p50, p99)) in rows {
        out.push(format!(
            "{op:<22} {calls:>8} {errors:>7} {:>10} {:>10}",
            ms(p50),
            ms(p99)
        ));
    }
    out
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> ExitCode {
    let s = match settings() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("demo: {e}");
            return ExitCode::FAILURE;
        }
    };
    let tty = std::io::stdout().is_terminal();
    let style = Style {
        color: tty && std::env::var_os("NO_COLOR").is_none(),
    };
    println!(
        "connecting to {} (warming up the pool) ...",
        s.endpoints.join(", ")
    );
    let client = match MantraClient::new(client_config(&s)).await {
        Ok(c) => c,
        Err(e) => {
            eprintln!("demo: cannot connect: {e}");
            return ExitCode::FAILURE;
        }
    };
    let monitoring = start_monitoring(&client, &s.metrics_addr);
    let metrics_url = monitoring.as_ref().map(|(_, u)| u.clone());
    if let Some(u) = &metrics_url {
        println!("serving Prometheus metrics on {u}/metrics (and {u}/health, {u}/status)");
    }

    let run = Arc::new(format!(
        "{:x}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64)
    ));
    let work = Arc::new(Workload::default());
    let start = Instant::now();
    let until = start + s.duration;
    if s.writes {
        // The hot keys exist, so the hot readers read real values.
        for i in 0..5 {
            let tx = format!("demo{run}hot{i}=hot-value-{i}");
            work.txs_sent.fetch_add(1, Ordering::Relaxed);
            if client
                .broadcast_tx_sync(tx.as_bytes())
                .await
                .is_ok_and(|r| r.code == 0)
            {
                work.txs_accepted.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
    let mut tasks = Vec::new();
    for _ in 0..4 {
        tasks.push(tokio::spawn(hot_reader(client.clone(), run.clone(), until)));
    }
    tasks.push(tokio::spawn(poller(client.clone(), until)));
    tasks.push(tokio::spawn(burster(
        client.clone(),
        run.clone(),
        work.clone(),
        until,
    )));
    if s.writes {
        tasks.push(tokio::spawn(writer(
            client.clone(),
            run.clone(),
            work.clone(),
            until,
        )));
        tasks.push(tokio::spawn(verifier(client.clone(), work.clone(), until)));
    }

    let height = Arc::new(AtomicU64::new(0));
    let mut last_lines = 0usize;
    // (when, calls) over the last second, for the "calls/s now" rate.
    let mut window: std::collections::VecDeque<(Instant, u64)> = Default::default();
    let mut last_plain = Instant::now() - Duration::from_secs(10);
    let refresh = Duration::from_millis(250);
    let mut stdout = std::io::stdout();
    loop {
        let now = Instant::now();
        let done = now >= until;
        let stats = client.stats();
        if let Ok(st) = client.status().await {
            height.store(st.sync_info.latest_block_height, Ordering::Relaxed);
        }
        window.push_back((now, stats.calls));
        while window.len() > 2 && now.duration_since(window[1].0) >= Duration::from_secs(1) {
            window.pop_front();
        }
        let (t0, c0) = window[0];
        let dt = now.duration_since(t0).as_secs_f64();
        let rate = if dt > 0.0 {
            stats.calls.saturating_sub(c0) as f64 / dt
        } else {
            0.0
        };
        let h = height.load(Ordering::Relaxed);
        let frame = Frame {
            stats: &stats,
            work: &work,
            height: (h > 0).then_some(h),
            elapsed: now.duration_since(start),
            total: s.duration,
            rate,
            metrics_url: metrics_url.as_deref(),
            writes: s.writes,
        };
        if tty {
            let lines = render(&frame, &style);
            let mut buf = String::new();
            if last_lines > 0 {
                buf.push_str(&format!("\x1b[{last_lines}A"));
            }
            buf.push_str("\x1b[J");
            for l in &lines {
                buf.push_str(l);
                buf.push_str("\x1b[K\n");
            }
            let _ = stdout.write_all(buf.as_bytes());
            let _ = stdout.flush();
            last_lines = lines.len();
        } else if done || now.duration_since(last_plain) >= Duration::from_secs(2) {
            println!("{}", plain_line(&frame));
            last_plain = now;
        }
        if done {
            break;
        }
        tokio::time::sleep(refresh).await;
    }
    for t in tasks {
        let _ = t.await;
    }

    // Summary from the components and the metrics registry.
    let stats = client.stats();
    let elapsed = start.elapsed().as_secs_f64();
    println!();
    println!("{}", style.paint(BOLD, "summary"));
    let row = |k: &str, v: String| println!("  {k:<28} {v}");
    row("duration", format!("{elapsed:.1} s"));
    row(
        "calls",
        format!(
            "{} ({:.0}/s): {} ok, {} failed, {} cancelled",
            stats.calls,
            stats.calls as f64 / elapsed,
            stats.succeeded,
            stats.failed,
            stats.cancelled
        ),
    );
    if let Some(c) = &stats.cache {
        row(
            "cache",
            format!(
                "{:.1} % hit rate ({} hits, {} misses), {} entries, {}",
                c.hit_rate * 100.0,
                c.hits,
                c.misses,
                c.entries,
                bytes(c.memory_bytes)
            ),
        );
    }
    row(
        "single-flight",
        format!("{} calls shared", stats.shared_calls),
    );
    if let Some(b) = &stats.batch {
        row(
            "batches",
            format!(
                "{} batches, avg {:.2} ops, node limit {}, {} limit splits, {} retries",
                b.batches,
                b.avg_batch_size,
                b.effective_max_batch_size,
                b.batch_limit_splits,
                b.retries
            ),
        );
    }
    row(
        "on the wire",
        format!(
            "{} HTTP requests for {} JSON-RPC calls (max {} per request), {} failed",
            stats.http.http_requests,
            stats.http.rpc_requests,
            stats.http.max_batch_size,
            stats.http.http_failures
        ),
    );
    row(
        "calls per HTTP request",
        format!(
            "{:.1} (every call / every request sent)",
            stats.calls as f64 / stats.http.http_requests.max(1) as f64
        ),
    );
    row(
        "latency",
        format!(
            "p50 {}, p99 {}",
            ms(stats.latency_p50_ms),
            ms(stats.latency_p99_ms)
        ),
    );
    row(
        "pool",
        format!(
            "{} of {} endpoints usable, {} failovers, {} acquires",
            stats.pool.healthy_endpoints,
            stats.pool.endpoints.len(),
            stats.pool.failovers,
            stats.pool.acquired
        ),
    );
    if s.writes {
        row(
            "kvstore",
            format!(
                "{} txs sent ({} accepted), {} read back intact, {} wrong",
                work.txs_sent.load(Ordering::Relaxed),
                work.txs_accepted.load(Ordering::Relaxed),
                work.read_back_ok.load(Ordering::Relaxed),
                work.read_back_wrong.load(Ordering::Relaxed)
            ),
        );
    }
    row(
        "bursts",
        format!(
            "{} (40 distinct + 10 identical queries each)",
            work.bursts.load(Ordering::Relaxed)
        ),
    );
    row("errors by code", errors_line(&stats));
    row("health", stats.health.as_str().to_string());
    println!();
    for l in method_table(&client.metrics().get_all_metrics_sync()) {
        println!("  {l}");
    }
    println!();
    if let Some((m, _)) = monitoring {
        m.close();
    }
    client.close();
    if s.devnet {
        println!("the devnet keeps running (scripts/devnet down, or make devnet-down, stops it)");
    }
    ExitCode::SUCCESS
}
