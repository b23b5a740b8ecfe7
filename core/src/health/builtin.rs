//! Built-in checks against a CometBFT node over any [`Transport`]: endpoint liveness
//! (`GET /health`) and node sync / block age (`GET /status`). Gauge checks (cache pressure,
//! batch backlog) are built with [`threshold_check`](super::threshold_check).

use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};

use crate::error::{Error, Result};
use crate::runtime::SharedClock;
use crate::transport::{HttpRequest, HttpResponse, Transport};

use super::redact::redact_url;
use super::time_fmt::{duration_ms_f64, parse_rfc3339};
use super::{check_fn, CheckOutcome, HealthCheck};

/// `base` + `/path`, keeping any query string of `base` (e.g. an API key) at the end.
fn join_url(base: &str, path: &str) -> String {
    let (head, query) = match base.split_once('?') {
        Some((h, q)) => (h, Some(q)),
        None => (base, None),
    };
    let mut url = format!("{}/{}", head.trim_end_matches('/'), path);
    if let Some(q) = query {
        url.push('?');
        url.push_str(q);
    }
    url
}

async fn get_ok(transport: Arc<dyn Transport>, url: String) -> Result<HttpResponse> {
    let resp = transport.send(HttpRequest::get(url.clone())).await?;
    if (200..300).contains(&resp.status) {
        Ok(resp)
    } else {
        Err(Error::Transport {
            message: format!("GET {} returned HTTP {}", redact_url(&url), resp.status),
            status: Some(resp.status),
            retry_after: resp.retry_after,
        })
    }
}

/// Endpoint liveness: `GET {base_url}/health` must answer 2xx (CometBFT answers `{}`).
/// Transport errors and other statuses are failures.
pub fn endpoint_check(
    transport: Arc<dyn Transport>,
    base_url: impl Into<String>,
) -> impl HealthCheck {
    let url = join_url(&base_url.into(), "health");
    check_fn(move || {
        let fut = get_ok(transport.clone(), url.clone());
        async move { fut.await.map(|_| ()) }
    })
}

/// Node sync: `GET {base_url}/status`; `sync_info.catching_up` makes the component
/// degraded, a latest block older than `max_block_age` (by `clock`'s wall time) fails it.
/// Details: `latest_block_height`, `block_age_ms`, `catching_up`.
pub fn node_sync_check(
    transport: Arc<dyn Transport>,
    base_url: impl Into<String>,
    clock: SharedClock,
    max_block_age: Duration,
) -> impl HealthCheck {
    let url = join_url(&base_url.into(), "status");
    check_fn(move || {
        let (transport, url, clock) = (transport.clone(), url.clone(), clock.clone());
        async move {
            let resp = get_ok(transport, url).await?;
            let body: Value = serde_json::from_slice(&resp.body)?;
            let sync = body
                .pointer("/result/sync_info")
                .or_else(|| body.get("sync_info"))
                .ok_or_else(|| Error::Decode("status reply has no sync_info".into()))?;
            let catching_up = sync
                .get("catching_up")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            let height = sync
                .get("latest_block_height")
                .and_then(|h| {
                    h.as_str()
                        .map(str::to_string)
                        .or_else(|| h.as_u64().map(|n| n.to_string()))
                })
                .unwrap_or_default();
            let block_time = sync
                .get("latest_block_time")
                .and_then(Value::as_str)
                .and_then(parse_rfc3339)
                .ok_or_else(|| {
                    Error::Decode("status reply has no valid latest_block_time".into())
                })?;
            let age = clock.wall_time().saturating_sub(block_time);
            let details = json!({
                "latest_block_height": height.parse::<u64>().map(Value::from).unwrap_or(Value::from(height.clone())),
                "block_age_ms": duration_ms_f64(age),
                "catching_up": catching_up,
            });
            if catching_up {
                return Ok(CheckOutcome::degraded(format!(
                    "node is catching up (height {height})"
                ))
                .with_details(details));
            }
            if age > max_block_age {
                return Err(Error::HealthCheck {
                    check: "node_sync".into(),
                    message: format!(
                        "latest block {height} is {:.1}s old (max {:.1}s)",
                        age.as_secs_f64(),
                        max_block_age.as_secs_f64()
                    ),
                });
            }
            Ok(CheckOutcome::healthy().with_details(details))
        }
    })
}

#[cfg(test)]
mod tests {
    use parking_lot::Mutex;

    use super::*;
    use crate::runtime::{BoxFuture, Clock, ManualClock};

