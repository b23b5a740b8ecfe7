//! The one mapping from [`mantra_sdk::Error`] to JS.
//!
//! JS sees a `MantraError` (defined in `packages/npm/lib/sdk.mjs` and registered here at load
//! by `__init`) with `code` = [`Error::code`], the core's message, `retryable` =
//! [`Error::is_retryable`] and, where the variant has them, `field` (camelCase), `status`,
//! `retryAfterMs`, `timeoutMs`, `rpcCode`, `data` and `check`. Wrong JS types are `TypeError`s.

use std::cell::RefCell;

use js_sys::{Array, Function, Object, Reflect};
use mantra_sdk::Error;
use wasm_bindgen::prelude::*;

use crate::convert::ms_from_duration;

thread_local! {
    static ERROR_CLASS: RefCell<Option<Function>> = const { RefCell::new(None) };
}

/// Result of an export: the error is the JS value to throw (or reject with).
pub type JsResult<T> = Result<T, JsValue>;

pub(crate) fn set_error_class(class: Function) {
    ERROR_CLASS.with(|c| *c.borrow_mut() = Some(class));
}

fn set(obj: &Object, key: &str, value: impl Into<JsValue>) {
    // Setting a property on a fresh plain object cannot fail.
    let _ = Reflect::set(obj, &JsValue::from_str(key), &value.into());
}

/// Builds `new MantraError(code, message, props)`. Falls back to a plain `Error` carrying the
/// same fields when the package entry has not registered the class (raw glue use).
pub fn mantra_error(code: &str, message: &str, props: &Object) -> JsValue {
    let class = ERROR_CLASS
        .try_with(|c| c.try_borrow().ok().and_then(|c| c.clone()))
        .ok()
        .flatten();
    if let Some(class) = class {
        let args = Array::of3(&code.into(), &message.into(), props);
        if let Ok(err) = Reflect::construct(&class, &args) {
            return err;
        }
    }
    let err = js_sys::Error::new(message);
    err.set_name("MantraError");
    set(&err, "code", code);
    Object::assign(&err, props);
    err.into()
}

/// `snake_case` → `camelCase`, for field names in JS messages (`max_entries` → `maxEntries`).
pub fn camel_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut upper = false;
    for ch in name.chars() {
        if ch == '_' {
            upper = !out.is_empty();
        } else if upper {
            out.push(ch.to_ascii_uppercase());
            upper = false;
        } else {
            out.push(ch);
        }
    }
    out
}

/// Maps a core error to the JS `MantraError` to throw.
pub fn to_js(err: &Error) -> JsValue {
    let props = Object::new();
    set(&props, "retryable", err.is_retryable());
    let message = match err {
        Error::InvalidConfig { field, reason } => {
            let field = camel_case(field);
            let message = format!("invalid config: `{field}` {reason}");
            set(&props, "field", field);
            message
        }
        Error::Transport {
            status,
            retry_after,
            ..
        } => {
            if let Some(status) = status {
                set(&props, "status", *status);
            }
            if let Some(after) = retry_after {
                set(&props, "retryAfterMs", ms_from_duration(*after));
            }
            err.to_string()
        }
        Error::Rpc { code, data, .. } => {
            set(&props, "rpcCode", *code as f64);
            if let Some(data) = data {
                set(&props, "data", data.as_str());
            }
            err.to_string()
        }
        Error::Timeout { after, .. } => {
            set(&props, "timeoutMs", ms_from_duration(*after));
            err.to_string()
        }
        Error::BatchLimit { size, max } => {
            set(&props, "size", *size as f64);
            set(&props, "max", *max as f64);
            err.to_string()
        }
        Error::HealthCheck { check, .. } => {
            set(&props, "check", check.as_str());
            err.to_string()
        }
        _ => err.to_string(),
    };
    mantra_error(err.code(), &message, &props)
}

/// A JS `TypeError` (wrong argument type).
pub fn type_error(message: &str) -> JsValue {
    js_sys::TypeError::new(message).into()
}

/// A `MantraError` with code `invalid_argument` (right type, unacceptable value).
pub fn invalid_argument(message: impl Into<String>) -> JsValue {
    to_js(&Error::InvalidArgument(message.into()))
}
