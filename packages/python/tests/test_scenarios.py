"""The shared conformance scenarios (``tests/scenarios/*.json``, format in
``tests/scenarios/README.md``) run against the installed wheel, each on a ``ManualClock``.

Every scenario is one pytest case (``SCENARIO=<part of a name>`` selects a subset). Unknown
keys and ops fail, so data errors cannot pass silently; a failure names the step index and
shows expected vs actual. The scripted parts (batch executor, health checks) are Python
async functions, so the scenarios also exercise the host-callback bridge.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import pathlib
import tempfile
from typing import Any, Callable, Dict, List, Optional, Tuple

import pytest

import mantra_sdk
from mantra_sdk import (
    BatchConfig,
    BatchLimitError,
    BatchManager,
    BatchOperation,
    CacheConfig,
    CacheManager,
    HealthChecker,
    HealthConfig,
    HostError,
    InvalidConfigError,
    ManualClock,
    MantraError,
    MetricsCollector,
    MetricsConfig,
    RpcError,
    TransportError,
)

ROOT = pathlib.Path(__file__).resolve().parents[3]
SCENARIO_DIR = pathlib.Path(os.environ.get("MANTRA_SCENARIOS", ROOT / "tests" / "scenarios"))
COMMON_STEP_KEYS = {"op", "expect", "expect_error", "field", "approx", "note"}


class DataError(Exception):
    """The scenario file itself is wrong (unknown key or op, bad type)."""


class StepFailed(Exception):
    """A step did not behave as the scenario expects."""


# ---------------------------------------------------------------------------------- data


def only_keys(m: Dict[str, Any], allowed: List[str], what: str) -> None:
    is_step = what != "scenario" and "op" in m
    unknown = [k for k in m if k not in allowed and not (is_step and k in COMMON_STEP_KEYS)]
    if unknown:
        raise DataError(f"unknown field(s) in {what}: {', '.join(unknown)}")


def is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def is_num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def str_field(m: Dict[str, Any], k: str) -> str:
    v = m.get(k)
    if not isinstance(v, str):
        raise DataError(f"missing string `{k}`")
    return v


def u64_field(m: Dict[str, Any], k: str) -> int:
    v: Any = m.get(k)
    if not is_int(v) or v < 0:
        raise DataError(f"missing non-negative integer `{k}`")
    return int(v)


def opt_u64(m: Dict[str, Any], k: str) -> Optional[int]:
    return None if k not in m else u64_field(m, k)


def opt_str(m: Dict[str, Any], k: str) -> Optional[str]:
    return None if k not in m else str_field(m, k)


def bool_field(m: Dict[str, Any], k: str) -> bool:
    v = m.get(k)
    if not isinstance(v, bool):
        raise DataError(f"missing boolean `{k}`")
    return v


def secs(ms: int) -> float:
    return ms / 1000.0


class ConfigReader:
    """Reads a config object key by key; `finish` rejects whatever was not read."""

    def __init__(self, m: Dict[str, Any]) -> None:
        self.m = dict(m)
        self.out: Dict[str, Any] = {}

    def int(self, k: str, into: Optional[str] = None) -> None:
        if k in self.m:
            self.out[into or k] = u64_field(self.m, k)
            del self.m[k]

    def ms(self, k: str) -> None:
        if k in self.m:
            self.out[k[: -len("_ms")]] = secs(u64_field(self.m, k))
            del self.m[k]

    def bool(self, k: str) -> None:
        if k in self.m:
            self.out[k] = bool_field(self.m, k)
            del self.m[k]

    def take(self, k: str) -> Any:
        return self.m.pop(k, None)

    def finish(self) -> Dict[str, Any]:
        if self.m:
            raise DataError(f"unknown config field(s): {', '.join(self.m)}")
        return self.out


# ------------------------------------------------------------------------------ compare


def compare(exp: Any, got: Any, subset: bool, approx: Dict[str, float], path: str) -> None:
    key = path.rsplit(".", 1)[-1]
    if is_num(exp) and is_num(got):
        tol = approx.get(key, 0.0)
        if exp == got or abs(float(exp) - float(got)) <= tol:
            return
        raise StepFailed(f"at {path}: expected {exp}, got {got}")
    if isinstance(exp, dict) and isinstance(got, dict):
        if not subset:
            for k in got:
                if k not in exp:
                    raise StepFailed(f"at {path}: unexpected key `{k}`")
        for k, ev in exp.items():
            sub = f"{path}.{k}"
            if k not in got:
                raise StepFailed(f"at {sub}: missing")
            compare(ev, got[k], subset, approx, sub)
        return
    if isinstance(exp, list) and isinstance(got, (list, tuple)):
        if len(exp) != len(got):
            raise StepFailed(f"at {path}: expected {len(exp)} elements, got {len(got)}")
        for i, (ev, gv) in enumerate(zip(exp, got)):
            compare(ev, gv, subset, approx, f"{path}[{i}]")
        return
    same_kind = isinstance(exp, bool) == isinstance(got, bool)
    if same_kind and not isinstance(got, (dict, list, tuple)) and exp == got:
        return
    raise StepFailed(f"at {path}: expected {json.dumps(exp)}, got {truncate(got)}")


def truncate(v: Any) -> str:
    try:
        s = json.dumps(v)
    except (TypeError, ValueError):
        s = repr(v)
    return s if len(s) <= 2000 else f"{s[:2000]}… ({len(s)} bytes)"


# A step's result: (value, subset) or None (no result).
Result = Optional[Tuple[Any, bool]]


def exact(v: Any) -> Result:
    return (v, False)


def report(v: Any) -> Result:
    return (v, True)


def check_outcome(
    s: Dict[str, Any],
    result: Result,
    error: Optional[BaseException],
    resolve: Callable[[Any], Any],
) -> None:
    expect_error = s.get("expect_error")
    if expect_error is not None and not isinstance(expect_error, str):
        raise DataError("`expect_error` must be a string")
    field = s.get("field")
    if field is not None and (not isinstance(field, str) or expect_error != "invalid_config"):
        raise DataError("`field` must be a string and needs `expect_error: invalid_config`")
    if "expect" in s and expect_error is not None:
        raise DataError("a step has either `expect` or `expect_error`, not both")
    approx = s.get("approx", {})
    if not isinstance(approx, dict) or not all(is_num(t) and t >= 0 for t in approx.values()):
        raise DataError("`approx` must map keys to numbers >= 0")
    if error is None:
        if expect_error is not None:
            got = "(no result)" if result is None else truncate(result[0])
            raise StepFailed(f"expected error `{expect_error}`, got success {got}")
        if "expect" not in s:
            return
        if result is None:
            raise DataError("this op has no result to `expect`")
        exp = resolve(s["expect"])
        try:
            compare(exp, result[0], result[1], approx, "$")
        except StepFailed as e:
            raise StepFailed(
                f"{e}\n    expected: {json.dumps(exp)}\n    actual:   {truncate(result[0])}"
            ) from None
        return
    if not isinstance(error, MantraError):
        raise error
    if expect_error is None:
        raise StepFailed(f"unexpected error `{error.code}`: {error}")
    if error.code != expect_error:
        raise StepFailed(f"expected error `{expect_error}`, got `{error.code}`: {error}")
    if field is not None:
        got_field = getattr(error, "field", None)
        if not isinstance(error, InvalidConfigError) or got_field != field:
            raise StepFailed(f"expected invalid field `{field}`, got: {error!r} (field {got_field})")


# --------------------------------------------------------------------------------- cache


class CacheDriver:
    def __init__(self, config: Dict[str, Any]) -> None:
        r = ConfigReader(config)
        r.int("max_entries")
        r.ms("default_ttl_ms")
        r.bool("enable_stats")
        r.ms("cleanup_interval_ms")
        budget = r.take("max_memory_bytes")
        ttls = r.take("ttl_by_type_ms")
        self.kwargs = r.finish()
        self.budget = budget
        self.ttls: Dict[str, float] = {}
        if ttls is not None:
            if not isinstance(ttls, dict):
                raise DataError("`ttl_by_type_ms` must be an object")
            for t, ms in ttls.items():
                if not is_int(ms) or ms < 0:
                    raise DataError(f"`ttl_by_type_ms.{t}` must be an integer")
                self.ttls[t] = secs(ms)
        self.weigher = CacheManager()
        self.cache: Optional[CacheManager] = None

    def build(self, clock: ManualClock) -> None:
        kwargs = dict(self.kwargs)
        if self.budget is not None:
            n = self.resolve(self.budget)
            if not is_int(n) or n < 0:
                raise DataError("config `max_memory_bytes` must be a non-negative integer")
            kwargs["max_memory_bytes"] = n
        if self.ttls:
            kwargs["ttl_by_type"] = self.ttls
        self.cache = CacheManager(CacheConfig(**kwargs), clock=clock)

    def resolve(self, v: Any) -> Any:
        """Replaces weight sums by the bytes this binding's cache charges."""
        if isinstance(v, dict) and "weights" in v:
            only_keys(v, ["weights", "plus"], "weight sum")
            if not isinstance(v["weights"], list):
                raise DataError("`weights` must be an array")
            total = 0
            for e in v["weights"]:
                if not isinstance(e, dict):
                    raise DataError("a `weights` entry must be an object")
                only_keys(e, ["key", "value"], "weights entry")
                if "value" not in e:
                    raise DataError("missing `value`")
                total += self.weigher.weigh(str_field(e, "key"), e["value"])
            plus = v.get("plus", 0)
            if not is_int(plus):
                raise DataError("`plus` must be an integer")
            total += plus
            if total < 0:
                raise DataError(f"weight sum {total} is negative")
            return total
        if isinstance(v, dict):
            return {k: self.resolve(x) for k, x in v.items()}
        if isinstance(v, list):
            return [self.resolve(x) for x in v]
        return v

    async def step(self, op: str, s: Dict[str, Any]) -> Result:
        c = self.cache
        assert c is not None
        ty = opt_str(s, "type") or "generic"
        if op == "put":
            only_keys(s, ["key", "value", "type", "ttl_ms"], op)
            if "value" not in s:
                raise DataError("missing `value`")
            ttl = opt_u64(s, "ttl_ms")
            if ttl is None:
                c.put(str_field(s, "key"), s["value"], ty)  # type: ignore[arg-type]
            else:
                c.put(str_field(s, "key"), s["value"], ty, ttl=secs(ttl))  # type: ignore[arg-type]
            return None
        if op == "get":
            only_keys(s, ["key", "type"], op)
            return exact(c.get(str_field(s, "key"), ty))  # type: ignore[arg-type]
        if op == "remove":
            only_keys(s, ["key", "type"], op)
            return exact(c.remove(str_field(s, "key"), ty))  # type: ignore[arg-type]
        if op == "clear":
            only_keys(s, [], op)
            c.clear()
            return None
        if op == "clear_type":
            only_keys(s, ["type"], op)
            return exact(c.clear_type(str_field(s, "type")))  # type: ignore[arg-type]
        if op == "len":
            only_keys(s, [], op)
            return exact(len(c))
        if op == "cleanup":
            only_keys(s, [], op)
            return exact(c.cleanup())
        if op == "stats":
            only_keys(s, [], op)
            return report(c.stats())
        if op == "weight":
            only_keys(s, ["key", "value"], op)
            if "value" not in s:
                raise DataError("missing `value`")
            return exact(c.weigh(str_field(s, "key"), s["value"]))
        raise DataError(f"unknown cache op `{op}`")


