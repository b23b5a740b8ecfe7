//! MantraClient for Kotlin/Swift: the core's composed client (cache → single-flight →
//! batcher → executor → pool → transport) with an optional host transport (OkHttp,
//! `java.net.http`, URLSession) as the `HostTransport` foreign trait.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use mantra_sdk as sdk;
use sdk::transport::{HttpMethod, HttpRequest, HttpResponse, Transport};
use sdk::CircuitState;

use crate::batch::BatchConfig;
use crate::cache::{CacheConfig, CacheManager};
use crate::clock::background_handle;
use crate::error::{guard, guard_async, FfiResult, MantraException};
use crate::health::{ComponentHealth, HealthChecker, HealthConfig, SystemHealth};
use crate::metrics::{MetricsCollector, MetricsConfig};
use crate::util::{parse_json, to_u64, to_usize};

/// HTTP method of a [`HttpRequestRecord`].
#[uniffi::remote(Enum)]
pub enum HttpMethod {
    /// `GET` (e.g. `/health`).
    Get,
    /// `POST` (JSON-RPC).
    Post,
}

/// State of an endpoint's circuit breaker.
#[uniffi::remote(Enum)]
pub enum CircuitState {
    /// Traffic flows; consecutive failures are counted.
    Closed,
    /// Traffic is rejected until the open period ends.
    Open,
    /// A few probe requests may pass; one success closes, one failure reopens.
    HalfOpen,
}

/// One HTTP exchange the SDK asks a [`HostTransport`] to perform.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct HttpRequestRecord {
    /// `GET` or `POST`.
    pub method: HttpMethod,
    /// Absolute URL (may carry credentials; never log it unredacted).
    pub url: String,
    /// Extra headers (`content-type: application/json` is implied for POST).
    pub headers: HashMap<String, String>,
    /// Request body (empty for GET).
    pub body: Vec<u8>,
    /// Deadline of the whole exchange, when the SDK sets one.
    pub timeout: Option<Duration>,
}

/// What a [`HostTransport`] received: any status is a response (the SDK decides what a
/// status means). Pass the response headers so the SDK can honour `Retry-After`.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct HttpResponseRecord {
    /// HTTP status code.
    pub status: u16,
    /// Response body.
    pub body: Vec<u8>,
    /// Response headers (names in any case).
    #[uniffi(default)]
    pub headers: HashMap<String, String>,
}

/// Sends the SDK's HTTP requests with the host's HTTP stack (Kotlin `suspend fun send`,
/// Swift `func send(...) async throws`). Return any response, whatever its status; throw
/// `MantraException.Transport` (or any exception) only when no response arrived
/// (connection refused, reset, DNS, timeout). The SDK cancels the call when its own
/// deadline passes.
#[uniffi::export(with_foreign)]
#[async_trait::async_trait]
pub trait HostTransport: Send + Sync {
    /// Performs one exchange.
    async fn send(&self, request: HttpRequestRecord)
        -> Result<HttpResponseRecord, MantraException>;
}

struct ForeignTransport(Arc<dyn HostTransport>);

impl std::fmt::Debug for ForeignTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HostTransport")
    }
}

impl Transport for ForeignTransport {
    fn send(
        &self,
        request: HttpRequest,
    ) -> sdk::runtime::BoxFuture<'static, sdk::Result<HttpResponse>> {
        let transport = self.0.clone();
        let record = HttpRequestRecord {
            method: request.method,
            url: request.url,
            headers: request.headers.into_iter().collect(),
            body: request.body,
            timeout: request.timeout,
        };
        Box::pin(async move {
            let r = transport
                .send(record)
                .await
                .map_err(|e| e.into_core("transport"))?;
            let now = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap_or_default();
            let retry_after = r
                .headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("retry-after"))
                .and_then(|(_, v)| sdk::transport::parse_retry_after(v, now));
            Ok(HttpResponse {
                status: r.status,
                body: r.body,
                retry_after,
            })
        })
    }
}

