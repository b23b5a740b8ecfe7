//! [`ClientStats`] and [`ClientEndpointStats`].

use std::collections::BTreeMap;

use serde::Serialize;

use super::executor::RpcExecutorStats;
use crate::batch::BatchStats;
use crate::cache::CacheStats;
use crate::exec::ExecStats;
use crate::health::HealthStatus;
use crate::pool::{CircuitState, PoolStats};

/// One endpoint as the client sees it: the pool's ranking and counters with its health.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClientEndpointStats {
    /// URL with credentials redacted.
    pub url: String,
    /// Status of its `endpoint:<url>` health check (`GET /health`).
    pub health: HealthStatus,
    /// Status of its `node_sync:<url>` health check (`GET /status`, block age).
    pub node_sync: HealthStatus,
    /// Position in the pool's ranking (0 = chosen first).
    pub rank: usize,
    /// Rank score in `[0, 1]`.
    pub score: f64,
    /// Circuit breaker state.
    pub breaker: CircuitState,
    /// Requests in flight.
    pub in_flight: usize,
    /// HTTP requests sent through the pool.
    pub requests: u64,
    /// Of those, failed ones (transport errors, timeouts, 408/429/5xx).
    pub failures: u64,
    /// Live-traffic PeakEWMA latency, ms.
    pub ewma_latency_ms: Option<f64>,
    /// Last failure (credentials redacted).
    pub last_error: Option<String>,
}

/// A snapshot of a [`MantraClient`](super::MantraClient): its own call counters, latency
/// quantiles from its metrics, and each component's stats.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClientStats {
    /// Calls finished: `succeeded + failed + cancelled`.
    pub calls: u64,
    /// Calls that returned a value.
    pub succeeded: u64,
    /// Calls that returned an error.
    pub failed: u64,
    /// Calls whose future was dropped before they finished.
    pub cancelled: u64,
    /// Calls started and not yet finished.
    pub in_flight: u64,
    /// Failed calls by [`Error::code`](crate::Error::code).
    pub errors_by_code: BTreeMap<String, u64>,
    /// Cacheable calls answered from the cache.
    pub cache_hits: u64,
    /// Cacheable calls that missed the cache.
    pub cache_misses: u64,
    /// Calls answered by an identical call already in flight (single-flight).
    pub shared_calls: u64,
    /// Median call latency (cache hits included), ms — from the
    /// `<ns>_client_call_duration_seconds` histogram, bucket-interpolated.
    pub latency_p50_ms: Option<f64>,
    /// 99th percentile call latency, ms (same source).
    pub latency_p99_ms: Option<f64>,
    /// HTTP requests, failures and batch sizes on the wire.
    pub http: RpcExecutorStats,
    /// Per endpoint, in configuration order.
    pub endpoints: Vec<ClientEndpointStats>,
    /// Overall health (of the last checks run).
    pub health: HealthStatus,
    /// The pool's stats.
    pub pool: PoolStats,
    /// The cache's stats (`None` when disabled).
    pub cache: Option<CacheStats>,
    /// The batch manager's stats (`None` when batching is off).
    pub batch: Option<BatchStats>,
    /// The executor's stats.
    pub executor: ExecStats,
    /// Whether the client was closed.
    pub closed: bool,
}