# --------------------------------------------------------------------------------- batch


def scripted_error(e: Any, size: int) -> MantraError:
    if not isinstance(e, dict):
        raise DataError("an error must be an object")
    code = str_field(e, "code")
    message = opt_str(e, "message")
    if code == "transport":
        only_keys(e, ["code", "status", "retry_after_ms", "message"], "error")
        ra = opt_u64(e, "retry_after_ms")
        return TransportError(
            message or "scripted transport error",
            status=opt_u64(e, "status"),
            retry_after=None if ra is None else secs(ra),
        )
    if code == "rpc":
        only_keys(e, ["code", "rpc_code", "message"], "error")
        rpc_code: Any = e.get("rpc_code")
        if not is_int(rpc_code):
            raise DataError("missing integer `rpc_code`")
        return RpcError(message or "scripted rpc error", rpc_code=rpc_code)
    if code == "batch_limit":
        only_keys(e, ["code", "max"], "error")
        return BatchLimitError("scripted batch limit", size=size, max=u64_field(e, "max"))
    if code == "host":
        only_keys(e, ["code", "message"], "error")
        return HostError(message or "scripted host error")
    raise DataError(f"unknown error code `{code}`")


def check_reply(r: Any) -> None:
    """Validates one scripted executor reply up front (errors with a dummy size)."""
    if r == "echo":
        return
    if not isinstance(r, dict):
        raise DataError(f"unknown executor reply {truncate(r)}")
    if "results" in r:
        only_keys(r, ["results", "delay_ms"], "reply")
        opt_u64(r, "delay_ms")
        if not isinstance(r["results"], list):
            raise DataError("`results` must be an array")
        for item in r["results"]:
            if item == "echo":
                continue
            if isinstance(item, dict) and len(item) == 1 and "ok" in item:
                continue
            if isinstance(item, dict) and len(item) == 1 and "error" in item:
                scripted_error(item["error"], 0)
                continue
            raise DataError(f'a result is "echo", {{"ok": v}} or {{"error": e}}, not {truncate(item)}')
        return
    if "error" in r:
        only_keys(r, ["error", "delay_ms"], "reply")
        opt_u64(r, "delay_ms")
        scripted_error(r["error"], 0)
        return
    raise DataError(f"unknown executor reply {truncate(r)}")


