//! Sending one batch (retries, batch-limit splits, per-item routing) and the flush timer.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use futures::FutureExt;

use super::inner::{closed_error, Inner};
use super::queue::Entry;
use super::stats::{bump, End};
use super::{BatchExecutor, BatchOperation, BatchOutcome};
use crate::error::Error;
use crate::runtime;

pub(super) fn panic_message(p: Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = p.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = p.downcast_ref::<String>() {
        s.clone()
    } else {
        "non-string panic payload".to_string()
    }
}

/// Runs one executor call, turning a panic (while building or polling its future) into
/// [`Error::Internal`].
pub(super) async fn call_executor(
    executor: Arc<dyn BatchExecutor>,
    ops: Vec<BatchOperation>,
) -> BatchOutcome {
    let fut = match std::panic::catch_unwind(AssertUnwindSafe(|| executor.execute(ops))) {
        Ok(f) => f,
        Err(p) => {
            return Err(Error::Internal(format!(
                "batch executor panicked: {}",
                panic_message(p)
            )))
        }
    };
    match AssertUnwindSafe(fut).catch_unwind().await {
        Ok(r) => r,
        Err(p) => Err(Error::Internal(format!(
            "batch executor panicked: {}",
            panic_message(p)
        ))),
    }
}

/// Sleeps for `d` unless the manager closes first; returns whether it closed.
pub(super) async fn sleep_unless_closed(inner: &Inner, d: Duration) -> bool {
    use futures::future::{select, Either};
    let mut rx = inner.closed_tx.subscribe();
    if *rx.borrow_and_update() {
        return true;
    }
    let sleep = inner.clock.sleep(d);
    let closed = Box::pin(async move {
        let _ = rx.wait_for(|c| *c).await;
    });
    match select(sleep, closed).await {
        Either::Left(_) => false,
        Either::Right(_) => true,
    }
}

/// The flush timer: fires at `at` and lets due batches go; ends at once when the manager
/// closes (nothing is left to send, and a pending timer would keep a JS host alive).
pub(super) async fn run_timer(inner: Arc<Inner>, at: Duration) {
    let now = inner.clock.now();
    if at > now && sleep_unless_closed(&inner, at - now).await {
        return;
    }
    {
        let mut st = inner.state.lock();
        if st.timer_at == Some(at) {
            st.timer_at = None;
        }
    }
    inner.pump();
}

/// Runs `call` until it ends (`Some`) or until every operation in `entries` has ended
/// without it (`None`: their callers left, or their tickets' timers expired them).
async fn unless_all_ended<T>(entries: &[Entry], call: impl Future<Output = T>) -> Option<T> {
    let mut call = std::pin::pin!(call);
    std::future::poll_fn(|cx| {
        if let Poll::Ready(out) = call.as_mut().poll(cx) {
            return Poll::Ready(Some(out));
        }
        // The first operation not yet ended holds our waker: until it ends, not all have.
        if entries.iter().all(|e| e.slot.poll_ended(cx.waker())) {
            Poll::Ready(None)
        } else {
            Poll::Pending
        }
    })
    .await
}

/// Holds one of the `max_concurrent_batches` slots; frees it when dropped, whatever
/// happens to the batch task.
struct InFlight<'a> {
    inner: &'a Inner,
    held: bool,
}

impl InFlight<'_> {
    /// Frees the slot now (idempotent): done before results are routed, so a caller that
    /// has its result sees `in_flight` already lowered.
    fn release(&mut self) {
        if std::mem::take(&mut self.held) {
            let mut st = self.inner.state.lock();
            st.in_flight = st.in_flight.saturating_sub(1);
        }
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.release();
    }
}

