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

/// Reads a JS config object (every option optional) for one core config struct. Each read
/// names the JS option (`defaultTtlMs`) and the core field it sets (`default_ttl`), so a
/// core `InvalidConfig { field }` error can be reported under the JS option's name
/// ([`Config::error`]). `undefined`/`null` is an empty config; anything but a plain object
/// is a `TypeError`, and so is an option of the wrong type or an unknown option (a typo must
/// not silently fall back to a default).
pub struct Config {
    obj: Option<js_sys::Object>,
    what: &'static str,
    fields: Vec<(&'static str, &'static str)>,
    /// Core fields named after a JS option of a nested object (errors only; not options).
    renames: Vec<(&'static str, &'static str)>,
    /// A method's options or record, not a config: a bad value is `invalid_argument`, its
    /// message naming the `option` or `field`.
    argument: Option<&'static str>,
}

impl Config {
    /// Starts reading `value`, the config argument of `what` (e.g. `"CacheManager config"`).
    pub fn new(value: &JsValue, what: &'static str) -> JsResult<Self> {
        let obj = if value.is_undefined() || value.is_null() {
            None
        } else if Self::is_plain(value) {
            Some(js_sys::Object::unchecked_from_js_ref(value).clone())
        } else {
            return Err(type_error(&format!(
                "{what} must be an object, got {}",
                describe(value)
            )));
        };
        Ok(Self {
            obj,
            what,
            fields: Vec::new(),
            renames: Vec::new(),
            argument: None,
        })
    }

    /// Like [`new`](Self::new) for the options object of method `what` (e.g.
    /// `"BatchManager.submit"`): a bad value is `invalid_argument` naming the option, as for
    /// the method's other arguments.
    pub fn options(value: &JsValue, what: &'static str) -> JsResult<Self> {
        Self::for_argument(value, what, &format_args!("{what} options"), "option")
    }

    /// Like [`options`](Self::options) for a record argument named `what` (e.g.
    /// `"MetricsCollector.recordResourceUsage(usage)"`); its errors name fields.
    pub fn record(value: &JsValue, what: &'static str) -> JsResult<Self> {
        Self::for_argument(value, what, &format_args!("{what}"), "field")
    }

    fn for_argument(
        value: &JsValue,
        what: &'static str,
        shown: &std::fmt::Arguments<'_>,
        member: &'static str,
    ) -> JsResult<Self> {
        if !value.is_undefined() && !value.is_null() && !Self::is_plain(value) {
            return Err(type_error(&format!(
                "{shown} must be an object, got {}",
                describe(value)
            )));
        }
        let mut c = Self::new(value, what)?;
        c.argument = Some(member);
        Ok(c)
    }

    fn is_plain(value: &JsValue) -> bool {
        value.is_object() && !js_sys::Array::is_array(value) && !value.is_function()
    }

    /// Names core field `field` after JS option `key` in this config's errors (a field core
    /// keeps at this level that a nested option sets, e.g. the cache's `ttlByType`).
    pub fn rename(&mut self, field: &'static str, key: &'static str) {
        self.renames.push((field, key));
    }

    /// The value of option `key` (setting core field `field`), if given (not `undefined`).
    pub fn raw(&mut self, key: &'static str, field: &'static str) -> Option<JsValue> {
        self.fields.push((field, key));
        let obj = self.obj.as_ref()?;
        let v = js_sys::Reflect::get(obj, &JsValue::from_str(key)).ok()?;
        (!v.is_undefined()).then_some(v)
    }

    fn wrong_type(&self, key: &str, want: &str, got: &JsValue) -> JsValue {
        type_error(&format!(
            "{} {} `{key}` must be {want}, got {}",
            self.what,
            self.argument.unwrap_or("option"),
            describe(got)
        ))
    }

    /// Option `key` (core field `field`) has a bad value.
    fn bad_value(&self, key: &str, field: &'static str, reason: String) -> JsValue {
        if let Some(member) = self.argument {
            let msg = format!("{} {member} `{key}` {reason}", self.what);
            return crate::error::to_js(&mantra_sdk::Error::InvalidArgument(msg));
        }
        self.error_for(crate::error::to_js(&mantra_sdk::Error::invalid_config(
            field, reason,
        )))
    }

    /// A count: an integer `>= 0` (core decides whether 0 is allowed).
    pub fn count(&mut self, key: &'static str, field: &'static str) -> JsResult<Option<usize>> {
        let Some(v) = self.raw(key, field) else {
            return Ok(None);
        };
        let Some(n) = v.as_f64() else {
            return Err(self.wrong_type(key, "a number", &v));
        };
        if !(n.is_finite() && n >= 0.0 && n.fract() == 0.0) {
            return Err(self.bad_value(
                key,
                field,
                format!("must be an integer >= 0, got {}", js_number(&v)),
            ));
        }
        Ok(Some(if n > usize::MAX as f64 {
            usize::MAX
        } else {
            n as usize
        }))
    }

    /// A `u32` count (thresholds, attempts): like [`count`](Self::count), saturating.
    pub fn count_u32(&mut self, key: &'static str, field: &'static str) -> JsResult<Option<u32>> {
        Ok(self
            .count(key, field)?
            .map(|n| u32::try_from(n).unwrap_or(u32::MAX)))
    }

    /// A duration in milliseconds: a finite number `>= 0`.
    pub fn ms(&mut self, key: &'static str, field: &'static str) -> JsResult<Option<Duration>> {
        let Some(v) = self.raw(key, field) else {
            return Ok(None);
        };
        if v.as_f64().is_none() {
            return Err(self.wrong_type(key, "a number of milliseconds", &v));
        }
        ms_value(&v)
            .map(Some)
            .map_err(|reason| self.bad_value(key, field, reason))
    }

