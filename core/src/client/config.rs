//! [`ClientConfig`], [`CachePolicy`] and [`CallOptions`].

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use crate::cache::{CacheConfig, CacheType};
use crate::exec::{AsyncOptimizerConfig, Priority};
use crate::health::HealthConfig;
use crate::metrics::MetricsConfig;
use crate::pool::{ConnectionPoolConfig, PoolOptions};
use crate::rpc::DEFAULT_MAX_BODY_BYTES;
use crate::transport::Transport;
use crate::{redact_url, BatchConfig, BatchOptions, Error, Result};

/// How long each kind of read stays cached (see the policy table in the
/// [module docs](super)). A zero TTL turns caching off for that kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CachePolicy {
    /// `status`, `abci_info`, and `block`/`header`/`commit`/`validators`/`block_results`
    /// at the latest height ([`CacheType::NodeStatus`](crate::CacheType::NodeStatus)).
    /// Default 1 s (CometBFT makes about one block a second).
    pub node_status_ttl: Duration,
    /// Anything at a fixed height — `block`, `header`, `commit`, `validators`,
    /// `block_results` — and `tx` by hash: immutable once committed
    /// ([`CacheType::Block`](crate::CacheType::Block)). Default 1 h.
    pub block_ttl: Duration,
    /// `abci_query` at a fixed height (immutable; `Generic`). Default 1 h.
    pub query_at_height_ttl: Duration,
    /// `abci_query` at the latest height (`Generic`). Default 2 s.
    pub query_latest_ttl: Duration,
    /// CosmWasm smart queries, `smart_query` or `abci_query` on
    /// [`SMART_QUERY_PATH`](crate::rpc::SMART_QUERY_PATH) at the latest height
    /// (`ContractQuery`). Default 5 s.
    pub contract_query_ttl: Duration,
    /// MANTRA DEX pool state, [`dex_pools`](super::MantraClient::dex_pools) (`PoolInfo`).
    /// Default 5 s.
    pub pool_info_ttl: Duration,
    /// MANTRA DEX swap simulations (`Simulation`). Default 2 s.
    pub simulation_ttl: Duration,
    /// Further read methods reached through [`call`](super::MantraClient::call), cached as
    /// `Generic` with these TTLs (e.g. `"genesis"`). Default empty: other methods are not
    /// cached. A write (`broadcast_*`, …) or a method with a TTL above is refused.
    pub method_ttls: BTreeMap<String, Duration>,
}

impl Default for CachePolicy {
    fn default() -> Self {
        Self {
            node_status_ttl: Duration::from_secs(1),
            block_ttl: Duration::from_secs(3600),
            query_at_height_ttl: Duration::from_secs(3600),
            query_latest_ttl: Duration::from_secs(2),
            contract_query_ttl: Duration::from_secs(5),
            pool_info_ttl: Duration::from_secs(5),
            simulation_ttl: Duration::from_secs(2),
            method_ttls: BTreeMap::new(),
        }
    }
}

impl CachePolicy {
    /// Checks every TTL (zero is allowed and means "do not cache"); the error names the
    /// offending field.
    pub fn validate(&self) -> Result<()> {
        let max = crate::error::MAX_CONFIG_DURATION;
        for (field, ttl) in [
            ("cache_policy.node_status_ttl", self.node_status_ttl),
            ("cache_policy.block_ttl", self.block_ttl),
            ("cache_policy.query_at_height_ttl", self.query_at_height_ttl),
            ("cache_policy.query_latest_ttl", self.query_latest_ttl),
            ("cache_policy.contract_query_ttl", self.contract_query_ttl),
            ("cache_policy.pool_info_ttl", self.pool_info_ttl),
            ("cache_policy.simulation_ttl", self.simulation_ttl),
        ] {
            if ttl > max {
                return Err(Error::invalid_config(
                    field,
                    format!("must be at most {} s", max.as_secs()),
                ));
            }
        }
        for (method, ttl) in &self.method_ttls {
            if method.trim().is_empty() {
                return Err(Error::invalid_config(
                    "cache_policy.method_ttls",
                    "method names must not be empty",
                ));
            }
            if let Some(why) = super::policy::method_ttl_refusal(method) {
                return Err(Error::invalid_config(
                    "cache_policy.method_ttls",
                    format!("`{method}` {why}; it takes no entry here"),
                ));
            }
            if *ttl > max {
                return Err(Error::invalid_config(
                    "cache_policy.method_ttls",
                    format!("TTL of `{method}` must be at most {} s", max.as_secs()),
                ));
            }
        }
        Ok(())
    }
}

