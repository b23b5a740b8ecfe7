//! How bytes reach a node: the [`Transport`] trait, with HTTP implementations (reqwest on
//! native, `fetch` on wasm) and host-provided ones (JS functions, Python callables,
//! Kotlin/Swift objects) implemented by the bindings.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::runtime::{BoxFuture, SendOutsideWasm, SyncOutsideWasm};
use crate::Result;

/// HTTP method of a [`HttpRequest`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HttpMethod {
    /// `GET` (e.g. `/health`).
    Get,
    /// `POST` (JSON-RPC).
    Post,
}

/// One HTTP exchange's request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpRequest {
    /// `GET` or `POST`.
    pub method: HttpMethod,
    /// Absolute URL.
    pub url: String,
    /// Extra headers (`content-type: application/json` is implied for POST).
    pub headers: BTreeMap<String, String>,
    /// Request body (empty for GET).
    pub body: Vec<u8>,
    /// Deadline for the whole exchange, if any.
    pub timeout: Option<Duration>,
}

impl HttpRequest {
    /// A JSON POST to `url`.
    pub fn post_json(url: impl Into<String>, body: Vec<u8>) -> Self {
        Self {
            method: HttpMethod::Post,
            url: url.into(),
            headers: BTreeMap::new(),
            body,
            timeout: None,
        }
    }

    /// A GET of `url`.
    pub fn get(url: impl Into<String>) -> Self {
        Self {
            method: HttpMethod::Get,
            url: url.into(),
            headers: BTreeMap::new(),
            body: Vec::new(),
            timeout: None,
        }
    }
}

/// One HTTP exchange's response. Any status is a response; mapping status codes to errors
/// is the caller's decision (core's, not the transport's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse {
    /// HTTP status code.
    pub status: u16,
    /// Response body.
    pub body: Vec<u8>,
    /// Parsed `Retry-After` header, if present.
    pub retry_after: Option<Duration>,
}

/// Sends HTTP requests. Implementations return `Err(Error::Transport{..})` only when no
/// response was received (connection refused, reset, DNS, timeout → `Error::Timeout`).
pub trait Transport: SendOutsideWasm + SyncOutsideWasm + std::fmt::Debug {
    /// Performs one exchange.
    fn send(&self, request: HttpRequest) -> BoxFuture<'static, Result<HttpResponse>>;
}

/// The platform's HTTP transport (reqwest on native, `fetch` on wasm).
pub fn default_transport() -> std::sync::Arc<dyn Transport> {
    std::sync::Arc::new(Unavailable)
}

/// Placeholder until the HTTP transports land: every request fails with a transport error.
#[derive(Debug)]
struct Unavailable;

impl Transport for Unavailable {
    fn send(&self, request: HttpRequest) -> BoxFuture<'static, Result<HttpResponse>> {
        Box::pin(async move {
            Err(crate::Error::transport(format!(
                "no HTTP transport built in yet ({})",
                request.url
            )))
        })
    }
}
