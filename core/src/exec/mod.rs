//! AsyncOptimizer: priority scheduling with an adaptive concurrency limit (to be implemented).

mod priority;
pub use priority::Priority;
