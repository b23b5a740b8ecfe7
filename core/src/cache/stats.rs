//! [`CacheStats`]: counters and gauges of one cache.

use serde::Serialize;

/// A snapshot of a cache's counters (since creation or [`reset_stats`](super::TtlCache::reset_stats))
/// and its current size. With `enable_stats = false` every counter stays 0; `entries` and
/// `memory_bytes` are always reported.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct CacheStats {
    /// Lookups that found a live entry.
    pub hits: u64,
    /// Lookups that found nothing or an expired entry.
    pub misses: u64,
    /// Entries stored (new keys and replacements).
    pub insertions: u64,
    /// Live entries evicted to make room: `evictions_capacity + evictions_size`.
    pub evictions: u64,
    /// Evictions because `max_entries` was exceeded.
    pub evictions_capacity: u64,
    /// Evictions because `max_memory_bytes` was exceeded.
    pub evictions_size: u64,
    /// Entries removed because their TTL had passed (on lookup, by cleanup, or found
    /// expired when evicting).
    pub expirations: u64,
    /// Values refused because their weight alone exceeds `max_memory_bytes`.
    pub rejected: u64,
    /// Entries currently stored (expired entries count until a lookup or cleanup removes them).
    pub entries: u64,
    /// Sum of the stored entries' weights, in bytes.
    pub memory_bytes: u64,
    /// `hits / (hits + misses)`, 0.0 before any lookup.
    pub hit_rate: f64,
}

/// Raw counters, kept under the cache's lock.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Counters {
    pub hits: u64,
    pub misses: u64,
    pub insertions: u64,
    pub evictions_capacity: u64,
    pub evictions_size: u64,
    pub expirations: u64,
    pub rejected: u64,
}

impl Counters {
    pub(crate) fn snapshot(&self, entries: usize, memory_bytes: usize) -> CacheStats {
        let lookups = self.hits + self.misses;
        CacheStats {
            hits: self.hits,
            misses: self.misses,
            insertions: self.insertions,
            evictions: self.evictions_capacity + self.evictions_size,
            evictions_capacity: self.evictions_capacity,
            evictions_size: self.evictions_size,
            expirations: self.expirations,
            rejected: self.rejected,
            entries: entries as u64,
            memory_bytes: memory_bytes as u64,
            hit_rate: if lookups == 0 {
                0.0
            } else {
                self.hits as f64 / lookups as f64
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hit_rate_is_zero_without_lookups_and_a_ratio_otherwise() {
        let c = Counters::default();
        assert_eq!(c.snapshot(0, 0).hit_rate, 0.0);
        let c = Counters {
            hits: 3,
            misses: 1,
            evictions_capacity: 2,
            evictions_size: 5,
            ..Default::default()
        };
        let s = c.snapshot(4, 100);
        assert_eq!(s.hit_rate, 0.75);
        assert_eq!(s.evictions, 7);
        assert_eq!((s.entries, s.memory_bytes), (4, 100));
        let json = serde_json::to_value(s).unwrap();
        assert_eq!(json["evictions_size"], 5);
        assert_eq!(json["hit_rate"], 0.75);
    }
}
