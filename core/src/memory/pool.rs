//! Size-class buffer pools with byte accounting, and [`PooledBuffer`].

use std::fmt;
use std::ops::{Deref, DerefMut};
use std::sync::{Arc, Weak};

use parking_lot::Mutex;
use serde::Serialize;

use super::config::MemoryConfig;
use crate::{Error, Result};

/// Default cap on idle buffers kept per size class.
pub(crate) const DEFAULT_MAX_POOL_DEPTH: usize = 32;
/// Default number of idle buffers per class that a GC keeps when not under pressure.
pub(crate) const DEFAULT_GC_RETAIN_PER_CLASS: usize = 4;

#[derive(Debug)]
struct SizeClass {
    size: usize,
    free: Vec<Vec<u8>>,
}

/// Idle buffers of one size class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct MemoryPoolStats {
    /// Capacity of the class's buffers in bytes.
    pub size: usize,
    /// Idle buffers ready for reuse.
    pub pooled_buffers: usize,
}

#[derive(Debug)]
pub(crate) struct PoolState {
    max_bytes: usize,
    threshold_bytes: f64,
    pooling: bool,
    classes: Vec<SizeClass>,
    pub max_pool_depth: usize,
    pub retain_per_class: usize,
    pub closed: bool,
    above_threshold: bool,
    pub in_use: usize,
    pub pooled: usize,
    pub peak: usize,
    pub allocations: u64,
    pub pool_hits: u64,
    pub pool_misses: u64,
    pub oversize: u64,
    pub warnings: u64,
    pub gc_runs: u64,
    pub gc_freed: u64,
}

impl PoolState {
    /// Bytes held: in use plus idle in pools.
    pub fn usage(&self) -> usize {
        self.in_use + self.pooled
    }

    pub fn max_bytes(&self) -> usize {
        self.max_bytes
    }

    /// Usage at or above `warning_threshold × max_memory_bytes`.
    pub fn under_pressure(&self) -> bool {
        self.usage() as f64 >= self.threshold_bytes
    }

    /// A GC has work: under pressure, or some pool holds more than the retained target.
    pub fn needs_gc(&self) -> bool {
        self.under_pressure()
            || self
                .classes
                .iter()
                .any(|c| c.free.len() > self.retain_per_class)
    }

    pub fn pool_stats(&self) -> Vec<MemoryPoolStats> {
        self.classes
            .iter()
            .map(|c| MemoryPoolStats {
                size: c.size,
                pooled_buffers: c.free.len(),
            })
            .collect()
    }

    /// Updates the peak and counts an upward crossing of the warning threshold.
    fn note_usage(&mut self) {
        self.peak = self.peak.max(self.in_use);
        let above = self.under_pressure();
        if above && !self.above_threshold {
            self.warnings += 1;
        }
        self.above_threshold = above;
    }

    /// Makes room for `needed` new bytes, releasing idle pooled buffers (largest classes
    /// first) if the budget requires it. Returns the released buffers, to be dropped
    /// outside the lock.
    fn reserve(&mut self, needed: usize) -> Result<Vec<Vec<u8>>> {
        let max = self.max_bytes;
        let fits = |in_use: usize, pooled: usize| {
            in_use
                .checked_add(pooled)
                .and_then(|u| u.checked_add(needed))
                .is_some_and(|total| total <= max)
        };
        if !fits(self.in_use, 0) {
            return Err(Error::CapacityExceeded(format!(
                "allocating {needed} bytes would exceed max_memory_bytes ({}) with {} bytes in use",
                self.max_bytes, self.in_use
            )));
        }
        let mut released = Vec::new();
        for class in self.classes.iter_mut().rev() {
            while !fits(self.in_use, self.pooled) {
                let Some(buf) = class.free.pop() else { break };
                self.pooled -= class.size;
                released.push(buf);
            }
        }
        Ok(released)
    }

    /// Drops idle buffers above `retain` per class; returns bytes freed and the buffers.
    pub fn trim(&mut self, retain: usize) -> (usize, Vec<Vec<u8>>) {
        let mut freed = 0;
        let mut released = Vec::new();
        for class in &mut self.classes {
            while class.free.len() > retain {
                let Some(buf) = class.free.pop() else { break };
                freed += class.size;
                released.push(buf);
            }
        }
        self.pooled -= freed;
        self.note_usage();
        (freed, released)
    }
}

/// The pools shared by a `MemoryOptimizer` and the buffers it lent out.
#[derive(Debug)]
pub(crate) struct Pools {
    pub state: Mutex<PoolState>,
}

impl Pools {
    pub fn new(config: &MemoryConfig) -> Self {
        Self {
            state: Mutex::new(PoolState {
                max_bytes: config.max_memory_bytes,
                threshold_bytes: config.warning_threshold * config.max_memory_bytes as f64,
                pooling: config.enable_pooling,
                classes: config
                    .pool_sizes
                    .iter()
                    .map(|&size| SizeClass {
                        size,
                        free: Vec::new(),
                    })
                    .collect(),
                max_pool_depth: DEFAULT_MAX_POOL_DEPTH,
                retain_per_class: DEFAULT_GC_RETAIN_PER_CLASS,
                closed: false,
                above_threshold: false,
                in_use: 0,
                pooled: 0,
                peak: 0,
                allocations: 0,
                pool_hits: 0,
                pool_misses: 0,
                oversize: 0,
                warnings: 0,
                gc_runs: 0,
                gc_freed: 0,
            }),
        }
    }

