//! [`PerformanceManager`]: the seed's coordinator of the performance components — the
//! connection pool, cache, batch manager, async optimizer and memory optimizer — built
//! from one [`PerformanceConfig`] and wired together:
//!
//! - the batch manager's executor is an [`RpcBatchExecutor`]: each batch becomes one
//!   JSON-RPC batch request, run under the async optimizer (priority, adaptive limit) on a
//!   pool connection (best endpoint, breaker, failover), bounded by `max_body_bytes`;
//! - every memory GC (automatic every `gc_interval`, or
//!   [`MemoryOptimizer::garbage_collect`]) also drops the cache's expired entries and
//!   reports the bytes they held;
//! - the cache gets the per-type TTLs of [`PerformanceConfig::cache_ttls`].
//!
//! ```no_run
//! # async fn demo() -> mantra_sdk::Result<()> {
//! use mantra_sdk::{PerformanceConfig, PerformanceManager};
//!
//! let config = PerformanceConfig::default();
//! let manager = PerformanceManager::new(config);
//!
//! // Access individual components
//! let connection_pool = manager.connection_pool();
//! let cache_manager = manager.cache_manager();
//! let batch_manager = manager.batch_manager();
//! let async_optimizer = manager.async_optimizer();
//! let memory_optimizer = manager.memory_optimizer();
//!
//! // Get comprehensive performance statistics
//! let stats = manager.get_stats().await;
//! # let _ = (connection_pool, cache_manager, batch_manager, async_optimizer, memory_optimizer, stats);
//! # Ok(()) }
//! ```
//!
//! [`MantraClient`](crate::MantraClient) composes the same components (optionally, with
//! metrics and health) into the full request path.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;

use crate::batch::{BatchConfig, BatchManager, BatchStats};
use crate::cache::{CacheConfig, CacheManager, CacheStats, CacheType};
use crate::client::{RpcBatchExecutor, RpcExecutorStats};
use crate::exec::{AsyncOptimizer, AsyncOptimizerConfig, ExecStats};
use crate::memory::{MemoryConfig, MemoryOptimizer, MemoryStats};
use crate::pool::{ConnectionPool, ConnectionPoolConfig, PoolOptions, PoolStats};
use crate::rpc::DEFAULT_MAX_BODY_BYTES;
use crate::runtime::{default_clock, SharedClock};
use crate::transport::Transport;
use crate::Result;

/// Configuration of a [`PerformanceManager`]: one config per component plus the wiring
/// knobs. Every field has a default.
#[derive(Debug, Clone)]
pub struct PerformanceConfig {
    /// Connection pool (the seed's six fields).
    pub pool: ConnectionPoolConfig,
    /// Pool breaker, rank weights and hedging.
    pub pool_options: PoolOptions,
    /// Cache (the seed's five fields).
    pub cache: CacheConfig,
    /// Per-type TTL overrides applied to the cache (default: none, every type uses
    /// `cache.default_ttl`).
    pub cache_ttls: BTreeMap<CacheType, Duration>,
    /// Batching (the seed's six fields).
    pub batch: BatchConfig,
    /// Async optimizer (priorities, adaptive limit, default timeout).
    pub executor: AsyncOptimizerConfig,
    /// Memory optimizer (the seed's six fields).
    pub memory: MemoryConfig,
    /// Deadline of one batch's HTTP exchange, executor wait and failover included
    /// (default 30 s).
    pub request_timeout: Duration,
    /// Largest JSON-RPC request body (at least 256; default CometBFT's 1 000 000).
    pub max_body_bytes: usize,
    /// Transport of the pool (`None` = the platform's HTTP transport).
    pub transport: Option<Arc<dyn Transport>>,
}

impl Default for PerformanceConfig {
    fn default() -> Self {
        Self {
            pool: ConnectionPoolConfig::default(),
            pool_options: PoolOptions::default(),
            cache: CacheConfig::default(),
            cache_ttls: BTreeMap::new(),
            batch: BatchConfig::default(),
            executor: AsyncOptimizerConfig::default(),
            memory: MemoryConfig::default(),
            request_timeout: Duration::from_secs(30),
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            transport: None,
        }
    }
}

