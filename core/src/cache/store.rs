//! The lock-free-of-policy core: an LRU map of entries with expiry times and weights, plus
//! counters. No locking and no clock here: callers pass `now`. Generic over the key so a
//! future interned-key variant (e.g. `(CacheType, u32)`) can reuse it unchanged.

use std::borrow::Borrow;
use std::hash::Hash;
use std::time::Duration;

use lru::LruCache;

use super::stats::Counters;

/// One stored value.
#[derive(Debug)]
pub(crate) struct Entry<V> {
    pub value: V,
    /// The entry is expired once `now >= expires_at`.
    pub expires_at: Duration,
    /// Bytes charged against the budget.
    pub weight: usize,
}

/// An LRU map bounded by entry count and total weight.
pub(crate) struct Store<K: Hash + Eq, V> {
    lru: LruCache<K, Entry<V>>,
    bytes: usize,
    max_entries: usize,
    max_bytes: usize,
    stats: bool,
    pub counters: Counters,
}

/// Why an insert was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Oversize;

impl<K: Hash + Eq, V> Store<K, V> {
    pub fn new(max_entries: usize, max_bytes: usize, stats: bool) -> Self {
        Self {
            lru: LruCache::unbounded(),
            bytes: 0,
            max_entries,
            max_bytes,
            stats,
            counters: Counters::default(),
        }
    }

    #[inline]
    pub fn len(&self) -> usize {
        self.lru.len()
    }

    #[inline]
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// Looks `k` up: a live entry is promoted to most-recently-used and cloned; an expired
    /// one is removed and reported as a miss.
    #[inline]
    pub fn get<Q>(&mut self, k: &Q, now: Duration) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
        V: Clone,
    {
        match self.lru.get(k) {
            Some(e) if now < e.expires_at => {
                let v = e.value.clone();
                if self.stats {
                    self.counters.hits += 1;
                }
                return Some(v);
            }
            Some(_) => {
                if let Some(e) = self.lru.pop(k) {
                    self.bytes -= e.weight;
                }
                if self.stats {
                    self.counters.expirations += 1;
                }
            }
            None => {}
        }
        if self.stats {
            self.counters.misses += 1;
        }
        None
    }

    /// A live entry's value without touching recency, counters or expired entries.
    pub fn peek<Q>(&self, k: &Q, now: Duration) -> Option<&V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.lru
            .peek(k)
            .filter(|e| now < e.expires_at)
            .map(|e| &e.value)
    }

    /// Inserts or replaces `k`, then evicts least-recently-used entries until both limits
    /// hold. An entry heavier than the whole budget is refused (and any older value under
    /// `k` removed, so a refused update never leaves stale data behind).
    pub fn insert(
        &mut self,
        k: K,
        value: V,
        weight: usize,
        expires_at: Duration,
        now: Duration,
    ) -> Result<(), Oversize> {
        if weight > self.max_bytes {
            if let Some(old) = self.lru.pop(&k) {
                self.bytes -= old.weight;
            }
            if self.stats {
                self.counters.rejected += 1;
            }
            return Err(Oversize);
        }
        let entry = Entry {
            value,
            expires_at,
            weight,
        };
        if let Some((_, old)) = self.lru.push(k, entry) {
            // `lru` is unbounded here, so `push` only returns the replaced value of `k`.
            self.bytes -= old.weight;
        }
        self.bytes += weight;
        if self.stats {
            self.counters.insertions += 1;
        }
        self.enforce_limits(now);
        Ok(())
    }

    fn enforce_limits(&mut self, now: Duration) {
        while self.lru.len() > self.max_entries || self.bytes > self.max_bytes {
            let over_count = self.lru.len() > self.max_entries;
            let Some((_, e)) = self.lru.pop_lru() else {
                break;
            };
            self.bytes -= e.weight;
            if self.stats {
                if now >= e.expires_at {
                    self.counters.expirations += 1;
                } else if over_count {
                    self.counters.evictions_capacity += 1;
                } else {
                    self.counters.evictions_size += 1;
                }
            }
        }
    }

    /// Removes `k`, returning its value (expired or not).
    pub fn remove<Q>(&mut self, k: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let e = self.lru.pop(k)?;
        self.bytes -= e.weight;
        Some(e.value)
    }

    /// Removes every entry for which `drop(key, entry)` is true; returns how many.
    pub fn remove_where(&mut self, mut drop: impl FnMut(&K, &Entry<V>) -> bool) -> usize {
        let mut removed = 0usize;
        let mut freed = 0usize;
        self.lru.retain(|k, e| {
            if drop(k, e) {
                removed += 1;
                freed += e.weight;
                false
            } else {
                true
            }
        });
        self.bytes -= freed;
        removed
    }

    /// Removes every expired entry, counting them as expirations.
    pub fn remove_expired(&mut self, now: Duration) -> usize {
        let n = self.remove_where(|_, e| now >= e.expires_at);
        if self.stats {
            self.counters.expirations += n as u64;
        }
        n
    }

    pub fn clear(&mut self) {
        self.lru.clear();
        self.bytes = 0;
    }

    /// Keys from most- to least-recently used (tests and diagnostics).
    #[cfg(test)]
    pub fn keys_mru(&self) -> Vec<&K> {
        self.lru.iter().map(|(k, _)| k).collect()
    }

    /// Recomputes the byte total from the entries (consistency checks in tests).
    #[cfg(test)]
    pub fn recount_bytes(&self) -> usize {
        self.lru.iter().map(|(_, e)| e.weight).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: Duration = Duration::ZERO;
    const LATER: Duration = Duration::from_secs(100);

    #[test]
    fn replacing_a_key_recharges_its_weight() {
        let mut s: Store<u32, &str> = Store::new(10, 100, true);
        s.insert(1, "a", 30, LATER, NOW).unwrap();
        s.insert(1, "b", 10, LATER, NOW).unwrap();
        assert_eq!((s.len(), s.bytes()), (1, 10));
        assert_eq!(s.get(&1, NOW), Some("b"));
        assert_eq!(s.counters.insertions, 2);
    }

    #[test]
    fn evicting_an_expired_entry_counts_as_expiration() {
        let mut s: Store<u32, u32> = Store::new(1, 100, true);
        s.insert(1, 1, 1, Duration::from_secs(1), NOW).unwrap();
        s.insert(2, 2, 1, LATER, Duration::from_secs(5)).unwrap();
        assert_eq!(s.counters.expirations, 1);
        assert_eq!(s.counters.evictions_capacity, 0);
    }

    #[test]
    fn refused_update_removes_the_old_value() {
        let mut s: Store<u32, u32> = Store::new(10, 100, true);
        s.insert(1, 1, 10, LATER, NOW).unwrap();
        assert_eq!(s.insert(1, 2, 101, LATER, NOW), Err(Oversize));
        assert_eq!((s.len(), s.bytes()), (0, 0));
        assert_eq!(s.counters.rejected, 1);
    }

    #[test]
    fn disabled_stats_keep_counters_at_zero() {
        let mut s: Store<u32, u32> = Store::new(1, 100, false);
        s.insert(1, 1, 1, LATER, NOW).unwrap();
        s.insert(2, 2, 1, LATER, NOW).unwrap();
        assert_eq!(s.get(&2, NOW), Some(2));
        assert_eq!(s.get(&1, NOW), None);
        let _ = s.insert(3, 3, 1000, LATER, NOW);
        let c = s.counters;
        assert_eq!(
            (
                c.hits,
                c.misses,
                c.insertions,
                c.evictions_capacity,
                c.rejected
            ),
            (0, 0, 0, 0, 0)
        );
    }
}