/// Configuration of a [`MantraClient`](super::MantraClient).
///
/// `ClientConfig::default()` has no endpoint; set [`endpoints`](Self::endpoints) (or use
/// [`ClientConfig::new`]). `cache: None` turns the cache off, `batch: None` sends every
/// call in its own HTTP request.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// RPC endpoints (`http(s)://host[:port][/path]`), at least one. Ranked by health.
    pub endpoints: Vec<String>,
    /// Connection pool: permits per endpoint, warm-up, idle trimming, timeouts, ranking
    /// interval. Default: [`ConnectionPoolConfig::default`] with a 10 s
    /// `health_check_interval`.
    pub pool: ConnectionPoolConfig,
    /// Pool breaker, rank weights and hedging (default [`PoolOptions::default`]). An unset
    /// `ping_timeout` is the shorter of `request_timeout` and the pool's
    /// `connection_timeout` (so `connect` waits at most that long for a silent node).
    pub pool_options: PoolOptions,
    /// Response cache; `None` disables caching. Default [`CacheConfig::default`].
    pub cache: Option<CacheConfig>,
    /// TTLs per cache type of the response cache: what entries put without a TTL get (the
    /// client caches its own replies with [`cache_policy`](Self::cache_policy)'s TTLs); a
    /// later entry for the same type wins. Default empty (every type gets the cache's
    /// `default_ttl`).
    pub cache_ttls: Vec<(CacheType, Duration)>,
    /// Per-method cache TTLs (default [`CachePolicy::default`]).
    pub cache_policy: CachePolicy,
    /// JSON-RPC batching; `None` sends each call alone. Default [`BatchConfig::default`]
    /// (10 per batch = CometBFT's `max_request_batch_size`, 10 ms delay).
    pub batch: Option<BatchConfig>,
    /// The batch manager's further knobs. `max_batch_bytes` defaults to, and may not exceed,
    /// `max_body_bytes − 2` (every batch must fit the node's request body limit).
    pub batch_options: BatchOptions,
    /// Priority executor with adaptive concurrency that every HTTP request (a batch or a
    /// single call) runs under. Default [`AsyncOptimizerConfig::default`].
    pub executor: AsyncOptimizerConfig,
    /// Metrics collector. Default: [`MetricsConfig::default`] (namespace `mantra`) with
    /// [`CLIENT_LATENCY_BUCKETS`](super::CLIENT_LATENCY_BUCKETS) as histogram buckets: calls
    /// answered from the cache take microseconds, and prom-client's default buckets (5 ms
    /// and up) would report them as milliseconds.
    pub metrics: MetricsConfig,
    /// Health checker; with `enable_auto_checks` the client starts its loop.
    /// Default [`HealthConfig::default`] (manual checks).
    pub health: HealthConfig,
    /// Transport for RPC and health checks; `None` = the platform's HTTP transport.
    pub transport: Option<Arc<dyn Transport>>,
    /// Deadline of one call, from the moment it is made to its result (queueing,
    /// batching, retries and failover included); also bounds a health ping. Default 30 s.
    pub request_timeout: Duration,
    /// Largest request body sent (a batch is cut before it exceeds it). At least 256;
    /// default CometBFT's `max_body_bytes`, 1 000 000.
    pub max_body_bytes: usize,
    /// Health: a node whose latest block is older than this fails its `node_sync` check.
    /// Default 60 s.
    pub max_block_age: Duration,
    /// Health: cache fill (bytes / `max_memory_bytes`) at which `cache_pressure` is
    /// degraded and failing. Default (0.8, 0.95).
    pub cache_pressure_thresholds: (f64, f64),
    /// Health: batch operations waiting in the queue at which `batch_backlog` is degraded
    /// and failing. Default (1 000, 10 000).
    pub batch_backlog_thresholds: (f64, f64),
    /// Period of the loop that refreshes the pool, cache, batch and executor gauges in the
    /// metrics. Default 1 s.
    pub metrics_refresh_interval: Duration,
}

