//! HealthChecker behaviour, in virtual time.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;

use super::*;
use crate::error::{Error, Result};
use crate::runtime::{BoxFuture, Clock, ManualClock};
use HealthStatus::*;

const SEC: Duration = Duration::from_secs(1);

fn config() -> HealthConfig {
    HealthConfig {
        failure_threshold: 3,
        recovery_threshold: 2,
        ..Default::default()
    }
}

fn setup(config: HealthConfig) -> (HealthChecker, ManualClock) {
    let clock = ManualClock::new();
    let hc = HealthChecker::with_clock(config, Arc::new(clock.clone())).unwrap();
    (hc, clock)
}

/// A check that passes or fails according to a flag, counting its calls.
#[derive(Clone)]
struct Switch {
    ok: Arc<AtomicBool>,
    calls: Arc<AtomicUsize>,
}

impl Switch {
    fn new(ok: bool) -> Self {
        Self {
            ok: Arc::new(AtomicBool::new(ok)),
            calls: Arc::new(AtomicUsize::new(0)),
        }
    }
    fn set(&self, ok: bool) {
        self.ok.store(ok, Ordering::SeqCst);
    }
    fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
}

impl HealthCheck for Switch {
    fn check(&self) -> BoxFuture<'static, Result<CheckOutcome>> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let ok = self.ok.load(Ordering::SeqCst);
        Box::pin(async move {
            if ok {
                Ok(CheckOutcome::healthy())
            } else {
                Err(Error::transport("connection refused"))
            }
        })
    }
}

/// A check that takes `d` of virtual time and then passes.
fn slow_check(clock: &ManualClock, d: Duration) -> impl HealthCheck {
    let clock = clock.clone();
    check_fn(move || {
        let sleep = clock.sleep(d);
        async move {
            sleep.await;
            Ok(())
        }
    })
}

async fn run(hc: &HealthChecker) -> SystemHealth {
    hc.run_health_checks().await.unwrap()
}

fn status(hc: &HealthChecker, name: &str) -> HealthStatus {
    hc.protocol_health(name).unwrap().status
}

#[tokio::test(flavor = "current_thread")]
async fn two_of_three_failures_are_not_unhealthy_the_third_is() {
    let (hc, _clock) = setup(config());
    let node = Switch::new(false);
    hc.register_check("node", node.clone()).unwrap();
    assert_eq!(status(&hc, "node"), Unknown);
    assert_eq!(hc.overall_status(), Unknown);

    let s = run(&hc).await;
    assert_eq!(s.components["node"].status, Degraded);
    let s = run(&hc).await;
    assert_eq!(s.components["node"].status, Degraded);
    assert_eq!(s.components["node"].consecutive_failures, 2);
    assert_eq!(s.overall_status, Degraded);

    let s = run(&hc).await;
    let c = &s.components["node"];
    assert_eq!(c.status, Unhealthy);
    assert_eq!(s.overall_status, Unhealthy);
    assert_eq!(
        (c.consecutive_failures, c.total_checks, c.total_failures),
        (3, 3, 3)
    );
    assert_eq!(
        c.last_error.as_deref(),
        Some("transport error: connection refused")
    );
    assert_eq!(node.calls(), 3);
}

#[tokio::test(flavor = "current_thread")]
async fn recovery_after_exactly_recovery_threshold_successes() {
    let (hc, _clock) = setup(config());
    let node = Switch::new(false);
    hc.register_check("node", node.clone()).unwrap();
    for _ in 0..3 {
        run(&hc).await;
    }
    assert_eq!(status(&hc, "node"), Unhealthy);
    node.set(true);
    run(&hc).await;
    let c = hc.protocol_health("node").unwrap();
    assert_eq!((c.status, c.consecutive_successes), (Unhealthy, 1));
    run(&hc).await;
    let c = hc.protocol_health("node").unwrap();
    assert_eq!((c.status, c.consecutive_successes), (Healthy, 2));
    // The last error stays visible after recovery; the latest output is clear.
    assert!(c.last_error.is_some());
    assert_eq!(c.output, None);
}

