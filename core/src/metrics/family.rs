//! Labelled metric families with a cardinality cap, and zero-lookup series handles.
//!
//! Hot path: the label values are hashed once (a word-at-a-time multiply/rotate hash),
//! the series is found under a shared read lock and updated with relaxed atomics; no
//! allocation and no reference-count traffic. A handle ([`HistogramSeries`] etc.) skips the
//! lookup altogether.

use std::collections::HashMap;
use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::time::Duration;

use parking_lot::RwLock;

use crate::error::{Error, Result};

use super::histogram::{CounterCell, GaugeCell, HistogramCell, HistogramReading};

/// Label value given to every label of the overflow series of a family that reached its
/// cardinality cap.
pub const OVERFLOW_LABEL_VALUE: &str = "__overflow__";

/// A metric cell that a family can create.
pub(crate) trait Cell: Send + Sync + 'static {
    fn create(bounds: &Arc<[f64]>) -> Self;
}
impl Cell for CounterCell {
    fn create(_: &Arc<[f64]>) -> Self {
        CounterCell::new()
    }
}
impl Cell for GaugeCell {
    fn create(_: &Arc<[f64]>) -> Self {
        GaugeCell::new()
    }
}
impl Cell for HistogramCell {
    fn create(b: &Arc<[f64]>) -> Self {
        HistogramCell::new(b.clone())
    }
}

/// One labelled series.
#[derive(Debug)]
pub(crate) struct Series<M> {
    pub(crate) labels: Box<[Box<str>]>,
    pub(crate) cell: M,
}

impl<M> Series<M> {
    #[inline(always)]
    fn matches(&self, values: &[&str]) -> bool {
        if self.labels.len() != values.len() {
            return false;
        }
        for (a, b) in self.labels.iter().zip(values) {
            if !eq_bytes(a.as_bytes(), b.as_bytes()) {
                return false;
            }
        }
        true
    }
}

/// Byte equality without a `memcmp` call for the short strings label values usually are:
/// two overlapping fixed-width loads per side (e.g. bytes 0..8 and n-8..n for 8..=16 bytes).
#[inline(always)]
fn eq_bytes(a: &[u8], b: &[u8]) -> bool {
    #[inline(always)]
    fn w8(s: &[u8], i: usize) -> u64 {
        u64::from_le_bytes([
            s[i],
            s[i + 1],
            s[i + 2],
            s[i + 3],
            s[i + 4],
            s[i + 5],
            s[i + 6],
            s[i + 7],
        ])
    }
    #[inline(always)]
    fn w4(s: &[u8], i: usize) -> u32 {
        u32::from_le_bytes([s[i], s[i + 1], s[i + 2], s[i + 3]])
    }
    #[inline(always)]
    fn w2(s: &[u8], i: usize) -> u16 {
        u16::from_le_bytes([s[i], s[i + 1]])
    }
    let n = a.len();
    if n != b.len() {
        return false;
    }
    match n {
        0 => true,
        1 => a[0] == b[0],
        2..=3 => w2(a, 0) == w2(b, 0) && w2(a, n - 2) == w2(b, n - 2),
        4..=7 => w4(a, 0) == w4(b, 0) && w4(a, n - 4) == w4(b, n - 4),
        8..=16 => w8(a, 0) == w8(b, 0) && w8(a, n - 8) == w8(b, n - 8),
        _ => a == b,
    }
}

