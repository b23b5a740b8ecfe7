//! Behaviour of the AsyncOptimizer in virtual time.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;
use tokio::sync::oneshot;

use super::*;
use crate::runtime::{BoxFuture, Clock, ManualClock};
use crate::{Error, Result};

fn fixed(limit: usize) -> AsyncOptimizerConfig {
    AsyncOptimizerConfig {
        min_limit: 1,
        max_limit: limit,
        initial_limit: limit,
        algorithm: LimitAlgorithm::Fixed,
        ..Default::default()
    }
}

fn build(config: AsyncOptimizerConfig) -> (AsyncOptimizer, ManualClock) {
    let clock = ManualClock::new();
    let opt = AsyncOptimizer::with_clock(config, Arc::new(clock.clone())).expect("valid config");
    (opt, clock)
}

/// Spawns an operation that holds its permit until the returned sender fires.
fn spawn_blocker(
    opt: &AsyncOptimizer,
) -> (oneshot::Sender<()>, tokio::task::JoinHandle<Result<()>>) {
    let (tx, rx) = oneshot::channel::<()>();
    let o = opt.clone();
    let h = tokio::spawn(async move {
        o.execute("blocker", async move {
            let _ = rx.await;
            Ok(())
        })
        .await
    });
    (tx, h)
}

#[tokio::test(flavor = "current_thread")]
async fn seed_usage_compiles_and_runs() -> Result<()> {
    let optimizer = AsyncOptimizer::new(8);
    let result = optimizer
        .execute_with_priority(
            "high_priority_op".to_string(),
            Priority::High,
            Duration::from_secs(10),
            async { Ok("success".to_string()) },
        )
        .await?;
    assert_eq!(result, "success");

    let futures: Vec<(String, BoxFuture<'static, Result<i32>>)> = vec![
        ("op1".to_string(), Box::pin(async { Ok(1) })),
        ("op2".to_string(), Box::pin(async { Ok(2) })),
        ("op3".to_string(), Box::pin(async { Ok(3) })),
    ];
    let results = optimizer.execute_parallel(futures).await;
    assert_eq!(results, vec![Ok(1), Ok(2), Ok(3)]);
    let stats = optimizer.stats();
    assert_eq!((stats.limit, stats.completed, stats.in_flight), (8, 4, 0));
    Ok(())
}

#[test]
#[should_panic(expected = "max_limit")]
fn new_with_zero_concurrency_panics_naming_the_field() {
    let _ = AsyncOptimizer::new(0);
}

#[tokio::test(flavor = "current_thread")]
async fn execute_parallel_keeps_input_order() {
    let (opt, clock) = build(fixed(8));
    let finished = Arc::new(Mutex::new(Vec::new()));
    let ops: Vec<(String, BoxFuture<'static, Result<u64>>)> = (0..5u64)
        .map(|i| {
            let (c, f) = (clock.clone(), finished.clone());
            let op: BoxFuture<'static, Result<u64>> = Box::pin(async move {
                // Later inputs finish first.
                c.sleep(Duration::from_millis(50 - 10 * i)).await;
                f.lock().push(i);
                Ok(i * 100)
            });
            (format!("op{i}"), op)
        })
        .collect();
    let o = opt.clone();
    let h = tokio::spawn(async move { o.execute_parallel(ops).await });
    clock.advance(Duration::from_millis(50)).await;
    let results = h.await.expect("task");
    assert_eq!(*finished.lock(), vec![4, 3, 2, 1, 0]);
    assert_eq!(results, vec![Ok(0), Ok(100), Ok(200), Ok(300), Ok(400)]);
}