impl Default for ClientConfig {
    fn default() -> Self {
        Self {
            endpoints: Vec::new(),
            pool: ConnectionPoolConfig {
                health_check_interval: Duration::from_secs(10),
                ..ConnectionPoolConfig::default()
            },
            pool_options: PoolOptions::default(),
            cache: Some(CacheConfig::default()),
            cache_ttls: Vec::new(),
            cache_policy: CachePolicy::default(),
            batch: Some(BatchConfig::default()),
            batch_options: BatchOptions::default(),
            executor: AsyncOptimizerConfig::default(),
            metrics: MetricsConfig {
                histogram_buckets: super::CLIENT_LATENCY_BUCKETS.to_vec(),
                ..MetricsConfig::default()
            },
            health: HealthConfig::default(),
            transport: None,
            request_timeout: Duration::from_secs(30),
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            max_block_age: Duration::from_secs(60),
            cache_pressure_thresholds: (0.8, 0.95),
            batch_backlog_thresholds: (1_000.0, 10_000.0),
            metrics_refresh_interval: Duration::from_secs(1),
        }
    }
}

impl ClientConfig {
    /// The default configuration for these endpoints.
    pub fn new<I, S>(endpoints: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self {
            endpoints: endpoints.into_iter().map(Into::into).collect(),
            ..Self::default()
        }
    }

    /// Checks every field and every component config; the error names the offending
    /// field.
    pub fn validate(&self) -> Result<()> {
        if self.endpoints.is_empty() {
            return Err(Error::invalid_config(
                "endpoints",
                "must list at least one RPC URL",
            ));
        }
        for url in &self.endpoints {
            check_endpoint_url(url)?;
        }
        self.pool.validate()?;
        self.pool_options.validate()?;
        if let Some(cache) = &self.cache {
            cache.validate()?;
        }
        self.cache_policy.validate()?;
        if let Some(batch) = &self.batch {
            batch.validate()?;
        }
        self.executor.validate()?;
        self.metrics.validate()?;
        self.health.validate()?;
        crate::error::check_duration("request_timeout", self.request_timeout)?;
        crate::error::check_duration("max_block_age", self.max_block_age)?;
        crate::error::check_duration("metrics_refresh_interval", self.metrics_refresh_interval)?;
        check_max_body_bytes(self.max_body_bytes)?;
        for (ty, ttl) in &self.cache_ttls {
            crate::error::check_duration("cache_ttls", *ttl).map_err(|e| match e {
                Error::InvalidConfig { field, reason } => Error::InvalidConfig {
                    field,
                    reason: format!("`{ty}`: {reason}"),
                },
                other => other,
            })?;
        }
        self.batch_options.validate()?;
        if let Some(n) = self.batch_options.max_batch_bytes {
            if n > self.max_body_bytes - 2 {
                return Err(Error::invalid_config(
                    "max_batch_bytes",
                    format!(
                        "must be at most {}: batches must fit the request body limit (max_body_bytes − 2)",
                        self.max_body_bytes - 2
                    ),
                ));
            }
        }
        check_thresholds("cache_pressure_thresholds", self.cache_pressure_thresholds)?;
        check_thresholds("batch_backlog_thresholds", self.batch_backlog_thresholds)?;
        Ok(())
    }
}

fn check_thresholds(field: &'static str, (warn, fail): (f64, f64)) -> Result<()> {
    if !(warn.is_finite() && fail.is_finite() && warn > 0.0 && warn <= fail) {
        return Err(Error::invalid_config(
            field,
            format!("needs 0 < warn <= fail, both finite (got ({warn}, {fail}))"),
        ));
    }
    Ok(())
}

/// Checks an endpoint URL: `http`/`https`, a host, an optional numeric port, no spaces.
pub(crate) fn check_endpoint_url(url: &str) -> Result<()> {
    let bad = |why: &str| {
        Err(Error::invalid_config(
            "endpoints",
            format!("`{}` {why}", redact_url(url.trim())),
        ))
    };
    let url = url.trim();
    if url.is_empty() {
        return bad("is empty");
    }
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return bad("contains whitespace");
    }
    let lower = url.to_ascii_lowercase();
    let Some(rest) = lower
        .strip_prefix("http://")
        .or_else(|| lower.strip_prefix("https://"))
    else {
        return bad("is not an http:// or https:// URL");
    };
    let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let (host, port) = if host_port.starts_with('[') {
        match host_port.find(']') {
            Some(end) => (&host_port[..=end], host_port[end + 1..].strip_prefix(':')),
            None => return bad("has an unterminated IPv6 host"),
        }
    } else {
        match host_port.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (host_port, None),
        }
    };
    if host.is_empty() || host == "[]" {
        return bad("has no host");
    }
    if let Some(p) = port {
        if !matches!(p.parse::<u16>(), Ok(n) if n > 0) {
            return bad("has an invalid port");
        }
    }
    Ok(())
}

