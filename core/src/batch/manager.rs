//! [`BatchManager`]: queues operations, flushes them in batches through the host's
//! [`BatchExecutor`], and routes each result back to its [`BatchTicket`].

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;
use serde_json::Value;

use super::inner::{closed_error, oversized, Dispatch, Inner, State};
use super::queue::{Entry, OpQueue, OpSlot};
use super::retry::DEFAULT_MAX_RETRY_DELAY;
use super::stats::{bump, Counters, End};
use super::{BatchConfig, BatchExecutor, BatchOperation, BatchStats, BatchTicket};
use crate::error::{Error, Result};
use crate::runtime::{default_clock, Jitter, SharedClock};

/// Default age after which a waiting operation counts one priority level higher.
pub const DEFAULT_PRIORITY_AGING: Duration = Duration::from_secs(1);

/// Groups operations into batches and sends them through the attached [`BatchExecutor`].
///
/// - **Flush**: when `max_batch_size` operations (or the node's learned limit, or
///   `max_batch_bytes`) are pending, when `max_batch_delay` has passed since the oldest
///   pending operation (zero = on the next turn), or on [`flush`](Self::flush). With
///   `enable_auto_batching = false` each operation is sent alone at once.
/// - **Order**: higher priority first, FIFO within a priority. A waiting operation counts
///   one level higher per [`DEFAULT_PRIORITY_AGING`] waited (see
///   [`set_priority_aging`](Self::set_priority_aging)), so Low cannot starve.
/// - **Concurrency**: at most `max_concurrent_batches` executor calls at once (a batch keeps
///   its slot during a whole-batch retry backoff); further operations wait in the queue. A
///   batch whose operations have all ended (their callers left, or their deadlines passed)
///   frees its slot at once, even mid-call or mid-backoff.
/// - **Retries**: a retryable whole-batch error ([`Error::is_retryable`]) resends that batch;
///   a retryable per-item error (e.g. JSON-RPC -32603/-32005) re-queues only that item,
///   which may join other operations. Each operation has `retry_attempts` retries, waiting
///   `retry_delay · 2^n` plus up to 50 % jitter (capped, see
///   [`set_max_retry_delay`](Self::set_max_retry_delay)) and at least the error's
///   `retry_after`. When retries run out the operation gets the last error.
/// - **Batch limit**: an executor error [`Error::BatchLimit`] `{ max, .. }` lowers the batch
///   cap to `max` and resends the operations in smaller batches (not counted as retries; it
///   can only repeat while the cap shrinks). A batch already within the claimed limit fails
///   with that error.
/// - **Endings**: every operation ends exactly once: its value, its own error,
///   [`Error::Timeout`] when its timeout (from submission) passes — even in flight — or
///   [`Error::Closed`]. A panicking executor fails its batch with [`Error::Internal`].
///
/// Cheap to clone; clones share one queue.
#[derive(Clone)]
pub struct BatchManager {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for BatchManager {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BatchManager")
            .field("config", &self.inner.config)
            .field("stats", &self.stats())
            .finish()
    }
}

impl BatchManager {
    /// A manager on the platform clock. Panics with the validation message if `config` is
    /// invalid (use [`try_new`](Self::try_new) to get the error instead). Attach an
    /// executor with [`set_executor`](Self::set_executor) before submitting.
    pub fn new(config: BatchConfig) -> Self {
        match Self::try_new(config) {
            Ok(m) => m,
            Err(e) => panic!("{e}"),
        }
    }

    /// Like [`new`](Self::new), returning [`Error::InvalidConfig`] instead of panicking.
    pub fn try_new(config: BatchConfig) -> Result<Self> {
        Self::with_clock(config, default_clock())
    }

    /// A manager whose delays, timeouts and backoffs run on `clock`.
    pub fn with_clock(config: BatchConfig, clock: SharedClock) -> Result<Self> {
        config.validate()?;
        let jitter = Jitter::from_clock(&*clock);
        Ok(Self {
            inner: Arc::new(Inner {
                state: Mutex::new(State {
                    queue: OpQueue::default(),
                    executor: None,
                    closed: false,
                    in_flight: 0,
                    effective_max: config.max_batch_size,
                    next_seq: 0,
                    flush_upto: 0,
                    timer_at: None,
                    jitter: Some(jitter),
                    max_retry_delay: DEFAULT_MAX_RETRY_DELAY,
                    priority_aging: Some(DEFAULT_PRIORITY_AGING),
                }),
                config,
                clock,
                max_batch_bytes: AtomicUsize::new(0),
                max_batch_bytes_ceiling: AtomicUsize::new(0),
                stats: Counters::default(),
                closed_tx: tokio::sync::watch::channel(false).0,
            }),
        })
    }

