//! Leases on an endpoint: [`PooledConnection`] (what `acquire` returns) and the
//! [`EndpointClient`] handle that sends requests and feeds their outcome back.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::OwnedSemaphorePermit;

use super::connection_pool::Shared;
use super::endpoint::{parse_endpoint, EndpointState};
use crate::runtime::timeout;
use crate::transport::{HttpRequest, HttpResponse};
use crate::SharedClock;
use crate::{Error, Result};

/// A held permit: released (with its connection parked as idle and any half-open probe
/// slot given back) when the last clone of the connection's client is dropped — including
/// when the task holding it is cancelled.
pub(crate) struct Lease {
    ep: Arc<EndpointState>,
    shared: Arc<Shared>,
    permit: Option<OwnedSemaphorePermit>,
    probe: Option<u64>,
}

impl Lease {
    pub(crate) fn new(
        ep: Arc<EndpointState>,
        shared: Arc<Shared>,
        permit: OwnedSemaphorePermit,
        probe: Option<u64>,
    ) -> Self {
        ep.health.lock().slots.checkout();
        Self {
            ep,
            shared,
            permit: Some(permit),
            probe,
        }
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        let now = self.shared.clock.now();
        {
            let mut h = self.ep.health.lock();
            h.slots.checkin(now);
            h.slots.trim(
                now,
                self.shared.config.min_connections,
                self.shared.config.max_idle_time,
            );
            if let Some(generation) = self.probe {
                h.breaker.release_probe(generation);
            }
        }
        drop(self.permit.take());
        self.shared.notify.notify_waiters();
    }
}

/// A connection taken from the pool: one in-flight permit on one endpoint. Dropping it
/// (and every clone of its [`client`](Self::client)) returns the permit.
pub struct PooledConnection {
    client: EndpointClient,
}

impl std::fmt::Debug for PooledConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PooledConnection")
            .field("endpoint", &self.client.ep.url.redacted)
            .finish()
    }
}

impl PooledConnection {
    pub(crate) fn new(lease: Lease) -> Self {
        Self {
            client: EndpointClient {
                ep: lease.ep.clone(),
                shared: lease.shared.clone(),
                lease: Arc::new(lease),
            },
        }
    }

    /// The client bound to this connection's endpoint.
    pub fn client(&self) -> &EndpointClient {
        &self.client
    }

    /// The endpoint URL (as given, credentials included: use it to talk to the node).
    pub fn endpoint(&self) -> &str {
        self.client.endpoint()
    }

    /// Turns the connection into its client; the permit lives as long as the client.
    pub fn into_client(self) -> EndpointClient {
        self.client
    }
}

/// Sends requests to one endpoint through the pool's transport, under the pool's
/// `connection_timeout`, timing each on the pool's clock and feeding the outcome to that
/// endpoint's PeakEWMA, sample window and circuit breaker.
///
/// Cloning is cheap; the connection's permit is held until the last clone is dropped.
#[derive(Clone)]
pub struct EndpointClient {
    ep: Arc<EndpointState>,
    shared: Arc<Shared>,
    #[allow(dead_code)] // held for its Drop
    lease: Arc<Lease>,
}

impl std::fmt::Debug for EndpointClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EndpointClient")
            .field("endpoint", &self.ep.url.redacted)
            .finish()
    }
}

/// Armed while an exchange is in flight: if its future is dropped first (the caller's
/// deadline passed or the caller left), the time it ran is still a latency observation of
/// the endpoint, as tower's PeakEWMA records a dropped request — so a node that stops
/// answering, whose exchanges outlive their callers, ranks behind one that answers.
struct Abandoned<'a> {
    ep: &'a EndpointState,
    clock: &'a SharedClock,
    start: Duration,
}

impl Drop for Abandoned<'_> {
    fn drop(&mut self) {
        let now = self.clock.now();
        self.ep
            .record_abandoned(now, now.saturating_sub(self.start));
    }
}

