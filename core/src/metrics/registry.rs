//! [`MetricsRegistry`]: a generic, self-contained registry of counter, gauge and histogram
//! families, with a per-family cardinality cap and the three exporters.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use parking_lot::RwLock;

use crate::error::{Error, Result};
use crate::runtime::{default_clock, SharedClock};
use crate::vec_map::VecMap;

use super::config::{validate_buckets, MetricType, DEFAULT_HISTOGRAM_BUCKETS};
use super::family::{CounterFamily, FamilyCore, GaugeFamily, HistogramFamily};
use super::histogram::quantile;
use super::naming::{validate_const_labels, validate_label_names, validate_metric_name};
use super::snapshot::{
    HistogramSnapshot, MetricFamilySnapshot, MetricSeriesSnapshot, MetricsBucket, MetricsLabels,
    MetricsSnapshot,
};

/// Configuration of a standalone [`MetricsRegistry`].
#[derive(Debug, Clone, PartialEq)]
pub struct MetricsRegistryConfig {
    /// Prefix of the registry's own families (`<ns>_metrics_dropped_series_total`).
    pub namespace: String,
    /// Cardinality cap per family (see [`OVERFLOW_LABEL_VALUE`](super::OVERFLOW_LABEL_VALUE)).
    pub max_series_per_family: usize,
    /// Buckets used by [`MetricsRegistry::histogram`] (seconds).
    pub histogram_buckets: Vec<f64>,
    /// Labels added to every exported series.
    pub const_labels: Vec<(String, String)>,
}

impl Default for MetricsRegistryConfig {
    fn default() -> Self {
        Self {
            namespace: "mantra".into(),
            max_series_per_family: 1000,
            histogram_buckets: DEFAULT_HISTOGRAM_BUCKETS.to_vec(),
            const_labels: Vec::new(),
        }
    }
}

impl MetricsRegistryConfig {
    /// Checks every field; the error names the offending one.
    pub fn validate(&self) -> Result<()> {
        if validate_metric_name(&self.namespace).is_err() || self.namespace.contains(':') {
            return Err(Error::invalid_config(
                "namespace",
                format!("{:?} is not a valid metric name prefix", self.namespace),
            ));
        }
        if self.max_series_per_family == 0 {
            return Err(Error::invalid_config(
                "max_series_per_family",
                "must be greater than 0",
            ));
        }
        validate_buckets(&self.histogram_buckets)
            .map_err(|r| Error::invalid_config("histogram_buckets", r))?;
        validate_const_labels(&self.const_labels)
            .map_err(|r| Error::invalid_config("const_labels", r))?;
        Ok(())
    }
}

#[derive(Clone)]
pub(crate) enum AnyFamily {
    Counter(CounterFamily),
    Gauge(GaugeFamily),
    Histogram(HistogramFamily),
}

impl AnyFamily {
    fn metric_type(&self) -> MetricType {
        match self {
            AnyFamily::Counter(_) => MetricType::Counter,
            AnyFamily::Gauge(_) => MetricType::Gauge,
            AnyFamily::Histogram(_) => MetricType::Histogram,
        }
    }
    fn label_names(&self) -> Vec<&str> {
        match self {
            AnyFamily::Counter(f) => f.label_names(),
            AnyFamily::Gauge(f) => f.label_names(),
            AnyFamily::Histogram(f) => f.label_names(),
        }
    }
    fn dropped(&self) -> u64 {
        match self {
            AnyFamily::Counter(f) => f.dropped_series(),
            AnyFamily::Gauge(f) => f.dropped_series(),
            AnyFamily::Histogram(f) => f.dropped_series(),
        }
    }
}

struct RegistryInner {
    config: MetricsRegistryConfig,
    buckets: Arc<[f64]>,
    clock: SharedClock,
    start_wall: Duration,
    families: RwLock<VecMap<String, AnyFamily>>,
}

/// Builds a family from its full name, bucket bounds and series cap.
type MakeFamily<'a> = dyn FnMut(&str, Arc<[f64]>, usize) -> AnyFamily + 'a;

