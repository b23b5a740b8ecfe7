//! Native HTTP transport: reqwest over hyper with a keep-alive connection pool and rustls
//! (ring provider) for `https` endpoints.

use std::time::Duration;

use super::{
    parse_retry_after, HttpMethod, HttpRequest, HttpResponse, Transport, DEFAULT_HTTP_TIMEOUT,
};
use crate::redact::{redact_text, redact_url};
use crate::runtime::{default_clock, BoxFuture, SharedClock};
use crate::{Error, Result};

/// Settings of an [`HttpTransport`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpTransportConfig {
    /// Deadline of one exchange (connect, send, whole response body) unless the request
    /// sets its own [`HttpRequest::timeout`]. Default 30 s.
    pub timeout: Duration,
    /// Deadline for establishing a TCP/TLS connection. Default 10 s.
    pub connect_timeout: Duration,
    /// How long an idle keep-alive connection stays in the pool. Default 90 s.
    pub pool_idle_timeout: Duration,
    /// Idle connections kept per host. Default 32.
    pub pool_max_idle_per_host: usize,
    /// TCP keep-alive probe interval (`None` disables it). Default 60 s.
    pub tcp_keepalive: Option<Duration>,
    /// `User-Agent` header value.
    pub user_agent: String,
}

impl Default for HttpTransportConfig {
    fn default() -> Self {
        Self {
            timeout: DEFAULT_HTTP_TIMEOUT,
            connect_timeout: Duration::from_secs(10),
            pool_idle_timeout: Duration::from_secs(90),
            pool_max_idle_per_host: 32,
            tcp_keepalive: Some(Duration::from_secs(60)),
            user_agent: concat!("mantra-sdk/", env!("CARGO_PKG_VERSION")).to_string(),
        }
    }
}

impl HttpTransportConfig {
    /// Checks every field; the error names the offending one.
    pub fn validate(&self) -> Result<()> {
        if self.timeout.is_zero() {
            return Err(Error::invalid_config("timeout", "must be greater than 0"));
        }
        if self.connect_timeout.is_zero() {
            return Err(Error::invalid_config(
                "connect_timeout",
                "must be greater than 0",
            ));
        }
        Ok(())
    }
}

/// HTTP transport for native targets (reqwest). Cheap to clone: clones share one
/// connection pool, so keep one per process (or per endpoint set) and reuse it.
///
/// Requests run on the caller's tokio runtime, or on the crate's background runtime when
/// polled outside one (e.g. from a synchronous binding call).
#[derive(Debug, Clone)]
pub struct HttpTransport {
    client: reqwest::Client,
    config: HttpTransportConfig,
    clock: SharedClock,
}

impl HttpTransport {
    /// A transport with the default config.
    ///
    /// # Panics
    /// If the TLS backend cannot be initialised (see [`try_new`](Self::try_new)).
    pub fn new() -> Self {
        match Self::try_new(HttpTransportConfig::default()) {
            Ok(t) => t,
            Err(e) => panic!("{e}"),
        }
    }

    /// A transport with `config`.
    pub fn try_new(config: HttpTransportConfig) -> Result<Self> {
        Self::with_clock(config, default_clock())
    }

    /// A transport with `config`, reading wall time (for `Retry-After` dates) from `clock`.
    pub fn with_clock(config: HttpTransportConfig, clock: SharedClock) -> Result<Self> {
        config.validate()?;
        // reqwest is built without a bundled crypto provider; use ring unless the host
        // application already installed a process-wide default.
        if rustls::crypto::CryptoProvider::get_default().is_none() {
            let _ = rustls::crypto::ring::default_provider().install_default();
        }
        let client = reqwest::Client::builder()
            .connect_timeout(config.connect_timeout)
            .pool_idle_timeout(config.pool_idle_timeout)
            .pool_max_idle_per_host(config.pool_max_idle_per_host)
            .tcp_keepalive(config.tcp_keepalive)
            .tcp_nodelay(true)
            .user_agent(config.user_agent.clone())
            .build()
            .map_err(|e| Error::transport(format!("cannot build HTTP client: {}", chain(&e))))?;
        Ok(Self {
            client,
            config,
            clock,
        })
    }

    /// The config this transport was built with.
    pub fn config(&self) -> &HttpTransportConfig {
        &self.config
    }
}

impl Default for HttpTransport {
    fn default() -> Self {
        Self::new()
    }
}

impl Transport for HttpTransport {
    fn send(&self, request: HttpRequest) -> BoxFuture<'static, Result<HttpResponse>> {
        let client = self.client.clone();
        let clock = self.clock.clone();
        let timeout = request.timeout.unwrap_or(self.config.timeout);
        Box::pin(async move {
            let exchange = exchange(client, clock, request, timeout);
            if tokio::runtime::Handle::try_current().is_ok() {
                return exchange.await;
            }
            // No tokio runtime here: hyper needs one, so run on the crate's background
            // runtime. Dropping this future (caller cancelled) aborts the request.
            let (tx, rx) = futures::channel::oneshot::channel();
            let task = crate::runtime::spawn_background(async move {
                let _ = tx.send(exchange.await);
            });
            let out = rx.await;
            drop(task);
            out.unwrap_or_else(|_| Err(Error::Cancelled("HTTP exchange was aborted".into())))
        })
    }
}

