"""Runs host callables for the native module (private).

The Rust core drives Python callbacks (health checks, recovery actions, later batch
executors and transports) by scheduling :func:`_invoke` on the caller's asyncio event loop
with :func:`asyncio.run_coroutine_threadsafe`. The callable is called on the loop thread;
an awaitable result is awaited there.

``_invoke`` never raises: it returns ``(True, value)`` or ``(False, exception)``, so that no
exception — not even ``KeyboardInterrupt``/``SystemExit`` raised by a callback, which asyncio
would otherwise re-raise out of the event loop — escapes into the loop. The native side turns
``(False, exc)`` into a core ``Error::Host`` naming the exception.
"""

from __future__ import annotations

import asyncio
import inspect
from typing import Any, Callable, Tuple


async def _invoke(func: Callable[..., Any], args: Tuple[Any, ...]) -> Tuple[bool, Any]:
    try:
        result = func(*args)
        if inspect.isawaitable(result):
            result = await result
        return True, result
    except BaseException as exc:  # every failure of a callback is reported, never raised
        return False, exc


def _describe(exc: BaseException) -> str:
    """``"ValueError: boom"`` (or just the type name when the message is empty)."""
    text = str(exc)
    name = type(exc).__qualname__
    return f"{name}: {text}" if text else name


async def _run(pending: Any) -> Any:
    """The coroutine returned by every async SDK method.

    The Rust future only starts when this coroutine is awaited on a running loop, so
    ``asyncio.run(checker.run_health_checks())`` works like any ``async def``; cancelling
    the awaiting task drops (cancels) the Rust future.
    """
    return await pending.start()


def _resolve(fut: Any, ok: bool, value: Any) -> None:
    """Completes the asyncio future of an SDK coroutine (scheduled on its loop)."""
    if fut.done():  # cancelled meanwhile
        return
    if ok:
        fut.set_result(value)
    else:
        fut.set_exception(value)


async def _ready(value: Any) -> Any:
    """An awaitable that is already done (synchronous fast paths of async methods)."""
    return value


# ---- virtual time (ManualClock) ----

# Rounds without visible progress before a settle ends, and a bound on the rounds.
_QUIET_ROUNDS = 2
_MAX_ROUNDS = 2000


async def _settle(clock: Any) -> None:
    """Lets SDK tasks (the SDK's runtime thread) and host callbacks (this event loop) run
    until neither makes progress: repeats loop turns and runtime turns until the clock's
    progress fingerprint (sleeps created / waiting, host callbacks scheduled / completed,
    SDK results not yet handed to the loop) is unchanged for a few rounds with no result
    in transit."""
    last = None
    quiet = 0
    for _ in range(_MAX_ROUNDS):
        for _ in range(4):
            await asyncio.sleep(0)
        await clock._settle_rust()
        progress = clock._progress()
        if progress == last and progress[3] == 0:
            quiet += 1
            if quiet >= _QUIET_ROUNDS:
                return
        else:
            quiet = 0
            last = progress


async def _advance(clock: Any, target_ns: int) -> None:
    """``ManualClock.advance``: fires the timers due up to ``target_ns`` one deadline at a
    time (the core's stepwise advance), settling in between, then sets the time."""
    while True:
        await _settle(clock)
        if not clock._fire_next(target_ns):
            break
    clock._jump_to(target_ns)
    await _settle(clock)
