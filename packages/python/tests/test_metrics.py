"""MetricsCollector: recording, snapshots and the Prometheus / OTLP exporters."""

import asyncio
import json
import shutil
import subprocess
import threading
from typing import Any, Awaitable, Dict, List, Mapping, TypeVar

import pytest

from mantra_sdk import (
    CapacityExceededError,
    InvalidArgumentError,
    InvalidConfigError,
    ManualClock,
    MantraTypeError,
    MetricsCollector,
    MetricsConfig,
)

T = TypeVar("T")


def run(coro: Awaitable[T]) -> T:
    return asyncio.run(coro)  # type: ignore[arg-type]


def family(snapshot: Mapping[str, Any], name: str) -> Dict[str, Any]:
    for f in snapshot["families"]:
        if f["name"] == name:
            fam: Dict[str, Any] = f
            return fam
    raise KeyError(name)


def test_config_defaults_come_from_the_core() -> None:
    c = MetricsConfig()
    assert c.namespace == "mantra"
    assert (c.aggregation_interval, c.retention_period) == (60.0, 3600.0)
    assert c.max_series_per_family == 1000
    assert c.histogram_buckets == [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0]
    assert c.enable_protocol_metrics and c.enable_mcp_metrics and c.enable_custom_metrics
    assert c.const_labels == {}
    assert MetricsConfig(const_labels={"env": "test"}).const_labels == {"env": "test"}


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"aggregation_interval": 0.0}, "aggregation_interval"),
        ({"retention_period": 1.0, "aggregation_interval": 2.0}, "retention_period"),
        ({"namespace": "bad-name"}, "namespace"),
        ({"max_series_per_family": 0}, "max_series_per_family"),
        ({"histogram_buckets": []}, "histogram_buckets"),
        ({"histogram_buckets": [1.0, 0.5]}, "histogram_buckets"),
        ({"const_labels": {"__bad": "x"}}, "const_labels"),
    ],
)
def test_invalid_config_names_the_field(kwargs: Any, field: str) -> None:
    with pytest.raises(InvalidConfigError) as e:
        MetricsConfig(**kwargs)
    assert e.value.field == field


def test_protocol_operations_are_counted_and_timed() -> None:
    m = MetricsCollector()
    m.record_protocol_operation("rpc", "status", 0.004, True)
    m.record_protocol_operation("rpc", "status", 0.2, True)
    m.record_protocol_operation("rpc", "status", 3.0, False, "timeout")
    snap = m.get_all_metrics()
    ops = family(snap, "mantra_protocol_operations_total")
    by_status = {s["labels"]["status"]: s["value"] for s in ops["series"]}
    assert by_status == {"success": 2.0, "error": 1.0}
    hist = family(snap, "mantra_protocol_operation_duration_seconds")["series"][0]
    assert hist["labels"] == {"protocol": "rpc", "operation": "status"}
    assert hist["count"] == 3 and hist["sum"] == pytest.approx(3.204)
    assert hist["min"] == pytest.approx(0.004) and hist["max"] == pytest.approx(3.0)
    errors = family(snap, "mantra_protocol_errors_total")["series"]
    assert errors[0]["labels"]["error"] == "timeout" and errors[0]["value"] == 1.0
    text = m.prometheus()
    assert 'mantra_protocol_operation_duration_seconds_bucket{protocol="rpc",operation="status",le="0.005"} 1' in text
    assert 'le="+Inf"} 3' in text