class ScriptedExecutor:
    """The host's batch function, played from the scenario's script."""

    def __init__(self, replies: List[Any], clock: ManualClock) -> None:
        self.replies = list(replies)
        self.clock = clock
        self.calls: List[Dict[str, Any]] = []

    async def __call__(self, ops: List[BatchOperation]) -> List[object]:
        self.calls.append({"at_ms": round(self.clock.now * 1000), "ids": [o.id for o in ops]})
        reply: Any = self.replies.pop(0) if self.replies else "echo"
        if reply == "echo":
            return [o.params for o in ops]
        delay = reply.get("delay_ms", 0)
        if delay:
            await self.clock.sleep(secs(delay))
        if "error" in reply:
            raise scripted_error(reply["error"], len(ops))
        out: List[object] = []
        for i, item in enumerate(reply["results"]):
            if item == "echo":
                out.append(ops[i].params if i < len(ops) else None)
            elif "ok" in item:
                out.append(item["ok"])
            else:
                out.append(scripted_error(item["error"], len(ops)))
        return out


class BatchDriver:
    def __init__(self, config: Dict[str, Any], executor: Any) -> None:
        r = ConfigReader(config)
        r.int("max_batch_size")
        r.ms("max_batch_delay_ms")
        r.bool("enable_auto_batching")
        r.int("max_concurrent_batches")
        r.int("retry_attempts")
        r.ms("retry_delay_ms")
        self.kwargs = r.finish()
        if executor is None:
            executor = []
        if not isinstance(executor, list):
            raise DataError("`executor` must be an array of replies")
        for i, reply in enumerate(executor):
            try:
                check_reply(reply)
            except DataError as e:
                raise DataError(f"executor[{i}]: {e}") from None
        self.replies = executor
        self.tasks: Dict[str, "asyncio.Future[Any]"] = {}
        self.manager: Optional[BatchManager] = None

    def build(self, clock: ManualClock) -> None:
        self.exec = ScriptedExecutor(self.replies, clock)
        cfg = BatchConfig(retry_jitter=False, **self.kwargs)
        self.manager = BatchManager(cfg, self.exec, clock=clock)

    async def step(self, op: str, s: Dict[str, Any]) -> Result:
        m = self.manager
        assert m is not None
        if op == "submit":
            only_keys(s, ["id", "params", "priority", "timeout_ms"], op)
            id_ = str_field(s, "id")
            if id_ in self.tasks:
                raise DataError(f"duplicate operation id `{id_}`")
            priority = opt_str(s, "priority") or "normal"
            if priority not in ("high", "normal", "low"):
                raise DataError(f"unknown priority `{priority}` (high, normal, low)")
            timeout = secs(opt_u64(s, "timeout_ms") or 30_000)
            aw = m.submit(id_, s.get("params", id_), priority=priority, timeout=timeout)  # type: ignore[arg-type]
            self.tasks[id_] = asyncio.ensure_future(aw)
            return None
        if op == "flush":
            only_keys(s, [], op)
            await m.flush()
            return None
        if op in ("done", "await"):
            only_keys(s, ["id"], op)
            id_ = str_field(s, "id")
            if id_ not in self.tasks:
                raise DataError(f"no operation `{id_}` was submitted")
            t = self.tasks[id_]
            if op == "done":
                return exact(t.done())
            if not t.done():
                raise StepFailed(
                    f"operation `{id_}` has no result yet (await never waits: `advance` first)"
                )
            err = t.exception()
            if err is None:
                return exact({"ok": t.result()})
            if not isinstance(err, MantraError):
                raise err
            return exact({"error": err.code})
        if op == "executor_calls":
            only_keys(s, [], op)
            return report(list(self.exec.calls))
        if op == "stats":
            only_keys(s, [], op)
            return report(m.stats())
        if op == "close":
            only_keys(s, [], op)
            m.close()
            return None
        raise DataError(f"unknown batch op `{op}`")

    def cleanup(self) -> None:
        for t in self.tasks.values():
            if not t.done():
                t.cancel()
            elif not t.cancelled():
                t.exception()  # retrieved: no "never retrieved" warning


