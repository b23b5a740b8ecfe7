//! Unit tests in virtual time: the collection loop, OTLP pushes, tracing, status shape.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;

use crate::error::Error;
use crate::health::{check_fn, HealthConfig, HealthStatus};
use crate::runtime::{BoxFuture, ManualClock};
use crate::transport::{HttpMethod, HttpRequest, HttpResponse, Transport};
use crate::Result;

use super::*;

fn manager_with(config: MonitoringConfig) -> (MonitoringManager, ManualClock) {
    let clock = ManualClock::new();
    let m = MonitoringManager::with_clock(config, Arc::new(clock.clone())).unwrap();
    (m, clock)
}

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

#[tokio::test(flavor = "current_thread")]
async fn collection_loop_runs_providers_every_interval_until_close() {
    let (mut m, clock) = manager_with(MonitoringConfig {
        collection_interval: secs(10),
        ..Default::default()
    });
    let calls = Arc::new(AtomicU64::new(0));
    let c = calls.clone();
    m.register_gauge_provider("queue", move |metrics| {
        let n = c.fetch_add(1, Ordering::SeqCst) + 1;
        metrics.record_resource_usage(&crate::MetricsResourceUsage {
            pending_requests: Some(n * 10),
            ..Default::default()
        });
    })
    .unwrap();
    m.initialize().await.unwrap();
    assert!(m.is_collecting());
    clock.advance(secs(9)).await;
    assert_eq!(calls.load(Ordering::SeqCst), 0, "not before the first tick");
    clock.advance(secs(1)).await;
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    clock.advance(secs(20)).await;
    assert_eq!(calls.load(Ordering::SeqCst), 3);
    let prom = m.prometheus();
    assert!(
        prom.contains("mantra_resource_pending_requests 30\n"),
        "{prom}"
    );
    let st = m.system_status();
    assert_eq!(st.collection.collections, 3);
    assert!(st.collection.running);
    assert_eq!(st.collection.providers, vec!["queue".to_string()]);
    assert!(st.collection.last_collection_at.is_some());

    m.close();
    assert!(!m.is_collecting());
    clock.advance(secs(60)).await;
    assert_eq!(calls.load(Ordering::SeqCst), 3, "close stops the loop");
    assert!(matches!(m.initialize().await, Err(Error::Closed(_))));
}