def test_mcp_and_custom_metrics() -> None:
    m = MetricsCollector()
    m.record_mcp_request(0.01, True, "http")
    m.record_mcp_request(0.02, False, "http")
    m.record_custom_metric("dex", "swaps", 2, "counter")
    m.record_custom_metric("dex", "swaps", 3, "counter")
    m.record_custom_metric("dex", "depth", 7.5, "gauge")
    m.record_custom_metric("dex", "slippage", 0.01, "histogram")
    text = m.prometheus()
    assert "mantra_custom_dex_swaps_total 5" in text
    assert "mantra_custom_dex_depth 7.5" in text
    assert 'mantra_mcp_requests_total{transport="http",status="error"} 1' in text
    with pytest.raises(InvalidArgumentError):
        m.record_custom_metric("dex", "swaps", 1, "gauge")  # type changed
    with pytest.raises(InvalidArgumentError):
        m.record_custom_metric("dex", "swaps", -1, "counter")
    with pytest.raises(InvalidArgumentError):
        m.record_custom_metric("dex", "x", 1, "summary")  # type: ignore[arg-type]
    assert 'mantra_metrics_rejected_total{reason="type_conflict"} 1' in m.prometheus()
    small = MetricsCollector(MetricsConfig(max_custom_metrics=1))
    small.record_custom_metric("a", "b", 1, "gauge")
    with pytest.raises(CapacityExceededError):
        small.record_custom_metric("a", "c", 1, "gauge")


def test_bad_arguments_are_typed_errors() -> None:
    m = MetricsCollector()
    with pytest.raises(MantraTypeError):
        m.record_protocol_operation(1, "op", 0.1, True)  # type: ignore[arg-type]
    with pytest.raises(MantraTypeError):
        m.record_mcp_request(0.1, True, None)  # type: ignore[arg-type]
    with pytest.raises(InvalidArgumentError):
        m.record_protocol_operation("rpc", "op", -0.1, True)
    with pytest.raises(InvalidArgumentError):
        m.record_protocol_operation("rpc", "op", float("nan"), True)
    with pytest.raises(TypeError):
        m.record_protocol_operation("rpc", "op", "0.1", True)  # type: ignore[arg-type]
    assert family(m.get_all_metrics(), "mantra_protocol_operations_total")["series"] == []


def test_resource_usage_sets_the_gauges_given() -> None:
    m = MetricsCollector(MetricsConfig(const_labels={"env": "test"}, enable_process_metrics=False))
    m.record_resource_usage(
        memory_used_bytes=1024,
        memory_pooled_bytes=64,
        cache_bytes=2048,
        cache_entries=12,
        active_connections=3,
        pending_requests=7,
    )
    text = m.prometheus()
    for line in [
        'mantra_resource_memory_bytes{env="test",kind="used"} 1024',
        'mantra_resource_memory_bytes{env="test",kind="pooled"} 64',
        'mantra_resource_memory_bytes{env="test",kind="cache"} 2048',
        'mantra_resource_cache_entries{env="test"} 12',
        'mantra_resource_connections_active{env="test"} 3',
        'mantra_resource_pending_requests{env="test"} 7',
    ]:
        assert line in text.splitlines(), f"{line!r} not in\n{text}"
    # Only the gauges given change.
    m.record_resource_usage(cache_entries=5)
    lines = m.prometheus().splitlines()
    assert 'mantra_resource_cache_entries{env="test"} 5' in lines
    assert 'mantra_resource_connections_active{env="test"} 3' in lines
    assert family(m.get_all_metrics(), "mantra_resource_pending_requests")["series"][0]["value"] == 7.0

    # Bad values are refused by name (a bad argument, not a config error), and nothing of a
    # refused call is recorded.
    with pytest.raises(InvalidArgumentError, match="`pending_requests` must not be negative"):
        m.record_resource_usage(cache_entries=99, pending_requests=-1)
    with pytest.raises(InvalidArgumentError, match="`cache_bytes` is too large"):
        m.record_resource_usage(cache_entries=99, cache_bytes=2**70)
    with pytest.raises(InvalidArgumentError, match="`bytes` must not be negative"):
        m.record_memory_bytes("cache", -1)
    with pytest.raises(MantraTypeError, match="active_connections"):
        m.record_resource_usage(active_connections=1.5)  # type: ignore[arg-type]
    with pytest.raises(MantraTypeError, match="cache_bytes"):
        m.record_resource_usage(cache_bytes=True)
    with pytest.raises(TypeError):
        m.record_resource_usage(12)  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        m.record_resource_usage(cache_entrys=1)  # type: ignore[call-arg]
    assert 'mantra_resource_cache_entries{env="test"} 5' in m.prometheus().splitlines()

    off = MetricsCollector(MetricsConfig(enable_resource_metrics=False))
    off.record_resource_usage(cache_entries=1)
    assert "mantra_resource_cache_entries" not in off.prometheus()


