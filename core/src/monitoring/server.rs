//! The native monitoring endpoint: a tiny HTTP/1.1 server on `tokio::net::TcpListener`.
//!
//! | request | response |
//! |---|---|
//! | `GET /metrics` | 200, `text/plain; version=0.0.4; charset=utf-8`, the Prometheus exposition |
//! | `GET /health` | `application/health+json`, 200 (pass / warn) or 503 (fail) |
//! | `GET /status` | 200, `application/json`, the [`MonitoringSystemStatus`](super::MonitoringSystemStatus) |
//! | `HEAD` of those | the same headers, no body |
//! | other methods on those paths | 405 with `Allow: GET, HEAD` |
//! | any other path | 404 |
//! | head over `max_request_header_bytes` | 431 |
//! | head not complete within `request_timeout` | 408 |
//! | malformed head / not HTTP/1.x | 400 / 505 |
//!
//! Every response carries `Connection: close`; request bodies are never read. At most
//! `max_connections` connections are served at once (others wait in the backlog).

use std::net::SocketAddr;
use std::sync::{Arc, Weak};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;

use crate::error::{Error, Result};
use crate::health::HEALTH_JSON_CONTENT_TYPE;
use crate::metrics::PROMETHEUS_CONTENT_TYPE;
use crate::runtime::{spawn, spawn_background, timeout, BackgroundTask, SharedClock};

use super::config::parse_serve_address;
use super::http::{head_end, parse_head, HeadError, Response};
use super::manager::{Inner, MonitoringManager};

/// Bytes read and discarded after responding, so that the client sees the response rather
/// than a reset caused by unread request bytes.
const LINGER_BYTES: usize = 64 * 1024;
/// How long to keep draining after responding.
const LINGER_TIME: Duration = Duration::from_secs(1);
/// Pause after a failed `accept` (e.g. out of file descriptors) before the next one.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);

/// The running endpoint; dropping it stops accepting and releases the port.
#[derive(Debug)]
pub(crate) struct ServerHandle {
    addr: SocketAddr,
    _task: BackgroundTask,
}

impl ServerHandle {
    pub(crate) fn addr(&self) -> SocketAddr {
        self.addr
    }
}

#[derive(Clone, Copy)]
struct Limits {
    max_head: usize,
    request_timeout: Duration,
}

impl MonitoringManager {
    /// Serves `GET /metrics`, `/health` and `/status` on `addr` (`ip:port` or
    /// `localhost:port`; port 0 picks a free one) and returns the bound address. The
    /// server runs on the current tokio runtime (or the crate's background runtime when
    /// called outside one) until [`close`](Self::close), [`stop_serving`](Self::stop_serving)
    /// or the last handle is dropped. `InvalidArgument` if already serving; `Transport`
    /// if the address cannot be bound.
    pub fn serve(&self, addr: &str) -> Result<SocketAddr> {
        if self.is_closed() {
            return Err(Error::Closed("monitoring manager".into()));
        }
        let want = parse_serve_address(addr)?;
        let mut tasks = self.inner.tasks.lock();
        if let Some(s) = &tasks.server {
            return Err(Error::InvalidArgument(format!(
                "the monitoring endpoint is already serving on {}",
                s.addr()
            )));
        }
        let std_listener = std::net::TcpListener::bind(want)
            .map_err(|e| Error::transport(format!("cannot listen on {want}: {e}")))?;
        std_listener
            .set_nonblocking(true)
            .map_err(|e| Error::transport(format!("cannot listen on {want}: {e}")))?;
        let bound = std_listener
            .local_addr()
            .map_err(|e| Error::transport(format!("cannot listen on {want}: {e}")))?;
        let cfg = &self.inner.config;
        let limits = Limits {
            max_head: cfg.max_request_header_bytes,
            request_timeout: cfg.request_timeout,
        };
        let permits = Arc::new(Semaphore::new(cfg.max_connections));
        let weak = Arc::downgrade(&self.inner);
        let clock = self.inner.clock.clone();
        let task = spawn_background(async move {
            let listener = match TcpListener::from_std(std_listener) {
                Ok(l) => l,
                Err(_) => return,
            };
            accept_loop(listener, weak, clock, limits, permits).await;
        });
        tasks.server = Some(ServerHandle {
            addr: bound,
            _task: task,
        });
        Ok(bound)
    }