#[tokio::test(flavor = "current_thread")]
async fn weighted_round_robin_serves_low_within_thirteen_grants() {
    let (opt, _clock) = build(fixed(1));
    let (release, blocker) = spawn_blocker(&opt);
    ManualClock::settle().await;
    let log = Arc::new(Mutex::new(String::new()));
    let mut handles = Vec::new();
    let plan = [
        (Priority::High, 'H', 20),
        (Priority::Normal, 'N', 20),
        (Priority::Low, 'L', 5),
    ];
    for (priority, label, count) in plan {
        for _ in 0..count {
            let (o, l) = (opt.clone(), log.clone());
            handles.push(tokio::spawn(async move {
                o.execute_with_priority("op", priority, Duration::from_secs(60), async move {
                    l.lock().push(label);
                    Ok(())
                })
                .await
            }));
        }
    }
    ManualClock::settle().await;
    let q = opt.stats().queued;
    assert_eq!((q.high, q.normal, q.low), (20, 20, 5));
    release.send(()).expect("blocker waiting");
    assert_eq!(blocker.await.expect("task"), Ok(()));
    for h in handles {
        assert_eq!(h.await.expect("task"), Ok(()));
    }
    let log = log.lock().clone();
    // Smooth WRR 8:4:1 while all three are backlogged: High first, every window of 13
    // grants is 8 High, 4 Normal, 1 Low, and the first Low is the 7th grant.
    assert_eq!(&log[..26], "HNHHNHLHNHHNHHNHHNHLHNHHNH");
    assert_eq!(log.find('L'), Some(6));
    assert_eq!(log.len(), 45);
    assert_eq!(opt.stats().completed, 46);
}

#[tokio::test(flavor = "current_thread")]
async fn timeout_counts_queue_wait() {
    let (opt, clock) = build(fixed(1));
    let (o, c) = (opt.clone(), clock.clone());
    let a = tokio::spawn(async move {
        let c2 = c.clone();
        o.execute_with_priority("a", Priority::High, Duration::from_secs(10), async move {
            c2.sleep(Duration::from_secs(5)).await;
            Ok(1)
        })
        .await
    });
    ManualClock::settle().await;
    let o = opt.clone();
    let b = tokio::spawn(async move {
        o.execute_with_priority("b", Priority::High, Duration::from_secs(3), async { Ok(2) })
            .await
    });
    ManualClock::settle().await;
    assert_eq!(opt.stats().queued.high, 1);
    clock.advance(Duration::from_secs(3)).await;
    assert!(b.is_finished());
    assert_eq!(
        b.await.expect("task"),
        Err(Error::timeout("b", Duration::from_secs(3)))
    );
    let s = opt.stats();
    assert_eq!((s.timed_out, s.queued.total(), s.in_flight), (1, 0, 1));
    clock.advance(Duration::from_secs(2)).await;
    assert_eq!(a.await.expect("task"), Ok(1));
    let s = opt.stats();
    assert_eq!((s.completed, s.in_flight), (1, 0));
    assert_eq!(s.avg_latency, Duration::from_secs(5));
}