/// Connection pool settings; `null`/`nil` fields take the client's defaults
/// (`max_connections` 20, `min_connections` 5, `max_idle_time` 300 s,
/// `connection_timeout` 30 s, `acquire_timeout` 10 s, `health_check_interval` 10 s).
#[derive(Debug, Clone, Default, PartialEq, uniffi::Record)]
pub struct ConnectionPoolConfig {
    /// Most requests in flight at once per endpoint.
    #[uniffi(default)]
    pub max_connections: Option<u32>,
    /// Connections kept warm per endpoint (warm-up pings at construction).
    #[uniffi(default)]
    pub min_connections: Option<u32>,
    /// An idle connection older than this is trimmed (down to `min_connections`).
    #[uniffi(default)]
    pub max_idle_time: Option<Duration>,
    /// Deadline of one request through a connection.
    #[uniffi(default)]
    pub connection_timeout: Option<Duration>,
    /// How long a call waits for a free permit.
    #[uniffi(default)]
    pub acquire_timeout: Option<Duration>,
    /// Interval of the ranking loop that pings every endpoint.
    #[uniffi(default)]
    pub health_check_interval: Option<Duration>,
}

impl ConnectionPoolConfig {
    fn apply(&self, d: sdk::ConnectionPoolConfig) -> sdk::ConnectionPoolConfig {
        sdk::ConnectionPoolConfig {
            max_connections: self
                .max_connections
                .map(|n| n as usize)
                .unwrap_or(d.max_connections),
            min_connections: self
                .min_connections
                .map(|n| n as usize)
                .unwrap_or(d.min_connections),
            max_idle_time: self.max_idle_time.unwrap_or(d.max_idle_time),
            connection_timeout: self.connection_timeout.unwrap_or(d.connection_timeout),
            acquire_timeout: self.acquire_timeout.unwrap_or(d.acquire_timeout),
            health_check_interval: self
                .health_check_interval
                .unwrap_or(d.health_check_interval),
        }
    }
}

/// How long each kind of read stays cached (zero turns caching off for that kind);
/// `null`/`nil` fields take the client's defaults (node status 1 s, blocks and fixed-height
/// queries 1 h, latest queries 2 s, contract queries and pools 5 s, simulations 2 s).
#[derive(Debug, Clone, Default, PartialEq, uniffi::Record)]
pub struct CachePolicy {
    /// `status`, `abci_info`, latest `block`/`header`/...
    #[uniffi(default)]
    pub node_status_ttl: Option<Duration>,
    /// Anything at a fixed height, and `tx` by hash.
    #[uniffi(default)]
    pub block_ttl: Option<Duration>,
    /// `abci_query` at a fixed height.
    #[uniffi(default)]
    pub query_at_height_ttl: Option<Duration>,
    /// `abci_query` at the latest height.
    #[uniffi(default)]
    pub query_latest_ttl: Option<Duration>,
    /// CosmWasm smart queries.
    #[uniffi(default)]
    pub contract_query_ttl: Option<Duration>,
    /// MANTRA DEX pool state.
    #[uniffi(default)]
    pub pool_info_ttl: Option<Duration>,
    /// MANTRA DEX swap simulations.
    #[uniffi(default)]
    pub simulation_ttl: Option<Duration>,
    /// Further read methods reached through `call`, cached with these TTLs. A write
    /// (`broadcast_*`, …) or a method with a TTL above is refused (`InvalidConfig`).
    #[uniffi(default)]
    pub method_ttls: Option<HashMap<String, Duration>>,
}

impl CachePolicy {
    fn apply(&self, d: sdk::CachePolicy) -> sdk::CachePolicy {
        sdk::CachePolicy {
            node_status_ttl: self.node_status_ttl.unwrap_or(d.node_status_ttl),
            block_ttl: self.block_ttl.unwrap_or(d.block_ttl),
            query_at_height_ttl: self.query_at_height_ttl.unwrap_or(d.query_at_height_ttl),
            query_latest_ttl: self.query_latest_ttl.unwrap_or(d.query_latest_ttl),
            contract_query_ttl: self.contract_query_ttl.unwrap_or(d.contract_query_ttl),
            pool_info_ttl: self.pool_info_ttl.unwrap_or(d.pool_info_ttl),
            simulation_ttl: self.simulation_ttl.unwrap_or(d.simulation_ttl),
            method_ttls: self
                .method_ttls
                .as_ref()
                .map(|m| m.iter().map(|(k, v)| (k.clone(), *v)).collect())
                .unwrap_or(d.method_ttls),
        }
    }
}

