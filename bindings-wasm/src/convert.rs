//! JS value → Rust value checks shared by every export. Each takes `what`, the call and
//! argument as the user wrote it (`"ManualClock.advance(ms)"`), so messages name it.

use std::time::Duration;

use wasm_bindgen::prelude::*;

use crate::error::{invalid_argument, type_error, JsResult};

/// A short description of a JS value for error messages: `string "x"`, `number NaN`,
/// `null`, `array`, `object`. Formatting is left to JS (`JSON.stringify`, `String`) so the
/// wasm carries no float or escape formatting code for it.
pub fn describe(value: &JsValue) -> String {
    if value.is_null() {
        return "null".into();
    }
    if let Some(s) = value.as_string() {
        let shown: String = s.chars().take(40).collect();
        let quoted = js_sys::JSON::stringify(&JsValue::from_str(&shown))
            .map(String::from)
            .unwrap_or_default();
        let more = if shown.len() < s.len() { "…" } else { "" };
        return format!("string {quoted}{more}");
    }
    if value.as_f64().is_some() {
        return format!("number {}", js_number(value));
    }
    if js_sys::Array::is_array(value) {
        return "array".into();
    }
    value
        .js_typeof()
        .as_string()
        .unwrap_or_else(|| "value".into())
}

/// `String(n)` of a JS number, as JS prints it.
fn js_number(value: &JsValue) -> String {
    js_sys::Number::unchecked_from_js_ref(value)
        .to_string_with_radix(10)
        .map(String::from)
        .unwrap_or_default()
}

/// A duration given in milliseconds: a finite `number` ≥ 0 (fractions allowed).
pub fn duration_from_ms(value: &JsValue, what: &str) -> JsResult<Duration> {
    let Some(ms) = value.as_f64() else {
        return Err(type_error(&format!(
            "{what} must be a number of milliseconds, got {}",
            describe(value)
        )));
    };
    if !ms.is_finite() || ms < 0.0 {
        return Err(invalid_argument(format!(
            "{what} must be a finite number of milliseconds >= 0, got {}",
            js_number(value)
        )));
    }
    Duration::try_from_secs_f64(ms / 1000.0)
        .map_err(|_| invalid_argument(format!("{what} is too large: {} ms", js_number(value))))
}

/// A JS function (a callback: executor, health check, transport).
pub fn function(value: &JsValue, what: &str) -> JsResult<js_sys::Function> {
    value.dyn_ref::<js_sys::Function>().cloned().ok_or_else(|| {
        type_error(&format!(
            "{what} must be a function, got {}",
            describe(value)
        ))
    })
}

/// A duration as JS milliseconds.
pub fn ms_from_duration(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
