//! # mantra-sdk-wasm
//!
//! wasm-bindgen adapters behind the npm package `mantra-sdk` (`packages/npm`). This crate only
//! translates between JS and the Rust core: every default, TTL, retry rule and state machine
//! lives in `mantra-sdk`; a binding file that makes a decision is a bug.
//!
//! ## Conventions (every exported item follows them)
//! - Names are camelCase (`js_name`), durations are milliseconds (`number`, suffix `Ms`),
//!   I/O returns a `Promise`, cache/metrics/health-report operations are synchronous.
//! - Arguments that need checking arrive as `JsValue` and go through [`convert`]: a value
//!   of the wrong JS type throws a `TypeError`, a value of the right type that core rejects
//!   throws a `MantraError` — both with a message naming the call and the argument.
//! - Errors: every `mantra_sdk::Error` becomes a JS `MantraError` in one place,
//!   [`error::to_js`] (`code` = `Error::code()`).
//! - Promise-returning exports never throw synchronously for bad input: they return a
//!   rejected promise (as an `async function` would).
//! - JS callbacks (executors, checks, transports) are called through [`host::call_host`],
//!   which awaits promises and maps what they throw back to a core error
//!   ([`host::error_from_js`]), so core decides what a host failure means.
//!
//! ## Panics
//! `wasm32-unknown-unknown` has no unwinding on stable Rust (`panic = "abort"`, see the
//! `wasm-release` profile), so `catch_unwind` cannot stop a panic and an unhandled one would
//! reach JS as `RuntimeError: unreachable`. Three layers keep that from happening:
//! 1. **Never panic.** Exports return `Result<_, JsValue>` (or a rejecting `Promise`), inputs
//!    are validated before they reach core, and core itself has no `unwrap` on input paths.
//! 2. **Panic hook** ([`panic`]): if a panic happens anyway, the hook (installed at module
//!    start) builds a `MantraError` with code `"internal"` and the panic message, tells the JS
//!    layer (which poisons the instance and rejects every pending promise: each export
//!    promise's reject function waits in its set while the promise runs, see
//!    `mantra_sdk_wasm_io::host::promise`), then *throws* that
//!    error as a JS exception instead of returning into the abort path — so the caller sees a
//!    `MantraError`, not a trap.
//! 3. **JS guard** (`packages/npm/lib/sdk.mjs`): every exported function, method, getter and
//!    constructor is wrapped; a `WebAssembly.RuntimeError` (a trap that bypassed the hook:
//!    out-of-memory, stack overflow) becomes a `MantraError("internal")`, and once poisoned
//!    every later call fails fast with `MantraError("internal")` instead of running on
//!    corrupted state (held locks, half-updated structures).
#![warn(missing_docs)]

//! ## Two crates: speed where it counts, size everywhere else
//! This crate (built at opt-level 3 in the `wasm-release` profile) holds only the engines on
//! the per-call hot paths — [`cache`] (`__CacheCore`) and [`metrics`] (`__MetricsCore`) —
//! and is the `cdylib`. Everything else — the client, health, batch, clock and meta exports,
//! the config readers and the shared conversions (`convert`, `error`, `host`, `panic`,
//! `ser`) — is in `mantra-sdk-wasm-io` (`io/`), built at opt-level z. Its `#[wasm_bindgen]`
//! exports are linked into this module as if they were declared here; the JS-facing API is
//! the same.

#[cfg(all(target_family = "wasm", target_os = "unknown"))]
mod cache;
#[cfg(all(target_family = "wasm", target_os = "unknown"))]
mod metrics;

#[cfg(all(target_family = "wasm", target_os = "unknown"))]
pub use mantra_sdk_wasm_io::{
    convert, error, host, panic, ser, sleep_ms, version, BatchManager, HealthChecker, MantraClient,
    ManualClock,
};