struct DropFlag(Arc<AtomicBool>);
impl Drop for DropFlag {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

#[tokio::test(flavor = "current_thread")]
async fn timeout_drops_the_running_operation_and_frees_its_permit() {
    let (opt, clock) = build(fixed(1));
    let dropped = Arc::new(AtomicBool::new(false));
    let (o, c, d) = (opt.clone(), clock.clone(), dropped.clone());
    let h = tokio::spawn(async move {
        o.execute_with_priority(
            "slow",
            Priority::Normal,
            Duration::from_secs(2),
            async move {
                let _flag = DropFlag(d);
                c.sleep(Duration::from_secs(5)).await;
                Ok(())
            },
        )
        .await
    });
    clock.advance(Duration::from_secs(1)).await;
    assert!(!h.is_finished());
    assert!(!dropped.load(Ordering::SeqCst));
    clock.advance(Duration::from_secs(1)).await;
    assert_eq!(
        h.await.expect("task"),
        Err(Error::timeout("slow", Duration::from_secs(2)))
    );
    assert!(dropped.load(Ordering::SeqCst));
    assert_eq!(clock.pending_sleeps(), 0);
    let s = opt.stats();
    assert_eq!((s.in_flight, s.timed_out, s.completed), (0, 1, 0));
    assert_eq!(opt.execute("next", async { Ok(3) }).await, Ok(3));
}

#[tokio::test(flavor = "current_thread")]
async fn dropped_waiter_is_removed_without_touching_permits() {
    let (opt, _clock) = build(fixed(1));
    let (release, blocker) = spawn_blocker(&opt);
    ManualClock::settle().await;
    let o = opt.clone();
    let waiter = tokio::spawn(async move { o.execute("waiter", async { Ok(1) }).await });
    ManualClock::settle().await;
    assert_eq!(opt.stats().queued.normal, 1);
    waiter.abort();
    ManualClock::settle().await;
    let s = opt.stats();
    assert_eq!((s.queued.total(), s.in_flight, s.cancelled), (0, 1, 1));
    release.send(()).expect("blocker waiting");
    assert_eq!(blocker.await.expect("task"), Ok(()));
    assert_eq!(opt.stats().in_flight, 0);
    assert_eq!(opt.execute("after", async { Ok(2) }).await, Ok(2));
    assert_eq!(opt.stats().in_flight, 0);
}

#[tokio::test(flavor = "current_thread")]
async fn waiter_dropped_after_grant_returns_the_permit() {
    let (opt, _clock) = build(fixed(1));
    let (release, blocker) = spawn_blocker(&opt);
    ManualClock::settle().await;
    let mut fut = Box::pin(opt.execute("granted-then-dropped", async { Ok(7) }));
    assert!(futures::poll!(fut.as_mut()).is_pending());
    assert_eq!(opt.stats().queued.normal, 1);
    release.send(()).expect("blocker waiting");
    assert_eq!(blocker.await.expect("task"), Ok(()));
    // The blocker's permit was handed to the (unpolled) waiter.
    let s = opt.stats();
    assert_eq!((s.queued.total(), s.in_flight), (0, 1));
    drop(fut);
    let s = opt.stats();
    assert_eq!((s.in_flight, s.cancelled), (0, 1));
    assert_eq!(opt.execute("after", async { Ok(8) }).await, Ok(8));
}

fn aimd(min: usize, max: usize, initial: usize) -> AsyncOptimizerConfig {
    AsyncOptimizerConfig {
        min_limit: min,
        max_limit: max,
        initial_limit: initial,
        algorithm: LimitAlgorithm::aimd(),
        ..Default::default()
    }
}

#[tokio::test(flavor = "current_thread")]
async fn aimd_grows_under_success_and_is_clamped_at_max() {
    let (opt, clock) = build(aimd(1, 3, 1));
    assert_eq!(opt.limit(), 1);
    opt.execute("a", async { Ok(()) }).await.expect("ok");
    assert_eq!(opt.limit(), 2); // 1 in flight of 1 → +1/1
    opt.execute("b", async { Ok(()) }).await.expect("ok");
    assert_eq!(opt.limit(), 2); // 2.5
                                // Three overlapping operations: the limit keeps climbing, then stops at max.
    let ops: Vec<(String, BoxFuture<'static, Result<()>>)> = (0..3)
        .map(|i| {
            let c = clock.clone();
            let op: BoxFuture<'static, Result<()>> = Box::pin(async move {
                c.sleep(Duration::from_secs(1)).await;
                Ok(())
            });
            (format!("p{i}"), op)
        })
        .collect();
    let o = opt.clone();
    let h = tokio::spawn(async move { o.execute_parallel(ops).await });
    ManualClock::settle().await;
    assert_eq!((opt.stats().in_flight, opt.stats().queued.normal), (2, 1));
    clock.advance(Duration::from_secs(2)).await;
    assert!(h.await.expect("task").iter().all(Result::is_ok));
    assert_eq!(opt.limit(), 3);
    for _ in 0..5 {
        opt.execute("more", async { Ok(()) }).await.expect("ok");
    }
    assert_eq!(opt.limit(), 3);
}

