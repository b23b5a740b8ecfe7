//! # mantra-sdk-uniffi
//!
//! uniffi bindings (library mode, proc macros) of `mantra-sdk` for Kotlin (package
//! `mantra.sdk`) and Swift (module `MantraSDK`). Thin adapters only: every decision lives in
//! the core; this crate converts types and errors.
//!
//! Conventions (see `bindings-uniffi/README.md`):
//! - one error, [`MantraException`], mapped once from `mantra_sdk::Error`; `code()` is the
//!   core's stable code; fallible bodies run under [`error::guard`] so a panic becomes
//!   `MantraException.Internal` instead of crossing the FFI;
//! - config records have only optional fields (`null`/`nil` = the core default), so no
//!   default is restated here;
//! - host callbacks are `#[uniffi::export(with_foreign)]` traits, `async` where the host
//!   does I/O; host exceptions arrive as `MantraException` (`Host` if untyped);
//! - async methods run on uniffi's tokio runtime (`async_runtime = "tokio"`).
#![warn(missing_docs)]

uniffi::setup_scaffolding!("mantra_sdk");

pub mod batch;
pub mod cache;
pub mod clock;
pub mod error;
pub mod health;
pub mod metrics;
mod util;

pub use batch::*;
pub use cache::*;
pub use clock::*;
pub use error::{FfiResult, MantraException};
pub use health::*;
pub use metrics::*;
