"""Type stubs of the native module ``mantra_sdk._native`` (Rust, pyo3)."""

from typing import Any, Dict, List, Optional, final

from ._types import (
    ComponentHealth,
    HealthCheckFn,
    HealthConfigDict,
    HealthDiagnostics,
    HealthStatus,
    RecoveryFn,
    SystemHealth,
)

__all__ = ["__version__", "HealthConfig", "HealthChecker", "_panic_for_tests"]

__version__: str

@final
class HealthConfig:
    """Health checker configuration (keyword-only; durations in seconds).

    Raises ``InvalidConfigError`` naming the field for out-of-range values and
    ``TypeError`` for values of the wrong type.
    """

    def __new__(
        cls,
        *,
        check_interval: Optional[float] = None,
        check_timeout: Optional[float] = None,
        failure_threshold: Optional[int] = None,
        recovery_threshold: Optional[int] = None,
        enable_auto_checks: Optional[bool] = None,
        enable_auto_recovery: Optional[bool] = None,
        enable_diagnostics: Optional[bool] = None,
        recovery_timeout: Optional[float] = None,
        history_size: Optional[int] = None,
        service_name: Optional[str] = None,
        description: Optional[str] = None,
    ) -> HealthConfig: ...
    @property
    def check_interval(self) -> float:
        """Period of the automatic checks, seconds (default 30)."""
    @property
    def check_timeout(self) -> float:
        """Deadline of one check, seconds (default 10)."""
    @property
    def failure_threshold(self) -> int:
        """Consecutive failures that make a component unhealthy (default 3)."""
    @property
    def recovery_threshold(self) -> int:
        """Consecutive successes that bring an unhealthy component back (default 2)."""
    @property
    def enable_auto_checks(self) -> bool:
        """Start the periodic checks in ``initialize()`` (default False)."""
    @property
    def enable_auto_recovery(self) -> bool:
        """Run recovery actions when a component becomes unhealthy (default True)."""
    @property
    def enable_diagnostics(self) -> bool:
        """Keep per-component history for ``get_diagnostics()`` (default True)."""
    @property
    def recovery_timeout(self) -> float:
        """Deadline of one recovery action, seconds (default 30)."""
    @property
    def history_size(self) -> int:
        """Results kept per component for diagnostics (default 20)."""
    @property
    def service_name(self) -> Optional[str]:
        """Reported as ``serviceId`` in ``health_json()``."""
    @property
    def description(self) -> Optional[str]:
        """Reported as ``description`` in ``health_json()``."""
    def to_dict(self) -> HealthConfigDict:
        """The core's form of the configuration (durations as ``*_ms``)."""
    def __eq__(self, other: object, /) -> bool: ...
    def __ne__(self, other: object, /) -> bool: ...

@final
class HealthChecker:
    """Runs async health checks through the threshold state machine of the Rust core.

    A component becomes ``"unhealthy"`` after ``failure_threshold`` consecutive failures
    (an exception, ``False``, or running longer than its timeout) and comes back after
    ``recovery_threshold`` consecutive successes. Cancelling a pending call (e.g. with
    ``asyncio.wait_for``) leaves the checker consistent and usable.
    """

    def __new__(cls, config: Optional[HealthConfig] = None) -> HealthChecker: ...
    @property
    def config(self) -> HealthConfig:
        """The configuration in effect."""
    @property
    def is_running(self) -> bool:
        """Whether the periodic checks started by ``start()`` are running."""
    def register_check(
        self,
        name: str,
        check: HealthCheckFn,
        *,
        critical: bool = True,
        timeout: Optional[float] = None,
        tags: Optional[List[str]] = None,
    ) -> None:
        """Registers (or replaces, resetting its state) a check.

        ``timeout`` (seconds) overrides ``config.check_timeout``; an unhealthy non-critical
        component only degrades the system.
        """
    def unregister_check(self, name: str) -> bool:
        """Removes a check; returns whether it existed."""
    def check_names(self) -> List[str]:
        """Names of the registered checks, sorted."""
    def register_recovery(self, name: str, action: RecoveryFn) -> None:
        """Registers (or replaces) the recovery action run when ``name`` becomes unhealthy."""
    async def run_health_checks(self) -> SystemHealth:
        """Runs every check concurrently, each under its timeout; returns the report."""
    async def run_check(self, name: str) -> ComponentHealth:
        """Runs one check now. Raises ``InvalidArgumentError`` for an unknown name."""
    def get_system_health(self) -> SystemHealth:
        """The current report (no checks are run)."""
    def get_protocol_health(self, name: str) -> Optional[ComponentHealth]:
        """The health of one component, or ``None`` if no check has that name."""
    def get_diagnostics(self) -> HealthDiagnostics:
        """History, configuration, uptime and recovery activity."""
    def health_json(self) -> Dict[str, Any]:
        """The current report as an IETF ``application/health+json`` document."""
    def overall_status(self) -> HealthStatus:
        """The overall status only."""
    async def initialize(self) -> None:
        """Starts the periodic checks if ``config.enable_auto_checks`` is set (idempotent)."""
    def start(self) -> None:
        """Starts periodic checks on the running event loop (call it from async code)."""
    def stop(self) -> None:
        """Stops the periodic checks. Idempotent."""

def _panic_for_tests(kind: str) -> Any:
    """Test hook: panics in Rust (``"sync"``, or ``"async"`` inside a coroutine)."""