async fn exchange(
    client: reqwest::Client,
    clock: SharedClock,
    request: HttpRequest,
    timeout: Duration,
) -> Result<HttpResponse> {
    let shown = redact_url(&request.url);
    let operation = match request.method {
        HttpMethod::Get => format!("GET {shown}"),
        HttpMethod::Post => format!("POST {shown}"),
    };
    let mut builder = match request.method {
        HttpMethod::Get => client.get(&request.url),
        HttpMethod::Post => client.post(&request.url),
    }
    .timeout(timeout);
    let has_content_type = request
        .headers
        .keys()
        .any(|k| k.eq_ignore_ascii_case("content-type"));
    if request.method == HttpMethod::Post && !has_content_type {
        builder = builder.header("content-type", "application/json");
    }
    for (k, v) in &request.headers {
        builder = builder.header(k.as_str(), v.as_str());
    }
    if request.method == HttpMethod::Post {
        builder = builder.body(request.body);
    }
    let map = |e: reqwest::Error| map_error(e, &operation, &shown, timeout);
    let response = builder.send().await.map_err(map)?;
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| parse_retry_after(v, clock.wall_time()));
    let body = response.bytes().await.map_err(map)?.to_vec();
    Ok(HttpResponse {
        status,
        body,
        retry_after,
    })
}

fn map_error(e: reqwest::Error, operation: &str, shown_url: &str, timeout: Duration) -> Error {
    if e.is_timeout() {
        return Error::timeout(operation, timeout);
    }
    let what = if e.is_connect() {
        "connect"
    } else if e.is_body() || e.is_decode() {
        "read body"
    } else if e.is_builder() {
        "build request"
    } else {
        "request"
    };
    let status = e.status().map(|s| s.as_u16());
    let e = e.without_url();
    Error::Transport {
        message: format!("{what} failed for {shown_url}: {}", redact_text(&chain(&e))),
        status,
        retry_after: None,
    }
}