# ------------------------------------------------------------------------------- metrics


class MetricsDriver:
    def __init__(self, config: Dict[str, Any]) -> None:
        r = ConfigReader(config)
        for k in (
            "enable_protocol_metrics",
            "enable_mcp_metrics",
            "enable_resource_metrics",
            "enable_custom_metrics",
        ):
            r.bool(k)
        r.ms("retention_period_ms")
        r.ms("aggregation_interval_ms")
        ns = r.take("namespace")
        if ns is not None:
            if not isinstance(ns, str):
                raise DataError("`namespace` must be a string")
            r.out["namespace"] = ns
        r.int("max_series_per_family")
        r.int("max_custom_metrics")
        buckets = r.take("histogram_buckets")
        if buckets is not None:
            if not isinstance(buckets, list) or not all(is_num(b) for b in buckets):
                raise DataError("`histogram_buckets` must be an array of numbers")
            r.out["histogram_buckets"] = [float(b) for b in buckets]
        labels = r.take("const_labels")
        if labels is not None:
            ok = isinstance(labels, list) and all(
                isinstance(p, list) and len(p) == 2 and all(isinstance(x, str) for x in p)
                for p in labels
            )
            if not ok:
                raise DataError("`const_labels` must be [[name, value], ...]")
            r.out["const_labels"] = {k: v for k, v in labels}
        self.kwargs = r.finish()
        self.m: Optional[MetricsCollector] = None

    def build(self, clock: ManualClock) -> None:
        self.m = MetricsCollector(MetricsConfig(**self.kwargs), clock=clock)

    def snapshot(self) -> Dict[str, Any]:
        assert self.m is not None
        snap: Dict[str, Any] = dict(self.m.get_all_metrics())
        by_name: Dict[str, Any] = {}
        for f in snap["families"]:
            f = dict(f)
            f["series_count"] = len(f["series"])
            by_name[f["name"]] = f
        snap["families"] = by_name
        return snap

    async def step(self, op: str, s: Dict[str, Any]) -> Result:
        m = self.m
        assert m is not None
        if op == "record_protocol":
            only_keys(s, ["protocol", "operation", "latency_ms", "success", "error"], op)
            m.record_protocol_operation(
                str_field(s, "protocol"),
                str_field(s, "operation"),
                secs(u64_field(s, "latency_ms")),
                bool_field(s, "success"),
                opt_str(s, "error"),
            )
            return None
        if op == "record_mcp":
            only_keys(s, ["latency_ms", "success", "transport"], op)
            m.record_mcp_request(
                secs(u64_field(s, "latency_ms")), bool_field(s, "success"), str_field(s, "transport")
            )
            return None
        if op == "record_custom":
            only_keys(s, ["category", "name", "value", "type"], op)
            value = s.get("value")
            if not is_num(value):
                raise DataError("missing number `value`")
            ty = str_field(s, "type")
            if ty not in ("counter", "gauge", "histogram"):
                raise DataError(f"unknown metric type `{ty}`")
            m.record_custom_metric(str_field(s, "category"), str_field(s, "name"), float(value), ty)  # type: ignore[arg-type]
            return None
        if op == "snapshot":
            only_keys(s, [], op)
            return report(self.snapshot())
        if op == "series":
            only_keys(s, ["family", "labels"], op)
            fam = str_field(s, "family")
            labels = s.get("labels")
            if not isinstance(labels, dict):
                raise DataError("`labels` must be an object")
            f = self.snapshot()["families"].get(fam)
            found = None
            if f is not None:
                found = next((x for x in f["series"] if x["labels"] == labels), None)
            return report(found)
        if op == "prometheus":
            only_keys(s, ["contains", "absent"], op)
            text = m.prometheus()
            lines = text.splitlines()

            def strings(k: str) -> List[str]:
                v = s.get(k, [])
                if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
                    raise DataError(f"`{k}` must be an array of strings")
                return v

            missing = [line for line in strings("contains") if line not in lines]
            present = [p for p in strings("absent") if any(line.startswith(p) for line in lines)]
            if missing or present:
                raise StepFailed(
                    f"prometheus text mismatch\n    missing lines: {missing}\n"
                    f"    present but absent expected: {present}\n    text:\n{text[:2000]}"
                )
            return None
        raise DataError(f"unknown metrics op `{op}`")


