"""ManualClock: virtual time shared by the components of a test."""

import asyncio
from typing import Awaitable, List, TypeVar

import pytest

from mantra_sdk import HealthChecker, HealthConfig, InvalidArgumentError, ManualClock

T = TypeVar("T")


def run(coro: Awaitable[T]) -> T:
    return asyncio.run(coro)  # type: ignore[arg-type]


def test_sleeps_fire_in_order_at_their_deadlines() -> None:
    async def main() -> None:
        clock = ManualClock()
        log: List[float] = []

        async def sleeper(s: float) -> None:
            await clock.sleep(s)
            log.append(clock.now)

        tasks = [asyncio.ensure_future(sleeper(s)) for s in (3.0, 1.0, 2.0)]
        await clock.settle()
        assert clock.pending_sleeps == 3
        await clock.advance(1.5)
        assert log == [1.0]
        assert clock.now == 1.5
        await clock.advance(10.0)
        assert log == [1.0, 2.0, 3.0]
        assert clock.now == 11.5
        assert clock.pending_sleeps == 0
        await asyncio.gather(*tasks)
        assert "ManualClock(now=11.5)" == repr(clock)

    run(main())


def test_chained_timers_fire_within_one_advance() -> None:
    async def main() -> None:
        clock = ManualClock()
        ticks: List[float] = []

        async def loop() -> None:
            for _ in range(3):
                await clock.sleep(1.0)
                ticks.append(clock.now)

        t = asyncio.ensure_future(loop())
        await clock.advance(3.5)
        assert ticks == [1.0, 2.0, 3.0]
        await t

    run(main())


def test_bad_durations_are_rejected() -> None:
    # A method's argument, not a config: InvalidArgumentError (as in JS), naming it.
    clock = ManualClock()
    with pytest.raises(InvalidArgumentError, match="`seconds`"):
        clock.advance(-1.0)
    with pytest.raises(InvalidArgumentError, match="`seconds`"):
        clock.sleep(float("nan"))
    assert clock.now == 0.0


def test_health_checks_time_out_in_virtual_time() -> None:
    async def main() -> None:
        clock = ManualClock()
        checker = HealthChecker(HealthConfig(check_timeout=5.0, failure_threshold=1), clock=clock)
        never = asyncio.Event()

        async def hangs() -> None:
            await never.wait()

        checker.register_check("node", hangs)
        run_task = asyncio.ensure_future(checker.run_health_checks())
        await clock.advance(4.999)
        assert not run_task.done()
        await clock.advance(0.001)
        report = await run_task
        assert report["components"]["node"]["status"] == "unhealthy"
        assert "timed out" in (report["components"]["node"]["last_error"] or "")

    run(main())
