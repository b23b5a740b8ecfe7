//! [`RpcBatchExecutor`]: the [`BatchExecutor`] that turns a batch of operations into one
//! JSON-RPC request over the connection pool, under the priority executor.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use serde_json::Value;

use super::metrics::ClientMetrics;
use crate::batch::{BatchExecutor, BatchOperation, BatchOutcome};
use crate::exec::{AsyncOptimizer, Priority};
use crate::pool::ConnectionPool;
use crate::rpc::jsonrpc::{
    check_body_size, decode_response, encode_calls, RpcId, RpcIdAllocator, DEFAULT_MAX_BODY_BYTES,
};
use crate::runtime::{default_clock, BoxFuture, SharedClock};
use crate::transport::HttpRequest;
use crate::Result;

/// Counters of an [`RpcBatchExecutor`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct RpcExecutorStats {
    /// HTTP requests sent (a failover or hedge counts each attempt).
    pub http_requests: u64,
    /// HTTP requests that failed as a whole (transport error, timeout, non-2xx status,
    /// batch limit, undecodable answer).
    pub http_failures: u64,
    /// JSON-RPC requests carried by those HTTP requests.
    pub rpc_requests: u64,
    /// Most JSON-RPC requests carried by one HTTP request.
    pub max_batch_size: u64,
}

#[derive(Debug, Default)]
struct Counters {
    http_requests: AtomicU64,
    http_failures: AtomicU64,
    rpc_requests: AtomicU64,
    max_batch_size: AtomicU64,
}

struct Inner {
    pool: ConnectionPool,
    optimizer: AsyncOptimizer,
    clock: SharedClock,
    ids: RpcIdAllocator,
    timeout: Duration,
    max_body_bytes: usize,
    metrics: Option<ClientMetrics>,
    counters: Counters,
}

/// Sends JSON-RPC requests through a [`ConnectionPool`] under an [`AsyncOptimizer`]:
///
/// 1. encodes the operations (`id` = method, `params`) as ONE JSON-RPC batch array (a
///    single operation as a plain request object), with fresh unique ids;
/// 2. refuses a body over `max_body_bytes` with [`Error::CapacityExceeded`](crate::Error::CapacityExceeded);
/// 3. waits for an executor permit at the batch's highest priority (timeout included);
/// 4. runs [`ConnectionPool::execute`]: the best-ranked endpoint's connection posts the
///    body; a retryable whole-batch failure (transport error, timeout, 408/429/5xx) is
///    retried once on the next-best endpoint (the pool's failover policy);
/// 5. decodes the answer with [`decode_response`]: one result per operation, in order —
///    or one whole-batch error, e.g. [`Error::BatchLimit`](crate::Error::BatchLimit) for
///    the node's "batch request exceeds maximum" (the [`BatchManager`](crate::BatchManager)
///    then learns the limit and splits).
///
/// It is the executor [`MantraClient`](super::MantraClient) and
/// [`PerformanceManager`](crate::PerformanceManager) attach to their batch managers. Cheap
/// to clone.
#[derive(Clone)]
pub struct RpcBatchExecutor {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for RpcBatchExecutor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RpcBatchExecutor")
            .field("timeout", &self.inner.timeout)
            .field("max_body_bytes", &self.inner.max_body_bytes)
            .field("stats", &self.stats())
            .finish()
    }
}

impl RpcBatchExecutor {
    /// An executor over `pool` and `optimizer`, with a 30 s deadline per request and
    /// CometBFT's 1 000 000-byte body limit, timed on the platform clock.
    pub fn new(pool: ConnectionPool, optimizer: AsyncOptimizer) -> Self {
        Self::build(
            pool,
            optimizer,
            default_clock(),
            Duration::from_secs(30),
            DEFAULT_MAX_BODY_BYTES,
            None,
        )
    }

    /// Like [`new`](Self::new) with an explicit clock, per-request deadline (executor wait
    /// + HTTP exchange + one failover) and body limit.
    pub fn with_settings(
        pool: ConnectionPool,
        optimizer: AsyncOptimizer,
        clock: SharedClock,
        timeout: Duration,
        max_body_bytes: usize,
    ) -> Result<Self> {
        crate::error::check_duration("timeout", timeout)?;
        if max_body_bytes == 0 {
            return Err(crate::Error::invalid_config(
                "max_body_bytes",
                "must be greater than 0",
            ));
        }
        Ok(Self::build(
            pool,
            optimizer,
            clock,
            timeout,
            max_body_bytes,
            None,
        ))
    }

