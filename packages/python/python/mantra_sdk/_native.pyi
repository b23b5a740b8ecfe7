"""Type stubs of the native module ``mantra_sdk._native`` (Rust, pyo3)."""

from typing import Any, Awaitable, Dict, List, Literal, Mapping, Optional, Sequence, SupportsIndex, Union, final

from ._bridge import _Connecting

from ._types import (
    BatchExecutorFn,
    BatchStats,
    CacheFetcher,
    CacheStats,
    CacheType,
    ClientStats,
    ComponentHealth,
    HealthCheckFn,
    HealthConfigDict,
    HealthDiagnostics,
    HealthStatus,
    JsonValue,
    MetricsSnapshot,
    MetricType,
    PoolStats,
    Priority,
    RecoveryFn,
    SystemHealth,
    TransportFn,
)

__all__ = [
    "__version__",
    "HealthConfig",
    "HealthChecker",
    "ManualClock",
    "CacheConfig",
    "CacheManager",
    "BatchConfig",
    "BatchOperation",
    "BatchManager",
    "MetricsConfig",
    "MetricsCollector",
    "PoolConfig",
    "CachePolicy",
    "MantraClient",
    "_panic_for_tests",
]

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

    def __new__(
        cls, config: Optional[HealthConfig] = None, *, clock: Optional[ManualClock] = None
    ) -> HealthChecker: ...
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

@final
class ManualClock:
    """Virtual time for tests: pass it as ``clock=`` to any component; time moves only when
    ``advance()`` is awaited (TTLs, batch delays, retries, timeouts, intervals)."""

    def __new__(cls) -> ManualClock: ...
    @property
    def now(self) -> float:
        """Virtual seconds since the clock was created."""
    @property
    def pending_sleeps(self) -> int:
        """Timers currently waiting on this clock."""
    def advance(self, seconds: float) -> Awaitable[None]:
        """Moves time forward, firing due timers in order and letting SDK tasks and host
        callbacks run between them. Await it from a running event loop."""
    def settle(self) -> Awaitable[None]:
        """Lets SDK tasks and host callbacks run until idle, without moving time."""
    def sleep(self, seconds: float) -> Awaitable[None]:
        """Completes once ``seconds`` of virtual time have passed."""
    def _fire_next(self, target_ns: int) -> bool: ...
    def _jump_to(self, target_ns: int) -> None: ...
    def _progress(self) -> Any: ...
    def _settle_rust(self) -> Awaitable[None]: ...

@final
class CacheConfig:
    """Cache configuration (keyword-only; durations in seconds; defaults from the core).

    ``ttl_by_type`` overrides the TTL of single cache types, e.g. ``{"block": 6.0}``.
    """

    def __new__(
        cls,
        *,
        max_entries: Optional[int] = None,
        default_ttl: Optional[float] = None,
        enable_stats: Optional[bool] = None,
        cleanup_interval: Optional[float] = None,
        max_memory_bytes: Optional[int] = None,
        ttl_by_type: Optional[Mapping[CacheType, float]] = None,
    ) -> CacheConfig: ...
    @property
    def max_entries(self) -> int:
        """Most entries (default 10000)."""
    @property
    def default_ttl(self) -> float:
        """TTL of every type without an override, seconds (default 300)."""
    @property
    def enable_stats(self) -> bool:
        """Whether hit/miss/eviction counters are kept (default True)."""
    @property
    def cleanup_interval(self) -> float:
        """Period of the background sweep of expired entries, seconds (default 60)."""
    @property
    def max_memory_bytes(self) -> int:
        """Byte budget over all entries' weights (default 100 MiB)."""
    @property
    def ttl_by_type(self) -> Dict[str, float]:
        """Per-type TTL overrides, seconds."""
    def __eq__(self, other: object, /) -> bool: ...
    def __ne__(self, other: object, /) -> bool: ...

