//! The native monitoring endpoint over real loopback sockets: `/metrics`, `/health`,
//! `/status`, error statuses, limits, shutdown, and an OTLP push over real HTTP.
#![cfg(not(all(target_family = "wasm", target_os = "unknown")))]

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use mantra_sdk::{check_fn, Error, HealthConfig, MetricType, MonitoringConfig, MonitoringManager};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

struct Reply {
    status: u16,
    headers: BTreeMap<String, String>,
    body: String,
}

/// Sends `raw` bytes and reads the whole reply (the server always closes).
async fn exchange(addr: SocketAddr, raw: &[u8]) -> Reply {
    let mut s = TcpStream::connect(addr).await.expect("connect");
    s.write_all(raw).await.expect("write request");
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).await.expect("read reply");
    let text = String::from_utf8(buf).expect("utf-8 reply");
    let (head, body) = text.split_once("\r\n\r\n").expect("head/body separator");
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap();
    assert!(status_line.starts_with("HTTP/1.1 "), "{status_line}");
    let status = status_line[9..12].parse().unwrap();
    let headers = lines
        .map(|l| {
            let (k, v) = l.split_once(": ").expect("header line");
            (k.to_ascii_lowercase(), v.to_string())
        })
        .collect();
    Reply {
        status,
        headers,
        body: body.to_string(),
    }
}

