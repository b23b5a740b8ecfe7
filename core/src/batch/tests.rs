//! BatchManager behaviour in virtual time (ManualClock, current-thread runtime).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;
use serde_json::{json, Value};

use super::*;
use crate::error::Error;
use crate::exec::Priority;
use crate::runtime::{Clock, ManualClock};

const MS: fn(u64) -> Duration = Duration::from_millis;

/// Every executor call: virtual time and the ids sent.
type CallLog = Arc<Mutex<Vec<(Duration, Vec<String>)>>>;

fn config(size: usize, delay_ms: u64) -> BatchConfig {
    BatchConfig {
        max_batch_size: size,
        max_batch_delay: MS(delay_ms),
        enable_auto_batching: true,
        max_concurrent_batches: 10,
        retry_attempts: 3,
        retry_delay: MS(150),
    }
}

fn manager(cfg: BatchConfig, clock: &ManualClock) -> BatchManager {
    let m = BatchManager::with_clock(cfg, Arc::new(clock.clone())).unwrap();
    m.set_retry_jitter(false);
    m
}

/// `manager` on a fresh clock, with the executor `exec` builds from that clock and a fresh
/// call log.
fn manager_with(
    cfg: BatchConfig,
    exec: impl FnOnce(&ManualClock, &CallLog) -> Arc<dyn BatchExecutor>,
) -> (ManualClock, CallLog, BatchManager) {
    let clock = ManualClock::new();
    let log = CallLog::default();
    let m = manager(cfg, &clock).with_executor(exec(&clock, &log));
    (clock, log, m)
}

fn op(id: &str) -> BatchOperation {
    BatchOperation::from_value(id, json!(id), Priority::Normal, Duration::from_secs(60)).unwrap()
}

fn op_p(id: &str, p: Priority) -> BatchOperation {
    BatchOperation::from_value(id, json!(id), p, Duration::from_secs(60)).unwrap()
}

fn record(log: &CallLog, clock: &ManualClock, ops: &[BatchOperation]) {
    let ids = ops.iter().map(|o| o.id().to_string()).collect();
    log.lock().push((clock.now(), ids));
}

/// Answers every operation with its params, at once.
fn echo(clock: &ManualClock, log: &CallLog) -> Arc<dyn BatchExecutor> {
    let (clock, log) = (clock.clone(), log.clone());
    batch_fn(move |ops: Vec<BatchOperation>| {
        record(&log, &clock, &ops);
        let out: Vec<_> = ops.iter().map(|o| Ok(o.params().clone())).collect();
        async move { Ok(out) }
    })
}

fn sizes(log: &CallLog) -> Vec<usize> {
    log.lock().iter().map(|(_, ids)| ids.len()).collect()
}

fn ids(log: &CallLog, call: usize) -> Vec<String> {
    log.lock()[call].1.clone()
}

fn spawn_ticket(t: BatchTicket) -> tokio::task::JoinHandle<crate::Result<Value>> {
    tokio::spawn(t)
}

fn transport(status: u16, retry_after: Option<Duration>, msg: &str) -> Error {
    Error::Transport {
        message: msg.into(),
        status: Some(status),
        retry_after,
    }
}

fn rpc(code: i64) -> Error {
    Error::Rpc {
        code,
        message: format!("code {code}"),
        data: None,
    }
}

#[tokio::test(flavor = "current_thread")]
async fn seed_snippet_compiles_and_runs() {
    #[derive(serde::Serialize)]
    struct SwapParams {
        offer: &'static str,
    }
    let swap_params = SwapParams { offer: "uom" };
    let config = BatchConfig {
        max_batch_size: 50,
        max_batch_delay: Duration::from_millis(100),
        enable_auto_batching: true,
        max_concurrent_batches: 10,
        retry_attempts: 3,
        retry_delay: Duration::from_millis(500),
    };
    let batch_manager = BatchManager::new(config);
    let log = CallLog::default();
    let clock = ManualClock::new();
    batch_manager.set_executor(echo(&clock, &log));
    let operation = BatchOperation::new(
        "swap_operation".to_string(),
        &swap_params,
        1, // priority
        Duration::from_secs(30),
    )
    .unwrap();
    let ticket = batch_manager.add_operation(operation).await.unwrap();
    batch_manager.flush().await;
    assert_eq!(ticket.await.unwrap(), json!({"offer": "uom"}));
}