#[tokio::test(flavor = "current_thread")]
async fn aimd_shrinks_on_timeouts_and_overload_errors_not_on_other_errors() {
    let (opt, clock) = build(aimd(1, 3, 3));
    let mut limits = Vec::new();
    for _ in 0..4 {
        let (o, c) = (opt.clone(), clock.clone());
        let h = tokio::spawn(async move {
            o.execute_with_priority(
                "slow",
                Priority::Normal,
                Duration::from_secs(1),
                async move {
                    c.sleep(Duration::from_secs(2)).await;
                    Ok(())
                },
            )
            .await
        });
        clock.advance(Duration::from_secs(1)).await;
        assert!(matches!(h.await.expect("task"), Err(Error::Timeout { .. })));
        limits.push(opt.limit());
    }
    // 3 × 0.9 = 2.7, 2.43, 2.187, 1.97
    assert_eq!(limits, vec![2, 2, 2, 1]);
    // A non-retryable error says nothing about capacity.
    let (opt, _) = build(aimd(1, 10, 10));
    let r: Result<()> = opt
        .execute("bad", async { Err(Error::Decode("x".into())) })
        .await;
    assert_eq!(r, Err(Error::Decode("x".into())));
    assert_eq!(opt.limit(), 10);
    // A retryable (overload) error backs off; repeated, it stops at min.
    for _ in 0..40 {
        let _ = opt
            .execute::<(), _>("busy", async { Err(Error::transport("503")) })
            .await;
    }
    assert_eq!(opt.limit(), 1);
    assert_eq!(opt.stats().failed, 41);
}

#[tokio::test(flavor = "current_thread")]
async fn shrinking_limit_never_revokes_running_operations() {
    let config = AsyncOptimizerConfig {
        algorithm: LimitAlgorithm::Aimd {
            backoff_ratio: 0.5,
            increase: 1.0,
        },
        ..aimd(1, 4, 4)
    };
    let (opt, _clock) = build(config);
    let mut senders = Vec::new();
    let mut running = Vec::new();
    for i in 0..4 {
        let (tx, rx) = oneshot::channel::<Result<()>>();
        senders.push(tx);
        let o = opt.clone();
        running.push(tokio::spawn(async move {
            o.execute(format!("r{i}"), async move { rx.await.unwrap_or(Ok(())) })
                .await
        }));
    }
    ManualClock::settle().await;
    let queued: Vec<_> = (0..2)
        .map(|_| {
            let o = opt.clone();
            tokio::spawn(async move { o.execute("q", async { Ok(()) }).await })
        })
        .collect();
    ManualClock::settle().await;
    assert_eq!((opt.stats().in_flight, opt.stats().queued.normal), (4, 2));
    let mut senders = senders.into_iter();
    for _ in 0..2 {
        let tx = senders.next().expect("sender");
        let _ = tx.send(Err(Error::transport("overloaded")));
    }
    ManualClock::settle().await;
    // 4 → 2 → 1: two operations still run above the limit, the queue waits.
    let s = opt.stats();
    assert_eq!((s.limit, s.in_flight, s.queued.normal), (1, 2, 2));
    for tx in senders {
        let _ = tx.send(Ok(()));
    }
    for h in running.into_iter().chain(queued) {
        let _ = h.await.expect("task");
    }
    let s = opt.stats();
    assert_eq!((s.in_flight, s.completed, s.failed), (0, 4, 2));
}

#[tokio::test(flavor = "current_thread")]
async fn panic_in_operation_is_caught_and_permit_released() {
    let (opt, _clock) = build(fixed(1));
    let r: Result<u8> = opt
        .execute("boom", async {
            if opt.limit() > 0 {
                panic!("kaboom");
            }
            Ok(1)
        })
        .await;
    match r {
        Err(Error::Internal(msg)) => assert!(msg.contains("boom") && msg.contains("kaboom")),
        other => panic!("expected Internal, got {other:?}"),
    }
    let s = opt.stats();
    assert_eq!((s.in_flight, s.failed), (0, 1));
    assert_eq!(opt.execute("fine", async { Ok(2) }).await, Ok(2));
}