/// A registry of metric families (cheap `Clone` handle). Usable on its own; the
/// [`MetricsCollector`](super::MetricsCollector) is built on one.
#[derive(Clone)]
pub struct MetricsRegistry {
    inner: Arc<RegistryInner>,
}

impl fmt::Debug for MetricsRegistry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MetricsRegistry")
            .field("namespace", &self.inner.config.namespace)
            .field("families", &self.family_names())
            .finish()
    }
}

impl Default for MetricsRegistry {
    fn default() -> Self {
        Self::new(MetricsRegistryConfig::default())
    }
}

/// Sample names a family of this type produces in the text format.
fn sample_names(t: MetricType, name: &str) -> Vec<String> {
    match t {
        MetricType::Histogram => vec![
            name.to_string(),
            format!("{name}_bucket"),
            format!("{name}_sum"),
            format!("{name}_count"),
        ],
        _ => vec![name.to_string()],
    }
}

impl MetricsRegistry {
    /// A registry on the platform clock. Panics with the validation message on an invalid
    /// config (use [`try_new`](Self::try_new) to get the error).
    pub fn new(config: MetricsRegistryConfig) -> Self {
        match Self::try_new(config) {
            Ok(r) => r,
            Err(e) => panic!("{e}"),
        }
    }

    /// A registry on the platform clock.
    pub fn try_new(config: MetricsRegistryConfig) -> Result<Self> {
        Self::with_clock(config, default_clock())
    }

