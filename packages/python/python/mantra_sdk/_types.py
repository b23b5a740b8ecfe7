"""Typed shapes of the dicts the SDK returns (for type checkers; plain dicts at runtime).

They mirror the Rust core's JSON (serde) form exactly: durations in reports are
milliseconds (``*_ms``), timestamps are RFC 3339 strings.
"""

from __future__ import annotations

from typing import Any, Awaitable, Callable, Dict, List, Literal, Mapping, Optional, TypedDict, Union

HealthStatus = Literal["healthy", "degraded", "unhealthy", "unknown"]
"""Status of a component or of the whole system."""

CheckResult = Union[None, bool, str, Mapping[str, Any]]
"""What a health check returns: ``None``/``True`` healthy, a ``str`` degraded (the reason),
a ``dict`` healthy with details, ``False`` failed. Raising anything is a failure too."""

HealthCheckFn = Callable[[], Union[Awaitable[CheckResult], CheckResult]]
"""A health check: an ``async def`` of no arguments (a plain function is accepted too)."""

RecoveryFn = Callable[[], Union[Awaitable[object], object]]
"""A recovery action: an ``async def`` of no arguments; raising means it failed."""


class ComponentHealth(TypedDict):
    """Health of one registered check."""

    name: str
    status: HealthStatus
    critical: bool
    tags: List[str]
    consecutive_failures: int
    consecutive_successes: int
    last_error: Optional[str]
    output: Optional[str]
    details: Any
    last_latency_ms: Optional[float]
    last_checked: Optional[str]
    last_status_change: Optional[str]
    total_checks: int
    total_failures: int
    recovery_attempts: int
    recovery_successes: int


class _SystemHealthBase(TypedDict):
    overall_status: HealthStatus
    components: Dict[str, ComponentHealth]
    checked_at: Optional[str]


class SystemHealth(_SystemHealthBase, total=False):
    """Health of the whole system; ``service_name``/``description`` only when configured."""

    service_name: str
    description: str


class HealthCheckRecord(TypedDict):
    """One check result in a component's history."""

    at: str
    outcome: HealthStatus
    status: HealthStatus
    latency_ms: float
    message: Optional[str]


class ComponentDiagnostics(ComponentHealth):
    """A component's health plus its recent results (oldest first)."""

    history: List[HealthCheckRecord]


class RecoveryDiagnostics(TypedDict):
    """Recovery activity of one component."""

    attempts: int
    successes: int
    last_attempt_at: Optional[str]
    last_error: Optional[str]


class HealthConfigDict(TypedDict):
    """``HealthConfig.to_dict()``: the core's form of the configuration."""

    enable_auto_checks: bool
    check_interval_ms: int
    check_timeout_ms: int
    failure_threshold: int
    recovery_threshold: int
    enable_auto_recovery: bool
    enable_diagnostics: bool
    recovery_timeout_ms: int
    history_size: int
    service_name: Optional[str]
    description: Optional[str]


class HealthDiagnostics(TypedDict):
    """Troubleshooting snapshot of a health checker."""

    enabled: bool
    overall_status: HealthStatus
    generated_at: str
    uptime_ms: float
    config: HealthConfigDict
    auto_checks_running: bool
    total_runs: int
    component_count: int
    recovery_attempts: int
    recovery_successes: int
    components: Dict[str, ComponentDiagnostics]
    recoveries: Dict[str, RecoveryDiagnostics]