#[tokio::test(flavor = "current_thread")]
async fn submitting_without_executor_fails_at_once() {
    let m = manager(config(10, 10), &ManualClock::new());
    let err = m.add_operation(op("a")).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::InvalidConfig {
                field: "executor",
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(m.stats().pending, 0);
}

#[test]
fn constructors_validate() {
    let bad = BatchConfig {
        max_batch_size: 0,
        ..Default::default()
    };
    let err = BatchManager::try_new(bad.clone()).unwrap_err();
    assert!(matches!(
        err,
        Error::InvalidConfig {
            field: "max_batch_size",
            ..
        }
    ));
    let panic = std::panic::catch_unwind(|| BatchManager::new(bad)).unwrap_err();
    let msg = panic.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(msg.contains("max_batch_size"), "{msg}");
    let m = BatchManager::try_new(BatchConfig::default()).unwrap();
    assert!(m.set_max_batch_bytes(Some(0)).is_err());
    assert!(m.set_priority_aging(Some(Duration::ZERO)).is_err());
    assert_eq!(m.effective_max_batch_size(), 10);
}

#[tokio::test(flavor = "current_thread")]
async fn flushes_when_full() {
    let (clock, log, m) = manager_with(config(3, 1_000), echo);
    let mut tickets = Vec::new();
    for id in ["a", "b", "c", "d"] {
        tickets.push(m.add_operation(op(id)).await.unwrap());
    }
    ManualClock::settle().await;
    assert_eq!(sizes(&log), vec![3], "the full batch left without waiting");
    assert_eq!(ids(&log, 0), vec!["a", "b", "c"]);
    assert_eq!(m.stats().pending, 1);
    let d = tickets.pop().unwrap();
    for (t, id) in tickets.into_iter().zip(["a", "b", "c"]) {
        assert_eq!(t.await.unwrap(), json!(id));
    }
    assert!(!d.is_done());
    clock.advance(MS(1_000)).await;
    assert_eq!(d.await.unwrap(), json!("d"));
    assert_eq!(sizes(&log), vec![3, 1]);
}

#[tokio::test(flavor = "current_thread")]
async fn flushes_exactly_at_max_batch_delay() {
    let (clock, log, m) = manager_with(config(10, 10), echo);
    let a = m.add_operation(op("a")).await.unwrap();
    clock.advance(MS(5)).await;
    let b = m.add_operation(op("b")).await.unwrap();
    clock.advance(MS(4)).await;
    assert!(log.lock().is_empty(), "not before 10 ms");
    clock.advance(MS(1)).await;
    assert_eq!(*log.lock(), vec![(MS(10), vec!["a".into(), "b".into()])]);
    assert_eq!(a.await.unwrap(), json!("a"));
    assert_eq!(b.await.unwrap(), json!("b"));
    // The next op waits its own full delay from its submission.
    let c = spawn_ticket(m.add_operation(op("c")).await.unwrap());
    clock.advance(MS(9)).await;
    assert_eq!(log.lock().len(), 1);
    clock.advance(MS(1)).await;
    assert_eq!(log.lock()[1].0, MS(20));
    assert_eq!(c.await.unwrap().unwrap(), json!("c"));
}

#[tokio::test(flavor = "current_thread")]
async fn zero_delay_gathers_everything_queued_until_the_next_turn() {
    let (_clock, log, m) = manager_with(config(10, 0), echo);
    let mut tickets = Vec::new();
    for id in ["a", "b", "c"] {
        tickets.push(m.add_operation(op(id)).await.unwrap());
    }
    assert!(log.lock().is_empty(), "nothing sent synchronously");
    let results = futures::future::join_all(tickets).await;
    assert_eq!(sizes(&log), vec![3]);
    assert_eq!(log.lock()[0].0, Duration::ZERO, "no virtual time passed");
    assert!(results.iter().all(|r| r.is_ok()));
}

#[tokio::test(flavor = "current_thread")]
async fn auto_batching_off_sends_each_op_alone_at_once() {
    let cfg = BatchConfig {
        enable_auto_batching: false,
        ..config(10, 1_000)
    };
    let (_clock, log, m) = manager_with(cfg, echo);
    let mut tickets = Vec::new();
    for id in ["a", "b", "c"] {
        tickets.push(m.add_operation(op(id)).await.unwrap());
    }
    ManualClock::settle().await;
    assert_eq!(sizes(&log), vec![1, 1, 1]);
    assert!(log.lock().iter().all(|(t, _)| t.is_zero()));
    for t in tickets {
        assert!(t.await.is_ok());
    }
}

#[tokio::test(flavor = "current_thread")]
async fn higher_priority_goes_first_within_the_batch() {
    let (_clock, log, m) = manager_with(config(10, 10), echo);
    let mut tickets = Vec::new();
    for (id, p) in [
        ("low", Priority::Low),
        ("n1", Priority::Normal),
        ("h1", Priority::High),
        ("n2", Priority::Normal),
        ("h2", Priority::High),
    ] {
        tickets.push(m.add_operation(op_p(id, p)).await.unwrap());
    }
    m.flush().await;
    ManualClock::settle().await;
    assert_eq!(ids(&log, 0), vec!["h1", "h2", "n1", "n2", "low"]);
    for t in tickets {
        assert!(t.await.is_ok());
    }
}

#[tokio::test(flavor = "current_thread")]
async fn high_priority_fills_the_next_batch_before_older_low() {
    let cfg = BatchConfig {
        max_concurrent_batches: 1,
        ..config(2, 10)
    };
    let (clock, log, m) = manager_with(cfg, |c, l| slow_echo(c, l, MS(100)));
    m.set_priority_aging(None).unwrap();
    let mut handles = Vec::new();
    for (id, p) in [
        ("first", Priority::Normal),
        ("first2", Priority::Normal),
        ("low", Priority::Low),
        ("normal", Priority::Normal),
        ("h1", Priority::High),
        ("h2", Priority::High),
    ] {
        handles.push(spawn_ticket(m.add_operation(op_p(id, p)).await.unwrap()));
    }
    ManualClock::settle().await;
    assert_eq!(sizes(&log), vec![2], "one batch in flight, four ops wait");
    clock.advance(MS(100)).await;
    assert_eq!(
        ids(&log, 1),
        vec!["h1", "h2"],
        "the later High ops go first"
    );
    clock.advance(MS(100)).await;
    assert_eq!(ids(&log, 2), vec!["normal", "low"]);
    clock.advance(MS(100)).await;
    for h in handles {
        assert!(h.await.unwrap().is_ok());
    }
}

#[tokio::test(flavor = "current_thread")]
async fn concurrency_bound_is_respected() {
    let clock = ManualClock::new();
    let (now, peak, started) = (
        Arc::new(AtomicUsize::new(0)),
        Arc::new(AtomicUsize::new(0)),
        Arc::new(AtomicUsize::new(0)),
    );
    let exec = {
        let (clock, now, peak, started) =
            (clock.clone(), now.clone(), peak.clone(), started.clone());
        batch_fn(move |ops: Vec<BatchOperation>| {
            let (clock, now, peak, started) =
                (clock.clone(), now.clone(), peak.clone(), started.clone());
            async move {
                started.fetch_add(1, Ordering::SeqCst);
                let n = now.fetch_add(1, Ordering::SeqCst) + 1;
                peak.fetch_max(n, Ordering::SeqCst);
                clock.sleep(MS(100)).await;
                now.fetch_sub(1, Ordering::SeqCst);
                Ok(ops.iter().map(|o| Ok(o.params().clone())).collect())
            }
        })
    };
    let cfg = BatchConfig {
        max_concurrent_batches: 2,
        ..config(1, 10)
    };
    let m = manager(cfg, &clock).with_executor(exec);
    let mut handles = Vec::new();
    for i in 0..5 {
        let t = m.add_operation(op(&format!("op{i}"))).await.unwrap();
        handles.push(spawn_ticket(t));
    }
    ManualClock::settle().await;
    assert_eq!(started.load(Ordering::SeqCst), 2);
    let s = m.stats();
    assert_eq!((s.in_flight, s.pending), (2, 3));
    clock.advance(MS(100)).await;
    assert_eq!(started.load(Ordering::SeqCst), 4);
    clock.advance(MS(200)).await;
    assert_eq!(started.load(Ordering::SeqCst), 5);
    for h in handles {
        assert!(h.await.unwrap().is_ok());
    }
    assert_eq!(peak.load(Ordering::SeqCst), 2);
    assert_eq!(m.stats().in_flight, 0);
}

/// An executor that answers after `delay` of virtual time.
fn slow_echo(clock: &ManualClock, log: &CallLog, delay: Duration) -> Arc<dyn BatchExecutor> {
    let (clock, log) = (clock.clone(), log.clone());
    batch_fn(move |ops: Vec<BatchOperation>| {
        record(&log, &clock, &ops);
        let clock = clock.clone();
        async move {
            clock.sleep(delay).await;
            Ok(ops.iter().map(|o| Ok(o.params().clone())).collect())
        }
    })
}

#[tokio::test(flavor = "current_thread")]
async fn per_op_timeout_fires_while_in_flight_and_late_result_is_discarded() {
    let (clock, log, m) = manager_with(config(10, 10), |c, l| slow_echo(c, l, MS(200)));
    let short = BatchOperation::from_value("short", json!(1), Priority::Normal, MS(50)).unwrap();
    let t_short = spawn_ticket(m.add_operation(short).await.unwrap());
    let t_long = spawn_ticket(m.add_operation(op("long")).await.unwrap());
    clock.advance(MS(49)).await;
    assert_eq!(sizes(&log), vec![2], "in flight since 10 ms");
    assert!(!t_short.is_finished());
    clock.advance(MS(1)).await;
    assert!(t_short.is_finished(), "timed out exactly at 50 ms");
    match t_short.await.unwrap() {
        Err(Error::Timeout { operation, after }) => {
            assert_eq!((operation.as_str(), after), ("short", MS(50)));
        }
        other => panic!("{other:?}"),
    }
    clock.advance(MS(200)).await;
    assert_eq!(t_long.await.unwrap().unwrap(), json!("long"));
    let s = m.stats();
    assert_eq!((s.timeouts, s.succeeded, s.failures), (1, 1, 0));
}

#[tokio::test(flavor = "current_thread")]
async fn expired_queued_op_is_never_sent() {
    let cfg = BatchConfig {
        max_concurrent_batches: 1,
        ..config(1, 0)
    };
    let (clock, log, m) = manager_with(cfg, |c, l| slow_echo(c, l, MS(100)));
    let first = spawn_ticket(m.add_operation(op("first")).await.unwrap());
    let short = BatchOperation::from_value("short", json!(1), Priority::High, MS(30)).unwrap();
    // Dropped ticket: nobody polls its timer, the manager must still expire it.
    drop(m.add_operation(short).await.unwrap());
    clock.advance(MS(200)).await;
    assert_eq!(first.await.unwrap().unwrap(), json!("first"));
    assert_eq!(sizes(&log), vec![1]);
    assert_eq!(m.stats().timeouts, 1);
}

/// Fails the first `failures` calls with errors from `fail`, then echoes.
fn flaky(
    clock: &ManualClock,
    log: &CallLog,
    failures: usize,
    fail: impl Fn(usize) -> Error + Send + Sync + 'static,
) -> Arc<dyn BatchExecutor> {
    let (clock, log) = (clock.clone(), log.clone());
    let calls = AtomicUsize::new(0);
    batch_fn(move |ops: Vec<BatchOperation>| {
        record(&log, &clock, &ops);
        let n = calls.fetch_add(1, Ordering::SeqCst);
        let out = if n < failures {
            Err(fail(n))
        } else {
            Ok(ops.iter().map(|o| Ok(o.params().clone())).collect())
        };
        async move { out }
    })
}

#[tokio::test(flavor = "current_thread")]
async fn retries_with_exponential_backoff_then_succeeds() {
    let (clock, log, m) = manager_with(config(10, 10), |c, l| {
        flaky(c, l, 2, |n| transport(503, None, &format!("fail {n}")))
    });
    let t = spawn_ticket(m.add_operation(op("a")).await.unwrap());
    clock.advance(MS(10)).await;
    assert_eq!(log.lock().len(), 1);
    clock.advance(MS(149)).await;
    assert_eq!(log.lock().len(), 1, "first retry waits retry_delay");
    clock.advance(MS(1)).await;
    assert_eq!(log.lock().len(), 2);
    clock.advance(MS(299)).await;
    assert_eq!(log.lock().len(), 2, "second retry waits 2 x retry_delay");
    clock.advance(MS(1)).await;
    let times: Vec<_> = log.lock().iter().map(|(t, _)| *t).collect();
    assert_eq!(times, vec![MS(10), MS(160), MS(460)]);
    assert_eq!(t.await.unwrap().unwrap(), json!("a"));
    let s = m.stats();
    assert_eq!(
        (s.batches, s.retries, s.failures, s.succeeded),
        (3, 2, 0, 1)
    );
}

#[tokio::test(flavor = "current_thread")]
async fn exhausted_retries_return_the_last_error() {
    let cfg = BatchConfig {
        retry_attempts: 2,
        ..config(10, 10)
    };
    let (clock, log, m) = manager_with(cfg, |c, l| {
        flaky(c, l, usize::MAX, |n| {
            transport(503, None, &format!("fail {n}"))
        })
    });
    let t = spawn_ticket(m.add_operation(op("a")).await.unwrap());
    let t2 = spawn_ticket(m.add_operation(op("b")).await.unwrap());
    clock.advance(MS(10_000)).await;
    assert_eq!(log.lock().len(), 3, "1 send + 2 retries");
    for t in [t, t2] {
        match t.await.unwrap() {
            Err(Error::Transport { message, .. }) => assert_eq!(message, "fail 2"),
            other => panic!("{other:?}"),
        }
    }
    let s = m.stats();
    assert_eq!((s.retries, s.failures), (4, 2));
}

#[tokio::test(flavor = "current_thread")]
async fn zero_retry_attempts_fail_at_once() {
    let cfg = BatchConfig {
        retry_attempts: 0,
        ..config(10, 10)
    };
    let (clock, log, m) = manager_with(cfg, |c, l| {
        flaky(c, l, usize::MAX, |_| transport(503, None, "down"))
    });
    let t = spawn_ticket(m.add_operation(op("a")).await.unwrap());
    clock.advance(MS(10)).await;
    assert_eq!(t.await.unwrap().unwrap_err().code(), "transport");
    assert_eq!(log.lock().len(), 1);
}

#[tokio::test(flavor = "current_thread")]
async fn retry_after_is_honoured() {
    let (clock, log, m) = manager_with(config(10, 10), |c, l| {
        flaky(c, l, 1, |_| transport(429, Some(MS(2_000)), "slow down"))
    });
    let t = spawn_ticket(m.add_operation(op("a")).await.unwrap());
    clock.advance(MS(10)).await;
    clock.advance(MS(1_999)).await;
    assert_eq!(
        log.lock().len(),
        1,
        "waits at least Retry-After, not retry_delay"
    );
    clock.advance(MS(1)).await;
    assert_eq!(log.lock()[1].0, MS(2_010));
    assert!(t.await.unwrap().is_ok());
}

#[tokio::test(flavor = "current_thread")]
async fn non_retryable_batch_error_fails_every_op_once() {
    let (clock, log, m) = manager_with(config(10, 10), |c, l| {
        flaky(c, l, usize::MAX, |_| transport(400, None, "bad request"))
    });
    let a = spawn_ticket(m.add_operation(op("a")).await.unwrap());
    let b = spawn_ticket(m.add_operation(op("b")).await.unwrap());
    clock.advance(MS(1_000)).await;
    assert_eq!(log.lock().len(), 1);
    assert_eq!(a.await.unwrap().unwrap_err().code(), "transport");
    assert_eq!(b.await.unwrap().unwrap_err().code(), "transport");
    assert_eq!(m.stats().failures, 2);
}

/// Answers per id: `ok*` → value, `err<code>` → that RPC error; a `retry*` op fails with
/// -32603 on its first send only.
fn per_item(clock: &ManualClock, log: &CallLog) -> Arc<dyn BatchExecutor> {
    let (clock, log) = (clock.clone(), log.clone());
    let seen = Mutex::new(std::collections::HashSet::<String>::new());
    batch_fn(move |ops: Vec<BatchOperation>| {
        record(&log, &clock, &ops);
        let out: Vec<crate::Result<Value>> = ops
            .iter()
            .map(|o| {
                let id = o.id();
                if let Some(code) = id.strip_prefix("err") {
                    Err(rpc(code.parse().unwrap_or(-32000)))
                } else if id.starts_with("retry") && seen.lock().insert(id.to_string()) {
                    Err(rpc(-32603))
                } else {
                    Ok(json!(format!("{id}!")))
                }
            })
            .collect();
        async move { Ok(out) }
    })
}

#[tokio::test(flavor = "current_thread")]
async fn partial_failure_routes_each_result_to_its_caller() {
    let (clock, log, m) = manager_with(config(10, 10), per_item);
    let a = spawn_ticket(m.add_operation(op("ok-a")).await.unwrap());
    let e = spawn_ticket(m.add_operation(op("err-32601")).await.unwrap());
    let b = spawn_ticket(m.add_operation(op("ok-b")).await.unwrap());
    clock.advance(MS(10)).await;
    assert_eq!(a.await.unwrap().unwrap(), json!("ok-a!"));
    assert_eq!(b.await.unwrap().unwrap(), json!("ok-b!"));
    assert!(matches!(
        e.await.unwrap(),
        Err(Error::Rpc { code: -32601, .. })
    ));
    assert_eq!(
        log.lock().len(),
        1,
        "non-retryable item error is not retried"
    );
    let s = m.stats();
    assert_eq!((s.succeeded, s.failures, s.retries), (2, 1, 0));
}

#[tokio::test(flavor = "current_thread")]
async fn only_retryable_items_are_retried_and_may_join_new_ops() {
    let (clock, log, m) = manager_with(config(10, 1_000), per_item);
    let ok = spawn_ticket(m.add_operation(op("ok")).await.unwrap());
    let retry = spawn_ticket(m.add_operation(op("retry")).await.unwrap());
    let bad = spawn_ticket(m.add_operation(op("err-32601")).await.unwrap());
    m.flush().await;
    ManualClock::settle().await;
    assert_eq!(ids(&log, 0), vec!["ok", "retry", "err-32601"]);
    // A new op queued during the backoff rides along with the retried one.
    let late = spawn_ticket(m.add_operation(op("late")).await.unwrap());
    clock.advance(MS(149)).await;
    assert_eq!(log.lock().len(), 1);
    clock.advance(MS(1)).await;
    assert_eq!(
        *log.lock().last().unwrap(),
        (MS(150), vec!["retry".into(), "late".into()])
    );
    assert_eq!(ok.await.unwrap().unwrap(), json!("ok!"));
    assert_eq!(retry.await.unwrap().unwrap(), json!("retry!"));
    assert_eq!(late.await.unwrap().unwrap(), json!("late!"));
    assert!(matches!(
        bad.await.unwrap(),
        Err(Error::Rpc { code: -32601, .. })
    ));
    let s = m.stats();
    assert_eq!(
        (s.batches, s.retries, s.succeeded, s.failures),
        (2, 1, 3, 1)
    );
}

#[tokio::test(flavor = "current_thread")]
async fn wrong_length_reply_fails_every_op_of_the_batch() {
    let clock = ManualClock::new();
    let exec = batch_fn(|_ops: Vec<BatchOperation>| async { Ok(vec![Ok(json!(1))]) });
    let m = manager(config(2, 10), &clock).with_executor(exec);
    let a = spawn_ticket(m.add_operation(op("a")).await.unwrap());
    let b = spawn_ticket(m.add_operation(op("b")).await.unwrap());
    ManualClock::settle().await;
    for t in [a, b] {
        match t.await.unwrap() {
            Err(Error::Host(msg)) => assert!(msg.contains("1 results for 2"), "{msg}"),
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(m.stats().failures, 2);
}

/// A node with a batch limit: bigger batches get `BatchLimit`, as CometBFT answers.
fn limited(clock: &ManualClock, log: &CallLog, limit: usize) -> Arc<dyn BatchExecutor> {
    let (clock, log) = (clock.clone(), log.clone());
    batch_fn(move |ops: Vec<BatchOperation>| {
        record(&log, &clock, &ops);
        let out = if ops.len() > limit {
            Err(Error::BatchLimit {
                size: ops.len(),
                max: limit,
            })
        } else {
            Ok(ops.iter().map(|o| Ok(o.params().clone())).collect())
        };
        async move { out }
    })
}

#[tokio::test(flavor = "current_thread")]
async fn batch_limit_is_learned_split_and_every_op_succeeds() {
    let (clock, log, m) = manager_with(config(10, 10), |c, l| limited(c, l, 4));
    let mut handles = Vec::new();
    for i in 0..10 {
        handles.push(spawn_ticket(
            m.add_operation(op(&format!("op{i}"))).await.unwrap(),
        ));
    }
    ManualClock::settle().await;
    assert_eq!(sizes(&log), vec![10, 4, 4, 2]);
    assert!(
        log.lock().iter().all(|(t, _)| t.is_zero()),
        "split batches go at once"
    );
    for (i, h) in handles.into_iter().enumerate() {
        assert_eq!(h.await.unwrap().unwrap(), json!(format!("op{i}")));
    }
    let s = m.stats();
    assert_eq!(
        (s.effective_max_batch_size, s.batch_limit_splits, s.retries),
        (4, 1, 0)
    );
    // Later batches use the learned limit from the start.
    for i in 0..5 {
        drop(m.add_operation(op(&format!("x{i}"))).await.unwrap());
    }
    clock.advance(MS(10)).await;
    assert_eq!(sizes(&log)[4..], [4, 1]);
}

#[tokio::test(flavor = "current_thread")]
async fn inconsistent_batch_limit_fails_instead_of_looping() {
    // Claims a limit of 5 yet rejects everything.
    let (clock, log, m) = manager_with(config(10, 10), |c, l| {
        flaky(c, l, usize::MAX, |_| Error::BatchLimit { size: 0, max: 5 })
    });
    let mut handles = Vec::new();
    for i in 0..8 {
        handles.push(spawn_ticket(
            m.add_operation(op(&format!("op{i}"))).await.unwrap(),
        ));
    }
    clock.advance(MS(1_000)).await;
    assert_eq!(sizes(&log), vec![8, 5, 3]);
    for h in handles {
        assert_eq!(h.await.unwrap().unwrap_err().code(), "batch_limit");
    }
}

#[tokio::test(flavor = "current_thread")]
async fn close_fails_pending_and_later_submits() {
    let (clock, log, m) = manager_with(config(10, 1_000), echo);
    let a = spawn_ticket(m.add_operation(op("a")).await.unwrap());
    let b = spawn_ticket(m.add_operation(op("b")).await.unwrap());
    ManualClock::settle().await;
    assert!(
        clock.pending_sleeps() > 0,
        "the flush timer and the tickets' deadlines"
    );
    m.close();
    ManualClock::settle().await;
    // The flush timer ended with the manager (on wasm a pending timer keeps Node alive),
    // and so did the tickets' deadlines.
    assert_eq!(clock.pending_sleeps(), 0);
    assert!(matches!(a.await.unwrap(), Err(Error::Closed(_))));
    assert!(matches!(b.await.unwrap(), Err(Error::Closed(_))));
    assert!(matches!(m.submit(op("c")).await, Err(Error::Closed(_))));
    assert!(m.is_closed());
    clock.advance(MS(2_000)).await;
    assert!(log.lock().is_empty(), "nothing sent after close");
    let s = m.stats();
    assert_eq!((s.closed, s.pending, s.operations), (2, 0, 2));
}

#[tokio::test(flavor = "current_thread")]
async fn close_during_retry_backoff_fails_at_once() {
    let clock = ManualClock::new();
    let log = CallLog::default();
    let exec = per_item(&clock, &log);
    let m = manager(config(10, 10), &clock).with_executor(exec);
    let whole = flaky(&clock, &log, usize::MAX, |_| transport(503, None, "down"));
    let m2 = manager(config(10, 10), &clock).with_executor(whole);
    let item = spawn_ticket(m.add_operation(op("retry")).await.unwrap());
    let batch = spawn_ticket(m2.add_operation(op("b")).await.unwrap());
    clock.advance(MS(10)).await;
    assert_eq!(log.lock().len(), 2);
    m.close();
    m2.close();
    ManualClock::settle().await;
    assert!(matches!(item.await.unwrap(), Err(Error::Closed(_))));
    assert!(matches!(batch.await.unwrap(), Err(Error::Closed(_))));
    clock.advance(MS(10_000)).await;
    assert_eq!(log.lock().len(), 2, "no retry sent after close");
    assert_eq!(
        (m.stats().retries, m2.stats().retries),
        (0, 0),
        "none counted"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn callers_leaving_during_a_retry_backoff_free_the_slot_at_once() {
    // A whole-batch failure backs off 150 ms before resending; the batch keeps its slot
    // meanwhile. When its (client-style) caller leaves during the backoff, the slot frees
    // then, and nothing is resent.
    let clock = ManualClock::new();
    let log = CallLog::default();
    let whole = flaky(&clock, &log, usize::MAX, |_| transport(503, None, "down"));
    let cfg = BatchConfig {
        max_concurrent_batches: 1,
        ..config(10, 10)
    };
    let m = manager(cfg, &clock).with_executor(whole);
    let t = m.add_operation(op("a")).await.unwrap().without_timer();
    clock.advance(MS(10)).await;
    assert_eq!(log.lock().len(), 1);
    clock.advance(MS(50)).await;
    assert_eq!(m.stats().in_flight, 1, "held through the backoff");
    drop(t);
    ManualClock::settle().await;
    let s = m.stats();
    assert_eq!((s.in_flight, s.cancelled), (0, 1), "{s:?}");
    clock.advance(MS(10_000)).await;
    assert_eq!(log.lock().len(), 1, "nothing resent");
    assert_eq!(m.stats().retries, 0, "no re-send counted");
}

#[tokio::test(flavor = "current_thread")]
async fn dropped_ticket_does_not_affect_others() {
    let (_clock, log, m) = manager_with(config(3, 10), echo);
    let a = m.add_operation(op("a")).await.unwrap();
    drop(m.add_operation(op("b")).await.unwrap());
    let c = m.add_operation(op("c")).await.unwrap();
    assert_eq!(a.await.unwrap(), json!("a"));
    assert_eq!(c.await.unwrap(), json!("c"));
    assert_eq!(
        ids(&log, 0),
        vec!["a", "b", "c"],
        "a dropped ticket's op is still sent"
    );
    let s = m.stats();
    assert_eq!((s.succeeded, s.pending, s.in_flight), (3, 0, 0));
}

/// Echoes every call at once, except the first, which awaits `first` (a panic or a hang).
fn first_call_then_echo<Fut>(
    first: impl Fn() -> Fut + Send + Sync + 'static,
) -> Arc<dyn BatchExecutor>
where
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let calls = AtomicUsize::new(0);
    batch_fn(move |ops: Vec<BatchOperation>| {
        let first_call = (calls.fetch_add(1, Ordering::SeqCst) == 0).then(&first);
        async move {
            if let Some(f) = first_call {
                f.await;
            }
            Ok(ops.iter().map(|o| Ok(o.params().clone())).collect())
        }
    })
}

#[tokio::test(flavor = "current_thread")]
async fn panicking_executor_fails_its_batch_only() {
    let clock = ManualClock::new();
    let exec = first_call_then_echo(|| async { panic!("boom") });
    let m = manager(config(1, 10), &clock).with_executor(exec);
    let a = m.submit(op("a")).await;
    match a {
        Err(Error::Internal(msg)) => assert!(msg.contains("boom"), "{msg}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(m.submit(op("b")).await.unwrap(), json!("b"));
    assert_eq!(m.stats().in_flight, 0);
}

#[tokio::test(flavor = "current_thread")]
async fn hung_executor_releases_its_slot_once_every_op_timed_out() {
    let clock = ManualClock::new();
    let exec = first_call_then_echo(futures::future::pending::<()>);
    let cfg = BatchConfig {
        max_concurrent_batches: 1,
        ..config(1, 0)
    };
    let m = manager(cfg, &clock).with_executor(exec);
    let hung = BatchOperation::from_value("hung", json!(0), Priority::Normal, MS(100)).unwrap();
    drop(m.add_operation(hung).await.unwrap());
    let next = spawn_ticket(m.add_operation(op("next")).await.unwrap());
    clock.advance(MS(99)).await;
    assert_eq!(m.stats().in_flight, 1);
    clock.advance(MS(1)).await;
    assert_eq!(next.await.unwrap().unwrap(), json!("next"));
    assert_eq!(m.stats().timeouts, 1);
}

#[tokio::test(flavor = "current_thread")]
async fn a_batch_waits_for_callers_still_there_and_stops_when_all_left() {
    // Client-style tickets (no timer: the caller bounds the wait). The first batch's
    // executor call takes 1 s; one of its two callers leaves at 100 ms, the other still
    // gets its result. In the second batch (hung) both callers leave: its slot frees then.
    let clock = ManualClock::new();
    let slow = clock.clone();
    let exec = first_call_then_echo(move || {
        let c = slow.clone();
        async move { c.sleep(MS(1_000)).await }
    });
    let cfg = BatchConfig {
        max_concurrent_batches: 1,
        ..config(2, 0)
    };
    let m = manager(cfg, &clock).with_executor(exec);
    let stays = spawn_ticket(m.add_operation(op("stays")).await.unwrap().without_timer());
    let leaves = m.add_operation(op("leaves")).await.unwrap().without_timer();
    clock.advance(MS(100)).await;
    assert_eq!(m.stats().in_flight, 1);
    drop(leaves);
    clock.advance(MS(100)).await;
    assert_eq!(m.stats().in_flight, 1, "one caller still waits");
    clock.advance(MS(800)).await;
    assert_eq!(stays.await.unwrap().unwrap(), json!("stays"));
    let s = m.stats();
    assert_eq!((s.cancelled, s.succeeded, s.in_flight), (1, 1, 0), "{s:?}");

    let m2 = manager(
        BatchConfig {
            max_concurrent_batches: 1,
            ..config(2, 0)
        },
        &clock,
    )
    .with_executor(first_call_then_echo(futures::future::pending::<()>));
    let a = m2.add_operation(op("a")).await.unwrap().without_timer();
    let b = m2.add_operation(op("b")).await.unwrap().without_timer();
    clock.advance(MS(10)).await;
    assert_eq!(m2.stats().in_flight, 1);
    drop(a);
    ManualClock::settle().await;
    assert_eq!(m2.stats().in_flight, 1, "b still waits");
    drop(b);
    ManualClock::settle().await;
    let s = m2.stats();
    assert_eq!((s.cancelled, s.in_flight), (2, 0), "{s:?}");
    // The slot is free: the next batch goes (and the executor answers it).
    let next = spawn_ticket(m2.add_operation(op("next")).await.unwrap());
    clock.advance(MS(10)).await;
    assert_eq!(next.await.unwrap().unwrap(), json!("next"));
}

#[tokio::test(flavor = "current_thread")]
async fn max_batch_bytes_bounds_batches_and_refuses_oversized_ops() {
    let (clock, log, m) = manager_with(config(10, 10), echo);
    let one = op("aaaa").encoded_len();
    m.set_max_batch_bytes(Some(one * 2 + one / 2)).unwrap();
    let mut handles = Vec::new();
    for id in ["aaaa", "bbbb", "cccc", "dddd", "eeee"] {
        handles.push(spawn_ticket(m.add_operation(op(id)).await.unwrap()));
    }
    ManualClock::settle().await;
    assert_eq!(sizes(&log), vec![2, 2], "byte-full batches leave at once");
    clock.advance(MS(10)).await;
    assert_eq!(sizes(&log), vec![2, 2, 1]);
    for h in handles {
        assert!(h.await.unwrap().is_ok());
    }
    let big = BatchOperation::from_value(
        "big",
        json!("x".repeat(one * 3)),
        Priority::Normal,
        MS(1_000),
    )
    .unwrap();
    let err = m.add_operation(big).await.unwrap_err();
    assert_eq!(err.code(), "capacity_exceeded");
    m.set_max_batch_bytes(None).unwrap();
    assert_eq!(m.max_batch_bytes(), None);
}

#[tokio::test(flavor = "current_thread")]
async fn a_byte_ceiling_bounds_what_max_batch_bytes_may_be_set_to() {
    let (_clock, _log, m) = manager_with(config(10, 10), echo);
    assert!(m.set_max_batch_bytes_ceiling(0).is_err());
    m.set_max_batch_bytes_ceiling(1_000).unwrap();
    assert_eq!(
        m.max_batch_bytes(),
        Some(1_000),
        "the bound starts at the ceiling"
    );
    let err = m.set_max_batch_bytes(Some(1_001)).unwrap_err();
    assert_eq!(err.code(), "invalid_config");
    assert!(err.to_string().contains("max_batch_bytes"), "{err}");
    assert_eq!(
        m.max_batch_bytes(),
        Some(1_000),
        "a refused bound changes nothing"
    );
    m.set_max_batch_bytes(Some(400)).unwrap();
    assert_eq!(m.max_batch_bytes(), Some(400));
    m.set_max_batch_bytes(None).unwrap();
    assert_eq!(
        m.max_batch_bytes(),
        Some(1_000),
        "None restores the ceiling"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn under_a_ceiling_an_operation_over_the_bound_goes_alone() {
    let (clock, log, m) = manager_with(config(10, 10), echo);
    let one = op("aaaa").encoded_len();
    m.set_max_batch_bytes_ceiling(one * 10).unwrap();
    m.set_max_batch_bytes(Some(one * 2)).unwrap();
    let big = |id: &str, n: usize| {
        BatchOperation::from_value(id, json!("x".repeat(n)), Priority::Normal, MS(1_000)).unwrap()
    };
    let mut handles = Vec::new();
    handles.push(spawn_ticket(m.add_operation(op("aaaa")).await.unwrap()));
    handles.push(spawn_ticket(m.add_operation(op("bbbb")).await.unwrap()));
    handles.push(spawn_ticket(
        m.add_operation(big("big", one * 4)).await.unwrap(),
    ));
    ManualClock::settle().await;
    clock.advance(MS(10)).await;
    for h in handles {
        assert!(h.await.unwrap().is_ok());
    }
    assert_eq!(
        sizes(&log),
        vec![2, 1],
        "the small ones together, the big one alone"
    );
    // Over the ceiling it is still refused.
    let err = m.add_operation(big("huge", one * 11)).await.unwrap_err();
    assert_eq!(err.code(), "capacity_exceeded");
}

#[tokio::test(flavor = "current_thread")]
async fn stats_count_batches_and_outcomes() {
    let (clock, _log, m) = manager_with(config(4, 10), per_item);
    let mut handles = Vec::new();
    for id in ["a", "b", "c", "d", "e", "err-32601"] {
        handles.push(spawn_ticket(m.add_operation(op(id)).await.unwrap()));
    }
    ManualClock::settle().await;
    let s = m.stats();
    assert_eq!((s.operations, s.pending, s.batches), (6, 2, 1));
    clock.advance(MS(10)).await;
    for h in handles {
        let _ = h.await.unwrap();
    }
    let s = m.stats();
    assert_eq!(s.batches, 2);
    assert_eq!(s.avg_batch_size, 3.0);
    assert_eq!(
        (s.succeeded, s.failures, s.timeouts, s.retries),
        (5, 1, 0, 0)
    );
    assert_eq!(
        (s.pending, s.in_flight, s.effective_max_batch_size),
        (0, 0, 4)
    );
    let json = serde_json::to_value(&s).unwrap();
    assert_eq!(json["avg_batch_size"], json!(3.0));
    assert_eq!(json["effective_max_batch_size"], json!(4));
}

#[tokio::test(flavor = "current_thread")]
async fn dropping_every_handle_still_ends_each_ticket() {
    let (clock, _log, m) = manager_with(config(10, 10), echo);
    let t = spawn_ticket(m.add_operation(op("a")).await.unwrap());
    drop(m);
    clock.advance(MS(10)).await;
    // The timer keeps the queue alive until it fires: the op is still sent.
    assert_eq!(t.await.unwrap().unwrap(), json!("a"));
}