async fn get(addr: SocketAddr, path: &str) -> Reply {
    let req = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nAccept: */*\r\n\r\n");
    exchange(addr, req.as_bytes()).await
}

/// `name{labels}` → value, for every sample line of a Prometheus exposition.
fn samples(exposition: &str) -> BTreeMap<String, f64> {
    exposition
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| {
            let (series, value) = l.rsplit_once(' ').expect("sample line");
            (
                series.to_string(),
                value.parse::<f64>().expect("sample value"),
            )
        })
        .collect()
}

fn serving_config() -> MonitoringConfig {
    MonitoringConfig {
        serve_address: Some("127.0.0.1:0".into()),
        service_name: "endpoint-test".into(),
        health: HealthConfig {
            failure_threshold: 1,
            recovery_threshold: 1,
            check_timeout: Duration::from_secs(5),
            ..Default::default()
        },
        ..Default::default()
    }
}

#[tokio::test(flavor = "current_thread")]
async fn serves_metrics_health_and_status() -> mantra_sdk::Result<()> {
    let mut manager = MonitoringManager::new(serving_config());
    let indexer_up = Arc::new(AtomicBool::new(false));
    let up = indexer_up.clone();
    manager
        .health()
        .register_check("node", check_fn(|| async { Ok(()) }))?;
    manager.health().register_check(
        "indexer",
        check_fn(move || {
            let up = up.load(Ordering::SeqCst);
            async move {
                if up {
                    Ok(())
                } else {
                    Err(Error::transport("connection refused"))
                }
            }
        }),
    )?;
    manager.initialize().await?;
    let addr = manager.local_addr().expect("serving");
    assert!(addr.ip().is_loopback() && addr.port() != 0);

    let metrics = manager.metrics();
    for ms in [5u64, 20, 80] {
        metrics
            .record_protocol_operation("dex", "swap", Duration::from_millis(ms), true, None)
            .await;
    }
    metrics
        .record_protocol_operation(
            "dex",
            "swap",
            Duration::from_secs(2),
            false,
            Some("timeout"),
        )
        .await;
    metrics
        .record_mcp_request(Duration::from_millis(25), true, "http")
        .await;
    metrics
        .record_custom_metric(
            "business_logic",
            "user_transactions",
            42.0,
            MetricType::Counter,
        )
        .await;

    // /metrics: the Prometheus exposition with the recorded families.
    let r = get(addr, "/metrics").await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.headers["content-type"],
        "text/plain; version=0.0.4; charset=utf-8"
    );
    assert_eq!(r.headers["content-length"], r.body.len().to_string());
    assert_eq!(r.headers["connection"], "close");
    for family in [
        "# TYPE mantra_protocol_operations_total counter",
        "# TYPE mantra_protocol_operation_duration_seconds histogram",
        "# TYPE mantra_protocol_errors_total counter",
        "# TYPE mantra_mcp_requests_total counter",
        "# TYPE mantra_custom_business_logic_user_transactions_total counter",
    ] {
        assert!(r.body.lines().any(|l| l == family), "missing {family}");
    }
    let s = samples(&r.body);
    let ops = |status: &str| {
        s[&format!(
            "mantra_protocol_operations_total{{protocol=\"dex\",operation=\"swap\",status=\"{status}\"}}"
        )]
    };
    assert_eq!((ops("success"), ops("error")), (3.0, 1.0));
    let bucket = |le: &str| {
        s[&format!(
            "mantra_protocol_operation_duration_seconds_bucket{{protocol=\"dex\",operation=\"swap\",le=\"{le}\"}}"
        )]
    };
    assert_eq!(bucket("0.01"), 1.0);
    assert_eq!(bucket("0.1"), 3.0);
    assert_eq!(bucket("+Inf"), 4.0);
    assert_eq!(
        s["mantra_protocol_operation_duration_seconds_count{protocol=\"dex\",operation=\"swap\"}"],
        4.0
    );
    assert_eq!(
        s["mantra_custom_business_logic_user_transactions_total"],
        42.0
    );

    // /health: no round has run yet, so the first request runs one: indexer fails → 503.
    let r = get(addr, "/health").await;
    assert_eq!(r.status, 503);
    assert_eq!(r.headers["content-type"], "application/health+json");
    let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(v["status"], "fail");
    assert_eq!(v["serviceId"], "endpoint-test");
    assert_eq!(v["checks"]["indexer"][0]["status"], "fail");
    assert_eq!(v["checks"]["node"][0]["status"], "pass");

    // The endpoint serves the latest report: still 503 until a round sees the recovery.
    indexer_up.store(true, Ordering::SeqCst);
    assert_eq!(get(addr, "/health").await.status, 503);
    manager.health().run_health_checks().await?;
    let r = get(addr, "/health").await;
    assert_eq!(r.status, 200);
    let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(v["status"], "pass");

    // /status: the JSON system status.
    let r = get(addr, "/status").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.headers["content-type"], "application/json");
    let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(v["service_name"], "endpoint-test");
    assert_eq!(v["overall_status"], "healthy");
    assert_eq!(v["endpoint"], format!("http://{addr}"));
    assert_eq!(v["metrics"]["operations_total"], 4);
    assert_eq!(v["metrics"]["errors_total"], 1);
    assert!(v["metrics"]["protocols"]["dex"]["p99_ms"].as_f64().unwrap() > 100.0);
    assert_eq!(v["health"]["total"], 2);

    // The seed's status call agrees with what was served.
    let system_status = manager.get_system_status().await;
    assert_eq!(system_status.metrics.operations_total, 4);
    assert_eq!(system_status.endpoint, Some(format!("http://{addr}")));

    manager.close();
    Ok(())
}

#[tokio::test(flavor = "current_thread")]
async fn error_statuses_head_and_limits() -> mantra_sdk::Result<()> {
    let manager = MonitoringManager::new(MonitoringConfig {
        max_request_header_bytes: 8 * 1024,
        ..serving_config()
    });
    let addr = manager.serve("127.0.0.1:0")?;

    let r = get(addr, "/nope").await;
    assert_eq!(r.status, 404);
    let r = get(addr, "/").await;
    assert_eq!(r.status, 404);

    let r = exchange(
        addr,
        b"POST /metrics HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}",
    )
    .await;
    assert_eq!(r.status, 405);
    assert_eq!(r.headers["allow"], "GET, HEAD");

    // HEAD: the GET headers, no body.
    let r = exchange(addr, b"HEAD /metrics HTTP/1.1\r\nHost: x\r\n\r\n").await;
    assert_eq!(r.status, 200);
    assert!(r.body.is_empty());
    assert!(r.headers["content-length"].parse::<usize>().unwrap() > 100);

    // HTTP/1.0 and a query string are fine.
    let r = exchange(addr, b"GET /status?pretty=1 HTTP/1.0\r\n\r\n").await;
    assert_eq!(r.status, 200);

    let r = exchange(addr, b"GARBAGE\r\n\r\n").await;
    assert_eq!(r.status, 400);
    let r = exchange(addr, b"GET /metrics HTTP/2.0\r\n\r\n").await;
    assert_eq!(r.status, 505);

    // Oversize head: 16 KiB of headers against an 8 KiB limit → 431.
    let mut big = b"GET /metrics HTTP/1.1\r\nHost: x\r\n".to_vec();
    for i in 0..256 {
        big.extend_from_slice(format!("X-Filler-{i:03}: {}\r\n", "a".repeat(48)).as_bytes());
    }
    big.extend_from_slice(b"\r\n");
    assert!(big.len() > 16 * 1024);
    let r = exchange(addr, &big).await;
    assert_eq!(r.status, 431);

    // Oversize without ever ending the head.
    let r = exchange(addr, &vec![b'A'; 12 * 1024]).await;
    assert_eq!(r.status, 431);

    // Serving twice is refused; stop_serving frees it.
    assert_eq!(
        manager.serve("127.0.0.1:0").unwrap_err().code(),
        "invalid_argument"
    );
    // The port in use cannot be bound by another manager.
    let other = MonitoringManager::new(MonitoringConfig::default());
    assert_eq!(
        other.serve(&addr.to_string()).unwrap_err().code(),
        "transport"
    );
    // initialize() with a taken serve_address fails before starting any loop.
    let mut taken = MonitoringManager::new(MonitoringConfig {
        serve_address: Some(addr.to_string()),
        ..Default::default()
    });
    assert_eq!(taken.initialize().await.unwrap_err().code(), "transport");
    assert!(!taken.is_collecting() && !taken.metrics().is_running());
    assert!(manager.stop_serving());
    assert_eq!(manager.local_addr(), None);
    let again = manager.serve("127.0.0.1:0")?;
    assert_eq!(get(again, "/metrics").await.status, 200);
    manager.close();
    Ok(())
}

#[tokio::test(flavor = "current_thread")]
async fn slow_clients_get_408() -> mantra_sdk::Result<()> {
    let manager = MonitoringManager::new(MonitoringConfig {
        request_timeout: Duration::from_millis(300),
        ..serving_config()
    });
    let addr = manager.serve("127.0.0.1:0")?;
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    // ...and never finish the head.
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).await.unwrap();
    let text = String::from_utf8(buf).unwrap();
    assert!(text.starts_with("HTTP/1.1 408 "), "{text}");
    // The server is still serving others.
    assert_eq!(get(addr, "/metrics").await.status, 200);
    manager.close();
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_concurrent_clients_with_a_small_connection_limit() -> mantra_sdk::Result<()> {
    let manager = MonitoringManager::new(MonitoringConfig {
        max_connections: 2,
        ..serving_config()
    });
    let addr = manager.serve("127.0.0.1:0")?;
    manager.metrics().record_protocol_operation_sync(
        "bank",
        "send",
        Duration::from_millis(3),
        true,
        None,
    );
    let replies = futures::future::join_all((0..24).map(|i| async move {
        let path = ["/metrics", "/status", "/health"][i % 3];
        get(addr, path).await.status
    }))
    .await;
    assert!(replies.iter().all(|s| *s == 200), "{replies:?}");
    manager.close();
    Ok(())
}

#[tokio::test(flavor = "current_thread")]
async fn close_stops_accepting() -> mantra_sdk::Result<()> {
    let mut manager = MonitoringManager::new(serving_config());
    manager.initialize().await?;
    let addr = manager.local_addr().unwrap();
    assert_eq!(get(addr, "/metrics").await.status, 200);
    manager.close();
    assert_eq!(manager.local_addr(), None);
    // The accept loop ends at its next turn; then connections are refused.
    let mut refused = false;
    for _ in 0..200 {
        tokio::task::yield_now().await;
        if TcpStream::connect(addr).await.is_err() {
            refused = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(refused, "port still accepting after close()");
    assert_eq!(manager.serve("127.0.0.1:0").unwrap_err().code(), "closed");
    Ok(())
}

/// OTLP push over the real HTTP transport to a loopback listener standing in for an
/// OpenTelemetry collector's `/v1/metrics`.
#[tokio::test(flavor = "current_thread")]
async fn otlp_push_posts_json_to_v1_metrics() -> mantra_sdk::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let collector = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        let (mut s, _) = listener.accept().await.unwrap();
        let mut buf = Vec::new();
        let mut chunk = [0u8; 4096];
        // Read the head, then Content-Length bytes of body.
        loop {
            let n = s.read(&mut chunk).await.unwrap();
            assert!(n > 0, "client closed early");
            buf.extend_from_slice(&chunk[..n]);
            let text = String::from_utf8_lossy(&buf).to_string();
            if let Some((head, body)) = text.split_once("\r\n\r\n") {
                let len: usize = head
                    .lines()
                    .find_map(|l| {
                        let (k, v) = l.split_once(':')?;
                        k.eq_ignore_ascii_case("content-length")
                            .then(|| v.trim().parse().unwrap())
                    })
                    .expect("content-length");
                if body.len() >= len {
                    s.write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}")
                        .await
                        .unwrap();
                    return (head.to_string(), body[..len].to_string());
                }
            }
        }
    });
    let manager = MonitoringManager::new(MonitoringConfig {
        enable_opentelemetry: true,
        otlp_endpoint: Some(format!("http://{collector}")),
        ..Default::default()
    });
    manager.metrics().record_protocol_operation_sync(
        "dex",
        "swap",
        Duration::from_millis(7),
        true,
        None,
    );
    manager.export_otlp_now().await?;
    let (head, body) = server.await.unwrap();
    assert!(head.starts_with("POST /v1/metrics HTTP/1.1"), "{head}");
    assert!(head
        .to_ascii_lowercase()
        .contains("content-type: application/json"));
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    let names: Vec<&str> = v["resourceMetrics"][0]["scopeMetrics"][0]["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["name"].as_str())
        .collect();
    assert!(
        names.contains(&"mantra_protocol_operations_total"),
        "{names:?}"
    );
    assert_eq!(manager.system_status().opentelemetry.exports_ok, 1);
    Ok(())
}
