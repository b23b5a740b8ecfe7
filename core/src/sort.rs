//! One shared stable sort for the whole crate.
//!
//! `slice::sort_by` (driftsort) is compiled once per element type and comparator: ~5 KB of
//! wasm each, ~100 KB over the crate's sorts (BTreeMap collects included). Here the work is
//! done once, non-generically, on indices ([`plan`]); the generic part is a comparator
//! shim and a loop of swaps. Stable, O(n log n) comparisons, O(n) extra memory. The crate's
//! sorts are over small, cold collections (endpoints, metric families, a batch's entries).

use std::cmp::Ordering;
use std::collections::BTreeMap;

/// Sorts `v` by `cmp`, stable (equal elements keep their order): `slice::sort_by`'s contract.
pub(crate) fn sort_by<T>(v: &mut [T], mut cmp: impl FnMut(&T, &T) -> Ordering) {
    if v.len() < 2 {
        return;
    }
    let swaps = {
        let items: &[T] = v;
        plan(items.len(), &mut |a, b| cmp(&items[a], &items[b]))
    };
    for (a, b) in swaps {
        v.swap(a, b);
    }
}

/// Sorts `v` by `key`, stable: `slice::sort_by_key`'s contract.
pub(crate) fn sort_by_key<T, K: Ord>(v: &mut [T], mut key: impl FnMut(&T) -> K) {
    sort_by(v, |a, b| key(a).cmp(&key(b)));
}

/// Sorts `v` by `Ord`, stable: `slice::sort`'s contract.
pub(crate) fn sort<T: Ord>(v: &mut [T]) {
    sort_by(v, T::cmp);
}

/// Collects pairs into a `BTreeMap` by inserting them (a later duplicate key's value wins,
/// as with `collect`). `collect` would sort the pairs first: one driftsort per map type.
pub(crate) fn btree<K: Ord, V>(pairs: impl IntoIterator<Item = (K, V)>) -> BTreeMap<K, V> {
    let mut map = BTreeMap::new();
    map.extend(pairs);
    map
}

/// The swaps `(a, b)` that, applied in order, sort `n` items compared by index with `cmp`.
#[inline(never)]
fn plan(n: usize, cmp: &mut dyn FnMut(usize, usize) -> Ordering) -> Vec<(usize, usize)> {
    // Stable merge sort of the indices: insertion-sorted runs of RUN, then bottom-up merges.
    const RUN: usize = 8;
    let mut idx: Vec<usize> = (0..n).collect();
    for start in (0..n).step_by(RUN) {
        let end = (start + RUN).min(n);
        for i in start + 1..end {
            let mut j = i;
            while j > start && cmp(idx[j - 1], idx[j]) == Ordering::Greater {
                idx.swap(j - 1, j);
                j -= 1;
            }
        }
    }
    let mut buf = vec![0usize; n];
    let mut width = RUN;
    while width < n {
        let mut lo = 0;
        while lo < n {
            let mid = (lo + width).min(n);
            let hi = (lo + 2 * width).min(n);
            let (mut i, mut j, mut k) = (lo, mid, lo);
            while i < mid && j < hi {
                // Take from the right run only when strictly smaller: stability.
                if cmp(idx[j], idx[i]) == Ordering::Less {
                    buf[k] = idx[j];
                    j += 1;
                } else {
                    buf[k] = idx[i];
                    i += 1;
                }
                k += 1;
            }
            buf[k..k + (mid - i)].copy_from_slice(&idx[i..mid]);
            k += mid - i;
            buf[k..k + (hi - j)].copy_from_slice(&idx[j..hi]);
            lo = hi;
        }
        std::mem::swap(&mut idx, &mut buf);
        width *= 2;
    }
    // idx[i] is the original position of the item that belongs at i. Realise that with
    // swaps, tracking where each original item currently is (`pos`) and which item sits at
    // each position (`at`).
    let mut pos: Vec<usize> = (0..n).collect();
    let mut at: Vec<usize> = (0..n).collect();
    let mut swaps = Vec::new();
    for (i, &want) in idx.iter().enumerate() {
        let j = pos[want];
        if j != i {
            swaps.push((i, j));
            let moved = at[i];
            at[i] = want;
            at[j] = moved;
            pos[want] = i;
            pos[moved] = j;
        }
    }
    swaps
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_std_stable_sort() {
        // Deterministic pseudo-random inputs of many lengths, with many equal keys.
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        for n in 0..200 {
            let v: Vec<(u8, usize)> = (0..n)
                .map(|i| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    ((seed % 7) as u8, i)
                })
                .collect();
            let mut ours = v.clone();
            sort_by_key(&mut ours, |e| e.0);
            let mut std = v.clone();
            std.sort_by_key(|e| e.0);
            assert_eq!(ours, std, "n = {n}");
            let mut ours = v.clone();
            sort(&mut ours);
            let mut std = v;
            std.sort();
            assert_eq!(ours, std, "n = {n}");
        }
    }

    #[test]
    fn reversed_and_sorted_inputs() {
        let mut v: Vec<u32> = (0..1000).rev().collect();
        sort(&mut v);
        assert_eq!(v, (0..1000).collect::<Vec<_>>());
        sort_by(&mut v, |a, b| b.cmp(a));
        assert_eq!(v, (0..1000).rev().collect::<Vec<_>>());
    }
}