impl PerformanceConfig {
    /// Checks every component config and field; the error names the offending field.
    pub fn validate(&self) -> Result<()> {
        self.pool.validate()?;
        self.pool_options.validate()?;
        self.cache.validate()?;
        for ttl in self.cache_ttls.values() {
            crate::error::check_duration("cache_ttls", *ttl)?;
        }
        self.batch.validate()?;
        self.executor.validate()?;
        self.memory.validate()?;
        crate::error::check_duration("request_timeout", self.request_timeout)?;
        crate::client::config::check_max_body_bytes(self.max_body_bytes)?;
        Ok(())
    }
}

/// Statistics of every component of a [`PerformanceManager`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PerformanceStats {
    /// Connection pool.
    pub pool: PoolStats,
    /// Cache.
    pub cache: CacheStats,
    /// Batch manager.
    pub batch: BatchStats,
    /// JSON-RPC batches on the wire (HTTP requests, sizes).
    pub rpc: RpcExecutorStats,
    /// Async optimizer.
    pub executor: ExecStats,
    /// Memory optimizer.
    pub memory: MemoryStats,
}

#[derive(Debug)]
struct Inner {
    config: PerformanceConfig,
    pool: ConnectionPool,
    cache: CacheManager,
    batch: BatchManager,
    optimizer: AsyncOptimizer,
    memory: MemoryOptimizer,
    executor: RpcBatchExecutor,
}

/// Creates and wires the performance components (see the [module docs](self)). A cheap
/// `Clone` handle; the accessors return handles sharing the same components.
#[derive(Debug, Clone)]
pub struct PerformanceManager {
    inner: Arc<Inner>,
}

impl PerformanceManager {
    /// A manager on the platform clock.
    ///
    /// # Panics
    /// If `config` is invalid (see [`PerformanceConfig::validate`]); use
    /// [`try_new`](Self::try_new) to get the error instead.
    pub fn new(config: PerformanceConfig) -> Self {
        match Self::try_new(config) {
            Ok(m) => m,
            Err(e) => panic!("{e}"),
        }
    }

    /// A manager on the platform clock, or `Error::InvalidConfig`.
    pub fn try_new(config: PerformanceConfig) -> Result<Self> {
        Self::build(config, None)
    }

    /// A manager whose components are all timed by `clock`.
    pub fn with_clock(config: PerformanceConfig, clock: SharedClock) -> Result<Self> {
        Self::build(config, Some(clock))
    }