/// Whether an HTTP status means the endpoint itself failed (counts against its health).
pub(crate) fn is_failure_status(status: u16) -> bool {
    status == 408 || status == 429 || status >= 500
}

impl EndpointClient {
    /// The endpoint URL (as given, credentials included).
    pub fn endpoint(&self) -> &str {
        &self.ep.url.url
    }

    /// The endpoint URL with credentials replaced by `***` (for logs).
    pub fn redacted_endpoint(&self) -> &str {
        &self.ep.url.redacted
    }

    pub(crate) fn order(&self) -> u64 {
        self.ep.order
    }

    fn resolve(&self, url: &str) -> Result<String> {
        let base = &self.ep.url.url;
        if url.is_empty() {
            return Ok(base.clone());
        }
        if url.contains("://") {
            let parsed = parse_endpoint(url)?;
            return if parsed.key.starts_with(&self.ep.url.key) {
                Ok(parsed.url)
            } else {
                Err(Error::InvalidArgument(format!(
                    "request URL `{}` is not on endpoint `{}`",
                    parsed.redacted, self.ep.url.redacted
                )))
            };
        }
        let base = base.trim_end_matches('/');
        Ok(if url.starts_with('/') {
            format!("{base}{url}")
        } else {
            format!("{base}/{url}")
        })
    }

    /// Performs one HTTP exchange with this endpoint.
    ///
    /// `request.url` may be empty (the endpoint URL), a path (`/status`, appended to the
    /// endpoint URL) or an absolute URL on this endpoint. The deadline is the request's own
    /// `timeout` capped by `connection_timeout`; passing it yields `Error::Timeout`.
    /// Any HTTP status is returned as `Ok` (use [`post_json`](Self::post_json) for
    /// status checking). Transport errors, timeouts and 408/429/5xx count as endpoint
    /// failures.
    pub async fn send(&self, mut request: HttpRequest) -> Result<HttpResponse> {
        request.url = self.resolve(&request.url)?;
        let limit = self.shared.config.connection_timeout;
        let deadline = request.timeout.map_or(limit, |t| t.min(limit));
        request.timeout = Some(deadline);
        let clock = self.shared.clock.clone();
        let start = clock.now();
        let abandoned = Abandoned {
            ep: &self.ep,
            clock: &clock,
            start,
        };
        let outcome = timeout(&*clock, deadline, self.shared.transport.send(request)).await;
        std::mem::forget(abandoned);
        let now = clock.now();
        let latency = now.saturating_sub(start);
        let result = match outcome {
            Err(_) => Err(Error::timeout(
                format!("request to {}", self.ep.url.redacted),
                deadline,
            )),
            Ok(result) => result,
        };
        let status_failure;
        let failure = match &result {
            Ok(resp) if is_failure_status(resp.status) => {
                status_failure = resp.status_error(Some(&self.ep.url.redacted));
                Some(&status_failure)
            }
            Ok(_) => None,
            Err(e) if e.is_retryable() => Some(e),
            Err(_) => None,
        };
        self.ep.record_request(now, latency, failure);
        self.shared.notify.notify_waiters();
        result
    }

    /// POSTs a JSON body to the endpoint URL and returns the response body; a non-2xx
    /// status becomes `Error::Transport` with that status (and `Retry-After`).
    pub async fn post_json(&self, body: impl Into<Vec<u8>>) -> Result<Vec<u8>> {
        let resp = self
            .send(HttpRequest::post_json(String::new(), body.into()))
            .await?;
        if (200..300).contains(&resp.status) {
            Ok(resp.body)
        } else {
            Err(resp.status_error(Some(&self.ep.url.redacted)))
        }
    }

    /// The endpoint's current PeakEWMA latency estimate.
    pub fn ewma_latency(&self) -> Option<Duration> {
        let now = self.shared.clock.now();
        self.ep
            .health
            .lock()
            .ewma
            .value(now)
            .map(Duration::from_secs_f64)
    }
}
