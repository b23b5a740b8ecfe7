"""Typed shapes of the dicts the SDK returns (for type checkers; plain dicts at runtime).

They mirror the Rust core's JSON (serde) form exactly: durations in reports are
milliseconds (``*_ms``), timestamps are RFC 3339 strings.
"""

from __future__ import annotations

from typing import (
    TYPE_CHECKING,
    Any,
    Awaitable,
    Callable,
    Dict,
    List,
    Literal,
    Mapping,
    Optional,
    Sequence,
    TypedDict,
    Union,
)

if TYPE_CHECKING:
    from ._native import BatchOperation

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


# ---- cache ----

CacheType = Literal[
    "pool_info", "balance", "block", "node_status", "contract_query", "simulation", "generic"
]
"""What a cached value is; each type has its own TTL and can be cleared on its own."""

JsonValue = Any
"""A JSON-compatible value: ``dict`` (str keys), ``list``, ``tuple``, ``str``, ``int``,
``float``, ``bool`` or ``None``, nested."""

CacheFetcher = Callable[[], Union[Awaitable[JsonValue], JsonValue]]
"""Loads a value on a cache miss: an ``async def`` of no arguments."""


class CacheStats(TypedDict):
    """``CacheManager.stats()``: counters since creation (or ``reset_stats()``) and sizes."""

    hits: int
    misses: int
    insertions: int
    evictions: int
    evictions_capacity: int
    evictions_size: int
    expirations: int
    rejected: int
    entries: int
    memory_bytes: int
    hit_rate: float


# ---- batch ----

Priority = Literal["high", "normal", "low"]
"""Priority of a batch operation."""


BatchExecutorFn = Callable[[List["BatchOperation"]], Awaitable[Sequence[object]]]
"""A batch function: ``async def executor(ops) -> list`` with one result per operation, in
order; an item that is an exception fails that operation."""


class BatchStats(TypedDict):
    """``BatchManager.stats()``."""

    batches: int
    operations: int
    avg_batch_size: float
    retries: int
    failures: int
    timeouts: int
    succeeded: int
    cancelled: int
    """Client calls whose caller left first (a cancelled task): taken out of the queue unsent,
    or their batch's result discarded."""
    closed: int
    batch_limit_splits: int
    pending: int
    in_flight: int
    effective_max_batch_size: int


# ---- client ----

CircuitState = Literal["closed", "open", "half_open"]
"""State of an endpoint's circuit breaker."""


class PoolEndpointStats(TypedDict):
    """One endpoint of ``MantraClient.pool_stats()`` (latencies in ms, ``None`` before a sample)."""

    url: str
    rank: int
    score: float
    ewma_latency_ms: Optional[float]
    mean_ping_latency_ms: Optional[float]
    success_rate: Optional[float]
    samples: int
    in_flight: int
    connections: int
    idle_connections: int
    breaker: CircuitState
    consecutive_failures: int
    times_opened: int
    total_requests: int
    total_failures: int
    health_checks: int
    health_check_failures: int
    last_error: Optional[str]


class PoolStats(TypedDict):
    """``MantraClient.pool_stats()``."""

    endpoints: List[PoolEndpointStats]
    healthy_endpoints: int
    in_flight: int
    max_connections_per_endpoint: int
    acquired: int
    exhausted: int
    circuit_rejections: int
    failovers: int
    hedges: int
    closed: bool


class ClientEndpointStats(TypedDict):
    """One endpoint as the client sees it (``MantraClient.stats()["endpoints"]``)."""

    url: str
    health: HealthStatus
    node_sync: HealthStatus
    rank: int
    score: float
    breaker: CircuitState
    in_flight: int
    requests: int
    failures: int
    ewma_latency_ms: Optional[float]
    last_error: Optional[str]


class ExecutorQueued(TypedDict):
    """Operations waiting for an executor permit, by priority."""

    high: int
    normal: int
    low: int


class ExecutorStats(TypedDict):
    """The priority executor's counters (``MantraClient.stats()["executor"]``)."""

    limit: int
    in_flight: int
    queued: ExecutorQueued
    completed: int
    failed: int
    timed_out: int
    cancelled: int
    avg_latency_ms: float


class HttpStats(TypedDict):
    """HTTP requests, failures and JSON-RPC batch sizes on the wire."""

    http_requests: int
    http_failures: int
    rpc_requests: int
    max_batch_size: int


class ClientStats(TypedDict):
    """``MantraClient.stats()``: call counters and each component's stats."""

    calls: int
    succeeded: int
    failed: int
    cancelled: int
    in_flight: int
    errors_by_code: Dict[str, int]
    cache_hits: int
    cache_misses: int
    shared_calls: int
    latency_p50_ms: Optional[float]
    latency_p99_ms: Optional[float]
    http: HttpStats
    endpoints: List[ClientEndpointStats]
    health: HealthStatus
    pool: PoolStats
    cache: Optional[CacheStats]
    batch: Optional[BatchStats]
    executor: ExecutorStats
    closed: bool


# ---- metrics ----

MetricType = Literal["counter", "gauge", "histogram"]
"""Kind of a custom metric."""


class MetricsBucket(TypedDict):
    """One cumulative histogram bucket (the implicit ``+Inf`` bucket is the series' count)."""

    le: float
    count: int


class _MetricSeriesBase(TypedDict):
    labels: Dict[str, str]


class MetricSeries(_MetricSeriesBase, total=False):
    """One labelled series: ``value`` (counter, gauge) or the histogram fields."""

    value: float
    count: int
    sum: float
    buckets: List[MetricsBucket]
    min: Optional[float]
    max: Optional[float]
    p50: Optional[float]
    p95: Optional[float]
    p99: Optional[float]


MetricFamily = TypedDict(
    "MetricFamily",
    {
        "name": str,
        "type": MetricType,
        "help": str,
        "label_names": List[str],
        "max_series": int,
        "dropped_series": int,
        "series": List[MetricSeries],
    },
)
"""One metric family with its series."""


class MetricsWindow(TypedDict):
    """Summary of one histogram series over one aggregation window."""

    family: str
    labels: Dict[str, str]
    start_unix_ms: int
    end_unix_ms: int
    count: int
    sum: float
    min: Optional[float]
    max: Optional[float]
    p50: Optional[float]
    p95: Optional[float]
    p99: Optional[float]


class MetricsSnapshot(TypedDict):
    """``MetricsCollector.get_all_metrics()``."""

    timestamp_unix_ms: int
    start_time_unix_ms: int
    namespace: str
    const_labels: Dict[str, str]
    families: List[MetricFamily]
    dropped_series: Dict[str, int]
    windows: List[MetricsWindow]
    window_interval_seconds: Optional[float]
    retention_seconds: Optional[float]


# ---- client ----

TransportFn = Callable[[Dict[str, Any]], Awaitable[Mapping[str, Any]]]
"""A custom transport for ``MantraClient``: ``async def transport(request) -> response`` with
``request = {"method": "POST" | "GET", "url": str, "headers": dict, "body": bytes,
"timeout": float | None}`` and ``response = {"status": int, "body": bytes | str,
"retry_after": float | None}``."""
