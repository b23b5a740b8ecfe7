//! WebAssembly HTTP transport: the host's global `fetch` (browsers, workers, Node ≥ 18),
//! with an `AbortController` for deadlines and cancellation.

use std::time::Duration;

use futures::future::{select, Either};
use js_sys::{Function, Promise, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, Headers, RequestInit, Response};

use super::{
    parse_retry_after, HttpMethod, HttpRequest, HttpResponse, Transport, DEFAULT_HTTP_TIMEOUT,
};
use crate::redact::{redact_text, redact_url};
use crate::runtime::{js_sleep, js_wall_time, BoxFuture};
use crate::{Error, Result};

/// HTTP transport for `wasm32-unknown-unknown`: calls `globalThis.fetch`, so it works in
/// browsers and in Node ≥ 18 alike (no `window` assumed).
#[derive(Debug, Clone)]
pub struct FetchTransport {
    timeout: Duration,
}

impl FetchTransport {
    /// A transport with the default 30 s deadline per exchange.
    pub fn new() -> Self {
        Self {
            timeout: DEFAULT_HTTP_TIMEOUT,
        }
    }

    /// A transport whose exchanges time out after `timeout` unless the request sets its own.
    pub fn with_timeout(timeout: Duration) -> Result<Self> {
        if timeout.is_zero() {
            return Err(Error::invalid_config("timeout", "must be greater than 0"));
        }
        Ok(Self { timeout })
    }
}

impl Default for FetchTransport {
    fn default() -> Self {
        Self::new()
    }
}

impl Transport for FetchTransport {
    fn send(&self, request: HttpRequest) -> BoxFuture<'static, Result<HttpResponse>> {
        let timeout = request.timeout.unwrap_or(self.timeout);
        Box::pin(fetch(request, timeout))
    }
}

/// Aborts the in-flight fetch when dropped before [`AbortGuard::disarm`] (caller cancelled
/// or deadline passed).
struct AbortGuard(Option<AbortController>);

impl AbortGuard {
    fn disarm(&mut self) {
        self.0 = None;
    }
}

impl Drop for AbortGuard {
    fn drop(&mut self) {
        if let Some(c) = self.0.take() {
            c.abort();
        }
    }
}

fn js_text(v: &JsValue) -> String {
    if let Some(s) = v.as_string() {
        return s;
    }
    if let Some(e) = v.dyn_ref::<js_sys::Error>() {
        let mut msg = String::from(e.message());
        // Node's undici puts the real reason (ECONNREFUSED, ...) in `cause`.
        if let Ok(cause) = Reflect::get(e, &JsValue::from_str("cause")) {
            if !cause.is_undefined() && !cause.is_null() {
                msg.push_str(": ");
                msg.push_str(&js_text(&cause));
            }
        }
        return msg;
    }
    if let Ok(m) = Reflect::get(v, &JsValue::from_str("message")) {
        if let Some(s) = m.as_string() {
            return s;
        }
    }
    format!("{v:?}")
}

async fn fetch(request: HttpRequest, timeout: Duration) -> Result<HttpResponse> {
    let shown = redact_url(&request.url);
    let operation = match request.method {
        HttpMethod::Get => format!("GET {shown}"),
        HttpMethod::Post => format!("POST {shown}"),
    };
    let transport_err = |what: &str, v: &JsValue| js_transport_error(&shown, what, v);

    let global = js_sys::global();
    let fetch_fn: Function = Reflect::get(&global, &JsValue::from_str("fetch"))
        .ok()
        .and_then(|f| f.dyn_into::<Function>().ok())
        .ok_or_else(|| Error::transport("this JS host has no global `fetch` function"))?;

    let init = RequestInit::new();
    let headers = Headers::new().map_err(|e| transport_err("create headers", &e))?;
    let has_content_type = request
        .headers
        .keys()
        .any(|k| k.eq_ignore_ascii_case("content-type"));
    if request.method == HttpMethod::Post && !has_content_type {
        headers
            .set("content-type", "application/json")
            .map_err(|e| transport_err("set header", &e))?;
    }
    for (k, v) in &request.headers {
        headers
            .set(k, v)
            .map_err(|e| transport_err("set header", &e))?;
    }
    init.set_headers(&headers);
    match request.method {
        HttpMethod::Get => init.set_method("GET"),
        HttpMethod::Post => {
            init.set_method("POST");
            init.set_body(&Uint8Array::from(request.body.as_slice()));
        }
    }
    // AbortController exists in every fetch-capable host; without it we still time out,
    // we just cannot cancel the underlying request.
    let controller = AbortController::new().ok();
    if let Some(c) = &controller {
        init.set_signal(Some(&c.signal()));
    }
    let mut guard = AbortGuard(controller);

    let promise: Promise = fetch_fn
        .call2(&global, &JsValue::from_str(&request.url), &init)
        .map_err(|e| transport_err("fetch", &e))?
        .dyn_into()
        .map_err(|e| transport_err("fetch", &e))?;

    let work_url = shown.clone();
    let work = async move {
        let transport_err = |what: &str, v: &JsValue| js_transport_error(&work_url, what, v);
        let response: Response = JsFuture::from(promise)
            .await
            .map_err(|e| transport_err("request", &e))?
            .dyn_into()
            .map_err(|e| transport_err("request", &e))?;
        let status = response.status();
        let retry_after = response
            .headers()
            .get("retry-after")
            .ok()
            .flatten()
            .and_then(|v| parse_retry_after(&v, js_wall_time()));
        let buffer = JsFuture::from(
            response
                .array_buffer()
                .map_err(|e| transport_err("read body", &e))?,
        )
        .await
        .map_err(|e| transport_err("read body", &e))?;
        Ok(HttpResponse {
            status,
            body: Uint8Array::new(&buffer).to_vec(),
            retry_after,
        })
    };
    // The runtime's shared timer (no JS timer and closure per exchange).
    let deadline = js_sleep(timeout);
    match select(Box::pin(work), deadline).await {
        Either::Left((out, _)) => {
            guard.disarm();
            out
        }
        // `guard` aborts the fetch as it drops.
        Either::Right(((), _)) => Err(Error::timeout(operation, timeout)),
    }
}

fn js_transport_error(shown_url: &str, what: &str, v: &JsValue) -> Error {
    Error::Transport {
        // Some hosts quote the request URL, credentials included, in their error text.
        message: format!(
            "{what} failed for {shown_url}: {}",
            redact_text(&js_text(v))
        ),
        status: None,
        retry_after: None,
    }
}
