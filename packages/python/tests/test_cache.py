"""CacheManager: Python values in the core's LRU + TTL + byte-budget cache."""

import asyncio
import gc
import json
import random
import threading
from typing import Any, Awaitable, List, Tuple, TypeVar

import pytest

from mantra_sdk import (
    CacheConfig,
    CacheManager,
    CapacityExceededError,
    HostError,
    InvalidArgumentError,
    InvalidConfigError,
    ManualClock,
    MantraTypeError,
    TransportError,
)

T = TypeVar("T")


def run(coro: Awaitable[T]) -> T:
    return asyncio.run(coro)  # type: ignore[arg-type]


def text_len(value: Any) -> int:
    """The core's weight of a value: its compact JSON text in UTF-8 bytes (see
    core/src/cache/weight.rs); for ints, strings and containers Python's json module
    writes the same text as serde_json."""
    return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode())


# ---------------------------------------------------------------- config


def test_config_defaults_come_from_the_core() -> None:
    c = CacheConfig()
    assert c.max_entries == 10_000
    assert c.default_ttl == 300.0
    assert c.enable_stats is True
    assert c.cleanup_interval == 60.0
    assert c.max_memory_bytes == 100 * 1024 * 1024
    assert c.ttl_by_type == {}
    assert CacheConfig() == CacheConfig()
    assert CacheConfig(max_entries=5) != CacheConfig()
    assert "max_entries=10000" in repr(c)


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"max_entries": 0}, "max_entries"),
        ({"max_entries": -1}, "max_entries"),
        ({"max_memory_bytes": 0}, "max_memory_bytes"),
        ({"default_ttl": 0.0}, "default_ttl"),
        ({"default_ttl": -1.0}, "default_ttl"),
        ({"default_ttl": float("nan")}, "default_ttl"),
        ({"cleanup_interval": 0.0}, "cleanup_interval"),
        ({"ttl_by_type": {"blocks": 1.0}}, "ttl_by_type"),
        ({"ttl_by_type": {"block": 0.0}}, "ttl_by_type"),
        ({"ttl_by_type": {"block": -2.0}}, "ttl_by_type"),
    ],
)
def test_invalid_config_names_the_field(kwargs: Any, field: str) -> None:
    with pytest.raises(InvalidConfigError) as e:
        CacheConfig(**kwargs)
    assert e.value.field == field
    assert e.value.code == "invalid_config"
    assert isinstance(e.value, ValueError)


def test_config_type_errors() -> None:
    with pytest.raises(MantraTypeError):
        CacheConfig(max_entries="10")  # type: ignore[arg-type]
    with pytest.raises(MantraTypeError):
        CacheConfig(max_entries=True)  # a bool is an int to mypy, not to the SDK
    with pytest.raises(TypeError):
        CacheConfig(ttl_by_type=[("block", 1.0)])  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        CacheConfig(ttl_by_type={"block": "1"})  # type: ignore[dict-item]
    with pytest.raises(TypeError):
        CacheConfig(10)  # type: ignore[call-arg]


# ---------------------------------------------------------------- basic operations


def test_put_get_returns_the_same_object_by_type() -> None:
    c = CacheManager()
    value = {"pool": "o.uom.uusdc", "reserves": ["1", "2"], "fee": 0.003, "ok": True, "x": None}
    c.put("p1", value, "pool_info")
    assert c.get("p1", "pool_info") is value
    assert c.get("p1") is None, "another type is another namespace"
    assert c.get("p1", "balance") is None
    c.put("p1", 7)
    assert c.get("p1") == 7
    assert c.get("p1", "pool_info") is value
    assert len(c) == 2
    assert c.contains("p1", "pool_info") and not c.contains("zz")
    for v in ["s", 1.5, -(2**63), 2**64 - 1, True, None, [], {}, (1, "a"), [[{"a": [None]}]]]:
        c.put("v", v)
        assert c.get("v") is v


def test_remove_clear_and_clear_type() -> None:
    c = CacheManager()
    c.put("a", 1, "block")
    c.put("b", 2, "block")
    c.put("c", 3, "balance")
    assert c.remove("a", "block") is True
    assert c.remove("a", "block") is False
    assert c.clear_type("block") == 1
    assert c.clear_type("block") == 0
    assert len(c) == 1 and c.get("c", "balance") == 3
    c.clear()
    assert len(c) == 0 and c.memory_bytes == 0