/// Hasher that passes a pre-computed `u64` through.
#[derive(Default)]
pub(crate) struct IdHasher(u64);
impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 << 8) | u64::from(*b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

const K: u64 = 0x9E37_79B9_7F4A_7C15;

/// Hash of a label-value tuple: one multiply per 8 bytes; each value's last word carries
/// a length marker in its top byte, so `["ab","c"]` and `["a","bc"]` differ. Equal hashes
/// are always confirmed by comparing the values.
#[inline]
pub(crate) fn hash_labels(values: &[&str]) -> u64 {
    let mut h: u64 = values.len() as u64;
    for v in values {
        let b = v.as_bytes();
        let mut chunks = b.chunks_exact(8);
        for c in &mut chunks {
            let w = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
            h = (h.rotate_left(5) ^ w).wrapping_mul(K);
        }
        let rem = chunks.remainder();
        let mut w = (rem.len() as u64 + 1) << 56;
        for (i, x) in rem.iter().enumerate() {
            w |= u64::from(*x) << (8 * i);
        }
        h = (h.rotate_left(5) ^ w).wrapping_mul(K);
    }
    // the multiply mixes upward only: fold the high bits into the low ones (bucket index)
    h ^ (h >> 32)
}

/// Label values → value, found by pre-computed hash with the values compared on hit.
pub(crate) struct SeriesMap<M> {
    by_hash: HashMap<u64, Arc<Series<M>>, BuildHasherDefault<IdHasher>>,
    /// Entries whose hash collided with one in `by_hash` (rare; bounded by the cap).
    collisions: Vec<Arc<Series<M>>>,
    len: usize,
    overflow: Option<Arc<Series<M>>>,
}

impl<M> SeriesMap<M> {
    pub(crate) fn new() -> Self {
        Self {
            by_hash: HashMap::default(),
            collisions: Vec::new(),
            len: 0,
            overflow: None,
        }
    }

    #[inline(always)]
    pub(crate) fn find(&self, h: u64, values: &[&str]) -> Option<&Arc<Series<M>>> {
        match self.by_hash.get(&h) {
            Some(s) if s.matches(values) => Some(s),
            Some(_) => self.collisions.iter().find(|s| s.matches(values)),
            None => None,
        }
    }

    /// Inserts a new entry (the caller checked it is absent).
    pub(crate) fn insert(&mut self, h: u64, values: &[&str], cell: M) -> Arc<Series<M>> {
        let s = Arc::new(Series {
            labels: values.iter().map(|v| Box::from(*v)).collect(),
            cell,
        });
        match self.by_hash.entry(h) {
            std::collections::hash_map::Entry::Occupied(_) => self.collisions.push(s.clone()),
            std::collections::hash_map::Entry::Vacant(e) => {
                e.insert(s.clone());
            }
        }
        self.len += 1;
        s
    }
}

/// The shared state of one family.
pub(crate) struct FamilyCore<M> {
    pub(crate) name: Box<str>,
    pub(crate) help: Box<str>,
    pub(crate) label_names: Box<[Box<str>]>,
    pub(crate) bounds: Arc<[f64]>,
    max_series: usize,
    map: RwLock<SeriesMap<M>>,
    dropped: AtomicU64,
}

impl<M> fmt::Debug for FamilyCore<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Family")
            .field("name", &self.name)
            .field("labels", &self.label_names)
            .field("series", &self.series_count())
            .field("dropped", &self.dropped_series())
            .finish()
    }
}

impl<M: Cell> FamilyCore<M> {
    pub(crate) fn new(
        name: &str,
        help: &str,
        label_names: &[&str],
        bounds: Arc<[f64]>,
        max_series: usize,
    ) -> Self {
        Self {
            name: name.into(),
            help: help.into(),
            label_names: label_names.iter().map(|s| Box::from(*s)).collect(),
            bounds,
            max_series: max_series.max(1),
            map: RwLock::new(SeriesMap::new()),
            dropped: AtomicU64::new(0),
        }
    }

    #[cold]
    fn arity_error(&self, got: usize) -> Error {
        Error::InvalidArgument(format!(
            "metric {} takes {} label value(s) ({}), got {got}",
            self.name,
            self.label_names.len(),
            self.label_names.join(", ")
        ))
    }

    /// Runs `f` on the series for `values`, creating it (or folding into the overflow
    /// series when the family is full).
    #[inline]
    pub(crate) fn with_series<R>(&self, values: &[&str], f: impl FnOnce(&M) -> R) -> Result<R> {
        if values.len() != self.label_names.len() {
            return Err(self.arity_error(values.len()));
        }
        let h = hash_labels(values);
        {
            let map = self.map.read();
            if let Some(s) = map.find(h, values) {
                return Ok(f(&s.cell));
            }
            if map.len >= self.max_series {
                if let Some(o) = &map.overflow {
                    if !is_overflow_labels(values) {
                        self.dropped.fetch_add(1, Relaxed);
                    }
                    return Ok(f(&o.cell));
                }
            }
        }
        let s = self.get_or_insert(h, values);
        Ok(f(&s.cell))
    }

