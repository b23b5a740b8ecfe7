//! Aggregation windows: every `aggregation_interval` each histogram series that saw
//! observations gets a summary (count, sum, min, max, p50/p95/p99 from that window's own
//! bucket counts), kept for `retention_period` and capped at `max_window_entries`.

use std::collections::VecDeque;
use std::time::Duration;

use serde::Serialize;

use super::family::HistogramFamily;
use super::histogram::quantile;
use super::snapshot::MetricsLabels;

/// Summary of one histogram series over one aggregation interval.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetricsWindow {
    /// Family name.
    pub family: String,
    /// Series labels.
    pub labels: MetricsLabels,
    /// Window start, wall time in ms since the Unix epoch.
    pub start_unix_ms: u64,
    /// Window end, wall time in ms since the Unix epoch.
    pub end_unix_ms: u64,
    /// Observations in the window.
    pub count: u64,
    /// Their sum.
    pub sum: f64,
    /// Smallest observation in the window.
    pub min: Option<f64>,
    /// Largest observation in the window.
    pub max: Option<f64>,
    /// Median estimated from the window's buckets, clamped to `[min, max]`.
    pub p50: Option<f64>,
    /// 95th percentile (as `p50`).
    pub p95: Option<f64>,
    /// 99th percentile (as `p50`).
    pub p99: Option<f64>,
    /// Window start on the collector's monotonic clock.
    #[serde(skip)]
    pub start: Duration,
    /// Window end on the collector's monotonic clock.
    #[serde(skip)]
    pub end: Duration,
}

/// The retained windows, oldest first.
#[derive(Debug)]
pub(crate) struct WindowStore {
    entries: VecDeque<MetricsWindow>,
    max_entries: usize,
    retention: Duration,
    last_tick: Duration,
    last_tick_wall: Duration,
    pruned_for_capacity: u64,
}

impl WindowStore {
    pub(crate) fn new(
        max_entries: usize,
        retention: Duration,
        now: Duration,
        wall: Duration,
    ) -> Self {
        Self {
            entries: VecDeque::new(),
            max_entries,
            retention,
            last_tick: now,
            last_tick_wall: wall,
            pruned_for_capacity: 0,
        }
    }

    /// Closes the current window at `now`: one entry per series that saw observations.
    pub(crate) fn aggregate(
        &mut self,
        families: &[HistogramFamily],
        now: Duration,
        wall: Duration,
    ) {
        let (start, start_wall) = (self.last_tick, self.last_tick_wall);
        for fam in families {
            let core = &fam.0;
            for s in core.all_series() {
                let Some(w) = s.cell.take_window() else {
                    continue;
                };
                let bounds = s.cell.bounds();
                self.entries.push_back(MetricsWindow {
                    family: core.name.to_string(),
                    labels: MetricsLabels(
                        core.label_names
                            .iter()
                            .zip(s.labels.iter())
                            .map(|(n, v)| (n.to_string(), v.to_string()))
                            .collect(),
                    ),
                    start_unix_ms: start_wall.as_millis() as u64,
                    end_unix_ms: wall.as_millis() as u64,
                    count: w.count(),
                    sum: w.sum,
                    min: w.min,
                    max: w.max,
                    p50: quantile(0.5, bounds, &w.counts, w.min, w.max),
                    p95: quantile(0.95, bounds, &w.counts, w.min, w.max),
                    p99: quantile(0.99, bounds, &w.counts, w.min, w.max),
                    start,
                    end: now,
                });
            }
        }
        self.last_tick = now;
        self.last_tick_wall = wall;
        self.prune(now);
    }

    /// Drops windows that started before `now - retention`, then the oldest beyond the cap.
    pub(crate) fn prune(&mut self, now: Duration) {
        if let Some(horizon) = now.checked_sub(self.retention) {
            while self.entries.front().is_some_and(|w| w.start < horizon) {
                self.entries.pop_front();
            }
        }
        while self.entries.len() > self.max_entries {
            self.entries.pop_front();
            self.pruned_for_capacity += 1;
        }
    }

    pub(crate) fn entries(&self) -> impl Iterator<Item = &MetricsWindow> {
        self.entries.iter()
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    pub(crate) fn pruned_for_capacity(&self) -> u64 {
        self.pruned_for_capacity
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::{MetricsRegistry, MetricsRegistryConfig};
    use crate::runtime::ManualClock;
    use std::sync::Arc;

    #[test]
    fn windows_summarize_each_interval_and_prune_by_retention_and_cap() {
        let reg = MetricsRegistry::with_clock(
            MetricsRegistryConfig::default(),
            Arc::new(ManualClock::new()),
        )
        .unwrap();
        let h = reg
            .histogram_with_buckets("lat_seconds", "h", &["op"], &[0.1, 1.0])
            .unwrap();
        let fams = reg.histogram_families();
        let secs = Duration::from_secs;
        let mut store = WindowStore::new(3, secs(120), secs(0), secs(1000));

        h.observe(&["a"], 0.05).unwrap();
        h.observe(&["a"], 0.5).unwrap();
        store.aggregate(&fams, secs(60), secs(1060));
        assert_eq!(store.len(), 1);
        let w = store.entries().next().unwrap().clone();
        assert_eq!((w.count, w.sum), (2, 0.55));
        assert_eq!((w.min, w.max), (Some(0.05), Some(0.5)));
        assert_eq!((w.start_unix_ms, w.end_unix_ms), (1_000_000, 1_060_000));
        assert!(w.p50.unwrap() >= 0.05 && w.p99.unwrap() <= 0.5);

        // an idle interval adds nothing
        store.aggregate(&fams, secs(120), secs(1120));
        assert_eq!(store.len(), 1);

        h.observe(&["a"], 2.0).unwrap();
        store.aggregate(&fams, secs(180), secs(1180));
        // the first window [0,60) started before 180-120=60? no: it started at 0 < 60 -> pruned
        assert_eq!(store.len(), 1);
        let w = store.entries().next().unwrap();
        assert_eq!((w.count, w.min, w.max), (1, Some(2.0), Some(2.0)));
        assert_eq!(w.p50, Some(2.0));

        for i in 0..5u64 {
            h.observe(&["b"], 0.2).unwrap();
            h.observe(&["c"], 0.2).unwrap();
            store.aggregate(&fams, secs(181 + i), secs(1181 + i));
        }
        assert_eq!(store.len(), 3, "capped");
        assert!(store.pruned_for_capacity() > 0);
    }
}
