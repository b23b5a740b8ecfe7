//! Configuration of the [`MemoryOptimizer`](super::MemoryOptimizer).

use std::time::Duration;

use crate::{Error, Result};

/// Memory budget, pressure threshold, automatic GC and buffer pools.
///
/// Exactly the seed's six fields; further knobs (pool depth, GC retention) are setters on
/// [`MemoryOptimizer`](super::MemoryOptimizer).
#[derive(Debug, Clone, PartialEq)]
pub struct MemoryConfig {
    /// Budget for bytes in use plus bytes idle in pools, `> 0`. Default 512 MiB.
    pub max_memory_bytes: usize,
    /// Fraction of the budget at which memory counts as under pressure, in `(0, 1]`.
    /// Default 0.8.
    pub warning_threshold: f64,
    /// Run [`garbage_collect`](super::MemoryOptimizer::garbage_collect) periodically.
    /// Default true.
    pub enable_auto_gc: bool,
    /// Period of the automatic GC, `> 0` when it is enabled. Default 30 s.
    pub gc_interval: Duration,
    /// Reuse freed buffers through size-class pools. Default true.
    pub enable_pooling: bool,
    /// Size classes in bytes, non-zero and strictly ascending.
    /// Default `[1024, 4096, 16384, 65536]`.
    pub pool_sizes: Vec<usize>,
}

impl Default for MemoryConfig {
    fn default() -> Self {
        Self {
            max_memory_bytes: 512 * 1024 * 1024,
            warning_threshold: 0.8,
            enable_auto_gc: true,
            gc_interval: Duration::from_secs(30),
            enable_pooling: true,
            pool_sizes: vec![1024, 4096, 16384, 65536],
        }
    }
}

impl MemoryConfig {
    /// Checks every field; the error names the offending one.
    pub fn validate(&self) -> Result<()> {
        if self.max_memory_bytes == 0 {
            return Err(Error::invalid_config(
                "max_memory_bytes",
                "must be greater than 0",
            ));
        }
        let t = self.warning_threshold;
        if !(t > 0.0 && t <= 1.0) {
            return Err(Error::invalid_config(
                "warning_threshold",
                format!("must be in (0, 1], got {t}"),
            ));
        }
        if self.enable_auto_gc && self.gc_interval.is_zero() {
            return Err(Error::invalid_config(
                "gc_interval",
                "must be greater than 0 when enable_auto_gc is set",
            ));
        }
        crate::error::check_duration_allow_zero("gc_interval", self.gc_interval)?;
        if self.pool_sizes.contains(&0) {
            return Err(Error::invalid_config(
                "pool_sizes",
                "sizes must be non-zero",
            ));
        }
        if self.pool_sizes.windows(2).any(|w| w[0] >= w[1]) {
            return Err(Error::invalid_config(
                "pool_sizes",
                format!("must be strictly ascending, got {:?}", self.pool_sizes),
            ));
        }
        Ok(())
    }
}