@final
class CacheManager:
    """LRU + TTL cache of JSON-compatible Python values, bounded by entries and bytes.

    Values are stored by reference (``get`` returns the object that was ``put``) and
    weighed once, at ``put``, by the core's rule (the same weight in every language).
    Thread-safe: many threads may share one cache.
    """

    def __new__(
        cls, config: Optional[CacheConfig] = None, *, clock: Optional[ManualClock] = None
    ) -> CacheManager: ...
    @property
    def config(self) -> CacheConfig:
        """The configuration in effect."""
    @property
    def memory_bytes(self) -> int:
        """Sum of the entries' weights, in bytes."""
    @property
    def in_flight(self) -> int:
        """Keys being fetched by ``get_or_fetch`` right now."""
    @property
    def is_closed(self) -> bool:
        """Whether ``close()`` was called."""
    def put(
        self, key: str, value: JsonValue, type: CacheType = "generic", *, ttl: Optional[float] = None
    ) -> None:
        """Stores ``value`` under ``(type, key)`` with the type's TTL (or ``ttl`` seconds),
        evicting least-recently-used entries until both limits hold. Raises
        ``CapacityExceededError`` for a value heavier than ``max_memory_bytes``,
        ``MantraTypeError`` for a value that is not JSON-compatible."""
    def get(self, key: str, type: CacheType = "generic") -> JsonValue:
        """The live value (refreshing its recency), or ``None``."""
    def contains(self, key: str, type: CacheType = "generic") -> bool:
        """Whether a live entry exists (recency and stats unchanged)."""
    def remove(self, key: str, type: CacheType = "generic") -> bool:
        """Removes one entry; returns whether it was stored."""
    def clear(self) -> None:
        """Removes every entry."""
    def clear_type(self, type: CacheType) -> int:
        """Removes every entry of one type; returns how many."""
    def cleanup(self) -> int:
        """Drops expired entries now; returns how many."""
    def __len__(self) -> int: ...
    def stats(self) -> CacheStats:
        """Counters and sizes."""
    def reset_stats(self) -> None:
        """Zeroes the counters (sizes are unaffected)."""
    def type_ttl(self, type: CacheType = "generic") -> float:
        """The TTL, in seconds, that puts of ``type`` get."""
    def weigh(self, key: str, value: JsonValue) -> int:
        """Bytes the entry ``(key, value)`` is charged against ``max_memory_bytes``."""
    def get_or_fetch(self, key: str, type: CacheType, fetcher: CacheFetcher) -> Awaitable[JsonValue]:
        """The cached value, or ``await fetcher()``'s value, cached and returned. Concurrent
        calls for one key share a single fetch; errors are not cached."""
    def close(self) -> None:
        """Stops the periodic cleanup (idempotent); the cache stays usable."""

@final
class BatchConfig:
    """Batching configuration (keyword-only; durations in seconds; defaults from the core).

    Raises ``InvalidConfigError`` naming the field for out-of-range values (e.g.
    ``max_batch_size=0``, ``max_retry_delay=0.0``, ``priority_aging=-1.0``) and
    ``TypeError`` for values of the wrong type.
    """

    def __new__(
        cls,
        *,
        max_batch_size: Optional[int] = None,
        max_batch_delay: Optional[float] = None,
        enable_auto_batching: Optional[bool] = None,
        max_concurrent_batches: Optional[int] = None,
        retry_attempts: Optional[int] = None,
        retry_delay: Optional[float] = None,
        retry_jitter: Optional[bool] = None,
        max_batch_bytes: Optional[int] = None,
        max_retry_delay: Optional[float] = None,
        priority_aging: Optional[float] = None,
    ) -> BatchConfig: ...
    @property
    def max_batch_size(self) -> int:
        """Most operations per batch (default 10, CometBFT's limit)."""
    @property
    def max_batch_delay(self) -> float:
        """Longest an operation waits for companions, seconds (default 0.01)."""
    @property
    def enable_auto_batching(self) -> bool:
        """``False`` sends each operation alone, at once (default True)."""
    @property
    def max_concurrent_batches(self) -> int:
        """Most executor calls in flight (default 10)."""
    @property
    def retry_attempts(self) -> int:
        """Retries of a retryable error per operation (default 3)."""
    @property
    def retry_delay(self) -> float:
        """First retry backoff, doubled each retry, seconds (default 0.15)."""
    @property
    def retry_jitter(self) -> bool:
        """Whether backoffs get up to 50 % jitter (default True)."""
    @property
    def max_batch_bytes(self) -> Optional[int]:
        """Bound on the encoded size of one batch (default None: no bound; a
        ``MantraClient`` keeps its own bound, ``max_body_bytes`` less the brackets)."""
    @property
    def max_retry_delay(self) -> Optional[float]:
        """Cap on one retry's backoff, seconds (> 0; default None: the manager's cap, 30 s).
        A server's ``retry_after`` is still honoured when longer."""
    @property
    def priority_aging(self) -> Optional[float]:
        """Wait after which a queued operation counts one priority level higher, seconds
        (> 0; default None: the manager's step, 1 s; ``"low"`` reaches ``"high"`` after twice
        that), so low-priority work cannot starve."""
    def __eq__(self, other: object, /) -> bool: ...
    def __ne__(self, other: object, /) -> bool: ...