/// Configuration of a [`MantraClient`]: the endpoints, and optionally each component's
/// settings. Every optional field left `null`/`nil` takes the client's default (a
/// component record with only some fields set overrides just those).
#[derive(Debug, Clone, Default, PartialEq, uniffi::Record)]
pub struct ClientConfig {
    /// RPC endpoints (`http(s)://host[:port][/path]`), at least one; ranked by health.
    pub endpoints: Vec<String>,
    /// Connection pool.
    #[uniffi(default)]
    pub pool: Option<ConnectionPoolConfig>,
    /// Response cache settings.
    #[uniffi(default)]
    pub cache: Option<CacheConfig>,
    /// `true` turns the response cache off.
    #[uniffi(default)]
    pub disable_cache: Option<bool>,
    /// Per-kind cache TTLs.
    #[uniffi(default)]
    pub cache_policy: Option<CachePolicy>,
    /// JSON-RPC batching settings.
    #[uniffi(default)]
    pub batch: Option<BatchConfig>,
    /// `true` sends every call in its own HTTP request.
    #[uniffi(default)]
    pub disable_batching: Option<bool>,
    /// Metrics (the client's default uses fine latency buckets, 50 µs … 30 s).
    #[uniffi(default)]
    pub metrics: Option<MetricsConfig>,
    /// Health checks (with `enable_auto_checks` the client runs them periodically).
    #[uniffi(default)]
    pub health: Option<HealthConfig>,
    /// Deadline of one call, queueing, batching, retries and failover included (30 s).
    #[uniffi(default)]
    pub request_timeout: Option<Duration>,
    /// Largest request body sent (at least 256; default 1 000 000, CometBFT's `max_body_bytes`).
    #[uniffi(default)]
    pub max_body_bytes: Option<u64>,
    /// A node whose latest block is older than this fails its sync check (60 s).
    #[uniffi(default)]
    pub max_block_age: Option<Duration>,
    /// Period of the loop refreshing the pool/cache/batch gauges in the metrics (1 s).
    #[uniffi(default)]
    pub metrics_refresh_interval: Option<Duration>,
}

impl ClientConfig {
    fn to_core(&self, transport: Option<Arc<dyn HostTransport>>) -> sdk::ClientConfig {
        let d = sdk::ClientConfig::default();
        let cache = match (self.disable_cache, &self.cache, d.cache) {
            (Some(true), _, _) => None,
            (_, Some(c), Some(base)) => Some(c.apply(base)),
            (_, Some(c), None) => Some(c.to_core()),
            (_, None, base) => base,
        };
        let batch = match (self.disable_batching, &self.batch, d.batch) {
            (Some(true), _, _) => None,
            (_, Some(b), Some(base)) => Some(b.apply(base)),
            (_, Some(b), None) => Some(b.apply(sdk::BatchConfig::default())),
            (_, None, base) => base,
        };
        sdk::ClientConfig {
            endpoints: self.endpoints.clone(),
            pool: match &self.pool {
                Some(p) => p.apply(d.pool),
                None => d.pool,
            },
            pool_options: d.pool_options,
            cache,
            cache_ttls: match (&self.cache, self.disable_cache) {
                (Some(c), disabled) if disabled != Some(true) => {
                    c.ttl_by_type.iter().map(|(t, d)| (*t, *d)).collect()
                }
                _ => d.cache_ttls,
            },
            cache_policy: match &self.cache_policy {
                Some(p) => p.apply(d.cache_policy),
                None => d.cache_policy,
            },
            batch,
            batch_options: match &self.batch {
                Some(b) => b.options(),
                None => d.batch_options,
            },
            executor: d.executor,
            metrics: match &self.metrics {
                Some(m) => m.apply(d.metrics),
                None => d.metrics,
            },
            health: match &self.health {
                Some(h) => h.apply(d.health),
                None => d.health,
            },
            transport: transport.map(|t| Arc::new(ForeignTransport(t)) as Arc<dyn Transport>),
            request_timeout: self.request_timeout.unwrap_or(d.request_timeout),
            max_body_bytes: self
                .max_body_bytes
                .map(to_usize)
                .unwrap_or(d.max_body_bytes),
            max_block_age: self.max_block_age.unwrap_or(d.max_block_age),
            cache_pressure_thresholds: d.cache_pressure_thresholds,
            batch_backlog_thresholds: d.batch_backlog_thresholds,
            metrics_refresh_interval: self
                .metrics_refresh_interval
                .unwrap_or(d.metrics_refresh_interval),
        }
    }
}