    /// A registry whose timestamps come from `clock`.
    pub fn with_clock(config: MetricsRegistryConfig, clock: SharedClock) -> Result<Self> {
        config.validate()?;
        let buckets = Arc::from(config.histogram_buckets.clone());
        let start_wall = clock.wall_time();
        Ok(Self {
            inner: Arc::new(RegistryInner {
                config,
                buckets,
                clock,
                start_wall,
                families: RwLock::new(VecMap::new()),
            }),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &MetricsRegistryConfig {
        &self.inner.config
    }

    /// The clock timestamps are read from.
    pub fn clock(&self) -> &SharedClock {
        &self.inner.clock
    }

    /// Name of the registry's own dropped-series counter family.
    pub fn dropped_series_family_name(&self) -> String {
        format!(
            "{}_metrics_dropped_series_total",
            self.inner.config.namespace
        )
    }

    /// `make` is `dyn`: one compiled registration for the three metric types.
    fn register(
        &self,
        t: MetricType,
        name: &str,
        label_names: &[&str],
        buckets: Option<&[f64]>,
        make: &mut MakeFamily<'_>,
    ) -> Result<AnyFamily> {
        let name = if t == MetricType::Counter && !name.ends_with("_total") {
            format!("{name}_total")
        } else {
            name.to_string()
        };
        validate_metric_name(&name).map_err(Error::InvalidArgument)?;
        validate_label_names(label_names).map_err(Error::InvalidArgument)?;
        if t == MetricType::Histogram && label_names.contains(&"le") {
            return Err(Error::InvalidArgument(format!(
                "histogram {name} cannot use the label name \"le\""
            )));
        }
        if let Some((k, _)) = self
            .inner
            .config
            .const_labels
            .iter()
            .find(|(k, _)| label_names.contains(&k.as_str()))
        {
            return Err(Error::InvalidArgument(format!(
                "label {k:?} of {name} is already a constant label"
            )));
        }
        if name == self.dropped_series_family_name() {
            return Err(Error::InvalidArgument(format!(
                "{name} is reserved by the registry"
            )));
        }
        let bounds: Arc<[f64]> = match buckets {
            Some(b) => {
                validate_buckets(b)
                    .map_err(|r| Error::InvalidArgument(format!("buckets of {name} {r}")))?;
                Arc::from(b.to_vec())
            }
            None if t == MetricType::Histogram => self.inner.buckets.clone(),
            None => Arc::from(Vec::new()),
        };
        let mut fams = self.inner.families.write();
        if let Some(existing) = fams.get(&name) {
            let same_buckets = match existing {
                AnyFamily::Histogram(h) => *h.buckets() == *bounds,
                _ => true,
            };
            if existing.metric_type() == t && existing.label_names() == label_names && same_buckets
            {
                return Ok(existing.clone());
            }
            return Err(Error::InvalidArgument(format!(
                "metric {name} is already registered with another type, labels or buckets"
            )));
        }
        let mine = sample_names(t, &name);
        let clash =
            |other: &str, t: MetricType| sample_names(t, other).iter().any(|s| mine.contains(s));
        let meta = self.dropped_series_family_name();
        let clashing = fams
            .iter()
            .find(|(other, fam)| clash(other, fam.metric_type()))
            .map(|(other, _)| other.clone())
            .or_else(|| clash(&meta, MetricType::Counter).then(|| meta.clone()));
        if let Some(other) = clashing {
            return Err(Error::InvalidArgument(format!(
                "metric {name} would clash with the samples of {other}"
            )));
        }
        let fam = make(&name, bounds, self.inner.config.max_series_per_family);
        fams.insert(name, fam.clone());
        Ok(fam)
    }

    /// Registers (or returns the identical existing) counter family. `_total` is appended
    /// to `name` if missing.
    pub fn counter(&self, name: &str, help: &str, label_names: &[&str]) -> Result<CounterFamily> {
        let f = self.register(
            MetricType::Counter,
            name,
            label_names,
            None,
            &mut |n, b, m| {
                AnyFamily::Counter(CounterFamily(Arc::new(FamilyCore::new(
                    n,
                    help,
                    label_names,
                    b,
                    m,
                ))))
            },
        )?;
        match f {
            AnyFamily::Counter(c) => Ok(c),
            _ => Err(Error::Internal(
                "counter registration returned another type".into(),
            )),
        }
    }

    /// Registers (or returns the identical existing) gauge family.
    pub fn gauge(&self, name: &str, help: &str, label_names: &[&str]) -> Result<GaugeFamily> {
        let f = self.register(
            MetricType::Gauge,
            name,
            label_names,
            None,
            &mut |n, b, m| {
                AnyFamily::Gauge(GaugeFamily(Arc::new(FamilyCore::new(
                    n,
                    help,
                    label_names,
                    b,
                    m,
                ))))
            },
        )?;
        match f {
            AnyFamily::Gauge(g) => Ok(g),
            _ => Err(Error::Internal(
                "gauge registration returned another type".into(),
            )),
        }
    }

    /// Registers (or returns the identical existing) histogram family with the
    /// registry's default buckets.
    pub fn histogram(
        &self,
        name: &str,
        help: &str,
        label_names: &[&str],
    ) -> Result<HistogramFamily> {
        self.histogram_inner(name, help, label_names, None)
    }

    /// Registers a histogram family with explicit bucket upper bounds.
    pub fn histogram_with_buckets(
        &self,
        name: &str,
        help: &str,
        label_names: &[&str],
        buckets: &[f64],
    ) -> Result<HistogramFamily> {
        self.histogram_inner(name, help, label_names, Some(buckets))
    }

    fn histogram_inner(
        &self,
        name: &str,
        help: &str,
        label_names: &[&str],
        buckets: Option<&[f64]>,
    ) -> Result<HistogramFamily> {
        let f = self.register(
            MetricType::Histogram,
            name,
            label_names,
            buckets,
            &mut |n, b, m| {
                AnyFamily::Histogram(HistogramFamily(Arc::new(FamilyCore::new(
                    n,
                    help,
                    label_names,
                    b,
                    m,
                ))))
            },
        )?;
        match f {
            AnyFamily::Histogram(h) => Ok(h),
            _ => Err(Error::Internal(
                "histogram registration returned another type".into(),
            )),
        }
    }

    /// Names of every registered family, sorted.
    pub fn family_names(&self) -> Vec<String> {
        self.inner.families.read().keys().cloned().collect()
    }

    /// Dropped (overflowed) recordings per family, only families with any.
    pub fn dropped_series(&self) -> BTreeMap<String, u64> {
        crate::sort::btree(self.inner.families.read().iter().filter_map(|(n, f)| {
            let d = f.dropped();
            (d > 0).then(|| (n.clone(), d))
        }))
    }

    pub(crate) fn histogram_families(&self) -> Vec<HistogramFamily> {
        self.inner
            .families
            .read()
            .values()
            .filter_map(|f| match f {
                AnyFamily::Histogram(h) => Some(h.clone()),
                _ => None,
            })
            .collect()
    }

    /// A point-in-time copy of every family (no windows: those belong to the collector).
    pub fn snapshot(&self) -> MetricsSnapshot {
        let wall = self.inner.clock.wall_time();
        let fams: Vec<(String, AnyFamily)> = self
            .inner
            .families
            .read()
            .iter()
            .map(|(n, f)| (n.clone(), f.clone()))
            .collect();
        let mut families: Vec<MetricFamilySnapshot> =
            fams.iter().map(|(_, f)| family_snapshot(f)).collect();
        let dropped = self.dropped_series();
        families.push(MetricFamilySnapshot {
            name: self.dropped_series_family_name(),
            metric_type: MetricType::Counter,
            help: "Recordings of new label sets folded into the __overflow__ series because \
                   the family reached max_series_per_family."
                .into(),
            label_names: vec!["family".into()],
            max_series: fams.len(),
            dropped_series: 0,
            series: dropped
                .iter()
                .map(|(n, d)| MetricSeriesSnapshot {
                    labels: MetricsLabels(vec![("family".into(), n.clone())]),
                    value: Some(*d as f64),
                    histogram: None,
                })
                .collect(),
        });
        crate::sort::sort_by(&mut families, |a, b| a.name.cmp(&b.name));
        MetricsSnapshot {
            timestamp_unix_ms: wall.as_millis() as u64,
            start_time_unix_ms: self.inner.start_wall.as_millis() as u64,
            timestamp_unix_nanos: wall.as_nanos() as u64,
            start_time_unix_nanos: self.inner.start_wall.as_nanos() as u64,
            namespace: self.inner.config.namespace.clone(),
            const_labels: MetricsLabels(self.inner.config.const_labels.clone()),
            families,
            dropped_series: dropped,
            windows: Vec::new(),
            window_interval_seconds: None,
            retention_seconds: None,
        }
    }

    /// Prometheus text exposition format 0.0.4.
    pub fn prometheus(&self) -> String {
        self.snapshot().to_prometheus()
    }

    /// OTLP/HTTP JSON `ExportMetricsServiceRequest`.
    pub fn otlp_json(&self) -> String {
        self.snapshot().to_otlp_json()
    }
}

fn labels_of(names: &[Box<str>], values: &[Box<str>]) -> MetricsLabels {
    MetricsLabels(
        names
            .iter()
            .zip(values.iter())
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect(),
    )
}

fn family_snapshot(f: &AnyFamily) -> MetricFamilySnapshot {
    macro_rules! head {
        ($core:expr, $t:expr, $series:expr) => {
            MetricFamilySnapshot {
                name: $core.name.to_string(),
                metric_type: $t,
                help: $core.help.to_string(),
                label_names: $core.label_names.iter().map(|s| s.to_string()).collect(),
                max_series: $core.max_series(),
                dropped_series: $core.dropped_series(),
                series: $series,
            }
        };
    }
    match f {
        AnyFamily::Counter(c) => {
            let core = &c.0;
            let series = core
                .all_series()
                .iter()
                .map(|s| MetricSeriesSnapshot {
                    labels: labels_of(&core.label_names, &s.labels),
                    value: Some(s.cell.get()),
                    histogram: None,
                })
                .collect();
            head!(core, MetricType::Counter, series)
        }
        AnyFamily::Gauge(g) => {
            let core = &g.0;
            let series = core
                .all_series()
                .iter()
                .map(|s| MetricSeriesSnapshot {
                    labels: labels_of(&core.label_names, &s.labels),
                    value: Some(s.cell.get()),
                    histogram: None,
                })
                .collect();
            head!(core, MetricType::Gauge, series)
        }
        AnyFamily::Histogram(h) => {
            let core = &h.0;
            let series = core
                .all_series()
                .iter()
                .map(|s| {
                    let r = s.cell.read();
                    MetricSeriesSnapshot {
                        labels: labels_of(&core.label_names, &s.labels),
                        value: None,
                        histogram: Some(histogram_snapshot(
                            s.cell.bounds(),
                            &r.counts,
                            r.sum,
                            r.min,
                            r.max,
                        )),
                    }
                })
                .collect();
            head!(core, MetricType::Histogram, series)
        }
    }
}

/// Builds the snapshot form (cumulative buckets + quantiles) of per-bucket counts.
pub(crate) fn histogram_snapshot(
    bounds: &[f64],
    counts: &[u64],
    sum: f64,
    min: Option<f64>,
    max: Option<f64>,
) -> HistogramSnapshot {
    let mut cum = 0u64;
    let buckets = bounds
        .iter()
        .zip(counts)
        .map(|(le, c)| {
            cum += c;
            MetricsBucket {
                le: *le,
                count: cum,
            }
        })
        .collect();
    let count: u64 = counts.iter().sum();
    HistogramSnapshot {
        count,
        sum,
        buckets,
        min,
        max,
        p50: quantile(0.5, bounds, counts, min, max),
        p95: quantile(0.95, bounds, counts, min, max),
        p99: quantile(0.99, bounds, counts, min, max),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::ManualClock;

    fn reg(max: usize) -> MetricsRegistry {
        MetricsRegistry::with_clock(
            MetricsRegistryConfig {
                max_series_per_family: max,
                ..Default::default()
            },
            Arc::new(ManualClock::new()),
        )
        .unwrap()
    }

    #[test]
    fn registration_rules() {
        let r = reg(10);
        let c = r.counter("x_requests", "h", &["a"]).unwrap();
        assert_eq!(c.name(), "x_requests_total");
        // identical re-registration returns the same family
        let c2 = r.counter("x_requests_total", "h", &["a"]).unwrap();
        c2.inc(&["v"]).unwrap();
        assert_eq!(c.get(&["v"]), Some(1.0));
        // conflicts
        assert!(r.gauge("x_requests_total", "h", &["a"]).is_err());
        assert!(r.counter("x_requests", "h", &["b"]).is_err());
        assert!(r.histogram("lat", "h", &["le"]).is_err());
        assert!(r.histogram("bad-name", "h", &[]).is_err());
        assert!(r.gauge("g", "h", &["__x"]).is_err());
        let _ = r.histogram("lat", "h", &[]).unwrap();
        assert!(
            r.gauge("lat_count", "h", &[]).is_err(),
            "clashes with lat's samples"
        );
        assert!(r.histogram_with_buckets("lat", "h", &[], &[1.0]).is_err());
        assert!(r
            .histogram_with_buckets("l2", "h", &[], &[2.0, 1.0])
            .is_err());
        assert!(r
            .counter("mantra_metrics_dropped_series", "h", &[])
            .is_err());
        assert_eq!(r.family_names(), vec!["lat", "x_requests_total"]);
    }

    #[test]
    fn snapshot_has_cumulative_buckets_and_dropped_family() {
        let r = reg(2);
        let h = r
            .histogram_with_buckets("lat_seconds", "h", &["op"], &[0.1, 1.0])
            .unwrap();
        for (op, v) in [("a", 0.05), ("a", 0.5), ("a", 5.0), ("b", 0.2), ("c", 0.3)] {
            h.observe(&[op], v).unwrap();
        }
        let s = r.snapshot();
        let f = s.family("lat_seconds").unwrap();
        assert_eq!(f.dropped_series, 1);
        let a = f.series_with(&[("op", "a")]).unwrap();
        let hs = a.histogram.as_ref().unwrap();
        assert_eq!(
            hs.buckets.iter().map(|b| b.count).collect::<Vec<_>>(),
            vec![1, 2]
        );
        assert_eq!(hs.count, 3);
        assert!(hs.buckets.windows(2).all(|w| w[0].count <= w[1].count));
        assert!(hs.buckets.last().unwrap().count <= hs.count);
        assert_eq!(hs.max, Some(5.0));
        let d = s.family("mantra_metrics_dropped_series_total").unwrap();
        assert_eq!(d.series.len(), 1);
        assert_eq!(d.series[0].value, Some(1.0));
        assert_eq!(s.dropped_series.get("lat_seconds"), Some(&1));
        let names: Vec<_> = s.families.iter().map(|f| f.name.clone()).collect();
        let mut sorted = names.clone();
        sorted.sort();
        assert_eq!(names, sorted);
    }
}