    /// The series for `values` as a shared pointer (for handles).
    pub(crate) fn series(&self, values: &[&str]) -> Result<Arc<Series<M>>> {
        if values.len() != self.label_names.len() {
            return Err(self.arity_error(values.len()));
        }
        let h = hash_labels(values);
        if let Some(s) = self.map.read().find(h, values) {
            return Ok(s.clone());
        }
        Ok(self.get_or_insert(h, values))
    }

    /// Reads the series for `values` without creating it.
    pub(crate) fn peek<R>(&self, values: &[&str], f: impl FnOnce(&M) -> R) -> Option<R> {
        let map = self.map.read();
        let s = if is_overflow_labels(values) && values.len() == self.label_names.len() {
            map.overflow.as_ref()?
        } else {
            map.find(hash_labels(values), values)?
        };
        Some(f(&s.cell))
    }

    #[cold]
    fn get_or_insert(&self, h: u64, values: &[&str]) -> Arc<Series<M>> {
        let mut map = self.map.write();
        if let Some(s) = map.find(h, values) {
            return s.clone();
        }
        let overflow_set = is_overflow_labels(values);
        if overflow_set || map.len >= self.max_series {
            if !overflow_set {
                self.dropped.fetch_add(1, Relaxed);
            }
            let n = self.label_names.len();
            let bounds = &self.bounds;
            return map
                .overflow
                .get_or_insert_with(|| {
                    Arc::new(Series {
                        labels: (0..n).map(|_| Box::from(OVERFLOW_LABEL_VALUE)).collect(),
                        cell: M::create(bounds),
                    })
                })
                .clone();
        }
        let cell = M::create(&self.bounds);
        map.insert(h, values, cell)
    }
}

impl<M> FamilyCore<M> {
    /// Every series (the overflow series last), sorted by label values.
    pub(crate) fn all_series(&self) -> Vec<Arc<Series<M>>> {
        let map = self.map.read();
        let mut v: Vec<_> = map
            .by_hash
            .values()
            .chain(map.collisions.iter())
            .cloned()
            .collect();
        crate::sort::sort_by(&mut v, |a, b| a.labels.cmp(&b.labels));
        v.extend(map.overflow.iter().cloned());
        v
    }

    pub(crate) fn series_count(&self) -> usize {
        let map = self.map.read();
        map.len + usize::from(map.overflow.is_some())
    }

    pub(crate) fn dropped_series(&self) -> u64 {
        self.dropped.load(Relaxed)
    }

    pub(crate) fn max_series(&self) -> usize {
        self.max_series
    }
}

fn is_overflow_labels(values: &[&str]) -> bool {
    !values.is_empty() && values.iter().all(|v| *v == OVERFLOW_LABEL_VALUE)
}

macro_rules! family_common {
    ($fam:ident) => {
        impl $fam {
            /// Full family name (counters end in `_total`).
            pub fn name(&self) -> &str {
                &self.0.name
            }
            /// Help text.
            pub fn help(&self) -> &str {
                &self.0.help
            }
            /// Label names, in the order label values are given.
            pub fn label_names(&self) -> Vec<&str> {
                self.0.label_names.iter().map(|s| &**s).collect()
            }
            /// Number of series, including the overflow series if it exists.
            pub fn series_count(&self) -> usize {
                self.0.series_count()
            }
            /// The cardinality cap.
            pub fn max_series(&self) -> usize {
                self.0.max_series()
            }
            /// Recordings whose new label set was folded into the overflow series.
            pub fn dropped_series(&self) -> u64 {
                self.0.dropped_series()
            }
        }
        impl fmt::Debug for $fam {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(&*self.0, f)
            }
        }
    };
}

/// A labelled counter family (cheap `Clone` handle).
#[derive(Clone)]
pub struct CounterFamily(pub(crate) Arc<FamilyCore<CounterCell>>);
family_common!(CounterFamily);

impl CounterFamily {
    /// Adds 1 to the series with these label values.
    #[inline]
    pub fn inc(&self, label_values: &[&str]) -> Result<()> {
        self.0.with_series(label_values, |c| c.inc())
    }
    /// Adds `v` (must be finite and `>= 0`: a counter at `+Inf` could never move again).
    #[inline]
    pub fn inc_by(&self, label_values: &[&str], v: f64) -> Result<()> {
        if !(v.is_finite() && v >= 0.0) {
            return Err(Error::InvalidArgument(format!(
                "counter {} cannot be increased by {v}",
                self.0.name
            )));
        }
        self.0.with_series(label_values, |c| {
            c.inc_by(v);
        })
    }
    /// A handle to one series (created if new; the overflow series if the family is full).
    pub fn with_labels(&self, label_values: &[&str]) -> Result<CounterSeries> {
        self.0.series(label_values).map(CounterSeries)
    }
    /// Current value of a series, if it exists.
    pub fn get(&self, label_values: &[&str]) -> Option<f64> {
        self.0.peek(label_values, |c| c.get())
    }
}

