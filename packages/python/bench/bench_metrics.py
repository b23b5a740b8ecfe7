"""MetricsCollector.record_protocol_operation against prometheus_client's labelled
histogram observe (same labels, same value, same run).

Run: ``make bench-python`` (both wheel builds), or ``python bench/bench_metrics.py``.
"""

from __future__ import annotations

import prometheus_client

from _timing import ns_per_op, record, report

import mantra_sdk

N = 200_000


def main() -> None:
    reg = prometheus_client.CollectorRegistry()
    hist = prometheus_client.Histogram(
        "rpc_duration_seconds", "RPC latency", ["protocol", "operation"], registry=reg
    )
    counter = prometheus_client.Counter(
        "rpc_operations", "RPC operations", ["protocol", "operation", "status"], registry=reg
    )
    ours = mantra_sdk.MetricsCollector()
    env = {"hist": hist, "counter": counter, "ours": ours}
    group = "metrics record"
    base = "prometheus_client Histogram.labels(..).observe"
    record(group, base, ns_per_op("hist.labels('rpc', 'status').observe(0.012)", env, N))
    record(
        group,
        "prometheus_client observe + counter inc",
        ns_per_op(
            "hist.labels('rpc', 'status').observe(0.012); counter.labels('rpc', 'status', 'success').inc()",
            env,
            N,
        ),
    )
    record(
        group,
        "MetricsCollector.record_protocol_operation",
        ns_per_op("ours.record_protocol_operation('rpc', 'status', 0.012, True)", env, N),
        base,
    )
    record(
        group,
        "MetricsCollector.record_mcp_request",
        ns_per_op("ours.record_mcp_request(0.012, True, 'http')", env, N),
        base,
    )
    report("metrics")


if __name__ == "__main__":
    main()