#[tokio::test(flavor = "current_thread")]
async fn dropping_the_last_handle_stops_the_loop() {
    let (mut m, clock) = manager_with(MonitoringConfig {
        collection_interval: secs(5),
        ..Default::default()
    });
    let calls = Arc::new(AtomicU64::new(0));
    let c = calls.clone();
    m.register_gauge_provider("p", move |_| {
        c.fetch_add(1, Ordering::SeqCst);
    })
    .unwrap();
    m.initialize().await.unwrap();
    clock.advance(secs(5)).await;
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    let clone = m.clone();
    drop(m);
    clock.advance(secs(5)).await;
    assert_eq!(calls.load(Ordering::SeqCst), 2, "a clone keeps it alive");
    drop(clone);
    clock.advance(secs(50)).await;
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

#[tokio::test(flavor = "current_thread")]
async fn a_panicking_provider_is_isolated_and_counted() {
    let (m, _clock) = manager_with(MonitoringConfig::default());
    let ok = Arc::new(AtomicU64::new(0));
    let o = ok.clone();
    m.register_gauge_provider("bad", |_| panic!("provider bug"))
        .unwrap();
    m.register_gauge_provider("good", move |_| {
        o.fetch_add(1, Ordering::SeqCst);
    })
    .unwrap();
    m.collect_now();
    m.collect_now();
    assert_eq!(ok.load(Ordering::SeqCst), 2);
    assert_eq!(m.system_status().collection.provider_failures, 2);
    assert!(m.unregister_gauge_provider("bad"));
    assert!(!m.unregister_gauge_provider("bad"));
    m.collect_now();
    assert_eq!(m.system_status().collection.provider_failures, 2);
    assert!(m.register_gauge_provider(" ", |_| {}).is_err());
}

#[cfg(target_os = "linux")]
#[test]
fn collection_records_process_rss_on_linux() {
    let m =
        MonitoringManager::with_clock(MonitoringConfig::default(), Arc::new(ManualClock::new()))
            .unwrap();
    m.collect_now();
    let snap = m.metrics().get_all_metrics_sync();
    let fam = snap.family("mantra_resource_memory_bytes").unwrap();
    let rss = fam.series_with(&[("kind", "process_rss")]).unwrap();
    assert!(rss.value.unwrap() > 1_000_000.0, "{:?}", rss.value);
}

#[test]
fn new_panics_with_the_field_name_and_try_new_returns_it() {
    let bad = MonitoringConfig {
        prometheus_endpoint: Some("not a url".into()),
        ..Default::default()
    };
    let err = MonitoringManager::try_new(bad.clone()).unwrap_err();
    assert_eq!(err.code(), "invalid_config");
    let panic = std::panic::catch_unwind(|| MonitoringManager::new(bad)).unwrap_err();
    let msg = panic.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(msg.contains("prometheus_endpoint"), "{msg}");
}

#[tokio::test(flavor = "current_thread")]
async fn status_summarises_health_metrics_and_spans() {
    let (m, clock) = manager_with(MonitoringConfig {
        prometheus_endpoint: Some("http://admin:s3cret@prom.internal:9090".into()),
        service_name: "wallet-backend".into(),
        health: HealthConfig {
            failure_threshold: 1,
            ..Default::default()
        },
        ..Default::default()
    });
    let c = m.metrics();
    for ms in [10u64, 20, 30, 40] {
        c.record_protocol_operation_sync("dex", "swap", Duration::from_millis(ms), true, None);
    }
    c.record_protocol_operation_sync(
        "dex",
        "pools",
        Duration::from_millis(400),
        false,
        Some("timeout"),
    );
    c.record_protocol_operation_sync("bank", "balance", Duration::from_millis(3), true, None);
    c.record_mcp_request_sync(Duration::from_millis(5), false, "http");
    m.health()
        .register_check("node", check_fn(|| async { Ok(()) }))
        .unwrap();
    m.health()
        .register_check(
            "indexer",
            check_fn(|| async { Err::<(), _>(Error::transport("connection refused")) }),
        )
        .unwrap();
    m.health().run_health_checks().await.unwrap();
    m.record_span("dex.swap", Duration::from_millis(12), true, None);
    m.record_span(
        "dex.pools",
        Duration::from_millis(400),
        false,
        Some("timeout"),
    );
    clock.advance(secs(90)).await;

    let st = m.get_system_status().await;
    assert_eq!(st.service_name, "wallet-backend");
    assert_eq!(st.overall_status, HealthStatus::Unhealthy);
    assert_eq!(st.uptime, secs(90));
    assert_eq!(
        (st.health.total, st.health.healthy, st.health.unhealthy),
        (2, 1, 1)
    );
    assert_eq!(
        st.health.components["indexer"].last_error.as_deref(),
        Some("transport error: connection refused")
    );
    assert_eq!(
        (st.metrics.operations_total, st.metrics.errors_total),
        (6, 1)
    );
    assert!((st.metrics.error_rate - 1.0 / 6.0).abs() < 1e-9);
    let dex = &st.metrics.protocols["dex"];
    assert_eq!((dex.operations, dex.errors), (5, 1));
    let (p50, p99) = (dex.p50.unwrap(), dex.p99.unwrap());
    assert!(
        p50 >= Duration::from_millis(10) && p50 <= Duration::from_millis(50),
        "{p50:?}"
    );
    assert!(
        p99 > Duration::from_millis(250) && p99 <= Duration::from_millis(400),
        "{p99:?}"
    );
    assert_eq!(st.metrics.protocols["bank"].operations, 1);
    assert_eq!(
        (st.metrics.mcp_requests_total, st.metrics.mcp_errors_total),
        (1, 1)
    );
    assert_eq!(
        (st.tracing.recorded, st.tracing.failed, st.tracing.in_ring),
        (2, 1, 2)
    );
    assert_eq!(st.tracing.recent[0].name, "dex.pools");
    assert_eq!(st.endpoint, None);
    let prom = st.prometheus_endpoint.as_deref().unwrap();
    assert!(
        !prom.contains("s3cret") && prom.contains("prom.internal:9090"),
        "{prom}"
    );

    let v: serde_json::Value = serde_json::from_str(&m.status_json()).unwrap();
    assert_eq!(v["overall_status"], "unhealthy");
    assert_eq!(v["uptime_seconds"], 90.0);
    assert_eq!(v["health"]["components"]["node"]["status"], "healthy");
    assert_eq!(v["metrics"]["protocols"]["dex"]["operations"], 5);
    assert!(v["metrics"]["protocols"]["dex"]["p99_ms"].as_f64().unwrap() > 250.0);
    assert_eq!(v["tracing"]["recent"][1]["duration_ms"], 12.0);
    assert_eq!(v["tracing"]["recent"][0]["error"], "timeout");
    assert_eq!(v["generated_at"], "2023-11-14T22:14:50.000Z");
    assert_eq!(v["opentelemetry"]["enabled"], false);
    let hj: serde_json::Value = serde_json::from_str(&m.health_json()).unwrap();
    assert_eq!(hj["status"], "fail");
    assert_eq!(hj["serviceId"], "wallet-backend");
}

#[tokio::test(flavor = "current_thread")]
async fn trace_records_metrics_and_spans_for_success_error_and_cancel() {
    let (m, clock) = manager_with(MonitoringConfig::default());
    let c2 = clock.clone();
    let v = m
        .trace("dex", "swap", async move {
            c2.advance(Duration::from_millis(30)).await;
            Ok::<_, Error>(7)
        })
        .await
        .unwrap();
    assert_eq!(v, 7);
    let e = m
        .trace("dex", "swap", async {
            Err::<(), _>(Error::timeout("simulate", secs(1)))
        })
        .await
        .unwrap_err();
    assert_eq!(e.code(), "timeout");
    // Cancelled: the future is dropped before it completes.
    {
        let fut = m.trace("dex", "swap", std::future::pending::<Result<()>>());
        let mut fut = Box::pin(fut);
        assert!(futures::poll!(&mut fut).is_pending());
    }
    let snap = m.metrics().get_all_metrics_sync();
    let ops = snap.family("mantra_protocol_operations_total").unwrap();
    let get = |status: &str| {
        ops.series_with(&[
            ("protocol", "dex"),
            ("operation", "swap"),
            ("status", status),
        ])
        .and_then(|s| s.value)
    };
    assert_eq!((get("success"), get("error")), (Some(1.0), Some(2.0)));
    let errs = snap.family("mantra_protocol_errors_total").unwrap();
    for code in ["timeout", "cancelled"] {
        assert_eq!(
            errs.series_with(&[("error", code)]).and_then(|s| s.value),
            Some(1.0),
            "{code}"
        );
    }
    let spans = m.recent_spans();
    assert_eq!(spans.len(), 3);
    assert_eq!(spans[0].name, "dex.swap");
    assert_eq!(spans[0].duration, Duration::from_millis(30));
    assert!(spans[0].success);
    assert!(!spans[1].success);
    assert!(spans[2].error.as_deref().unwrap().contains("cancelled"));
}

#[tokio::test(flavor = "current_thread")]
async fn span_guards_and_disabled_tracing() {
    let (m, clock) = manager_with(MonitoringConfig {
        trace_capacity: 2,
        ..Default::default()
    });
    let g = m.start_span("a");
    clock.advance(Duration::from_millis(5)).await;
    g.finish();
    m.start_span("b").fail("bad");
    drop(m.start_span("c"));
    let s = m.tracing_summary();
    assert_eq!((s.recorded, s.failed, s.evicted, s.in_ring), (3, 2, 1, 2));
    assert_eq!(s.recent[0].error.as_deref(), Some("cancelled"));
    assert_eq!(s.recent[1].error.as_deref(), Some("bad"));

    let (off, _) = manager_with(MonitoringConfig {
        enable_tracing: false,
        ..Default::default()
    });
    off.start_span("a").finish();
    off.record_span("b", Duration::ZERO, true, None);
    off.trace("p", "o", async { Ok::<_, Error>(()) })
        .await
        .unwrap();
    let s = off.tracing_summary();
    assert!(!s.enabled);
    assert_eq!(s.recorded, 0);
    // Metrics are still recorded by trace() with tracing off.
    assert!(off.prometheus().contains(
        "mantra_protocol_operations_total{protocol=\"p\",operation=\"o\",status=\"success\"} 1"
    ));
}

/// A host-provided transport (as the bindings supply): records requests, answers with
/// `status`, or never answers.
#[derive(Debug)]
struct HostTransport {
    requests: Mutex<Vec<HttpRequest>>,
    status: Option<u16>,
}

impl Transport for HostTransport {
    fn send(&self, request: HttpRequest) -> BoxFuture<'static, Result<HttpResponse>> {
        self.requests.lock().push(request);
        match self.status {
            Some(status) => Box::pin(async move {
                Ok(HttpResponse {
                    status,
                    body: b"{}".to_vec(),
                    retry_after: None,
                })
            }),
            None => Box::pin(std::future::pending()),
        }
    }
}

