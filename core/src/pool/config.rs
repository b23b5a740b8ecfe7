//! Pool configuration: the seed's [`ConnectionPoolConfig`] (exactly its six fields) and the
//! further knobs in [`PoolOptions`].

use std::time::Duration;

use crate::{Error, Result};

/// Connection pool configuration, exactly the seed's six fields.
///
/// A "connection" is an in-flight permit on one endpoint plus the transport's keep-alive
/// socket it travels on (the socket pool itself belongs to the transport, e.g. reqwest).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionPoolConfig {
    /// Most requests in flight at once per endpoint (permits per endpoint).
    pub max_connections: usize,
    /// Connections kept warm per endpoint: the warm-up sends this many concurrent health
    /// pings, and idle-connection trimming never goes below it.
    pub min_connections: usize,
    /// A connection idle longer than this is trimmed (down to `min_connections`).
    pub max_idle_time: Duration,
    /// Deadline of one request through a connection (and of a health ping unless
    /// [`PoolOptions::ping_timeout`] is set).
    pub connection_timeout: Duration,
    /// How long [`acquire`](crate::ConnectionPool::acquire) waits for a free permit.
    pub acquire_timeout: Duration,
    /// Interval of the background ranking loop that pings every endpoint.
    pub health_check_interval: Duration,
}

impl Default for ConnectionPoolConfig {
    fn default() -> Self {
        Self {
            max_connections: 20,
            min_connections: 5,
            max_idle_time: Duration::from_secs(300),
            connection_timeout: Duration::from_secs(30),
            acquire_timeout: Duration::from_secs(10),
            health_check_interval: Duration::from_secs(60),
        }
    }
}

/// Largest `max_connections` accepted (tokio's semaphore limit).
pub const POOL_MAX_CONNECTIONS_LIMIT: usize = tokio::sync::Semaphore::MAX_PERMITS;

impl ConnectionPoolConfig {
    /// Checks every field; the error names the offending one.
    pub fn validate(&self) -> Result<()> {
        if self.max_connections == 0 {
            return Err(Error::invalid_config(
                "max_connections",
                "must be greater than 0",
            ));
        }
        if self.max_connections > POOL_MAX_CONNECTIONS_LIMIT {
            return Err(Error::invalid_config(
                "max_connections",
                format!("must be at most {POOL_MAX_CONNECTIONS_LIMIT}"),
            ));
        }
        if self.min_connections > self.max_connections {
            return Err(Error::invalid_config(
                "min_connections",
                format!(
                    "({}) must not exceed max_connections ({})",
                    self.min_connections, self.max_connections
                ),
            ));
        }
        for (field, value) in [
            ("max_idle_time", self.max_idle_time),
            ("connection_timeout", self.connection_timeout),
            ("acquire_timeout", self.acquire_timeout),
            ("health_check_interval", self.health_check_interval),
        ] {
            crate::error::check_duration(field, value)?;
        }
        Ok(())
    }
}

/// Further pool knobs beyond the seed's config; every field has a documented default.
///
/// ```
/// use mantra_sdk::PoolOptions;
/// let options = PoolOptions { failure_threshold: 3, ..Default::default() };
/// assert!(options.validate().is_ok());
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct PoolOptions {
    /// Consecutive failures that open an endpoint's circuit breaker (default 5).
    pub failure_threshold: u32,
    /// How long an open breaker rejects traffic before going half-open (default 30 s).
    pub open_duration: Duration,
    /// Probe requests admitted at once while half-open (default 1).
    pub half_open_max_probes: u32,
    /// Time constant of the PeakEWMA latency estimate: an observation's weight falls to
    /// 1/e after this long, and an idle estimate decays toward zero (default 10 s).
    pub ewma_decay: Duration,
    /// Weight of the latency term of the rank score (viem: 0.3).
    pub latency_weight: f64,
    /// Weight of the success-rate (stability) term of the rank score (viem: 0.7).
    pub stability_weight: f64,
    /// Samples kept per endpoint for ranking (viem: 10).
    pub sample_count: usize,
    /// JSON-RPC method of health pings (CometBFT: `health`).
    pub ping_method: String,
    /// Deadline of one health ping; `None` uses `connection_timeout`.
    pub ping_timeout: Option<Duration>,
    /// Endpoints whose rank score is within this of the best one count as equally healthy
    /// and are chosen among by live PeakEWMA cost (default 0.05; 0 = strict rank order).
    pub score_tolerance: f64,
    /// `execute` hedge delay (ethers' `stallTimeout`): if the first endpoint has not
    /// answered after this long, the same call also starts on the next-best endpoint and
    /// the first success wins. `None` (default) disables hedging.
    pub stall_timeout: Option<Duration>,
}

impl Default for PoolOptions {
    fn default() -> Self {
        Self {
            failure_threshold: 5,
            open_duration: Duration::from_secs(30),
            half_open_max_probes: 1,
            ewma_decay: Duration::from_secs(10),
            latency_weight: 0.3,
            stability_weight: 0.7,
            sample_count: 10,
            ping_method: "health".to_string(),
            ping_timeout: None,
            score_tolerance: 0.05,
            stall_timeout: None,
        }
    }
}

impl PoolOptions {
    /// Checks every field; the error names the offending one.
    pub fn validate(&self) -> Result<()> {
        let positive = "must be greater than 0";
        if self.failure_threshold == 0 {
            return Err(Error::invalid_config("failure_threshold", positive));
        }
        crate::error::check_duration("open_duration", self.open_duration)?;
        if self.half_open_max_probes == 0 {
            return Err(Error::invalid_config("half_open_max_probes", positive));
        }
        crate::error::check_duration("ewma_decay", self.ewma_decay)?;
        for (field, w) in [
            ("latency_weight", self.latency_weight),
            ("stability_weight", self.stability_weight),
        ] {
            if !w.is_finite() || w < 0.0 {
                return Err(Error::invalid_config(field, "must be a finite number >= 0"));
            }
        }
        if self.latency_weight + self.stability_weight <= 0.0 {
            return Err(Error::invalid_config(
                "stability_weight",
                "latency_weight + stability_weight must be greater than 0",
            ));
        }
        if self.sample_count == 0 {
            return Err(Error::invalid_config("sample_count", positive));
        }
        if self.ping_method.trim().is_empty() {
            return Err(Error::invalid_config("ping_method", "must not be empty"));
        }
        if let Some(d) = self.ping_timeout {
            crate::error::check_duration("ping_timeout", d)?;
        }
        if !(0.0..=1.0).contains(&self.score_tolerance) {
            return Err(Error::invalid_config(
                "score_tolerance",
                "must be between 0 and 1",
            ));
        }
        if let Some(d) = self.stall_timeout {
            crate::error::check_duration("stall_timeout", d)?;
        }
        Ok(())
    }
}
