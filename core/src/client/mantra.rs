//! [`MantraClient`]: the composed request path.

use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

use futures::future::{select, Either};
use futures::stream::{FuturesUnordered, StreamExt};
use parking_lot::Mutex;
use serde::de::DeserializeOwned;
use serde_json::{json, Value};
use tokio::sync::Notify;

use super::config::{CallOptions, ClientConfig};
use super::executor::RpcBatchExecutor;
use super::metrics::ClientMetrics;
use super::policy::{cache_key, classify, is_cacheable_result, CallPolicy};
use super::stats::{ClientEndpointStats, ClientStats};
use crate::batch::{BatchManager, BatchOperation};
use crate::cache::{CacheManager, CacheType, SingleFlight};
use crate::exec::AsyncOptimizer;
use crate::health::{
    check_fn, endpoint_check, node_sync_check, threshold_check, ComponentHealth,
    HealthCheckOptions, HealthChecker, HealthStatus, SystemHealth,
};
use crate::metrics::MetricsCollector;
use crate::pool::{ConnectionPool, PoolStats};
use crate::rpc::cometbft::{
    abci_query_params, block_params, broadcast_tx_params, decode_node_status, methods, tx_params,
    DecodeRef, ResponseWrapper,
};
use crate::rpc::cosmwasm::{decode_smart_query, encode_smart_query, Coin};
use crate::rpc::{
    AbciInfo, AbciQueryResponse, BlockResponse, BroadcastTxCommitResponse, BroadcastTxResponse,
    DexPoolsResponse, DexQueryMsg, DexSimulationResponse, NodeStatus, TxResponse, SMART_QUERY_PATH,
};
use crate::runtime::{self, default_clock, spawn_background, BackgroundTask, SharedClock};
use crate::transport::{default_transport, Transport};
use crate::vec_map::VecMap;
use crate::{redact_url, Error, Result};

/// Names under which one endpoint appears in health reports.
#[derive(Debug, Clone)]
struct EndpointNames {
    url: String,
    redacted: String,
    endpoint_check: String,
    sync_check: String,
}

#[derive(Debug, Default)]
struct CallCounters {
    started: AtomicU64,
    succeeded: AtomicU64,
    failed: AtomicU64,
    cancelled: AtomicU64,
    cache_hits: AtomicU64,
    cache_misses: AtomicU64,
    shared: AtomicU64,
    by_code: Mutex<VecMap<&'static str, u64>>,
}

struct Inner {
    config: ClientConfig,
    clock: SharedClock,
    pool: ConnectionPool,
    cache: Option<CacheManager>,
    batch: Option<BatchManager>,
    optimizer: AsyncOptimizer,
    executor: RpcBatchExecutor,
    metrics: ClientMetrics,
    health: HealthChecker,
    flights: SingleFlight<String, Result<Arc<Value>>>,
    counters: CallCounters,
    endpoints: Vec<EndpointNames>,
    closed: AtomicBool,
    close_notify: Notify,
    refresher: Mutex<Option<BackgroundTask>>,
    /// The warm-up of endpoints still unanswered when the client became ready.
    warmup: Mutex<Option<BackgroundTask>>,
}

/// The MANTRA RPC client: every call travels the composed request path
///
/// ```text
/// call → cache (per-method TTL) → single-flight → batcher (JSON-RPC batch array)
///      → executor (priority, adaptive limit) → pool (best endpoint by health score,
///        permit, circuit breaker, one failover) → transport → decode → its caller
/// ```
///
/// with metrics recorded for every call and every HTTP request, and health checks per
/// endpoint. Every call ends with exactly one result or one typed error: its value, the
/// node's error ([`Error::Rpc`]), a whole-request failure (`transport`, `timeout`,
/// `circuit_open`, `pool_exhausted`, `batch_limit`, `capacity_exceeded`), `decode`,
/// [`Error::Timeout`] after `request_timeout`, or [`Error::Closed`] once
/// [`close`](Self::close) is called (pending calls included). See the
/// [module docs](super) for the cache policy table.
///
/// A cheap `Clone` handle: clones share everything.
///
/// ```no_run
/// # async fn demo() -> mantra_sdk::Result<()> {
/// use mantra_sdk::{ClientConfig, MantraClient};
/// let client = MantraClient::new(ClientConfig::new([
///     "http://127.0.0.1:26657",
///     "http://127.0.0.1:26757",
/// ]))
/// .await?;
/// let status = client.status().await?;
/// println!("height {}", status.sync_info.latest_block_height);
/// let stats = client.stats();
/// println!("cache hit rate {:.0} %", stats.cache.map_or(0.0, |c| c.hit_rate * 100.0));
/// client.close();
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct MantraClient {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for MantraClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MantraClient")
            .field(
                "endpoints",
                &self
                    .inner
                    .endpoints
                    .iter()
                    .map(|e| e.redacted.as_str())
                    .collect::<Vec<_>>(),
            )
            .field("cache", &self.inner.cache.is_some())
            .field("batch", &self.inner.batch.is_some())
            .field("closed", &self.is_closed())
            .finish()
    }
}

