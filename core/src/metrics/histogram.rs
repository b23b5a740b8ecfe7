//! Lock-free metric cells: `f64` in an `AtomicU64`, counters, gauges and histograms,
//! plus quantile estimation from bucket counts.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;

use parking_lot::Mutex;

/// An `f64` stored as its bit pattern in an `AtomicU64`.
#[derive(Debug)]
pub(crate) struct AtomicF64(AtomicU64);

impl AtomicF64 {
    pub(crate) fn new(v: f64) -> Self {
        Self(AtomicU64::new(v.to_bits()))
    }
    #[inline]
    pub(crate) fn load(&self) -> f64 {
        f64::from_bits(self.0.load(Relaxed))
    }
    #[inline]
    pub(crate) fn store(&self, v: f64) {
        self.0.store(v.to_bits(), Relaxed)
    }
    #[inline]
    pub(crate) fn swap(&self, v: f64) -> f64 {
        f64::from_bits(self.0.swap(v.to_bits(), Relaxed))
    }
    #[inline]
    pub(crate) fn add(&self, v: f64) {
        let mut cur = self.0.load(Relaxed);
        loop {
            let new = (f64::from_bits(cur) + v).to_bits();
            match self.0.compare_exchange_weak(cur, new, Relaxed, Relaxed) {
                Ok(_) => return,
                Err(x) => cur = x,
            }
        }
    }
    /// Lowers the value to `v` if `v` is smaller (a plain load when it is not).
    #[inline]
    pub(crate) fn fetch_min(&self, v: f64) {
        let mut cur = self.0.load(Relaxed);
        while v < f64::from_bits(cur) {
            match self
                .0
                .compare_exchange_weak(cur, v.to_bits(), Relaxed, Relaxed)
            {
                Ok(_) => return,
                Err(x) => cur = x,
            }
        }
    }
    /// Raises the value to `v` if `v` is larger (a plain load when it is not).
    #[inline]
    pub(crate) fn fetch_max(&self, v: f64) {
        let mut cur = self.0.load(Relaxed);
        while v > f64::from_bits(cur) {
            match self
                .0
                .compare_exchange_weak(cur, v.to_bits(), Relaxed, Relaxed)
            {
                Ok(_) => return,
                Err(x) => cur = x,
            }
        }
    }
}

/// Integral increments go to an integer cell (one `fetch_add`), others to an `f64` cell.
#[derive(Debug)]
pub(crate) struct CounterCell {
    int: AtomicU64,
    frac: AtomicF64,
}

const MAX_EXACT: f64 = 9_007_199_254_740_992.0; // 2^53

impl CounterCell {
    pub(crate) fn new() -> Self {
        Self {
            int: AtomicU64::new(0),
            frac: AtomicF64::new(0.0),
        }
    }
    #[inline]
    pub(crate) fn inc(&self) {
        self.int.fetch_add(1, Relaxed);
    }
    /// Adds `v`; false (and nothing recorded) when `v` is negative, infinite or NaN.
    #[inline]
    pub(crate) fn inc_by(&self, v: f64) -> bool {
        if !(v.is_finite() && v >= 0.0) {
            return false;
        }
        if v.fract() == 0.0 && v < MAX_EXACT {
            self.int.fetch_add(v as u64, Relaxed);
        } else {
            self.frac.add(v);
        }
        true
    }
    pub(crate) fn get(&self) -> f64 {
        self.int.load(Relaxed) as f64 + self.frac.load()
    }
}

/// A gauge: any `f64`.
#[derive(Debug)]
pub(crate) struct GaugeCell(AtomicF64);

impl GaugeCell {
    pub(crate) fn new() -> Self {
        Self(AtomicF64::new(0.0))
    }
    #[inline]
    pub(crate) fn set(&self, v: f64) {
        self.0.store(v)
    }
    #[inline]
    pub(crate) fn add(&self, v: f64) {
        self.0.add(v)
    }
    pub(crate) fn get(&self) -> f64 {
        self.0.load()
    }
}

/// Histogram state: per-bucket (non-cumulative) counts, the last one being `+Inf`;
/// the count is the sum of the buckets, so the `+Inf` bucket always equals the count.
#[derive(Debug)]
pub(crate) struct HistogramCell {
    bounds: Arc<[f64]>,
    counts: Box<[AtomicU64]>,
    sum: AtomicF64,
    win_min: AtomicF64,
    win_max: AtomicF64,
    cold: Mutex<HistogramCold>,
}