@final
class BatchOperation:
    """One operation as the batch executor receives it."""

    @property
    def id(self) -> str:
        """The operation's name (for JSON-RPC, the method)."""
    @property
    def params(self) -> JsonValue:
        """Its parameters."""
    @property
    def priority(self) -> Priority:
        """``"high"``, ``"normal"`` or ``"low"``."""
    @property
    def timeout(self) -> float:
        """Its timeout in seconds, measured from submission."""

@final
class BatchManager:
    """Groups submitted operations into batches for an async batch function.

    ``executor(ops)`` returns one result per operation, in order; an item that is an
    exception fails that operation; raising fails the whole batch (an SDK error such as
    ``TransportError(status=503)`` or ``RpcError(rpc_code=-32603)`` is retried).
    """

    def __new__(
        cls,
        config: Optional[BatchConfig] = None,
        executor: Optional[BatchExecutorFn] = None,
        *,
        clock: Optional[ManualClock] = None,
    ) -> BatchManager: ...
    @property
    def config(self) -> BatchConfig:
        """The configuration in effect."""
    @property
    def effective_max_batch_size(self) -> int:
        """The batch size cap (lowered to the node's limit once learned)."""
    @property
    def is_closed(self) -> bool:
        """Whether ``close()`` was called."""
    def set_executor(self, executor: BatchExecutorFn) -> None:
        """Attaches (or replaces) the batch function."""
    def submit(
        self,
        op: str,
        params: JsonValue = None,
        *,
        priority: Priority = "normal",
        timeout: Optional[float] = None,
    ) -> Awaitable[JsonValue]:
        """Queues the operation now (call it from a running event loop) and returns an
        awaitable of its result. ``timeout`` (seconds, default 30) runs from submission."""
    def flush(self) -> Awaitable[None]:
        """Sends everything pending now."""
    def stats(self) -> BatchStats:
        """Counters and queue sizes."""
    def close(self) -> None:
        """Fails pending and later operations with ``ClosedError``. Idempotent."""

@final
class MetricsConfig:
    """Metrics configuration (keyword-only; durations in seconds; defaults from the core).

    Given to ``MantraClient.connect``, only the fields set here replace the client's
    defaults: the others keep them (e.g. its fine latency ``histogram_buckets``).
    Equality compares the values."""

    def __new__(
        cls,
        *,
        enable_protocol_metrics: Optional[bool] = None,
        enable_mcp_metrics: Optional[bool] = None,
        enable_resource_metrics: Optional[bool] = None,
        enable_custom_metrics: Optional[bool] = None,
        retention_period: Optional[float] = None,
        aggregation_interval: Optional[float] = None,
        namespace: Optional[str] = None,
        max_series_per_family: Optional[int] = None,
        max_custom_metrics: Optional[int] = None,
        max_window_entries: Optional[int] = None,
        histogram_buckets: Optional[Sequence[float]] = None,
        const_labels: Optional[Mapping[str, str]] = None,
        enable_process_metrics: Optional[bool] = None,
    ) -> MetricsConfig: ...
    @property
    def enable_protocol_metrics(self) -> bool: ...
    @property
    def enable_mcp_metrics(self) -> bool: ...
    @property
    def enable_resource_metrics(self) -> bool: ...
    @property
    def enable_custom_metrics(self) -> bool: ...
    @property
    def retention_period(self) -> float:
        """How long window summaries are kept, seconds (default 3600)."""
    @property
    def aggregation_interval(self) -> float:
        """Length of one aggregation window, seconds (default 60)."""
    @property
    def namespace(self) -> str:
        """Prefix of every family name (default ``"mantra"``)."""
    @property
    def max_series_per_family(self) -> int:
        """Cardinality cap per family (default 1000)."""
    @property
    def max_custom_metrics(self) -> int: ...
    @property
    def max_window_entries(self) -> int: ...
    @property
    def histogram_buckets(self) -> List[float]:
        """Histogram upper bounds in seconds (prom-client's by default)."""
    @property
    def const_labels(self) -> Dict[str, str]: ...
    @property
    def enable_process_metrics(self) -> bool: ...
    def __eq__(self, other: object, /) -> bool: ...
    def __ne__(self, other: object, /) -> bool: ...

