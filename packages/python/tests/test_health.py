"""HealthChecker with async Python checks, end to end through the Rust core."""

import asyncio
import gc
import inspect
import threading
from typing import Any, Awaitable, Dict, List, Mapping, TypeVar

import pytest

from mantra_sdk import (
    HealthChecker,
    HealthConfig,
    InvalidArgumentError,
)

T = TypeVar("T")


def run(coro: Awaitable[T]) -> T:
    return asyncio.run(coro)  # type: ignore[arg-type]


class Flaky:
    """A check whose behaviour the test switches: ok, raise, hang, or return a value."""

    def __init__(self) -> None:
        self.mode = "ok"
        self.calls = 0
        self.cancelled = 0
        self.value: Any = None

    async def __call__(self) -> Any:
        self.calls += 1
        if self.mode == "raise":
            raise ConnectionError("node unreachable")
        if self.mode == "hang":
            try:
                await asyncio.Event().wait()
            except asyncio.CancelledError:
                self.cancelled += 1
                raise
        if self.mode == "value":
            return self.value
        return None


def component(report: Mapping[str, Any], name: str) -> Dict[str, Any]:
    c: Dict[str, Any] = report["components"][name]
    return c


def test_config_defaults_come_from_the_core() -> None:
    c = HealthConfig()
    assert (c.check_interval, c.check_timeout) == (30.0, 10.0)
    assert (c.failure_threshold, c.recovery_threshold) == (3, 2)
    assert c.enable_auto_recovery and c.enable_diagnostics and not c.enable_auto_checks
    assert c.service_name is None
    d = c.to_dict()
    assert d["check_timeout_ms"] == 10000 and d["history_size"] == c.history_size
    c2 = HealthConfig(check_timeout=0.25, failure_threshold=5, service_name="svc")
    assert c2.check_timeout == 0.25 and c2.failure_threshold == 5
    assert c2 == HealthConfig(check_timeout=0.25, failure_threshold=5, service_name="svc")
    assert c2 != c
    assert "check_timeout=0.25" in repr(c2) and "service_name=\"svc\"" in repr(c2)
    assert HealthChecker(c2).config == c2
    assert HealthChecker().config == HealthConfig()


def test_three_failures_make_a_component_unhealthy_and_two_successes_recover_it() -> None:
    async def main() -> None:
        checker = HealthChecker(HealthConfig(failure_threshold=3, recovery_threshold=2))
        check = Flaky()
        checker.register_check("node", check)
        assert checker.get_system_health()["overall_status"] == "unknown"

        check.mode = "raise"
        statuses: List[str] = []
        for _ in range(3):
            report = await checker.run_health_checks()
            statuses.append(component(report, "node")["status"])
        assert statuses == ["degraded", "degraded", "unhealthy"]
        node = component(report, "node")
        assert node["consecutive_failures"] == 3
        assert "ConnectionError: node unreachable" in node["last_error"]
        assert report["overall_status"] == "unhealthy"
        assert checker.overall_status() == "unhealthy"

        check.mode = "ok"
        first = await checker.run_health_checks()
        assert component(first, "node")["status"] == "unhealthy"
        second = await checker.run_health_checks()
        assert component(second, "node")["status"] == "healthy"
        assert second["overall_status"] == "healthy"
        assert check.calls == 5
        # the synchronous report is the same state
        assert checker.get_system_health()["components"]["node"]["consecutive_successes"] == 2

    run(main())


