//! `ManualClock` (virtual time for tests) and `sleepMs` (a sleep on the core's clock): the
//! pipeline's proof that a core component, a core future and the JS clock work end to end.

use std::sync::Arc;

use futures::future::{select, Either};
use tokio::sync::Notify;

use crate::host::promise;
use js_sys::Promise;
use mantra_sdk::runtime::{default_clock, SharedClock};
use wasm_bindgen::prelude::*;

use crate::convert::{duration_from_ms, ms_from_duration};

/// Virtual time (wraps `mantra_sdk::ManualClock`): time moves only when `advance` is called.
/// Pass it to a component's `withClock` to test TTLs, delays and retries without waiting.
#[wasm_bindgen]
pub struct ManualClock {
    inner: mantra_sdk::ManualClock,
    /// Notified by an explicit `free()` (through `__rejectSleeps`): the sleeps this handle
    /// started then reject with `closed`, since nothing can advance the clock any more. Not
    /// on garbage collection: a sleep nobody holds must not become an unhandled rejection.
    freed: Arc<Notify>,
}

impl Default for ManualClock {
    fn default() -> Self {
        Self::new()
    }
}

#[wasm_bindgen]
impl ManualClock {
    /// A clock at virtual time zero.
    #[wasm_bindgen(constructor)]
    pub fn new() -> ManualClock {
        Self {
            inner: mantra_sdk::ManualClock::new(),
            freed: Arc::new(Notify::new()),
        }
    }

    /// Moves time forward by `ms`, firing every sleep that falls due on the way, in order;
    /// resolves once the woken tasks have run.
    pub fn advance(&self, ms: JsValue) -> Promise {
        let by = duration_from_ms(&ms, "ManualClock.advance(ms)");
        let clock = self.inner.clone();
        promise(Box::pin(async move {
            clock.advance(by?).await;
            Ok(JsValue::UNDEFINED)
        }))
    }

    /// Resolves once virtual time has moved `ms` past now (a core `Clock::sleep`).
    #[wasm_bindgen(js_name = sleepMs)]
    pub fn sleep_ms(&self, ms: JsValue) -> Promise {
        // Created now, so the deadline is measured from this call, not from the first poll.
        let sleep = duration_from_ms(&ms, "ManualClock.sleepMs(ms)")
            .map(|by| mantra_sdk::Clock::sleep(&self.inner, by));
        // Created now: a free() before the first poll still ends it.
        let freed = Box::pin(self.freed.clone().notified_owned());
        promise(Box::pin(async move {
            match select(sleep?, freed).await {
                Either::Left(_) => Ok(JsValue::UNDEFINED),
                Either::Right(_) => Err(crate::error::to_js(&mantra_sdk::Error::Closed(
                    "ManualClock.sleepMs: the clock was freed before the sleep ended".into(),
                ))),
            }
        }))
    }

    /// Rejects the sleeps this handle started with `closed` (the JS layer's `free()` calls
    /// it first; not public API).
    #[wasm_bindgen(js_name = __rejectSleeps)]
    pub fn reject_sleeps(&self) {
        self.freed.notify_waiters();
    }

    /// Virtual milliseconds since the clock was created.
    #[wasm_bindgen(getter, js_name = nowMs)]
    pub fn now_ms(&self) -> f64 {
        ms_from_duration(mantra_sdk::Clock::now(&self.inner))
    }

    /// Number of sleeps currently waiting on this clock.
    #[wasm_bindgen(getter, js_name = pendingSleeps)]
    pub fn pending_sleeps(&self) -> u32 {
        u32::try_from(self.inner.pending_sleeps()).unwrap_or(u32::MAX)
    }
}

impl ManualClock {
    /// The core clock handle, for `withClock` constructors of other exports.
    pub fn shared(&self) -> SharedClock {
        Arc::new(self.inner.clone())
    }
}

/// Resolves after `ms` milliseconds on the real JS clock (core's `WasmClock`: its shared
/// `setTimeout` timer).
#[wasm_bindgen(js_name = sleepMs)]
pub fn sleep_ms(ms: JsValue) -> Promise {
    let sleep = duration_from_ms(&ms, "sleepMs(ms)").map(|by| default_clock().sleep(by));
    promise(Box::pin(async move {
        sleep?.await;
        Ok(JsValue::UNDEFINED)
    }))
}