# -------------------------------------------------------------------------------- health

CHECK_RESULTS = ("ok", "fail", "degraded")


def check_step(v: Any) -> Any:
    if isinstance(v, str):
        if v not in CHECK_RESULTS + ("timeout",):
            raise DataError(f"unknown check result `{v}`")
        return v
    if isinstance(v, dict):
        only_keys(v, ["after_ms", "then"], "check step")
        then = str_field(v, "then")
        if then not in CHECK_RESULTS:
            raise DataError(f"`then` must be ok, fail or degraded, not `{then}`")
        return (u64_field(v, "after_ms"), then)
    raise DataError(f"unknown check step {truncate(v)}")


class ScriptedCheck:
    """A health check played from its script (the last entry repeats)."""

    def __init__(self, script: List[Any], clock: ManualClock) -> None:
        self.script = script
        self.next = 0
        self.clock = clock

    async def __call__(self) -> Optional[str]:
        step = self.script[min(self.next, len(self.script) - 1)]
        self.next += 1
        if step == "timeout":
            await asyncio.get_running_loop().create_future()  # never answers
        if isinstance(step, tuple):
            await self.clock.sleep(secs(step[0]))
            step = step[1]
        if step == "fail":
            raise RuntimeError("scripted failure")
        if step == "degraded":
            return "scripted degradation"
        return None