def test_return_values_map_to_outcomes() -> None:
    async def main() -> None:
        checker = HealthChecker(HealthConfig(failure_threshold=1))
        check = Flaky()
        check.mode = "value"
        checker.register_check("c", check)

        check.value = "catching up"
        c = component(await checker.run_health_checks(), "c")
        assert (c["status"], c["output"]) == ("degraded", "catching up")

        check.value = {"height": 42, "peers": [1, 2]}
        c = component(await checker.run_health_checks(), "c")
        assert c["status"] == "healthy" and c["details"] == {"height": 42, "peers": [1, 2]}

        check.value = True
        assert component(await checker.run_health_checks(), "c")["status"] == "healthy"

        check.value = False
        c = component(await checker.run_health_checks(), "c")
        assert c["status"] == "unhealthy" and "returned False" in c["last_error"]

        check.value = 12
        c = component(await checker.run_health_checks(), "c")
        assert c["status"] == "unhealthy" and "returned int" in c["last_error"]

    run(main())


def test_plain_functions_and_other_awaitables_are_accepted() -> None:
    async def main() -> None:
        checker = HealthChecker()
        checker.register_check("sync", lambda: "slow")
        loop = asyncio.get_running_loop()

        def future_check() -> "asyncio.Future[None]":
            fut: "asyncio.Future[None]" = loop.create_future()
            fut.set_result(None)
            return fut

        checker.register_check("future", future_check)
        report = await checker.run_health_checks()
        assert component(report, "sync")["status"] == "degraded"
        assert component(report, "future")["status"] == "healthy"

    run(main())


def test_checks_run_on_the_callers_event_loop_thread() -> None:
    async def main() -> None:
        seen: List[int] = []

        async def where() -> None:
            asyncio.get_running_loop()  # raises off-loop
            seen.append(threading.get_ident())

        checker = HealthChecker()
        checker.register_check("where", where)
        await checker.run_health_checks()
        assert seen == [threading.get_ident()]

    run(main())


def test_a_hanging_check_is_cut_by_check_timeout_and_its_task_cancelled() -> None:
    async def main() -> None:
        checker = HealthChecker(HealthConfig(check_timeout=0.05, failure_threshold=1))
        check = Flaky()
        check.mode = "hang"
        checker.register_check("hang", check)
        report = await checker.run_health_checks()
        c = component(report, "hang")
        assert c["status"] == "unhealthy"
        assert "timed out" in c["last_error"]
        # the Python task behind the check was cancelled, not leaked
        for _ in range(100):
            if check.cancelled:
                break
            await asyncio.sleep(0.01)
        assert check.cancelled == 1
        assert asyncio.all_tasks() == {asyncio.current_task()}

    run(main())


def test_per_check_timeout_overrides_the_config() -> None:
    async def main() -> None:
        checker = HealthChecker(HealthConfig(check_timeout=3600, failure_threshold=1))
        check = Flaky()
        check.mode = "hang"
        checker.register_check("hang", check, timeout=0.05, critical=False)
        report = await checker.run_health_checks()
        assert component(report, "hang")["status"] == "unhealthy"
        # non-critical: the system is only degraded
        assert report["overall_status"] == "degraded"

    run(main())


def test_cancelling_a_run_leaves_the_checker_consistent() -> None:
    async def main() -> None:
        checker = HealthChecker(HealthConfig(check_timeout=3600))
        slow = Flaky()
        slow.mode = "hang"
        fast = Flaky()
        checker.register_check("slow", slow)
        checker.register_check("fast", fast)

        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(checker.run_health_checks(), 0.01)
        # the slow check's Python task is cancelled with the run
        for _ in range(100):
            if slow.cancelled:
                break
            await asyncio.sleep(0.01)
        assert slow.cancelled == 1

        # nothing half-applied: the dropped round did not count for the slow check
        diag = checker.get_diagnostics()
        assert diag["total_runs"] == 0
        assert diag["components"]["slow"]["total_checks"] == 0

        # and the checker is fully usable afterwards
        slow.mode = "ok"
        report = await checker.run_health_checks()
        assert report["overall_status"] == "healthy"
        assert component(report, "slow")["total_checks"] == 1
        assert checker.get_diagnostics()["total_runs"] == 1

    run(main())


