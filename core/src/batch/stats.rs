//! [`BatchStats`] and the counters behind it.

use std::sync::atomic::{AtomicU64, Ordering};

use serde::Serialize;

/// A snapshot of the manager's counters.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct BatchStats {
    /// Executor calls made (first sends, retries and split re-sends).
    pub batches: u64,
    /// Operations accepted by `add_operation` / `submit`.
    pub operations: u64,
    /// Operations per executor call, on average.
    pub avg_batch_size: f64,
    /// Operation re-sends after a retryable error (one per operation per retry, counted as
    /// it goes out again).
    pub retries: u64,
    /// Operations that ended with an error other than a timeout or `Closed`.
    pub failures: u64,
    /// Operations that ended with their own [`Error::Timeout`](crate::Error::Timeout).
    pub timeouts: u64,
    /// Operations that ended with a value.
    pub succeeded: u64,
    /// Client calls whose caller left before the outcome (a cancelled task or dropped
    /// future): taken out of the queue unsent, or their batch's result discarded.
    pub cancelled: u64,
    /// Operations failed with [`Error::Closed`](crate::Error::Closed) by [`BatchManager::close`](super::BatchManager::close),
    /// and client calls in flight when it closed (woken by the client's `close`).
    pub closed: u64,
    /// Batches split after the executor reported [`Error::BatchLimit`](crate::Error::BatchLimit).
    pub batch_limit_splits: u64,
    /// Operations waiting in the queue.
    pub pending: usize,
    /// Executor calls in flight (at most `max_concurrent_batches`).
    pub in_flight: usize,
    /// Current batch size cap: `max_batch_size`, or the node's limit once learned.
    pub effective_max_batch_size: usize,
}

#[derive(Debug, Default)]
pub(super) struct Counters {
    pub(super) batches: AtomicU64,
    pub(super) operations: AtomicU64,
    pub(super) sent: AtomicU64,
    pub(super) retries: AtomicU64,
    pub(super) failures: AtomicU64,
    pub(super) timeouts: AtomicU64,
    pub(super) succeeded: AtomicU64,
    pub(super) closed: AtomicU64,
    pub(super) cancelled: AtomicU64,
    pub(super) splits: AtomicU64,
}

pub(super) fn bump(c: &AtomicU64, n: u64) {
    c.fetch_add(n, Ordering::Relaxed);
}

/// How an operation ended (for the counters).
#[derive(Debug, Clone, Copy)]
pub(super) enum End {
    Done,
    Timeout,
    Closed,
}
