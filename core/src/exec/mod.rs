//! AsyncOptimizer: priority scheduling with an adaptive concurrency limit.
//!
//! Anchors: Netflix `concurrency-limits` (AIMD, Gradient2), Envoy adaptive concurrency,
//! Vector's adaptive request concurrency.

mod config;
mod gate;
mod limit;
mod optimizer;
mod priority;
#[cfg(test)]
mod tests;

pub use config::{AsyncOptimizerConfig, LimitAlgorithm, PriorityWeights};
pub use optimizer::{AsyncOptimizer, ExecQueueStats, ExecStats};
pub use priority::Priority;