#[tokio::test(flavor = "current_thread")]
async fn first_success_from_unknown_is_healthy() {
    let (hc, _clock) = setup(config());
    hc.register_check("dex", check_fn(|| async { Ok(()) }))
        .unwrap();
    let s = run(&hc).await;
    assert_eq!(s.components["dex"].status, Healthy);
    assert_eq!(s.overall_status, Healthy);
    assert!(s.is_healthy());
}

#[tokio::test(flavor = "current_thread")]
async fn flapping_around_the_thresholds() {
    let (hc, _clock) = setup(config());
    let node = Switch::new(true);
    hc.register_check("node", node.clone()).unwrap();
    let mut seen = Vec::new();
    // Up: two failures, a success, two failures — never Unhealthy.
    for ok in [true, false, false, true, false, false, true] {
        node.set(ok);
        seen.push(run(&hc).await.components["node"].status);
    }
    assert_eq!(
        seen,
        vec![Healthy, Degraded, Degraded, Healthy, Degraded, Degraded, Healthy]
    );
    // Down: successes interleaved with failures never reach the recovery threshold.
    seen.clear();
    for ok in [false, false, false, true, false, true, false, true, true] {
        node.set(ok);
        seen.push(run(&hc).await.components["node"].status);
    }
    assert_eq!(
        seen,
        vec![
            Degraded, Degraded, Unhealthy, Unhealthy, Unhealthy, Unhealthy, Unhealthy, Unhealthy,
            Healthy
        ]
    );
}

#[tokio::test(flavor = "current_thread")]
async fn timeout_counts_as_failure_at_exactly_check_timeout() {
    let (hc, clock) = setup(config());
    hc.register_check("stuck", check_fn(futures::future::pending::<Result<()>>))
        .unwrap();
    let h = {
        let hc = hc.clone();
        tokio::spawn(async move { hc.run_health_checks().await })
    };
    clock.advance(10 * SEC - Duration::from_millis(1)).await;
    assert!(!h.is_finished());
    assert_eq!(status(&hc, "stuck"), Unknown);
    clock.advance(Duration::from_millis(1)).await;
    assert!(h.is_finished());
    let s = h.await.unwrap().unwrap();
    let c = &s.components["stuck"];
    assert_eq!((c.status, c.consecutive_failures), (Degraded, 1));
    assert_eq!(c.last_latency, Some(10 * SEC));
    assert_eq!(
        c.last_error.as_deref(),
        Some("health check `stuck` timed out after 10s")
    );
    assert_eq!(clock.pending_sleeps(), 0);
}

#[tokio::test(flavor = "current_thread")]
async fn check_finishing_before_its_timeout_passes_and_per_check_timeout_overrides() {
    let (hc, clock) = setup(config());
    hc.register_check(
        "almost",
        slow_check(&clock, 10 * SEC - Duration::from_millis(1)),
    )
    .unwrap();
    hc.register_check_with_options(
        "strict",
        slow_check(&clock, 3 * SEC),
        HealthCheckOptions::default().timeout(2 * SEC),
    )
    .unwrap();
    let h = {
        let hc = hc.clone();
        tokio::spawn(async move { hc.run_health_checks().await })
    };
    clock.advance(2 * SEC).await;
    // The strict check failed at its own 2 s deadline while the other still runs.
    let strict = hc.protocol_health("strict").unwrap();
    assert_eq!(strict.consecutive_failures, 1);
    assert_eq!(strict.last_latency, Some(2 * SEC));
    assert!(!h.is_finished());
    clock.advance(8 * SEC).await;
    let s = h.await.unwrap().unwrap();
    let almost = &s.components["almost"];
    assert_eq!(almost.status, Healthy);
    assert_eq!(
        almost.last_latency,
        Some(10 * SEC - Duration::from_millis(1))
    );
}