/// `abci_query` params of a CosmWasm smart query of `contract` with `msg`.
fn smart_params(contract: &str, msg: &Value) -> Result<Value> {
    let data = encode_smart_query(contract, msg)?;
    Ok(abci_query_params(SMART_QUERY_PATH, &data, None, false))
}

/// Decodes a JSON-RPC result without taking it apart (it may be shared with the cache).
fn decode_ref<T: DeserializeOwned>(value: &Value) -> Result<T> {
    T::deserialize(value).map_err(|e| decode_error::<T>(&e))
}

/// The error for a result that is not a `T`.
fn decode_error<T>(why: &dyn std::fmt::Display) -> Error {
    let ty = std::any::type_name::<T>();
    let ty = ty.rsplit("::").next().unwrap_or(ty);
    Error::Decode(format!("unexpected {ty} result: {why}"))
}

/// How long `connect` waits at least for the other endpoints once one answered.
const WARM_UP_GRACE: Duration = Duration::from_millis(100);

fn closed_error() -> Error {
    Error::Closed("client is closed".into())
}

impl MantraClient {
    /// Builds the client and warms up the pool: every endpoint gets
    /// `max(min_connections, 1)` health pings, and the client is ready as soon as one
    /// endpoint answers (the others finish warming up in the background). Fails with
    /// `InvalidConfig` for a bad config, or with `Error::Transport` when no endpoint answers
    /// its warm-up — each ping waits at most `request_timeout` — (endpoints that are down
    /// while another is up are kept and rejoin when they recover).
    pub async fn new(config: ClientConfig) -> Result<Self> {
        Self::build(config, None).await
    }

    /// Like [`new`](Self::new), with every component timed by `clock` (a
    /// [`ManualClock`](crate::ManualClock) in tests).
    pub async fn with_clock(config: ClientConfig, clock: SharedClock) -> Result<Self> {
        Self::build(config, Some(clock)).await
    }

