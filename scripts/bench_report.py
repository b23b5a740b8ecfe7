#!/usr/bin/env python3
"""Print Markdown tables of criterion medians, with ratios, for the Rust component benches.

Usage: bench_report.py BENCH[,BENCH...] CRITERION_DIR [CRITERION_DIR ...]
  BENCH: metrics | cache | batch | all
With several directories (copies of target/criterion from repeated runs), each cell is the
median of the runs' medians. One table per bench; rows are defined in BENCHES below as
(criterion id, label, baseline id or None). The ratio is row / baseline (< 1 = faster).
Benches whose results are missing are reported as missing (exit status 1 if all are).
"""
import json
import os
import statistics
import sys

# bench -> (title, value column, ratio column, divisor to get the unit, unit, rows)
BENCHES = {
    "metrics": (
        "Metrics (`--bench metrics`)", "median", "vs prometheus", 1, "ns",
        [
            ("histogram_observe_2_labels/prometheus_with_label_values",
             "`HistogramVec::with_label_values(&[\"a\",\"b\"]).observe(x)` (prometheus crate)", None),
            ("histogram_observe_2_labels/mantra_observe_labels",
             "`HistogramFamily::observe(&[\"a\",\"b\"], x)` (ours, label lookup)",
             "histogram_observe_2_labels/prometheus_with_label_values"),
            ("histogram_observe_2_labels/mantra_with_labels_then_observe",
             "`HistogramFamily::with_labels(&[\"a\",\"b\"])?.observe(x)` (ours, same shape as prometheus)",
             "histogram_observe_2_labels/prometheus_with_label_values"),
            ("histogram_observe_2_labels/prometheus_handle",
             "prometheus `Histogram::observe(x)` on a held handle", None),
            ("histogram_observe_2_labels/mantra_handle",
             "`HistogramSeries::observe(x)` (ours, held handle)",
             "histogram_observe_2_labels/prometheus_handle"),
            ("counter_inc_2_labels/prometheus_with_label_values",
             "`CounterVec::with_label_values(&[\"a\",\"b\"]).inc()` (prometheus crate)", None),
            ("counter_inc_2_labels/mantra_inc_labels", "`CounterFamily::inc(&[\"a\",\"b\"])` (ours)",
             "counter_inc_2_labels/prometheus_with_label_values"),
            ("collector/record_protocol_operation_sync",
             "`record_protocol_operation_sync(\"dex\",\"swap\",..)` (counter + histogram)", None),
            ("collector/record_mcp_request_sync", "`record_mcp_request_sync(.., \"http\")`", None),
        ],
    ),
    "cache": (
        "Cache (`--bench cache`)", "median", "vs raw lru", 1, "ns",
        [(f"cache_{op}/{b}", f"{op}: {label}", None if b == "raw_lru" else f"cache_{op}/raw_lru")
         for op in ("hit", "insert")
         for b, label in (
             ("raw_lru", "`lru::LruCache` (no lock, no TTL)"),
             ("raw_lru_unbounded", "`lru::LruCache` unbounded"),
             ("quick_cache", "`quick_cache::sync::Cache` (no TTL)"),
             ("moka_ttl", "`moka::sync::Cache` with TTL"),
             ("ttl_cache", "**`TtlCache`** (ours)"),
             ("cache_manager_value", "**`CacheManager`** JSON value (ours)"),
         )]
        + [("clock_now/default", "`runtime::default_clock().now()`", None),
           ("clock_now/fast", "`runtime::fast_clock().now()`", "clock_now/default")],
    ),
    "batch": (
        "Batch (`--bench batch`, per operation)", "ns/op", "vs concurrent", 1000, "ns",
        [
            ("batch/submit_1000_concurrent",
             "1000 × `add_operation`, then await the tickets", None),
            ("batch/new_op_and_submit_1000_concurrent",
             "same, building each op with `BatchOperation::new`", "batch/submit_1000_concurrent"),
            ("batch/submit_1000_sequential",
             "1000 × `submit(op).await` in sequence", "batch/submit_1000_concurrent"),
        ],
    ),
}

# Extra extra ratios printed under a table: (label, numerator id, denominator id).
EXTRA = {
    "cache": [
        ("TtlCache hit / quick_cache hit", "cache_hit/ttl_cache", "cache_hit/quick_cache"),
        ("TtlCache hit / moka hit", "cache_hit/ttl_cache", "cache_hit/moka_ttl"),
        ("CacheManager hit / raw lru hit", "cache_hit/cache_manager_value", "cache_hit/raw_lru"),
        ("TtlCache insert / quick_cache insert", "cache_insert/ttl_cache", "cache_insert/quick_cache"),
        ("TtlCache insert / moka insert", "cache_insert/ttl_cache", "cache_insert/moka_ttl"),
    ],
}


def estimate_path(root, bench, cid):
    """Criterion's directory for `cid` ("group/function"): `group/function`, or the older
    layouts `bench_group/function` and `group_function` (ids with `/` flattened)."""
    group, _, func = cid.partition("/")
    candidates = [
        os.path.join(root, group, func),
        os.path.join(root, f"{bench}_{group}", func),
        os.path.join(root, bench, group, func),
        os.path.join(root, f"{group}_{func}"),
    ]
    for c in candidates:
        p = os.path.join(c, "new", "estimates.json")
        if os.path.exists(p):
            return p
    return None


def median(roots, bench, cid):
    vals = []
    for r in roots:
        p = estimate_path(r, bench, cid)
        if p:
            with open(p) as f:
                vals.append(json.load(f)["median"]["point_estimate"])
    return statistics.median(vals) if vals else None


def fmt(v, unit):
    if v is None:
        return "missing"
    return f"{v / 1000:.2f} µs" if v >= 10_000 else f"{v:.1f} {unit}"


def report(bench, roots):
    title, col, ratio_col, div, unit, rows = BENCHES[bench]
    vals = {}
    for cid, _, base in rows:
        for i in (cid, base):
            if i and i not in vals:
                m = median(roots, bench, i)
                vals[i] = None if m is None else m / div
    print(f"### {title}\n")
    if all(vals[cid] is None for cid, _, _ in rows):
        print(f"(no criterion results for `{bench}` under {', '.join(roots)})\n")
        return False
    print(f"| benchmark | {col} | {ratio_col} |")
    print("|---|---:|---:|")
    for cid, label, base in rows:
        v, b = vals[cid], vals.get(base) if base else None
        ratio = f"{v / b:.2f}×" if v is not None and b else ""
        print(f"| {label} | {fmt(v, unit)} | {ratio} |")
    extra = EXTRA.get(bench, [])
    if extra:
        print()
        for label, num, den in extra:
            n, d = median(roots, bench, num), median(roots, bench, den)
            if n is not None and d:
                print(f"- {label}: {n / d:.2f}×")
    print()
    return True


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    names = list(BENCHES) if sys.argv[1] == "all" else sys.argv[1].split(",")
    unknown = [n for n in names if n not in BENCHES]
    if unknown:
        sys.exit(f"unknown bench {unknown}; known: {', '.join(BENCHES)}")
    found = [report(n, sys.argv[2:]) for n in names]
    sys.exit(0 if any(found) else 1)


if __name__ == "__main__":
    main()
