//! Package-level exports: `version()` and the hidden panic trigger used by the tests.

use std::time::Duration;

use mantra_sdk::runtime::default_clock;
use wasm_bindgen::prelude::*;

/// The SDK version (the workspace version; `packages/npm/package.json` carries the same).
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}

/// Test hook (not in `index.d.ts`): fails on purpose so the tests can check that a failure
/// surfaces as `MantraError("internal")`. `"sync"` panics in this call; `"async"` returns a
/// promise whose future panics later, inside a timer-driven poll; `"trap"` executes a wasm
/// `unreachable` directly, bypassing the panic hook (as an out-of-memory abort would).
#[wasm_bindgen(js_name = "__testPanic")]
pub fn test_panic(mode: &str) -> js_sys::Promise {
    match mode {
        "async" => wasm_bindgen_futures::future_to_promise(async {
            default_clock().sleep(Duration::from_millis(1)).await;
            panic!("test panic requested from JS (async)");
        }),
        "trap" => core::arch::wasm32::unreachable(),
        _ => panic!("test panic requested from JS (sync)"),
    }
}