class HealthDriver:
    def __init__(self, config: Dict[str, Any], checks: Any) -> None:
        r = ConfigReader(config)
        r.ms("check_interval_ms")
        r.ms("check_timeout_ms")
        r.int("failure_threshold")
        r.int("recovery_threshold")
        r.bool("enable_auto_checks")
        r.bool("enable_auto_recovery")
        r.bool("enable_diagnostics")
        r.ms("recovery_timeout_ms")
        r.int("history_size")
        self.kwargs = r.finish()
        self.checks: List[Tuple[str, bool, Optional[float], List[Any]]] = []
        if checks is not None:
            if not isinstance(checks, dict):
                raise DataError("`checks` must be an object")
            for name, c in checks.items():
                if not isinstance(c, dict):
                    raise DataError(f"checks.{name}: a check must be an object")
                only_keys(c, ["critical", "timeout_ms", "script"], "check")
                critical = c.get("critical", True)
                if not isinstance(critical, bool):
                    raise DataError(f"checks.{name}: `critical` must be a boolean")
                t = opt_u64(c, "timeout_ms")
                script = c.get("script")
                if not isinstance(script, list) or not script:
                    raise DataError(f"checks.{name}: missing non-empty array `script`")
                self.checks.append(
                    (name, critical, None if t is None else secs(t), [check_step(x) for x in script])
                )
        self.round: Optional["asyncio.Future[Any]"] = None

    def build(self, clock: ManualClock) -> None:
        self.clock = clock
        self.checker = HealthChecker(HealthConfig(**self.kwargs), clock=clock)
        for name, critical, timeout, script in self.checks:
            self.checker.register_check(
                name, ScriptedCheck(script, clock), critical=critical, timeout=timeout
            )

    async def step(self, op: str, s: Dict[str, Any]) -> Result:
        c = self.checker
        if op == "run":
            only_keys(s, [], op)
            t = asyncio.ensure_future(c.run_health_checks())
            await self.clock.settle()
            if not t.done():
                t.cancel()
                raise StepFailed("the round did not finish without time moving (use run_start)")
            return exact(t.result()["overall_status"])
        if op == "run_start":
            only_keys(s, [], op)
            if self.round is not None and not self.round.done():
                raise DataError("a round started by run_start is still running")
            self.round = asyncio.ensure_future(c.run_health_checks())
            return None
        if op == "run_done":
            only_keys(s, [], op)
            if self.round is None:
                raise DataError("no round was started")
            return exact(self.round.done())
        if op == "run_result":
            only_keys(s, [], op)
            if self.round is None:
                raise DataError("no round was started")
            if not self.round.done():
                raise StepFailed("the round has not finished (advance first)")
            r, self.round = self.round, None
            return exact(r.result()["overall_status"])
        if op == "system":
            only_keys(s, [], op)
            return report(c.get_system_health())
        if op == "component":
            only_keys(s, ["name"], op)
            name = str_field(s, "name")
            comp = c.get_protocol_health(name)
            if comp is None:
                raise DataError(f"no check named `{name}`")
            return report(comp)
        if op == "start":
            only_keys(s, [], op)
            c.start()
            return None
        if op == "stop":
            only_keys(s, [], op)
            c.stop()
            return None
        raise DataError(f"unknown health op `{op}`")

    def cleanup(self) -> None:
        self.checker.stop()
        if self.round is not None and not self.round.done():
            self.round.cancel()