def test_cancelling_run_check_with_task_cancel() -> None:
    async def main() -> None:
        checker = HealthChecker(HealthConfig(check_timeout=3600))
        check = Flaky()
        check.mode = "hang"
        checker.register_check("c", check)
        task = asyncio.ensure_future(checker.run_check("c"))
        await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        check.mode = "ok"
        assert (await checker.run_check("c"))["status"] == "healthy"

    run(main())


@pytest.mark.parametrize(
    "exc",
    [KeyboardInterrupt, SystemExit, asyncio.CancelledError, GeneratorExit, RecursionError],
)
def test_base_exceptions_from_a_check_are_failures_not_crashes(exc: type) -> None:
    async def main() -> None:
        async def boom() -> None:
            raise exc("from the check")

        checker = HealthChecker(HealthConfig(failure_threshold=1))
        checker.register_check("boom", boom)
        checker.register_check("ok", lambda: None, critical=False)
        report = await checker.run_health_checks()
        c = component(report, "boom")
        assert c["status"] == "unhealthy"
        assert exc.__name__ in c["last_error"]
        assert component(report, "ok")["status"] == "healthy"

    run(main())
    # the event loop survived and the interpreter is fine
    assert run(asyncio.sleep(0, result=7)) == 7


def test_a_check_whose_call_raises_synchronously_is_a_failure() -> None:
    async def main() -> None:
        def broken() -> None:
            raise RuntimeError("not even a coroutine")

        checker = HealthChecker(HealthConfig(failure_threshold=1))
        checker.register_check("broken", broken)
        c = component(await checker.run_health_checks(), "broken")
        assert c["status"] == "unhealthy" and "RuntimeError" in c["last_error"]

    run(main())


def test_details_that_are_not_json_are_a_failure() -> None:
    async def main() -> None:
        async def bad_details() -> Dict[str, Any]:
            return {"when": object()}

        checker = HealthChecker(HealthConfig(failure_threshold=1))
        checker.register_check("bad", bad_details)
        c = component(await checker.run_health_checks(), "bad")
        assert c["status"] == "unhealthy" and "unusable details" in c["last_error"]

    run(main())


def test_registry_operations_and_lookups() -> None:
    async def main() -> None:
        checker = HealthChecker()
        checker.register_check("b", lambda: None, tags=["protocol"])
        checker.register_check("a", lambda: None)
        assert checker.check_names() == ["a", "b"]
        assert checker.get_protocol_health("nope") is None
        with pytest.raises(InvalidArgumentError):
            await checker.run_check("nope")
        one = await checker.run_check("b")
        assert one["status"] == "healthy" and one["tags"] == ["protocol"]
        assert checker.get_protocol_health("a")["status"] == "unknown"  # type: ignore[index]
        assert checker.unregister_check("a") is True
        assert checker.unregister_check("a") is False
        assert checker.check_names() == ["b"]
        assert "b" in repr(checker)

    run(main())


def test_diagnostics_and_health_json() -> None:
    async def main() -> None:
        checker = HealthChecker(
            HealthConfig(failure_threshold=1, history_size=2, service_name="api")
        )
        check = Flaky()
        checker.register_check("node", check)
        for mode in ["ok", "raise", "ok"]:
            check.mode = mode
            await checker.run_health_checks()
        diag = checker.get_diagnostics()
        assert diag["enabled"] and diag["total_runs"] == 3
        history = diag["components"]["node"]["history"]
        assert [h["outcome"] for h in history] == ["unhealthy", "healthy"]  # bounded to 2
        assert diag["config"]["history_size"] == 2
        doc = checker.health_json()
        assert doc["serviceId"] == "api"
        assert doc["status"] in {"pass", "warn", "fail"}
        assert "node" in doc["checks"]

    run(main())


