//! Package-level exports: `version()` and the hidden panic trigger used by the tests.

use std::time::Duration;

use crate::host::promise;
use mantra_sdk::runtime::default_clock;
use wasm_bindgen::prelude::*;

use crate::convert::function;
use crate::error::to_js;
use crate::host::call_host;

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
        "async" => promise(Box::pin(async {
            default_clock().sleep(Duration::from_millis(1)).await;
            panic!("test panic requested from JS (async)");
        })),
        "trap" => core::arch::wasm32::unreachable(),
        _ => panic!("test panic requested from JS (sync)"),
    }
}

/// Test hook (not in `index.d.ts`): calls the JS function `f(arg)` the way core calls host
/// callbacks ([`call_host`]) and rejects with the core error mapped back to JS, so the tests
/// see the full JS → core `Error` → JS round trip.
#[wasm_bindgen(js_name = "__testHostCall")]
pub fn test_host_call(f: JsValue, arg: JsValue) -> js_sys::Promise {
    let f = function(&f, "__testHostCall(f)");
    promise(Box::pin(async move {
        call_host(&f?, &[arg], "test callback")
            .await
            .map_err(|e| to_js(&e))
    }))
}
