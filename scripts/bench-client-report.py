#!/usr/bin/env python3
"""Tables of `make bench-client` from its `BENCH {json}` lines (target/bench-client/results.txt).

Usage: bench-client-report.py RESULTS_FILE
Each cell is the median over the repeated runs of that variant.
"""
import json
import statistics
import sys
from collections import defaultdict

LABELS = {
    "mantra_batched": "MantraClient (batching on, cache off)",
    "cosmjs_batched10": "CosmJS HttpBatchClient {batchSizeLimit: 10} + Comet38Client",
    "cosmjs_unbatched": "CosmJS HttpClient + Comet38Client",
    "cosmjs_batched_default": "CosmJS HttpBatchClient defaults (20/batch)",
    "keep_alive": "HttpTransport, keep-alive (default)",
    "new_connection": "HttpTransport, pool_max_idle_per_host: 0",
    "cached": "MantraClient, cache on",
    "bypass_cache": "MantraClient, bypass_cache: true",
}


def med(rows, key):
    vals = [r[key] for r in rows if r.get(key) is not None]
    return statistics.median(vals) if vals else float("nan")


def main():
    runs = defaultdict(list)
    with open(sys.argv[1]) as f:
        for line in f:
            if line.startswith("BENCH "):
                r = json.loads(line[6:])
                runs[(r["bench"], r["variant"])].append(r)

    def row(bench, variant, *keys):
        rs = runs.get((bench, variant), [])
        return [med(rs, k) for k in keys], rs

    print("### 1000 concurrent abci_query (distinct keys), median of runs\n")
    print("| client | runs | calls/s | p50 ms | p99 ms | errors |")
    print("|---|---:|---:|---:|---:|---:|")
    for v in ("mantra_batched", "cosmjs_batched10", "cosmjs_unbatched", "cosmjs_batched_default"):
        (cps, p50, p99), rs = row("concurrent", v, "calls_per_s", "p50_ms", "p99_ms")
        if rs:
            errs = sum(r["errors"] for r in rs)
            print(f"| {LABELS[v]} | {len(rs)} | {cps:.0f} | {p50:.1f} | {p99:.1f} | {errs} |")
    ours = row("concurrent", "mantra_batched", "calls_per_s")[0][0]
    print()
    for v, goal in (("cosmjs_batched10", 2), ("cosmjs_unbatched", 5)):
        theirs = row("concurrent", v, "calls_per_s")[0][0]
        if theirs == theirs and theirs > 0:
            r = ours / theirs
            print(f"- MantraClient / {LABELS[v]}: **{r:.2f}×** calls/s "
                  f"(goal ≥ {goal}×: {'met' if r >= goal else 'NOT met'})")
    for r in runs.get(("concurrent", "cosmjs_batched_default"), []):
        if r.get("first_error"):
            print(f"- CosmJS default batch: {r['errors']}/{r['calls']} failed: {r['first_error']}")

    for bench, title, a, b in (
        ("connection", "500 sequential `status` via RpcClient", "keep_alive", "new_connection"),
        ("cache", "one hot `abci_query` 1000× in sequence (batching off)", "cached", "bypass_cache"),
    ):
        (am, ap), ars = row(bench, a, "mean_ms", "p50_ms")
        (bm, bp), brs = row(bench, b, "mean_ms", "p50_ms")
        if not (ars and brs):
            continue
        print(f"\n### {title}\n")
        print("| variant | mean µs | p50 µs | p99 µs |")
        print("|---|---:|---:|---:|")
        for v, rs in ((b, brs), (a, ars)):
            m, p, q = med(rs, "mean_ms"), med(rs, "p50_ms"), med(rs, "p99_ms")
            print(f"| {LABELS[v]} | {m * 1e3:.1f} | {p * 1e3:.1f} | {q * 1e3:.1f} |")
        print(f"\n- reduction: mean {100 * (1 - am / bm):.1f} %, p50 {100 * (1 - ap / bp):.1f} %")


if __name__ == "__main__":
    main()