def test_stats_count_hits_misses_and_hit_rate() -> None:
    c = CacheManager()
    assert c.stats()["hit_rate"] == 0.0
    c.put("a", [1, 2, 3])
    c.get("a")
    c.get("a")
    c.get("a")
    c.get("missing")
    s = c.stats()
    assert (s["hits"], s["misses"], s["insertions"], s["entries"]) == (3, 1, 1, 1)
    assert s["hit_rate"] == 0.75
    assert s["memory_bytes"] == c.memory_bytes > 0
    assert set(s) == {
        "hits", "misses", "insertions", "evictions", "evictions_capacity", "evictions_size",
        "expirations", "rejected", "entries", "memory_bytes", "hit_rate",
    }
    c.reset_stats()
    s = c.stats()
    assert (s["hits"], s["misses"], s["entries"]) == (0, 0, 1)
    assert CacheManager(CacheConfig(enable_stats=False)).stats()["hits"] == 0


def test_bad_arguments_are_typed_errors() -> None:
    c = CacheManager()
    with pytest.raises(InvalidArgumentError) as e:
        c.put("k", 1, "blocks")  # type: ignore[arg-type]
    assert "pool_info" in str(e.value), "the message lists the valid types"
    with pytest.raises(InvalidArgumentError):
        c.get("k", "Block")  # type: ignore[arg-type]
    with pytest.raises(MantraTypeError):
        c.put(1, 1)  # type: ignore[arg-type]
    with pytest.raises(MantraTypeError):
        c.get(b"k")  # type: ignore[arg-type]
    with pytest.raises(MantraTypeError):
        c.put("k", 1, 3)  # type: ignore[arg-type]
    for bad in [{1, 2}, object(), b"bytes", {1: "int key"}, [1, {"a": object()}]]:
        with pytest.raises(MantraTypeError):
            c.put("k", bad)
    for bad in [float("nan"), float("inf"), 2**64, -(2**63) - 1, [[0.0, float("-inf")]]]:
        with pytest.raises(InvalidArgumentError):
            c.put("k", bad)
    deep: Any = 0
    for _ in range(200):
        deep = [deep]
    with pytest.raises(InvalidArgumentError, match="deeper"):
        c.put("k", deep)
    cyclic: List[Any] = []
    cyclic.append(cyclic)
    with pytest.raises(InvalidArgumentError):
        c.put("k", cyclic)
    with pytest.raises(InvalidArgumentError):
        c.put("k", 1, ttl=-1.0)
    with pytest.raises(InvalidArgumentError):
        c.put("k", 1, ttl=0.0)
    assert len(c) == 0, "nothing was stored by a failed put"


def test_subclasses_of_json_types_are_accepted() -> None:
    import collections
    import enum

    class Color(str, enum.Enum):
        RED = "red"

    c = CacheManager()
    v = collections.OrderedDict(a=Color.RED, b=collections.defaultdict(int))
    c.put("k", v)
    assert c.get("k") is v
    assert c.weigh("k", v) == c.weigh("k", {"a": "red", "b": {}})


# ---------------------------------------------------------------- weights


def test_weights_follow_the_core_rule() -> None:
    c = CacheManager()
    overhead = c.weigh("", None) - 4  # the fixed per-entry charge
    assert overhead > 0
    cases: List[Tuple[str, object]] = [
        ("a", {"x": [1, 2, 3]}),
        ("ключ", "é😀\"\\\n\t\u0001\u007f"),
        ("k", [True, False, None, -12, 2**64 - 1, -(2**63), {"n": {"e": []}}]),
        ("k", {"pool": "o.uom.uusdc", "reserves": ["1000", "2000"]}),
    ]
    for key, value in cases:
        assert c.weigh(key, value) == len(key.encode()) + overhead + text_len(value), value
    assert c.weigh("k", (1, "ab")) == c.weigh("k", [1, "ab"])
    # Floats are weighed as the Rust core prints them (serde_json: 1.0, 0.003).
    assert c.weigh("k", 1.0) == c.weigh("k", None) - 4 + len("1.0")
    assert c.weigh("k", 0.003) == c.weigh("k", None) - 4 + len("0.003")
    c.put("a", {"x": [1, 2, 3]})
    assert c.memory_bytes == c.weigh("a", {"x": [1, 2, 3]})
    assert c.stats()["memory_bytes"] == c.memory_bytes


