//! Prometheus text exposition format 0.0.4.
//!
//! `# HELP` and `# TYPE` once per family, families sorted by name, series by label values
//! (overflow series last). Label values escape `\`, `"` and newline; help text escapes `\`
//! and newline. Histograms emit cumulative `_bucket{le=".."}` lines ending in
//! `le="+Inf"` (equal to `_count`), then `_sum` and `_count`.

use super::push_float;
use crate::metrics::config::MetricType;
use crate::metrics::snapshot::{MetricsLabels, MetricsSnapshot};

/// `Content-Type` of this format.
pub const PROMETHEUS_CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

pub(crate) fn escape_label_value(out: &mut String, v: &str) {
    for c in v.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
}

pub(crate) fn escape_help(out: &mut String, v: &str) {
    for c in v.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
}

fn push_labels(out: &mut String, consts: &MetricsLabels, labels: &MetricsLabels, le: Option<f64>) {
    if consts.is_empty() && labels.is_empty() && le.is_none() {
        return;
    }
    out.push('{');
    let mut first = true;
    for (k, v) in consts.iter().chain(labels.iter()) {
        if !first {
            out.push(',');
        }
        first = false;
        out.push_str(k);
        out.push_str("=\"");
        escape_label_value(out, v);
        out.push('"');
    }
    if let Some(le) = le {
        if !first {
            out.push(',');
        }
        out.push_str("le=\"");
        push_float(out, le);
        out.push('"');
    }
    out.push('}');
}

pub(crate) fn render(s: &MetricsSnapshot) -> String {
    let mut out = String::with_capacity(4096);
    for f in &s.families {
        out.push_str("# HELP ");
        out.push_str(&f.name);
        out.push(' ');
        escape_help(&mut out, &f.help);
        out.push_str("\n# TYPE ");
        out.push_str(&f.name);
        out.push(' ');
        out.push_str(f.metric_type.as_str());
        out.push('\n');
        for series in &f.series {
            match (f.metric_type, &series.histogram) {
                (MetricType::Histogram, Some(h)) => {
                    for b in &h.buckets {
                        out.push_str(&f.name);
                        out.push_str("_bucket");
                        push_labels(&mut out, &s.const_labels, &series.labels, Some(b.le));
                        out.push(' ');
                        out.push_str(&b.count.to_string());
                        out.push('\n');
                    }
                    out.push_str(&f.name);
                    out.push_str("_bucket");
                    push_labels(
                        &mut out,
                        &s.const_labels,
                        &series.labels,
                        Some(f64::INFINITY),
                    );
                    out.push(' ');
                    out.push_str(&h.count.to_string());
                    out.push('\n');
                    out.push_str(&f.name);
                    out.push_str("_sum");
                    push_labels(&mut out, &s.const_labels, &series.labels, None);
                    out.push(' ');
                    push_float(&mut out, h.sum);
                    out.push('\n');
                    out.push_str(&f.name);
                    out.push_str("_count");
                    push_labels(&mut out, &s.const_labels, &series.labels, None);
                    out.push(' ');
                    out.push_str(&h.count.to_string());
                    out.push('\n');
                }
                _ => {
                    out.push_str(&f.name);
                    push_labels(&mut out, &s.const_labels, &series.labels, None);
                    out.push(' ');
                    push_float(&mut out, series.value.unwrap_or(0.0));
                    out.push('\n');
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use crate::metrics::{MetricsRegistry, MetricsRegistryConfig};
    use crate::runtime::ManualClock;

    fn reg(consts: Vec<(String, String)>, max: usize) -> MetricsRegistry {
        MetricsRegistry::with_clock(
            MetricsRegistryConfig {
                const_labels: consts,
                max_series_per_family: max,
                ..Default::default()
            },
            Arc::new(ManualClock::new()),
        )
        .unwrap()
    }

    #[test]
    fn escaping_of_label_values_and_help() {
        let r = reg(vec![], 10);
        let c = r
            .counter("esc", "line1\nback\\slash \"quoted\"", &["v"])
            .unwrap();
        c.inc(&["a\"b\\c\nd ünï"]).unwrap();
        let text = r.prometheus();
        assert!(
            text.contains("# HELP esc_total line1\\nback\\\\slash \"quoted\"\n"),
            "{text}"
        );
        assert!(
            text.contains("esc_total{v=\"a\\\"b\\\\c\\nd ünï\"} 1\n"),
            "{text}"
        );
        assert_eq!(text.matches("# TYPE esc_total counter\n").count(), 1);
    }

    #[test]
    fn histogram_lines_are_cumulative_and_inf_equals_count() {
        let r = reg(vec![("app".into(), "x".into())], 10);
        let h = r
            .histogram_with_buckets("lat_seconds", "Latency.", &["op"], &[0.1, 1.0, 2.5])
            .unwrap();
        for v in [0.05, 0.05, 0.5, 2.0, 7.0] {
            h.observe(&["q"], v).unwrap();
        }
        let text = r.prometheus();
        let expected = "# HELP lat_seconds Latency.\n# TYPE lat_seconds histogram\n\
lat_seconds_bucket{app=\"x\",op=\"q\",le=\"0.1\"} 2\n\
lat_seconds_bucket{app=\"x\",op=\"q\",le=\"1\"} 3\n\
lat_seconds_bucket{app=\"x\",op=\"q\",le=\"2.5\"} 4\n\
lat_seconds_bucket{app=\"x\",op=\"q\",le=\"+Inf\"} 5\n\
lat_seconds_sum{app=\"x\",op=\"q\"} 9.6\n\
lat_seconds_count{app=\"x\",op=\"q\"} 5\n";
        assert!(text.contains(expected), "{text}");
    }

    #[test]
    fn special_floats_and_deterministic_order() {
        let r = reg(vec![], 10);
        let g = r.gauge("g", "h", &["k"]).unwrap();
        g.set(&["b"], f64::INFINITY).unwrap();
        g.set(&["a"], f64::NAN).unwrap();
        g.set(&["c"], f64::NEG_INFINITY).unwrap();
        r.gauge("a_first", "h", &[])
            .unwrap()
            .set(&[], 1e-7)
            .unwrap();
        let text = r.prometheus();
        assert!(text.contains("g{k=\"a\"} NaN\ng{k=\"b\"} +Inf\ng{k=\"c\"} -Inf\n"));
        assert!(text.contains("a_first 1e-07\n"));
        assert!(text.find("# HELP a_first").unwrap() < text.find("# HELP g ").unwrap());
        assert_eq!(text, r.prometheus(), "same state, same bytes");
    }

    #[test]
    fn overflow_series_and_dropped_counter_are_exported() {
        let r = reg(vec![], 2);
        let c = r.counter("req", "h", &["user"]).unwrap();
        for u in ["a", "b", "c", "d"] {
            c.inc(&[u]).unwrap();
        }
        let text = r.prometheus();
        assert!(
            text.contains("req_total{user=\"__overflow__\"} 2\n"),
            "{text}"
        );
        assert!(
            text.contains("mantra_metrics_dropped_series_total{family=\"req_total\"} 2\n"),
            "{text}"
        );
    }
}