@final
class MetricsCollector:
    """Protocol, server-request and custom metrics with Prometheus and OTLP exporters.
    Recording is synchronous and thread-safe."""

    def __new__(
        cls, config: Optional[MetricsConfig] = None, *, clock: Optional[ManualClock] = None
    ) -> MetricsCollector: ...
    @property
    def config(self) -> MetricsConfig:
        """The configuration in effect."""
    @property
    def is_running(self) -> bool:
        """Whether the aggregation loop runs."""
    def record_protocol_operation(
        self,
        protocol: str,
        operation: str,
        latency: float,
        success: bool,
        error: Optional[str] = None,
    ) -> None:
        """Records one protocol operation; ``latency`` in seconds."""
    def record_mcp_request(self, latency: float, success: bool, transport: str) -> None:
        """Records one server request; ``latency`` in seconds."""
    def record_custom_metric(self, category: str, name: str, value: float, type: MetricType) -> None:
        """Records ``<namespace>_custom_<category>_<name>``. Raises ``InvalidArgumentError``
        for a bad value or a type change, ``CapacityExceededError`` past
        ``max_custom_metrics``."""
    def record_memory_bytes(self, kind: str, bytes: int) -> None:
        """Sets ``<namespace>_resource_memory_bytes{kind}``. Raises ``MantraTypeError`` for
        a non-int ``bytes`` and ``InvalidArgumentError`` for a negative or too large one."""
    def record_resource_usage(
        self,
        *,
        memory_used_bytes: Optional[int] = None,
        memory_pooled_bytes: Optional[int] = None,
        cache_bytes: Optional[int] = None,
        cache_entries: Optional[int] = None,
        active_connections: Optional[int] = None,
        pending_requests: Optional[int] = None,
    ) -> None:
        """Sets the resource gauges given; ``None`` leaves a gauge unchanged (a no-op when
        ``enable_resource_metrics`` is off). ``memory_used_bytes``, ``memory_pooled_bytes``
        and ``cache_bytes`` set ``<namespace>_resource_memory_bytes{kind="used"|"pooled"|
        "cache"}``; ``cache_entries`` ``<namespace>_resource_cache_entries``;
        ``active_connections`` ``<namespace>_resource_connections_active``;
        ``pending_requests`` ``<namespace>_resource_pending_requests``. Raises
        ``MantraTypeError`` for a non-int and ``InvalidArgumentError`` naming the argument
        for a negative or too large value (nothing is set then)."""
    def get_all_metrics(self) -> MetricsSnapshot:
        """Every family and series (counts, sums, buckets, p50/p95/p99) and the windows."""
    def prometheus(self) -> str:
        """Prometheus text exposition format 0.0.4."""
    def otlp_json(self) -> str:
        """OTLP/HTTP JSON ``ExportMetricsServiceRequest``."""
    def aggregate_now(self) -> None:
        """Closes the current aggregation window now."""
    def start(self) -> None:
        """Starts the periodic aggregation loop. Idempotent."""
    def close(self) -> None:
        """Stops the aggregation loop; recording and exporting keep working."""

@final
class PoolConfig:
    """Connection pool configuration of ``MantraClient.connect(pool=...)`` (keyword-only;
    durations in seconds). Unset fields keep the client's defaults.

    Raises ``InvalidConfigError`` naming the field for out-of-range values (e.g.
    ``max_connections=0``, ``min_connections`` above ``max_connections``) and
    ``TypeError`` for values of the wrong type.
    """

    def __new__(
        cls,
        *,
        max_connections: Optional[int] = None,
        min_connections: Optional[int] = None,
        max_idle_time: Optional[float] = None,
        connection_timeout: Optional[float] = None,
        acquire_timeout: Optional[float] = None,
        health_check_interval: Optional[float] = None,
    ) -> PoolConfig: ...
    @property
    def max_connections(self) -> int:
        """Most requests in flight at once per endpoint (default 20)."""
    @property
    def min_connections(self) -> int:
        """Connections kept warm per endpoint: the warm-up sends this many concurrent health
        pings, and idle trimming never goes below it (default 5)."""
    @property
    def max_idle_time(self) -> float:
        """A connection idle longer than this is trimmed, seconds (default 300)."""
    @property
    def connection_timeout(self) -> float:
        """Deadline of one request through a connection and of a health ping, seconds
        (default 30; a client's pings also wait at most its ``request_timeout``)."""
    @property
    def acquire_timeout(self) -> float:
        """How long a request waits for a free connection (``PoolExhaustedError`` after
        that), seconds (default 10)."""
    @property
    def health_check_interval(self) -> float:
        """Period of the background loop that pings and ranks the endpoints, seconds
        (default 10)."""
    def __eq__(self, other: object, /) -> bool: ...
    def __ne__(self, other: object, /) -> bool: ...