fn otlp_manager(status: Option<u16>) -> (MonitoringManager, ManualClock, Arc<HostTransport>) {
    let (m, clock) = manager_with(MonitoringConfig {
        enable_opentelemetry: true,
        otlp_endpoint: Some("http://collector:4318".into()),
        collection_interval: secs(10),
        otlp_timeout: secs(3),
        ..Default::default()
    });
    let t = Arc::new(HostTransport {
        requests: Mutex::new(Vec::new()),
        status,
    });
    m.set_transport(t.clone());
    (m, clock, t)
}

#[tokio::test(flavor = "current_thread")]
async fn otlp_is_pushed_every_interval_as_json() {
    let (mut m, clock, t) = otlp_manager(Some(200));
    m.metrics()
        .record_protocol_operation("dex", "swap", Duration::from_millis(5), true, None)
        .await;
    m.initialize().await.unwrap();
    clock.advance(secs(10)).await;
    {
        let reqs = t.requests.lock();
        assert_eq!(reqs.len(), 1);
        let r = &reqs[0];
        assert_eq!(r.method, HttpMethod::Post);
        assert_eq!(r.url, "http://collector:4318/v1/metrics");
        assert_eq!(r.headers["content-type"], "application/json");
        let body: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
        let metrics = &body["resourceMetrics"][0]["scopeMetrics"][0]["metrics"];
        assert!(metrics
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["name"] == "mantra_protocol_operations_total"));
    }
    clock.advance(secs(10)).await;
    assert_eq!(t.requests.lock().len(), 2);
    let st = m.system_status().opentelemetry;
    assert_eq!((st.exports_ok, st.exports_failed), (2, 0));
    assert_eq!(
        st.push_url.as_deref(),
        Some("http://collector:4318/v1/metrics")
    );
    assert!(m.otlp_json().unwrap().contains("resourceMetrics"));
    m.close();
}

