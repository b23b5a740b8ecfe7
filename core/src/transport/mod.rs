//! How bytes reach a node: the [`Transport`] trait, with HTTP implementations (reqwest on
//! native, `fetch` on wasm) and host-provided ones (JS functions, Python callables,
//! Kotlin/Swift objects) implemented by the bindings.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::runtime::{BoxFuture, SendOutsideWasm, SyncOutsideWasm};
use crate::Result;

#[cfg(all(target_family = "wasm", target_os = "unknown"))]
mod fetch_wasm;
#[cfg(not(all(target_family = "wasm", target_os = "unknown")))]
mod http_native;

#[cfg(all(target_family = "wasm", target_os = "unknown"))]
pub use fetch_wasm::FetchTransport;
#[cfg(not(all(target_family = "wasm", target_os = "unknown")))]
pub use http_native::{HttpTransport, HttpTransportConfig};

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

impl HttpResponse {
    /// This reply as the error for a non-2xx status (see [`status_error`]).
    pub(crate) fn status_error(&self, origin: Option<&str>) -> crate::Error {
        status_error(self.status, self.retry_after, &self.body, origin)
    }
}

/// Sends HTTP requests. Implementations return `Err(Error::Transport{..})` only when no
/// response was received (connection refused, reset, DNS, timeout → `Error::Timeout`).
pub trait Transport: SendOutsideWasm + SyncOutsideWasm + std::fmt::Debug {
    /// Performs one exchange.
    fn send(&self, request: HttpRequest) -> BoxFuture<'static, Result<HttpResponse>>;
}

/// The platform's HTTP transport: [`HttpTransport`] (reqwest, keep-alive pool) on native
/// targets, [`FetchTransport`] (the global `fetch`) on wasm.
pub fn default_transport() -> std::sync::Arc<dyn Transport> {
    #[cfg(not(all(target_family = "wasm", target_os = "unknown")))]
    {
        match HttpTransport::try_new(HttpTransportConfig::default()) {
            Ok(t) => std::sync::Arc::new(t),
            // Never panic into a binding: report the cause on every request instead.
            Err(e) => std::sync::Arc::new(Unavailable(e)),
        }
    }
    #[cfg(all(target_family = "wasm", target_os = "unknown"))]
    {
        std::sync::Arc::new(FetchTransport::new())
    }
}

/// A transport that could not be built: every request fails with the build error.
#[cfg(not(all(target_family = "wasm", target_os = "unknown")))]
#[derive(Debug)]
struct Unavailable(crate::Error);

#[cfg(not(all(target_family = "wasm", target_os = "unknown")))]
impl Transport for Unavailable {
    fn send(&self, _request: HttpRequest) -> BoxFuture<'static, Result<HttpResponse>> {
        let e = self.0.clone();
        Box::pin(async move { Err(e) })
    }
}

/// Up to the first 200 bytes of a body as trimmed text (`…` when cut), for error messages.
pub(crate) fn body_snippet(body: &[u8]) -> String {
    const MAX: usize = 200;
    let text = String::from_utf8_lossy(&body[..body.len().min(MAX)]);
    let text = text.trim();
    if body.len() > MAX {
        format!("{text}…")
    } else {
        text.to_string()
    }
}

/// The error for a non-2xx HTTP reply: `Error::Transport` with the status and `Retry-After`,
/// and the message `HTTP {status}[ from {origin}][: {body snippet}]`. `origin` (e.g. the
/// redacted URL) must already be free of credentials.
pub(crate) fn status_error(
    status: u16,
    retry_after: Option<Duration>,
    body: &[u8],
    origin: Option<&str>,
) -> crate::Error {
    let mut message = format!("HTTP {status}");
    if let Some(origin) = origin {
        message.push_str(" from ");
        message.push_str(origin);
    }
    let body = body_snippet(body);
    if !body.is_empty() {
        message.push_str(": ");
        message.push_str(&body);
    }
    crate::Error::Transport {
        message,
        status: Some(status),
        retry_after,
    }
}

/// Maps the failure of a host-provided transport (a JS function, a Python callable, a
/// Kotlin/Swift object) to a core error. A host error without an SDK code means the exchange
/// produced no response, so — as for every [`Transport`] — it becomes [`Error::Transport`]
/// without status (retryable: the pool retries and fails over). Errors with a code of their
/// own (an SDK error the host raised, see [`Error::from_host`], or the binding's `closed` /
/// `cancelled`) are kept.
///
/// [`Error::Transport`]: crate::Error::Transport
/// [`Error::from_host`]: crate::Error::from_host
pub fn host_transport_error(e: crate::Error) -> crate::Error {
    match e {
        crate::Error::Host(message) => crate::Error::Transport {
            message,
            status: None,
            retry_after: None,
        },
        other => other,
    }
}