    /// A client with the default configuration for `endpoints`.
    pub async fn connect<I, S>(endpoints: I) -> Result<Self>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self::new(ClientConfig::new(endpoints)).await
    }

    async fn build(config: ClientConfig, clock: Option<SharedClock>) -> Result<Self> {
        config.validate()?;
        let explicit_clock = clock.is_some();
        let clock = clock.unwrap_or_else(default_clock);
        let transport: Arc<dyn Transport> =
            config.transport.clone().unwrap_or_else(default_transport);

        let metrics = ClientMetrics::register(MetricsCollector::with_clock(
            config.metrics.clone(),
            clock.clone(),
        )?)?;
        // A health ping (the warm-up's included) gets no longer than a call would: an
        // endpoint that cannot answer within `request_timeout` is of no use to a call.
        let mut pool_options = config.pool_options.clone();
        pool_options
            .ping_timeout
            .get_or_insert(config.request_timeout.min(config.pool.connection_timeout));
        let pool = ConnectionPool::builder(config.pool.clone())
            .options(pool_options)
            .transport(transport.clone())
            .clock(clock.clone())
            .build()?;
        let optimizer = AsyncOptimizer::with_clock(config.executor.clone(), clock.clone())?;
        let executor = RpcBatchExecutor::build(
            pool.clone(),
            optimizer.clone(),
            clock.clone(),
            config.request_timeout,
            config.max_body_bytes,
            Some(metrics.clone()),
        );
        let cache = match &config.cache {
            None => None,
            // The cache reads the cheap coarse clock unless a clock was given.
            Some(c) if explicit_clock => Some(CacheManager::with_clock(c.clone(), clock.clone())?),
            Some(c) => Some(CacheManager::try_new(c.clone())?),
        };
        if let Some(cache) = &cache {
            for (ty, ttl) in &config.cache_ttls {
                cache.set_type_ttl(*ty, *ttl)?;
            }
        }
        let batch = match &config.batch {
            None => None,
            Some(b) => {
                let manager = BatchManager::with_clock(b.clone(), clock.clone())?;
                // `[` + `]` around the requests, each at most its `encoded_len`.
                manager.set_max_batch_bytes_ceiling(config.max_body_bytes - 2)?;
                manager.apply_options(&config.batch_options)?;
                manager.set_executor(Arc::new(executor.clone()));
                Some(manager)
            }
        };
        let health = HealthChecker::with_clock(config.health.clone(), clock.clone())?;
        let endpoints: Vec<EndpointNames> = config
            .endpoints
            .iter()
            .map(|u| {
                let url = u.trim().to_string();
                let redacted = redact_url(&url);
                EndpointNames {
                    endpoint_check: format!("endpoint:{redacted}"),
                    sync_check: format!("node_sync:{redacted}"),
                    url,
                    redacted,
                }
            })
            .collect();

        for e in &endpoints {
            crate::pool::parse_endpoint(&e.url).map_err(|e| match e {
                Error::InvalidArgument(m) => Error::invalid_config("endpoints", m),
                other => other,
            })?;
        }
        // Warm up every endpoint at once. Once one answers, the others get as long again as
        // it took (at least `WARM_UP_GRACE`): endpoints about as fast are ready with it, and a
        // slow or silent one finishes warming up in the background (marked down after its
        // ping timeout) instead of holding `connect` up.
        let started = clock.now();
        let mut warming: FuturesUnordered<_> = endpoints
            .iter()
            .map(|e| {
                let (pool, url) = (pool.clone(), e.url.clone());
                async move { pool.add_endpoint(&url).await }
            })
            .collect();
        while let Some(added) = warming.next().await {
            if let Err(e) = added {
                pool.close();
                return Err(e);
            }
            if pool.stats().healthy_endpoints > 0 {
                let grace = clock.now().saturating_sub(started).max(WARM_UP_GRACE);
                let mut grace = std::pin::pin!(clock.sleep(grace));
                while let Either::Left((Some(added), _)) =
                    select(warming.next(), grace.as_mut()).await
                {
                    if let Err(e) = added {
                        pool.close();
                        return Err(e);
                    }
                }
                break;
            }
        }
        let warmup = (!warming.is_empty())
            .then(|| spawn_background(async move { while warming.next().await.is_some() {} }));
        let pool_stats = pool.stats();
        if pool_stats.healthy_endpoints == 0 {
            pool.close();
            let why: Vec<String> = pool_stats
                .endpoints
                .iter()
                .map(|e| {
                    format!(
                        "{}: {}",
                        e.url,
                        e.last_error.as_deref().unwrap_or("no answer")
                    )
                })
                .collect();
            return Err(Error::transport(format!(
                "no RPC endpoint answered the warm-up ({})",
                why.join("; ")
            )));
        }

        register_checks(
            &config, &health, &pool, &cache, &batch, &transport, &clock, &endpoints,
        )?;
        {
            let pool = pool.clone();
            let metrics = metrics.clone();
            health.subscribe(move |name, _old, new| {
                metrics.set_health(name, new);
                // Health feeds the pool: a status change of an endpoint triggers a ranking
                // round now, so the pool's scores follow without waiting for its interval.
                if name.starts_with("endpoint:") && !pool.is_closed() {
                    let pool = pool.clone();
                    runtime::spawn(async move { pool.check_endpoints().await });
                }
            });
        }
        if config.health.enable_auto_checks {
            health.start();
        }
        metrics.collector.initialize_sync()?;

        let inner = Arc::new(Inner {
            clock,
            pool,
            cache,
            batch,
            optimizer,
            executor,
            metrics,
            health,
            flights: SingleFlight::new(),
            counters: CallCounters::default(),
            endpoints,
            closed: AtomicBool::new(false),
            close_notify: Notify::new(),
            refresher: Mutex::new(None),
            warmup: Mutex::new(warmup),
            config,
        });
        inner.refresh_metrics();
        let weak: Weak<Inner> = Arc::downgrade(&inner);
        let (clock, every) = (inner.clock.clone(), inner.config.metrics_refresh_interval);
        *inner.refresher.lock() = Some(spawn_background(async move {
            loop {
                clock.sleep(every).await;
                let Some(inner) = weak.upgrade() else { break };
                inner.refresh_metrics();
            }
        }));
        Ok(Self { inner })
    }

    // ----- RPC methods -----

    /// `status` (cached as `NodeStatus`, 1 s by default).
    pub async fn status(&self) -> Result<NodeStatus> {
        let (m, options) = (methods::STATUS, &CallOptions::default());
        self.run(m, m, json!({}), None, options, |v| decode_node_status(&v))
            .await
    }

    /// The node's `health` method: `Ok(())` when it answers (never cached).
    pub async fn health_check(&self) -> Result<()> {
        self.run(
            methods::HEALTH,
            methods::HEALTH,
            json!({}),
            None,
            &CallOptions::default(),
            |_| Ok(()),
        )
        .await
    }

    /// `abci_info` (cached as `NodeStatus`).
    pub async fn abci_info(&self) -> Result<AbciInfo> {
        self.run(
            methods::ABCI_INFO,
            methods::ABCI_INFO,
            json!({}),
            None,
            &CallOptions::default(),
            |v| decode_ref::<ResponseWrapper<AbciInfo>>(&v).map(|w| w.response),
        )
        .await
    }

    /// `abci_query` of `path` with `data` at `height` (`None` = latest). The app's own
    /// failure is in the response's `code` (see [`AbciQueryResponse::into_result`]);
    /// such answers are not cached. The future borrows only the client.
    pub fn abci_query(
        &self,
        path: &str,
        data: &[u8],
        height: Option<u64>,
    ) -> impl Future<Output = Result<AbciQueryResponse>> + '_ {
        let params = abci_query_params(path, data, height, false);
        async move {
            self.run(
                "abci_query",
                methods::ABCI_QUERY,
                params,
                None,
                &CallOptions::default(),
                |v| decode_ref::<ResponseWrapper<AbciQueryResponse>>(&v).map(|w| w.response),
            )
            .await
        }
    }

    /// CosmWasm smart query of `contract` with `msg` at the latest height; returns the
    /// contract's JSON reply (cached as `ContractQuery`). A non-zero ABCI code is
    /// [`Error::Rpc`]; an empty reply is [`Error::Decode`].
    pub fn smart_query(
        &self,
        contract: &str,
        msg: &Value,
    ) -> impl Future<Output = Result<Value>> + '_ {
        let params = smart_params(contract, msg);
        self.smart("smart_query", params, None)
    }

    /// MANTRA DEX: the pool `pool_identifier` of the pool manager contract
    /// `pool_manager` (cached as `PoolInfo`).
    pub fn dex_pools(
        &self,
        pool_manager: &str,
        pool_identifier: &str,
    ) -> impl Future<Output = Result<DexPoolsResponse>> + '_ {
        let params = serde_json::to_value(DexQueryMsg::pool(pool_identifier))
            .map_err(|e| Error::Encode(e.to_string()))
            .and_then(|msg| smart_params(pool_manager, &msg));
        let ttl = self.inner.config.cache_policy.pool_info_ttl;
        let policy = CallPolicy::cached(CacheType::PoolInfo, ttl);
        async move { decode_ref(&self.smart("dex_pools", params, Some(policy)).await?) }
    }

    /// MANTRA DEX: simulate swapping `offer_asset` for `ask_asset_denom` in
    /// `pool_identifier` (cached as `Simulation`).
    pub fn dex_simulation(
        &self,
        pool_manager: &str,
        offer_asset: Coin,
        ask_asset_denom: &str,
        pool_identifier: &str,
    ) -> impl Future<Output = Result<DexSimulationResponse>> + '_ {
        let msg = DexQueryMsg::simulation(offer_asset, ask_asset_denom, pool_identifier);
        let params = serde_json::to_value(msg)
            .map_err(|e| Error::Encode(e.to_string()))
            .and_then(|msg| smart_params(pool_manager, &msg));
        let ttl = self.inner.config.cache_policy.simulation_ttl;
        let policy = CallPolicy::cached(CacheType::Simulation, ttl);
        async move { decode_ref(&self.smart("dex_simulation", params, Some(policy)).await?) }
    }

    async fn smart(
        &self,
        op: &'static str,
        params: Result<Value>,
        policy: Option<CallPolicy>,
    ) -> Result<Value> {
        self.run(
            op,
            methods::ABCI_QUERY,
            params?,
            policy,
            &CallOptions::default(),
            |v| {
                let response = decode_ref::<ResponseWrapper<AbciQueryResponse>>(&v)?
                    .response
                    .into_result()?;
                decode_smart_query::<Value>(&response.value)
            },
        )
        .await
    }

    /// `block` at `height` (`None` = latest). A fixed height is cached as `Block` for an
    /// hour; the latest block as `NodeStatus` for a second.
    pub async fn block(&self, height: Option<u64>) -> Result<BlockResponse> {
        self.typed(methods::BLOCK, block_params(height)?).await
    }

    /// `tx` by raw hash bytes (cached as `Block`: a committed tx never changes). See
    /// [`tx_hex`](Self::tx_hex) for the hex form CometBFT prints.
    pub fn tx(&self, hash: &[u8]) -> impl Future<Output = Result<TxResponse>> + '_ {
        self.typed(methods::TX, tx_params(hash, false))
    }

    /// `tx` by hex hash (any case, optional `0x`), as in [`BroadcastTxResponse::hash`].
    pub fn tx_hex(&self, hash: &str) -> impl Future<Output = Result<TxResponse>> + '_ {
        let params = crate::rpc::cometbft::parse_tx_hash(hash).map(|h| tx_params(&h, false));
        async move { self.typed(methods::TX, params?).await }
    }

    /// `broadcast_tx_sync`: returns after CheckTx. Writes are never cached, shared or
    /// batched; a retryable failure is retried once on another endpoint by the pool (the
    /// mempool rejects a duplicate tx, so a retry never applies it twice).
    pub fn broadcast_tx_sync(
        &self,
        tx: &[u8],
    ) -> impl Future<Output = Result<BroadcastTxResponse>> + '_ {
        self.typed(methods::BROADCAST_TX_SYNC, broadcast_tx_params(tx))
    }

    /// `broadcast_tx_async`: returns at once.
    pub fn broadcast_tx_async(
        &self,
        tx: &[u8],
    ) -> impl Future<Output = Result<BroadcastTxResponse>> + '_ {
        self.typed(methods::BROADCAST_TX_ASYNC, broadcast_tx_params(tx))
    }

    /// `broadcast_tx_commit`: returns once the tx is in a block. Sent alone (never in a
    /// batch, where it would hold the node's batch handler for a block).
    pub fn broadcast_tx_commit(
        &self,
        tx: &[u8],
    ) -> impl Future<Output = Result<BroadcastTxCommitResponse>> + '_ {
        self.typed(methods::BROADCAST_TX_COMMIT, broadcast_tx_params(tx))
    }

    /// Any JSON-RPC method with `params`, under the policy of the module docs' table
    /// (unknown read methods: not cached unless listed in
    /// [`CachePolicy::method_ttls`](super::CachePolicy::method_ttls), but deduplicated and
    /// batched).
    pub async fn call(&self, method: &str, params: Value) -> Result<Value> {
        self.call_with_options(method, params, &CallOptions::default())
            .await
    }

    /// [`call`](Self::call) with a priority, a deadline or a cache bypass.
    pub async fn call_with_options(
        &self,
        method: &str,
        params: Value,
        options: &CallOptions,
    ) -> Result<Value> {
        if method.trim().is_empty() {
            return Err(Error::InvalidArgument("method must not be empty".into()));
        }
        self.run(method, method, params, None, options, |v| {
            Ok(Value::clone(&v))
        })
        .await
    }

    async fn typed<T: DecodeRef>(&self, method: &'static str, params: Value) -> Result<T> {
        self.run(method, method, params, None, &CallOptions::default(), |v| {
            T::decode_ref(&v).map_err(|e| decode_error::<T>(&e))
        })
        .await
    }

    /// One call: `op` names it in metrics, `method`/`params` go to the node, `policy`
    /// overrides the method's, `decode` turns the (possibly cached) result into `T`.
    async fn run<T>(
        &self,
        op: &str,
        method: &str,
        params: Value,
        policy: Option<CallPolicy>,
        options: &CallOptions,
        decode: impl FnOnce(Arc<Value>) -> Result<T>,
    ) -> Result<T> {
        let inner = &*self.inner;
        inner.counters.started.fetch_add(1, Ordering::Relaxed);
        let mut guard = CallGuard {
            inner,
            op,
            start: inner.clock.now(),
            done: false,
        };
        let mut policy =
            policy.unwrap_or_else(|| classify(&inner.config.cache_policy, method, &params));
        if let Some(p) = options.priority {
            policy.priority = p;
        }
        let timeout = options.timeout.unwrap_or(inner.config.request_timeout);
        let result = if timeout.is_zero() {
            Err(Error::InvalidArgument(
                "call timeout must be greater than 0".into(),
            ))
        } else {
            let notified = inner.close_notify.notified();
            let mut notified = std::pin::pin!(notified);
            notified.as_mut().enable();
            if inner.closed.load(Ordering::Acquire) {
                Err(closed_error())
            } else {
                let work = inner.route(method, params, policy, options.bypass_cache, timeout);
                let work = runtime::timeout(&*inner.clock, timeout, work);
                match select(std::pin::pin!(work), notified).await {
                    Either::Left((Ok(r), _)) => r.and_then(decode),
                    Either::Left((Err(runtime::Elapsed), _)) => Err(Error::timeout(op, timeout)),
                    Either::Right(((), _)) => Err(closed_error()),
                }
            }
        };
        guard.finish(&result);
        result
    }

    // ----- accessors -----

    /// The configuration.
    pub fn config(&self) -> &ClientConfig {
        &self.inner.config
    }

    /// The response cache (`None` when disabled).
    pub fn cache(&self) -> Option<&CacheManager> {
        self.inner.cache.as_ref()
    }

    /// The metrics collector (see [`refresh_metrics`](Self::refresh_metrics) for the
    /// gauges).
    pub fn metrics(&self) -> &MetricsCollector {
        &self.inner.metrics.collector
    }

    /// The health checker with the client's checks.
    pub fn health(&self) -> &HealthChecker {
        &self.inner.health
    }

    /// The connection pool.
    pub fn pool(&self) -> &ConnectionPool {
        &self.inner.pool
    }

    /// The batch manager (`None` when batching is off).
    pub fn batch_manager(&self) -> Option<&BatchManager> {
        self.inner.batch.as_ref()
    }

    /// The priority executor.
    pub fn executor(&self) -> &AsyncOptimizer {
        &self.inner.optimizer
    }

    /// Pool statistics.
    pub fn pool_stats(&self) -> PoolStats {
        self.inner.pool.stats()
    }

    /// Everything the client knows: its call counters, latency quantiles, and each
    /// component's own stats (no I/O).
    pub fn stats(&self) -> ClientStats {
        self.inner.stats()
    }

    /// Health of one endpoint (its `endpoint:<url>` check), by URL as configured.
    pub fn endpoint_health(&self, url: &str) -> Option<ComponentHealth> {
        let url = url.trim();
        let ep = self.inner.endpoints.iter().find(|e| e.url == url)?;
        self.inner.health.protocol_health(&ep.endpoint_check)
    }

    /// Runs every health check now and returns the report; `Closed` once the client is
    /// closed (its checker, [`health`](Self::health), still runs checks by hand, and its
    /// `pool` check then fails: the pool is closed).
    pub async fn run_health_checks(&self) -> Result<SystemHealth> {
        if self.is_closed() {
            return Err(closed_error());
        }
        let report = self.inner.health.run_health_checks().await?;
        self.inner.refresh_metrics();
        Ok(report)
    }

    /// Refreshes the gauges (pool, cache, batch, executor, health) in the metrics now;
    /// the client also does it every `metrics_refresh_interval`.
    pub fn refresh_metrics(&self) {
        self.inner.refresh_metrics();
    }

    /// The metrics as Prometheus text, with fresh gauges.
    pub fn prometheus(&self) -> String {
        self.inner.refresh_metrics();
        self.inner.metrics.collector.prometheus()
    }

    /// A [`MonitoringManager`](crate::MonitoringManager) over this client's metrics
    /// collector and health checker (its `metrics` / `health` configs are not used): its
    /// collection loop also refreshes the client's gauges, and with
    /// `serve_address` set, [`initialize`](crate::MonitoringManager::initialize) serves
    /// `GET /metrics`, `/health` and `/status` (native). Closing the manager stops the
    /// client's metrics and health loops too; closing the client does not close the
    /// manager.
    pub fn monitoring(&self, config: crate::MonitoringConfig) -> Result<crate::MonitoringManager> {
        let manager = crate::MonitoringManager::from_parts(
            config,
            self.inner.metrics.collector.clone(),
            self.inner.health.clone(),
            self.inner.clock.clone(),
        )?;
        let weak = Arc::downgrade(&self.inner);
        manager.register_gauge_provider("mantra_client", move |_| {
            if let Some(inner) = weak.upgrade() {
                inner.refresh_metrics();
            }
        })?;
        Ok(manager)
    }

    /// Closes the client: pending and later calls end with [`Error::Closed`]; the batch
    /// manager, executor and pool reject work; every background loop (pool ranking, cache
    /// cleanup, health checks, metrics aggregation and refresh) stops. Idempotent.
    pub fn close(&self) {
        let inner = &*self.inner;
        if inner.closed.swap(true, Ordering::AcqRel) {
            return;
        }
        // The batch manager first: its queued operations end `Closed` before the waiting
        // calls wake (and drop their tickets, which would count them as cancelled).
        if let Some(batch) = &inner.batch {
            batch.close();
        }
        inner.close_notify.notify_waiters();
        inner.optimizer.close();
        inner.pool.close();
        if let Some(cache) = &inner.cache {
            cache.close();
        }
        inner.health.close();
        inner.metrics.collector.close();
        if let Some(task) = inner.warmup.lock().take() {
            task.stop();
        }
        if let Some(task) = inner.refresher.lock().take() {
            task.stop();
        }
    }

    /// Whether [`close`](Self::close) was called.
    pub fn is_closed(&self) -> bool {
        self.inner.closed.load(Ordering::Acquire)
    }
}