@final
class CachePolicy:
    """How long ``MantraClient`` caches each kind of reply (``connect(cache_policy=...)``;
    keyword-only; seconds; 0 = not cached). Unset fields keep the defaults.

    Raises ``InvalidConfigError`` naming the field (``cache_policy.block_ttl``) for negative,
    non-finite or too-large values, and for a ``method_ttls`` entry that would be ignored (a
    write such as ``broadcast_tx_sync``, or a method with its own TTL here such as
    ``status``); ``TypeError`` for values of the wrong type.
    """

    def __new__(
        cls,
        *,
        node_status_ttl: Optional[float] = None,
        block_ttl: Optional[float] = None,
        query_at_height_ttl: Optional[float] = None,
        query_latest_ttl: Optional[float] = None,
        contract_query_ttl: Optional[float] = None,
        pool_info_ttl: Optional[float] = None,
        simulation_ttl: Optional[float] = None,
        method_ttls: Optional[Mapping[str, float]] = None,
    ) -> CachePolicy: ...
    @property
    def node_status_ttl(self) -> float:
        """``status``, ``abci_info`` and the latest ``block``/``header``/``commit``/
        ``validators``/``block_results`` (default 1: about one block a second)."""
    @property
    def block_ttl(self) -> float:
        """Anything at a fixed height, and ``tx`` by hash: immutable (default 3600)."""
    @property
    def query_at_height_ttl(self) -> float:
        """``abci_query`` at a fixed height (default 3600)."""
    @property
    def query_latest_ttl(self) -> float:
        """``abci_query`` at the latest height (default 2)."""
    @property
    def contract_query_ttl(self) -> float:
        """CosmWasm smart queries at the latest height (default 5)."""
    @property
    def pool_info_ttl(self) -> float:
        """MANTRA DEX pool state, ``dex_pools`` (default 5)."""
    @property
    def simulation_ttl(self) -> float:
        """MANTRA DEX swap simulations (default 2)."""
    @property
    def method_ttls(self) -> Dict[str, float]:
        """Further read methods of ``call`` and their TTLs (default none)."""
    def __eq__(self, other: object, /) -> bool: ...
    def __ne__(self, other: object, /) -> bool: ...