/// A labelled gauge family (cheap `Clone` handle).
#[derive(Clone)]
pub struct GaugeFamily(pub(crate) Arc<FamilyCore<GaugeCell>>);
family_common!(GaugeFamily);

impl GaugeFamily {
    /// Sets the series to `v`.
    #[inline]
    pub fn set(&self, label_values: &[&str], v: f64) -> Result<()> {
        self.0.with_series(label_values, |g| g.set(v))
    }
    /// Adds `v` (may be negative).
    #[inline]
    pub fn add(&self, label_values: &[&str], v: f64) -> Result<()> {
        self.0.with_series(label_values, |g| g.add(v))
    }
    /// Adds 1.
    pub fn inc(&self, label_values: &[&str]) -> Result<()> {
        self.add(label_values, 1.0)
    }
    /// Subtracts 1.
    pub fn dec(&self, label_values: &[&str]) -> Result<()> {
        self.add(label_values, -1.0)
    }
    /// A handle to one series.
    pub fn with_labels(&self, label_values: &[&str]) -> Result<GaugeSeries> {
        self.0.series(label_values).map(GaugeSeries)
    }
    /// Current value of a series, if it exists.
    pub fn get(&self, label_values: &[&str]) -> Option<f64> {
        self.0.peek(label_values, |g| g.get())
    }
}

/// A labelled histogram family (cheap `Clone` handle).
#[derive(Clone)]
pub struct HistogramFamily(pub(crate) Arc<FamilyCore<HistogramCell>>);
family_common!(HistogramFamily);

impl HistogramFamily {
    /// Records one observation (NaN is ignored).
    #[inline]
    pub fn observe(&self, label_values: &[&str], v: f64) -> Result<()> {
        self.0.with_series(label_values, |h| h.observe(v))
    }
    /// Records a duration in seconds.
    #[inline]
    pub fn observe_duration(&self, label_values: &[&str], d: Duration) -> Result<()> {
        self.observe(label_values, d.as_secs_f64())
    }
    /// A handle to one series.
    pub fn with_labels(&self, label_values: &[&str]) -> Result<HistogramSeries> {
        self.0.series(label_values).map(HistogramSeries)
    }
    /// Upper bounds of the buckets (`+Inf` implicit).
    pub fn buckets(&self) -> &[f64] {
        &self.0.bounds
    }
    /// `(count, sum)` of a series, if it exists.
    pub fn get(&self, label_values: &[&str]) -> Option<(u64, f64)> {
        self.0.peek(label_values, |h| {
            let r = h.read();
            (r.count(), r.sum)
        })
    }
    /// `(min, max)` observation of a series, if it exists and saw any.
    pub fn min_max(&self, label_values: &[&str]) -> Option<(f64, f64)> {
        self.0
            .peek(label_values, |h| {
                let r: HistogramReading = h.read();
                r.min.zip(r.max)
            })
            .flatten()
    }
}

/// One counter series; recording through it needs no lookup.
#[derive(Clone)]
pub struct CounterSeries(Arc<Series<CounterCell>>);

impl CounterSeries {
    /// Whether this is a family's `__overflow__` series.
    pub fn is_overflow(&self) -> bool {
        is_overflow_labels(&self.label_values())
    }
    /// Adds 1.
    #[inline]
    pub fn inc(&self) {
        self.0.cell.inc()
    }
    /// Adds `v`; negative, infinite or NaN values are ignored (see [`try_inc_by`](Self::try_inc_by)).
    #[inline]
    pub fn inc_by(&self, v: f64) {
        self.0.cell.inc_by(v);
    }
    /// Adds `v`, or fails with `InvalidArgument` if it is negative, infinite or NaN.
    pub fn try_inc_by(&self, v: f64) -> Result<()> {
        if self.0.cell.inc_by(v) {
            Ok(())
        } else {
            Err(Error::InvalidArgument(format!(
                "a counter cannot be increased by {v}"
            )))
        }
    }
    /// Current value.
    pub fn get(&self) -> f64 {
        self.0.cell.get()
    }
    /// This series' label values.
    pub fn label_values(&self) -> Vec<&str> {
        self.0.labels.iter().map(|s| &**s).collect()
    }
}