    pub(crate) fn build(
        pool: ConnectionPool,
        optimizer: AsyncOptimizer,
        clock: SharedClock,
        timeout: Duration,
        max_body_bytes: usize,
        metrics: Option<ClientMetrics>,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                pool,
                optimizer,
                clock,
                ids: RpcIdAllocator::new(),
                timeout,
                max_body_bytes,
                metrics,
                counters: Counters::default(),
            }),
        }
    }

    /// The counters.
    pub fn stats(&self) -> RpcExecutorStats {
        let c = &self.inner.counters;
        let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
        RpcExecutorStats {
            http_requests: get(&c.http_requests),
            http_failures: get(&c.http_failures),
            rpc_requests: get(&c.rpc_requests),
            max_batch_size: get(&c.max_batch_size),
        }
    }

    /// Sends `calls` (method, params) as one HTTP request at `priority`; `Err` fails the
    /// whole batch, `Ok` has one result per call, in order.
    pub async fn send(&self, calls: &[(&str, &Value)], priority: Priority) -> BatchOutcome {
        self.send_with_timeout(calls, priority, self.inner.timeout)
            .await
    }

    pub(crate) async fn send_with_timeout(
        &self,
        calls: &[(&str, &Value)],
        priority: Priority,
        timeout: Duration,
    ) -> BatchOutcome {
        let inner = &*self.inner;
        let ids: Vec<RpcId> = calls.iter().map(|_| inner.ids.next_id()).collect();
        let body = encode_calls(&ids, calls)?;
        check_body_size(body.len(), inner.max_body_bytes)?;
        let name = match calls {
            [(method, _)] => (*method).to_string(),
            _ => format!("rpc batch of {}", calls.len()),
        };
        let (body, ids) = (&body, &ids);
        let exchange = inner.pool.execute(move |client| async move {
            let start = inner.clock.now();
            let mut request = HttpRequest::post_json(String::new(), body.clone());
            request.timeout = Some(timeout);
            let reply = client.send(request).await;
            let latency = inner.clock.now().saturating_sub(start);
            let out = reply
                .and_then(|r| decode_response(ids, &r))
                .map(|items| screen_replies(calls, items, client.redacted_endpoint()));
            inner.note_http(client.redacted_endpoint(), ids.len(), latency, &out);
            out
        });
        inner
            .optimizer
            .execute_with_priority(name, priority, timeout, exchange)
            .await
    }
}

/// Replaces each reply the node gave without being able to serve the call with a retryable
/// error (see [`super::policy::unusable_reply`]).
fn screen_replies(
    calls: &[(&str, &Value)],
    items: Vec<Result<Value>>,
    endpoint: &str,
) -> Vec<Result<Value>> {
    items
        .into_iter()
        .zip(calls)
        .map(|(item, (method, _))| match item {
            Ok(v) => match super::policy::unusable_reply(method, &v, endpoint) {
                Some(e) => Err(e),
                None => Ok(v),
            },
            err => err,
        })
        .collect()
}

impl Inner {
    fn note_http(&self, endpoint: &str, items: usize, latency: Duration, out: &BatchOutcome) {
        let c = &self.counters;
        c.http_requests.fetch_add(1, Ordering::Relaxed);
        c.rpc_requests.fetch_add(items as u64, Ordering::Relaxed);
        c.max_batch_size.fetch_max(items as u64, Ordering::Relaxed);
        if out.is_err() {
            c.http_failures.fetch_add(1, Ordering::Relaxed);
        }
        if let Some(m) = &self.metrics {
            let outcome = match out {
                Ok(_) => "ok",
                Err(e) => e.code(),
            };
            m.record_http(endpoint, items, latency, outcome);
        }
    }
}

impl BatchExecutor for RpcBatchExecutor {
    fn execute(&self, ops: Vec<BatchOperation>) -> BoxFuture<'static, BatchOutcome> {
        let this = self.clone();
        Box::pin(async move {
            let priority = ops
                .iter()
                .map(BatchOperation::priority)
                .max()
                .unwrap_or_default();
            // The batch manager bounds each operation by its own timeout; the exchange
            // gets the longest of them (capped by this executor's deadline).
            let timeout = ops
                .iter()
                .map(BatchOperation::timeout)
                .max()
                .unwrap_or(this.inner.timeout)
                .min(this.inner.timeout);
            let calls: Vec<(&str, &Value)> = ops.iter().map(|o| (o.id(), o.params())).collect();
            this.send_with_timeout(&calls, priority, timeout).await
        })
    }
}