# -------------------------------------------------------------------------------- runner


def make_driver(top: Dict[str, Any]) -> Any:
    component = str_field(top, "component")
    extra = {"batch": ["executor"], "health": ["checks"], "cache": [], "metrics": []}
    if component not in extra:
        raise DataError(f"unknown component `{component}`")
    only_keys(top, ["name", "component", "description", "config", "steps"] + extra[component], "scenario")
    config = top.get("config", {})
    if not isinstance(config, dict):
        raise DataError("`config` must be an object")
    if component == "cache":
        return CacheDriver(config)
    if component == "batch":
        return BatchDriver(config, top.get("executor"))
    if component == "metrics":
        return MetricsDriver(config)
    return HealthDriver(config, top.get("checks"))


async def run_steps(top: Dict[str, Any]) -> None:
    steps = top.get("steps")
    if not isinstance(steps, list) or not steps:
        raise DataError("`steps` must be a non-empty array")
    # Parse the scripted parts up front: data errors surface before anything runs.
    try:
        driver = make_driver(top)
    except DataError as e:
        raise DataError(f"setup: {e}") from None
    clock = ManualClock()
    built = False
    try:
        for i, s in enumerate(steps):
            if not isinstance(s, dict):
                raise DataError(f"step {i}: must be an object")
            op = s.get("op")
            if not isinstance(op, str):
                raise DataError(f"step {i}: missing string `op`")
            try:
                if op == "construct":
                    if i != 0:
                        raise DataError("`construct` must be the first step")
                    only_keys(s, [], op)
                    err: Optional[BaseException] = None
                    try:
                        driver.build(clock)
                        built = True
                    except MantraError as e:
                        err = e
                    check_outcome(s, None, err, lambda v: v)
                    continue
                if not built:
                    try:
                        driver.build(clock)
                    except MantraError as e:
                        raise StepFailed(f"construction failed: {e} ({e.code})") from None
                    built = True
                result: Result = None
                err = None
                try:
                    if op == "advance":
                        only_keys(s, ["ms"], op)
                        await clock.advance(secs(u64_field(s, "ms")))
                    else:
                        result = await driver.step(op, s)
                except MantraError as e:
                    err = e
                await clock.settle()
                resolve = driver.resolve if isinstance(driver, CacheDriver) else (lambda v: v)
                check_outcome(s, result, err, resolve)
            except (DataError, StepFailed) as e:
                raise type(e)(f"step {i} ({op}): {e}") from None
    finally:
        if built and hasattr(driver, "cleanup"):
            driver.cleanup()


