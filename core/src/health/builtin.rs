//! Built-in checks against a CometBFT node over any [`Transport`]: endpoint liveness
//! (`GET /health`) and node sync / block age (`GET /status`). Gauge checks (cache pressure,
//! batch backlog) are built with [`threshold_check`](super::threshold_check).

use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};

use crate::error::{Error, Result};
use crate::redact::redact_url;
use crate::rpc::cometbft::decode_node_status;
use crate::rpc::jsonrpc::parse_response_object;
use crate::rpc::{NodeStatus, RpcErrorObject};
use crate::runtime::SharedClock;
use crate::time_fmt::duration_ms_f64;
use crate::transport::{HttpRequest, HttpResponse, Transport};

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
        Err(resp.status_error(Some(&redact_url(&url))))
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

/// Node sync: `GET {base_url}/status`, decoded as [`NodeStatus`]; `sync_info.catching_up`
/// makes the component degraded, a latest block older than `max_block_age` (by `clock`'s
/// wall time) fails it. Details: `latest_block_height`, `block_age_ms`, `catching_up`.
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
            let sync = decode_status(&resp.body)?.sync_info;
            let height = sync.latest_block_height;
            let age = sync.latest_block_age(clock.wall_time()).ok_or_else(|| {
                Error::Decode(format!(
                    "status reply has an invalid latest_block_time {:?}",
                    sync.latest_block_time
                ))
            })?;
            let details = json!({
                "latest_block_height": height,
                "block_age_ms": duration_ms_f64(age),
                "catching_up": sync.catching_up,
            });
            if sync.catching_up {
                return Ok(CheckOutcome::degraded(format!(
                    "node is catching up (height {height})"
                ))
                .with_details(details));
            }
            if age > max_block_age {
                return Err(Error::HealthCheck {
                    check: "node_sync".into(),
                    // `{:.1?}` of a Duration: no float formatting in wasm builds.
                    message: format!(
                        "latest block {height} is {age:.1?} old (max {max_block_age:.1?})"
                    ),
                });
            }
            Ok(CheckOutcome::healthy().with_details(details))
        }
    })
}

/// The `status` result of a `GET /status` reply (a JSON-RPC envelope with any id; CometBFT
/// uses -1 for GET requests).
fn decode_status(body: &[u8]) -> Result<NodeStatus> {
    let Value::Object(reply) = serde_json::from_slice(body)? else {
        return Err(Error::Decode("status reply is not a JSON object".into()));
    };
    let result = parse_response_object(reply)?
        .outcome
        .map_err(RpcErrorObject::into_error)?;
    decode_node_status(&result)
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
            "transport error: HTTP 503 from https://***@rpc.io/health?token=***"
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

    /// A real node's `GET /status` reply with `catching_up` and `latest_block_time` replaced
    /// and height 1234.
    fn status_body(catching_up: bool, block_time: &str) -> String {
        let mut v: Value = serde_json::from_slice(include_bytes!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/rpc/status.200.json"
        )))
        .unwrap();
        let sync = &mut v["result"]["sync_info"];
        sync["latest_block_height"] = json!("1234");
        sync["latest_block_time"] = json!(block_time);
        sync["catching_up"] = json!(catching_up);
        v["id"] = json!(-1);
        v.to_string()
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

        let sync_check = |reply| {
            node_sync_check(
                Canned::new(reply),
                "http://n",
                shared.clone(),
                Duration::from_secs(1),
            )
        };
        for garbage in [
            "{\"result\":{}}",
            "[]",
            "not json",
            &status_body(false, "yesterday"),
        ] {
            let err = sync_check(Ok((200, garbage.to_string())))
                .check()
                .await
                .unwrap_err();
            assert_eq!(err.code(), "decode", "{garbage}: {err}");
        }
        // A JSON-RPC error reply is the node's error, not a decode failure.
        let rpc_err = r#"{"jsonrpc":"2.0","id":-1,"error":{"code":-32603,"message":"Internal error","data":"boom"}}"#;
        let err = sync_check(Ok((200, rpc_err.into())))
            .check()
            .await
            .unwrap_err();
        assert_eq!(err.code(), "rpc", "{err}");
    }
}