def test_recovery_action_runs_when_a_component_becomes_unhealthy() -> None:
    async def main() -> None:
        checker = HealthChecker(HealthConfig(failure_threshold=2))
        check = Flaky()
        check.mode = "raise"
        recoveries: List[str] = []

        async def recover() -> None:
            recoveries.append("reconnect")

        checker.register_check("node", check)
        checker.register_recovery("node", recover)
        for _ in range(4):
            await checker.run_health_checks()
        assert recoveries == ["reconnect"]  # once per transition, not every round
        c = checker.get_protocol_health("node")
        assert c is not None and c["recovery_attempts"] == 1 and c["recovery_successes"] == 1

    run(main())


def test_start_runs_checks_periodically_on_the_loop_and_stop_ends_it() -> None:
    async def main() -> None:
        checker = HealthChecker(HealthConfig(check_interval=0.02))
        check = Flaky()
        checker.register_check("tick", check)
        checker.start()
        checker.start()  # idempotent
        assert checker.is_running
        for _ in range(500):
            if check.calls >= 3:
                break
            await asyncio.sleep(0.01)
        assert check.calls >= 3
        checker.stop()
        assert not checker.is_running
        await asyncio.sleep(0.05)
        calls = check.calls
        await asyncio.sleep(0.1)
        assert check.calls == calls  # stopped means no more rounds
        assert checker.get_system_health()["overall_status"] == "healthy"

    run(main())


def test_initialize_starts_auto_checks_when_enabled() -> None:
    async def main() -> None:
        checker = HealthChecker(HealthConfig(enable_auto_checks=True, check_interval=0.02))
        check = Flaky()
        checker.register_check("tick", check)
        await checker.initialize()
        assert checker.is_running
        for _ in range(500):
            if check.calls >= 2:
                break
            await asyncio.sleep(0.01)
        assert check.calls >= 2
        checker.stop()

        quiet = HealthChecker()
        await quiet.initialize()
        assert not quiet.is_running

    run(main())


def test_start_outside_an_event_loop_raises() -> None:
    checker = HealthChecker()
    with pytest.raises(RuntimeError):
        checker.start()
    assert not checker.is_running


def test_async_methods_return_coroutines_usable_with_asyncio_run() -> None:
    checker = HealthChecker()
    coro = checker.run_health_checks()
    assert inspect.iscoroutine(coro)
    assert asyncio.run(coro)["overall_status"] == "unknown"  # nothing registered
    unawaited = checker.run_check("x")
    unawaited.close()  # never awaited: nothing ran, nothing leaks


def test_a_checker_outlives_its_event_loop() -> None:
    checker = HealthChecker()
    check = Flaky()
    checker.register_check("c", check)
    for _ in range(3):  # a new event loop each time
        report = run(checker.run_health_checks())
        assert report["overall_status"] == "healthy"
    assert check.calls == 3


def test_concurrent_rounds_and_sync_reads_from_threads() -> None:
    async def main() -> None:
        checker = HealthChecker()
        for i in range(5):
            checker.register_check(f"c{i}", Flaky())
        errors: List[BaseException] = []

        def reader() -> None:
            try:
                for _ in range(200):
                    checker.get_system_health()
                    checker.get_diagnostics()
            except BaseException as e:  # pragma: no cover - reported below
                errors.append(e)

        threads = [threading.Thread(target=reader) for _ in range(2)]
        for t in threads:
            t.start()
        reports = await asyncio.gather(*(checker.run_health_checks() for _ in range(10)))
        def join_all() -> None:
            for t in threads:
                t.join()

        await asyncio.get_running_loop().run_in_executor(None, join_all)
        assert not errors
        assert all(r["overall_status"] == "healthy" for r in reports)
        total = checker.get_system_health()["components"]["c0"]["total_checks"]
        assert total == 10

    run(main())


def test_dropping_a_checker_with_pending_state_is_clean() -> None:
    async def main() -> None:
        checker = HealthChecker(HealthConfig(check_interval=0.01))
        checker.register_check("c", Flaky())
        checker.start()
        await asyncio.sleep(0.03)
        del checker
        gc.collect()
        await asyncio.sleep(0.03)

    run(main())