#[tokio::test(flavor = "current_thread")]
async fn checks_run_concurrently() {
    let (hc, clock) = setup(config());
    for name in ["a", "b", "c"] {
        hc.register_check(name, slow_check(&clock, 5 * SEC))
            .unwrap();
    }
    let h = {
        let hc = hc.clone();
        tokio::spawn(async move { hc.run_health_checks().await })
    };
    clock.advance(5 * SEC).await;
    assert!(h.is_finished(), "three 5 s checks finish together at 5 s");
    let s = h.await.unwrap().unwrap();
    assert_eq!(s.components_with_status(Healthy), vec!["a", "b", "c"]);
}

fn boom() -> Result<()> {
    panic!("boom")
}

#[tokio::test(flavor = "current_thread")]
async fn panics_are_caught_and_count_as_failures() {
    let (hc, _clock) = setup(config());
    hc.register_check("async_panic", check_fn(|| async { boom() }))
        .unwrap();
    hc.register_check(
        "sync_panic",
        check_fn(|| -> futures::future::Ready<Result<()>> { panic!("early boom") }),
    )
    .unwrap();
    hc.register_check("fine", check_fn(|| async { Ok(()) }))
        .unwrap();
    let s = hc.run_health_checks().await.unwrap();
    let a = &s.components["async_panic"];
    assert_eq!(a.consecutive_failures, 1);
    assert_eq!(
        a.last_error.as_deref(),
        Some("health check `async_panic` panicked: boom")
    );
    assert_eq!(
        s.components["sync_panic"].last_error.as_deref(),
        Some("health check `sync_panic` panicked: early boom")
    );
    assert_eq!(s.components["fine"].status, Healthy);
}

#[tokio::test(flavor = "current_thread")]
async fn auto_loop_runs_every_interval_and_stop_stops_it() {
    let (hc, clock) = setup(config());
    let node = Switch::new(true);
    hc.register_check("node", node.clone()).unwrap();
    assert!(!hc.is_running());
    hc.start();
    hc.start(); // idempotent: still one loop
    assert!(hc.is_running());
    ManualClock::settle().await;
    assert_eq!(node.calls(), 1, "first round runs at once");
    clock.advance(30 * SEC - Duration::from_millis(1)).await;
    assert_eq!(node.calls(), 1);
    clock.advance(Duration::from_millis(1)).await;
    assert_eq!(node.calls(), 2);
    clock.advance(60 * SEC).await;
    assert_eq!(node.calls(), 4);
    assert_eq!(hc.diagnostics().total_runs, 4);

    hc.stop();
    hc.stop(); // idempotent
    assert!(!hc.is_running());
    clock.advance(90 * SEC).await;
    assert_eq!(node.calls(), 4);
    assert_eq!(clock.pending_sleeps(), 0);

    hc.start();
    ManualClock::settle().await;
    assert_eq!(node.calls(), 5);
    clock.advance(30 * SEC).await;
    assert_eq!(node.calls(), 6);
    hc.stop();
}

#[tokio::test(flavor = "current_thread")]
async fn overrunning_round_skips_missed_ticks() {
    let (hc, clock) = setup(HealthConfig {
        check_timeout: 60 * SEC,
        ..config()
    });
    let calls = Arc::new(AtomicUsize::new(0));
    let (c, k) = (clock.clone(), calls.clone());
    hc.register_check(
        "slow",
        check_fn(move || {
            k.fetch_add(1, Ordering::SeqCst);
            let sleep = c.sleep(45 * SEC);
            async move {
                sleep.await;
                Ok(())
            }
        }),
    )
    .unwrap();
    hc.start();
    ManualClock::settle().await;
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    // Round 1 ends at 45 s; the 30 s tick is skipped; the next round starts at 60 s.
    clock.advance(60 * SEC - Duration::from_millis(1)).await;
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    clock.advance(Duration::from_millis(1)).await;
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    hc.stop();
}

#[tokio::test(flavor = "current_thread")]
async fn initialize_starts_the_loop_only_when_enabled_and_drop_stops_it() {
    let (mut off, _c) = setup(config());
    off.initialize().await.unwrap();
    assert!(!off.is_running());

    let (mut hc, clock) = setup(HealthConfig {
        enable_auto_checks: true,
        ..config()
    });
    let node = Switch::new(true);
    hc.register_check("node", node.clone()).unwrap();
    hc.initialize().await.unwrap();
    assert!(hc.is_running());
    ManualClock::settle().await;
    clock.advance(30 * SEC).await;
    assert_eq!(node.calls(), 2);
    drop(hc);
    clock.advance(120 * SEC).await;
    assert_eq!(node.calls(), 2, "the loop ends with the last handle");
    assert_eq!(clock.pending_sleeps(), 0);
}

