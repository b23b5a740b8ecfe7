"""BatchManager with an async Python batch function (DataLoader's contract)."""

import asyncio
from typing import Any, Awaitable, List, Optional, Sequence, TypeVar

import pytest

from mantra_sdk import (
    BatchConfig,
    BatchLimitError,
    BatchManager,
    BatchOperation,
    ClosedError,
    HostError,
    InvalidArgumentError,
    InvalidConfigError,
    ManualClock,
    MantraTimeoutError,
    MantraTypeError,
    RpcError,
    TransportError,
)

T = TypeVar("T")


def run(coro: Awaitable[T]) -> T:
    return asyncio.run(coro)  # type: ignore[arg-type]


class Recorder:
    """A batch function that records the batches it receives and echoes each operation."""

    def __init__(self) -> None:
        self.batches: List[List[str]] = []
        self.ops: List[BatchOperation] = []

    async def __call__(self, ops: List[BatchOperation]) -> Sequence[object]:
        self.batches.append([o.params if isinstance(o.params, str) else o.id for o in ops])
        self.ops.extend(ops)
        return [{"id": o.id, "params": o.params} for o in ops]


def test_config_defaults_come_from_the_core() -> None:
    c = BatchConfig()
    assert (c.max_batch_size, c.max_batch_delay, c.enable_auto_batching) == (10, 0.01, True)
    assert (c.max_concurrent_batches, c.retry_attempts, c.retry_delay) == (10, 3, 0.15)
    assert c.retry_jitter is True and c.max_batch_bytes is None
    # Unset: the manager keeps its own cap (30 s) and aging step (1 s).
    assert c.max_retry_delay is None and c.priority_aging is None
    assert BatchConfig() == BatchConfig() != BatchConfig(max_batch_size=2)
    set_ = BatchConfig(max_retry_delay=2.5, priority_aging=0.25)
    assert (set_.max_retry_delay, set_.priority_aging) == (2.5, 0.25)
    assert set_ == BatchConfig(max_retry_delay=2.5, priority_aging=0.25) != c
    assert "max_retry_delay=2.5, priority_aging=0.25)" in repr(set_)


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"max_batch_size": 0}, "max_batch_size"),
        ({"max_concurrent_batches": 0}, "max_concurrent_batches"),
        ({"max_batch_bytes": 0}, "max_batch_bytes"),
        ({"max_batch_delay": -0.1}, "max_batch_delay"),
        ({"retry_attempts": -1}, "retry_attempts"),
        ({"max_retry_delay": 0.0}, "max_retry_delay"),
        ({"max_retry_delay": -1.0}, "max_retry_delay"),
        ({"max_retry_delay": float("nan")}, "max_retry_delay"),
        ({"max_retry_delay": 1e12}, "max_retry_delay"),
        ({"priority_aging": 0.0}, "priority_aging"),
        ({"priority_aging": float("inf")}, "priority_aging"),
        ({"priority_aging": 1e12}, "priority_aging"),
    ],
)
def test_invalid_config_names_the_field(kwargs: Any, field: str) -> None:
    with pytest.raises(InvalidConfigError) as e:
        BatchConfig(**kwargs)
    assert e.value.field == field and field in str(e.value)


def test_config_values_of_the_wrong_type_are_type_errors() -> None:
    with pytest.raises(TypeError, match="max_retry_delay"):
        BatchConfig(max_retry_delay="1")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="priority_aging"):
        BatchConfig(priority_aging="fast")  # type: ignore[arg-type]


def test_operations_are_batched_and_routed_back_in_order() -> None:
    async def main() -> None:
        rec = Recorder()
        clock = ManualClock()
        m = BatchManager(BatchConfig(max_batch_size=4, max_batch_delay=0.001), rec, clock=clock)
        pending = [m.submit("query", f"p{i}") for i in range(10)]
        await clock.advance(0.001)
        results = await asyncio.gather(*pending)
        assert [r["params"] for r in results] == [f"p{i}" for i in range(10)]
        assert all(r["id"] == "query" for r in results)
        assert sorted(len(b) for b in rec.batches) == [2, 4, 4]
        op = rec.ops[0]
        assert (op.id, op.priority, op.timeout) == ("query", "normal", 30.0)
        assert "query" in repr(op)
        s = m.stats()
        assert (s["operations"], s["succeeded"], s["batches"], s["failures"]) == (10, 10, 3, 0)
        assert s["pending"] == 0 and s["in_flight"] == 0

    run(main())


