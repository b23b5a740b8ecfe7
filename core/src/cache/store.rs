//! The policy core: LRU maps (one per partition, i.e. per [`CacheType`](super::CacheType))
//! of entries with expiry times and weights, one global recency order, and counters.
//! No locking and no clock here: callers pass `now`. Generic over the key type (string keys,
//! or `u32` ids interned by a binding). An optional removal log records the key of every
//! entry that leaves the store (evicted, expired, removed, cleared, refused update) so a
//! host that keeps per-key data outside (values, id tables) can release it.
//!
//! Global LRU across partitions: every access stamps the entry with a store-wide tick;
//! each partition's list is in recency order, so the globally least-recently-used entry is
//! the partition tail with the smallest stamp.

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
    /// Clock time of the insert (its age drives stale-while-revalidate).
    pub inserted_at: Duration,
    /// Bytes charged against the budget.
    pub weight: usize,
    /// Store tick of the last insert or hit (global recency).
    pub last_used: u64,
}

/// LRU maps bounded together by entry count and total weight.
pub(crate) struct Store<K: Hash + Eq, V> {
    parts: Box<[LruCache<K, Entry<V>>]>,
    tick: u64,
    len: usize,
    bytes: usize,
    max_entries: usize,
    max_bytes: usize,
    stats: bool,
    pub counters: Counters,
    /// Keys of removed entries (and not stored again since), oldest first, while logging is on.
    removed: Option<Vec<K>>,
}

/// Why an insert was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Oversize;

impl<K: Hash + Eq + Clone, V> Store<K, V> {
    /// A store with `parts` partitions (indices `0..parts`).
    pub fn new(parts: usize, max_entries: usize, max_bytes: usize, stats: bool) -> Self {
        Self {
            parts: (0..parts.max(1)).map(|_| LruCache::unbounded()).collect(),
            tick: 0,
            len: 0,
            bytes: 0,
            max_entries,
            max_bytes,
            stats,
            counters: Counters::default(),
            removed: None,
        }
    }

    /// Turns the removal log on (empty) or off (dropping what it held).
    pub fn set_removal_log(&mut self, on: bool) {
        self.removed = on.then(Vec::new);
    }

    /// The removal log, if on.
    pub fn removal_log(&mut self) -> Option<&mut Vec<K>> {
        self.removed.as_mut()
    }

    #[inline]
    fn log(&mut self, k: K) {
        if let Some(log) = &mut self.removed {
            log.push(k);
        }
    }

    #[inline]
    pub fn len(&self) -> usize {
        self.len
    }

    #[inline]
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    #[inline]
    fn next_tick(&mut self) -> u64 {
        self.tick += 1;
        self.tick
    }

    /// Looks `k` up in partition `part`: a live entry becomes most-recently-used and is
    /// cloned; an expired one is removed and reported as a miss.
    #[inline]
    pub fn get<Q>(&mut self, part: usize, k: &Q, now: Duration) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
        V: Clone,
    {
        self.get_with(part, k, now, |e| e.value.clone())
    }

