"""MantraClient against the real devnet (`scripts/devnet up`: two CometBFT nodes with the
kvstore app). The endpoints come from MANTRA_RPC_1 / MANTRA_RPC_2 or the repository's
`.devnet/env`; without a reachable devnet these tests are skipped, unless
MANTRA_REQUIRE_DEVNET=1 (set by `make test-python`), which turns that into a failure.
"""

from __future__ import annotations

import asyncio
import json
import os
import pathlib
import re
import shutil
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from typing import Any, Awaitable, Dict, List, Mapping, TypeVar

import pytest

from mantra_sdk import (
    BatchConfig,
    CacheConfig,
    ClosedError,
    InvalidArgumentError,
    InvalidConfigError,
    MantraClient,
    MantraError,
    MantraTypeError,
    MetricsCollector,
    MetricsConfig,
    PoolConfig,
    RpcError,
    TransportError,
)

T = TypeVar("T")
ROOT = pathlib.Path(__file__).resolve().parents[3]


def run(coro: Awaitable[T]) -> T:
    return asyncio.run(coro)  # type: ignore[arg-type]


def devnet_endpoints() -> List[str]:
    env: Dict[str, str] = {}
    env_file = ROOT / ".devnet" / "env"
    if env_file.exists():
        for line in env_file.read_text().splitlines():
            if "=" in line:
                k, v = line.split("=", 1)
                env[k.strip()] = v.strip()
    urls = [os.environ.get(k) or env.get(k, "") for k in ("MANTRA_RPC_1", "MANTRA_RPC_2")]
    return [u for u in urls if u]


def reachable(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=2) as r:
            return bool(r.status == 200)
    except OSError:
        return False


ENDPOINTS = devnet_endpoints()
UP = len(ENDPOINTS) == 2 and all(reachable(u) for u in ENDPOINTS)
if not UP and os.environ.get("MANTRA_REQUIRE_DEVNET") == "1":
    raise RuntimeError(f"the devnet is not reachable at {ENDPOINTS} (scripts/devnet up)")
pytestmark = pytest.mark.skipif(not UP, reason=f"devnet not reachable ({ENDPOINTS})")

DEAD = "http://127.0.0.1:9"  # nothing listens there: connection refused


async def wait_for_value(c: MantraClient, key: bytes, deadline_s: float = 20.0) -> Dict[str, Any]:
    """Polls (bypassing the cache) until the kvstore has `key`, bounded."""
    end = time.monotonic() + deadline_s
    while True:
        r = await c.call("abci_query", {"path": "", "data": key.hex(), "height": "0", "prove": False}, bypass_cache=True)
        resp: Dict[str, Any] = r["response"]
        if resp.get("log") == "exists" or time.monotonic() > end:
            return resp
        await asyncio.sleep(0.2)


def test_status_health_info_and_blocks() -> None:
    async def main() -> None:
        async with MantraClient.connect(ENDPOINTS) as c:
            s = await c.status()
            height = int(s["sync_info"]["latest_block_height"])
            assert height > 0 and s["node_info"]["network"]
            # Typed `-> None`; the runtime value is checked all the same.
            assert await c.health_check() is None  # type: ignore[func-returns-value]
            info = await c.abci_info()
            assert int(info["last_block_height"]) > 0
            b = await c.block(height)
            assert int(b["block"]["header"]["height"]) == height
            latest = await c.block()
            assert int(latest["block"]["header"]["height"]) >= height
            net = await c.call("net_info")
            assert "n_peers" in net
            assert "MantraClient(endpoints=" in repr(c)
        assert c.is_closed

    run(main())


def test_broadcast_then_query_the_kvstore() -> None:
    async def main() -> None:
        async with MantraClient.connect(ENDPOINTS) as c:
            key = f"py-{uuid.uuid4().hex[:12]}".encode()
            r = await c.broadcast_tx_sync(key + b"=" + b"value-from-python")
            assert r["code"] == 0 and len(r["hash"]) == 64
            assert isinstance(r["data"], bytes)
            resp = await wait_for_value(c, key)
            assert resp["log"] == "exists"
            q = await c.abci_query("", key)
            assert q["value"] == b"value-from-python" and q["key"] == key
            missing = await c.abci_query("", b"no-such-key-" + key)
            assert missing["value"] == b"" and missing["log"] == "does not exist"
            tx = await c.tx(r["hash"])
            assert int(tx["height"]) > 0
            # The same tx again: the node's own error, typed.
            with pytest.raises(RpcError) as e:
                await c.call("broadcast_tx_commit", {"tx": "!!not base64!!"})
            assert e.value.code == "rpc"

    run(main())