def test_item_errors_fail_only_their_operation() -> None:
    async def main() -> None:
        async def executor(ops: List[BatchOperation]) -> Sequence[object]:
            out: List[object] = []
            for o in ops:
                if o.params == "bad":
                    out.append(ValueError("no such pool"))
                elif o.params == "rpc":
                    out.append(RpcError("method not found", rpc_code=-32601))
                else:
                    out.append(o.params)
            return out

        m = BatchManager(BatchConfig(max_batch_delay=0.001), executor)
        ok, bad, rpc = await asyncio.gather(
            m.submit("q", "ok"), m.submit("q", "bad"), m.submit("q", "rpc"), return_exceptions=True
        )
        assert ok == "ok"
        assert isinstance(bad, HostError) and "ValueError: no such pool" in str(bad)
        assert isinstance(rpc, RpcError) and rpc.rpc_code == -32601
        assert m.stats()["failures"] == 2

    run(main())


def test_whole_batch_failures_and_bad_replies() -> None:
    async def main() -> None:
        async def raises(ops: List[BatchOperation]) -> Sequence[object]:
            raise KeyError("boom")

        m = BatchManager(BatchConfig(max_batch_delay=0.001, retry_attempts=0), raises)
        rs = await asyncio.gather(m.submit("a"), m.submit("b"), return_exceptions=True)
        assert all(isinstance(r, HostError) and "KeyError" in str(r) for r in rs)

        async def short(ops: List[BatchOperation]) -> Sequence[object]:
            return [1]

        m.set_executor(short)
        rs = await asyncio.gather(m.submit("a"), m.submit("b"), return_exceptions=True)
        assert all(isinstance(r, HostError) for r in rs), rs

        async def not_a_list(ops: List[BatchOperation]) -> Any:
            return "nope"

        m.set_executor(not_a_list)
        with pytest.raises(HostError, match="list"):
            await m.submit("a")

        async def not_json(ops: List[BatchOperation]) -> Sequence[object]:
            return [object() for _ in ops]

        m.set_executor(not_json)
        with pytest.raises(HostError, match="JSON"):
            await m.submit("a")

    run(main())


def test_bad_arguments_are_typed_errors() -> None:
    async def main() -> None:
        m = BatchManager(None, Recorder())
        with pytest.raises(InvalidArgumentError):
            m.submit("q", priority="urgent")  # type: ignore[arg-type]
        with pytest.raises(InvalidArgumentError):
            m.submit("q", timeout=0.0)
        with pytest.raises(InvalidArgumentError):
            m.submit("q", timeout=-1.0)
        with pytest.raises(InvalidArgumentError):
            m.submit("")
        with pytest.raises(MantraTypeError):
            m.submit(42)  # type: ignore[arg-type]
        with pytest.raises(MantraTypeError):
            m.submit("q", {1, 2})
        with pytest.raises(MantraTypeError):
            m.set_executor("not callable")  # type: ignore[arg-type]
        no_exec = BatchManager()
        with pytest.raises(InvalidConfigError) as e:
            no_exec.submit("q")
        assert e.value.field == "executor"
        assert m.stats()["operations"] == 0

    run(main())
    with pytest.raises(RuntimeError):
        BatchManager(None, Recorder()).submit("q")  # no running event loop


def test_flush_delay_and_priority_in_virtual_time() -> None:
    async def main() -> None:
        clock = ManualClock()
        rec = Recorder()
        m = BatchManager(BatchConfig(max_batch_size=3, max_batch_delay=0.01), rec, clock=clock)
        a = m.submit("op", "a")
        await clock.advance(0.005)
        b = m.submit("op", "b")
        await clock.advance(0.004)
        assert rec.batches == [], "nothing is sent before the oldest operation waited 10 ms"
        await clock.advance(0.001)
        assert rec.batches == [["a", "b"]]
        assert [r["params"] for r in await asyncio.gather(a, b)] == ["a", "b"]

        low = m.submit("op", "low", priority="low")
        normal = m.submit("op", "normal")
        high = m.submit("op", "high", priority="high")
        await m.flush()
        await clock.settle()
        assert rec.batches[-1] == ["high", "normal", "low"]
        await asyncio.gather(low, normal, high)

    run(main())


def test_retryable_errors_are_retried_with_backoff_in_virtual_time() -> None:
    async def main() -> None:
        clock = ManualClock()
        calls = 0

        async def flaky(ops: List[BatchOperation]) -> Sequence[object]:
            nonlocal calls
            calls += 1
            if calls == 1:
                raise TransportError("busy", status=503)
            return [o.params for o in ops]

        cfg = BatchConfig(max_batch_delay=0.0, retry_delay=0.15, retry_jitter=False)
        m = BatchManager(cfg, flaky, clock=clock)
        r = m.submit("q", 1)
        await clock.advance(0.0)
        assert calls == 1
        await clock.advance(0.149)
        assert calls == 1, "the first retry waits retry_delay"
        await clock.advance(0.001)
        assert calls == 2
        assert await r == 1
        assert m.stats()["retries"] == 1

    run(main())


