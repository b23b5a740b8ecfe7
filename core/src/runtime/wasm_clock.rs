//! Browser / Node clock: `performance.now()` (falling back to `Date.now()`) and gloo-timers.

use std::time::Duration;

use wasm_bindgen::prelude::*;

use super::{BoxFuture, Clock};

fn monotonic_ms() -> f64 {
    let perf = js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("performance"))
        .unwrap_or(JsValue::UNDEFINED);
    if !perf.is_undefined() && !perf.is_null() {
        if let Ok(now) = js_sys::Reflect::get(&perf, &JsValue::from_str("now")) {
            if let Some(f) = now.dyn_ref::<js_sys::Function>() {
                if let Some(ms) = f.call0(&perf).ok().and_then(|v| v.as_f64()) {
                    return ms;
                }
            }
        }
    }
    js_sys::Date::now()
}

/// Wall-clock time since the Unix epoch from the host's `Date.now()`.
pub(crate) fn js_wall_time() -> Duration {
    Duration::from_secs_f64(js_sys::Date::now().max(0.0) / 1000.0)
}

/// Real time in JS hosts (browsers, Node ≥ 18, workers).
#[derive(Clone)]
pub struct WasmClock {
    origin_ms: f64,
}

// By hand: a derived `Debug` would format the `f64` and pull float formatting (~10 KB
// gzipped) into every wasm binary, since `SharedClock`'s vtable needs `Debug`.
impl std::fmt::Debug for WasmClock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WasmClock").finish_non_exhaustive()
    }
}

impl WasmClock {
    /// A clock whose origin is now.
    pub fn new() -> Self {
        Self {
            origin_ms: monotonic_ms(),
        }
    }
}

impl Default for WasmClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for WasmClock {
    fn now(&self) -> Duration {
        let ms = (monotonic_ms() - self.origin_ms).max(0.0);
        Duration::from_secs_f64(ms / 1000.0)
    }

    fn wall_time(&self) -> Duration {
        js_wall_time()
    }

    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        let ms = duration.as_millis().min(u32::MAX as u128) as u32;
        Box::pin(gloo_timers::future::TimeoutFuture::new(ms))
    }
}
