//! [`MantraClient`]: the composed, observable MANTRA RPC client.
//!
//! ## Request path
//!
//! ```text
//! call → cache (per-method TTL) → single-flight (identical in-flight calls share one)
//!      → batcher (JSON-RPC batch array, ≤ the node's limit and max_body_bytes)
//!      → executor (priority, adaptive concurrency limit, deadline)
//!      → pool (best endpoint by health score, permit, circuit breaker, one failover)
//!      → transport (HTTP POST) → decode → each result to its caller
//! ```
//!
//! Metrics observe every call (`<ns>_protocol_*{protocol="rpc",operation}` and
//! `<ns>_client_call_duration_seconds`), every cache lookup, every HTTP request and its
//! batch size, and the pool / batch / executor / health gauges. Every call ends with
//! exactly one result or one typed error.
//!
//! ## Metrics (on the client's [`MetricsCollector`](crate::MetricsCollector), `<ns>` = its namespace)
//!
//! | family | type | labels |
//! |---|---|---|
//! | `<ns>_protocol_operations_total`, `<ns>_protocol_operation_duration_seconds`, `<ns>_protocol_errors_total` | (collector) | `protocol="rpc"`, `operation` = the client method (`status`, `abci_query`, `smart_query`, `dex_pools`, …; for `call` the JSON-RPC method) — every call, as its caller saw it, cache hits included; a call dropped by its caller counts as error `cancelled` |
//! | `<ns>_client_call_duration_seconds` | histogram (fine buckets, 50 µs … 30 s) | — every call |
//! | `<ns>_client_cache_lookups_total` | counter | `cache_type`, `result` (`hit`/`miss`) |
//! | `<ns>_client_shared_calls_total` | counter | — calls served by an identical in-flight call |
//! | `<ns>_client_http_requests_total` | counter | `endpoint`, `outcome` (`ok` or an error code) |
//! | `<ns>_client_http_request_duration_seconds` | histogram | `endpoint` |
//! | `<ns>_client_batch_size` | histogram | — JSON-RPC requests per HTTP request |
//! | `<ns>_client_pool_endpoint_score`, `_in_flight`, `_breaker_state` (0 closed, 1 half-open, 2 open) | gauge | `endpoint` |
//! | `<ns>_client_pool_healthy_endpoints` | gauge | |
//! | `<ns>_client_batch_pending`, `_in_flight`, `_effective_max_size` | gauge | |
//! | `<ns>_client_executor_limit`, `_in_flight`, `_queued` | gauge | |
//! | `<ns>_client_health_status` | gauge (1 for the current status, else 0) | `component`, `status` |
//!
//! plus the collector's resource gauges (`<ns>_resource_cache_entries`,
//! `<ns>_resource_memory_bytes{kind="cache"}`, `<ns>_resource_connections_active`,
//! `<ns>_resource_pending_requests`). Gauges are refreshed every
//! `metrics_refresh_interval` and on [`MantraClient::refresh_metrics`].
//!
//! ## Cache and call policy (decided here, for every binding)
//!
//! | call | cache type | TTL (default) | shared in flight | batched | priority |
//! |---|---|---|---|---|---|
//! | `broadcast_tx_sync` / `_async` / `_commit`, any `broadcast_*`, `unsafe_*`, `dial_*` | never cached | — | no | no (sent alone) | High |
//! | `status`, `abci_info` | `NodeStatus` | `node_status_ttl` 1 s | yes | yes | Normal |
//! | `block`, `header`, `commit`, `validators`, `block_results` at the latest height | `NodeStatus` | `node_status_ttl` 1 s | yes | yes | Normal |
//! | the same at a fixed height; `tx` by hash | `Block` | `block_ttl` 1 h | yes | yes | Normal |
//! | `abci_query` at the latest height | `Generic` | `query_latest_ttl` 2 s | yes | yes | Normal |
//! | `abci_query` at a fixed height | `Generic` | `query_at_height_ttl` 1 h | yes | yes | Normal |
//! | `smart_query` (CosmWasm, latest) | `ContractQuery` | `contract_query_ttl` 5 s | yes | yes | Normal |
//! | `dex_pools` | `PoolInfo` | `pool_info_ttl` 5 s | yes | yes | Normal |
//! | `dex_simulation` | `Simulation` | `simulation_ttl` 2 s | yes | yes | Normal |
//! | `health` (liveness) | never cached | — | yes | yes | Normal |
//! | any other method via `call` | `Generic` if in `method_ttls`, else never cached | — | yes | yes | Normal |
//!
//! Keys are the method plus the params as canonical JSON (object keys sorted). Errors are
//! never cached, nor `abci_query` answers with a non-zero ABCI code. A TTL of zero turns
//! caching off for that row. [`CallOptions`] override the priority and deadline per call
//! or bypass the cache lookup.
//!
//! ## Health
//!
//! The client's [`HealthChecker`](crate::HealthChecker) has, per endpoint,
//! `endpoint:<url>` ([`endpoint_check`](crate::endpoint_check), `GET /health`) and
//! `node_sync:<url>` ([`node_sync_check`](crate::node_sync_check), catching up / block age
//! over `max_block_age`) — both non-critical — plus the critical `pool` check (fails when
//! no endpoint is usable, degraded when some are not), and non-critical `cache_pressure`
//! (cache bytes / budget) and `batch_backlog` (queued operations) threshold checks. An
//! endpoint's status change triggers a pool ranking round at once; traffic routing itself
//! is the pool's: its circuit breaker opens on consecutive live failures and its ranking
//! loop (every `pool.health_check_interval`) re-scores endpoints, so a dead node stops
//! receiving calls within a few failures and rejoins after it answers pings again.
//!
//! ## Failures and retries
//!
//! A whole-request failure that may succeed elsewhere (transport error, timeout,
//! 408/429/5xx) is retried once on the next-best endpoint by the pool; batched calls are
//! further retried by the batch manager (`retry_attempts`, exponential backoff + jitter,
//! also for per-item -32603/-32005). The node's batch-limit answer teaches the batcher the
//! limit, which then splits. `request_timeout` bounds a call from start to result.

pub(crate) mod config;
mod executor;
mod mantra;
mod metrics;
mod policy;
mod stats;

#[cfg(test)]
mod tests;

pub use config::{CachePolicy, CallOptions, ClientConfig};
pub use executor::{RpcBatchExecutor, RpcExecutorStats};
pub use mantra::MantraClient;
pub use metrics::CLIENT_LATENCY_BUCKETS;
pub use stats::{ClientEndpointStats, ClientStats};