def test_byte_budget_evicts_lru_and_refuses_oversized_values() -> None:
    one = CacheManager().weigh("k0", "x" * 100)
    c = CacheManager(CacheConfig(max_memory_bytes=3 * one))
    for i in range(3):
        c.put(f"k{i}", "x" * 100)
    assert len(c) == 3 and c.memory_bytes == 3 * one
    c.get("k0")  # k1 is now the least recently used
    c.put("k3", "x" * 100)
    assert c.get("k1") is None and c.get("k0") is not None
    assert c.stats()["evictions_size"] == 1
    with pytest.raises(CapacityExceededError):
        c.put("huge", "x" * (4 * one))
    assert c.stats()["rejected"] == 1
    assert c.memory_bytes <= 3 * one


def test_max_entries_evicts_the_least_recently_used() -> None:
    c = CacheManager(CacheConfig(max_entries=2))
    c.put("a", 1)
    c.put("b", 2)
    assert c.get("a") == 1
    c.put("c", 3)
    assert c.get("b") is None and c.get("a") == 1 and c.get("c") == 3
    assert c.stats()["evictions_capacity"] == 1


# ---------------------------------------------------------------- time


def test_entries_expire_exactly_at_their_ttl_in_virtual_time() -> None:
    async def main() -> None:
        clock = ManualClock()
        c = CacheManager(CacheConfig(default_ttl=1.0, ttl_by_type={"block": 5.0}), clock=clock)
        assert c.type_ttl() == 1.0 and c.type_ttl("block") == 5.0
        c.put("a", {"x": 1})
        c.put("b", 1, "block")
        c.put("c", 1, ttl=2.0)
        await clock.advance(0.999)
        assert c.get("a") == {"x": 1}
        await clock.advance(0.001)
        assert clock.now == pytest.approx(1.0)
        assert c.get("a") is None
        assert c.get("c") == 1
        await clock.advance(1.0)
        assert c.get("c") is None
        assert c.get("b", "block") == 1
        s = c.stats()
        assert (s["hits"], s["misses"], s["expirations"]) == (3, 2, 2)
        await clock.advance(3.0)
        assert c.contains("b", "block") is False
        assert c.cleanup() == 1

    run(main())


def test_the_cleanup_loop_runs_on_the_given_clock() -> None:
    async def main() -> None:
        clock = ManualClock()
        c = CacheManager(CacheConfig(default_ttl=1.0, cleanup_interval=10.0), clock=clock)
        for i in range(5):
            c.put(f"k{i}", i)
        await clock.advance(9.0)
        assert len(c) == 5, "expired but not swept yet"
        await clock.advance(1.0)
        assert len(c) == 0, "swept by the background loop at t=10"
        assert c.stats()["expirations"] == 5
        c.close()
        c.close()
        assert c.is_closed
        c.put("late", 1, ttl=1.0)
        await clock.advance(20.0)
        assert len(c) == 1, "no sweep after close"
        assert c.get("late") is None

    run(main())


# ---------------------------------------------------------------- get_or_fetch


def test_get_or_fetch_loads_once_for_concurrent_callers() -> None:
    async def main() -> None:
        c = CacheManager()
        calls = 0
        gate = asyncio.Event()

        async def fetch() -> Any:
            nonlocal calls
            calls += 1
            await gate.wait()
            return {"height": 7}

        tasks = [asyncio.ensure_future(c.get_or_fetch("h", "block", fetch)) for _ in range(10)]
        for _ in range(50):
            await asyncio.sleep(0.001)
            if c.in_flight == 1 and calls == 1:
                break
        gate.set()
        results = await asyncio.gather(*tasks)
        assert calls == 1
        assert all(r == {"height": 7} for r in results)
        assert results[0] is c.get("h", "block"), "the fetched object itself is cached"
        assert await c.get_or_fetch("h", "block", fetch) is results[0]
        assert calls == 1
        assert c.in_flight == 0

    run(main())