def test_concurrent_calls_are_batched_on_the_wire() -> None:
    async def main() -> None:
        async with MantraClient.connect(ENDPOINTS, batch=BatchConfig(max_batch_delay=0.005)) as c:
            before = c.stats()["http"]
            keys = [f"batch-{uuid.uuid4().hex[:8]}-{i}".encode() for i in range(60)]
            results = await asyncio.gather(*[c.abci_query("", k) for k in keys])
            assert all(r["code"] == 0 for r in results)
            after = c.stats()["http"]
            http = after["http_requests"] - before["http_requests"]
            rpc = after["rpc_requests"] - before["rpc_requests"]
            assert rpc == 60
            assert http <= 60 // 2, f"{http} HTTP requests for 60 calls: not batched"
            assert 1 < after["max_batch_size"] <= 10, "never over the node's limit"
            batch = c.stats()["batch"]
            assert batch is not None and batch["avg_batch_size"] > 1

    run(main())


def test_cache_and_single_flight() -> None:
    async def main() -> None:
        async with MantraClient.connect(ENDPOINTS, cache=CacheConfig(max_entries=1000)) as c:
            s0 = c.stats()
            height = int((await c.status())["sync_info"]["latest_block_height"]) - 1
            blocks = await asyncio.gather(*[c.block(height) for _ in range(20)])
            assert len({b["block_id"]["hash"] for b in blocks}) == 1
            s1 = c.stats()
            assert s1["http"]["rpc_requests"] - s0["http"]["rpc_requests"] == 2, "status + one block"
            assert s1["shared_calls"] - s0["shared_calls"] >= 1 or s1["cache_hits"] > s0["cache_hits"]
            await c.block(height)
            assert c.stats()["cache_hits"] > s1["cache_hits"]
            cache = c.cache
            assert cache is not None and len(cache) >= 2
            assert cache.stats()["hits"] >= 1
            # A fixed-height block is cached for an hour: the core decides, per method.
            uncached = await MantraClient.connect(ENDPOINTS, cache=False)
            assert uncached.cache is None
            uncached.close()

    run(main())


def test_failover_from_a_dead_endpoint() -> None:
    async def main() -> None:
        async with MantraClient.connect([DEAD, ENDPOINTS[0]], request_timeout=10.0) as c:
            for _ in range(5):
                s = await c.status()
                assert int(s["sync_info"]["latest_block_height"]) > 0
            for i in range(10):
                await c.abci_query("", f"failover-{i}".encode())
            stats = c.stats()
            assert stats["failed"] == 0
            dead = next(e for e in stats["endpoints"] if "127.0.0.1:9" in e["url"])
            live = next(e for e in stats["endpoints"] if e["url"] != dead["url"])
            assert live["rank"] == 0, "the live endpoint is ranked first"
            assert dead["requests"] == 0 or dead["failures"] > 0
        with pytest.raises(TransportError):
            await MantraClient.connect([DEAD])

    run(main())


def test_metrics_text_passes_promtool() -> None:
    async def main() -> str:
        async with MantraClient.connect(ENDPOINTS) as c:
            await c.status()
            await asyncio.gather(*[c.abci_query("", f"m-{i}".encode()) for i in range(12)])
            await c.run_health_checks()
            text = c.prometheus()
            snap = c.metrics.get_all_metrics()
            names = {f["name"] for f in snap["families"]}
            assert "mantra_client_http_requests_total" in names
            assert 'mantra_protocol_operations_total{protocol="rpc",operation="status",status="success"} 1' in text
            health = c.health.get_system_health()
            assert health["overall_status"] in ("healthy", "degraded")
            assert c.pool_stats()["healthy_endpoints"] >= 1
            return text

    text = run(main())
    if shutil.which("promtool") is None:
        pytest.skip("promtool not installed")
    r = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True, text=True, check=False)
    assert r.returncode == 0, r.stdout + r.stderr


def test_a_python_transport_carries_every_request() -> None:
    seen: List[Dict[str, Any]] = []

    async def transport(request: Dict[str, Any]) -> Mapping[str, Any]:
        seen.append(request)

        def send() -> Dict[str, Any]:
            req = urllib.request.Request(
                request["url"],
                data=request["body"] or None,
                method=request["method"],
                headers={"content-type": "application/json", **request["headers"]},
            )
            try:
                with urllib.request.urlopen(req, timeout=request["timeout"] or 10) as resp:
                    return {"status": resp.status, "body": resp.read()}
            except urllib.error.HTTPError as e:
                return {"status": e.code, "body": e.read()}

        return await asyncio.to_thread(send)

    async def main() -> None:
        async with MantraClient.connect(ENDPOINTS, transport=transport) as c:
            s = await c.status()
            assert int(s["sync_info"]["latest_block_height"]) > 0
            await asyncio.gather(*[c.abci_query("", f"t-{i}".encode()) for i in range(15)])
            report = await c.run_health_checks()
            assert report["overall_status"] in ("healthy", "degraded")
        posts = [r for r in seen if r["method"] == "POST"]
        assert posts and all(isinstance(r["body"], bytes) for r in posts)
        assert any(r["body"].startswith(b"[") for r in posts), "a JSON-RPC batch went through it"
        assert any(r["method"] == "GET" for r in seen), "endpoint health checks (GET /health) too"

    run(main())


