//! Module start-up and the panic hook (layer 2 of the strategy in the crate docs).

use std::cell::RefCell;

use js_sys::{Function, Object, Reflect};
use wasm_bindgen::prelude::*;

use crate::error::{mantra_error, set_error_class};

thread_local! {
    static ON_PANIC: RefCell<Option<Function>> = const { RefCell::new(None) };
}

/// Runs when the module is instantiated: installs the panic hook even if the raw glue is
/// used without the package entry.
#[wasm_bindgen(start, js_name = "__start")]
pub fn start() {
    std::panic::set_hook(Box::new(|info| {
        let message = format!(
            "mantra-sdk internal error (a bug, please report it): {}. \
             This SDK instance can no longer be used; reload the module.",
            info.to_string().replace('\n', " ")
        );
        let props = Object::new();
        let _ = Reflect::set(&props, &"retryable".into(), &JsValue::FALSE);
        let err = mantra_error("internal", &message, &props);
        let on_panic = ON_PANIC
            .try_with(|c| c.try_borrow().ok().and_then(|c| c.clone()))
            .ok()
            .flatten();
        if let Some(on_panic) = on_panic {
            let _ = on_panic.call1(&JsValue::NULL, &err);
        }
        // Leave wasm by throwing the error: returning would take the abort path and trap.
        wasm_bindgen::throw_val(err)
    }));
}

/// Called once by the package entry (`lib/sdk.mjs`) at load: registers the `MantraError`
/// class every error is built from, the callback that poisons the JS layer on a panic, the
/// set where every export promise's reject function waits while it runs (see
/// [`crate::host::promise`]), and the JS layer's `AbortSignal` hooks `(signal, f)` that
/// add and remove a call's abort callback (see [`crate::call_options`]).
#[wasm_bindgen(js_name = "__init")]
pub fn init(
    error_class: Function,
    on_panic: Function,
    pending: js_sys::Set,
    on_abort: Function,
    off_abort: Function,
) {
    set_error_class(error_class);
    ON_PANIC.with(|c| *c.borrow_mut() = Some(on_panic));
    crate::host::set_pending(pending);
    crate::call_options::set_abort_hooks(on_abort, off_abort);
}
