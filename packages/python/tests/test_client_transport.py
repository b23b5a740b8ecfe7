"""MantraClient against nodes played by a Python transport (`SlowNode`): pool bounds, batch
options, body limits, cancellation and the stats' shapes. Needs no devnet, so these run under
a bare `pytest` too (the devnet tests are in test_client.py).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any, Awaitable, Dict, List, Mapping, Tuple, TypeVar

import pytest

from mantra_sdk import (
    BatchConfig,
    CachePolicy,
    CapacityExceededError,
    InvalidConfigError,
    MantraClient,
    MantraTypeError,
    PoolConfig,
)

T = TypeVar("T")


def run(coro: Awaitable[T]) -> T:
    return asyncio.run(coro)  # type: ignore[arg-type]


class SlowNode:
    """A node played by a Python transport: answers each JSON-RPC POST after `delay` seconds
    (echoing ``{"method", "params"}``), counts the POSTs in flight at once and keeps their
    bodies. The pool's `health` pings (which take no permit) and GETs are answered at once
    and neither counted nor kept."""

    def __init__(self, delay: float = 0.02) -> None:
        self.delay = delay
        self.in_flight = 0
        self.max_in_flight = 0
        self.bodies: List[bytes] = []

    async def __call__(self, request: Dict[str, Any]) -> Mapping[str, Any]:
        if request["method"] != "POST":
            return {"status": 200, "body": json.dumps({"jsonrpc": "2.0", "id": -1, "result": {}})}
        body = json.loads(request["body"])
        if isinstance(body, dict) and body["method"] == "health":
            return {"status": 200, "body": json.dumps({"jsonrpc": "2.0", "id": body["id"], "result": {}})}
        self.bodies.append(request["body"])
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            await asyncio.sleep(self.delay)
        finally:
            self.in_flight -= 1

        def answer(r: Dict[str, Any]) -> Dict[str, Any]:
            return {"jsonrpc": "2.0", "id": r["id"], "result": {"method": r["method"], "params": r["params"]}}

        out = [answer(r) for r in body] if isinstance(body, list) else answer(body)
        return {"status": 200, "body": json.dumps(out)}


def test_the_pool_option_bounds_the_requests_in_flight_per_endpoint() -> None:
    node = "http://node.test:26657"
    expected = [{"method": f"m{i}", "params": {"i": i}} for i in range(8)]

    async def eight_calls(pool: Any) -> SlowNode:
        slow = SlowNode()
        async with MantraClient.connect([node], transport=slow, cache=False, batch=False, pool=pool) as c:
            results = await asyncio.gather(*[c.call(f"m{i}", {"i": i}) for i in range(8)])
            assert results == expected
            stats = c.pool_stats()
            assert stats["max_connections_per_endpoint"] == (pool.max_connections if pool else 20)
            assert stats["exhausted"] == 0
        return slow

    bounded = run(eight_calls(PoolConfig(max_connections=2, min_connections=1)))
    assert bounded.max_in_flight == 2, "at most max_connections requests in flight"
    # The same calls with the default pool (20 per endpoint) all go out at once.
    default = run(eight_calls(None))
    assert default.max_in_flight == 8


def test_a_cancelled_call_leaves_the_batch_queue_unsent() -> None:
    async def main() -> SlowNode:
        slow = SlowNode()
        async with MantraClient.connect(
            ["http://node.test:26657"], transport=slow, cache=False, batch=BatchConfig(max_batch_delay=0.2)
        ) as c:
            # Cancelled (wait_for's timeout) while it waits 200 ms for its batch to fill.
            with pytest.raises(asyncio.TimeoutError):
                await asyncio.wait_for(c.call("abandoned", {"i": 0}), 0.01)
            # The Rust future is dropped on the runtime's thread right after the
            # cancellation: wait for that (well within the 200 ms batch delay).
            for _ in range(100):
                stats = c.stats()
                batch = stats["batch"]
                assert batch is not None
                if batch["cancelled"] and stats["cancelled"]:
                    break
                await asyncio.sleep(0.001)
            assert batch is not None
            assert (batch["cancelled"], batch["pending"]) == (1, 0), batch
            assert stats["cancelled"] == 1
            assert await c.call("kept", {"i": 1}) == {"method": "kept", "params": {"i": 1}}
        return slow

    slow = run(main())
    sent = b"".join(slow.bodies).decode()
    assert "kept" in sent and "abandoned" not in sent, sent


def test_cancelling_every_call_of_a_hung_batch_frees_its_slot() -> None:
    class HangsFirst(SlowNode):
        """Never answers the first JSON-RPC POST; answers the rest at once."""

        async def __call__(self, request: Dict[str, Any]) -> Mapping[str, Any]:
            if request["method"] == "POST" and b"hung" in request["body"]:
                self.bodies.append(request["body"])
                await asyncio.Event().wait()
            return await super().__call__(request)

    async def main() -> None:
        node = HangsFirst(delay=0.0)
        # One batch in flight at a time; calls time out after 30 s.
        async with MantraClient.connect(
            ["http://node.test:26657"], transport=node, cache=False, batch=BatchConfig(max_concurrent_batches=1)
        ) as c:
            hung = asyncio.ensure_future(c.call("hung", {}))
            for _ in range(500):
                if node.bodies:
                    break
                await asyncio.sleep(0.002)
            assert node.bodies, "the first batch went out"
            hung.cancel()
            with pytest.raises(asyncio.CancelledError):
                await hung
            # The batch's only caller left: its slot frees, and the next call goes out at
            # once instead of waiting for the hung one's 30 s deadline (a bound, not a speed).
            assert await asyncio.wait_for(c.call("next", {}), 5) == {"method": "next", "params": {}}
            stats = c.stats()["batch"]
            assert stats is not None and stats["cancelled"] == 1, stats

    run(main())


def test_connect_applies_the_batch_extras() -> None:
    node = "http://node.test:26657"
    expected = [{"method": "m", "params": {"i": i}} for i in range(10)]

    async def bodies(batch: BatchConfig, calls: int = 10, pad: str = "") -> List[bytes]:
        node_ = SlowNode(delay=0.0)
        async with MantraClient.connect([node], transport=node_, cache=False, batch=batch) as c:
            params = [{"i": i, "pad": pad} if pad else {"i": i} for i in range(calls)]
            results = await asyncio.gather(*[c.call("m", p) for p in params])
            assert results == [{"method": "m", "params": p} for p in params]
        return node_.bodies

    # Ten small calls queued at once go out as one batch (max_batch_size 10) ...
    one = run(bodies(BatchConfig(max_batch_delay=0.2)))
    assert len(one) == 1 and [r["params"] for r in json.loads(one[0])] == [e["params"] for e in expected]
    # ... and, with a 300-byte bound on the client's batcher, in several bounded ones.
    bounded = run(bodies(BatchConfig(max_batch_delay=0.2, max_batch_bytes=300)))
    assert len(bounded) >= 3, [len(b) for b in bounded]
    assert all(len(b) <= 300 + 2 for b in bounded), [len(b) for b in bounded]  # + "[" and "]"
    # Without max_batch_bytes the client keeps its own bound (the node's 1 000 000-byte body
    # limit): twelve 100 kB calls are split, not refused as one oversized body.
    big = run(bodies(BatchConfig(max_batch_size=20, max_batch_delay=0.2, retry_jitter=False), 12, "x" * 100_000))
    assert len(big) == 2 and all(len(b) <= 1_000_000 for b in big), [len(b) for b in big]


def test_connect_applies_max_retry_delay_to_the_client_batcher() -> None:
    node = "http://node.test:26657"

    class Busy(SlowNode):
        """Answers the first two JSON-RPC POSTs with 503 (retryable), then as SlowNode."""

        def __init__(self) -> None:
            super().__init__(delay=0.0)
            self.refused = 0

        async def __call__(self, request: Dict[str, Any]) -> Mapping[str, Any]:
            body = json.loads(request["body"]) if request["method"] == "POST" else None
            is_call = isinstance(body, list) or (isinstance(body, dict) and body["method"] != "health")
            if is_call and self.refused < 2:
                self.refused += 1
                return {"status": 503, "body": b"busy"}
            return await super().__call__(request)

    async def main() -> None:
        busy = Busy()
        # A 30 s first backoff would outlast the 3 s deadline; capped at 0.05 s the retry
        # comes in time.
        batch = BatchConfig(retry_delay=30.0, retry_jitter=False, max_retry_delay=0.05)
        async with MantraClient.connect([node], transport=busy, cache=False, batch=batch, request_timeout=3.0) as c:
            assert await c.call("m", {"i": 1}) == {"method": "m", "params": {"i": 1}}
            stats = c.stats()["batch"]
            assert stats is not None and stats["retries"] >= 1, stats
        assert busy.refused == 2

    run(main())


def test_connect_max_body_bytes_bounds_every_request_body() -> None:
    node = "http://node.test:26657"

    async def send(pads: List[int], **options: Any) -> Tuple[List[bytes], List[object]]:
        slow = SlowNode(delay=0.0)
        async with MantraClient.connect([node], transport=slow, cache=False, **options) as c:
            calls = [c.call("m", {"i": i, "pad": "x" * n}) for i, n in enumerate(pads)]
            results = await asyncio.gather(*calls, return_exceptions=True)
        return slow.bodies, list(results)

    # Ten small calls queued at once: one batch by default, several under a 300-byte limit.
    batch = BatchConfig(max_batch_delay=0.2)
    one, results = run(send([10] * 10, batch=batch))
    assert len(one) == 1 and all(isinstance(r, dict) for r in results)
    bounded, results = run(send([10] * 10, batch=batch, max_body_bytes=300))
    assert len(bounded) >= 3 and all(len(b) <= 300 for b in bounded), [len(b) for b in bounded]
    assert [r["params"]["i"] for r in results if isinstance(r, dict)] == list(range(10))
    # A call over the limit fails alone, without being sent (batched or not); the others pass.
    for batching in (batch, False):
        bodies, results = run(send([10, 400, 10], batch=batching, max_body_bytes=300))
        assert isinstance(results[1], CapacityExceededError), results
        assert isinstance(results[0], dict) and isinstance(results[2], dict), results
        assert all(b"x" * 400 not in b for b in bodies)
    _, results = run(send([400], batch=False))
    assert isinstance(results[0], dict), "within the default limit (1 000 000 bytes)"

    # Checked with the rest of the config before any request, named as the Python option.
    def invalid(field: str, **options: Any) -> str:
        with pytest.raises(InvalidConfigError) as e:
            MantraClient.connect([node], **options)
        assert e.value.field == field and field in str(e.value), (options, e.value)
        return str(e.value)

    invalid("max_body_bytes", max_body_bytes=255)
    # Also with a Python transport outside a running event loop: the bad value is reported,
    # not the missing loop the transport would need.
    invalid("max_body_bytes", max_body_bytes=255, transport=SlowNode())
    invalid("max_body_bytes", max_body_bytes=-1)
    invalid("max_body_bytes", max_body_bytes=2**70)
    # Batches must fit the body limit: max_batch_bytes may be at most max_body_bytes - 2.
    assert "at most 498" in invalid("max_batch_bytes", max_body_bytes=500, batch=BatchConfig(max_batch_bytes=499))
    assert "at most 999998" in invalid("max_batch_bytes", batch=BatchConfig(max_batch_bytes=999_999))
    with pytest.raises(MantraTypeError, match="max_body_bytes"):
        MantraClient.connect([node], max_body_bytes="1000")  # type: ignore[arg-type]
    with pytest.raises(MantraTypeError, match="max_body_bytes"):
        MantraClient.connect([node], max_body_bytes=1000.0)  # type: ignore[arg-type]

    async def at_the_limit() -> None:
        async with MantraClient.connect(
            [node], transport=SlowNode(), max_body_bytes=500, batch=BatchConfig(max_batch_bytes=498)
        ) as c:
            assert await c.call("m") == {"method": "m", "params": {}}

    run(at_the_limit())


def test_cache_policy_sets_each_kind_of_reply_ttl() -> None:
    node = "http://node.test:26657"
    query = {"path": "", "data": "6b", "height": "0"}

    async def posts(**options: Any) -> int:
        slow = SlowNode(delay=0)
        async with MantraClient.connect([node], transport=slow, batch=False, **options) as c:
            for method, params in [("abci_query", query), ("genesis", {}), ("net_info", {})] * 2:
                await c.call(method, params)
        return len(slow.bodies)

    # Default: the latest-height query is cached (2 s), the other two methods are not.
    assert run(posts()) == 5
    # A fresh read after a write: the query's TTL off.
    assert run(posts(cache_policy=CachePolicy(query_latest_ttl=0))) == 6
    # The policy's method TTLs, and `method_ttls` over them.
    policy = CachePolicy(method_ttls={"genesis": 60.0})
    assert policy.method_ttls == {"genesis": 60.0} and policy.query_latest_ttl == 2.0
    assert run(posts(cache_policy=policy)) == 4
    assert run(posts(cache_policy=policy, method_ttls={"net_info": 60.0})) == 3

    bad: List[Tuple[Dict[str, Any], str]] = [
        ({"block_ttl": -1.0}, "cache_policy.block_ttl"),
        ({"node_status_ttl": float("nan")}, "cache_policy.node_status_ttl"),
        ({"method_ttls": {"status": 5.0}}, "cache_policy.method_ttls"),
        ({"method_ttls": {"broadcast_tx_sync": 5.0}}, "cache_policy.method_ttls"),
    ]
    for options, field in bad:
        with pytest.raises(InvalidConfigError) as e:
            CachePolicy(**options)
        assert e.value.field == field, (options, e.value)
    with pytest.raises(TypeError):
        CachePolicy(block_ttl="1h")  # type: ignore[arg-type]


def test_stats_have_the_shapes_the_stubs_declare() -> None:
    """``stats()`` / ``pool_stats()`` carry exactly the keys of ``ClientStats`` / ``PoolStats``."""
    from mantra_sdk import (
        BatchStats,
        CacheStats,
        ClientEndpointStats,
        ClientStats,
        ExecutorQueued,
        ExecutorStats,
        HttpStats,
        PoolEndpointStats,
        PoolStats,
    )

    health = {"healthy", "degraded", "unhealthy", "unknown"}
    breaker = {"closed", "open", "half_open"}

    def keys(t: Any) -> set[str]:
        return set(t.__annotations__)  # a TypedDict's annotations: all of its keys

    async def main() -> None:
        async with MantraClient.connect(["http://node.test:26657", "http://other.test:26657"], transport=SlowNode(0.0)) as c:
            await c.call("x", {})
            s = c.stats()
            assert set(s) == keys(ClientStats), set(s) ^ keys(ClientStats)
            assert set(s["http"]) == keys(HttpStats)
            assert set(s["executor"]) == keys(ExecutorStats)
            assert set(s["executor"]["queued"]) == keys(ExecutorQueued)
            assert isinstance(s["executor"]["avg_latency_ms"], float)
            assert s["health"] in health
            for e in s["endpoints"]:
                assert set(e) == keys(ClientEndpointStats)
                assert e["health"] in health and e["node_sync"] in health and e["breaker"] in breaker
            assert s["batch"] is not None and set(s["batch"]) == keys(BatchStats)
            assert s["cache"] is not None and set(s["cache"]) == keys(CacheStats)
            p = c.pool_stats()
            for pool in (p, s["pool"]):
                assert set(pool) == keys(PoolStats)
                for pe in pool["endpoints"]:
                    assert set(pe) == keys(PoolEndpointStats)
                    assert pe["breaker"] in breaker

    run(main())
