//! The shared state behind every [`BatchManager`](super::BatchManager) handle and the
//! decisions taken under its lock: which batches leave now, when the flush timer fires.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;
use serde_json::Value;

use super::queue::{Entry, OpQueue};
use super::retry::backoff_delay;
use super::send::{run_batch, run_timer};
use super::stats::{bump, Counters, End};
use super::{BatchConfig, BatchExecutor, BatchOperation};
use crate::error::{Error, Result};
use crate::runtime::{self, Jitter, SharedClock};

pub(super) struct State {
    pub(super) queue: OpQueue,
    pub(super) executor: Option<Arc<dyn BatchExecutor>>,
    pub(super) closed: bool,
    pub(super) in_flight: usize,
    pub(super) effective_max: usize,
    pub(super) next_seq: u64,
    /// Operations with `seq` below this are due now (`flush`, retries, splits).
    pub(super) flush_upto: u64,
    /// Deadline of the armed flush timer, if any.
    pub(super) timer_at: Option<Duration>,
    pub(super) jitter: Option<Jitter>,
    pub(super) max_retry_delay: Duration,
    pub(super) priority_aging: Option<Duration>,
}

pub(super) struct Inner {
    pub(super) config: BatchConfig,
    pub(super) clock: SharedClock,
    /// `max_batch_bytes`, 0 = unbounded (read without the lock on submission).
    pub(super) max_batch_bytes: AtomicUsize,
    /// The most `max_batch_bytes` may be set to, 0 = no ceiling (a client's body limit).
    pub(super) max_batch_bytes_ceiling: AtomicUsize,
    pub(super) state: Mutex<State>,
    pub(super) stats: Counters,
    /// Flips to `true` on close; wakes operations waiting out a retry backoff.
    pub(super) closed_tx: tokio::sync::watch::Sender<bool>,
}

/// Work decided under the lock and carried out after it is released.
#[derive(Default)]
pub(super) struct Dispatch {
    pub(super) batches: Vec<Vec<Entry>>,
    pub(super) fail: Vec<(Entry, Error, End)>,
    pub(super) timer: Option<Duration>,
}

pub(super) fn closed_error() -> Error {
    Error::Closed("batch manager".into())
}

pub(super) fn oversized(op: &BatchOperation, max: usize) -> Error {
    Error::CapacityExceeded(format!(
        "operation `{}` encodes to {} bytes, more than max_batch_bytes ({max})",
        op.id(),
        op.encoded_len()
    ))
}

impl Inner {
    pub(super) fn max_batch_bytes(&self) -> Option<usize> {
        match self.max_batch_bytes.load(Ordering::Relaxed) {
            0 => None,
            n => Some(n),
        }
    }

    /// Ends one operation and counts how it ended (only if this call decided it).
    pub(super) fn finish(&self, e: &Entry, result: Result<Value>, end: End) {
        let counter = match (&end, &result) {
            (End::Timeout, _) => &self.stats.timeouts,
            (End::Closed, _) => &self.stats.closed,
            (End::Done, Ok(_)) => &self.stats.succeeded,
            (End::Done, Err(_)) => &self.stats.failures,
        };
        e.slot.finish_then(result, || bump(counter, 1));
    }

    pub(super) fn timeout_error(op: &BatchOperation) -> Error {
        Error::timeout(op.id(), op.timeout())
    }

    /// Decides, under the lock, which batches to send now and whether to arm the timer.
    /// `time_due`: whether `max_batch_delay` may trigger a flush (false on submission, so
    /// a zero delay still gathers everything queued until the next turn).
    pub(super) fn pump_locked(
        &self,
        st: &mut State,
        now: Duration,
        time_due: bool,
        d: &mut Dispatch,
    ) {
        if st.closed {
            return;
        }
        let cfg = &self.config;
        let auto = cfg.enable_auto_batching;
        let max_bytes = self.max_batch_bytes();
        while st.in_flight < cfg.max_concurrent_batches {
            let Some((oldest_seq, oldest_at)) = st.queue.oldest() else {
                break;
            };
            let cap = if auto { st.effective_max } else { 1 };
            let due = !auto
                || st.queue.len() >= cap
                || max_bytes.is_some_and(|m| st.queue.bytes() >= m)
                || oldest_seq < st.flush_upto
                || (time_due && now >= oldest_at.saturating_add(cfg.max_batch_delay));
            if !due {
                break;
            }
            let batch = self.take_batch(st, cap, max_bytes, now, d);
            if !batch.is_empty() {
                st.in_flight += 1;
                d.batches.push(batch);
            }
        }
        if auto && st.in_flight < cfg.max_concurrent_batches {
            if let Some((_, oldest_at)) = st.queue.oldest() {
                let at = oldest_at.saturating_add(cfg.max_batch_delay);
                if needs_timer(st.timer_at, at) {
                    st.timer_at = Some(at);
                    d.timer = Some(at);
                }
            }
        }
    }