#[tokio::test(flavor = "current_thread")]
async fn close_rejects_queued_and_new_calls_but_lets_running_finish() {
    let (opt, _clock) = build(fixed(1));
    let (release, blocker) = spawn_blocker(&opt);
    ManualClock::settle().await;
    let o = opt.clone();
    let queued = tokio::spawn(async move { o.execute("q", async { Ok(1) }).await });
    ManualClock::settle().await;
    opt.close();
    assert!(opt.is_closed());
    assert!(matches!(queued.await.expect("task"), Err(Error::Closed(_))));
    assert!(matches!(
        opt.execute("new", async { Ok(2) }).await,
        Err(Error::Closed(_))
    ));
    release.send(()).expect("blocker waiting");
    assert_eq!(blocker.await.expect("task"), Ok(()));
    assert_eq!(opt.stats().in_flight, 0);
}

#[tokio::test(flavor = "current_thread")]
async fn gradient2_lowers_the_limit_when_latency_climbs() {
    let config = AsyncOptimizerConfig {
        min_limit: 1,
        max_limit: 50,
        initial_limit: 4,
        algorithm: LimitAlgorithm::gradient2(),
        ..Default::default()
    };
    let (opt, clock) = build(config);
    let run_round = |latency: Duration| {
        let ops: Vec<(String, BoxFuture<'static, Result<()>>)> = (0..opt.limit())
            .map(|_| {
                let c = clock.clone();
                let op: BoxFuture<'static, Result<()>> = Box::pin(async move {
                    c.sleep(latency).await;
                    Ok(())
                });
                ("g".to_string(), op)
            })
            .collect();
        let o = opt.clone();
        tokio::spawn(async move { o.execute_parallel(ops).await })
    };
    for _ in 0..5 {
        let h = run_round(Duration::from_millis(10));
        clock.advance(Duration::from_millis(10)).await;
        h.await.expect("task");
    }
    let grown = opt.limit();
    assert!(
        grown > 4,
        "steady latency at full load grows the limit: {grown}"
    );
    let h = run_round(Duration::from_millis(200));
    clock.advance(Duration::from_millis(200)).await;
    h.await.expect("task");
    let shrunk = opt.limit();
    assert!(shrunk < grown, "{shrunk} !< {grown}");
}

#[test]
fn stats_serialize_to_json() {
    let opt = AsyncOptimizer::new(4);
    let v = serde_json::to_value(opt.stats()).expect("serialize");
    assert_eq!(v["limit"], 4);
    assert_eq!(v["queued"]["low"], 0);
    // A latency in fractional milliseconds, as in every report (not serde's `{secs, nanos}`).
    assert!(v["avg_latency_ms"].is_f64(), "{v}");
    assert!(v.get("avg_latency").is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn never_exceeds_the_limit_under_contention_across_threads() {
    use std::sync::atomic::AtomicUsize;
    let opt = AsyncOptimizer::with_config(fixed(3));
    let running = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));
    let handles: Vec<_> = (0..300)
        .map(|i| {
            let (o, r, p) = (opt.clone(), running.clone(), peak.clone());
            let priority = Priority::ALL[i % 3];
            tokio::spawn(async move {
                o.execute_with_priority("c", priority, Duration::from_secs(60), async move {
                    let now = r.fetch_add(1, Ordering::SeqCst) + 1;
                    p.fetch_max(now, Ordering::SeqCst);
                    tokio::task::yield_now().await;
                    r.fetch_sub(1, Ordering::SeqCst);
                    Ok(i)
                })
                .await
            })
        })
        .collect();
    for (i, h) in handles.into_iter().enumerate() {
        assert_eq!(h.await.expect("task"), Ok(i));
    }
    assert!(peak.load(Ordering::SeqCst) <= 3);
    let s = opt.stats();
    assert_eq!((s.completed, s.in_flight, s.queued.total()), (300, 0, 0));
}
