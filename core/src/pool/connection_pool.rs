//! [`ConnectionPool`]: endpoints, permits, ranking loop, acquire and failover.

use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

use futures::future::{join_all, select, Either};
use parking_lot::{Mutex, RwLock};
use tokio::sync::Notify;

use super::breaker::{Admission, CircuitState};
use super::config::{ConnectionPoolConfig, PoolOptions};
use super::endpoint::{parse_endpoint, EndpointState};
use super::permits::{Lease, PooledConnection};
use super::score::rank_score;
use super::stats::{PoolEndpointStats, PoolStats};
use super::EndpointClient;
use crate::rpc::jsonrpc::{decode_single, encode_request, RpcId, RpcIdAllocator, RpcRequest};
use crate::runtime::{default_clock, spawn_background, timeout, BackgroundTask, SharedClock};
use crate::transport::{default_transport, HttpRequest, HttpResponse, Transport};
use crate::{Error, Result};

#[derive(Debug, Default)]
struct Counters {
    acquired: AtomicU64,
    exhausted: AtomicU64,
    circuit_rejections: AtomicU64,
    failovers: AtomicU64,
    hedges: AtomicU64,
}

/// State shared by the pool handles, its leases and its ranking loop.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) config: ConnectionPoolConfig,
    pub(crate) options: PoolOptions,
    pub(crate) transport: Arc<dyn Transport>,
    pub(crate) clock: SharedClock,
    endpoints: RwLock<Vec<Arc<EndpointState>>>,
    /// Woken whenever a permit, a breaker or the endpoint list may have changed.
    pub(crate) notify: Notify,
    closed: AtomicBool,
    next_order: AtomicU64,
    ping_ids: RpcIdAllocator,
    counters: Counters,
}

/// Everything known about one endpoint at one instant, for ranking and stats.
struct View {
    ep: Arc<EndpointState>,
    score: f64,
    /// PeakEWMA × (in_flight + 1), seconds; 0 while unknown.
    cost: f64,
    in_flight: usize,
    state: CircuitState,
    admits: bool,
    open_until: Option<Duration>,
    ewma: Option<f64>,
    mean_ping: Option<f64>,
    success_rate: Option<f64>,
}