    /// [`get`](Self::get), returning `f(entry)` of a live entry.
    #[inline]
    pub fn get_with<Q, R>(
        &mut self,
        part: usize,
        k: &Q,
        now: Duration,
        f: impl FnOnce(&Entry<V>) -> R,
    ) -> Option<R>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let lru = self.parts.get_mut(part)?;
        match lru.get_mut(k) {
            Some(e) if now < e.expires_at => {
                self.tick += 1;
                e.last_used = self.tick;
                let v = f(e);
                if self.stats {
                    self.counters.hits += 1;
                }
                return Some(v);
            }
            Some(_) => {
                if let Some((key, e)) = lru.pop_entry(k) {
                    self.len -= 1;
                    self.bytes -= e.weight;
                    self.log(key);
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

    /// Counts a hit served outside the store and refreshes `k`'s recency if it is still
    /// stored (expired or not: it was live when it was read).
    pub fn touch<Q>(&mut self, part: usize, k: &Q)
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        if let Some(e) = self.parts.get_mut(part).and_then(|lru| lru.get_mut(k)) {
            self.tick += 1;
            e.last_used = self.tick;
        }
        if self.stats {
            self.counters.hits += 1;
        }
    }

    /// A live entry without touching recency, counters or expired entries.
    pub fn peek<Q>(&self, part: usize, k: &Q, now: Duration) -> Option<&Entry<V>>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.parts.get(part)?.peek(k).filter(|e| now < e.expires_at)
    }

    /// Inserts or replaces `k` in `part`, then evicts least-recently-used entries (over all
    /// partitions) until both limits hold. An entry heavier than the whole budget is refused
    /// (and any older value under `k` removed, so a refused update never leaves stale data).
    pub fn insert(
        &mut self,
        part: usize,
        k: K,
        value: V,
        weight: usize,
        expires_at: Duration,
        now: Duration,
    ) -> Result<(), Oversize> {
        let part = part.min(self.parts.len() - 1);
        if weight > self.max_bytes {
            if let Some(old) = self.parts[part].pop(&k) {
                self.len -= 1;
                self.bytes -= old.weight;
                self.log(k);
            }
            if self.stats {
                self.counters.rejected += 1;
            }
            return Err(Oversize);
        }
        // A key stored again is no longer "removed": drop it from the log so a host that
        // collects the log later does not release data of the new entry.
        if let Some(log) = &mut self.removed {
            if !log.is_empty() {
                log.retain(|x| x != &k);
            }
        }
        let entry = Entry {
            value,
            expires_at,
            inserted_at: now,
            weight,
            last_used: self.next_tick(),
        };
        // The maps are unbounded, so `push` only returns the replaced value of `k`.
        match self.parts[part].push(k, entry) {
            Some((_, old)) => self.bytes -= old.weight,
            None => self.len += 1,
        }
        self.bytes += weight;
        if self.stats {
            self.counters.insertions += 1;
        }
        self.enforce_limits(now);
        Ok(())
    }

    /// Replaces the entry already stored under `k` in `part` in place — no new key, the
    /// same outcome as [`insert`](Self::insert) — and enforces the limits. Gives `value`
    /// back when `k` is not stored or the entry is heavier than the whole budget (then
    /// [`insert`](Self::insert) decides).
    pub fn replace<Q>(
        &mut self,
        part: usize,
        k: &Q,
        value: V,
        weight: usize,
        expires_at: Duration,
        now: Duration,
    ) -> Result<(), V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let part = part.min(self.parts.len() - 1);
        if weight > self.max_bytes {
            return Err(value);
        }
        let tick = self.tick + 1;
        // A stored key is never in the removal log (storing it again took it out).
        let Some(e) = self.parts[part].get_mut(k) else {
            return Err(value);
        };
        self.tick = tick;
        let old_weight = e.weight;
        let old = std::mem::replace(
            e,
            Entry {
                value,
                expires_at,
                inserted_at: now,
                weight,
                last_used: tick,
            },
        );
        self.bytes = self.bytes - old_weight + weight;
        if self.stats {
            self.counters.insertions += 1;
        }
        self.enforce_limits(now);
        drop(old);
        Ok(())
    }

