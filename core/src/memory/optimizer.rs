//! [`MemoryOptimizer`]: pooled allocation, accounting, GC hooks and the automatic GC loop.

use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Weak};

use parking_lot::Mutex;
use serde::Serialize;

use super::config::MemoryConfig;
use super::cow::CowBuffer;
use super::pool::{MemoryPoolStats, PooledBuffer, Pools};
use crate::runtime::{self, BackgroundTask, SharedClock};
use crate::Result;

/// A cleanup callback run by every GC; returns the bytes it freed (e.g. cache cleanup).
#[cfg(not(all(target_family = "wasm", target_os = "unknown")))]
pub type GcHook = Arc<dyn Fn() -> usize + Send + Sync>;
/// A cleanup callback run by every GC; returns the bytes it freed (e.g. cache cleanup).
#[cfg(all(target_family = "wasm", target_os = "unknown"))]
pub type GcHook = Arc<dyn Fn() -> usize>;

/// A snapshot of a [`MemoryOptimizer`]'s accounting.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MemoryStats {
    /// The configured budget.
    pub max_memory_bytes: usize,
    /// Bytes held by live [`PooledBuffer`]s.
    pub in_use_bytes: usize,
    /// Bytes idle in the pools, ready for reuse.
    pub pooled_bytes: usize,
    /// `in_use_bytes + pooled_bytes`, the amount checked against the budget.
    pub total_bytes: usize,
    /// Highest `in_use_bytes` seen.
    pub peak_bytes: usize,
    /// `total_bytes / max_memory_bytes`.
    pub usage_ratio: f64,
    /// `total_bytes ≥ warning_threshold × max_memory_bytes`.
    pub under_pressure: bool,
    /// Successful allocations.
    pub allocations: u64,
    /// Allocations served from a pool.
    pub pool_hits: u64,
    /// Allocations that needed fresh storage (in a size class, or with pooling off).
    pub pool_misses: u64,
    /// Allocations larger than the largest size class.
    pub oversize_allocations: u64,
    /// Upward crossings of the warning threshold.
    pub warnings: u64,
    /// Garbage collections run (manual and automatic).
    pub gc_runs: u64,
    /// Bytes reported freed by all GCs (pools and hooks).
    pub gc_freed_bytes: u64,
    /// Idle buffers per size class.
    pub pools: Vec<MemoryPoolStats>,
}

struct Inner {
    config: MemoryConfig,
    pools: Arc<Pools>,
    hooks: Mutex<Vec<(String, GcHook)>>,
    auto_gc: Mutex<Option<BackgroundTask>>,
}

impl Inner {
    fn collect(&self) -> usize {
        let (pool_freed, released) = {
            let mut st = self.pools.state.lock();
            let retain = if st.under_pressure() {
                0
            } else {
                st.retain_per_class
            };
            st.gc_runs += 1;
            st.trim(retain)
        };
        drop(released);
        let hooks: Vec<GcHook> = self.hooks.lock().iter().map(|(_, h)| h.clone()).collect();
        let hook_freed: usize = hooks
            .iter()
            // A panicking hook frees nothing and does not stop the others.
            .map(|h| std::panic::catch_unwind(AssertUnwindSafe(|| h())).unwrap_or(0))
            .fold(0, usize::saturating_add);
        let total = pool_freed.saturating_add(hook_freed);
        let mut st = self.pools.state.lock();
        st.gc_freed = st.gc_freed.saturating_add(total as u64);
        total
    }
}

/// Size-class buffer pools with accounting against a memory budget, copy-on-write
/// buffers, and garbage collection of idle pooled memory plus registered cleanup hooks.
/// Cheap to clone; clones share pools and counters.
///
/// The budget (`max_memory_bytes`) covers bytes in use plus bytes idle in pools; when
/// an allocation would not fit, idle pooled buffers are released first, and only if
/// the in-use bytes alone leave no room does it fail with
/// [`Error::CapacityExceeded`](crate::Error::CapacityExceeded).
///
/// GC policy (manual and automatic alike): under pressure every idle pooled buffer is
/// released; otherwise each size class keeps up to
/// [`gc_retain_per_class`](Self::gc_retain_per_class) idle buffers (default 4). Hooks
/// always run. The automatic loop wakes every `gc_interval` and collects only when
/// memory is under pressure or some pool exceeds its retained target.
pub struct MemoryOptimizer {
    inner: Arc<Inner>,
}

impl Clone for MemoryOptimizer {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
        }
    }
}

impl std::fmt::Debug for MemoryOptimizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryOptimizer")
            .field("config", &self.inner.config)
            .field("stats", &self.stats())
            .finish()
    }
}

impl MemoryOptimizer {
    /// An optimizer on the platform clock.
    ///
    /// # Panics
    /// If `config` is invalid (see [`MemoryConfig::validate`]).
    pub fn new(config: MemoryConfig) -> Self {
        match Self::try_new(config) {
            Ok(o) => o,
            Err(e) => panic!("{e}"),
        }
    }

    /// An optimizer on the platform clock, or the validation error.
    pub fn try_new(config: MemoryConfig) -> Result<Self> {
        Self::with_clock(config, runtime::default_clock())
    }

    /// An optimizer whose automatic GC runs on `clock`.
    pub fn with_clock(config: MemoryConfig, clock: SharedClock) -> Result<Self> {
        config.validate()?;
        let inner = Arc::new(Inner {
            pools: Arc::new(Pools::new(&config)),
            config,
            hooks: Mutex::new(Vec::new()),
            auto_gc: Mutex::new(None),
        });
        if inner.config.enable_auto_gc {
            let task = spawn_auto_gc(Arc::downgrade(&inner), clock, inner.config.gc_interval);
            *inner.auto_gc.lock() = Some(task);
        }
        Ok(Self { inner })
    }

