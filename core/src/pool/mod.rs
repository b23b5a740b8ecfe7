//! Connection pool with health-ranked failover.
//!
//! ```no_run
//! # async fn demo() -> mantra_sdk::Result<()> {
//! use std::time::Duration;
//! use mantra_sdk::{ConnectionPool, ConnectionPoolConfig};
//!
//! let config = ConnectionPoolConfig {
//!     max_connections: 20,
//!     min_connections: 5,
//!     max_idle_time: Duration::from_secs(300),
//!     connection_timeout: Duration::from_secs(30),
//!     acquire_timeout: Duration::from_secs(10),
//!     health_check_interval: Duration::from_secs(60),
//! };
//! let mut pool = ConnectionPool::new(config);
//! pool.initialize("http://rpc-endpoint:26657").await?;
//! let connection = pool.acquire().await?;
//! let client = connection.client();
//! let body = client
//!     .post_json(r#"{"jsonrpc":"2.0","id":1,"method":"status","params":{}}"#)
//!     .await?;
//! # let _ = body;
//! # Ok(())
//! # }
//! ```
//!
//! What "connection" means, how endpoints are ranked (viem rank score + tower PeakEWMA),
//! the circuit breaker and the failover policy are documented on [`ConnectionPool`].

mod breaker;
mod config;
mod connection_pool;
mod endpoint;
mod permits;
mod score;
mod stats;

#[cfg(test)]
mod tests;

pub use breaker::CircuitState;
pub use config::{ConnectionPoolConfig, PoolOptions, POOL_MAX_CONNECTIONS_LIMIT};
pub use connection_pool::{ConnectionPool, ConnectionPoolBuilder};
pub(crate) use endpoint::parse_endpoint;
pub use permits::{EndpointClient, PooledConnection};
pub use stats::{PoolEndpointStats, PoolStats};