/// One gauge series; recording through it needs no lookup.
#[derive(Clone)]
pub struct GaugeSeries(Arc<Series<GaugeCell>>);

impl GaugeSeries {
    /// Whether this is a family's `__overflow__` series.
    pub fn is_overflow(&self) -> bool {
        is_overflow_labels(&self.label_values())
    }
    /// Sets the value.
    #[inline]
    pub fn set(&self, v: f64) {
        self.0.cell.set(v)
    }
    /// Adds `v` (may be negative).
    #[inline]
    pub fn add(&self, v: f64) {
        self.0.cell.add(v)
    }
    /// Adds 1.
    pub fn inc(&self) {
        self.add(1.0)
    }
    /// Subtracts 1.
    pub fn dec(&self) {
        self.add(-1.0)
    }
    /// Current value.
    pub fn get(&self) -> f64 {
        self.0.cell.get()
    }
    /// This series' label values.
    pub fn label_values(&self) -> Vec<&str> {
        self.0.labels.iter().map(|s| &**s).collect()
    }
}

/// One histogram series; recording through it needs no lookup.
#[derive(Clone)]
pub struct HistogramSeries(Arc<Series<HistogramCell>>);

impl HistogramSeries {
    /// Whether this is a family's `__overflow__` series.
    pub fn is_overflow(&self) -> bool {
        is_overflow_labels(&self.label_values())
    }
    /// Records one observation (NaN is ignored).
    #[inline]
    pub fn observe(&self, v: f64) {
        self.0.cell.observe(v)
    }
    /// Records a duration in seconds.
    #[inline]
    pub fn observe_duration(&self, d: Duration) {
        self.observe(d.as_secs_f64())
    }
    /// Number of observations.
    pub fn count(&self) -> u64 {
        self.0.cell.read().count()
    }
    /// Sum of observations.
    pub fn sum(&self) -> f64 {
        self.0.cell.read().sum
    }
    /// This series' label values.
    pub fn label_values(&self) -> Vec<&str> {
        self.0.labels.iter().map(|s| &**s).collect()
    }
}

macro_rules! series_debug {
    ($t:ident) => {
        impl fmt::Debug for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_tuple(stringify!($t)).field(&self.0.labels).finish()
            }
        }
    };
}
series_debug!(CounterSeries);
series_debug!(GaugeSeries);
series_debug!(HistogramSeries);

#[cfg(test)]
mod tests {
    use super::*;

    fn hist(max: usize) -> HistogramFamily {
        HistogramFamily(Arc::new(FamilyCore::new(
            "h",
            "help",
            &["a", "b"],
            Arc::from(vec![1.0, 2.0]),
            max,
        )))
    }

    #[test]
    fn eq_bytes_matches_slice_equality() {
        let words = [
            "",
            "a",
            "b",
            "ab",
            "ba",
            "abc",
            "abd",
            "abcd",
            "abce",
            "abcdefg",
            "abcdefh",
            "abcdefgh",
            "abcdefgi",
            "xbcdefgh",
            "abcdefghijklmnop",
            "abcdefghijklmnoq",
            "bbcdefghijklmnop",
            "abcdefghijklmnopq",
            "abcdefghijklmnopr",
        ];
        for x in words {
            for y in words {
                assert_eq!(
                    eq_bytes(x.as_bytes(), y.as_bytes()),
                    x == y,
                    "{x:?} vs {y:?}"
                );
            }
        }
        for n in 0..40u8 {
            let a: Vec<u8> = (0..n).collect();
            for i in 0..n as usize {
                let mut b = a.clone();
                b[i] ^= 1;
                assert!(!eq_bytes(&a, &b), "len {n}, byte {i}");
            }
            assert!(eq_bytes(&a, &a.clone()));
        }
    }