#[tokio::test(flavor = "current_thread")]
async fn otlp_failures_and_timeouts_are_typed_and_recorded() {
    let (m, _clock, _t) = otlp_manager(Some(503));
    let e = m.export_otlp_now().await.unwrap_err();
    assert!(
        matches!(
            e,
            Error::Transport {
                status: Some(503),
                ..
            }
        ),
        "{e:?}"
    );
    let st = m.system_status().opentelemetry;
    assert_eq!(st.exports_failed, 1);
    assert!(st.last_error.unwrap().contains("HTTP 503"));

    let (m, clock, _t) = otlp_manager(None);
    let m2 = m.clone();
    let push = tokio::spawn(async move { m2.export_otlp_now().await });
    clock.advance(secs(3)).await;
    let e = push.await.unwrap().unwrap_err();
    assert_eq!(e.code(), "timeout");
    assert_eq!(m.system_status().opentelemetry.exports_failed, 1);

    let (off, _) = manager_with(MonitoringConfig::default());
    assert_eq!(
        off.export_otlp_now().await.unwrap_err().code(),
        "invalid_argument"
    );
    assert_eq!(off.otlp_json(), None);
}

#[tokio::test(flavor = "current_thread")]
async fn health_report_runs_one_round_only_if_nothing_was_checked() {
    let (m, _clock) = manager_with(MonitoringConfig::default());
    // No checks: nothing to run, Unknown.
    assert_eq!(
        m.health_report().await.overall_status,
        HealthStatus::Unknown
    );
    let runs = Arc::new(AtomicU64::new(0));
    let r = runs.clone();
    m.health()
        .register_check(
            "node",
            check_fn(move || {
                r.fetch_add(1, Ordering::SeqCst);
                async { Ok(()) }
            }),
        )
        .unwrap();
    let (a, b) = tokio::join!(m.health_report(), m.health_report());
    assert_eq!(a.overall_status, HealthStatus::Healthy);
    assert_eq!(b.overall_status, HealthStatus::Healthy);
    assert_eq!(runs.load(Ordering::SeqCst), 1, "one shared first round");
    m.health_report().await;
    assert_eq!(
        runs.load(Ordering::SeqCst),
        1,
        "later calls serve the latest report"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn from_parts_shares_the_given_components() {
    let clock: crate::SharedClock = Arc::new(ManualClock::new());
    let metrics = crate::MetricsCollector::with_clock(Default::default(), clock.clone()).unwrap();
    let health = crate::HealthChecker::with_clock(Default::default(), clock.clone()).unwrap();
    let m = MonitoringManager::from_parts(
        MonitoringConfig::default(),
        metrics.clone(),
        health.clone(),
        clock,
    )
    .unwrap();
    metrics.record_protocol_operation_sync("bank", "send", Duration::from_millis(1), true, None);
    assert_eq!(m.system_status().metrics.operations_total, 1);
    health
        .register_check("x", check_fn(|| async { Ok(()) }))
        .unwrap();
    assert_eq!(m.health().check_names(), vec!["x".to_string()]);
}