impl Shared {
    fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }

    fn endpoint_list(&self) -> Vec<Arc<EndpointState>> {
        self.endpoints.read().clone()
    }

    fn ping_timeout(&self) -> Duration {
        self.options
            .ping_timeout
            .unwrap_or(self.config.connection_timeout)
    }

    /// Scores every endpoint in `eps` at `now`; `max_latency` of the viem formula is taken
    /// over all of them.
    fn views(&self, now: Duration, eps: &[Arc<EndpointState>]) -> Vec<View> {
        let mut raw = Vec::with_capacity(eps.len());
        for ep in eps {
            let in_flight = ep.in_flight();
            let h = ep.health.lock();
            raw.push((
                ep.clone(),
                in_flight,
                h.window.mean_ping_latency(),
                h.window.max_ping_latency(),
                h.window.success_rate(),
                h.ewma.value(now),
                h.breaker.state(now),
                h.breaker.would_admit(now),
                h.breaker.open_until(now),
            ));
        }
        let max_latency = raw.iter().filter_map(|r| r.3).fold(0.0_f64, f64::max);
        let (lw, sw) = (self.options.latency_weight, self.options.stability_weight);
        raw.into_iter()
            .map(
                |(ep, in_flight, mean, _, success, ewma, state, admits, open_until)| View {
                    score: rank_score(lw, sw, mean, max_latency, success),
                    cost: ewma.unwrap_or(0.0) * (in_flight as f64 + 1.0),
                    ep,
                    in_flight,
                    state,
                    admits,
                    open_until,
                    ewma,
                    mean_ping: mean,
                    success_rate: success,
                },
            )
            .collect()
    }

    /// Orders views best first. Endpoints within `score_tolerance` of the best remaining
    /// score form a tier; inside a tier the lowest PeakEWMA cost wins, then fewer
    /// in-flight, then the higher score, then the endpoint added first.
    fn rank(&self, mut views: Vec<View>) -> Vec<View> {
        crate::sort::sort_by(&mut views, |a, b| {
            b.score
                .total_cmp(&a.score)
                .then(a.ep.order.cmp(&b.ep.order))
        });
        let tol = self.options.score_tolerance;
        let mut out = Vec::with_capacity(views.len());
        let mut rest = views.into_iter().peekable();
        while let Some(first) = rest.next() {
            let floor = first.score - tol;
            let mut tier = vec![first];
            while let Some(next) = rest.next_if(|v| v.score >= floor) {
                tier.push(next);
            }
            crate::sort::sort_by(&mut tier, |a, b| {
                a.cost
                    .total_cmp(&b.cost)
                    .then(a.in_flight.cmp(&b.in_flight))
                    .then(b.score.total_cmp(&a.score))
                    .then(a.ep.order.cmp(&b.ep.order))
            });
            out.extend(tier);
        }
        out
    }

    /// Sends one health ping to `ep` and records it.
    async fn ping(&self, ep: &EndpointState) -> Result<()> {
        let ping = RpcRequest::new(
            self.ping_ids.next_id(),
            self.options.ping_method.as_str(),
            serde_json::json!({}),
        );
        let deadline = self.ping_timeout();
        let mut request = HttpRequest::post_json(ep.url.url.clone(), encode_request(&ping)?);
        request.timeout = Some(deadline);
        let start = self.clock.now();
        let outcome = timeout(&*self.clock, deadline, self.transport.send(request)).await;
        let now = self.clock.now();
        let result = match outcome {
            Err(_) => Err(Error::timeout(
                format!("health ping to {}", ep.url.redacted),
                deadline,
            )),
            Ok(Err(e)) => Err(e),
            Ok(Ok(resp)) => check_ping_reply(&resp, &ping.id, &ep.url.redacted),
        };
        ep.record_ping(now, now.saturating_sub(start), &result);
        result
    }

    /// One ranking round: trims idle connections and pings every endpoint concurrently.
    async fn health_round(&self) {
        let eps = self.endpoint_list();
        let now = self.clock.now();
        for ep in &eps {
            ep.health.lock().slots.trim(
                now,
                self.config.min_connections,
                self.config.max_idle_time,
            );
        }
        join_all(eps.iter().map(|ep| self.ping(ep))).await;
        self.notify.notify_waiters();
    }

    fn redacted_list(eps: &[Arc<EndpointState>]) -> String {
        eps.iter()
            .map(|e| e.url.redacted.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Takes a permit on the best admitting endpoint (excluding `exclude`), waiting up to
    /// `acquire_timeout` when `wait` is set.
    async fn acquire(
        self: &Arc<Self>,
        exclude: Option<u64>,
        wait: bool,
    ) -> Result<PooledConnection> {
        let start = self.clock.now();
        let deadline = start + self.config.acquire_timeout;
        loop {
            let notified = self.notify.notified();
            let mut notified = std::pin::pin!(notified);
            notified.as_mut().enable();
            if self.is_closed() {
                return Err(Error::Closed("connection pool is closed".into()));
            }
            let now = self.clock.now();
            let mut eps = self.endpoint_list();
            eps.retain(|e| Some(e.order) != exclude);
            if eps.is_empty() {
                self.counters.exhausted.fetch_add(1, Ordering::Relaxed);
                return Err(Error::PoolExhausted(if exclude.is_some() {
                    "no other endpoint to fail over to".into()
                } else {
                    "no endpoints: call initialize(url) or add_endpoint(url) first".into()
                }));
            }
            let views = self.rank(self.views(now, &eps));
            if views.iter().all(|v| v.state == CircuitState::Open) {
                self.counters
                    .circuit_rejections
                    .fetch_add(1, Ordering::Relaxed);
                return Err(Error::CircuitOpen {
                    endpoint: Self::redacted_list(&eps),
                });
            }
            for v in views.iter().filter(|v| v.admits) {
                let Ok(permit) = v.ep.semaphore.clone().try_acquire_owned() else {
                    continue;
                };
                let admission = v.ep.health.lock().breaker.admit(now);
                let probe = match admission {
                    Admission::Normal => None,
                    Admission::Probe(generation) => Some(generation),
                    Admission::Denied => continue,
                };
                self.counters.acquired.fetch_add(1, Ordering::Relaxed);
                return Ok(PooledConnection::new(Lease::new(
                    v.ep.clone(),
                    self.clone(),
                    permit,
                    probe,
                )));
            }
            if !wait || now >= deadline {
                self.counters.exhausted.fetch_add(1, Ordering::Relaxed);
                return Err(Error::PoolExhausted(format!(
                    "no permit free on {} endpoint(s) within {:?} ({} per endpoint)",
                    eps.len(),
                    if wait {
                        self.config.acquire_timeout
                    } else {
                        Duration::ZERO
                    },
                    self.config.max_connections
                )));
            }
            // Wake on a release / breaker change, when an open breaker turns half-open, or
            // at the deadline.
            let wake_at = views
                .iter()
                .filter_map(|v| v.open_until)
                .fold(deadline, Duration::min);
            let sleep = self.clock.sleep(wake_at.saturating_sub(now));
            let _ = select(notified, sleep).await;
        }
    }

    fn endpoint_stats(&self, now: Duration) -> Vec<PoolEndpointStats> {
        let eps = self.endpoint_list();
        let ranked = self.rank(self.views(now, &eps));
        let mut out: Vec<(u64, PoolEndpointStats)> = ranked
            .into_iter()
            .enumerate()
            .map(|(rank, v)| {
                let h = v.ep.health.lock();
                let ms = |s: f64| s * 1000.0;
                (
                    v.ep.order,
                    PoolEndpointStats {
                        url: v.ep.url.redacted.clone(),
                        rank,
                        score: v.score,
                        ewma_latency_ms: v.ewma.map(ms),
                        mean_ping_latency_ms: v.mean_ping.map(ms),
                        success_rate: v.success_rate,
                        samples: h.window.ping_count(),
                        in_flight: v.in_flight,
                        connections: h.slots.open(),
                        idle_connections: h.slots.idle(),
                        breaker: v.state,
                        consecutive_failures: h.breaker.consecutive_failures(),
                        times_opened: h.breaker.times_opened(),
                        total_requests: h.total_requests,
                        total_failures: h.total_failures,
                        health_checks: h.health_checks,
                        health_check_failures: h.health_check_failures,
                        last_error: h.last_error.clone(),
                    },
                )
            })
            .collect();
        crate::sort::sort_by_key(&mut out, |(order, _)| *order);
        out.into_iter().map(|(_, s)| s).collect()
    }
}

/// Checks a health ping reply: 2xx and a JSON-RPC reply to `id` with a `result`.
fn check_ping_reply(resp: &HttpResponse, id: &RpcId, redacted: &str) -> Result<()> {
    if !(200..300).contains(&resp.status) {
        return Err(resp.status_error(Some(redacted)));
    }
    match decode_single(id, resp) {
        Ok(_) => Ok(()),
        Err(Error::Decode(why)) => Err(Error::Decode(format!(
            "health reply from {redacted}: {why}"
        ))),
        Err(e) => Err(e),
    }
}

#[derive(Debug)]
struct Inner {
    shared: Arc<Shared>,
    task: Mutex<Option<BackgroundTask>>,
}

/// A pool of connections to one or more CometBFT RPC endpoints, with health-ranked
/// failover.
///
/// * **Connections.** A connection is an in-flight permit on one endpoint (at most
///   `max_connections` per endpoint) plus the transport's keep-alive socket it travels on;
///   the sockets themselves are the transport's (reqwest's pool on native, the browser's on
///   wasm). The pool estimates open/idle connections: idle ones unused for `max_idle_time`
///   are trimmed down to `min_connections` (see [`PoolEndpointStats::connections`]).
/// * **Ranking.** Every `health_check_interval` a background loop pings every endpoint
///   (JSON-RPC `health`) and keeps the last [`PoolOptions::sample_count`] samples;
///   `score = 0.3·(1 − meanLatency/maxLatency) + 0.7·successRate` (viem), 0 if nothing in
///   the window succeeded. Live requests add their success/failure to the window. Endpoints
///   within [`PoolOptions::score_tolerance`] of the best score are equally healthy and
///   are chosen among by live-traffic PeakEWMA latency × (in-flight + 1) (tower), then by
///   fewer in-flight.
/// * **Circuit breaker** per endpoint: closed → open after `failure_threshold`
///   consecutive failures → half-open after `open_duration` (limited probes) → closed on a
///   success, open again on a failure. Health pings count as outcomes too.
/// * **Failover.** [`execute`](Self::execute) retries a retryable error once on the
///   next-best endpoint, and can hedge a stalled call ([`PoolOptions::stall_timeout`]).
///
/// Cheap to clone; the ranking loop stops on [`close`](Self::close) or when the last
/// handle is dropped.
#[derive(Debug, Clone)]
pub struct ConnectionPool {
    inner: Arc<Inner>,
}

/// Builder for a [`ConnectionPool`] with non-default options, transport or clock.
#[derive(Debug)]
pub struct ConnectionPoolBuilder {
    config: ConnectionPoolConfig,
    options: PoolOptions,
    transport: Option<Arc<dyn Transport>>,
    clock: Option<SharedClock>,
}

impl ConnectionPoolBuilder {
    /// Further knobs (breaker, EWMA, rank weights, ping method, hedging).
    pub fn options(mut self, options: PoolOptions) -> Self {
        self.options = options;
        self
    }

    /// The transport requests go through (default: [`default_transport`]).
    pub fn transport(mut self, transport: Arc<dyn Transport>) -> Self {
        self.transport = Some(transport);
        self
    }

    /// The clock for timeouts, latency and intervals (default: the platform clock).
    pub fn clock(mut self, clock: SharedClock) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Validates the config and options and builds the pool.
    pub fn build(self) -> Result<ConnectionPool> {
        self.config.validate()?;
        self.options.validate()?;
        let shared = Arc::new(Shared {
            config: self.config,
            options: self.options,
            transport: self.transport.unwrap_or_else(default_transport),
            clock: self.clock.unwrap_or_else(default_clock),
            endpoints: RwLock::new(Vec::new()),
            notify: Notify::new(),
            closed: AtomicBool::new(false),
            next_order: AtomicU64::new(0),
            ping_ids: RpcIdAllocator::new(),
            counters: Counters::default(),
        });
        Ok(ConnectionPool {
            inner: Arc::new(Inner {
                shared,
                task: Mutex::new(None),
            }),
        })
    }
}

impl ConnectionPool {
    /// A pool with the platform transport and clock.
    ///
    /// # Panics
    /// If `config` is invalid (see [`ConnectionPoolConfig::validate`]); use
    /// [`try_new`](Self::try_new) to get the error instead.
    pub fn new(config: ConnectionPoolConfig) -> Self {
        match Self::try_new(config) {
            Ok(pool) => pool,
            Err(e) => panic!("{e}"),
        }
    }

    /// A pool with the platform transport and clock, or `Error::InvalidConfig`.
    pub fn try_new(config: ConnectionPoolConfig) -> Result<Self> {
        Self::builder(config).build()
    }

    /// A pool timed by `clock`, with the platform transport.
    pub fn with_clock(config: ConnectionPoolConfig, clock: SharedClock) -> Result<Self> {
        Self::builder(config).clock(clock).build()
    }

    /// A pool sending through `transport`, timed by `clock`.
    pub fn with_transport(
        config: ConnectionPoolConfig,
        transport: Arc<dyn Transport>,
        clock: SharedClock,
    ) -> Result<Self> {
        Self::builder(config)
            .transport(transport)
            .clock(clock)
            .build()
    }

    /// A builder for options, transport and clock.
    pub fn builder(config: ConnectionPoolConfig) -> ConnectionPoolBuilder {
        ConnectionPoolBuilder {
            config,
            options: PoolOptions::default(),
            transport: None,
            clock: None,
        }
    }

    /// The pool's configuration.
    pub fn config(&self) -> &ConnectionPoolConfig {
        &self.inner.shared.config
    }

    /// The pool's further options.
    pub fn options(&self) -> &PoolOptions {
        &self.inner.shared.options
    }

    fn shared(&self) -> &Arc<Shared> {
        &self.inner.shared
    }

    /// Adds `url` and warms it up (see [`add_endpoint`](Self::add_endpoint)); fails if
    /// the endpoint is unreachable **and** no other endpoint is healthy.
    ///
    /// The warm-up sends `max(min_connections, 1)` concurrent health pings. When none
    /// succeeds and no other endpoint has a non-open breaker and a score above 0, this
    /// returns the first ping's error — the endpoint stays registered (marked down; the
    /// ranking loop keeps probing it and it rejoins when it recovers), so calling
    /// `initialize` again with the same URL simply re-runs the warm-up.
    ///
    /// Errors: `InvalidArgument` for a URL that is not `http(s)://host[:port]...`,
    /// `Closed` after [`close`](Self::close), or the warm-up error.
    pub async fn initialize(&mut self, url: &str) -> Result<()> {
        self.add(url, true).await
    }

    /// Adds an endpoint (a no-op for one already present, apart from a new warm-up) and
    /// warms it up with `max(min_connections, 1)` concurrent health pings. Unlike
    /// [`initialize`](Self::initialize) an unreachable endpoint is not an error: it is
    /// marked down and probed by the ranking loop. Starts the ranking loop if needed.
    pub async fn add_endpoint(&self, url: &str) -> Result<()> {
        self.add(url, false).await
    }

    async fn add(&self, url: &str, strict: bool) -> Result<()> {
        let shared = self.shared().clone();
        if shared.is_closed() {
            return Err(Error::Closed("connection pool is closed".into()));
        }
        let parsed = parse_endpoint(url)?;
        let ep = {
            let mut list = shared.endpoints.write();
            match list.iter().find(|e| e.url.key == parsed.key) {
                Some(ep) => ep.clone(),
                None => {
                    let order = shared.next_order.fetch_add(1, Ordering::Relaxed);
                    let ep = Arc::new(EndpointState::new(
                        parsed,
                        order,
                        &shared.config,
                        &shared.options,
                    ));
                    list.push(ep.clone());
                    ep
                }
            }
        };
        self.ensure_loop();
        let n = shared.config.min_connections.max(1);
        let results = join_all((0..n).map(|_| shared.ping(&ep))).await;
        let ok = results.iter().filter(|r| r.is_ok()).count();
        shared.notify.notify_waiters();
        if ok > 0 {
            let now = shared.clock.now();
            ep.health.lock().slots.warm(ok, now);
            return Ok(());
        }
        if !strict {
            return Ok(());
        }
        let now = shared.clock.now();
        let others: Vec<_> = shared
            .endpoint_list()
            .into_iter()
            .filter(|e| e.order != ep.order)
            .collect();
        let other_healthy = shared
            .views(now, &shared.endpoint_list())
            .iter()
            .filter(|v| others.iter().any(|o| o.order == v.ep.order))
            .any(|v| v.state != CircuitState::Open && v.score > 0.0);
        if other_healthy {
            return Ok(());
        }
        match results.into_iter().find_map(|r| r.err()) {
            Some(e) => Err(e),
            None => Err(Error::Internal("warm-up failed without an error".into())),
        }
    }

    fn ensure_loop(&self) {
        let shared = self.shared();
        let mut task = self.inner.task.lock();
        if task.is_some() || shared.is_closed() {
            return;
        }
        let weak: Weak<Inner> = Arc::downgrade(&self.inner);
        let clock = shared.clock.clone();
        let interval = shared.config.health_check_interval;
        *task = Some(spawn_background(async move {
            loop {
                clock.sleep(interval).await;
                let shared = match weak.upgrade() {
                    Some(inner) => inner.shared.clone(),
                    None => return,
                };
                if shared.is_closed() {
                    return;
                }
                shared.health_round().await;
            }
        }));
    }

    /// Removes the endpoint with this URL; connections already taken keep working.
    /// Returns whether it was present.
    pub fn remove_endpoint(&self, url: &str) -> bool {
        let Ok(parsed) = parse_endpoint(url) else {
            return false;
        };
        let shared = self.shared();
        let removed = {
            let mut list = shared.endpoints.write();
            let before = list.len();
            list.retain(|e| e.url.key != parsed.key);
            list.len() != before
        };
        if removed {
            shared.notify.notify_waiters();
        }
        removed
    }

    /// Every endpoint with its statistics, in the order added.
    pub fn endpoints(&self) -> Vec<PoolEndpointStats> {
        let shared = self.shared();
        shared.endpoint_stats(shared.clock.now())
    }

    /// Takes a connection on the best-ranked endpoint whose breaker admits traffic and
    /// that has a free permit, waiting up to `acquire_timeout` for one.
    ///
    /// Errors: `PoolExhausted` (no endpoint, or no permit within `acquire_timeout`),
    /// `CircuitOpen` (every endpoint's breaker is open), `Closed` (after
    /// [`close`](Self::close), also for callers already waiting).
    pub async fn acquire(&self) -> Result<PooledConnection> {
        self.shared().acquire(None, true).await
    }

    /// Like [`acquire`](Self::acquire) but never waits: `PoolExhausted` if no permit is
    /// free right now.
    pub fn try_acquire(&self) -> Result<PooledConnection> {
        use futures::FutureExt;
        match self.shared().acquire(None, false).now_or_never() {
            Some(result) => result,
            None => Err(Error::Internal("non-waiting acquire did wait".into())),
        }
    }

    /// Runs `f` with a client on the best endpoint, failing over once.
    ///
    /// Policy: if `f` returns an error for which [`Error::is_retryable`] holds (transport
    /// failure, timeout, 408/429/5xx, JSON-RPC -32603/-32005), the connection is released
    /// and `f` runs once more on the next-best endpoint (any other endpoint that admits
    /// traffic); that second result is returned as is. When no other endpoint is available,
    /// the first error is returned. Non-retryable errors are returned immediately.
    ///
    /// With [`PoolOptions::stall_timeout`] set, a first call still running after that
    /// delay is hedged: `f` also starts on the next-best endpoint (if a permit is free
    /// right now) and the first success wins; if one fails, the other's result is awaited.
    pub async fn execute<T, F, Fut>(&self, f: F) -> Result<T>
    where
        F: Fn(EndpointClient) -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        let shared = self.shared().clone();
        let first = shared.acquire(None, true).await?;
        let first_order = first.client().order();
        let first_call = f(first.client().clone());
        let result = match shared.options.stall_timeout {
            None => first_call.await,
            Some(stall) => {
                let first_call = std::pin::pin!(first_call);
                match select(first_call, shared.clock.sleep(stall)).await {
                    Either::Left((result, _)) => result,
                    Either::Right(((), first_call)) => {
                        match shared.acquire(Some(first_order), false).await {
                            Err(_) => first_call.await,
                            Ok(second) => {
                                shared.counters.hedges.fetch_add(1, Ordering::Relaxed);
                                let second_call = std::pin::pin!(f(second.client().clone()));
                                return match select(first_call, second_call).await {
                                    Either::Left((Ok(v), _)) | Either::Right((Ok(v), _)) => Ok(v),
                                    Either::Left((Err(_), other)) => other.await,
                                    Either::Right((Err(_), other)) => other.await,
                                };
                            }
                        }
                    }
                }
            }
        };
        match result {
            Err(e) if e.is_retryable() => {
                drop(first);
                let Ok(second) = shared.acquire(Some(first_order), true).await else {
                    return Err(e);
                };
                shared.counters.failovers.fetch_add(1, Ordering::Relaxed);
                f(second.client().clone()).await
            }
            other => other,
        }
    }

    /// Runs one ranking round now (pings every endpoint), besides the periodic loop.
    pub async fn check_endpoints(&self) {
        let shared = self.shared().clone();
        if !shared.is_closed() {
            shared.health_round().await;
        }
    }

    /// Pool statistics (no I/O).
    pub fn stats(&self) -> PoolStats {
        let shared = self.shared();
        let now = shared.clock.now();
        let endpoints = shared.endpoint_stats(now);
        let c = &shared.counters;
        PoolStats {
            healthy_endpoints: endpoints
                .iter()
                .filter(|e| e.breaker != CircuitState::Open && e.score > 0.0)
                .count(),
            in_flight: endpoints.iter().map(|e| e.in_flight).sum(),
            endpoints,
            max_connections_per_endpoint: shared.config.max_connections,
            acquired: c.acquired.load(Ordering::Relaxed),
            exhausted: c.exhausted.load(Ordering::Relaxed),
            circuit_rejections: c.circuit_rejections.load(Ordering::Relaxed),
            failovers: c.failovers.load(Ordering::Relaxed),
            hedges: c.hedges.load(Ordering::Relaxed),
            closed: shared.is_closed(),
        }
    }

    /// Stops the ranking loop; pending and future `acquire`/`execute` calls fail with
    /// `Error::Closed`. Connections already taken keep working until dropped. Idempotent.
    pub fn close(&self) {
        let shared = self.shared();
        shared.closed.store(true, Ordering::Release);
        if let Some(task) = self.inner.task.lock().take() {
            task.stop();
        }
        shared.notify.notify_waiters();
    }

    /// Whether [`close`](Self::close) was called.
    pub fn is_closed(&self) -> bool {
        self.shared().is_closed()
    }

    /// Whether the background ranking loop is running.
    pub fn is_ranking(&self) -> bool {
        self.inner
            .task
            .lock()
            .as_ref()
            .is_some_and(|t| !t.is_stopped())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(status: u16, body: &str) -> HttpResponse {
        HttpResponse {
            status,
            body: body.as_bytes().to_vec(),
            retry_after: None,
        }
    }

    #[test]
    fn ping_replies_are_decoded_by_the_rpc_codec() {
        let id = RpcId::Num(7);
        let from = "https://***@n/";
        assert_eq!(
            check_ping_reply(
                &reply(200, r#"{"jsonrpc":"2.0","id":7,"result":{}}"#),
                &id,
                from
            ),
            Ok(())
        );
        // The node's own error, with its data unquoted.
        assert_eq!(
            check_ping_reply(
                &reply(
                    200,
                    r#"{"jsonrpc":"2.0","id":7,"error":{"code":-32601,"message":"Method not found","data":"no health"}}"#
                ),
                &id,
                from
            ),
            Err(Error::Rpc {
                code: -32601,
                message: "Method not found".into(),
                data: Some("no health".into()),
            })
        );
        for bad in [
            r#"{"jsonrpc":"2.0","id":8,"result":{}}"#,
            r#"{"jsonrpc":"2.0","id":7}"#,
            "<html>",
        ] {
            let err = check_ping_reply(&reply(200, bad), &id, from).unwrap_err();
            assert_eq!(err.code(), "decode", "{bad}");
            assert!(
                err.to_string()
                    .contains("health reply from https://***@n/: "),
                "{err}"
            );
        }
        let err = check_ping_reply(&reply(503, "down"), &id, from).unwrap_err();
        assert_eq!(
            err,
            Error::Transport {
                message: "HTTP 503 from https://***@n/: down".into(),
                status: Some(503),
                retry_after: None,
            }
        );
    }
}