    #[test]
    fn hash_separates_boundaries() {
        assert_ne!(hash_labels(&["ab", "c"]), hash_labels(&["a", "bc"]));
        assert_ne!(hash_labels(&["", ""]), hash_labels(&[""]));
        assert_eq!(
            hash_labels(&["protocol-long-value", "x"]),
            hash_labels(&["protocol-long-value", "x"])
        );
    }

    #[test]
    fn label_lookup_and_handles_share_series() {
        let f = hist(10);
        f.observe(&["x", "y"], 0.5).unwrap();
        let h = f.with_labels(&["x", "y"]).unwrap();
        h.observe(1.5);
        assert_eq!(f.get(&["x", "y"]), Some((2, 2.0)));
        assert_eq!(f.series_count(), 1);
        assert_eq!(
            f.observe(&["x"], 1.0).unwrap_err().code(),
            "invalid_argument"
        );
        assert_eq!(f.get(&["nope", "y"]), None);
    }

    #[test]
    fn cardinality_cap_folds_into_overflow() {
        let f = hist(3);
        for i in 0..10 {
            f.observe(&[&format!("v{i}"), "b"], 1.0).unwrap();
        }
        assert_eq!(f.series_count(), 4, "3 series + overflow");
        assert_eq!(f.dropped_series(), 7);
        let (count, _) = f
            .get(&[OVERFLOW_LABEL_VALUE, OVERFLOW_LABEL_VALUE])
            .unwrap();
        assert_eq!(count, 7);
        // existing series keep recording normally
        f.observe(&["v0", "b"], 1.0).unwrap();
        assert_eq!(f.get(&["v0", "b"]).unwrap().0, 2);
        assert_eq!(f.dropped_series(), 7);
        // a handle asked for a new label set gets the overflow series
        let h = f.with_labels(&["new", "b"]).unwrap();
        assert_eq!(h.label_values(), vec![OVERFLOW_LABEL_VALUE; 2]);
        assert_eq!(f.dropped_series(), 8);
        // an explicit overflow label set is the overflow series, never a duplicate
        f.observe(&[OVERFLOW_LABEL_VALUE, OVERFLOW_LABEL_VALUE], 1.0)
            .unwrap();
        assert_eq!(f.series_count(), 4);
        let labels: Vec<_> = f.0.all_series().iter().map(|s| s.labels.clone()).collect();
        assert_eq!(labels.len(), 4);
        assert_eq!(&*labels[3][0], OVERFLOW_LABEL_VALUE);
    }

    #[test]
    fn colliding_hashes_still_find_the_right_series() {
        // force a collision by inserting directly under another key's hash
        let f = hist(10);
        f.observe(&["a", "a"], 1.0).unwrap();
        let h = hash_labels(&["a", "a"]);
        let s = f.0.get_or_insert(h, &["z", "z"]); // same hash, different labels
        s.cell.observe(5.0);
        assert_eq!(f.get(&["a", "a"]).unwrap().0, 1);
        assert_eq!(
            f.0.map.read().find(h, &["z", "z"]).unwrap().labels[0].as_ref(),
            "z"
        );
        assert_eq!(f.series_count(), 2);
    }

    #[test]
    fn counters_and_gauges() {
        let c = CounterFamily(Arc::new(FamilyCore::new(
            "c_total",
            "h",
            &["k"],
            Arc::from(Vec::new()),
            5,
        )));
        c.inc(&["a"]).unwrap();
        c.inc_by(&["a"], 2.5).unwrap();
        assert!(c.inc_by(&["a"], -1.0).is_err());
        assert!(c.inc_by(&["a"], f64::NAN).is_err());
        assert!(c.inc_by(&["a"], f64::INFINITY).is_err());
        assert_eq!(c.get(&["a"]), Some(3.5));
        let s = c.with_labels(&["a"]).unwrap();
        assert!(s.try_inc_by(-2.0).is_err());
        s.inc();
        assert_eq!(s.get(), 4.5);

        let g = GaugeFamily(Arc::new(FamilyCore::new(
            "g",
            "h",
            &[],
            Arc::from(Vec::new()),
            1,
        )));
        g.set(&[], 10.0).unwrap();
        g.inc(&[]).unwrap();
        g.dec(&[]).unwrap();
        g.add(&[], -4.0).unwrap();
        assert_eq!(g.get(&[]), Some(6.0));
        assert_eq!(g.series_count(), 1, "label-less family never overflows");
    }
}