/// Result of `status()`: the fields apps use, and the whole answer as JSON.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct NodeStatus {
    /// Chain id.
    pub network: String,
    /// The node's moniker.
    pub moniker: String,
    /// The node's id.
    pub node_id: String,
    /// CometBFT version.
    pub version: String,
    /// Latest block height.
    pub latest_block_height: u64,
    /// Latest block time (RFC 3339).
    pub latest_block_time: String,
    /// Latest block hash (hex).
    pub latest_block_hash: String,
    /// App hash after the latest block (hex).
    pub latest_app_hash: String,
    /// Earliest block height the node has.
    pub earliest_block_height: u64,
    /// Whether the node is still syncing.
    pub catching_up: bool,
    /// The node's voting power (0 for a full node).
    pub voting_power: i64,
    /// The complete `status` result as JSON text.
    pub json: String,
}

impl From<sdk::rpc::NodeStatus> for NodeStatus {
    fn from(s: sdk::rpc::NodeStatus) -> Self {
        let json = serde_json::to_string(&s).unwrap_or_default();
        Self {
            network: s.node_info.network,
            moniker: s.node_info.moniker,
            node_id: s.node_info.id,
            version: s.node_info.version,
            latest_block_height: s.sync_info.latest_block_height,
            latest_block_time: s.sync_info.latest_block_time,
            latest_block_hash: s.sync_info.latest_block_hash,
            latest_app_hash: s.sync_info.latest_app_hash,
            earliest_block_height: s.sync_info.earliest_block_height,
            catching_up: s.sync_info.catching_up,
            voting_power: s.validator_info.voting_power,
            json,
        }
    }
}

/// Result of `abciQuery()`: the app's answer. A non-zero `code` is the app's own failure.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct AbciQueryResult {
    /// 0 on success.
    pub code: u32,
    /// App log.
    pub log: String,
    /// App info.
    pub info: String,
    /// Key index.
    pub index: i64,
    /// The queried key.
    pub key: Vec<u8>,
    /// The value (empty when absent).
    pub value: Vec<u8>,
    /// Height the answer is for.
    pub height: i64,
    /// Error namespace.
    pub codespace: String,
}

/// Result of `block()`: the header fields apps use, the transactions, and the whole
/// answer as JSON.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct BlockResult {
    /// Block hash (hex).
    pub hash: String,
    /// Chain id.
    pub chain_id: String,
    /// Height.
    pub height: u64,
    /// Time (RFC 3339).
    pub time: String,
    /// App hash (hex).
    pub app_hash: String,
    /// Proposer address (hex).
    pub proposer_address: String,
    /// Raw transactions.
    pub txs: Vec<Vec<u8>>,
    /// The complete `block` result as JSON text.
    pub json: String,
}

/// Result of `broadcastTxSync()` (after CheckTx).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct BroadcastTxResult {
    /// 0 when CheckTx accepted the transaction.
    pub code: u32,
    /// CheckTx data.
    pub data: Vec<u8>,
    /// CheckTx log.
    pub log: String,
    /// Error namespace.
    pub codespace: String,
    /// Transaction hash (hex).
    pub hash: String,
}

/// Statistics of one endpoint of the pool.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct PoolEndpointStats {
    /// URL, credentials redacted.
    pub url: String,
    /// Position in the ranking (0 = chosen first).
    pub rank: u64,
    /// Rank score in `[0, 1]`.
    pub score: f64,
    /// Live-traffic PeakEWMA latency, ms.
    pub ewma_latency_ms: Option<f64>,
    /// Mean health-ping latency over the sample window, ms.
    pub mean_ping_latency_ms: Option<f64>,
    /// Success rate over the sample window.
    pub success_rate: Option<f64>,
    /// Requests in flight.
    pub in_flight: u64,
    /// Circuit breaker state.
    pub breaker: CircuitState,
    /// Consecutive failures seen by the breaker.
    pub consecutive_failures: u32,
    /// Live requests sent.
    pub total_requests: u64,
    /// Live requests that failed.
    pub total_failures: u64,
    /// Health pings sent.
    pub health_checks: u64,
    /// Last failure (credentials redacted).
    pub last_error: Option<String>,
}