/// `error: cause: cause` — reqwest's own message alone hides the interesting part.
fn chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn config_validation_names_the_field() {
        let bad = HttpTransportConfig {
            timeout: Duration::ZERO,
            ..Default::default()
        };
        match HttpTransport::try_new(bad) {
            Err(Error::InvalidConfig { field, .. }) => assert_eq!(field, "timeout"),
            other => panic!("expected invalid config, got {other:?}"),
        }
        let bad = HttpTransportConfig {
            connect_timeout: Duration::ZERO,
            ..Default::default()
        };
        assert!(matches!(
            HttpTransport::try_new(bad),
            Err(Error::InvalidConfig {
                field: "connect_timeout",
                ..
            })
        ));
    }

    #[tokio::test(flavor = "current_thread")]
    async fn refused_connection_is_a_transport_error_without_status() {
        // Bind then drop a listener to get a loopback port with nothing listening.
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let t = HttpTransport::new();
        let err = t
            .send(HttpRequest::post_json(
                format!("http://user:secret@127.0.0.1:{port}/?key=k"),
                b"{}".to_vec(),
            ))
            .await
            .unwrap_err();
        match &err {
            Error::Transport {
                status: None,
                message,
                ..
            } => {
                assert!(message.starts_with("connect failed"), "{message}");
                assert!(!message.contains("secret"), "credentials leaked: {message}");
            }
            other => panic!("expected transport error, got {other:?}"),
        }
        assert!(err.is_retryable());
    }

    /// Serves one connection on loopback: reads one request, hands it to the caller, then
    /// writes `response` (or, if `None`, keeps the socket open without answering for 3 s).
    fn serve_once(response: Option<&'static str>) -> (String, std::sync::mpsc::Receiver<String>) {
        use std::io::{Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/", listener.local_addr().unwrap());
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let (mut sock, _) = listener.accept().unwrap();
            let mut buf = Vec::new();
            let mut chunk = [0u8; 4096];
            loop {
                let n = sock.read(&mut chunk).unwrap_or(0);
                if n == 0 {
                    break;
                }
                buf.extend_from_slice(&chunk[..n]);
                let text = String::from_utf8_lossy(&buf).to_string();
                if let Some(head_end) = text.find("\r\n\r\n") {
                    let len = text
                        .lines()
                        .find_map(|l| {
                            let l = l.to_ascii_lowercase();
                            l.strip_prefix("content-length:")
                                .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                        })
                        .unwrap_or(0);
                    if buf.len() >= head_end + 4 + len {
                        break;
                    }
                }
            }
            let _ = tx.send(String::from_utf8_lossy(&buf).to_string());
            match response {
                Some(r) => {
                    let _ = sock.write_all(r.as_bytes());
                }
                None => std::thread::sleep(Duration::from_secs(3)),
            }
        });
        (url, rx)
    }

    #[tokio::test(flavor = "current_thread")]
    async fn posts_json_with_headers_and_reads_status_and_body() {
        let (url, seen) = serve_once(Some(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}",
        ));
        let mut req = HttpRequest::post_json(url, br#"{"a":1}"#.to_vec());
        req.headers.insert("x-api-key".into(), "k".into());
        let resp = HttpTransport::new().send(req).await.unwrap();
        assert_eq!(resp.status, 200);
        assert_eq!(resp.body, b"{}");
        assert_eq!(resp.retry_after, None);
        let raw = seen.recv().unwrap().to_ascii_lowercase();
        assert!(raw.starts_with("post / http/1.1"), "{raw}");
        assert!(raw.contains("content-type: application/json"), "{raw}");
        assert!(raw.contains("x-api-key: k"), "{raw}");
        assert!(raw.ends_with(r#"{"a":1}"#), "{raw}");
    }

    #[tokio::test(flavor = "current_thread")]
    async fn too_many_requests_carries_retry_after() {
        let (url, _seen) = serve_once(Some(
            "HTTP/1.1 429 Too Many Requests\r\nretry-after: 7\r\ncontent-length: 4\r\n\r\nslow",
        ));
        let resp = HttpTransport::new()
            .send(HttpRequest::post_json(url, b"{}".to_vec()))
            .await
            .unwrap();
        assert_eq!(resp.status, 429);
        assert_eq!(resp.retry_after, Some(Duration::from_secs(7)));
        let e = crate::rpc::jsonrpc::decode_body(
            &[crate::rpc::RpcId::Num(1)],
            resp.status,
            resp.retry_after,
            &resp.body,
        )
        .unwrap_err();
        assert!(e.is_retryable());
        assert_eq!(e.retry_after(), Some(Duration::from_secs(7)));
    }

    #[tokio::test(flavor = "current_thread")]
    async fn retry_after_date_is_relative_to_the_clock() {
        let (url, _seen) = serve_once(Some(
            "HTTP/1.1 503 Service Unavailable\r\nretry-after: Wed, 21 Oct 2015 07:28:30 GMT\r\ncontent-length: 0\r\n\r\n",
        ));
        // A clock whose wall time is 30 s before the header's date.
        #[derive(Debug)]
        struct FixedWall;
        impl crate::runtime::Clock for FixedWall {
            fn now(&self) -> Duration {
                Duration::ZERO
            }
            fn wall_time(&self) -> Duration {
                Duration::from_secs(1_445_412_480)
            }
            fn sleep(&self, _: Duration) -> BoxFuture<'static, ()> {
                Box::pin(std::future::pending())
            }
        }
        let t =
            HttpTransport::with_clock(HttpTransportConfig::default(), Arc::new(FixedWall)).unwrap();
        let resp = t
            .send(HttpRequest::post_json(url, b"{}".to_vec()))
            .await
            .unwrap();
        assert_eq!(resp.status, 503);
        assert_eq!(resp.retry_after, Some(Duration::from_secs(30)));
    }

    #[tokio::test(flavor = "current_thread")]
    async fn silent_server_times_out_with_a_typed_error() {
        let (url, _seen) = serve_once(None);
        let mut req = HttpRequest::post_json(url, b"{}".to_vec());
        req.timeout = Some(Duration::from_millis(300));
        let e = HttpTransport::new().send(req).await.unwrap_err();
        match &e {
            Error::Timeout { after, operation } => {
                assert_eq!(*after, Duration::from_millis(300));
                assert!(
                    operation.starts_with("POST http://127.0.0.1:"),
                    "{operation}"
                );
            }
            other => panic!("expected timeout, got {other:?}"),
        }
        assert!(e.is_retryable());
    }

    /// A minimal executor that is not tokio (like a binding's synchronous call).
    fn block_on<F: std::future::Future>(fut: F) -> F::Output {
        use std::sync::Arc;
        use std::task::{Context, Poll, Wake};
        struct Unpark(std::thread::Thread);
        impl Wake for Unpark {
            fn wake(self: Arc<Self>) {
                self.0.unpark();
            }
        }
        let waker = Arc::new(Unpark(std::thread::current())).into();
        let mut cx = Context::from_waker(&waker);
        let mut fut = std::pin::pin!(fut);
        loop {
            if let Poll::Ready(out) = fut.as_mut().poll(&mut cx) {
                return out;
            }
            std::thread::park();
        }
    }

    #[test]
    fn works_outside_a_tokio_runtime() {
        let t = HttpTransport::new();
        let (url, _seen) = serve_once(Some("HTTP/1.1 200 OK\r\ncontent-length: 4\r\n\r\ntrue"));
        let resp = block_on(t.send(HttpRequest::post_json(url, b"{}".to_vec()))).unwrap();
        assert_eq!((resp.status, resp.body.as_slice()), (200, &b"true"[..]));
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let r = block_on(t.send(HttpRequest::get(format!("http://127.0.0.1:{port}/health"))));
        assert!(
            matches!(r, Err(Error::Transport { status: None, .. })),
            "{r:?}"
        );
    }
}