/// Sends one batch: whole-batch retries and batch-limit splits happen here; per-item
/// retries are re-queued after their backoff (possibly joining other batches).
pub(super) async fn run_batch(inner: Arc<Inner>, mut entries: Vec<Entry>) {
    let attempts = inner.config.retry_attempts;
    let mut retry_later: Vec<(Duration, Entry)> = Vec::new();
    let mut slot = InFlight {
        inner: &inner,
        held: true,
    };
    loop {
        let now = inner.clock.now();
        for e in &entries {
            if now >= e.deadline {
                inner.finish(e, Err(Inner::timeout_error(&e.op)), End::Timeout);
            }
        }
        entries.retain(|e| !e.slot.is_done());
        if entries.is_empty() {
            break;
        }
        let executor = inner.state.lock().executor.clone();
        let Some(executor) = executor else {
            for e in &entries {
                let err = Error::Internal("batch executor missing".into());
                inner.finish(e, Err(err), End::Done);
            }
            break;
        };
        let latest = entries.iter().map(|e| e.deadline).max().unwrap_or(now);
        let ops: Vec<BatchOperation> = entries.iter().map(|e| e.op.clone()).collect();
        bump(&inner.stats.batches, 1);
        bump(&inner.stats.sent, ops.len() as u64);
        // Retries count as they go out (not those that ended while they waited to).
        let mut resent = 0u64;
        for e in &mut entries {
            resent += u64::from(std::mem::take(&mut e.resend));
        }
        bump(&inner.stats.retries, resent);
        // Once every operation of the batch has ended (timed out, or its caller left)
        // nobody waits for it: stop waiting, so a hung executor cannot hold a concurrency
        // slot past the callers that needed it.
        let call = unless_all_ended(&entries, call_executor(executor, ops));
        let outcome = match runtime::timeout(&*inner.clock, latest.saturating_sub(now), call).await
        {
            Ok(Some(o)) => o,
            Ok(None) => {
                slot.release();
                entries.clear();
                break;
            }
            Err(runtime::Elapsed) => {
                slot.release();
                for e in &entries {
                    inner.finish(e, Err(Inner::timeout_error(&e.op)), End::Timeout);
                }
                break;
            }
        };
        let resend = match &outcome {
            Err(Error::BatchLimit { .. }) => false,
            Err(err) => err.is_retryable() && entries.iter().any(|e| e.retries < attempts),
            Ok(_) => false,
        };
        if !resend {
            slot.release();
        }
        match outcome {
            Ok(results) if results.len() == entries.len() => {
                for (mut e, r) in entries.drain(..).zip(results) {
                    match r {
                        Ok(v) => inner.finish(&e, Ok(v), End::Done),
                        Err(err)
                            if err.is_retryable() && e.retries < attempts && !e.slot.is_done() =>
                        {
                            let delay = inner.backoff(e.retries, err.retry_after());
                            e.retries += 1;
                            e.resend = true;
                            retry_later.push((delay, e));
                        }
                        Err(err) => inner.finish(&e, Err(err), End::Done),
                    }
                }
                break;
            }
            Ok(results) => {
                let msg = format!(
                    "batch executor returned {} results for {} operations",
                    results.len(),
                    entries.len()
                );
                for e in &entries {
                    inner.finish(e, Err(Error::Host(msg.clone())), End::Done);
                }
                break;
            }
            Err(Error::BatchLimit { max, .. }) if entries.len() > max.max(1) => {
                // The node told us its limit: learn it and resend in smaller batches. The
                // sent size strictly exceeds the new cap, so this can only repeat while the
                // cap keeps shrinking (at most `max_batch_size` times).
                let limit = max.max(1);
                {
                    let mut st = inner.state.lock();
                    st.effective_max = st.effective_max.min(limit);
                }
                bump(&inner.stats.splits, 1);
                let back = std::mem::take(&mut entries);
                inner.requeue(back);
                break;
            }
            Err(err) if err.is_retryable() => {
                let (retry, exhausted): (Vec<Entry>, Vec<Entry>) =
                    entries.drain(..).partition(|e| e.retries < attempts);
                for e in &exhausted {
                    inner.finish(e, Err(err.clone()), End::Done);
                }
                drop(exhausted);
                // Operations that ended meanwhile (timed out, cancelled) are not retried.
                let retry: Vec<Entry> = retry.into_iter().filter(|e| !e.slot.is_done()).collect();
                if retry.is_empty() {
                    break;
                }
                let n = retry.iter().map(|e| e.retries).max().unwrap_or(0);
                let delay = inner.backoff(n, err.retry_after());
                entries = retry;
                for e in &mut entries {
                    e.retries += 1;
                    e.resend = true;
                }
                match unless_all_ended(&entries, sleep_unless_closed(&inner, delay)).await {
                    Some(false) => {}
                    Some(true) => {
                        // A retry after close() is not sent.
                        for e in &entries {
                            inner.finish(e, Err(closed_error()), End::Closed);
                        }
                        break;
                    }
                    // Every caller left while we backed off: nothing to resend.
                    None => break,
                }
            }
            Err(err) => {
                for e in &entries {
                    inner.finish(e, Err(err.clone()), End::Done);
                }
                break;
            }
        }
    }
    drop(entries);
    drop(slot);
    inner.pump();
    if retry_later.is_empty() {
        return;
    }
    // Per-item retries: back off, then rejoin the queue (shortest backoff first).
    crate::sort::sort_by_key(&mut retry_later, |(d, _)| *d);
    let start = inner.clock.now();
    let mut rest = retry_later.into_iter().peekable();
    while let Some((delay, first)) = rest.next() {
        let mut group = vec![first];
        while let Some((_, e)) = rest.next_if(|(d, _)| *d == delay) {
            group.push(e);
        }
        let wait = start
            .saturating_add(delay)
            .saturating_sub(inner.clock.now());
        if !wait.is_zero() && sleep_unless_closed(&inner, wait).await {
            // Closed while backing off: this group and every later one fail `Closed`.
            group.extend(rest.map(|(_, e)| e));
            for e in &group {
                inner.finish(e, Err(closed_error()), End::Closed);
            }
            return;
        }
        inner.requeue(group);
    }
}