/// Statistics of the client's connection pool.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct PoolStats {
    /// Per endpoint, in configuration order.
    pub endpoints: Vec<PoolEndpointStats>,
    /// Endpoints with a closed/half-open breaker and a score above 0.
    pub healthy_endpoints: u64,
    /// Permits held across all endpoints.
    pub in_flight: u64,
    /// Successful permit acquisitions.
    pub acquired: u64,
    /// Acquisitions that failed with `PoolExhausted`.
    pub exhausted: u64,
    /// Acquisitions refused by an open breaker.
    pub circuit_rejections: u64,
    /// Requests retried on another endpoint.
    pub failovers: u64,
    /// Whether the pool is closed.
    pub closed: bool,
}

impl From<sdk::PoolStats> for PoolStats {
    fn from(s: sdk::PoolStats) -> Self {
        Self {
            endpoints: s
                .endpoints
                .into_iter()
                .map(|e| PoolEndpointStats {
                    url: e.url,
                    rank: to_u64(e.rank),
                    score: e.score,
                    ewma_latency_ms: e.ewma_latency_ms,
                    mean_ping_latency_ms: e.mean_ping_latency_ms,
                    success_rate: e.success_rate,
                    in_flight: to_u64(e.in_flight),
                    breaker: e.breaker,
                    consecutive_failures: e.consecutive_failures,
                    total_requests: e.total_requests,
                    total_failures: e.total_failures,
                    health_checks: e.health_checks,
                    last_error: e.last_error,
                })
                .collect(),
            healthy_endpoints: to_u64(s.healthy_endpoints),
            in_flight: to_u64(s.in_flight),
            acquired: s.acquired,
            exhausted: s.exhausted,
            circuit_rejections: s.circuit_rejections,
            failovers: s.failovers,
            closed: s.closed,
        }
    }
}

/// The composed MANTRA RPC client: every call goes through the cache (per-method TTL),
/// single-flight, the JSON-RPC batcher, the priority executor and the health-ranked
/// connection pool, observed by its metrics and health checks. Every call ends with one
/// result or one `MantraException`. Kotlin `close()` (AutoCloseable) releases and closes
/// it; `shutdown()` closes it and keeps the object for `stats`.
#[derive(uniffi::Object)]
pub struct MantraClient {
    inner: sdk::MantraClient,
}

impl MantraClient {
    async fn build(
        config: ClientConfig,
        transport: Option<Arc<dyn HostTransport>>,
    ) -> FfiResult<Arc<Self>> {
        let core = config.to_core(transport);
        // Built (and its loops spawned) on the SDK's background runtime, whichever host
        // thread asked.
        let rt = background_handle()
            .ok_or_else(|| MantraException::internal("the SDK runtime is not available"))?;
        let inner = rt
            .spawn(sdk::MantraClient::new(core))
            .await
            .map_err(|e| MantraException::internal(format!("client construction failed: {e}")))??;
        Ok(Arc::new(Self { inner }))
    }
}

impl Drop for MantraClient {
    /// Releasing the client closes it (pending calls end with `Closed`, loops stop).
    fn drop(&mut self) {
        self.inner.close();
    }
}

#[uniffi::export(async_runtime = "tokio")]
impl MantraClient {
    /// Builds the client and warms up its pool, **blocking the calling thread** until one
    /// endpoint answered (the others warm up in the background) or none did within
    /// `request_timeout`; from a coroutine / async context use `connect`. `transport` replaces the built-in HTTP client (reqwest) with
    /// the host's. Throws `InvalidConfig` naming the field, or `Transport` when no
    /// endpoint answers.
    #[uniffi::constructor(default(transport = None))]
    pub fn new(
        config: ClientConfig,
        transport: Option<Arc<dyn HostTransport>>,
    ) -> FfiResult<Arc<Self>> {
        guard(|| {
            let rt = background_handle()
                .ok_or_else(|| MantraException::internal("the SDK runtime is not available"))?;
            if tokio::runtime::Handle::try_current().is_ok() {
                return Err(MantraException::invalid_argument(
                    "MantraClient(config) blocks; inside an async runtime use MantraClient.connect",
                ));
            }
            rt.block_on(Self::build(config, transport))
        })
    }

    /// Like the constructor, without blocking: `MantraClient.connect(config)` (Kotlin
    /// `suspend`, Swift `async`).
    #[uniffi::constructor(default(transport = None))]
    pub async fn connect(
        config: ClientConfig,
        transport: Option<Arc<dyn HostTransport>>,
    ) -> FfiResult<Arc<Self>> {
        guard_async(Self::build(config, transport)).await
    }