    /// Takes up to `cap` live entries in priority order within the byte bound; expired and
    /// oversized entries are set aside to fail.
    pub(super) fn take_batch(
        &self,
        st: &mut State,
        cap: usize,
        max_bytes: Option<usize>,
        now: Duration,
        d: &mut Dispatch,
    ) -> Vec<Entry> {
        let aging = st.priority_aging;
        let mut batch = Vec::with_capacity(cap.min(st.queue.len()));
        let mut bytes = 0usize;
        while batch.len() < cap {
            let Some(next) = st.queue.peek_next(now, aging) else {
                break;
            };
            if next.slot.is_done() {
                st.queue.pop_next(now, aging);
                continue;
            }
            if now >= next.deadline {
                if let Some(e) = st.queue.pop_next(now, aging) {
                    let err = Self::timeout_error(&e.op);
                    d.fail.push((e, err, End::Timeout));
                }
                continue;
            }
            if let Some(max) = max_bytes {
                let len = next.op.encoded_len();
                if len > max {
                    // Under a ceiling (a client's body limit) an operation over the bound but
                    // within the ceiling is sent in a batch of its own.
                    let ceiling = self.max_batch_bytes_ceiling.load(Ordering::Relaxed);
                    if ceiling != 0 && len <= ceiling {
                        if batch.is_empty() {
                            if let Some(e) = st.queue.pop_next(now, aging) {
                                batch.push(e);
                            }
                        }
                        break;
                    }
                    if let Some(e) = st.queue.pop_next(now, aging) {
                        let err = oversized(&e.op, max);
                        d.fail.push((e, err, End::Done));
                    }
                    continue;
                }
                if !batch.is_empty() && bytes + len > max {
                    break;
                }
                bytes += len;
            }
            if let Some(e) = st.queue.pop_next(now, aging) {
                batch.push(e);
            }
        }
        batch
    }

    /// Carries out a [`Dispatch`] outside the lock.
    pub(super) fn launch(self: &Arc<Self>, d: Dispatch) {
        for (e, err, end) in d.fail {
            self.finish(&e, Err(err), end);
        }
        for batch in d.batches {
            runtime::spawn(run_batch(self.clone(), batch));
        }
        if let Some(at) = d.timer {
            runtime::spawn(run_timer(self.clone(), at));
        }
    }

    /// Re-pumps with time-based flushing allowed (after a timer, a completed batch, ...).
    pub(super) fn pump(self: &Arc<Self>) {
        let now = self.clock.now();
        let d = {
            let mut st = self.state.lock();
            let mut d = Dispatch::default();
            self.pump_locked(&mut st, now, true, &mut d);
            d
        };
        self.launch(d);
    }

    /// Puts entries back in the queue, due at once; fails them `Closed` if closed.
    pub(super) fn requeue(self: &Arc<Self>, entries: Vec<Entry>) {
        let rejected = {
            let mut st = self.state.lock();
            if st.closed {
                entries
            } else {
                for e in entries {
                    if !e.slot.is_done() {
                        st.flush_upto = st.flush_upto.max(e.seq + 1);
                        st.queue.reinsert(e);
                    }
                }
                Vec::new()
            }
        };
        for e in rejected {
            self.finish(&e, Err(closed_error()), End::Closed);
        }
        self.pump();
    }

    pub(super) fn backoff(&self, n: u32, retry_after: Option<Duration>) -> Duration {
        let mut st = self.state.lock();
        let cap = st.max_retry_delay;
        backoff_delay(
            self.config.retry_delay,
            n,
            cap,
            st.jitter.as_mut(),
            retry_after,
        )
    }
}

/// Whether a timer must be armed for `at`: none is armed, or the armed one fires later.
fn needs_timer(armed: Option<Duration>, at: Duration) -> bool {
    match armed {
        None => true,
        Some(t) => t > at,
    }
}