    /// Builder form of [`set_executor`](Self::set_executor).
    pub fn with_executor(self, executor: Arc<dyn BatchExecutor>) -> Self {
        self.set_executor(executor);
        self
    }

    /// Attaches (or replaces) the executor; later sends use it.
    pub fn set_executor(&self, executor: Arc<dyn BatchExecutor>) {
        self.inner.state.lock().executor = Some(executor);
    }

    /// Whether an executor is attached.
    pub fn has_executor(&self) -> bool {
        self.inner.state.lock().executor.is_some()
    }

    /// The configuration this manager was built with.
    pub fn config(&self) -> &BatchConfig {
        &self.inner.config
    }

    /// Bounds the encoded size of one batch (see [`BatchOperation::encoded_len`]); `None`
    /// removes the bound. An operation larger than the bound on its own is refused with
    /// [`Error::CapacityExceeded`] (at submission, or when its batch is formed if the bound
    /// was set later). Applies to operations submitted from now on. `Some(0)` is invalid.
    /// Under a ceiling (a [`MantraClient`](crate::MantraClient)'s batches must fit the
    /// node's body limit) a larger bound is invalid, `None` restores the ceiling, and an
    /// operation over the bound but within the ceiling is sent in a batch of its own.
    pub fn set_max_batch_bytes(&self, max: Option<usize>) -> Result<()> {
        if max == Some(0) {
            return Err(Error::invalid_config(
                "max_batch_bytes",
                "must be greater than 0 (or None for no bound)",
            ));
        }
        let ceiling = self.inner.max_batch_bytes_ceiling.load(Ordering::Relaxed);
        let bound = match (max, ceiling) {
            (Some(n), c) if c != 0 && n > c => {
                return Err(Error::invalid_config(
                    "max_batch_bytes",
                    format!("must be at most {c}: batches must fit the request body limit"),
                ));
            }
            (Some(n), _) => n,
            (None, c) => c,
        };
        self.inner.max_batch_bytes.store(bound, Ordering::Relaxed);
        Ok(())
    }

    /// Sets a ceiling on [`set_max_batch_bytes`](Self::set_max_batch_bytes) and the bound to
    /// it (the client: its request body limit). `0` is invalid.
    pub(crate) fn set_max_batch_bytes_ceiling(&self, ceiling: usize) -> Result<()> {
        if ceiling == 0 {
            return Err(Error::invalid_config(
                "max_batch_bytes",
                "the ceiling must be greater than 0",
            ));
        }
        self.inner
            .max_batch_bytes_ceiling
            .store(ceiling, Ordering::Relaxed);
        self.inner.max_batch_bytes.store(ceiling, Ordering::Relaxed);
        Ok(())
    }

    /// The byte bound of one batch, if any.
    pub fn max_batch_bytes(&self) -> Option<usize> {
        self.inner.max_batch_bytes()
    }

    /// Applies the options that are set (each through its setter), after checking them all:
    /// nothing changes when one is invalid (the byte bound, checked against the ceiling by
    /// its setter, goes first).
    pub fn apply_options(&self, options: &super::BatchOptions) -> Result<()> {
        options.validate()?;
        if let Some(n) = options.max_batch_bytes {
            self.set_max_batch_bytes(Some(n))?;
        }
        if let Some(on) = options.retry_jitter {
            self.set_retry_jitter(on);
        }
        if let Some(d) = options.max_retry_delay {
            self.set_max_retry_delay(d);
        }
        if let Some(d) = options.priority_aging {
            self.set_priority_aging(Some(d))?;
        }
        Ok(())
    }

    /// Turns retry jitter on (default) or off (exact `retry_delay · 2^n`, for tests).
    pub fn set_retry_jitter(&self, enabled: bool) {
        let mut st = self.inner.state.lock();
        st.jitter = enabled.then(|| Jitter::from_clock(&*self.inner.clock));
    }

    /// Caps one retry's backoff (default 30 s). A server's `Retry-After` is still honoured
    /// even when longer.
    pub fn set_max_retry_delay(&self, cap: Duration) {
        self.inner.state.lock().max_retry_delay = cap;
    }

    /// Sets after how long a waiting operation counts one priority level higher (default
    /// 1 s; Low reaches High after twice that). `None` disables aging (strict priority).
    /// `Some(Duration::ZERO)` is invalid.
    pub fn set_priority_aging(&self, step: Option<Duration>) -> Result<()> {
        if step == Some(Duration::ZERO) {
            return Err(Error::invalid_config(
                "priority_aging",
                "must be greater than 0 (or None to disable)",
            ));
        }
        self.inner.state.lock().priority_aging = step;
        Ok(())
    }

    /// Current batch size cap (`max_batch_size`, lowered to the node's limit once learned).
    pub fn effective_max_batch_size(&self) -> usize {
        self.inner.state.lock().effective_max
    }