#[tokio::test(flavor = "current_thread")]
async fn recovery_runs_once_per_transition_to_unhealthy() {
    let (hc, _clock) = setup(config());
    let node = Switch::new(false);
    hc.register_check("node", node.clone()).unwrap();
    let runs = Arc::new(AtomicUsize::new(0));
    let r = runs.clone();
    hc.register_recovery("node", move || {
        let n = r.fetch_add(1, Ordering::SeqCst);
        async move {
            if n == 0 {
                Err(Error::transport(
                    "reconnect to http://u:pw@node:26657 failed",
                ))
            } else {
                Ok(())
            }
        }
    })
    .unwrap();
    for _ in 0..2 {
        run(&hc).await;
    }
    assert_eq!(runs.load(Ordering::SeqCst), 0, "not yet unhealthy");
    run(&hc).await;
    assert_eq!(runs.load(Ordering::SeqCst), 1);
    for _ in 0..4 {
        run(&hc).await;
    }
    assert_eq!(runs.load(Ordering::SeqCst), 1, "still the same outage");
    let c = hc.protocol_health("node").unwrap();
    assert_eq!((c.recovery_attempts, c.recovery_successes), (1, 0));
    let d = hc.diagnostics();
    assert_eq!(
        d.recoveries["node"].last_error.as_deref(),
        Some("transport error: reconnect to http://***@node:26657 failed")
    );

    node.set(true);
    run(&hc).await;
    run(&hc).await;
    assert_eq!(status(&hc, "node"), Healthy);
    node.set(false);
    for _ in 0..3 {
        run(&hc).await;
    }
    assert_eq!(
        runs.load(Ordering::SeqCst),
        2,
        "a new outage, a new attempt"
    );
    let d = hc.diagnostics();
    assert_eq!((d.recovery_attempts, d.recovery_successes), (2, 1));
}

#[tokio::test(flavor = "current_thread")]
async fn recovery_disabled_timeout_and_manual_run() {
    let (hc, clock) = setup(HealthConfig {
        enable_auto_recovery: false,
        failure_threshold: 1,
        recovery_timeout: 5 * SEC,
        ..config()
    });
    hc.register_check("node", Switch::new(false)).unwrap();
    let runs = Arc::new(AtomicUsize::new(0));
    let r = runs.clone();
    hc.register_recovery("node", move || {
        r.fetch_add(1, Ordering::SeqCst);
        futures::future::pending::<Result<()>>()
    })
    .unwrap();
    run(&hc).await;
    assert_eq!(status(&hc, "node"), Unhealthy);
    assert_eq!(runs.load(Ordering::SeqCst), 0, "auto recovery is off");

    // A manual run still works and times out at recovery_timeout.
    let h = {
        let hc = hc.clone();
        tokio::spawn(async move { hc.run_recovery("node").await })
    };
    clock.advance(5 * SEC).await;
    let err = h.await.unwrap().unwrap_err();
    assert_eq!(err.code(), "timeout");
    let d = hc.diagnostics();
    assert_eq!(d.recoveries["node"].attempts, 1);
    assert_eq!(
        d.recoveries["node"].last_error.as_deref(),
        Some("recovery of `node` timed out after 5s")
    );
    assert_eq!(
        hc.run_recovery("nope").await.unwrap_err().code(),
        "invalid_argument"
    );
    assert!(hc.unregister_recovery("node"));
    assert!(!hc.unregister_recovery("node"));
}

