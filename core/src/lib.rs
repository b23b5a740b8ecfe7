//! # mantra-sdk
//!
//! A portable, observable client runtime for MANTRA (a Cosmos SDK / CometBFT chain):
//! an LRU+TTL cache, JSON-RPC batching, a priority executor with adaptive concurrency,
//! memory pooling, metrics with Prometheus/OTLP exporters and health checks — one core
//! shared by the npm, Python, Kotlin and Swift packages.
//!
//! Every component takes a [`runtime::SharedClock`], so timing logic runs in virtual time
//! under test ([`runtime::ManualClock`]) and on the JS clock under WebAssembly.
#![warn(missing_docs)]
// On wasm nothing is `Send`/`Sync` (JS values, one thread) and `Arc` is still what shares
// state between a component and its background loops, as on native.
#![cfg_attr(
    all(target_family = "wasm", target_os = "unknown"),
    allow(clippy::arc_with_non_send_sync)
)]

pub mod error;
/// Fast hash maps for internal bookkeeping.
mod hash;
pub mod pool;
pub mod redact;
pub mod rpc;
pub mod runtime;
mod sort;
mod vec_map;
// Report formatting helpers are used only by the `performance` components.
#[cfg_attr(not(feature = "performance"), allow(dead_code))]
mod time_fmt;
pub mod transport;

#[cfg(feature = "performance")]
pub mod batch;
#[cfg(feature = "performance")]
pub mod cache;
#[cfg(feature = "performance")]
pub mod client;
#[cfg(feature = "performance")]
pub mod exec;
#[cfg(feature = "performance")]
pub mod health;
#[cfg(feature = "performance")]
pub mod memory;
#[cfg(feature = "performance")]
pub mod metrics;
#[cfg(feature = "performance")]
pub mod monitoring;
#[cfg(feature = "performance")]
pub mod performance;

pub use error::{Error, HostErrorFields, Result};
pub use redact::{redact_text, redact_url, REDACTED};
pub use runtime::{Clock, ManualClock, SharedClock};

// Seed names at the crate root (`use mantra_sdk::{CacheManager, CacheConfig, ...}`).
// Modules prefix their type names (CacheStats, BatchStats, ...) so these globs never collide.
#[cfg(feature = "performance")]
pub use batch::*;
#[cfg(feature = "performance")]
pub use cache::*;
#[cfg(feature = "performance")]
pub use client::*;
#[cfg(feature = "performance")]
pub use exec::*;
#[cfg(feature = "performance")]
pub use health::*;
#[cfg(feature = "performance")]
pub use memory::*;
#[cfg(feature = "performance")]
pub use metrics::*;
#[cfg(feature = "performance")]
pub use monitoring::*;
#[cfg(feature = "performance")]
pub use performance::*;
pub use pool::*;
