//! MemoryOptimizer: size-class buffer pools, accounting against a memory budget,
//! copy-on-write buffers and garbage collection with cleanup hooks.

mod config;
mod cow;
mod optimizer;
mod pool;
#[cfg(test)]
mod tests;

pub use config::MemoryConfig;
pub use cow::CowBuffer;
pub use optimizer::{GcHook, MemoryOptimizer, MemoryStats};
pub use pool::{MemoryPoolStats, PooledBuffer};