    fn enforce_limits(&mut self, now: Duration) {
        while self.len > self.max_entries || self.bytes > self.max_bytes {
            let over_count = self.len > self.max_entries;
            let victim = self
                .parts
                .iter()
                .enumerate()
                .filter_map(|(i, p)| p.peek_lru().map(|(_, e)| (e.last_used, i)))
                .min();
            let Some((_, i)) = victim else {
                break;
            };
            let Some((key, e)) = self.parts[i].pop_lru() else {
                break;
            };
            self.len -= 1;
            self.bytes -= e.weight;
            self.log(key);
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

    /// Removes `k` from `part`, returning its value (expired or not).
    pub fn remove<Q>(&mut self, part: usize, k: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let (key, e) = self.parts.get_mut(part)?.pop_entry(k)?;
        self.len -= 1;
        self.bytes -= e.weight;
        self.log(key);
        Some(e.value)
    }

    /// Removes every entry for which `drop(entry)` is true; returns how many.
    pub fn remove_where(&mut self, mut drop: impl FnMut(&Entry<V>) -> bool) -> usize {
        let mut removed = 0usize;
        let mut freed = 0usize;
        let mut log = self.removed.as_mut();
        for p in self.parts.iter_mut() {
            p.retain(|k, e| {
                if drop(e) {
                    removed += 1;
                    freed += e.weight;
                    if let Some(log) = log.as_mut() {
                        log.push(k.clone());
                    }
                    false
                } else {
                    true
                }
            });
        }
        self.len -= removed;
        self.bytes -= freed;
        removed
    }

    /// Removes every expired entry, counting them as expirations.
    pub fn remove_expired(&mut self, now: Duration) -> usize {
        let n = self.remove_where(|e| now >= e.expires_at);
        if self.stats {
            self.counters.expirations += n as u64;
        }
        n
    }

    /// Empties one partition; returns how many entries it held.
    pub fn clear_part(&mut self, part: usize) -> usize {
        let Some(p) = self.parts.get_mut(part) else {
            return 0;
        };
        let n = p.len();
        let freed: usize = p.iter().map(|(_, e)| e.weight).sum();
        if let Some(log) = &mut self.removed {
            log.extend(p.iter().map(|(k, _)| k.clone()));
        }
        p.clear();
        self.len -= n;
        self.bytes -= freed;
        n
    }

    pub fn clear(&mut self) {
        for part in 0..self.parts.len() {
            self.clear_part(part);
        }
    }

    /// `(partition, key)` from most- to least-recently used (tests and diagnostics).
    #[cfg(test)]
    pub fn keys_mru(&self) -> Vec<(usize, &K)> {
        let mut all: Vec<(u64, usize, &K)> = self
            .parts
            .iter()
            .enumerate()
            .flat_map(|(i, p)| p.iter().map(move |(k, e)| (e.last_used, i, k)))
            .collect();
        crate::sort::sort_by_key(&mut all, |e| std::cmp::Reverse(e.0));
        all.into_iter().map(|(_, i, k)| (i, k)).collect()
    }

    /// Recomputes `(len, bytes)` from the entries (consistency checks in tests).
    #[cfg(test)]
    pub fn recount(&self) -> (usize, usize) {
        let len = self.parts.iter().map(|p| p.len()).sum();
        let bytes = self
            .parts
            .iter()
            .flat_map(|p| p.iter().map(|(_, e)| e.weight))
            .sum();
        (len, bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: Duration = Duration::ZERO;
    const LATER: Duration = Duration::from_secs(100);

    #[test]
    fn replacing_a_key_recharges_its_weight() {
        let mut s: Store<u32, &str> = Store::new(1, 10, 100, true);
        s.insert(0, 1, "a", 30, LATER, NOW).unwrap();
        s.insert(0, 1, "b", 10, LATER, NOW).unwrap();
        assert_eq!((s.len(), s.bytes()), (1, 10));
        assert_eq!(s.get(0, &1, NOW), Some("b"));
        assert_eq!(s.counters.insertions, 2);
    }

    #[test]
    fn eviction_follows_global_recency_across_partitions() {
        let mut s: Store<u32, u32> = Store::new(3, 3, 100, true);
        s.insert(0, 1, 10, 1, LATER, NOW).unwrap(); // oldest
        s.insert(1, 1, 11, 1, LATER, NOW).unwrap();
        s.insert(2, 1, 12, 1, LATER, NOW).unwrap();
        assert_eq!(s.get(0, &1, NOW), Some(10)); // partition 1 is now the LRU
        s.insert(2, 2, 22, 1, LATER, NOW).unwrap();
        assert!(s.peek(1, &1, NOW).is_none());
        assert!(s.peek(0, &1, NOW).is_some() && s.peek(2, &1, NOW).is_some());
        let order: Vec<(usize, u32)> = s.keys_mru().into_iter().map(|(p, k)| (p, *k)).collect();
        assert_eq!(order, [(2, 2), (0, 1), (2, 1)]);
        assert_eq!(s.recount(), (s.len(), s.bytes()));
    }

    #[test]
    fn evicting_an_expired_entry_counts_as_expiration() {
        let mut s: Store<u32, u32> = Store::new(1, 1, 100, true);
        s.insert(0, 1, 1, 1, Duration::from_secs(1), NOW).unwrap();
        s.insert(0, 2, 2, 1, LATER, Duration::from_secs(5)).unwrap();
        assert_eq!(s.counters.expirations, 1);
        assert_eq!(s.counters.evictions_capacity, 0);
    }

    #[test]
    fn refused_update_removes_the_old_value() {
        let mut s: Store<u32, u32> = Store::new(1, 10, 100, true);
        s.insert(0, 1, 1, 10, LATER, NOW).unwrap();
        assert_eq!(s.insert(0, 1, 2, 101, LATER, NOW), Err(Oversize));
        assert_eq!((s.len(), s.bytes()), (0, 0));
        assert_eq!(s.counters.rejected, 1);
    }

    #[test]
    fn disabled_stats_keep_counters_at_zero() {
        let mut s: Store<u32, u32> = Store::new(1, 1, 100, false);
        s.insert(0, 1, 1, 1, LATER, NOW).unwrap();
        s.insert(0, 2, 2, 1, LATER, NOW).unwrap();
        assert_eq!(s.get(0, &2, NOW), Some(2));
        assert_eq!(s.get(0, &1, NOW), None);
        let _ = s.insert(0, 3, 3, 1000, LATER, NOW);
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

    #[test]
    fn removal_log_records_every_key_that_leaves() {
        let mut s: Store<u32, u32> = Store::new(2, 3, 100, true);
        s.insert(0, 9, 9, 1, LATER, NOW).unwrap();
        s.set_removal_log(true);
        // expired on lookup
        s.insert(0, 1, 1, 1, Duration::from_secs(1), NOW).unwrap();
        assert_eq!(s.get(0, &1, Duration::from_secs(1)), None);
        // evicted (capacity 3)
        s.insert(0, 2, 2, 1, LATER, NOW).unwrap();
        s.insert(1, 3, 3, 1, LATER, NOW).unwrap();
        s.insert(1, 4, 4, 1, LATER, NOW).unwrap();
        // replaced: not a removal
        s.insert(1, 4, 40, 1, LATER, NOW).unwrap();
        // refused update removes the old entry
        assert_eq!(s.insert(1, 3, 3, 1000, LATER, NOW), Err(Oversize));
        // refused new key: nothing stored, nothing logged
        assert_eq!(s.insert(1, 5, 5, 1000, LATER, NOW), Err(Oversize));
        // explicit removal
        assert_eq!(s.remove(0, &2), Some(2));
        assert_eq!(
            s.removal_log().unwrap().drain(..).collect::<Vec<_>>(),
            [1, 9, 3, 2]
        );
        // expiry sweep and clears
        s.insert(0, 6, 6, 1, Duration::from_secs(1), NOW).unwrap();
        assert_eq!(s.remove_expired(Duration::from_secs(2)), 1);
        s.insert(0, 7, 7, 1, LATER, NOW).unwrap();
        assert_eq!(s.clear_part(1), 1);
        s.clear();
        assert_eq!(s.removal_log().unwrap().as_slice(), [6, 4, 7]);
        // stored again before the log was collected: no longer reported as removed
        s.insert(0, 4, 4, 1, LATER, NOW).unwrap();
        assert_eq!(s.removal_log().unwrap().as_slice(), [6, 7]);
        s.clear();
        s.removal_log().unwrap().clear();
        assert_eq!((s.len(), s.bytes()), (0, 0));
        s.set_removal_log(false);
        s.insert(0, 8, 8, 1, LATER, NOW).unwrap();
        s.clear();
        assert!(s.removal_log().is_none());
    }
}