    /// Queues `operation` (the seed's call) and returns a ticket resolving to its result.
    /// Dropping the ticket discards the result; the operation is still sent.
    pub async fn add_operation(&self, operation: BatchOperation) -> Result<BatchTicket> {
        self.enqueue(operation)
    }

    /// Synchronous form of [`add_operation`](Self::add_operation). Fails at once with
    /// [`Error::Closed`] after [`close`](Self::close), with [`Error::InvalidConfig`]
    /// (field `executor`) when no executor is attached, and with
    /// [`Error::CapacityExceeded`] for an operation larger than `max_batch_bytes`.
    pub fn enqueue(&self, operation: BatchOperation) -> Result<BatchTicket> {
        let inner = &self.inner;
        let bytes = match inner.max_batch_bytes() {
            Some(max) => {
                let len = operation.encoded_len();
                // Under a ceiling, only the ceiling refuses (a larger-than-bound operation
                // goes in a batch of its own).
                let limit = match inner.max_batch_bytes_ceiling.load(Ordering::Relaxed) {
                    0 => max,
                    ceiling => ceiling.max(max),
                };
                if len > limit {
                    return Err(oversized(&operation, limit));
                }
                len
            }
            None => 0,
        };
        let now = inner.clock.now();
        let deadline = now.saturating_add(operation.timeout());
        let slot = Arc::new(OpSlot::new());
        let (seq, dispatch) = {
            let mut st = inner.state.lock();
            if st.closed {
                return Err(closed_error());
            }
            if st.executor.is_none() {
                return Err(Error::invalid_config(
                    "executor",
                    "no batch executor attached: give the manager one before submitting",
                ));
            }
            let seq = st.next_seq;
            st.next_seq += 1;
            st.queue.push(Entry {
                op: operation.clone(),
                slot: slot.clone(),
                seq,
                enqueued_at: now,
                deadline,
                bytes,
                retries: 0,
                resend: false,
            });
            let mut d = Dispatch::default();
            inner.pump_locked(&mut st, now, false, &mut d);
            (seq, d)
        };
        bump(&inner.stats.operations, 1);
        inner.launch(dispatch);
        Ok(BatchTicket {
            slot,
            op: operation,
            seq,
            deadline,
            inner: Arc::downgrade(inner),
            clock: inner.clock.clone(),
            sleep: None,
            timer: true,
        })
    }

    /// Queues `operation` and waits for its result.
    pub async fn submit(&self, operation: BatchOperation) -> Result<Value> {
        self.enqueue(operation)?.await
    }

    /// Sends everything pending now (as many batches as needed, within
    /// `max_concurrent_batches`; the rest follows as batches complete). Does not wait for
    /// the results: await the tickets for those.
    pub async fn flush(&self) {
        self.flush_now();
    }

    /// Synchronous form of [`flush`](Self::flush).
    pub fn flush_now(&self) {
        let inner = &self.inner;
        let now = inner.clock.now();
        let d = {
            let mut st = inner.state.lock();
            st.flush_upto = st.next_seq;
            let mut d = Dispatch::default();
            inner.pump_locked(&mut st, now, true, &mut d);
            d
        };
        inner.launch(d);
    }

    /// A snapshot of the counters.
    pub fn stats(&self) -> BatchStats {
        let (pending, in_flight, effective_max) = {
            let st = self.inner.state.lock();
            (st.queue.len(), st.in_flight, st.effective_max)
        };
        let c = &self.inner.stats;
        let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
        let batches = get(&c.batches);
        BatchStats {
            batches,
            operations: get(&c.operations),
            avg_batch_size: if batches == 0 {
                0.0
            } else {
                get(&c.sent) as f64 / batches as f64
            },
            retries: get(&c.retries),
            failures: get(&c.failures),
            timeouts: get(&c.timeouts),
            succeeded: get(&c.succeeded),
            cancelled: get(&c.cancelled),
            closed: get(&c.closed),
            batch_limit_splits: get(&c.splits),
            pending,
            in_flight,
            effective_max_batch_size: effective_max,
        }
    }

    /// Closes the manager: every pending operation (queued or waiting for a retry) fails
    /// with [`Error::Closed`], and later submissions fail with it too. Batches already in
    /// flight still deliver their results. Idempotent.
    pub fn close(&self) {
        let drained = {
            let mut st = self.inner.state.lock();
            st.closed = true;
            st.queue.drain_all()
        };
        self.inner.closed_tx.send_replace(true);
        for e in drained {
            self.inner.finish(&e, Err(closed_error()), End::Closed);
        }
    }

    /// Whether [`close`](Self::close) was called.
    pub fn is_closed(&self) -> bool {
        self.inner.state.lock().closed
    }
}