    /// Stops the endpoint (requests in flight finish within `request_timeout`); returns
    /// whether it was serving. [`serve`](Self::serve) may be called again afterwards.
    pub fn stop_serving(&self) -> bool {
        let server = self.inner.tasks.lock().server.take();
        server.is_some()
    }
}

async fn accept_loop(
    listener: TcpListener,
    weak: Weak<Inner>,
    clock: SharedClock,
    limits: Limits,
    permits: Arc<Semaphore>,
) {
    loop {
        let Ok(permit) = permits.clone().acquire_owned().await else {
            return;
        };
        match listener.accept().await {
            Ok((stream, _peer)) => {
                if weak.strong_count() == 0 {
                    return;
                }
                let (weak, clock) = (weak.clone(), clock.clone());
                spawn(async move {
                    serve_connection(stream, weak, clock, limits).await;
                    drop(permit);
                });
            }
            Err(_) => {
                drop(permit);
                clock.sleep(ACCEPT_BACKOFF).await;
            }
        }
    }
}

/// Outcome of reading a request head.
enum Read {
    Head(Vec<u8>),
    TooLarge,
    /// The peer closed or the socket failed before a complete head.
    Gone,
}

async fn read_head(stream: &mut TcpStream, max: usize) -> Read {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 2048];
    loop {
        let n = match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return Read::Gone,
            Ok(n) => n,
        };
        let scan_from = buf.len().saturating_sub(3);
        buf.extend_from_slice(&chunk[..n]);
        if let Some(end) = head_end(&buf[scan_from..]).map(|e| e + scan_from) {
            if end > max {
                return Read::TooLarge;
            }
            buf.truncate(end);
            return Read::Head(buf);
        }
        if buf.len() > max {
            return Read::TooLarge;
        }
    }
}

async fn serve_connection(
    mut stream: TcpStream,
    weak: Weak<Inner>,
    clock: SharedClock,
    limits: Limits,
) {
    let _ = stream.set_nodelay(true);
    let read = timeout(
        &*clock,
        limits.request_timeout,
        read_head(&mut stream, limits.max_head),
    )
    .await;
    let (response, head_only) = match read {
        Err(_) => (Response::text(408), false),
        Ok(Read::Gone) => return,
        Ok(Read::TooLarge) => (Response::text(431), false),
        Ok(Read::Head(head)) => match parse_head(&head) {
            Err(HeadError::BadRequest) => (Response::text(400), false),
            Err(HeadError::BadVersion) => (Response::text(505), false),
            Ok(req) => {
                let Some(inner) = weak.upgrade() else {
                    return;
                };
                let manager = MonitoringManager { inner };
                let head_only = req.method == "HEAD";
                (route(&manager, &req.method, &req.path).await, head_only)
            }
        },
    };
    let bytes = response.to_bytes(head_only);
    let write = async {
        stream.write_all(&bytes).await?;
        stream.flush().await?;
        stream.shutdown().await
    };
    if !matches!(
        timeout(&*clock, limits.request_timeout, write).await,
        Ok(Ok(()))
    ) {
        return;
    }
    // Lingering close: drain what the client still sends (bounded) so closing the socket
    // does not reset the connection before the client has read the response.
    let drain = async {
        let mut sink = [0u8; 4096];
        let mut drained = 0;
        while drained < LINGER_BYTES {
            match stream.read(&mut sink).await {
                Ok(0) | Err(_) => break,
                Ok(n) => drained += n,
            }
        }
    };
    let _ = timeout(&*clock, LINGER_TIME, drain).await;
}

async fn route(manager: &MonitoringManager, method: &str, path: &str) -> Response {
    let known = matches!(path, "/metrics" | "/health" | "/status");
    if !known {
        return Response::text(404);
    }
    if method != "GET" && method != "HEAD" {
        let mut r = Response::text(405);
        r.allow = Some("GET, HEAD");
        return r;
    }
    match path {
        "/metrics" => Response::new(200, PROMETHEUS_CONTENT_TYPE, manager.prometheus()),
        "/health" => {
            let report = manager.health_report().await;
            Response::new(
                report.http_status(),
                HEALTH_JSON_CONTENT_TYPE,
                report.to_health_json().to_string(),
            )
        }
        _ => Response::new(200, "application/json", manager.status_json()),
    }
}
