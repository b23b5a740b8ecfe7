//! Batching (`BatchManager`): groups operations into batches for the host's batch
//! function — flushed by size or delay, ordered by priority, bounded in concurrency,
//! retried with backoff, split when the node reports its batch limit, and routed back to
//! each caller. Anchors: CosmJS `HttpBatchClient`, ethers v6, viem, DataLoader.

mod config;
mod executor;
mod inner;
mod manager;
mod operation;
mod queue;
mod retry;
mod send;
mod stats;
#[cfg(test)]
mod tests;
mod ticket;

pub use config::{BatchConfig, BatchOptions};
pub use executor::{batch_fn, BatchExecutor, BatchOutcome, FnBatchExecutor};
pub use manager::{BatchManager, DEFAULT_PRIORITY_AGING};
pub use operation::BatchOperation;
pub use stats::BatchStats;
pub use ticket::BatchTicket;