/// Records a call's outcome exactly once: when it finishes, or as `cancelled` when its
/// future is dropped first.
struct CallGuard<'a> {
    inner: &'a Inner,
    op: &'a str,
    start: Duration,
    done: bool,
}

impl CallGuard<'_> {
    fn finish<T>(&mut self, result: &Result<T>) {
        self.done = true;
        let c = &self.inner.counters;
        let latency = self.inner.clock.now().saturating_sub(self.start);
        match result {
            Ok(_) => {
                c.succeeded.fetch_add(1, Ordering::Relaxed);
                self.inner.metrics.record_call(self.op, latency, None);
            }
            Err(e) => {
                c.failed.fetch_add(1, Ordering::Relaxed);
                let mut by_code = c.by_code.lock();
                match by_code.get_mut(e.code()) {
                    Some(n) => *n += 1,
                    None => {
                        by_code.insert(e.code(), 1);
                    }
                }
                self.inner
                    .metrics
                    .record_call(self.op, latency, Some(e.code()));
            }
        }
    }
}

impl Drop for CallGuard<'_> {
    fn drop(&mut self) {
        if !self.done {
            self.inner
                .counters
                .cancelled
                .fetch_add(1, Ordering::Relaxed);
            let latency = self.inner.clock.now().saturating_sub(self.start);
            self.inner
                .metrics
                .record_call(self.op, latency, Some("cancelled"));
        }
    }
}