    /// Lends a zero-filled buffer of `size` bytes (see [`PooledBuffer`]).
    pub fn allocate(self: &Arc<Self>, size: usize) -> Result<PooledBuffer> {
        let (reused, class, accounted, released) = {
            let mut st = self.state.lock();
            if st.closed {
                return Err(Error::Closed("memory optimizer closed".into()));
            }
            let mut class = match (st.pooling, size) {
                (_, 0) | (false, _) => None,
                (true, _) => st.classes.iter().position(|c| c.size >= size),
            };
            let mut reused = None;
            let mut released = Vec::new();
            let accounted = match class {
                Some(i) => {
                    let class_size = st.classes[i].size;
                    reused = st.classes[i].free.pop();
                    st.pool_misses += u64::from(reused.is_none());
                    if reused.is_some() {
                        st.pooled -= class_size;
                        st.pool_hits += 1;
                        class_size
                    } else if let Ok(r) = st.reserve(class_size) {
                        released = r;
                        class_size
                    } else {
                        // The rounded-up class does not fit: fall back to an exact,
                        // unpooled allocation.
                        released = st.reserve(size)?;
                        class = None;
                        size
                    }
                }
                None => {
                    released = st.reserve(size)?;
                    if size > 0 {
                        if st.pooling {
                            st.oversize += 1;
                        } else {
                            st.pool_misses += 1;
                        }
                    }
                    size
                }
            };
            st.in_use += accounted;
            st.allocations += 1;
            st.note_usage();
            (reused, class, accounted, released)
        };
        drop(released);
        let data = match reused {
            Some(mut v) => {
                v.clear();
                v.resize(size, 0);
                v
            }
            None => {
                let mut v = Vec::with_capacity(accounted);
                v.resize(size, 0);
                v
            }
        };
        Ok(PooledBuffer {
            data,
            class_size: class.map(|_| accounted),
            class,
            accounted,
            pools: Arc::downgrade(self),
        })
    }

    fn give_back(&self, class: Option<usize>, accounted: usize, data: Vec<u8>) {
        let mut data = Some(data);
        {
            let mut st = self.state.lock();
            st.in_use = st.in_use.saturating_sub(accounted);
            if let Some(i) = class {
                let (pooling, closed, depth) = (st.pooling, st.closed, st.max_pool_depth);
                if let (true, false, Some(c)) = (pooling, closed, st.classes.get_mut(i)) {
                    let intact = data.as_ref().is_some_and(|d| d.capacity() == c.size);
                    if intact && c.free.len() < depth {
                        c.free.extend(data.take());
                        st.pooled += accounted;
                    }
                }
            }
            st.note_usage();
        }
        drop(data);
    }
}

/// A zero-filled byte buffer lent by a [`MemoryOptimizer`](super::MemoryOptimizer).
///
/// Derefs to `Vec<u8>` (and so to `[u8]`); its length is the requested size, its contents
/// zeros (reused storage is re-zeroed, so no previous data leaks). A buffer in a size
/// class has that class's capacity and is counted at it; a buffer above the largest
/// class (or with pooling disabled) is counted at its requested size.
///
/// On drop the storage returns to its class pool (unless the pool is full, pooling is
/// off, the optimizer is closed or gone, or the buffer was grown beyond its class
/// capacity) and the accounting is released. Growth beyond the original capacity is
/// not counted against the budget.
pub struct PooledBuffer {
    data: Vec<u8>,
    class: Option<usize>,
    class_size: Option<usize>,
    accounted: usize,
    pools: Weak<Pools>,
}

impl PooledBuffer {
    /// Capacity of the size class this buffer came from, `None` for an unpooled buffer.
    pub fn size_class(&self) -> Option<usize> {
        self.class_size
    }

    /// Bytes this buffer counts against `max_memory_bytes`.
    pub fn accounted_bytes(&self) -> usize {
        self.accounted
    }

    /// Takes the storage out; it is no longer pooled nor counted.
    pub fn into_vec(mut self) -> Vec<u8> {
        let data = std::mem::take(&mut self.data);
        self.class = None;
        if let Some(pools) = self.pools.upgrade() {
            pools.give_back(None, self.accounted, Vec::new());
        }
        self.pools = Weak::new();
        data
    }
}

impl Drop for PooledBuffer {
    fn drop(&mut self) {
        if let Some(pools) = self.pools.upgrade() {
            pools.give_back(self.class, self.accounted, std::mem::take(&mut self.data));
        }
    }
}

impl Deref for PooledBuffer {
    type Target = Vec<u8>;
    fn deref(&self) -> &Vec<u8> {
        &self.data
    }
}

impl DerefMut for PooledBuffer {
    fn deref_mut(&mut self) -> &mut Vec<u8> {
        &mut self.data
    }
}

impl AsRef<[u8]> for PooledBuffer {
    fn as_ref(&self) -> &[u8] {
        &self.data
    }
}

impl AsMut<[u8]> for PooledBuffer {
    fn as_mut(&mut self) -> &mut [u8] {
        &mut self.data
    }
}

impl fmt::Debug for PooledBuffer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PooledBuffer")
            .field("len", &self.data.len())
            .field("size_class", &self.class_size)
            .field("accounted", &self.accounted)
            .finish()
    }
}
