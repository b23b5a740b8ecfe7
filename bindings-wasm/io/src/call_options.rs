//! A client call's last argument: `{signal}` for every method, and for `call` also core's
//! `CallOptions` (`priority`, `timeoutMs`, `bypassCache`).
//!
//! An aborted `AbortSignal` drops the call's future — core then counts the call as
//! cancelled and takes an operation still waiting for its batch out of the queue unsent —
//! and rejects the call with a `MantraError` of code `cancelled` whose `cause` is the
//! signal's `reason`. A signal already aborted rejects the call before any work starts.

use futures::future::{select, Either};
use js_sys::{Function, Reflect};
use mantra_sdk::{CallOptions, Error, Priority};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use crate::convert::{describe, string, Config};
use crate::error::{to_js, type_error, JsResult};
use crate::host::JsTask;

/// `obj[key]` (`undefined` if the lookup throws); the key's JS string is made once.
fn get(obj: &JsValue, key: &'static str) -> JsValue {
    crate::ser::get_static(obj, key)
}

/// A call's options as read from JS.
#[derive(Default)]
pub struct CallArgs {
    /// Core's per-call overrides (only `call` takes them).
    pub options: CallOptions,
    /// The `AbortSignal`, if one was given.
    pub signal: Option<JsValue>,
}

/// Reads `value`, the options argument of `what` (e.g. `"MantraClient.call"`): `undefined`
/// or an object with `signal` and, when `full`, `priority`, `timeoutMs` and `bypassCache`.
/// Wrong types and unknown options are `TypeError`s; a bad value is `invalid_argument`.
#[inline(never)]
pub fn read(value: &JsValue, what: &'static str, full: bool) -> JsResult<CallArgs> {
    let mut out = CallArgs::default();
    if value.is_undefined() {
        return Ok(out);
    }
    let mut r = Config::options(value, what)?;
    if full {
        if let Some(p) = r.raw("priority", "priority") {
            let p = string(&p, &format!("{what} option `priority`"))?;
            out.options.priority = Some(p.parse::<Priority>().map_err(|e| to_js(&e))?);
        }
        out.options.timeout = r.ms("timeoutMs", "timeout")?;
        out.options.bypass_cache = r.flag("bypassCache", "bypass_cache")?.unwrap_or(false);
    }
    if let Some(s) = r.raw("signal", "signal").filter(|s| !s.is_null()) {
        let is_signal = get(&s, "aborted").as_bool().is_some()
            && get(&s, "addEventListener").is_function()
            && get(&s, "removeEventListener").is_function();
        if !is_signal {
            return Err(type_error(&format!(
                "{what} option `signal` must be an AbortSignal, got {}",
                describe(&s)
            )));
        }
        out.signal = Some(s);
    }
    r.finish()?;
    Ok(out)
}

/// The rejection of a call aborted by `signal`.
fn aborted(signal: &JsValue, what: &str) -> JsValue {
    let err = to_js(&Error::Cancelled(format!(
        "{what} aborted by its AbortSignal"
    )));
    let _ = Reflect::set(&err, &JsValue::from_str("cause"), &get(signal, "reason"));
    err
}

thread_local! {
    /// The JS layer's `(onAbort, offAbort)` (`lib/sdk.mjs`): one `abort` listener per
    /// signal, fanning out to the calls waiting on it (Node warns past ten listeners on one
    /// signal, and many concurrent calls sharing one controller is the usual case).
    static HOOKS: std::cell::RefCell<Option<(Function, Function)>> =
        const { std::cell::RefCell::new(None) };
}

/// Registers the JS layer's abort hooks (see `__init`).
pub(crate) fn set_abort_hooks(on: Function, off: Function) {
    HOOKS.with(|h| *h.borrow_mut() = Some((on, off)));
}

/// Adds (`add`) or removes `f` as `signal`'s abort callback, through the JS layer's hooks
/// (or the signal's own methods when the raw glue is used without the package entry).
fn listen(signal: &JsValue, add: bool, f: &JsValue) -> Result<JsValue, JsValue> {
    let hook = HOOKS.with(|h| {
        h.borrow()
            .as_ref()
            .map(|(on, off)| if add { on.clone() } else { off.clone() })
    });
    match hook {
        Some(hook) => hook.call2(&JsValue::UNDEFINED, signal, f),
        None => {
            let method = if add {
                "addEventListener"
            } else {
                "removeEventListener"
            };
            get(signal, method).dyn_into::<Function>()?.call2(
                signal,
                &JsValue::from_str("abort"),
                f,
            )
        }
    }
}

/// Runs `work` until it ends or `signal` (if any) aborts, whichever comes first; on an
/// abort `work` is dropped (see the module docs). A signal whose listener cannot be added
/// (its `addEventListener` throws) rejects the call with a `TypeError`. Non-generic: one
/// copy for every method.
#[inline(never)]
pub fn with_signal(signal: Option<JsValue>, what: &'static str, work: JsTask) -> JsTask {
    let Some(signal) = signal else {
        return work;
    };
    Box::pin(async move {
        if get(&signal, "aborted").is_truthy() {
            return Err(aborted(&signal, what));
        }
        // The abort as a promise whose resolve function is the abort callback (no Rust
        // closure for JS to call).
        let mut added = Ok(JsValue::UNDEFINED);
        let mut resolve_fn = None;
        let abort = js_sys::Promise::new(&mut |resolve, _reject| {
            added = listen(&signal, true, &resolve);
            resolve_fn = Some(resolve);
        });
        if let Err(thrown) = added {
            let err = type_error(&format!(
                "{what}: option `signal` cannot be listened to (its addEventListener threw)"
            ));
            let _ = Reflect::set(&err, &JsValue::from_str("cause"), &thrown);
            return Err(err);
        }
        let out = match select(work, JsFuture::from(abort)).await {
            Either::Left((out, _)) => out,
            Either::Right(_) => Err(aborted(&signal, what)),
        };
        if let Some(resolve) = resolve_fn {
            let _ = listen(&signal, false, &resolve);
            // Settled, so the dropped `JsFuture`'s callbacks run once and free themselves.
            let _ = resolve.call0(&JsValue::UNDEFINED);
        }
        out
    })
}
