"""Shared timing helpers of the Python benchmarks: the best of several timeit repeats,
reported in nanoseconds per operation (the minimum is the least disturbed by other load)."""

from __future__ import annotations

import json
import os
import platform
import sys
import timeit
from typing import Any, Dict, List

RESULTS: List[Dict[str, Any]] = []


def build_label() -> str:
    """Which wheel runs: ``abi3-py39`` or ``abi3-py311`` (from the extension's file name)."""
    import mantra_sdk._native as native

    tag = os.environ.get("MANTRA_BENCH_BUILD")
    if tag:
        return tag
    return os.path.basename(native.__file__)


def ns_per_op(stmt: str, env: Dict[str, Any], number: int, repeat: int = 7) -> float:
    best = min(timeit.repeat(stmt, globals=env, number=number, repeat=repeat))
    return best / number * 1e9


def record(group: str, name: str, ns: float, baseline: str = "") -> None:
    RESULTS.append({"group": group, "name": name, "ns": ns, "baseline": baseline})


def report(title: str) -> None:
    print(f"## {title} — {build_label()} — Python {platform.python_version()} ({sys.platform})")
    by_name = {(r["group"], r["name"]): r["ns"] for r in RESULTS}
    print(f"| {'case':44} | {'ns/op':>8} | {'vs anchor':>10} |")
    print(f"|{'-' * 46}|{'-' * 10}:|{'-' * 11}:|")
    for r in RESULTS:
        ratio = ""
        if r["baseline"]:
            base = by_name[(r["group"], r["baseline"])]
            ratio = f"{base / r['ns']:.1f}x faster" if r["ns"] < base else f"{r['ns'] / base:.2f}x time"
        print(f"| {r['group'] + ': ' + r['name']:44} | {r['ns']:8.0f} | {ratio:>10} |")
    out = os.environ.get("MANTRA_BENCH_JSON")
    if out:
        with open(out, "a") as f:
            for r in RESULTS:
                f.write(json.dumps({**r, "build": build_label(), "title": title}) + "\n")