    /// The configuration in use.
    pub fn config(&self) -> &MemoryConfig {
        &self.inner.config
    }

    /// A zero-filled buffer of `size` bytes from the smallest size class that fits
    /// (reusing pooled storage when available), or a plain allocation above the largest
    /// class. `size == 0` gives an empty, unaccounted buffer.
    pub fn allocate(&self, size: usize) -> Result<PooledBuffer> {
        self.inner.pools.allocate(size)
    }

    /// Wraps `data` in a [`CowBuffer`] (no copy). CowBuffers are not counted against the
    /// budget.
    pub fn create_cow_buffer(&self, data: Vec<u8>) -> CowBuffer {
        CowBuffer::new(data)
    }

    /// Runs a GC (see the type docs) and returns the bytes freed by pools and hooks.
    pub async fn garbage_collect(&self) -> usize {
        self.garbage_collect_now()
    }

    /// Synchronous [`garbage_collect`](Self::garbage_collect).
    pub fn garbage_collect_now(&self) -> usize {
        self.inner.collect()
    }

    /// Registers `hook` to run on every GC, replacing any hook with the same name.
    pub fn register_gc_hook(&self, name: impl Into<String>, hook: GcHook) {
        let name = name.into();
        let mut hooks = self.inner.hooks.lock();
        match hooks.iter_mut().find(|(n, _)| *n == name) {
            Some(slot) => slot.1 = hook,
            None => hooks.push((name, hook)),
        }
    }

    /// Removes the hook named `name`; returns whether it existed.
    pub fn unregister_gc_hook(&self, name: &str) -> bool {
        let mut hooks = self.inner.hooks.lock();
        let before = hooks.len();
        hooks.retain(|(n, _)| n != name);
        hooks.len() != before
    }

    /// Whether usage (in use + pooled) is at or above `warning_threshold × max_memory_bytes`.
    pub fn is_under_pressure(&self) -> bool {
        self.inner.pools.state.lock().under_pressure()
    }

    /// Caps idle buffers kept per size class (default 32); extra returned buffers are
    /// freed. Applies to future returns.
    pub fn set_max_pool_depth(&self, depth: usize) {
        self.inner.pools.state.lock().max_pool_depth = depth;
    }

    /// The idle-buffer cap per size class.
    pub fn max_pool_depth(&self) -> usize {
        self.inner.pools.state.lock().max_pool_depth
    }

    /// Sets how many idle buffers per class a GC keeps when not under pressure (default 4).
    pub fn set_gc_retain_per_class(&self, retain: usize) {
        self.inner.pools.state.lock().retain_per_class = retain;
    }

    /// Idle buffers per class a GC keeps when not under pressure.
    pub fn gc_retain_per_class(&self) -> usize {
        self.inner.pools.state.lock().retain_per_class
    }

    /// Stops the automatic GC, frees every pooled buffer, and makes further
    /// [`allocate`](Self::allocate) calls fail with
    /// [`Error::Closed`](crate::Error::Closed). Live buffers stay valid and are freed
    /// (not pooled) when dropped. Idempotent.
    pub fn close(&self) {
        if let Some(task) = self.inner.auto_gc.lock().take() {
            task.stop();
        }
        let released = {
            let mut st = self.inner.pools.state.lock();
            st.closed = true;
            st.trim(0).1
        };
        drop(released);
    }

    /// Whether [`close`](Self::close) was called.
    pub fn is_closed(&self) -> bool {
        self.inner.pools.state.lock().closed
    }

    /// Whether the automatic GC loop is running.
    pub fn auto_gc_running(&self) -> bool {
        self.inner
            .auto_gc
            .lock()
            .as_ref()
            .is_some_and(|t| !t.is_stopped())
    }

    /// A snapshot of the accounting.
    pub fn stats(&self) -> MemoryStats {
        let st = self.inner.pools.state.lock();
        let total = st.usage();
        MemoryStats {
            max_memory_bytes: st.max_bytes(),
            in_use_bytes: st.in_use,
            pooled_bytes: st.pooled,
            total_bytes: total,
            peak_bytes: st.peak,
            usage_ratio: total as f64 / st.max_bytes() as f64,
            under_pressure: st.under_pressure(),
            allocations: st.allocations,
            pool_hits: st.pool_hits,
            pool_misses: st.pool_misses,
            oversize_allocations: st.oversize,
            warnings: st.warnings,
            gc_runs: st.gc_runs,
            gc_freed_bytes: st.gc_freed,
            pools: st.pool_stats(),
        }
    }
}

impl Default for MemoryOptimizer {
    /// [`MemoryConfig::default`] on the platform clock.
    fn default() -> Self {
        Self::new(MemoryConfig::default())
    }
}

/// The automatic GC loop. It holds only a `Weak` reference, so it ends once the last
/// optimizer handle is dropped (dropping `Inner` also aborts it) or after `close()`.
fn spawn_auto_gc(
    weak: Weak<Inner>,
    clock: SharedClock,
    interval: std::time::Duration,
) -> BackgroundTask {
    runtime::spawn_background(async move {
        loop {
            clock.sleep(interval).await;
            let Some(inner) = weak.upgrade() else { break };
            let needs_gc = {
                let st = inner.pools.state.lock();
                if st.closed {
                    break;
                }
                st.needs_gc()
            };
            if needs_gc {
                inner.collect();
            }
        }
    })
}
