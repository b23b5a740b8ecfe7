//! [`BatchTicket`]: the pending result of one queued operation.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Weak};
use std::task::{Context, Poll};
use std::time::Duration;

use serde_json::Value;

use super::inner::Inner;
use super::queue::OpSlot;
use super::stats::bump;
use super::BatchOperation;
use crate::error::{Error, Result};
use crate::runtime::{BoxFuture, SharedClock};

/// The pending result of one operation: a future resolving to its value or error.
/// Resolves with [`Error::Timeout`](crate::Error::Timeout) exactly when the operation's timeout (measured from
/// submission) passes, even while its batch is in flight (a late result is discarded).
/// Dropping it discards the result; the operation is still sent (a client call's ticket is
/// the exception: see [`without_timer`](Self::without_timer)).
pub struct BatchTicket {
    pub(super) slot: Arc<OpSlot>,
    pub(super) op: BatchOperation,
    pub(super) seq: u64,
    pub(super) deadline: Duration,
    pub(super) inner: Weak<Inner>,
    pub(super) clock: SharedClock,
    pub(super) sleep: Option<BoxFuture<'static, ()>>,
    /// Whether the ticket arms its own timer for the deadline (off when the caller bounds
    /// the wait by the same deadline: see [`without_timer`](Self::without_timer)).
    pub(super) timer: bool,
}

impl std::fmt::Debug for BatchTicket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BatchTicket")
            .field("id", &self.op.id())
            .field("seq", &self.seq)
            .field("deadline", &self.deadline)
            .finish()
    }
}

impl BatchTicket {
    /// The operation's id.
    pub fn id(&self) -> &str {
        self.op.id()
    }

    /// Leaves the deadline to the caller: for a caller that waits under a timeout of the
    /// operation's length, made after the submission (the client's per-call timeout), so
    /// each call arms one timer, not two. When the caller gives up at or past the deadline
    /// and drops the ticket, the ticket expires as its own timer would have made it: the
    /// operation leaves the queue (or its batch's result is discarded) and counts as a
    /// timeout. Dropped earlier, the caller cancelled (a Python task, a Kotlin coroutine, a
    /// dropped Rust future): the operation leaves the queue unsent, or its batch's result is
    /// discarded, and it counts as cancelled. A batch all of whose operations ended this way
    /// stops waiting for its executor and frees its concurrency slot.
    pub(crate) fn without_timer(mut self) -> Self {
        self.timer = false;
        self
    }

    /// Whether the result (or timeout) has been decided.
    pub fn is_done(&self) -> bool {
        self.slot.is_done()
    }

    fn expire(&mut self) -> Poll<Result<Value>> {
        let (won, result) = self.slot.expire(Inner::timeout_error(&self.op));
        if won {
            if let Some(inner) = self.inner.upgrade() {
                bump(&inner.stats.timeouts, 1);
                let removed = inner
                    .state
                    .lock()
                    .queue
                    .remove(self.op.priority(), self.seq);
                drop(removed);
            }
        }
        self.sleep = None;
        Poll::Ready(result)
    }

    /// The caller left before the outcome: the operation ends as cancelled (out of the
    /// queue if still there; a result arriving later is discarded) — or as closed when the
    /// manager was closed first (a closing client wakes its calls, which drop their tickets).
    fn cancel(&mut self) {
        let (won, _) = self
            .slot
            .expire(Error::Cancelled(format!("operation `{}`", self.op.id())));
        if won {
            if let Some(inner) = self.inner.upgrade() {
                let (removed, closed) = {
                    let mut st = inner.state.lock();
                    (st.queue.remove(self.op.priority(), self.seq), st.closed)
                };
                let counter = if closed {
                    &inner.stats.closed
                } else {
                    &inner.stats.cancelled
                };
                bump(counter, 1);
                drop(removed);
            }
        }
    }
}

impl Future for BatchTicket {
    type Output = Result<Value>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        if let Poll::Ready(r) = this.slot.poll_take(cx.waker()) {
            this.sleep = None;
            return Poll::Ready(r);
        }
        if !this.timer {
            return Poll::Pending;
        }
        if this.sleep.is_none() {
            let now = this.clock.now();
            if now >= this.deadline {
                return this.expire();
            }
            this.sleep = Some(this.clock.sleep(this.deadline - now));
        }
        match this.sleep.as_mut().map(|s| s.as_mut().poll(cx)) {
            Some(Poll::Ready(())) => this.expire(),
            _ => Poll::Pending,
        }
    }
}

impl Drop for BatchTicket {
    fn drop(&mut self) {
        // Without its own timer the caller's timeout ended the wait, or the caller
        // cancelled (see `without_timer`).
        if self.timer || self.slot.is_done() {
            return;
        }
        if self.clock.now() >= self.deadline {
            let _ = self.expire();
        } else {
            self.cancel();
        }
    }
}