def test_max_retry_delay_caps_the_backoff_in_virtual_time() -> None:
    async def main(cap: Optional[float]) -> float:
        clock = ManualClock()
        calls: List[float] = []

        async def flaky(ops: List[BatchOperation]) -> Sequence[object]:
            calls.append(clock.now)
            if len(calls) == 1:
                raise TransportError("busy", status=503)
            return [o.params for o in ops]

        cfg = BatchConfig(max_batch_delay=0.0, retry_delay=2.0, retry_jitter=False, max_retry_delay=cap)
        m = BatchManager(cfg, flaky, clock=clock)
        r = m.submit("q", 1)
        await clock.advance(0.0)
        assert len(calls) == 1
        await clock.advance(0.25)
        if cap is not None:
            assert len(calls) == 2, "the retry waited the cap, not retry_delay"
        else:
            assert len(calls) == 1
            await clock.advance(1.75)
        assert await r == 1 and m.stats()["retries"] == 1
        return calls[1] - calls[0]

    assert run(main(0.25)) == pytest.approx(0.25)
    assert run(main(None)) == pytest.approx(2.0), "without the cap: retry_delay"


def test_priority_aging_lets_a_waiting_low_operation_go_first() -> None:
    async def order(aging: Optional[float]) -> List[str]:
        clock = ManualClock()
        rec = Recorder()
        m = BatchManager(BatchConfig(max_batch_delay=10.0, priority_aging=aging), rec, clock=clock)
        low = m.submit("op", "low", priority="low")
        await clock.advance(0.25)
        high = m.submit("op", "high", priority="high")
        await m.flush()
        await clock.settle()
        await asyncio.gather(low, high)
        assert len(rec.batches) == 1
        return rec.batches[0]

    # Waiting 0.25 s with a 0.1 s step, "low" counts as "high" and is the older one ...
    assert run(order(0.1)) == ["low", "high"]
    # ... with the default step (1 s) it is still "low".
    assert run(order(None)) == ["high", "low"]


def test_the_node_batch_limit_is_learned() -> None:
    async def main() -> None:
        async def limited(ops: List[BatchOperation]) -> Sequence[object]:
            if len(ops) > 2:
                raise BatchLimitError("too many", size=len(ops), max=2)
            return [o.params for o in ops]

        m = BatchManager(BatchConfig(max_batch_size=5, max_batch_delay=0.001), limited)
        results = await asyncio.gather(*[m.submit("q", i) for i in range(5)])
        assert results == [0, 1, 2, 3, 4]
        assert m.effective_max_batch_size == 2
        assert m.stats()["batch_limit_splits"] >= 1

    run(main())


def test_timeouts_cancellation_and_close_end_every_call() -> None:
    async def main() -> None:
        clock = ManualClock()
        hang = asyncio.Event()

        async def never(ops: List[BatchOperation]) -> Sequence[object]:
            await hang.wait()
            return [None for _ in ops]

        m = BatchManager(BatchConfig(max_batch_delay=0.0, max_concurrent_batches=1), never, clock=clock)
        slow = m.submit("q", 1, timeout=1.0)
        await clock.advance(0.5)
        assert m.stats()["in_flight"] == 1
        await clock.advance(0.5)
        s = m.stats()
        assert (s["timeouts"], s["in_flight"]) == (1, 0), "the core ends the in-flight call itself"
        with pytest.raises(MantraTimeoutError):
            await slow

        # An abandoned await (asyncio.wait_for) leaves the manager consistent: the operation
        # still runs to its own end (here its timeout) and frees its batch slot.
        queued = m.submit("q", 2, timeout=5.0)
        await clock.settle()
        assert m.stats()["in_flight"] == 1
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(queued, 0.01)
        await clock.advance(5.0)
        s = m.stats()
        assert (s["timeouts"], s["in_flight"], s["pending"]) == (2, 0, 0)

        blocker = m.submit("q", 3)
        await clock.settle()
        later = m.submit("q", 4)
        assert m.stats()["pending"] == 1, "the only batch slot is busy"
        m.close()
        m.close()
        assert m.is_closed
        with pytest.raises(ClosedError):
            await later
        with pytest.raises(ClosedError):
            m.submit("q", 5)
        s = m.stats()
        assert s["pending"] == 0 and s["closed"] == 1
        hang.set()
        assert await blocker is None, "a batch in flight still delivers after close"

    run(main())