impl Inner {
    /// cache → single-flight → dispatch, storing what may be cached.
    async fn route(
        &self,
        method: &str,
        params: Value,
        policy: CallPolicy,
        bypass_cache: bool,
        timeout: Duration,
    ) -> Result<Arc<Value>> {
        let cache = self.cache.as_ref().zip(policy.cache);
        let key = (policy.dedup || cache.is_some()).then(|| cache_key(method, &params));
        if let (Some((cache, (ty, _))), Some(key), false) = (cache, &key, bypass_cache) {
            let hit = cache.get_value(key, ty);
            self.metrics.record_cache_lookup(ty, hit.is_some());
            match hit {
                Some(v) => {
                    self.counters.cache_hits.fetch_add(1, Ordering::Relaxed);
                    return Ok(v);
                }
                None => {
                    self.counters.cache_misses.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
        let fetch = |key: Option<String>| async move {
            if let (Some((cache, (ty, _))), Some(key), false) = (cache, &key, bypass_cache) {
                // A flight that ended between our miss and now has stored the value.
                if let Some(v) = cache.engine().peek(ty, key) {
                    return Ok(v);
                }
            }
            let value = Arc::new(self.dispatch(method, params, policy, timeout).await?);
            if let (Some((cache, (ty, ttl))), Some(key)) = (cache, &key) {
                if is_cacheable_result(method, &value) {
                    // A value too heavy for the cache is still returned (counted as rejected).
                    let _ = cache.put_value_with_ttl(key, value.clone(), ty, ttl);
                }
            }
            Ok(value)
        };
        match key {
            Some(key) if policy.dedup => {
                let led = AtomicBool::new(false);
                let out = self
                    .flights
                    .run(key.clone(), || {
                        led.store(true, Ordering::Relaxed);
                        fetch(Some(key))
                    })
                    .await;
                if !led.load(Ordering::Relaxed) {
                    self.counters.shared.fetch_add(1, Ordering::Relaxed);
                    self.metrics.record_shared();
                }
                out
            }
            key => fetch(key).await,
        }
    }

    /// batcher (if the method may batch) or a single request → executor → pool.
    async fn dispatch(
        &self,
        method: &str,
        params: Value,
        policy: CallPolicy,
        timeout: Duration,
    ) -> Result<Value> {
        match &self.batch {
            Some(batch) if policy.batch => {
                let op = BatchOperation::from_value(method, params, policy.priority, timeout)?;
                // `run` bounds the wait by `timeout` too (its sleep made after this
                // submission, so it ends at or past the operation's deadline): one timer per
                // call; the dropped ticket then expires the operation (or cancels it when
                // the call is dropped earlier: see `without_timer`).
                batch.enqueue(op)?.without_timer().await
            }
            // Boxed: the executor's future is large, and unboxed it would size every call's
            // future (batched ones too) — each call would set up and move ~20 KB.
            _ => Box::pin(self.executor.send_with_timeout(
                &[(method, &params)],
                policy.priority,
                timeout,
            ))
            .await?
            .pop()
            .unwrap_or_else(|| Err(Error::Internal("no result for a single request".into()))),
        }
    }

    fn refresh_metrics(&self) {
        let m = &self.metrics;
        let pool = self.pool.stats();
        for e in &pool.endpoints {
            m.set_endpoint(&e.url, e.score, e.in_flight, e.breaker);
        }
        m.set_pool_healthy(pool.healthy_endpoints);
        let exec = self.optimizer.stats();
        m.set_executor(exec.limit, exec.in_flight, exec.queued.total());
        let mut pending = exec.queued.total() + exec.in_flight;
        if let Some(batch) = &self.batch {
            let b = batch.stats();
            m.set_batch(b.pending, b.in_flight, b.effective_max_batch_size);
            pending += b.pending;
        }
        let cache = self.cache.as_ref().map(CacheManager::stats);
        m.collector
            .record_resource_usage(&crate::metrics::MetricsResourceUsage {
                cache_bytes: cache.map(|c| c.memory_bytes),
                cache_entries: cache.map(|c| c.entries),
                active_connections: Some(pool.endpoints.iter().map(|e| e.connections as u64).sum()),
                pending_requests: Some(pending as u64),
                ..Default::default()
            });
        for (name, c) in self.health.system_health().components {
            m.set_health(&name, c.status);
        }
    }

    fn stats(&self) -> ClientStats {
        let c = &self.counters;
        let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
        let (succeeded, failed, cancelled) = (get(&c.succeeded), get(&c.failed), get(&c.cancelled));
        let snapshot = self.metrics.collector.registry().snapshot();
        let (p50, p99) = self.metrics.call_latency_quantiles(&snapshot);
        let pool = self.pool.stats();
        let health = self.health.system_health();
        let status_of = |name: &str| {
            health
                .components
                .get(name)
                .map_or(HealthStatus::Unknown, |h| h.status)
        };
        let endpoints = self
            .endpoints
            .iter()
            .zip(&pool.endpoints)
            .map(|(names, e)| ClientEndpointStats {
                url: e.url.clone(),
                health: status_of(&names.endpoint_check),
                node_sync: status_of(&names.sync_check),
                rank: e.rank,
                score: e.score,
                breaker: e.breaker,
                in_flight: e.in_flight,
                requests: e.total_requests,
                failures: e.total_failures,
                ewma_latency_ms: e.ewma_latency_ms,
                last_error: e.last_error.clone(),
            })
            .collect();
        ClientStats {
            calls: succeeded + failed + cancelled,
            succeeded,
            failed,
            cancelled,
            in_flight: get(&c.started).saturating_sub(succeeded + failed + cancelled),
            errors_by_code: crate::sort::btree(
                c.by_code.lock().iter().map(|(k, v)| (k.to_string(), *v)),
            ),
            cache_hits: get(&c.cache_hits),
            cache_misses: get(&c.cache_misses),
            shared_calls: get(&c.shared),
            latency_p50_ms: p50.map(|s| s * 1000.0),
            latency_p99_ms: p99.map(|s| s * 1000.0),
            http: self.executor.stats(),
            endpoints,
            health: health.overall_status,
            pool,
            cache: self.cache.as_ref().map(CacheManager::stats),
            batch: self.batch.as_ref().map(BatchManager::stats),
            executor: self.optimizer.stats(),
            closed: self.closed.load(Ordering::Acquire),
        }
    }
}

/// Registers the client's health checks (see the module docs).
#[allow(clippy::too_many_arguments)]
fn register_checks(
    config: &ClientConfig,
    health: &HealthChecker,
    pool: &ConnectionPool,
    cache: &Option<CacheManager>,
    batch: &Option<BatchManager>,
    transport: &Arc<dyn Transport>,
    clock: &SharedClock,
    endpoints: &[EndpointNames],
) -> Result<()> {
    let optional = |tag: &str| HealthCheckOptions::default().critical(false).tag(tag);
    for e in endpoints {
        health.register_check_with_options(
            e.endpoint_check.clone(),
            endpoint_check(transport.clone(), e.url.clone()),
            optional("endpoint"),
        )?;
        health.register_check_with_options(
            e.sync_check.clone(),
            node_sync_check(
                transport.clone(),
                e.url.clone(),
                clock.clone(),
                config.max_block_age,
            ),
            optional("node_sync"),
        )?;
    }
    let p = pool.clone();
    health.register_check_with_options(
        "pool",
        check_fn(move || {
            let stats = p.stats();
            async move {
                if stats.closed {
                    return Err(Error::HealthCheck {
                        check: "pool".into(),
                        message: "the pool is closed (its client was closed)".into(),
                    });
                }
                let total = stats.endpoints.len();
                match stats.healthy_endpoints {
                    0 => Err(Error::HealthCheck {
                        check: "pool".into(),
                        message: format!("none of {total} endpoint(s) is usable"),
                    }),
                    n if n < total => Ok(crate::health::CheckOutcome::degraded(format!(
                        "{n} of {total} endpoints usable"
                    ))),
                    _ => Ok(crate::health::CheckOutcome::healthy()),
                }
            }
        }),
        HealthCheckOptions::default().tag("pool"),
    )?;
    if let Some(cache) = cache {
        let c = cache.clone();
        let max = cache.config().max_memory_bytes.max(1) as f64;
        let (warn, fail) = config.cache_pressure_thresholds;
        health.register_check_with_options(
            "cache_pressure",
            threshold_check(
                "cache_pressure",
                move || c.memory_bytes() as f64 / max,
                warn,
                fail,
            ),
            optional("cache"),
        )?;
    }
    if let Some(batch) = batch {
        let b = batch.clone();
        let (warn, fail) = config.batch_backlog_thresholds;
        health.register_check_with_options(
            "batch_backlog",
            threshold_check(
                "batch_backlog",
                move || b.stats().pending as f64,
                warn,
                fail,
            ),
            optional("batch"),
        )?;
    }
    Ok(())
}