/// Default deadline of one HTTP exchange when neither the request nor the transport's
/// config sets one.
pub const DEFAULT_HTTP_TIMEOUT: Duration = Duration::from_secs(30);

/// Parses a `Retry-After` header value: delay-seconds (`"120"`) or an HTTP-date
/// (`"Wed, 21 Oct 2015 07:28:00 GMT"`, relative to `now_wall`, the current time since the
/// Unix epoch). A date in the past yields zero; anything unparsable yields `None`.
pub fn parse_retry_after(value: &str, now_wall: Duration) -> Option<Duration> {
    let value = value.trim();
    if value.is_empty() {
        return None;
    }
    if value.bytes().all(|b| b.is_ascii_digit()) {
        // Very long digit strings saturate instead of failing.
        return Some(Duration::from_secs(
            value.parse::<u64>().unwrap_or(u64::MAX),
        ));
    }
    let at = crate::time_fmt::parse_http_date(value)?;
    Some(at.saturating_sub(now_wall))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failing_host_transport_is_a_retryable_transport_error() {
        let e = host_transport_error(crate::Error::Host("transport: OSError: refused".into()));
        assert_eq!(e.code(), "transport");
        assert!(e.is_retryable());
        assert!(e.to_string().contains("OSError: refused"));
        let t = crate::Error::timeout("transport", Duration::from_secs(1));
        assert_eq!(host_transport_error(t.clone()), t);
        let c = crate::Error::Closed("interpreter exit".into());
        assert_eq!(host_transport_error(c.clone()), c);
    }

    #[test]
    fn retry_after_seconds_and_dates() {
        let now = Duration::from_secs(1_445_412_480); // Wed, 21 Oct 2015 07:28:00 GMT
        assert_eq!(
            parse_retry_after("120", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(parse_retry_after(" 0 ", now), Some(Duration::ZERO));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now),
            Some(Duration::from_secs(30))
        );
        // obsolete RFC 850 and asctime forms are accepted too
        assert_eq!(
            parse_retry_after("Wednesday, 21-Oct-15 07:29:00 GMT", now),
            Some(Duration::from_secs(60))
        );
        assert_eq!(
            parse_retry_after("Wed Oct 21 07:28:10 2015", now),
            Some(Duration::from_secs(10))
        );
        // in the past → retry now
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-5", now), None);
        assert_eq!(parse_retry_after("", now), None);
        assert_eq!(
            parse_retry_after("99999999999999999999999", now),
            Some(Duration::from_secs(u64::MAX))
        );
    }

    #[cfg(not(all(target_family = "wasm", target_os = "unknown")))]
    #[tokio::test(flavor = "current_thread")]
    async fn unbuildable_transport_reports_its_cause_per_request() {
        let t = Unavailable(crate::Error::transport(
            "cannot build HTTP client: no roots",
        ));
        let e = t.send(HttpRequest::get("http://h/")).await.unwrap_err();
        assert_eq!(
            e,
            crate::Error::transport("cannot build HTTP client: no roots")
        );
        // The real default transport builds on this machine.
        let d = default_transport();
        assert!(format!("{d:?}").contains("HttpTransport"), "{d:?}");
    }

    #[test]
    fn status_errors_name_status_origin_and_body() {
        let e = status_error(503, Some(Duration::from_secs(7)), b"", None);
        assert_eq!(
            e,
            crate::Error::Transport {
                message: "HTTP 503".into(),
                status: Some(503),
                retry_after: Some(Duration::from_secs(7)),
            }
        );
        let e = status_error(429, None, b" slow down \n", Some("https://***@h/"));
        assert_eq!(
            e.to_string(),
            "transport error: HTTP 429 from https://***@h/: slow down"
        );
        let long = vec![b'x'; 300];
        assert_eq!(body_snippet(&long), format!("{}…", "x".repeat(200)));
    }

    #[test]
    fn request_constructors() {
        let r = HttpRequest::post_json("http://x/", b"{}".to_vec());
        assert_eq!(r.method, HttpMethod::Post);
        assert_eq!(r.body, b"{}");
        let g = HttpRequest::get("http://x/health");
        assert_eq!(g.method, HttpMethod::Get);
        assert!(g.body.is_empty());
    }
}