    fn build(config: PerformanceConfig, clock: Option<SharedClock>) -> Result<Self> {
        config.validate()?;
        let cache = match &clock {
            Some(c) => CacheManager::with_clock(config.cache.clone(), c.clone())?,
            None => CacheManager::try_new(config.cache.clone())?,
        };
        let clock = clock.unwrap_or_else(default_clock);
        for (ty, ttl) in &config.cache_ttls {
            cache.set_type_ttl(*ty, *ttl)?;
        }
        let mut pool = ConnectionPool::builder(config.pool.clone())
            .options(config.pool_options.clone())
            .clock(clock.clone());
        if let Some(t) = &config.transport {
            pool = pool.transport(t.clone());
        }
        let pool = pool.build()?;
        let optimizer = AsyncOptimizer::with_clock(config.executor.clone(), clock.clone())?;
        let executor = RpcBatchExecutor::with_settings(
            pool.clone(),
            optimizer.clone(),
            clock.clone(),
            config.request_timeout,
            config.max_body_bytes,
        )?;
        let batch = BatchManager::with_clock(config.batch.clone(), clock.clone())?;
        batch.set_max_batch_bytes_ceiling(config.max_body_bytes - 2)?;
        batch.set_executor(Arc::new(executor.clone()));
        let memory = MemoryOptimizer::with_clock(config.memory.clone(), clock)?;
        let c = cache.clone();
        memory.register_gc_hook(
            "cache",
            Arc::new(move || {
                let before = c.memory_bytes();
                c.cleanup();
                before.saturating_sub(c.memory_bytes())
            }),
        );
        Ok(Self {
            inner: Arc::new(Inner {
                config,
                pool,
                cache,
                batch,
                optimizer,
                memory,
                executor,
            }),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &PerformanceConfig {
        &self.inner.config
    }

    /// The connection pool (a handle; add endpoints with
    /// [`initialize`](ConnectionPool::initialize) or
    /// [`add_endpoint`](ConnectionPool::add_endpoint)).
    pub fn connection_pool(&self) -> ConnectionPool {
        self.inner.pool.clone()
    }

    /// The cache.
    pub fn cache_manager(&self) -> CacheManager {
        self.inner.cache.clone()
    }

    /// The batch manager, already attached to the JSON-RPC executor: operations are
    /// `BatchOperation`s whose id is the RPC method and whose params are its params.
    pub fn batch_manager(&self) -> BatchManager {
        self.inner.batch.clone()
    }

    /// The async optimizer every batch runs under.
    pub fn async_optimizer(&self) -> AsyncOptimizer {
        self.inner.optimizer.clone()
    }

    /// The memory optimizer (its GC also cleans the cache).
    pub fn memory_optimizer(&self) -> MemoryOptimizer {
        self.inner.memory.clone()
    }

    /// The batch executor (JSON-RPC over the pool).
    pub fn rpc_executor(&self) -> RpcBatchExecutor {
        self.inner.executor.clone()
    }

    /// Statistics of every component (the seed's call).
    pub async fn get_stats(&self) -> PerformanceStats {
        self.stats()
    }

    /// Synchronous [`get_stats`](Self::get_stats).
    pub fn stats(&self) -> PerformanceStats {
        let i = &self.inner;
        PerformanceStats {
            pool: i.pool.stats(),
            cache: i.cache.stats(),
            batch: i.batch.stats(),
            rpc: i.executor.stats(),
            executor: i.optimizer.stats(),
            memory: i.memory.stats(),
        }
    }

    /// Closes every component: pending batch operations and executor waiters fail with
    /// `Error::Closed`, the pool rejects acquires, and every background loop (pool
    /// ranking, cache cleanup, automatic GC) stops. Idempotent.
    pub fn close(&self) {
        let i = &self.inner;
        i.batch.close();
        i.optimizer.close();
        i.pool.close();
        i.cache.close();
        i.memory.close();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::{BoxFuture, ManualClock};
    use crate::transport::{HttpRequest, HttpResponse};
    use crate::{BatchOperation, Error};
    use serde_json::{json, Value};

    /// A JSON-RPC node in memory: answers each request of a batch with `{"echo": method}`
    /// and counts HTTP requests.
    #[derive(Debug, Default)]
    struct EchoNode {
        requests: parking_lot::Mutex<Vec<Value>>,
    }

    impl Transport for EchoNode {
        fn send(&self, request: HttpRequest) -> BoxFuture<'static, Result<HttpResponse>> {
            let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
            self.requests.lock().push(body.clone());
            let answer = |r: &Value| json!({"jsonrpc": "2.0", "id": r["id"], "result": {"echo": r["method"]}});
            let reply = match &body {
                Value::Array(items) => Value::Array(items.iter().map(answer).collect()),
                one => answer(one),
            };
            Box::pin(async move {
                Ok(HttpResponse {
                    status: 200,
                    body: reply.to_string().into_bytes(),
                    retry_after: None,
                })
            })
        }
    }

    #[tokio::test(flavor = "current_thread")]
    async fn the_seed_snippet_builds_every_component() {
        let config = PerformanceConfig::default();
        let manager = PerformanceManager::new(config);
        let _connection_pool = manager.connection_pool();
        let _cache_manager = manager.cache_manager();
        let batch_manager = manager.batch_manager();
        let _async_optimizer = manager.async_optimizer();
        let _memory_optimizer = manager.memory_optimizer();
        assert!(batch_manager.has_executor());
        assert_eq!(batch_manager.max_batch_bytes(), Some(999_998));
        let stats = manager.get_stats().await;
        let json = serde_json::to_value(&stats).unwrap();
        for part in ["pool", "cache", "batch", "rpc", "executor", "memory"] {
            assert!(json.get(part).is_some(), "{part} missing from {json}");
        }
        manager.close();
    }

    #[test]
    fn invalid_configs_are_named() {
        let mut c = PerformanceConfig::default();
        c.memory.warning_threshold = 2.0;
        assert!(matches!(
            PerformanceManager::try_new(c),
            Err(Error::InvalidConfig {
                field: "warning_threshold",
                ..
            })
        ));
        let mut c = PerformanceConfig::default();
        c.cache_ttls.insert(CacheType::Block, Duration::ZERO);
        assert!(matches!(
            PerformanceManager::try_new(c),
            Err(Error::InvalidConfig {
                field: "cache_ttls",
                ..
            })
        ));
    }

    #[tokio::test(flavor = "current_thread")]
    async fn batches_go_out_as_one_json_rpc_array_through_the_pool() {
        let node = Arc::new(EchoNode::default());
        let clock = ManualClock::new();
        let config = PerformanceConfig {
            transport: Some(node.clone()),
            ..Default::default()
        };
        let manager = PerformanceManager::with_clock(config, Arc::new(clock.clone())).unwrap();
        let mut pool = manager.connection_pool();
        pool.initialize("http://node.test:26657").await.unwrap();
        let warmup = node.requests.lock().len();
        let batch = manager.batch_manager();
        let tickets: Vec<_> = ["status", "abci_info", "health"]
            .iter()
            .map(|m| {
                let op = BatchOperation::from_value(
                    *m,
                    json!({}),
                    crate::Priority::Normal,
                    Duration::from_secs(5),
                )
                .unwrap();
                batch.enqueue(op).unwrap()
            })
            .collect();
        clock.advance(Duration::from_millis(10)).await;
        let results = futures::future::join_all(tickets).await;
        assert_eq!(
            results,
            vec![
                Ok(json!({"echo": "status"})),
                Ok(json!({"echo": "abci_info"})),
                Ok(json!({"echo": "health"}))
            ]
        );
        let sent = node.requests.lock()[warmup..].to_vec();
        assert_eq!(sent.len(), 1, "{sent:?}");
        assert_eq!(sent[0].as_array().map(Vec::len), Some(3));
        let stats = manager.stats();
        assert_eq!(stats.rpc.http_requests, 1);
        assert_eq!(stats.rpc.max_batch_size, 3);
        assert_eq!(stats.batch.batches, 1);
        manager.close();
    }

    #[tokio::test(flavor = "current_thread")]
    async fn memory_gc_cleans_expired_cache_entries() {
        let clock = ManualClock::new();
        let config = PerformanceConfig {
            memory: MemoryConfig {
                enable_auto_gc: false,
                ..Default::default()
            },
            ..Default::default()
        };
        let manager = PerformanceManager::with_clock(config, Arc::new(clock.clone())).unwrap();
        let cache = manager.cache_manager();
        cache
            .put_with_ttl(
                "k",
                &json!({"v": "x".repeat(100)}),
                CacheType::Generic,
                Duration::from_secs(1),
            )
            .unwrap();
        cache.put("keep", &json!(1), CacheType::Generic).await;
        let held = cache.memory_bytes();
        assert_eq!(cache.len(), 2);
        clock.advance(Duration::from_secs(2)).await;
        let freed = manager.memory_optimizer().garbage_collect().await;
        assert_eq!(
            cache.len(),
            1,
            "the expired entry is gone, the live one stays"
        );
        assert!(freed > 0 && freed < held, "freed {freed} of {held}");
        assert_eq!(freed, held - cache.memory_bytes());
        manager.close();
    }
}