def test_transport_failures_are_typed() -> None:
    async def refused(request: Dict[str, Any]) -> Mapping[str, Any]:
        raise ConnectionRefusedError("nobody home")

    async def garbage(request: Dict[str, Any]) -> Any:
        return "not a response"

    async def main() -> None:
        with pytest.raises(TransportError) as e:
            await MantraClient.connect(ENDPOINTS[:1], transport=refused)
        assert "ConnectionRefusedError: nobody home" in str(e.value)
        # A malformed response is a bug in host code (not retried); here it fails the warm-up.
        with pytest.raises(TransportError, match="host error: transport: must return a dict"):
            await MantraClient.connect(ENDPOINTS[:1], transport=garbage)

    run(main())


def test_bad_arguments_are_typed_errors() -> None:
    async def main() -> None:
        with pytest.raises(MantraTypeError):
            MantraClient.connect(ENDPOINTS[0])  # a str is a Sequence[str] to mypy, not to the SDK
        with pytest.raises(InvalidConfigError) as e:
            MantraClient.connect([])
        assert e.value.field == "endpoints"
        with pytest.raises(InvalidConfigError):
            MantraClient.connect(["ftp://example.com"])
        with pytest.raises(MantraTypeError):
            MantraClient.connect(ENDPOINTS, cache="yes")  # type: ignore[arg-type]
        with pytest.raises(InvalidConfigError) as e:
            MantraClient.connect(ENDPOINTS, request_timeout=0.0)
        assert e.value.field == "request_timeout"
        with pytest.raises(MantraTypeError):
            MantraClient.connect(ENDPOINTS, transport=42)  # type: ignore[arg-type]
        async with MantraClient.connect(ENDPOINTS) as c:
            with pytest.raises(InvalidArgumentError):
                await c.abci_query("", b"k", height=-1)
            # Out of range: a typed error naming `height` (was a bare OverflowError).
            with pytest.raises(InvalidArgumentError, match="`height` is too large"):
                await c.block(2**64)
            with pytest.raises(TypeError, match="`height` must be an int, not bool"):
                await c.block(True)
            with pytest.raises(TypeError, match="`height` must be an int, not float"):
                await c.block(1.0)  # type: ignore[arg-type]

            class Height:  # an int-like (as numpy's integers are)
                def __index__(self) -> int:
                    return 1

            assert int((await c.block(Height()))["block"]["header"]["height"]) == 1
            # Height 0 is no block: refused before anything is sent (not retried).
            with pytest.raises(InvalidArgumentError, match="greater than 0"):
                await c.block(0)
            with pytest.raises(InvalidArgumentError):
                await c.call("")
            # Bad arguments raise at the call, before there is a coroutine to await.
            with pytest.raises(InvalidArgumentError):
                _ = c.call("status", priority="urgent")  # type: ignore[arg-type]
            with pytest.raises(MantraTypeError):
                _ = c.abci_query("", 42)  # type: ignore[arg-type]
            with pytest.raises(MantraTypeError):
                _ = c.call("status", {1, 2})

    run(main())


def test_cancellation_and_close_end_every_call() -> None:
    async def main() -> None:
        c = await MantraClient.connect(ENDPOINTS, batch=BatchConfig(max_batch_delay=0.2))
        # Abandoned by its caller while waiting for its batch: the client stays consistent.
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(c.abci_query("", b"abandoned"), 0.01)
        assert int((await c.status())["sync_info"]["latest_block_height"]) > 0
        pending = [asyncio.ensure_future(c.abci_query("", f"closing-{i}".encode())) for i in range(5)]
        await asyncio.sleep(0.01)
        c.close()
        c.close()
        results = await asyncio.gather(*pending, return_exceptions=True)
        assert all(isinstance(r, ClosedError) for r in results), results
        with pytest.raises(ClosedError):
            await c.status()
        stats = c.stats()
        assert stats["closed"] and stats["in_flight"] == 0
        assert stats["cancelled"] >= 1

    run(main())