    /// Answers every request with a fixed status and body, recording the URLs.
    #[derive(Debug)]
    struct Canned {
        reply: Result<(u16, String)>,
        urls: Mutex<Vec<String>>,
    }

    impl Canned {
        fn new(reply: Result<(u16, String)>) -> Arc<Self> {
            Arc::new(Self {
                reply,
                urls: Mutex::new(Vec::new()),
            })
        }
    }

    impl Transport for Canned {
        fn send(&self, request: HttpRequest) -> BoxFuture<'static, Result<HttpResponse>> {
            self.urls.lock().push(request.url);
            let reply = self.reply.clone().map(|(status, body)| HttpResponse {
                status,
                body: body.into_bytes(),
                retry_after: None,
            });
            Box::pin(async move { reply })
        }
    }

    #[test]
    fn urls_are_joined_keeping_the_query() {
        assert_eq!(
            join_url("http://n:26657", "health"),
            "http://n:26657/health"
        );
        assert_eq!(
            join_url("http://n:26657/", "health"),
            "http://n:26657/health"
        );
        assert_eq!(
            join_url("https://rpc.io/v1/?apikey=K", "status"),
            "https://rpc.io/v1/status?apikey=K"
        );
    }

    #[tokio::test(flavor = "current_thread")]
    async fn endpoint_check_passes_on_2xx_only() {
        let ok = Canned::new(Ok((200, "{}".into())));
        let check = endpoint_check(ok.clone(), "http://n:26657/");
        assert_eq!(check.check().await.unwrap(), CheckOutcome::healthy());
        assert_eq!(*ok.urls.lock(), vec!["http://n:26657/health".to_string()]);

        let down = Canned::new(Ok((503, String::new())));
        let err = endpoint_check(down, "https://u:pw@rpc.io?token=T")
            .check()
            .await
            .unwrap_err();
        assert!(matches!(
            err,
            Error::Transport {
                status: Some(503),
                ..
            }
        ));
        assert_eq!(
            err.to_string(),
            "transport error: GET https://***@rpc.io/health?token=*** returned HTTP 503"
        );

        let refused = Canned::new(Err(Error::transport("connection refused")));
        assert_eq!(
            endpoint_check(refused, "http://n")
                .check()
                .await
                .unwrap_err()
                .code(),
            "transport"
        );
    }

    fn status_body(catching_up: bool, block_time: &str) -> String {
        json!({"jsonrpc": "2.0", "id": -1, "result": {"sync_info": {
            "latest_block_height": "1234",
            "latest_block_time": block_time,
            "catching_up": catching_up,
        }}})
        .to_string()
    }

    #[tokio::test(flavor = "current_thread")]
    async fn node_sync_check_reads_catching_up_and_block_age() {
        let clock = ManualClock::new();
        let now = clock.wall_time(); // 2023-11-14T22:13:20Z
        assert_eq!(now, Duration::from_secs(1_700_000_000));
        let shared: SharedClock = Arc::new(clock.clone());
        let check = |catching_up, time: &str| {
            let t = Canned::new(Ok((200, status_body(catching_up, time))));
            (
                node_sync_check(
                    t.clone(),
                    "http://n:26657",
                    shared.clone(),
                    Duration::from_secs(60),
                ),
                t,
            )
        };

        let (fresh, t) = check(false, "2023-11-14T22:13:15.5Z");
        let out = fresh.check().await.unwrap();
        assert_eq!(
            out,
            CheckOutcome::healthy().with_details(json!({
                "latest_block_height": 1234, "block_age_ms": 4500.0, "catching_up": false
            }))
        );
        assert_eq!(*t.urls.lock(), vec!["http://n:26657/status".to_string()]);

        let (syncing, _) = check(true, "2023-11-14T20:00:00Z");
        assert!(matches!(
            syncing.check().await.unwrap(),
            CheckOutcome::Degraded { reason, .. } if reason == "node is catching up (height 1234)"
        ));

        let (stale, _) = check(false, "2023-11-14T22:11:20Z");
        let err = stale.check().await.unwrap_err();
        assert_eq!(
            err.to_string(),
            "health check `node_sync` failed: latest block 1234 is 120.0s old (max 60.0s)"
        );

        let garbage = Canned::new(Ok((200, "{\"result\":{}}".into())));
        let err = node_sync_check(garbage, "http://n", shared.clone(), Duration::from_secs(1))
            .check()
            .await
            .unwrap_err();
        assert_eq!(err.code(), "decode");
    }
}