#[tokio::test(flavor = "current_thread")]
async fn panicking_recovery_is_recorded_not_propagated() {
    let (hc, _clock) = setup(HealthConfig {
        failure_threshold: 1,
        ..config()
    });
    hc.register_check("node", Switch::new(false)).unwrap();
    hc.register_recovery("node", || async { boom() }).unwrap();
    let s = hc.run_health_checks().await.unwrap();
    assert_eq!(s.components["node"].recovery_attempts, 1);
    let d = hc.diagnostics();
    assert!(d.recoveries["node"]
        .last_error
        .as_deref()
        .is_some_and(|e| e.contains("panicked: boom")));
}

#[tokio::test(flavor = "current_thread")]
async fn listeners_see_every_transition_and_can_unsubscribe() {
    let (hc, _clock) = setup(HealthConfig {
        failure_threshold: 2,
        recovery_threshold: 1,
        ..config()
    });
    let node = Switch::new(true);
    hc.register_check("node", node.clone()).unwrap();
    let log = Arc::new(Mutex::new(Vec::new()));
    let l = log.clone();
    let id = hc.subscribe(move |name, old, new| l.lock().push((name.to_string(), old, new)));
    hc.subscribe(|_, _, _| panic!("a broken listener must not break checks"));
    for ok in [true, true, false, false, false, true] {
        node.set(ok);
        run(&hc).await;
    }
    let n = || "node".to_string();
    assert_eq!(
        *log.lock(),
        vec![
            (n(), Unknown, Healthy),
            (n(), Healthy, Degraded),
            (n(), Degraded, Unhealthy),
            (n(), Unhealthy, Healthy),
        ]
    );
    assert!(hc.unsubscribe(id));
    assert!(!hc.unsubscribe(id));
    node.set(false);
    run(&hc).await;
    assert_eq!(log.lock().len(), 4);
}

#[tokio::test(flavor = "current_thread")]
async fn overall_status_follows_criticality() {
    let (hc, _clock) = setup(HealthConfig {
        failure_threshold: 1,
        ..config()
    });
    hc.register_check("dex", Switch::new(true)).unwrap();
    let metrics = Switch::new(false);
    hc.register_check_with_options(
        "metrics",
        metrics.clone(),
        HealthCheckOptions::default().critical(false),
    )
    .unwrap();
    let s = run(&hc).await;
    assert_eq!(s.components["metrics"].status, Unhealthy);
    assert_eq!(
        s.overall_status, Degraded,
        "non-critical unhealthy only degrades"
    );
    assert_eq!(s.http_status(), 200);

    let node = Switch::new(false);
    hc.register_check("node", node).unwrap();
    let s = run(&hc).await;
    assert_eq!(s.overall_status, Unhealthy);
    assert_eq!(s.http_status(), 503);
    assert_eq!(s.to_health_json()["status"], "fail");
}

#[tokio::test(flavor = "current_thread")]
async fn degraded_outcome_is_reported_with_reason_and_details() {
    let (hc, _clock) = setup(config());
    hc.register_check(
        "node_sync",
        check_fn(|| async {
            Ok(CheckOutcome::degraded("catching up")
                .with_details(serde_json::json!({"behind": 12})))
        }),
    )
    .unwrap();
    let s = run(&hc).await;
    let c = &s.components["node_sync"];
    assert_eq!(c.status, Degraded);
    assert_eq!(c.consecutive_successes, 1);
    assert_eq!(c.output.as_deref(), Some("catching up"));
    assert_eq!(c.last_error, None);
    assert_eq!(c.details, Some(serde_json::json!({"behind": 12})));
    assert_eq!(s.overall_status, Degraded);
    let j = s.to_health_json();
    assert_eq!(j["checks"]["node_sync"][0]["observedValue"]["behind"], 12);
    assert_eq!(j["checks"]["node_sync"][0]["output"], "catching up");
}

