"""Interpreter exit with SDK work just finished or still pending never crashes.

Before the exit gate (bindings-python/src/gil.rs) about one run in five aborted in
Py_FinalizeEx ("PyGILState_Release: thread state must be current") because an SDK thread
was still inside Python; so each scenario runs many short-lived interpreters.
"""

import subprocess
import sys
import textwrap

import pytest

SCENARIOS = {
    "finished": """
        import asyncio
        from mantra_sdk import HealthChecker

        async def ok():
            return None

        async def main():
            c = HealthChecker()
            c.register_check("a", ok)
            c.register_check("b", ok)
            for _ in range(3):
                await c.run_health_checks()
            try:
                await c.run_check("missing")
            except Exception:
                pass

        asyncio.run(main())
    """,
    "auto_checks_left_running": """
        import asyncio
        from mantra_sdk import HealthChecker, HealthConfig

        async def ok():
            await asyncio.sleep(0)

        async def main():
            c = HealthChecker(HealthConfig(check_interval=0.001))
            c.register_check("a", ok)
            c.start()
            await asyncio.sleep(0.02)
            return c  # never stopped

        checker = asyncio.run(main())
    """,
    "pending_at_exit": """
        import asyncio
        from mantra_sdk import HealthChecker, HealthConfig

        async def hang():
            await asyncio.Event().wait()

        async def main():
            c = HealthChecker(HealthConfig(check_timeout=3600))
            c.register_check("hang", hang)
            task = asyncio.ensure_future(c.run_health_checks())
            await asyncio.sleep(0.01)
            return c, task  # asyncio.run cancels the task at exit

        kept = asyncio.run(main())
    """,
}


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_interpreter_exit_is_clean(name: str) -> None:
    code = textwrap.dedent(SCENARIOS[name])
    for run in range(12):
        proc = subprocess.run(
            [sys.executable, "-X", "faulthandler", "-c", code],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert proc.returncode == 0, (
            f"{name}: run {run} exited with {proc.returncode}\n{proc.stderr[-3000:]}"
        )
