"""An example consumer of mantra-sdk, checked with ``mypy --strict`` by ``make test-python``
(and run, against the installed wheel). It uses the public API the way an application would.
"""

from __future__ import annotations

import asyncio
from typing import Dict, List, Optional

import mantra_sdk
from mantra_sdk import (
    ComponentHealth,
    HealthChecker,
    HealthConfig,
    HealthStatus,
    InvalidConfigError,
    MantraError,
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
    return 0 if overall == "healthy" and runs == 1 else 1


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
