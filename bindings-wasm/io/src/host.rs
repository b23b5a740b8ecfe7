//! Calling host (JS) functions from core: the one way a JS callback — a batch executor, a
//! health check, a custom transport — becomes a Rust future that core can drive.
//!
//! Pattern for a core trait implemented by a JS function (wasm has no `Send`, so a
//! `js_sys::Function` can live inside the `'static` future core asks for):
//!
//! ```ignore
//! #[derive(Debug)]
//! struct JsCheck { f: js_sys::Function }
//! impl SomeCoreTrait for JsCheck {
//!     fn run(&self) -> BoxFuture<'static, mantra_sdk::Result<()>> {
//!         let f = self.f.clone();
//!         Box::pin(async move { call_host(&f, &[], "health check").await.map(drop) })
//!     }
//! }
//! ```
//!
//! A host error is mapped back to a core [`Error`] by [`error_from_js`], so core — not the
//! binding — decides what it means (retryable or not, which waiter fails).

use std::time::Duration;

use js_sys::{Function, Promise, Reflect};
use mantra_sdk::{Error, HostErrorFields};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

fn get(obj: &JsValue, key: &str) -> JsValue {
    Reflect::get(obj, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

fn message_of(err: &JsValue) -> String {
    if let Some(s) = err.as_string() {
        return s;
    }
    match get(err, "message").as_string() {
        Some(m) if !m.is_empty() => m,
        _ => String::from(js_sys::JsString::from(err.clone())),
    }
}

/// Maps a value thrown (or rejected with) by host code to a core error through core's
/// [`Error::from_host`]: a `MantraError` (or any object with the same `code`) whose code core
/// acts on keeps its meaning — `transport` (`status`, `retryAfterMs`), `timeout`
/// (`timeoutMs`), `rpc` (`rpcCode`, `data`), `batch_limit` (`max`, `size`), `cancelled`,
/// `invalid_argument`; anything else becomes [`Error::Host`] with `what` and the message.
pub fn error_from_js(err: &JsValue, what: &str) -> Error {
    let message = message_of(err);
    let code = if err.is_object() {
        get(err, "code").as_string()
    } else {
        None
    };
    let num = |key: &str| get(err, key).as_f64().filter(|v| v.is_finite());
    let ms = |key: &str| {
        num(key)
            .filter(|v| *v >= 0.0)
            .and_then(|v| Duration::try_from_secs_f64(v / 1000.0).ok())
    };
    let count = |key: &str| num(key).filter(|v| *v >= 0.0).map(|v| v as usize);
    let fields = HostErrorFields {
        status: num("status")
            .filter(|s| (0.0..=65535.0).contains(s))
            .map(|s| s as u16),
        retry_after: ms("retryAfterMs"),
        rpc_code: num("rpcCode").map(|c| c as i64),
        data: get(err, "data").as_string(),
        size: count("size"),
        max: count("max"),
        after: ms("timeoutMs"),
    };
    Error::from_host(code.as_deref(), what, &message, fields)
}

/// Calls `f(...args)` and awaits its result if it is a promise (or any thenable). A throw or a
/// rejection becomes a core error through [`error_from_js`]; `what` names the callback in
/// messages (e.g. `"batch executor"`).
pub async fn call_host(f: &Function, args: &[JsValue], what: &str) -> Result<JsValue, Error> {
    let args: js_sys::Array = args.iter().collect();
    let out = f
        .apply(&JsValue::UNDEFINED, &args)
        .map_err(|e| error_from_js(&e, what))?;
    let is_thenable = out.is_object() && get(&out, "then").is_function();
    if !is_thenable {
        return Ok(out);
    }
    JsFuture::from(Promise::resolve(&out))
        .await
        .map_err(|e| error_from_js(&e, what))
}

/// A boxed export future: what every `Promise`-returning export runs.
pub type JsTask = std::pin::Pin<Box<dyn std::future::Future<Output = Result<JsValue, JsValue>>>>;

thread_local! {
    /// The JS layer's set of reject functions of promises still in flight (`lib/sdk.mjs`,
    /// registered by `__init`): after a panic or a trap it rejects them all, so no call
    /// hangs on a task that will never run again.
    static PENDING: std::cell::RefCell<Option<js_sys::Set>> = const { std::cell::RefCell::new(None) };
}

/// Registers the JS layer's set of pending reject functions (see [`promise`]).
pub(crate) fn set_pending(set: js_sys::Set) {
    PENDING.with(|p| *p.borrow_mut() = Some(set));
}

/// Runs `fut` as a JS `Promise` whose reject function sits in the JS layer's pending set
/// while it runs (so a panic or trap elsewhere rejects it; the JS layer need not wrap each
/// promise in one of its own: ≈ 6 % of a client call). Every async export goes through this
/// one non-generic function, so the promise and the task it spawns are compiled once
/// instead of once per export (~80 KB of wasm).
#[inline(never)]
pub fn promise(fut: JsTask) -> Promise {
    let mut fut = Some(fut);
    Promise::new(&mut |resolve, reject| {
        let Some(fut) = fut.take() else { return };
        let pending = PENDING.with(|p| p.borrow().clone());
        if let Some(set) = &pending {
            set.add(&reject);
        }
        wasm_bindgen_futures::spawn_local(async move {
            let out = fut.await;
            if let Some(set) = &pending {
                set.delete(&reject);
            }
            let _ = match out {
                Ok(value) => resolve.call1(&JsValue::UNDEFINED, &value),
                Err(err) => reject.call1(&JsValue::UNDEFINED, &err),
            };
        });
    })
}
