"""An example consumer of mantra-sdk, checked with ``mypy --strict`` by ``make test-python``
(and run, against the installed wheel). It uses the public API the way an application would.
"""

from __future__ import annotations

import asyncio
from typing import Dict, List, Optional

import mantra_sdk
from mantra_sdk import (
    BatchConfig,
    BatchManager,
    BatchOperation,
    BatchStats,
    CacheConfig,
    CacheManager,
    CacheStats,
    CacheType,
    ComponentHealth,
    HealthChecker,
    HealthConfig,
    HealthStatus,
    InvalidConfigError,
    JsonValue,
    MantraClient,
    ManualClock,
    MantraError,
    MetricsCollector,
    MetricsConfig,
    MetricsSnapshot,
    PoolConfig,
    RpcError,
    SystemHealth,
)


async def node_reachable() -> None:
    """Healthy unless it raises."""
    await asyncio.sleep(0)


async def node_synced() -> Optional[str]:
    """``None`` is healthy; a string reports degradation."""
    catching_up = False
    return "catching up" if catching_up else None


async def pool_state() -> Dict[str, int]:
    """A dict is healthy, with details."""
    return {"connections": 4}


def build_config(timeout_s: float) -> Optional[HealthConfig]:
    try:
        return HealthConfig(check_timeout=timeout_s, failure_threshold=3, service_name="demo")
    except InvalidConfigError as e:
        field: str = e.field
        code: str = e.code
        print(f"bad config field {field} ({code})")
        return None


def unhealthy_components(report: SystemHealth) -> List[str]:
    return [name for name, c in report["components"].items() if c["status"] == "unhealthy"]


async def cached_pool(cache: CacheManager, pool_id: str) -> JsonValue:
    async def fetch() -> JsonValue:
        return {"pool_identifier": pool_id, "reserves": ["100", "200"]}

    kind: CacheType = "pool_info"
    return await cache.get_or_fetch(pool_id, kind, fetch)


async def rpc_batch(ops: List[BatchOperation]) -> List[object]:
    """A batch function: one result per operation; an exception item fails that one."""
    out: List[object] = []
    for op in ops:
        if op.id == "broken":
            out.append(RpcError("method not found", rpc_code=-32601))
        else:
            out.append({"method": op.id, "params": op.params})
    return out


async def components() -> bool:
    clock = ManualClock()
    cache = CacheManager(CacheConfig(max_entries=100, ttl_by_type={"block": 6.0}), clock=clock)
    cache.put("latest", {"height": 1}, "block")
    pool = await cached_pool(cache, "o.uom.uusdc")
    await clock.advance(6.0)
    stats: CacheStats = cache.stats()
    expired = cache.get("latest", "block") is None

    batch = BatchManager(BatchConfig(max_batch_size=10, max_batch_delay=0.002), rpc_batch)
    status = batch.submit("status", [])
    broken = batch.submit("broken", priority="high", timeout=5.0)
    await batch.flush()
    reply: JsonValue = await status
    try:
        await broken
    except RpcError as e:
        code: int = e.rpc_code
        print("rpc error", code)
    bstats: BatchStats = batch.stats()

    metrics = MetricsCollector(MetricsConfig(namespace="demo"))
    metrics.record_protocol_operation("rpc", "status", 0.012, True)
    metrics.record_custom_metric("dex", "swaps", 1.0, "counter")
    snapshot: MetricsSnapshot = metrics.get_all_metrics()
    text: str = metrics.prometheus()
    return (
        expired
        and stats["hits"] == 0
        and pool is not None
        and reply is not None
        and bstats["operations"] == 2
        and len(snapshot["families"]) > 0
        and "demo_protocol_operations_total" in text
    )


async def latest_height(urls: List[str]) -> int:
    """Type-checked use of the client (run by the devnet tests, not here)."""

    async def via_urllib(request: Dict[str, object]) -> Dict[str, object]:
        return {"status": 503, "body": b"", "retry_after": 1.0}

    pool = PoolConfig(max_connections=8, min_connections=2, acquire_timeout=2.0)
    per_endpoint: int = pool.max_connections
    async with MantraClient.connect(
        urls, pool=pool, cache=False, batch=BatchConfig(max_batch_delay=0.005)
    ) as client:
        status = await client.status()
        found = await client.abci_query("", b"key", height=None)
        value: bytes = found["value"]
        reply: JsonValue = await client.call("abci_info", priority="high", timeout=2.0)
        metrics: str = client.metrics.prometheus()
        print(len(value), reply is not None, len(metrics), client.pool_stats()["healthy_endpoints"], per_endpoint)
    other = await MantraClient.connect(urls, transport=via_urllib, request_timeout=5.0)
    other.close()
    return int(status["sync_info"]["latest_block_height"])


async def main() -> int:
    assert build_config(0.0) is None  # check_timeout must be > 0
    config = build_config(2.0)
    assert config is not None
    checker = HealthChecker(config)
    checker.register_check("node", node_reachable)
    checker.register_check("sync", node_synced, critical=False, timeout=1.0, tags=["node"])
    checker.register_check("pool", pool_state)

    report: SystemHealth = await checker.run_health_checks()
    overall: HealthStatus = report["overall_status"]
    node: Optional[ComponentHealth] = checker.get_protocol_health("node")
    latency_ms: Optional[float] = node["last_latency_ms"] if node else None
    print(f"mantra-sdk {mantra_sdk.__version__}: {overall}; node latency {latency_ms} ms")
    print("unhealthy:", unhealthy_components(report))

    try:
        await checker.run_check("missing")
    except MantraError as e:
        print("expected error:", e.code)

    diagnostics = checker.get_diagnostics()
    runs: int = diagnostics["total_runs"]
    ok = await components()
    return 0 if overall == "healthy" and runs == 1 and ok else 1


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
