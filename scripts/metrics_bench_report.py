#!/usr/bin/env python3
"""Print a Markdown table of the metrics bench medians (criterion's estimates.json).

Usage: metrics_bench_report.py CRITERION_DIR [CRITERION_DIR ...]
With several directories (copies of target/criterion from repeated runs), each cell is
the median of the runs' medians.
"""
import json
import os
import statistics
import sys

ROWS = [
    ("histogram_observe_2_labels", "prometheus_with_label_values", "prometheus_with_label_values",
     "`HistogramVec::with_label_values(&[\"a\",\"b\"]).observe(x)` (prometheus crate)"),
    ("histogram_observe_2_labels", "mantra_observe_labels", "prometheus_with_label_values",
     "`HistogramFamily::observe(&[\"a\",\"b\"], x)` (ours, label lookup)"),
    ("histogram_observe_2_labels", "mantra_with_labels_then_observe", "prometheus_with_label_values",
     "`HistogramFamily::with_labels(&[\"a\",\"b\"])?.observe(x)` (ours, same shape as prometheus)"),
    ("histogram_observe_2_labels", "prometheus_handle", "prometheus_handle",
     "prometheus `Histogram::observe(x)` on a held handle"),
    ("histogram_observe_2_labels", "mantra_handle", "prometheus_handle",
     "`HistogramSeries::observe(x)` (ours, held handle)"),
    ("counter_inc_2_labels", "prometheus_with_label_values", "prometheus_with_label_values",
     "`CounterVec::with_label_values(&[\"a\",\"b\"]).inc()` (prometheus crate)"),
    ("counter_inc_2_labels", "mantra_inc_labels", "prometheus_with_label_values",
     "`CounterFamily::inc(&[\"a\",\"b\"])` (ours)"),
    ("collector", "record_protocol_operation_sync", None,
     "`record_protocol_operation_sync(\"dex\",\"swap\",..)` (counter + histogram)"),
    ("collector", "record_mcp_request_sync", None, "`record_mcp_request_sync(.., \"http\")`"),
]


def median_ns(root, group, bench):
    path = os.path.join(root, f"metrics_{group}", bench, "new", "estimates.json")
    if not os.path.exists(path):
        path = os.path.join(root, "metrics", group, bench, "new", "estimates.json")
    with open(path) as f:
        return json.load(f)["median"]["point_estimate"]


def main():
    roots = sys.argv[1:]
    vals = {}
    for group, bench, _, _ in ROWS:
        vals[(group, bench)] = statistics.median(median_ns(r, group, bench) for r in roots)
    print("| benchmark | median | vs prometheus |")
    print("|---|---:|---:|")
    for group, bench, base, label in ROWS:
        v = vals[(group, bench)]
        ratio = "" if base is None or base == bench else f"{v / vals[(group, base)]:.2f}×"
        print(f"| {label} | {v:.1f} ns | {ratio} |")


if __name__ == "__main__":
    main()