#[derive(Debug)]
struct HistogramCold {
    prev_counts: Vec<u64>,
    prev_sum: f64,
    min: f64,
    max: f64,
}

/// A consistent-enough reading of a histogram.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct HistogramReading {
    /// Per-bucket counts, `bounds.len() + 1` long (last = `+Inf`).
    pub counts: Vec<u64>,
    pub sum: f64,
    /// Smallest / largest observation (`None` when empty).
    pub min: Option<f64>,
    pub max: Option<f64>,
}

impl HistogramReading {
    pub(crate) fn count(&self) -> u64 {
        self.counts.iter().sum()
    }
}

impl HistogramCell {
    pub(crate) fn new(bounds: Arc<[f64]>) -> Self {
        let n = bounds.len() + 1;
        Self {
            counts: (0..n).map(|_| AtomicU64::new(0)).collect(),
            bounds,
            sum: AtomicF64::new(0.0),
            win_min: AtomicF64::new(f64::INFINITY),
            win_max: AtomicF64::new(f64::NEG_INFINITY),
            cold: Mutex::new(HistogramCold {
                prev_counts: vec![0; n],
                prev_sum: 0.0,
                min: f64::INFINITY,
                max: f64::NEG_INFINITY,
            }),
        }
    }

    /// Records `v` (NaN is ignored). `v` lands in the first bucket whose bound is `>= v`.
    #[inline]
    pub(crate) fn observe(&self, v: f64) {
        if v.is_nan() {
            return;
        }
        // Linear scan: bucket lists are short and latencies cluster in the low buckets.
        let i = self
            .bounds
            .iter()
            .position(|b| v <= *b)
            .unwrap_or(self.bounds.len());
        // `counts` has bounds.len() + 1 cells, so `i` is always in range.
        if let Some(c) = self.counts.get(i) {
            c.fetch_add(1, Relaxed);
        }
        self.sum.add(v);
        self.win_min.fetch_min(v);
        self.win_max.fetch_max(v);
    }

    pub(crate) fn bounds(&self) -> &Arc<[f64]> {
        &self.bounds
    }

    fn load_counts(&self) -> Vec<u64> {
        self.counts.iter().map(|c| c.load(Relaxed)).collect()
    }

    pub(crate) fn read(&self) -> HistogramReading {
        let cold = self.cold.lock();
        let counts = self.load_counts();
        let min = cold.min.min(self.win_min.load());
        let max = cold.max.max(self.win_max.load());
        HistogramReading {
            counts,
            sum: self.sum.load(),
            min: (min <= max).then_some(min),
            max: (min <= max).then_some(max),
        }
    }

    /// Everything observed since the previous call (`None` if nothing was).
    pub(crate) fn take_window(&self) -> Option<HistogramReading> {
        let mut cold = self.cold.lock();
        let wmin = self.win_min.swap(f64::INFINITY);
        let wmax = self.win_max.swap(f64::NEG_INFINITY);
        let counts = self.load_counts();
        let sum = self.sum.load();
        let delta: Vec<u64> = counts
            .iter()
            .zip(&cold.prev_counts)
            .map(|(c, p)| c.saturating_sub(*p))
            .collect();
        let dsum = sum - cold.prev_sum;
        cold.prev_counts = counts;
        cold.prev_sum = sum;
        cold.min = cold.min.min(wmin);
        cold.max = cold.max.max(wmax);
        if delta.iter().all(|c| *c == 0) {
            return None;
        }
        let ok = wmin <= wmax;
        Some(HistogramReading {
            counts: delta,
            sum: dsum,
            min: ok.then_some(wmin),
            max: ok.then_some(wmax),
        })
    }
}

