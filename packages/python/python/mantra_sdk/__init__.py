"""mantra-sdk: a fast, observable client runtime for MANTRA (Cosmos SDK / CometBFT) RPC.

The work is done by the Rust core (native module ``mantra_sdk._native``); this package
re-exports its classes and defines the exception tree (:mod:`mantra_sdk._errors`).

Conventions: durations are seconds (``float``); I/O methods are coroutines (asyncio);
reports are plain ``dict``s shaped like the core's JSON; every SDK error derives from
:class:`MantraError` and carries ``.code``.
"""

from ._errors import (
    BatchLimitError,
    CapacityExceededError,
    CircuitOpenError,
    ClosedError,
    DecodeError,
    EncodeError,
    HealthCheckError,
    HostError,
    InternalError,
    InvalidArgumentError,
    InvalidConfigError,
    MantraCancelledError,
    MantraError,
    MantraTimeoutError,
    MantraTypeError,
    PoolExhaustedError,
    RpcError,
    TransportError,
)
from ._native import (
    BatchConfig,
    BatchManager,
    BatchOperation,
    CacheConfig,
    CacheManager,
    HealthChecker,
    HealthConfig,
    MantraClient,
    ManualClock,
    MetricsCollector,
    MetricsConfig,
    PoolConfig,
    __version__,
)
from ._types import (
    BatchExecutorFn,
    BatchStats,
    CacheFetcher,
    CacheStats,
    CacheType,
    CheckResult,
    ComponentDiagnostics,
    ComponentHealth,
    HealthCheckRecord,
    HealthConfigDict,
    HealthDiagnostics,
    HealthCheckFn,
    HealthStatus,
    JsonValue,
    MetricFamily,
    MetricsBucket,
    MetricSeries,
    MetricsSnapshot,
    MetricsWindow,
    MetricType,
    Priority,
    RecoveryDiagnostics,
    RecoveryFn,
    SystemHealth,
    TransportFn,
)

__all__ = [
    "__version__",
    # cache
    "CacheManager",
    "CacheConfig",
    "CacheType",
    "CacheStats",
    "CacheFetcher",
    "JsonValue",
    # batch
    "BatchManager",
    "BatchConfig",
    "BatchOperation",
    "BatchExecutorFn",
    "BatchStats",
    "Priority",
    # metrics
    "MetricsCollector",
    "MetricsConfig",
    "MetricsSnapshot",
    "MetricFamily",
    "MetricSeries",
    "MetricsBucket",
    "MetricsWindow",
    "MetricType",
    # client
    "MantraClient",
    "PoolConfig",
    "TransportFn",
    # virtual time (tests)
    "ManualClock",
    # health
    "HealthChecker",
    "HealthConfig",
    # callables and report shapes (TypedDicts)
    "HealthCheckFn",
    "CheckResult",
    "RecoveryFn",
    "HealthStatus",
    "SystemHealth",
    "ComponentHealth",
    "HealthDiagnostics",
    "ComponentDiagnostics",
    "HealthCheckRecord",
    "RecoveryDiagnostics",
    "HealthConfigDict",
    # errors
    "MantraError",
    "InvalidConfigError",
    "InvalidArgumentError",
    "MantraTypeError",
    "MantraTimeoutError",
    "TransportError",
    "RpcError",
    "BatchLimitError",
    "CircuitOpenError",
    "DecodeError",
    "EncodeError",
    "PoolExhaustedError",
    "CapacityExceededError",
    "ClosedError",
    "MantraCancelledError",
    "HostError",
    "HealthCheckError",
    "InternalError",
]