@final
class MantraClient:
    """The MANTRA (CometBFT) RPC client: every call goes cache → single-flight → batcher →
    priority executor → connection pool (health-ranked, circuit breaker, failover) →
    transport. Build it with ``await MantraClient.connect([...])`` (or ``async with``).

    Every call ends with one result or one typed ``MantraError``: ``RpcError`` (the node's
    error), ``TransportError``, ``MantraTimeoutError``, ``CircuitOpenError``,
    ``DecodeError``, ``ClosedError`` once closed, ...
    """

    @staticmethod
    def connect(
        endpoints: Sequence[str],
        *,
        pool: Optional[PoolConfig] = None,
        cache: Union[CacheConfig, None, Literal[False]] = None,
        batch: Union[BatchConfig, None, Literal[False]] = None,
        metrics: Optional[MetricsConfig] = None,
        health: Optional[HealthConfig] = None,
        transport: Optional[TransportFn] = None,
        request_timeout: Optional[float] = None,
        max_body_bytes: Optional[int] = None,
        method_ttls: Optional[Mapping[str, float]] = None,
        cache_policy: Optional[CachePolicy] = None,
        clock: Optional[ManualClock] = None,
    ) -> _Connecting[MantraClient]:
        """Builds the client and warms up its pool; await the result (or ``async with`` it).
        It is ready as soon as one endpoint answers (the others warm up in the background);
        ``TransportError`` when none answers within ``request_timeout``.

        ``pool``: the connection pool (requests in flight per endpoint, warm-up, idle
        trimming, timeouts, ranking interval); ``None`` = the client's defaults.
        ``cache`` / ``batch``: ``None`` = the core's defaults, ``False`` = off. The cache's
        ``ttl_by_type`` sets the client cache's per-type TTLs (puts without a ``ttl``, e.g.
        ``client.cache.put``; the client caches its own RPC results for its per-method
        TTLs, see ``method_ttls``). The batch's ``retry_jitter``, ``max_batch_bytes``,
        ``max_retry_delay`` and ``priority_aging`` apply to the client's batcher;
        ``max_batch_bytes`` defaults to, and may not exceed, ``max_body_bytes`` less 2
        (999 998 bytes by default). The core checks all of it before the first request.
        ``metrics``: the fields given replace the client's defaults, the others keep them
        (e.g. its latency buckets, 50 µs to 30 s).
        ``transport``: an async ``(request) -> response`` replacing the native HTTP client
        (request ``{"method", "url", "headers", "body", "timeout"}``, response
        ``{"status", "body", "retry_after"?}``); an exception it raises is a transport
        failure (retried, failed over). ``request_timeout`` bounds each call (seconds,
        default 30). ``max_body_bytes`` is the largest request body sent (bytes, at least
        256; default 1 000 000, CometBFT's ``max_body_bytes``): batches are cut to fit it and
        a single call over it fails with ``CapacityExceededError`` without being sent.
        ``cache_policy``: how long each kind of reply is cached (``CachePolicy``; 0 = not
        cached, e.g. ``CachePolicy(query_latest_ttl=0)`` for fresh reads after a write).
        ``method_ttls`` caches further read methods of ``call`` (seconds), over the policy's.
        """
    @property
    def cache(self) -> Optional[CacheManager]:
        """The response cache (JSON values), or ``None`` when caching is off."""
    @property
    def metrics(self) -> MetricsCollector:
        """The client's metrics collector."""
    @property
    def health(self) -> HealthChecker:
        """The client's health checker (endpoint, node sync, cache pressure, batch backlog)."""
    @property
    def is_closed(self) -> bool:
        """Whether ``close()`` was called."""
    async def status(self) -> Dict[str, Any]:
        """``status``: node info, sync info (``latest_block_height`` ...), validator."""
    async def health_check(self) -> None:
        """The node's ``health`` method (raises when it does not answer)."""
    async def abci_info(self) -> Dict[str, Any]:
        """``abci_info``."""
    async def abci_query(self, path: str, data: bytes, height: Optional[SupportsIndex] = None) -> Dict[str, Any]:
        """``abci_query``; ``key`` and ``value`` of the response are ``bytes``."""
    async def smart_query(self, contract: str, msg: JsonValue) -> JsonValue:
        """A CosmWasm smart query; returns the contract's JSON reply."""
    async def block(self, height: Optional[SupportsIndex] = None) -> Dict[str, Any]:
        """``block`` at ``height`` (``None`` = latest)."""
    async def tx(self, hash: Union[str, bytes]) -> Dict[str, Any]:
        """``tx`` by hash (hex string or raw bytes)."""
    async def broadcast_tx_sync(self, tx: bytes) -> Dict[str, Any]:
        """``broadcast_tx_sync`` (returns after CheckTx; never cached or batched)."""
    async def broadcast_tx_async(self, tx: bytes) -> Dict[str, Any]:
        """``broadcast_tx_async`` (returns at once)."""
    async def call(
        self,
        method: str,
        params: JsonValue = None,
        *,
        priority: Optional[Priority] = None,
        timeout: Optional[float] = None,
        bypass_cache: bool = False,
    ) -> JsonValue:
        """Any JSON-RPC method (``params`` default ``{}``) under the core's policy."""
    async def run_health_checks(self) -> SystemHealth:
        """Runs the client's health checks now."""
    def pool_stats(self) -> PoolStats:
        """Connection pool statistics."""
    def stats(self) -> ClientStats:
        """Calls by outcome, cache, batching, HTTP, executor and pool statistics."""
    def prometheus(self) -> str:
        """The client's metrics, Prometheus text format 0.0.4."""
    def close(self) -> None:
        """Fails pending calls with ``ClosedError`` and stops background loops."""
    async def __aenter__(self) -> MantraClient: ...
    async def __aexit__(self, exc_type: object, exc: object, tb: object, /) -> None: ...

def _panic_for_tests(kind: str) -> Any:
    """Test hook: panics in Rust (``"sync"``, or ``"async"`` inside a coroutine)."""