def test_pool_config_defaults_and_bad_values() -> None:
    p = PoolConfig()
    # The client's defaults: the core's ConnectionPoolConfig with a 10 s ranking interval.
    assert (p.max_connections, p.min_connections) == (20, 5)
    assert (p.max_idle_time, p.connection_timeout, p.acquire_timeout, p.health_check_interval) == (
        300.0,
        30.0,
        10.0,
        10.0,
    )
    q = PoolConfig(max_connections=4, min_connections=2, acquire_timeout=0.5, health_check_interval=2.5)
    assert (q.max_connections, q.min_connections, q.acquire_timeout, q.health_check_interval) == (4, 2, 0.5, 2.5)
    assert q.max_idle_time == 300.0 and q.connection_timeout == 30.0
    assert q == PoolConfig(max_connections=4, min_connections=2, acquire_timeout=0.5, health_check_interval=2.5)
    assert q != p
    assert repr(q).startswith("PoolConfig(max_connections=4, min_connections=2, max_idle_time=300.0,")

    def invalid(field: str, **kwargs: Any) -> None:
        with pytest.raises(MantraError) as e:
            PoolConfig(**kwargs)
        assert isinstance(e.value, InvalidConfigError) and isinstance(e.value, ValueError)
        assert e.value.code == "invalid_config"
        assert e.value.field == field and field in str(e.value), (kwargs, e.value)

    invalid("max_connections", max_connections=0)
    invalid("max_connections", max_connections=-1)
    invalid("max_connections", max_connections=2**70)
    invalid("min_connections", max_connections=4, min_connections=5)
    invalid("min_connections", min_connections=21)  # above the default max_connections (20)
    invalid("max_idle_time", max_idle_time=0.0)
    invalid("connection_timeout", connection_timeout=float("nan"))
    invalid("acquire_timeout", acquire_timeout=0.0)
    invalid("health_check_interval", health_check_interval=-1.0)
    invalid("health_check_interval", health_check_interval=1e12)

    with pytest.raises(MantraTypeError, match="max_connections"):
        PoolConfig(max_connections="2")  # type: ignore[arg-type]
    with pytest.raises(MantraTypeError, match="min_connections"):
        PoolConfig(min_connections=1.0)  # type: ignore[arg-type]
    with pytest.raises(MantraTypeError, match="max_connections"):
        PoolConfig(max_connections=True)
    with pytest.raises(TypeError, match="acquire_timeout"):
        PoolConfig(acquire_timeout="5")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        PoolConfig(4)  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        PoolConfig(max_conections=4)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="pool"):
        MantraClient.connect(ENDPOINTS, pool={"max_connections": 2})  # type: ignore[arg-type]


def test_connect_applies_the_cache_ttl_by_type() -> None:
    async def main() -> None:
        async with MantraClient.connect(ENDPOINTS, cache=CacheConfig(ttl_by_type={"block": 7.0})) as c:
            cache = c.cache
            assert cache is not None
            assert cache.type_ttl("block") == 7.0
            assert cache.type_ttl("generic") == cache.type_ttl("balance") == CacheConfig().default_ttl == 300.0
            assert cache.config.ttl_by_type == {"block": 7.0}
            assert int((await c.status())["sync_info"]["latest_block_height"]) > 0

    run(main())


def test_connect_metrics_fields_keep_the_client_defaults() -> None:
    def buckets(text: str, ns: str) -> List[str]:
        return re.findall(rf'^{ns}_client_call_duration_seconds_bucket{{[^}}]*le="([^"]+)"', text, re.M)

    async def client_metrics(metrics: Any) -> Any:
        async with MantraClient.connect(ENDPOINTS, metrics=metrics) as c:
            await c.status()
            return c.metrics.config, c.prometheus()

    default, default_text = run(client_metrics(None))
    named, named_text = run(client_metrics(MetricsConfig(namespace="x")))
    assert named.namespace == "x" and default.namespace == "mantra"
    # The client's fine latency buckets (50 µs ... 30 s), not the core's generic defaults.
    assert named.histogram_buckets == default.histogram_buckets != MetricsConfig().histogram_buckets
    assert default.histogram_buckets[0] == 0.00005
    assert buckets(named_text, "x") == buckets(default_text, "mantra") != []
    assert "mantra_" not in named_text
    assert named.retention_period == default.retention_period
    # A field given explicitly wins; a config read back from a client round-trips.
    coarse, _ = run(client_metrics(MetricsConfig(histogram_buckets=[0.5, 1.0])))
    assert coarse.histogram_buckets == [0.5, 1.0] and coarse.namespace == "mantra"
    again, _ = run(client_metrics(named))
    assert again == named
    # A standalone collector still takes the core's defaults; equality compares values.
    assert MetricsCollector(MetricsConfig(namespace="x")).config.histogram_buckets == MetricsConfig().histogram_buckets
    assert MetricsCollector().config == MetricsConfig()