/// Estimates the `q`-quantile (0..=1) from per-bucket counts by linear interpolation
/// inside the bucket that holds the rank (as PromQL's `histogram_quantile`), tightened
/// and clamped by the observed min/max when known. `None` when there are no observations.
pub(crate) fn quantile(
    q: f64,
    bounds: &[f64],
    counts: &[u64],
    min: Option<f64>,
    max: Option<f64>,
) -> Option<f64> {
    let total: u64 = counts.iter().sum();
    if total == 0 || q.is_nan() {
        return None;
    }
    let q = q.clamp(0.0, 1.0);
    let rank = q * total as f64;
    let mut cum = 0u64;
    for (i, &c) in counts.iter().enumerate() {
        let before = cum;
        cum += c;
        if c == 0 || (cum as f64) < rank {
            continue;
        }
        let mut lower = match i {
            0 => bounds
                .first()
                .map_or(0.0, |b| if *b > 0.0 { 0.0 } else { *b }),
            _ => bounds[i - 1],
        };
        let mut upper = match bounds.get(i) {
            Some(b) => *b,
            None => max.unwrap_or_else(|| bounds.last().copied().unwrap_or(0.0)),
        };
        if let Some(m) = min {
            lower = lower.max(m);
            if i == 0 {
                lower = m;
            }
        }
        if let Some(m) = max {
            upper = upper.min(m);
        }
        if upper < lower {
            upper = lower;
        }
        let frac = ((rank - before as f64) / c as f64).clamp(0.0, 1.0);
        let mut v = lower + (upper - lower) * frac;
        if let Some(m) = min {
            v = v.max(m);
        }
        if let Some(m) = max {
            v = v.min(m);
        }
        return Some(v);
    }
    max
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_f64_ops() {
        let a = AtomicF64::new(1.5);
        a.add(2.0);
        assert_eq!(a.load(), 3.5);
        a.fetch_min(-1.0);
        assert_eq!(a.load(), -1.0);
        a.fetch_min(5.0);
        assert_eq!(a.load(), -1.0);
        a.fetch_max(7.0);
        assert_eq!(a.load(), 7.0);
        assert_eq!(a.swap(0.0), 7.0);
    }

    #[test]
    fn counter_rejects_negative_and_nan_and_keeps_fractions() {
        let c = CounterCell::new();
        c.inc();
        assert!(c.inc_by(2.0));
        assert!(c.inc_by(0.5));
        assert!(!c.inc_by(-1.0));
        assert!(!c.inc_by(f64::NAN));
        assert!(!c.inc_by(f64::INFINITY));
        assert_eq!(c.get(), 3.5);
    }

    #[test]
    fn histogram_buckets_le_semantics_and_windows() {
        let h = HistogramCell::new(Arc::from(vec![1.0, 2.0]));
        for v in [0.5, 1.0, 1.5, 2.0, 3.0, f64::NAN] {
            h.observe(v);
        }
        let r = h.read();
        assert_eq!(r.counts, vec![2, 2, 1]); // le=1 holds 0.5 and 1.0 (upper bound inclusive)
        assert_eq!(r.count(), 5);
        assert_eq!(r.sum, 8.0);
        assert_eq!((r.min, r.max), (Some(0.5), Some(3.0)));

        let w = h.take_window().unwrap();
        assert_eq!(w.counts, vec![2, 2, 1]);
        assert!(h.take_window().is_none(), "nothing new since last window");
        h.observe(10.0);
        let w = h.take_window().unwrap();
        assert_eq!(w.counts, vec![0, 0, 1]);
        assert_eq!((w.sum, w.min, w.max), (10.0, Some(10.0), Some(10.0)));
        // lifetime min/max survive window resets
        let r = h.read();
        assert_eq!((r.min, r.max), (Some(0.5), Some(10.0)));
    }

    #[test]
    fn quantiles_interpolate_and_clamp() {
        let b = [1.0, 2.0, 4.0];
        // 100 values uniform in (1,2]
        let counts = [0, 100, 0, 0];
        let p50 = quantile(0.5, &b, &counts, None, None).unwrap();
        assert!((p50 - 1.5).abs() < 1e-9, "{p50}");
        // a single observation is reported exactly thanks to min/max
        let one = [0, 1, 0, 0];
        assert_eq!(quantile(0.99, &b, &one, Some(1.7), Some(1.7)), Some(1.7));
        // +Inf bucket uses max
        let inf = [0, 0, 0, 10];
        let p99 = quantile(0.99, &b, &inf, Some(5.0), Some(9.0)).unwrap();
        assert!((5.0..=9.0).contains(&p99), "{p99}");
        assert_eq!(quantile(0.5, &b, &[0, 0, 0, 0], None, None), None);
    }
}
