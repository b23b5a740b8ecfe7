//! # mantra-sdk-wasm-io
//!
//! The size-optimised part of the npm package's wasm binding (opt-level z in the
//! `wasm-release` profile): the client, health, batch, clock and meta exports, the JS config
//! readers and the conversions shared with the hot engines in `mantra-sdk-wasm` (the
//! `cdylib`, which links these exports in). The conventions and the panic strategy are
//! described in `mantra-sdk-wasm`'s crate docs; they apply here unchanged.
#![warn(missing_docs)]

#[cfg(all(target_family = "wasm", target_os = "unknown"))]
mod batch;
#[cfg(all(target_family = "wasm", target_os = "unknown"))]
mod call_options;
#[cfg(all(target_family = "wasm", target_os = "unknown"))]
mod client;
#[cfg(all(target_family = "wasm", target_os = "unknown"))]
mod clock;
#[cfg(all(target_family = "wasm", target_os = "unknown"))]
pub mod config;
#[cfg(all(target_family = "wasm", target_os = "unknown"))]
pub mod convert;
#[cfg(all(target_family = "wasm", target_os = "unknown"))]
pub mod engines;
#[cfg(all(target_family = "wasm", target_os = "unknown"))]
pub mod error;
#[cfg(all(target_family = "wasm", target_os = "unknown"))]
mod health;
#[cfg(all(target_family = "wasm", target_os = "unknown"))]
pub mod host;
#[cfg(all(target_family = "wasm", target_os = "unknown"))]
mod json_text;
#[cfg(all(target_family = "wasm", target_os = "unknown"))]
mod meta;
#[cfg(all(target_family = "wasm", target_os = "unknown"))]
pub mod panic;
#[cfg(all(target_family = "wasm", target_os = "unknown"))]
mod response_cache;
#[cfg(all(target_family = "wasm", target_os = "unknown"))]
pub mod ser;

#[cfg(all(target_family = "wasm", target_os = "unknown"))]
pub use batch::BatchManager;
#[cfg(all(target_family = "wasm", target_os = "unknown"))]
pub use client::MantraClient;
#[cfg(all(target_family = "wasm", target_os = "unknown"))]
pub use clock::{sleep_ms, ManualClock};
#[cfg(all(target_family = "wasm", target_os = "unknown"))]
pub use health::HealthChecker;
#[cfg(all(target_family = "wasm", target_os = "unknown"))]
pub use meta::version;