/// Per-call overrides for [`MantraClient::call_with_options`](super::MantraClient::call_with_options).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallOptions {
    /// Executor and batch priority (default: the method's, see the policy table).
    pub priority: Option<Priority>,
    /// Deadline of this call (default: `request_timeout`).
    pub timeout: Option<Duration>,
    /// Skip the cache lookup for this call (its result still refreshes the cache).
    pub bypass_cache: bool,
}

/// Smallest `max_body_bytes` accepted: room for a small JSON-RPC request (`status` is
/// ≈ 60 bytes, an `abci_query` for a balance ≈ 200), so a client never starts unable to send.
pub(crate) const MIN_BODY_BYTES: usize = 256;

/// Checks a request body limit (the client's and the performance manager's `max_body_bytes`).
pub(crate) fn check_max_body_bytes(n: usize) -> Result<()> {
    if n < MIN_BODY_BYTES {
        return Err(Error::invalid_config(
            "max_body_bytes",
            format!(
                "must be at least {MIN_BODY_BYTES} (room for a small JSON-RPC request), got {n}"
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(c: &ClientConfig) -> &'static str {
        match c.validate() {
            Err(Error::InvalidConfig { field, .. }) => field,
            other => panic!("expected InvalidConfig, got {other:?}"),
        }
    }

    #[test]
    fn default_needs_an_endpoint_and_new_is_valid() {
        assert_eq!(field(&ClientConfig::default()), "endpoints");
        let c = ClientConfig::new(["http://127.0.0.1:26657"]);
        assert!(c.validate().is_ok(), "{:?}", c.validate());
        assert_eq!(c.max_body_bytes, 1_000_000);
        assert_eq!(c.batch.as_ref().unwrap().max_batch_size, 10);
    }

    #[test]
    fn endpoint_urls_are_checked_and_redacted_in_errors() {
        for ok in [
            "http://127.0.0.1:26657",
            "https://rpc.mantrachain.io",
            "https://user:pw@rpc.example.com:443/rpc/?apikey=x",
            "http://[::1]:26657/",
        ] {
            assert!(check_endpoint_url(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "127.0.0.1:26657",
            "ws://n:26657",
            "http://",
            "http://:80",
            "http://n:0",
            "http://n:99999",
            "http://n:port",
            "http://a b",
        ] {
            let e = check_endpoint_url(bad).unwrap_err();
            assert!(
                matches!(
                    e,
                    Error::InvalidConfig {
                        field: "endpoints",
                        ..
                    }
                ),
                "{bad}: {e:?}"
            );
        }
        let e = check_endpoint_url("ftp://user:secret@h").unwrap_err();
        assert!(!e.to_string().contains("secret"), "{e}");
    }

    #[test]
    fn component_configs_are_validated_by_name() {
        let base = || ClientConfig::new(["http://n:1"]);
        let mut c = base();
        c.pool.max_connections = 0;
        assert_eq!(field(&c), "max_connections");
        let mut c = base();
        c.cache.as_mut().unwrap().max_entries = 0;
        assert_eq!(field(&c), "max_entries");
        let mut c = base();
        c.cache = None;
        c.batch.as_mut().unwrap().max_batch_size = 0;
        assert_eq!(field(&c), "max_batch_size");
        let mut c = base();
        c.request_timeout = Duration::ZERO;
        assert_eq!(field(&c), "request_timeout");
        let mut c = base();
        c.max_body_bytes = 10;
        assert_eq!(field(&c), "max_body_bytes");
        let mut c = base();
        c.cache_pressure_thresholds = (0.9, 0.5);
        assert_eq!(field(&c), "cache_pressure_thresholds");
        let mut c = base();
        c.batch_backlog_thresholds = (f64::NAN, 1.0);
        assert_eq!(field(&c), "batch_backlog_thresholds");
        let mut c = base();
        c.cache_policy.block_ttl = Duration::MAX;
        assert_eq!(field(&c), "cache_policy.block_ttl");
        let mut c = base();
        c.cache_policy
            .method_ttls
            .insert(" ".into(), Duration::ZERO);
        assert_eq!(field(&c), "cache_policy.method_ttls");
        for m in ["status", "broadcast_tx_sync"] {
            let mut c = base();
            c.cache_policy
                .method_ttls
                .insert(m.into(), Duration::from_secs(5));
            assert_eq!(field(&c), "cache_policy.method_ttls");
        }
        // Zero TTLs are allowed: they switch caching off for that kind.
        let mut c = base();
        c.cache_policy.query_latest_ttl = Duration::ZERO;
        assert!(c.validate().is_ok());
    }
}