#[tokio::test(flavor = "current_thread")]
async fn credentials_are_redacted_in_reports_and_history() {
    let (hc, _clock) = setup(config());
    hc.register_check(
        "endpoint",
        check_fn(|| async {
            Err::<(), _>(Error::transport(
                "POST https://alice:pw@rpc.example/?apikey=XYZ: 401 (Authorization: Bearer abc)",
            ))
        }),
    )
    .unwrap();
    hc.register_check(
        "warn",
        check_fn(|| async { Ok(CheckOutcome::degraded("slow at http://h/?token=T")) }),
    )
    .unwrap();
    let s = run(&hc).await;
    let expected =
        "transport error: POST https://***@rpc.example/?apikey=***: 401 (Authorization: Bearer ***)";
    assert_eq!(
        s.components["endpoint"].last_error.as_deref(),
        Some(expected)
    );
    assert_eq!(s.components["endpoint"].output.as_deref(), Some(expected));
    assert_eq!(
        s.components["warn"].output.as_deref(),
        Some("slow at http://h/?token=***")
    );
    let d = hc.diagnostics();
    assert_eq!(
        d.components["endpoint"].history[0].message.as_deref(),
        Some(expected)
    );
    let all = serde_json::to_string(&d).unwrap() + &s.to_health_json().to_string();
    assert!(!all.contains("pw@") && !all.contains("XYZ") && !all.contains("=T"));
}