def test_get_or_fetch_errors_reach_every_waiter_and_are_not_cached() -> None:
    async def main() -> None:
        c = CacheManager()

        async def boom() -> Any:
            await asyncio.sleep(0.001)
            raise ConnectionError("node down")

        results = await asyncio.gather(
            *[c.get_or_fetch("k", "generic", boom) for _ in range(3)], return_exceptions=True
        )
        assert all(isinstance(r, HostError) for r in results)
        assert "ConnectionError: node down" in str(results[0])
        assert len(c) == 0

        async def sdk_error() -> Any:
            raise TransportError("busy", status=503)

        with pytest.raises(TransportError) as e:
            await c.get_or_fetch("k", "generic", sdk_error)
        assert e.value.status == 503, "an SDK error raised by host code keeps its fields"

        async def not_json() -> Any:
            return {1, 2}

        with pytest.raises(InvalidArgumentError, match="cannot be cached"):
            await c.get_or_fetch("k", "generic", not_json)

        with pytest.raises(MantraTypeError):
            c.get_or_fetch("k", "generic", 42)  # type: ignore[arg-type]
        with pytest.raises(InvalidArgumentError):
            c.get_or_fetch("k", "nope", boom)  # type: ignore[arg-type]

        def plain() -> Any:
            return [1]

        assert await c.get_or_fetch("k", "generic", plain) == [1]

    run(main())


def test_cancelling_get_or_fetch_leaves_the_cache_consistent() -> None:
    async def main() -> None:
        c = CacheManager()
        cancelled = 0

        async def slow() -> Any:
            nonlocal cancelled
            try:
                await asyncio.sleep(30)
            except asyncio.CancelledError:
                cancelled += 1
                raise
            return 1

        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(c.get_or_fetch("k", "generic", slow), 0.05)
        for _ in range(100):
            if cancelled and c.in_flight == 0:
                break
            await asyncio.sleep(0.01)
        assert cancelled == 1, "the Python fetcher was cancelled too"
        assert c.in_flight == 0 and len(c) == 0

        async def fast() -> Any:
            return "fresh"

        assert await c.get_or_fetch("k", "generic", fast) == "fresh"
        assert c.get("k") == "fresh"

    run(main())


# ---------------------------------------------------------------- threads and lifetimes


def test_many_threads_share_one_cache() -> None:
    c = CacheManager(CacheConfig(max_entries=64, max_memory_bytes=64 * 300))
    errors: List[BaseException] = []
    gets = 0
    lock = threading.Lock()
    start = threading.Barrier(8)

    def worker(seed: int) -> None:
        nonlocal gets
        rnd = random.Random(seed)
        n = 0
        try:
            start.wait()
            for i in range(3000):
                key = f"k{rnd.randrange(200)}"
                op = rnd.random()
                if op < 0.45:
                    c.put(key, {"i": i, "s": "x" * rnd.randrange(50)}, "block")
                elif op < 0.9:
                    v = c.get(key, "block")
                    assert v is None or isinstance(v, dict)
                    n += 1
                elif op < 0.97:
                    c.remove(key, "block")
                else:
                    assert len(c) <= 64
        except BaseException as e:  # noqa: BLE001 - collected for the assertion below
            errors.append(e)
        with lock:
            gets += n

    threads = [threading.Thread(target=worker, args=(s,)) for s in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    s = c.stats()
    assert s["hits"] + s["misses"] == gets
    assert s["entries"] == len(c) <= 64
    assert s["memory_bytes"] == c.memory_bytes <= 64 * 300
    c.clear()
    assert c.memory_bytes == 0


def test_evicting_a_value_whose_finalizer_uses_the_cache_does_not_deadlock() -> None:
    c = CacheManager(CacheConfig(max_entries=1))
    seen: List[Any] = []

    class Tracked(dict):  # type: ignore[type-arg]
        def __del__(self) -> None:
            seen.append(c.get("other"))  # re-enters the cache from a finalizer
            c.put("from_del", 1)

    c.put("other", "o")
    c.put("t", Tracked(a=1))  # evicts "other"
    c.put("x", 2)  # evicts the Tracked value: its finalizer runs outside the cache lock
    gc.collect()
    assert seen == [None]
    assert c.get("from_del") == 1


def test_values_are_stored_by_reference() -> None:
    c = CacheManager()
    v = {"n": 1}
    c.put("k", v)
    v["n"] = 2
    assert c.get("k") == {"n": 2}, "like cachetools: the cache holds the object, not a copy"