def run_file(path: pathlib.Path) -> None:
    doc = json.loads(path.read_text())
    if not isinstance(doc, dict):
        raise DataError("a scenario must be a JSON object")
    name = str_field(doc, "name")
    if name != path.stem:
        raise DataError(f"`name` is `{name}` but the file is `{path.stem}.json`")
    str_field(doc, "description")
    asyncio.run(run_steps(doc))


def scenario_files() -> List[pathlib.Path]:
    files = sorted(SCENARIO_DIR.glob("*.json"))
    only = os.environ.get("SCENARIO")
    return [f for f in files if not only or only in f.stem]


@pytest.mark.parametrize("path", scenario_files(), ids=lambda p: p.stem)
def test_scenario(path: pathlib.Path) -> None:
    run_file(path)


def test_the_scenarios_are_there() -> None:
    assert SCENARIO_DIR.is_dir(), f"no scenario directory at {SCENARIO_DIR}"
    if not os.environ.get("SCENARIO"):
        assert len(scenario_files()) >= 30
    assert mantra_sdk.__version__


# ------------------------------------------------------- the runner's own checks


def run_inline(doc: Dict[str, Any]) -> None:
    with tempfile.TemporaryDirectory() as d:
        p = pathlib.Path(d) / f"{doc['name']}.json"
        p.write_text(json.dumps(doc))
        run_file(p)


def ttl_scenario(expect_hits: int, extra: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
    steps: List[Dict[str, Any]] = [
        {"op": "put", "key": "a", "value": 1},
        {"op": "get", "key": "a", "expect": 1},
        {"op": "stats", "expect": {"hits": expect_hits}},
    ]
    if extra:
        steps.append(extra)
    return {
        "name": "inline_probe",
        "component": "cache",
        "description": "runner self-check",
        "config": {"default_ttl_ms": 1000},
        "steps": steps,
    }


def test_runner_passes_a_correct_scenario() -> None:
    run_inline(ttl_scenario(1))


def test_runner_reports_a_wrong_expectation_with_step_and_diff() -> None:
    with pytest.raises(StepFailed) as e:
        run_inline(ttl_scenario(2))
    assert "step 2 (stats)" in str(e.value) and "$.hits: expected 2, got 1" in str(e.value)


def test_runner_rejects_unknown_ops_and_fields() -> None:
    with pytest.raises(DataError, match="unknown cache op `frobnicate`"):
        run_inline(ttl_scenario(1, {"op": "frobnicate"}))
    with pytest.raises(DataError, match="unknown field\\(s\\) in get: typo"):
        run_inline(ttl_scenario(1, {"op": "get", "key": "a", "typo": 1}))
    doc = ttl_scenario(1)
    doc["config"]["max_entires"] = 3
    with pytest.raises(DataError, match="max_entires"):
        run_inline(doc)
    doc = ttl_scenario(1)
    doc["extra"] = True
    with pytest.raises(DataError, match="extra"):
        run_inline(doc)


def test_runner_checks_error_codes_fields_and_value_types() -> None:
    def invalid(field: str) -> Dict[str, Any]:
        return {
            "name": "inline_invalid",
            "component": "batch",
            "description": "runner self-check",
            "config": {"max_batch_size": 0},
            "steps": [{"op": "construct", "expect_error": "invalid_config", "field": field}],
        }

    run_inline(invalid("max_batch_size"))
    with pytest.raises(StepFailed, match="expected invalid field `max_concurrent_batches`"):
        run_inline(invalid("max_concurrent_batches"))
    # `true` is not `1`, and `1` equals `1.0`.
    with pytest.raises(StepFailed):
        compare(True, 1, False, {}, "$")
    compare(1, 1.0, False, {}, "$")
    compare({"a": [1, {"b": 2.0}]}, {"a": [1.0, {"b": 2, "c": 3}]}, True, {}, "$")
    with pytest.raises(StepFailed):
        compare({"a": 1}, {"a": 1, "b": 2}, False, {}, "$")
    compare(0.3, 0.30000001, False, {"sum": 1e-6}, "$.x.sum")
    assert math.isclose(secs(999), 0.999)