def test_cardinality_cap_folds_new_label_sets_into_overflow() -> None:
    m = MetricsCollector(MetricsConfig(max_series_per_family=2))
    for i in range(5):
        m.record_protocol_operation("rpc", f"op{i}", 0.01, True)
    snap = m.get_all_metrics()
    hist = family(snap, "mantra_protocol_operation_duration_seconds")
    assert len(hist["series"]) == 3  # two real + one __overflow__
    assert sum(s["count"] for s in hist["series"]) == 5
    assert hist["dropped_series"] == 3


def test_windows_aggregate_in_virtual_time() -> None:
    async def main() -> None:
        clock = ManualClock()
        m = MetricsCollector(
            MetricsConfig(aggregation_interval=10.0, retention_period=30.0, enable_process_metrics=False),
            clock=clock,
        )
        m.start()
        m.start()
        assert m.is_running
        m.record_protocol_operation("rpc", "block", 0.1, True)
        m.record_protocol_operation("rpc", "block", 0.3, True)
        await clock.advance(10.0)
        windows = m.get_all_metrics()["windows"]
        assert len(windows) == 1
        w = windows[0]
        assert (w["count"], w["family"]) == (2, "mantra_protocol_operation_duration_seconds")
        assert w["sum"] == pytest.approx(0.4) and w["max"] == pytest.approx(0.3)
        assert w["end_unix_ms"] - w["start_unix_ms"] == 10_000
        await clock.advance(40.0)
        assert m.get_all_metrics()["windows"] == [], "pruned after the retention period"
        m.close()
        assert not m.is_running

    run(main())


def test_otlp_json_is_an_export_request() -> None:
    m = MetricsCollector(MetricsConfig(const_labels={"service": "test"}))
    m.record_protocol_operation("rpc", "status", 0.02, True)
    doc = json.loads(m.otlp_json())
    metrics = doc["resourceMetrics"][0]["scopeMetrics"][0]["metrics"]
    names = {x["name"] for x in metrics}
    assert "mantra_protocol_operation_duration_seconds" in names


def test_threads_record_concurrently_without_losing_counts() -> None:
    m = MetricsCollector()

    def worker() -> None:
        for _ in range(5000):
            m.record_protocol_operation("rpc", "status", 0.001, True)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ops = family(m.get_all_metrics(), "mantra_protocol_operations_total")["series"]
    assert ops[0]["value"] == 20000.0


@pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool not installed")
def test_prometheus_text_passes_promtool() -> None:
    m = MetricsCollector(MetricsConfig(const_labels={"chain": "mantra-1"}))
    m.record_protocol_operation("rpc", 'quote"and\\back\nslash', 0.05, False, "rpc")
    m.record_protocol_operation("dex", "simulate", 0.5, True)
    m.record_mcp_request(0.01, True, "http")
    m.record_custom_metric("dex", "swaps", 3, "counter")
    m.record_custom_metric("dex", "depth", 1.5, "gauge")
    m.record_custom_metric("dex", "slippage", 0.02, "histogram")
    m.record_memory_bytes("cache", 1234)
    text = m.prometheus()
    r = subprocess.run(
        ["promtool", "check", "metrics"], input=text, capture_output=True, text=True, check=False
    )
    # promtool exits 0 for clean text; lint findings (not errors) go to stdout with code 3.
    assert r.returncode == 0, f"promtool: {r.stdout}{r.stderr}\n{text}"
    lines: List[str] = text.splitlines()
    assert any('operation="quote\\"and\\\\back\\nslash"' in line for line in lines)
