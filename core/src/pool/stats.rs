//! Serializable pool statistics.

use serde::Serialize;

use super::breaker::CircuitState;

/// Statistics of one endpoint.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PoolEndpointStats {
    /// Endpoint URL with credentials redacted (`user:pass@` → `***@`).
    pub url: String,
    /// Position in the current ranking (0 = chosen first), among all endpoints.
    pub rank: usize,
    /// viem rank score in `[0, 1]` (0 if nothing in the window succeeded).
    pub score: f64,
    /// Live-traffic PeakEWMA latency at this instant, in milliseconds.
    pub ewma_latency_ms: Option<f64>,
    /// Mean health-ping latency over the sample window, in milliseconds.
    pub mean_ping_latency_ms: Option<f64>,
    /// Success rate over the sample window (pings and live requests).
    pub success_rate: Option<f64>,
    /// Health-ping samples in the window.
    pub samples: usize,
    /// Permits currently held.
    pub in_flight: usize,
    /// Estimated open connections (in use + idle).
    pub connections: usize,
    /// Estimated idle connections.
    pub idle_connections: usize,
    /// Circuit breaker state.
    pub breaker: CircuitState,
    /// Consecutive failures seen by the breaker.
    pub consecutive_failures: u32,
    /// How many times the breaker has opened.
    pub times_opened: u64,
    /// Live requests sent.
    pub total_requests: u64,
    /// Live requests the endpoint failed.
    pub total_failures: u64,
    /// Health pings sent.
    pub health_checks: u64,
    /// Health pings that failed.
    pub health_check_failures: u64,
    /// Last failure message (credentials redacted).
    pub last_error: Option<String>,
}

/// Statistics of a [`ConnectionPool`](crate::ConnectionPool).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PoolStats {
    /// Per-endpoint statistics, in the order endpoints were added.
    pub endpoints: Vec<PoolEndpointStats>,
    /// Endpoints whose breaker is not open and whose score is above 0.
    pub healthy_endpoints: usize,
    /// Permits held across all endpoints.
    pub in_flight: usize,
    /// Permits per endpoint (`max_connections`).
    pub max_connections_per_endpoint: usize,
    /// Successful acquires.
    pub acquired: u64,
    /// Acquires that failed with `pool_exhausted`.
    pub exhausted: u64,
    /// Acquires that failed with `circuit_open`.
    pub circuit_rejections: u64,
    /// `execute` calls retried on another endpoint after a retryable error.
    pub failovers: u64,
    /// `execute` calls hedged on a second endpoint after `stall_timeout`.
    pub hedges: u64,
    /// Whether [`close`](crate::ConnectionPool::close) was called.
    pub closed: bool,
}