    /// `status` (cached as node status, 1 s by default).
    pub async fn status(&self) -> FfiResult<NodeStatus> {
        guard_async(async { Ok(self.inner.status().await?.into()) }).await
    }

    /// The node's `health` method: returns when it answers (never cached).
    pub async fn health_check(&self) -> FfiResult<()> {
        guard_async(async { Ok(self.inner.health_check().await?) }).await
    }

    /// `abci_query` of `path` with `data` at `height` (null/nil = latest). The app's own
    /// failure is the result's `code`, not an exception.
    #[uniffi::method(default(height = None))]
    pub async fn abci_query(
        &self,
        path: String,
        data: Vec<u8>,
        height: Option<u64>,
    ) -> FfiResult<AbciQueryResult> {
        guard_async(async {
            let r = self.inner.abci_query(&path, &data, height).await?;
            Ok(AbciQueryResult {
                code: r.code,
                log: r.log,
                info: r.info,
                index: r.index,
                key: r.key,
                value: r.value,
                height: r.height,
                codespace: r.codespace,
            })
        })
        .await
    }

    /// CosmWasm smart query of `contract` with `msg_json`; returns the contract's JSON
    /// reply as text (cached 5 s by default). A non-zero ABCI code throws `Rpc`.
    pub async fn smart_query(&self, contract: String, msg_json: String) -> FfiResult<String> {
        guard_async(async {
            let msg = parse_json(&msg_json, "smart query message")?;
            Ok(self.inner.smart_query(&contract, &msg).await?.to_string())
        })
        .await
    }

    /// `block` at `height` (null/nil = latest).
    #[uniffi::method(default(height = None))]
    pub async fn block(&self, height: Option<u64>) -> FfiResult<BlockResult> {
        guard_async(async {
            let b = self.inner.block(height).await?;
            let json = serde_json::to_string(&b).unwrap_or_default();
            let h = b.block.header;
            Ok(BlockResult {
                hash: b.block_id.hash,
                chain_id: h.chain_id,
                height: h.height,
                time: h.time,
                app_hash: h.app_hash,
                proposer_address: h.proposer_address,
                txs: b.block.data.txs,
                json,
            })
        })
        .await
    }

    /// `broadcast_tx_sync` of the raw transaction `tx` (never cached, batched or shared).
    pub async fn broadcast_tx_sync(&self, tx: Vec<u8>) -> FfiResult<BroadcastTxResult> {
        guard_async(async {
            let r = self.inner.broadcast_tx_sync(&tx).await?;
            Ok(BroadcastTxResult {
                code: r.code,
                data: r.data,
                log: r.log,
                codespace: r.codespace,
                hash: r.hash,
            })
        })
        .await
    }

