//! [`BatchExecutor`]: the host's batch function (DataLoader's contract).

use std::future::Future;
use std::sync::Arc;

use serde_json::Value;

use super::BatchOperation;
use crate::error::Result;
use crate::runtime::{BoxFuture, SendOutsideWasm, SyncOutsideWasm};

/// What one executor call returns: `Err` when the whole batch failed, otherwise one result
/// per operation, in the same order and of the same length as the operations given.
pub type BatchOutcome = Result<Vec<Result<Value>>>;

/// Sends one batch. `Err(e)` fails (or, if `e.is_retryable()`, retries) the whole batch;
/// `Err(Error::BatchLimit { max, .. })` teaches the manager the node's batch limit.
/// `Ok(results)` must hold exactly one result per operation, in order: a reply of another
/// length fails every operation of that batch with [`Error::Host`](crate::Error::Host).
pub trait BatchExecutor: SendOutsideWasm + SyncOutsideWasm {
    /// Executes `ops` as one batch.
    fn execute(&self, ops: Vec<BatchOperation>) -> BoxFuture<'static, BatchOutcome>;
}

/// A [`BatchExecutor`] made from an async closure; see [`batch_fn`].
pub struct FnBatchExecutor<F> {
    f: F,
}

impl<F> std::fmt::Debug for FnBatchExecutor<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FnBatchExecutor")
    }
}

impl<F, Fut> BatchExecutor for FnBatchExecutor<F>
where
    F: Fn(Vec<BatchOperation>) -> Fut + SendOutsideWasm + SyncOutsideWasm,
    Fut: Future<Output = BatchOutcome> + SendOutsideWasm + 'static,
{
    fn execute(&self, ops: Vec<BatchOperation>) -> BoxFuture<'static, BatchOutcome> {
        Box::pin((self.f)(ops))
    }
}

/// Wraps an async closure as an executor:
/// `manager.set_executor(batch_fn(|ops| async move { Ok(ops.iter().map(|_| Ok(json!(1))).collect()) }))`.
pub fn batch_fn<F, Fut>(f: F) -> Arc<dyn BatchExecutor>
where
    F: Fn(Vec<BatchOperation>) -> Fut + SendOutsideWasm + SyncOutsideWasm + 'static,
    Fut: Future<Output = BatchOutcome> + SendOutsideWasm + 'static,
{
    Arc::new(FnBatchExecutor { f })
}
