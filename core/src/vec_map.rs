//! A small ordered map on a sorted `Vec` of pairs, for the crate's internal maps.
//!
//! Every `BTreeMap<K, V>` type is compiled on its own (node search, insert with splits,
//! remove with merges, iterators): ~8–12 KB of wasm per key/value type. The internal maps
//! (registered metric families, health components and recoveries, a manual clock's sleeps)
//! hold a few to a few hundred entries and are read far more often than written, so a
//! sorted `Vec` with binary search does the same job with a fraction of the code. Same
//! contract as the `BTreeMap` methods it mirrors: iteration in key order, one value per key.

use std::borrow::Borrow;

/// An ordered map kept as a `Vec` of `(key, value)` sorted by key, keys unique.
#[derive(Debug, Clone)]
pub(crate) struct VecMap<K, V> {
    items: Vec<(K, V)>,
}

impl<K, V> Default for VecMap<K, V> {
    fn default() -> Self {
        Self::new()
    }
}

impl<K, V> VecMap<K, V> {
    /// An empty map.
    pub(crate) const fn new() -> Self {
        Self { items: Vec::new() }
    }

    /// Number of entries.
    pub(crate) fn len(&self) -> usize {
        self.items.len()
    }

    /// Entries in key order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.items.iter().map(|(k, v)| (k, v))
    }

    /// Keys in order.
    pub(crate) fn keys(&self) -> impl Iterator<Item = &K> {
        self.items.iter().map(|(k, _)| k)
    }

    /// Values in key order.
    pub(crate) fn values(&self) -> impl Iterator<Item = &V> {
        self.items.iter().map(|(_, v)| v)
    }

    /// The first (smallest) key.
    pub(crate) fn first_key(&self) -> Option<&K> {
        self.items.first().map(|(k, _)| k)
    }
}

impl<K: Ord, V> VecMap<K, V> {
    fn find<Q: Ord + ?Sized>(&self, key: &Q) -> Result<usize, usize>
    where
        K: Borrow<Q>,
    {
        self.items.binary_search_by(|(k, _)| k.borrow().cmp(key))
    }

    /// The value of `key`.
    pub(crate) fn get<Q: Ord + ?Sized>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
    {
        self.find(key).ok().map(|i| &self.items[i].1)
    }

    /// The value of `key`, mutably.
    pub(crate) fn get_mut<Q: Ord + ?Sized>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
    {
        self.find(key).ok().map(|i| &mut self.items[i].1)
    }

    /// Whether `key` is present.
    pub(crate) fn contains_key<Q: Ord + ?Sized>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
    {
        self.find(key).is_ok()
    }

    /// Inserts `value` at `key`; returns the value it replaced (the stored key is kept, as
    /// with `BTreeMap::insert`).
    pub(crate) fn insert(&mut self, key: K, value: V) -> Option<V> {
        match self.find(&key) {
            Ok(i) => Some(std::mem::replace(&mut self.items[i].1, value)),
            Err(i) => {
                self.items.insert(i, (key, value));
                None
            }
        }
    }

    /// Removes `key`; returns its value.
    pub(crate) fn remove<Q: Ord + ?Sized>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
    {
        self.find(key).ok().map(|i| self.items.remove(i).1)
    }

    /// Removes and returns the entries with keys `<= last`, in key order.
    pub(crate) fn take_through<Q: Ord + ?Sized>(&mut self, last: &Q) -> Vec<(K, V)>
    where
        K: Borrow<Q>,
    {
        let n = self.items.partition_point(|(k, _)| k.borrow() <= last);
        self.items.drain(..n).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn behaves_like_an_ordered_map() {
        let mut m: VecMap<String, u32> = VecMap::new();
        assert_eq!(m.insert("b".into(), 2), None);
        assert_eq!(m.insert("a".into(), 1), None);
        assert_eq!(m.insert("c".into(), 3), None);
        assert_eq!(m.insert("b".into(), 20), Some(2));
        assert_eq!(m.len(), 3);
        assert_eq!(m.keys().cloned().collect::<Vec<_>>(), ["a", "b", "c"]);
        assert_eq!(m.values().copied().collect::<Vec<_>>(), [1, 20, 3]);
        assert_eq!(m.get("b"), Some(&20));
        assert_eq!(m.get("z"), None);
        assert!(m.contains_key("c"));
        *m.get_mut("c").unwrap() += 1;
        assert_eq!(m.get("c"), Some(&4));
        assert_eq!(m.first_key().map(String::as_str), Some("a"));
        assert_eq!(m.remove("a"), Some(1));
        assert_eq!(m.remove("a"), None);
        assert_eq!(m.iter().count(), 2);
    }

    #[test]
    fn take_through_removes_a_sorted_prefix() {
        let mut m: VecMap<(u64, u64), char> = VecMap::new();
        for (k, v) in [((3, 0), 'c'), ((1, 1), 'a'), ((2, 5), 'b'), ((3, 1), 'd')] {
            m.insert(k, v);
        }
        let due = m.take_through(&(2, u64::MAX));
        assert_eq!(due, [((1, 1), 'a'), ((2, 5), 'b')]);
        assert_eq!(m.keys().copied().collect::<Vec<_>>(), [(3, 0), (3, 1)]);
        assert!(m.take_through(&(0, 0)).is_empty());
    }
}