    /// Any JSON-RPC method with `params_json` (an object or array as JSON text); returns
    /// the result as JSON text. Cached, shared and batched by the client's policy, which
    /// `priority` (executor and batch), `timeout` (this call's deadline, default the
    /// client's `requestTimeout`) and `bypass_cache` (skip the lookup; the result still
    /// refreshes the cache) override for this call. Cancelling the Kotlin coroutine ends
    /// the call; one still waiting for its batch is never sent. (Swift: uniffi's generated
    /// async code does not pass a task's cancellation to Rust; the call runs to its end.)
    #[uniffi::method(default(
        params_json = "{}",
        priority = None,
        timeout = None,
        bypass_cache = false
    ))]
    pub async fn call(
        &self,
        method: String,
        params_json: String,
        priority: Option<sdk::Priority>,
        timeout: Option<Duration>,
        bypass_cache: bool,
    ) -> FfiResult<String> {
        guard_async(async {
            let params = parse_json(&params_json, "call params")?;
            let options = sdk::CallOptions {
                priority,
                timeout,
                bypass_cache,
            };
            Ok(self
                .inner
                .call_with_options(&method, params, &options)
                .await?
                .to_string())
        })
        .await
    }

    /// The response cache (null/nil when disabled), shared with the client.
    pub fn cache(&self) -> Option<Arc<CacheManager>> {
        self.inner.cache().cloned().map(CacheManager::wrap)
    }

    /// The client's metrics collector.
    pub fn metrics(&self) -> Arc<MetricsCollector> {
        MetricsCollector::wrap(self.inner.metrics().clone())
    }

    /// The client's health checker (endpoint, sync, pool, cache and batch checks).
    pub fn health(&self) -> Arc<HealthChecker> {
        HealthChecker::wrap(self.inner.health().clone())
    }

    /// Runs every health check now and returns the report.
    pub async fn run_health_checks(&self) -> FfiResult<SystemHealth> {
        guard_async(async { Ok(self.inner.run_health_checks().await?.into()) }).await
    }

    /// Health of one endpoint (its `endpoint:<url>` check), by URL as configured.
    pub fn endpoint_health(&self, url: String) -> Option<ComponentHealth> {
        self.inner.endpoint_health(&url).map(Into::into)
    }

    /// Pool statistics.
    pub fn pool_stats(&self) -> PoolStats {
        self.inner.pool_stats().into()
    }

    /// Everything the client knows (call counters, latency quantiles, every component's
    /// stats) as JSON text — the core's `ClientStats`.
    pub fn stats_json(&self) -> String {
        serde_json::to_string(&self.inner.stats()).unwrap_or_default()
    }

    /// The metrics as Prometheus text, with fresh gauges.
    pub fn prometheus(&self) -> String {
        self.inner.prometheus()
    }

    /// Closes the client: pending and later calls throw `Closed`; every background loop
    /// stops. Idempotent. (The core's `close`; Kotlin's `close()` also does this and
    /// releases the object.)
    #[uniffi::method(name = "shutdown")]
    pub fn close(&self) {
        self.inner.close()
    }

    /// Whether the client was closed.
    pub fn is_closed(&self) -> bool {
        self.inner.is_closed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unset_fields_take_the_client_defaults() {
        let c = ClientConfig {
            endpoints: vec!["http://127.0.0.1:1".into()],
            ..Default::default()
        }
        .to_core(None);
        let d = sdk::ClientConfig::default();
        assert_eq!(c.pool, d.pool);
        assert_eq!(c.cache, d.cache);
        assert_eq!(c.batch, d.batch);
        assert_eq!(c.metrics, d.metrics, "fine client buckets kept");
        assert_eq!(c.cache_policy, d.cache_policy);
        assert_eq!(c.request_timeout, d.request_timeout);
        let c = ClientConfig {
            endpoints: vec!["http://127.0.0.1:1".into()],
            metrics: Some(MetricsConfig {
                namespace: Some("app".into()),
                ..Default::default()
            }),
            pool: Some(ConnectionPoolConfig {
                max_connections: Some(3),
                ..Default::default()
            }),
            disable_batching: Some(true),
            ..Default::default()
        }
        .to_core(None);
        assert_eq!(c.metrics.namespace, "app");
        assert_eq!(c.metrics.histogram_buckets, d.metrics.histogram_buckets);
        assert_eq!(c.pool.max_connections, 3);
        assert_eq!(
            c.pool.health_check_interval, d.pool.health_check_interval,
            "the client's pool default, not the pool's"
        );
        assert!(c.batch.is_none());
    }

    #[tokio::test(flavor = "current_thread")]
    async fn bad_config_is_a_typed_error_and_a_dead_node_a_transport_error() {
        let e = MantraClient::connect(ClientConfig::default(), None)
            .await
            .err()
            .unwrap();
        assert!(
            matches!(&e, MantraException::InvalidConfig { field, .. } if field == "endpoints"),
            "{e:?}"
        );
        let e = MantraClient::connect(
            ClientConfig {
                endpoints: vec!["ftp://x".into()],
                ..Default::default()
            },
            None,
        )
        .await
        .err()
        .unwrap();
        assert_eq!(e.code(), "invalid_config");
        // Nothing listens on port 9 (discard) of loopback.
        let e = MantraClient::connect(
            ClientConfig {
                endpoints: vec!["http://127.0.0.1:9".into()],
                pool: Some(ConnectionPoolConfig {
                    connection_timeout: Some(Duration::from_secs(2)),
                    ..Default::default()
                }),
                ..Default::default()
            },
            None,
        )
        .await
        .err()
        .unwrap();
        assert_eq!(e.code(), "transport", "{e:?}");
        // The blocking constructor refuses to block inside an async runtime.
        let e = MantraClient::new(ClientConfig::default(), None)
            .err()
            .unwrap();
        assert_eq!(e.code(), "invalid_argument");
    }
}