#[tokio::test(flavor = "current_thread")]
async fn diagnostics_history_is_bounded_and_timestamped() {
    let (hc, clock) = setup(HealthConfig {
        history_size: 3,
        ..config()
    });
    let node = Switch::new(true);
    hc.register_check_with_options(
        "node",
        node.clone(),
        HealthCheckOptions::default().tag("endpoint"),
    )
    .unwrap();
    for i in 0..5 {
        node.set(i % 2 == 0);
        run(&hc).await;
        clock.advance(10 * SEC).await;
    }
    let d = hc.get_diagnostics().await;
    assert!(d.enabled);
    assert_eq!(d.total_runs, 5);
    assert_eq!(d.component_count, 1);
    assert_eq!(d.uptime, 50 * SEC);
    assert_eq!(d.config.history_size, 3);
    let h = &d.components["node"].history;
    assert_eq!(h.len(), 3);
    let origin = clock.wall_time() - clock.now();
    assert_eq!(
        h.iter().map(|r| r.at - origin).collect::<Vec<_>>(),
        vec![20 * SEC, 30 * SEC, 40 * SEC]
    );
    assert_eq!(
        h.iter().map(|r| (r.outcome, r.status)).collect::<Vec<_>>(),
        vec![
            (Healthy, Healthy),
            (Unhealthy, Degraded),
            (Healthy, Healthy)
        ]
    );
    assert_eq!(
        d.components["node"].health.tags,
        vec!["endpoint".to_string()]
    );
    let v = serde_json::to_value(&d).unwrap();
    assert_eq!(v["uptime_ms"], 50_000.0);
    assert_eq!(v["components"]["node"]["status"], "healthy");
    assert_eq!(
        v["components"]["node"]["history"][1]["outcome"],
        "unhealthy"
    );
    assert_eq!(
        v["components"]["node"]["history"][0]["at"],
        "2023-11-14T22:13:40.000Z"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn diagnostics_disabled_is_minimal() {
    let (hc, _clock) = setup(HealthConfig {
        enable_diagnostics: false,
        ..config()
    });
    hc.register_check("node", Switch::new(true)).unwrap();
    run(&hc).await;
    let d = hc.diagnostics();
    assert!(!d.enabled);
    assert!(d.components.is_empty() && d.recoveries.is_empty());
    assert_eq!((d.component_count, d.total_runs), (1, 1));
    assert_eq!(d.overall_status, Healthy);
}

#[tokio::test(flavor = "current_thread")]
async fn result_of_an_unregistered_or_replaced_check_is_ignored() {
    let (hc, clock) = setup(config());
    hc.register_check("a", slow_check(&clock, 5 * SEC)).unwrap();
    hc.register_check("b", slow_check(&clock, 5 * SEC)).unwrap();
    let h = {
        let hc = hc.clone();
        tokio::spawn(async move { hc.run_health_checks().await })
    };
    ManualClock::settle().await;
    assert!(hc.unregister_check("a"));
    assert!(!hc.unregister_check("a"));
    hc.register_check("b", Switch::new(false)).unwrap(); // replaced: fresh state
    clock.advance(5 * SEC).await;
    let s = h.await.unwrap().unwrap();
    assert!(!s.components.contains_key("a"));
    assert_eq!(s.components["b"].status, Unknown);
    assert_eq!(s.components["b"].total_checks, 0);
    assert_eq!(hc.check_names(), vec!["b".to_string()]);
}

#[tokio::test(flavor = "current_thread")]
async fn run_check_runs_one_component() {
    let (hc, _clock) = setup(config());
    let a = Switch::new(true);
    let b = Switch::new(true);
    hc.register_check("a", a.clone()).unwrap();
    hc.register_check("b", b.clone()).unwrap();
    let c = hc.run_check("a").await.unwrap();
    assert_eq!(c.status, Healthy);
    assert_eq!((a.calls(), b.calls()), (1, 0));
    assert_eq!(
        hc.run_check("zzz").await.unwrap_err().code(),
        "invalid_argument"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn registration_is_validated() {
    let (hc, _clock) = setup(config());
    assert_eq!(
        hc.register_check("  ", Switch::new(true))
            .unwrap_err()
            .code(),
        "invalid_argument"
    );
    assert!(matches!(
        hc.register_check_with_options(
            "x",
            Switch::new(true),
            HealthCheckOptions::default().timeout(Duration::ZERO)
        ),
        Err(Error::InvalidConfig {
            field: "timeout",
            ..
        })
    ));
    assert!(hc.check_names().is_empty());
    assert!(matches!(
        HealthChecker::try_new(HealthConfig {
            failure_threshold: 0,
            ..Default::default()
        }),
        Err(Error::InvalidConfig {
            field: "failure_threshold",
            ..
        })
    ));
}

#[test]
#[should_panic(expected = "check_interval")]
fn new_panics_on_invalid_config_naming_the_field() {
    let _ = HealthChecker::new(HealthConfig {
        check_interval: Duration::ZERO,
        ..Default::default()
    });
}

#[tokio::test(flavor = "current_thread")]
async fn system_health_json_is_stable_and_health_json_carries_service() {
    let (hc, clock) = setup(HealthConfig {
        service_name: Some("mantra-client".into()),
        description: Some("MANTRA RPC client".into()),
        ..config()
    });
    hc.register_check_with_options(
        "dex",
        slow_check(&clock, Duration::from_millis(250)),
        HealthCheckOptions::default().tag("protocol"),
    )
    .unwrap();
    hc.register_check("bank", Switch::new(true)).unwrap();
    let h = {
        let hc = hc.clone();
        tokio::spawn(async move { hc.run_health_checks().await })
    };
    clock.advance(Duration::from_millis(250)).await;
    let s = h.await.unwrap().unwrap();
    let v = serde_json::to_value(&s).unwrap();
    assert_eq!(v["overall_status"], "healthy");
    assert_eq!(v["service_name"], "mantra-client");
    assert_eq!(v["checked_at"], "2023-11-14T22:13:20.250Z");
    let keys: Vec<&String> = v["components"].as_object().unwrap().keys().collect();
    assert_eq!(keys, vec!["bank", "dex"], "sorted by name");
    let dex = &v["components"]["dex"];
    assert_eq!(dex["last_latency_ms"], 250.0);
    assert_eq!(dex["last_checked"], "2023-11-14T22:13:20.250Z");
    assert_eq!(dex["tags"], serde_json::json!(["protocol"]));
    assert_eq!(
        serde_json::to_string(&s).unwrap(),
        serde_json::to_string(&hc.get_system_health().await).unwrap(),
        "same state, same bytes"
    );

    let j = s.to_health_json();
    assert_eq!(j["status"], "pass");
    assert_eq!(j["serviceId"], "mantra-client");
    assert_eq!(j["description"], "MANTRA RPC client");
    assert_eq!(j["checks"]["dex"][0]["observedValue"], 250.0);
    assert_eq!(hc.components_with_tag("protocol").len(), 1);
    assert_eq!(hc.get_protocol_health("dex").await.unwrap().name, "dex");
    assert!(hc.get_protocol_health("nope").await.is_none());
}