    /// A boolean.
    pub fn flag(&mut self, key: &'static str, field: &'static str) -> JsResult<Option<bool>> {
        let Some(v) = self.raw(key, field) else {
            return Ok(None);
        };
        v.as_bool()
            .map(Some)
            .ok_or_else(|| self.wrong_type(key, "a boolean", &v))
    }

    /// A string.
    pub fn string(&mut self, key: &'static str, field: &'static str) -> JsResult<Option<String>> {
        let Some(v) = self.raw(key, field) else {
            return Ok(None);
        };
        v.as_string()
            .map(Some)
            .ok_or_else(|| self.wrong_type(key, "a string", &v))
    }

    /// A plain object (nested options, maps).
    pub fn object(
        &mut self,
        key: &'static str,
        field: &'static str,
    ) -> JsResult<Option<js_sys::Object>> {
        let Some(v) = self.raw(key, field) else {
            return Ok(None);
        };
        if v.is_object() && !js_sys::Array::is_array(&v) && !v.is_function() {
            Ok(Some(js_sys::Object::unchecked_from_js_ref(&v).clone()))
        } else {
            Err(self.wrong_type(key, "an object", &v))
        }
    }

    /// Fails with a `TypeError` naming the first option that was not read (unknown).
    pub fn finish(&self) -> JsResult<()> {
        let Some(obj) = &self.obj else {
            return Ok(());
        };
        for key in js_sys::Object::keys(obj).iter() {
            let key = key.as_string().unwrap_or_default();
            if !self.fields.iter().any(|(_, k)| *k == key) {
                let known: Vec<&str> = self.fields.iter().map(|(_, k)| *k).collect();
                return Err(type_error(&format!(
                    "{} has no option `{key}` (options: {})",
                    self.what,
                    known.join(", ")
                )));
            }
        }
        Ok(())
    }

    /// Maps a core error for this config to JS, renaming an `InvalidConfig` field to the JS
    /// option that sets it (`default_ttl` → `defaultTtlMs`).
    pub fn error(&self, err: &mantra_sdk::Error) -> JsValue {
        self.error_for(crate::error::to_js(err))
    }

    fn error_for(&self, js: JsValue) -> JsValue {
        let field = js_sys::Reflect::get(&js, &JsValue::from_str("field"))
            .ok()
            .and_then(|f| f.as_string());
        if let Some(field) = field {
            if let Some((_, key)) = self
                .fields
                .iter()
                .chain(&self.renames)
                .find(|(f, _)| crate::error::camel_case(f) == field)
            {
                rename_field(&js, field.as_str(), key);
            }
        }
        js
    }
}

/// Rewrites a `MantraError`'s `field` (and the name in its message) to `to`.
fn rename_field(err: &JsValue, from: &str, to: &str) {
    let _ = js_sys::Reflect::set(err, &JsValue::from_str("field"), &JsValue::from_str(to));
    if let Some(msg) = js_sys::Reflect::get(err, &JsValue::from_str("message"))
        .ok()
        .and_then(|m| m.as_string())
    {
        let msg = msg.replace(&format!("`{from}`"), &format!("`{to}`"));
        let _ = js_sys::Reflect::set(err, &JsValue::from_str("message"), &JsValue::from_str(&msg));
    }
}

/// A JS number of milliseconds → `Duration`, or why it is not acceptable.
pub fn ms_value(value: &JsValue) -> Result<Duration, String> {
    let ms = value.as_f64().unwrap_or(f64::NAN);
    if !ms.is_finite() || ms < 0.0 {
        return Err(format!(
            "must be a finite number of milliseconds >= 0, got {}",
            js_number(value)
        ));
    }
    Duration::try_from_secs_f64(ms / 1000.0)
        .map_err(|_| format!("is too large: {} ms", js_number(value)))
}

/// An optional JS function: `undefined`/`null` → `None`.
pub fn optional_function(value: &JsValue, what: &str) -> JsResult<Option<js_sys::Function>> {
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    function(value, what).map(Some)
}

/// A string argument.
pub fn string(value: &JsValue, what: &str) -> JsResult<String> {
    value
        .as_string()
        .ok_or_else(|| type_error(&format!("{what} must be a string, got {}", describe(value))))
}

/// A JSON-compatible JS value → `serde_json::Value` (through `JSON.stringify`, so `toJSON`
/// and the usual JSON rules apply). `undefined`, functions, symbols, `BigInt`s and cyclic
/// values are `TypeError`s.
pub fn json(value: &JsValue, what: &str) -> JsResult<serde_json::Value> {
    // JSON.stringify turns a Promise into `{}`: a forgotten `await` must not pass as data.
    if value.is_object()
        && js_sys::Reflect::get(value, &JsValue::from_str("then")).is_ok_and(|t| t.is_function())
    {
        return Err(type_error(&format!(
            "{what} must be a JSON-compatible value, got a Promise (await it first)"
        )));
    }
    let text = js_sys::JSON::stringify(value)
        .ok()
        .and_then(|s| s.as_string())
        .ok_or_else(|| {
            type_error(&format!(
                "{what} must be a JSON-compatible value, got {}",
                describe(value)
            ))
        })?;
    // `from_slice`, not `from_str`: the one JSON-text deserializer core also uses.
    serde_json::from_slice(text.as_bytes())
        .map_err(|e| type_error(&format!("{what} is not valid JSON: {e}")))
}

/// A `serde_json::Value` → JS value (no JSON text round trip; object keys verbatim).
pub fn from_json(value: &serde_json::Value) -> JsValue {
    crate::ser::to_js(value)
}
