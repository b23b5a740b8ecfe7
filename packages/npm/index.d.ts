// Hand-written types for mantra-sdk (checked by test/consumer.ts under `tsc --strict`).
// Conventions: camelCase names, durations in milliseconds (`number`, suffix `Ms`), I/O returns
// a Promise, objects backed by wasm memory have `free()` and `[Symbol.dispose]()`.
/// <reference lib="es2022" />
/// <reference lib="esnext.disposable" />

/** Stable machine-readable error codes, identical in every language binding. */
export type MantraErrorCode =
  | "invalid_config"
  | "invalid_argument"
  | "timeout"
  | "transport"
  | "rpc"
  | "batch_limit"
  | "circuit_open"
  | "decode"
  | "encode"
  | "pool_exhausted"
  | "capacity_exceeded"
  | "closed"
  | "cancelled"
  | "host"
  | "health_check"
  | "internal";

/** Optional details of a {@link MantraError}; which ones are set depends on `code`. */
export interface MantraErrorDetails {
  /** Whether retrying the same request may succeed. Defaults to `false`. */
  retryable?: boolean;
  /** `invalid_config`: the offending option, camelCase (e.g. `maxEntries`). */
  field?: string;
  /** `transport`: the HTTP status, when a response was received. */
  status?: number;
  /** `transport`: the server's `Retry-After`, in milliseconds. */
  retryAfterMs?: number;
  /** `timeout`: the deadline that passed, in milliseconds. */
  timeoutMs?: number;
  /** `rpc`: the JSON-RPC error code. */
  rpcCode?: number;
  /** `rpc`: the JSON-RPC error's `data` member, as text. */
  data?: string;
  /** `health_check`: the name of the failed check. */
  check?: string;
  /** `batch_limit`: the node's batch limit (an executor reports it to make core split). */
  max?: number;
  /** `batch_limit`: the size of the refused batch. */
  size?: number;
  /** The underlying error, if any. */
  cause?: unknown;
}

/**
 * Every error the SDK raises (wrong argument *types* are `TypeError`s). `code` tells what
 * happened; `message` says it for people. Host code (a custom transport, an executor, a
 * health check) may throw one too, to report a specific code.
 */
export class MantraError extends Error {
  constructor(code: MantraErrorCode, message: string, details?: MantraErrorDetails);
  name: "MantraError";
  readonly code: MantraErrorCode;
  readonly retryable: boolean;
  readonly field?: string;
  readonly status?: number;
  readonly retryAfterMs?: number;
  readonly timeoutMs?: number;
  readonly rpcCode?: number;
  readonly data?: string;
  readonly check?: string;
  readonly max?: number;
  readonly size?: number;
}

/**
 * Virtual time for tests: time moves only when {@link ManualClock.advance} is called. Sleeps
 * on it complete in deadline order as `advance` passes them.
 *
 * Backed by wasm memory: call `free()` (or `using clock = new ManualClock()`) when done; a
 * forgotten one is freed by the garbage collector. Using it after `free()` throws
 * `MantraError` with code `closed`.
 */
export class ManualClock implements Disposable {
  /** A clock at virtual time zero. */
  constructor();
  /**
   * Moves time forward by `ms`, firing every sleep that falls due on the way, in order, and
   * resolves once the woken tasks have run. Rejects with `TypeError` unless `ms` is a number,
   * with `MantraError` `invalid_argument` unless it is finite and `>= 0`.
   */
  advance(ms: number): Promise<void>;
  /**
   * Resolves once virtual time has moved `ms` past the time of this call; rejects with
   * `MantraError` `closed` if the clock is freed first (nothing could fire it any more).
   */
  sleepMs(ms: number): Promise<void>;
  /** Virtual milliseconds since the clock was created. */
  readonly nowMs: number;
  /** Number of sleeps currently waiting on this clock. */
  readonly pendingSleeps: number;
  /** Rejects the sleeps it started (`closed`) and releases the wasm memory. Idempotent. */
  free(): void;
  /** Same as {@link ManualClock.free}. */
  [Symbol.dispose](): void;
}

/**
 * Resolves after `ms` milliseconds of real time (the SDK's own timer, the one its batching,
 * retries and health checks use). Rejects like {@link ManualClock.advance} on bad input.
 */
export function sleepMs(ms: number): Promise<void>;

/** The SDK version, e.g. `"0.1.0"` (the same as the package version). */
export function version(): string;

// ---------------------------------------------------------------------------------------
// Cache

/** What a cached value is; each type has its own TTL and can be cleared on its own. */
export type CacheType =
  | "pool_info"
  | "balance"
  | "block"
  | "node_status"
  | "contract_query"
  | "simulation"
  | "generic";

/** A value the cache accepts: anything `JSON.stringify` can write. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** Cache options; every field is optional (defaults are the Rust core's). */
export interface CacheConfig {
  /** Most entries (default 10 000). */
  maxEntries?: number;
  /** TTL of every type without an override, in ms (default 300 000). */
  defaultTtlMs?: number;
  /** Keep hit/miss/eviction counters (default true). */
  enableStats?: boolean;
  /** Period of the sweep that drops expired entries, in ms (default 60 000). */
  cleanupIntervalMs?: number;
  /** Byte budget over all entries' weights (default 100 MiB); see {@link CacheManager.entryWeight}. */
  maxMemoryBytes?: number;
  /** Per-type TTLs in ms, e.g. `{ block: 60_000 }`. */
  ttlByType?: Partial<Record<CacheType, number>>;
}

/** Counters since creation (or `resetStats()`) and the current size. */
export interface CacheStats {
  hits: number;
  misses: number;
  insertions: number;
  /** `evictionsCapacity + evictionsSize`. */
  evictions: number;
  evictionsCapacity: number;
  evictionsSize: number;
  expirations: number;
  /** Values refused because their weight alone exceeds `maxMemoryBytes`. */
  rejected: number;
  entries: number;
  memoryBytes: number;
  /** `hits / (hits + misses)`, 0 before any lookup. */
  hitRate: number;
}

/** Options of one `put`. */
export interface CachePutOptions {
  /** TTL of this entry only, in ms (> 0). */
  ttlMs?: number;
}

/**
 * LRU + TTL cache of JSON-compatible values under `(type, key)`, bounded by `maxEntries`
 * and `maxMemoryBytes`, with stats and single-flight loading. Synchronous (no I/O) except
 * {@link CacheManager.getOrFetch}. Values are stored by reference (as lru-cache does): `get`
 * returns the object that was `put`; mutating it afterwards does not change its weight.
 * The type defaults to `"generic"`. Wrong argument types throw `TypeError`; an unknown type
 * name throws `MantraError` `invalid_argument`.
 */
export class CacheManager implements Disposable {
  constructor(config?: CacheConfig);
  /** A cache reading virtual time from `clock`. */
  static withClock(config: CacheConfig | undefined, clock: ManualClock): CacheManager;
  /** Bytes an entry is charged: key UTF-8 bytes + the value's JSON text bytes + a fixed overhead. */
  static entryWeight(key: string, value: JsonValue): number;
  /** The live value, refreshing its recency; `undefined` if absent or expired. */
  get<T extends JsonValue = JsonValue>(key: string, type?: CacheType): T | undefined;
  /** Whether a live entry exists (no recency or counter change). */
  has(key: string, type?: CacheType): boolean;
  /**
   * Stores `value` with the type's TTL (or `options.ttlMs`), evicting least-recently-used
   * entries until both limits hold. Throws `MantraError` `capacity_exceeded` if the value
   * alone is heavier than `maxMemoryBytes` (an older value under the key is removed).
   */
  put(key: string, value: JsonValue, type?: CacheType, options?: CachePutOptions): void;
  /** Removes one entry; returns whether it was stored. */
  remove(key: string, type?: CacheType): boolean;
  /** Removes every entry. */
  clear(): void;
  /** Removes every entry of one type; returns how many. */
  clearType(type: CacheType): number;
  /** Drops expired entries now; returns how many. */
  cleanup(): number;
  /** Entries stored (expired ones count until removed). */
  len(): number;
  /** Same as `len()`. */
  readonly size: number;
  stats(): CacheStats;
  resetStats(): void;
  /** The TTL in ms that puts of `type` get. */
  ttlMs(type?: CacheType): number;
  /**
   * The cached value, or `fetcher()`'s result, cached and returned. Concurrent callers for
   * the same key share one fetch; a failure reaches every waiter and is not cached (a
   * fetcher's plain error arrives as `MantraError` `host`; a `MantraError` it throws keeps
   * its code). A value too heavy to cache is still returned.
   */
  getOrFetch<T extends JsonValue>(key: string, type: CacheType | undefined, fetcher: () => T | Promise<T>): Promise<T>;
  /** Stops the periodic cleanup (the cache stays usable). */
  close(): void;
  /** Releases the wasm memory and every value. Idempotent; later calls throw `closed`. */
  free(): void;
  [Symbol.dispose](): void;
}

// ---------------------------------------------------------------------------------------
// Batch

export type Priority = "high" | "normal" | "low";

/** Batching options; every field is optional (defaults are the Rust core's). */
export interface BatchConfig {
  /** Most operations per executor call (default 10). */
  maxBatchSize?: number;
  /** Longest an operation waits for companions, in ms (default 10). */
  maxBatchDelayMs?: number;
  /** `false` sends every operation alone, at once (default true). */
  enableAutoBatching?: boolean;
  /** Most executor calls in flight (default 10). */
  maxConcurrentBatches?: number;
  /** Retries of a retryable failure per operation (default 3). */
  retryAttempts?: number;
  /** First retry backoff in ms, doubled per retry, jittered (default 150). */
  retryDelayMs?: number;
  /** Jitter retry delays (default true). */
  retryJitter?: boolean;
  /**
   * Cap on a batch's encoded size in bytes; an operation larger than it alone is refused
   * (`capacity_exceeded`). Default: none. In a `MantraClient` the default and the most it
   * may be set to is `maxBodyBytes − 2` (the node's request body limit), and a call over the
   * cap but within that limit is sent in a batch of its own.
   */
  maxBatchBytes?: number;
  /** Cap on one retry delay, in ms. */
  maxRetryDelayMs?: number;
  /** Priority aging step in ms (a waiting operation gains a level per step). */
  priorityAgingMs?: number;
}

/** One operation as the executor receives it. */
export interface BatchOperation {
  op: string;
  params: JsonValue;
  priority: Priority;
  timeoutMs: number;
}

/**
 * The host's batch function: one result per operation, same length and order (DataLoader's
 * contract). An item that is an `Error` (e.g. a `MantraError` with code `rpc`) fails that
 * operation only; throwing or rejecting fails (or, if retryable, retries) the whole batch.
 */
export type BatchExecutor = (ops: BatchOperation[]) => Array<JsonValue | Error> | Promise<Array<JsonValue | Error>>;

export interface BatchSubmitOptions {
  priority?: Priority;
  /** Deadline from submission, in ms (default 30 000). */
  timeoutMs?: number;
}

export interface BatchStats {
  batches: number;
  operations: number;
  avgBatchSize: number;
  retries: number;
  failures: number;
  timeouts: number;
  succeeded: number;
  /**
   * Client calls their caller gave up on after they started (an `AbortSignal` here; a
   * cancelled task or coroutine in Python and Kotlin): out of the queue unsent, or their
   * batch's result discarded. Always 0 in a standalone manager.
   */
  cancelled: number;
  closed: number;
  batchLimitSplits: number;
  pending: number;
  inFlight: number;
  effectiveMaxBatchSize: number;
}

/** Collects operations into batches for an executor, with retries and limits. */
export class BatchManager implements Disposable {
  constructor(config: BatchConfig | undefined, executor: BatchExecutor);
  constructor(executor: BatchExecutor);
  static withClock(config: BatchConfig | undefined, executor: BatchExecutor, clock: ManualClock): BatchManager;
  /** Queues `op` and resolves with its result (rejects with `MantraError`). */
  submit<T extends JsonValue = JsonValue>(op: string, params?: JsonValue, options?: BatchSubmitOptions): Promise<T>;
  /** Sends everything queued now (does not wait for results). */
  flush(): void;
  stats(): BatchStats;
  /** Fails queued operations with `closed`; later submissions fail too. */
  close(): void;
  readonly isClosed: boolean;
  /** Closes the manager (queued operations fail with `closed`) and frees its wasm memory. Idempotent. */
  free(): void;
  [Symbol.dispose](): void;
}

// ---------------------------------------------------------------------------------------
// Metrics

export type MetricType = "counter" | "gauge" | "histogram";

/** Metrics options; every field is optional (defaults are the Rust core's). */
export interface MetricsConfig {
  enableProtocolMetrics?: boolean;
  enableMcpMetrics?: boolean;
  enableResourceMetrics?: boolean;
  enableCustomMetrics?: boolean;
  enableProcessMetrics?: boolean;
  retentionPeriodMs?: number;
  aggregationIntervalMs?: number;
  /** Family name prefix (default `"mantra"`). */
  namespace?: string;
  /** Cardinality cap per family (default 1000). */
  maxSeriesPerFamily?: number;
  maxCustomMetrics?: number;
  maxWindowEntries?: number;
  /** Histogram upper bounds in seconds (default prom-client's). */
  histogramBuckets?: number[];
  /** Labels added to every exported series. */
  constLabels?: Record<string, string>;
}

export interface MetricsResourceUsage {
  memoryUsedBytes?: number;
  memoryPooledBytes?: number;
  cacheBytes?: number;
  cacheEntries?: number;
  activeConnections?: number;
  pendingRequests?: number;
}

export interface MetricsBucket {
  le: number;
  count: number;
}

export interface MetricSeriesSnapshot {
  labels: Record<string, string>;
  /** Counter or gauge value. */
  value?: number;
  /** Histogram fields. */
  count?: number;
  sum?: number;
  buckets?: MetricsBucket[];
  min?: number | null;
  max?: number | null;
  p50?: number | null;
  p95?: number | null;
  p99?: number | null;
}

export interface MetricFamilySnapshot {
  name: string;
  type: MetricType;
  help: string;
  labelNames: string[];
  maxSeries: number;
  droppedSeries: number;
  series: MetricSeriesSnapshot[];
}

/** One aggregation window of one histogram series. */
export interface MetricsWindow {
  family: string;
  labels: Record<string, string>;
  startUnixMs: number;
  endUnixMs: number;
  count: number;
  sum: number;
  min: number | null;
  max: number | null;
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

export interface MetricsSnapshot {
  timestampUnixMs: number;
  startTimeUnixMs: number;
  namespace: string;
  constLabels: Record<string, string>;
  families: MetricFamilySnapshot[];
  droppedSeries: Record<string, number>;
  windows: MetricsWindow[];
  windowIntervalSeconds: number | null;
  retentionSeconds: number | null;
}

/** The SDK's metrics: protocol operations, server requests, resources, custom metrics. */
export class MetricsCollector implements Disposable {
  constructor(config?: MetricsConfig);
  static withClock(config: MetricsConfig | undefined, clock: ManualClock): MetricsCollector;
  recordProtocolOperation(protocol: string, operation: string, latencyMs: number, success: boolean, error?: string): void;
  recordMcpRequest(latencyMs: number, success: boolean, transport: string): void;
  /** Throws `MantraError` `invalid_argument` / `capacity_exceeded` (also counted in `<ns>_metrics_rejected_total`). */
  recordCustomMetric(category: string, name: string, value: number, type: MetricType): void;
  recordResourceUsage(usage: MetricsResourceUsage): void;
  getAllMetrics(): MetricsSnapshot;
  /** Prometheus text exposition format 0.0.4. */
  prometheus(): string;
  /** OTLP/HTTP JSON `ExportMetricsServiceRequest` (text). */
  otlpJson(): string;
  /** Starts the aggregation loop (idempotent). */
  initialize(): void;
  aggregateNow(): void;
  readonly isRunning: boolean;
  close(): void;
  free(): void;
  [Symbol.dispose](): void;
}

// ---------------------------------------------------------------------------------------
// Health

export type HealthStatus = "healthy" | "degraded" | "unhealthy" | "unknown";

/** Health options; every field is optional (defaults are the Rust core's). */
export interface HealthConfig {
  enableAutoChecks?: boolean;
  checkIntervalMs?: number;
  checkTimeoutMs?: number;
  failureThreshold?: number;
  recoveryThreshold?: number;
  enableAutoRecovery?: boolean;
  enableDiagnostics?: boolean;
  recoveryTimeoutMs?: number;
  historySize?: number;
  serviceName?: string;
  description?: string;
}

export interface HealthCheckOptions {
  /** An unhealthy critical check makes the system unhealthy (default true). */
  critical?: boolean;
  /** Overrides `checkTimeoutMs`. */
  timeoutMs?: number;
  tags?: string[];
}

/**
 * A check: `undefined`/`null`/`true` → healthy; a string → degraded with that reason; an
 * object → healthy with those details; `false`, a throw or a rejection → failure.
 */
export type HealthCheckFn = () =>
  | void
  | boolean
  | string
  | { [key: string]: JsonValue }
  | Promise<void | boolean | string | { [key: string]: JsonValue }>;

export interface ComponentHealth {
  name: string;
  status: HealthStatus;
  critical: boolean;
  tags: string[];
  consecutiveFailures: number;
  consecutiveSuccesses: number;
  lastError: string | null;
  output: string | null;
  details: JsonValue;
  lastLatencyMs: number | null;
  /** RFC 3339. */
  lastChecked: string | null;
  lastStatusChange: string | null;
  totalChecks: number;
  totalFailures: number;
  recoveryAttempts: number;
  recoverySuccesses: number;
}

export interface SystemHealth {
  overallStatus: HealthStatus;
  components: Record<string, ComponentHealth>;
  checkedAt: string | null;
  serviceName?: string;
  description?: string;
}

export interface HealthDiagnostics {
  [field: string]: JsonValue;
}

/** Runs health checks through thresholds, timeouts and recovery actions. */
export class HealthChecker implements Disposable {
  constructor(config?: HealthConfig);
  static withClock(config: HealthConfig | undefined, clock: ManualClock): HealthChecker;
  registerCheck(name: string, check: HealthCheckFn, options?: HealthCheckOptions): void;
  unregisterCheck(name: string): boolean;
  registerRecovery(name: string, action: () => void | Promise<void>): void;
  runHealthChecks(): Promise<SystemHealth>;
  runCheck(name: string): Promise<ComponentHealth>;
  getSystemHealth(): SystemHealth;
  getProtocolHealth(name: string): ComponentHealth | null;
  getDiagnostics(): HealthDiagnostics;
  /** IETF `application/health+json`. */
  healthJson(): { [key: string]: JsonValue };
  start(): void;
  stop(): void;
  readonly isRunning: boolean;
  free(): void;
  [Symbol.dispose](): void;
}

// ---------------------------------------------------------------------------------------
// Client

/** An HTTP exchange as a custom transport receives it. */
export interface TransportRequest {
  method: "GET" | "POST";
  url: string;
  headers: Record<string, string>;
  /** The JSON-RPC body (empty for GET). */
  body: string;
  /** The exchange's deadline: end it (and free what it holds) by then. The SDK may stop
   * waiting earlier (every call it carries was aborted) and then ignores its result. */
  timeoutMs: number | null;
}

/** What a custom transport resolves with (header names lowercase, e.g. `retry-after`). */
export interface TransportResponse {
  status: number;
  body: string | Uint8Array;
  headers?: Record<string, string>;
}

/**
 * Replaces the default transport (the global `fetch`). Throw or reject with a
 * `MantraError("transport", …, {status, retryAfterMs})` to report a failed exchange.
 */
export type Transport = (request: TransportRequest) => Promise<TransportResponse>;

/** Options of {@link nodeHttpTransport}. */
export interface NodeHttpTransportOptions {
  /** Keep-alive sockets per endpoint (default 64); more exchanges wait for a free one. */
  maxSockets?: number;
  /** Your own `http.Agent` for `http:` endpoints: they then go over `node:http` with it
   * (proxies, custom sockets); `maxSockets` does not apply to them. */
  httpAgent?: object;
  /** Your own `https.Agent` for `https:` endpoints (as `httpAgent`). */
  httpsAgent?: object;
}

/**
 * A {@link Transport} for Node, for `MantraClient.connect({ endpoints, transport:
 * nodeHttpTransport() })`: keep-alive sockets (`node:net` / `node:tls`) with a lean HTTP/1.1
 * client, or `node:http` / `node:https` with the agents you pass. It carries the client's
 * small JSON-RPC POSTs with a fraction of the CPU of the default global `fetch`
 * (BENCHMARKS.md, "npm client"). Returns every HTTP status as it is (the client decides what
 * it means); a failed exchange rejects with `MantraError("transport")`, one over the
 * request's `timeoutMs` is aborted and rejects with `MantraError("timeout")`.
 * Node only: in the browser build it throws `MantraError("invalid_argument")`.
 */
export function nodeHttpTransport(options?: NodeHttpTransportOptions): Transport;

/**
 * Connection pool options of a `MantraClient`; every field is optional (defaults are the Rust
 * core's client defaults). A connection is an in-flight permit on one endpoint.
 */
export interface PoolConfig {
  /** Most requests in flight at once per endpoint (default 20). */
  maxConnections?: number;
  /** Connections kept warm per endpoint: warm-up pings at connect (default 5; at most `maxConnections`). */
  minConnections?: number;
  /** A connection idle longer than this, in ms, is trimmed down to `minConnections` (default 300 000). */
  maxIdleTimeMs?: number;
  /** Deadline of one request through a connection, in ms (default 30 000). */
  connectionTimeoutMs?: number;
  /** How long a call waits for a free connection, in ms (default 10 000). */
  acquireTimeoutMs?: number;
  /** Interval of the ranking loop that pings every endpoint, in ms (default 10 000). */
  healthCheckIntervalMs?: number;
}

/**
 * How long a `MantraClient` caches each kind of reply, in ms (`0` = not cached); every field
 * is optional (defaults are core's).
 */
export interface CachePolicy {
  /** `status`, `abci_info`, and `block`/`header`/`commit`/`validators`/`block_results` at the latest height (default 1 000). */
  nodeStatusTtlMs?: number;
  /** Anything at a fixed height, and `tx` by hash: immutable once committed (default 3 600 000). */
  blockTtlMs?: number;
  /** `abci_query` at a fixed height (default 3 600 000). */
  queryAtHeightTtlMs?: number;
  /** `abci_query` at the latest height (default 2 000). */
  queryLatestTtlMs?: number;
  /** CosmWasm smart queries at the latest height (default 5 000). */
  contractQueryTtlMs?: number;
  /** MANTRA DEX pool state (default 5 000). */
  poolInfoTtlMs?: number;
  /** MANTRA DEX swap simulations (default 2 000). */
  simulationTtlMs?: number;
  /**
   * Further read methods reached through `call`, cached with these TTLs (default: none are).
   * A write (`broadcast_*`, …) or a method with a TTL above is refused (`invalid_config`).
   */
  methodTtlsMs?: { [method: string]: number };
}

export interface ClientConfig {
  /** One or more CometBFT RPC URLs (required). */
  endpoints: string[] | string;
  /** Connection pool options (default: core's). */
  pool?: PoolConfig;
  /**
   * Cache options, or `false` for no cache (default: core's cache). The client caches each
   * reply with its method's TTL (core's cache policy); `ttlByType` sets the TTL of entries
   * put without one through `client.cache.put`.
   */
  cache?: CacheConfig | false;
  /** How long each kind of reply is cached (default: core's policy). */
  cachePolicy?: CachePolicy;
  /** Batching options, or `false` to send every call alone (default: core's batching). */
  batch?: BatchConfig | false;
  metrics?: MetricsConfig;
  health?: HealthConfig;
  requestTimeoutMs?: number;
  /** Largest request body sent, in bytes (at least 256; default core's, CometBFT's 1 000 000). */
  maxBodyBytes?: number;
  transport?: Transport;
}

/**
 * `client.cache`: the client's response cache — core's cache of the node's JSON replies,
 * keyed by the client's canonical request keys (`stats()`, `clear()`, `clearType("block")`
 * are the common uses). The standalone `CacheManager`'s operations, with values stored as
 * JSON in core (a put converts the value; a get returns a fresh copy).
 */
export interface ResponseCache extends Omit<CacheManager, "close" | "free"> {
  /** Releases this handle only (the client keeps its cache; the next `client.cache` is a new handle). */
  free(): void;
}

/** A circuit breaker's state. */
export type CircuitState = "closed" | "open" | "half_open";

/** One endpoint of the connection pool (`poolStats().endpoints`). */
export interface PoolEndpointStats {
  /** The URL, credentials redacted. */
  url: string;
  /** Position in the ranking (0 = chosen first). */
  rank: number;
  /** Rank score in [0, 1]. */
  score: number;
  /** Live-traffic PeakEWMA latency, ms (null before any sample). */
  ewmaLatencyMs: number | null;
  meanPingLatencyMs: number | null;
  successRate: number | null;
  samples: number;
  inFlight: number;
  connections: number;
  idleConnections: number;
  breaker: CircuitState;
  consecutiveFailures: number;
  timesOpened: number;
  totalRequests: number;
  totalFailures: number;
  healthChecks: number;
  healthCheckFailures: number;
  /** The last failure, credentials redacted. */
  lastError: string | null;
}

/** `MantraClient.poolStats()`. */
export interface PoolStats {
  endpoints: PoolEndpointStats[];
  healthyEndpoints: number;
  inFlight: number;
  maxConnectionsPerEndpoint: number;
  acquired: number;
  exhausted: number;
  circuitRejections: number;
  failovers: number;
  hedges: number;
  closed: boolean;
}

/** One endpoint as the client sees it: the pool's ranking and counters with its health. */
export interface ClientEndpointStats {
  url: string;
  /** Its `endpoint:<url>` health check. */
  health: HealthStatus;
  /** Its `node_sync:<url>` health check (block age). */
  nodeSync: HealthStatus;
  rank: number;
  score: number;
  breaker: CircuitState;
  inFlight: number;
  requests: number;
  failures: number;
  ewmaLatencyMs: number | null;
  lastError: string | null;
}

/** The priority executor's counters (`stats().executor`). */
export interface ExecutorStats {
  /** The concurrency limit now (adaptive). */
  limit: number;
  inFlight: number;
  queued: { high: number; normal: number; low: number };
  completed: number;
  failed: number;
  timedOut: number;
  cancelled: number;
  /** Mean time holding a permit, ms. */
  avgLatencyMs: number;
}

/** `MantraClient.stats()`: the client's call counters and each component's stats. */
export interface ClientStats {
  /** Calls finished: `succeeded + failed + cancelled`. */
  calls: number;
  succeeded: number;
  failed: number;
  /** Calls aborted after they started. */
  cancelled: number;
  inFlight: number;
  /** Failed calls by `MantraError` code. */
  errorsByCode: { [code: string]: number };
  cacheHits: number;
  cacheMisses: number;
  /** Calls answered by an identical call already in flight. */
  sharedCalls: number;
  /** Call latency quantiles, ms (null before any call). */
  latencyP50Ms: number | null;
  latencyP99Ms: number | null;
  /** HTTP requests, failures and JSON-RPC batch sizes on the wire. */
  http: { httpRequests: number; httpFailures: number; rpcRequests: number; maxBatchSize: number };
  endpoints: ClientEndpointStats[];
  /** Overall health of the last checks run. */
  health: HealthStatus;
  pool: PoolStats;
  /** null with `cache: false`. */
  cache: CacheStats | null;
  /** null with `batch: false`. */
  batch: BatchStats | null;
  executor: ExecutorStats;
  closed: boolean;
}

/** `MantraClient.status`'s result: the node's `/status`, camelCased (numbers as the node's decimal strings). */
export interface NodeStatus {
  nodeInfo: {
    protocolVersion: { p2p: string; block: string; app: string };
    id: string;
    listenAddr: string;
    /** The chain id. */
    network: string;
    version: string;
    channels: string;
    moniker: string;
    other: { txIndex: string; rpcAddress: string };
  };
  syncInfo: {
    latestBlockHash: string;
    latestAppHash: string;
    latestBlockHeight: string;
    /** RFC 3339. */
    latestBlockTime: string;
    earliestBlockHash: string;
    earliestAppHash: string;
    earliestBlockHeight: string;
    earliestBlockTime: string;
    catchingUp: boolean;
  };
  validatorInfo: {
    address: string;
    pubKey: { type: string; value: string };
    votingPower: string;
  };
}

/** A block id: the block hash and its part-set header (hex hashes). */
export interface BlockId {
  hash: string;
  parts: { total: number; hash: string };
}

/** `MantraClient.block`'s result: the node's `/block`, its typed parts camelCased. */
export interface BlockResult {
  blockId: BlockId;
  block: {
    header: {
      version: { block: string; app: string };
      chainId: string;
      /** The node's decimal string. */
      height: string;
      /** RFC 3339. */
      time: string;
      lastBlockId: BlockId;
      lastCommitHash: string;
      dataHash: string;
      validatorsHash: string;
      nextValidatorsHash: string;
      consensusHash: string;
      appHash: string;
      lastResultsHash: string;
      evidenceHash: string;
      proposerAddress: string;
    };
    /** The transactions, base64 as the node sends them. */
    data: { txs: string[] };
    /** The node's JSON as sent (keys not camelCased). */
    evidence: JsonValue;
    /** The node's JSON as sent (keys not camelCased). */
    lastCommit: JsonValue;
  };
}

/** `MantraClient.broadcastTxSync`'s result: CheckTx's answer, `data` as bytes. */
export interface BroadcastTxResult {
  /** 0 when CheckTx accepted the transaction (a non-zero code is an answer, not a rejection). */
  code: number;
  data: Uint8Array;
  log: string;
  codespace: string;
  /** The transaction hash (hex, upper case). */
  hash: string;
}

/** `MantraClient.abciQuery`'s result: the node's `response`, `key` and `value` as bytes. */
export interface AbciQueryResult {
  /** The app's result code; 0 is success (a non-zero code is an answer, not a rejection). */
  code: number;
  log: string;
  info: string;
  /** The key's index in the store, as the node's decimal string (an int64). */
  index: string;
  key: Uint8Array;
  /** The value; empty when the key is absent. */
  value: Uint8Array;
  /** The height the answer is for, as the node's decimal string (an int64). */
  height: string;
  codespace: string;
}

/**
 * An `AbortSignal` (`new AbortController().signal`, `AbortSignal.timeout(ms)`), described by
 * what the client uses of it, so no DOM or Node typings are needed.
 */
export interface AbortSignalLike {
  readonly aborted: boolean;
  readonly reason?: unknown;
  addEventListener(type: "abort", listener: () => void): void;
  removeEventListener(type: "abort", listener: () => void): void;
}

/** The last argument of every `MantraClient` call. */
export interface RequestOptions {
  /**
   * Aborts the call: it rejects with a `MantraError` of code `"cancelled"` whose `cause` is
   * `signal.reason`, and a call still waiting for its batch leaves the queue unsent (a
   * request already sent is not recalled). An already aborted signal rejects at once;
   * `null` is no signal. Calls may share a signal (the SDK keeps one listener on it).
   */
  signal?: AbortSignalLike | null;
}

/** `MantraClient.call`'s options: core's per-call overrides, and an `AbortSignal`. */
export interface CallOptions extends RequestOptions {
  /** Executor and batch priority (default: the method's — broadcasts high, reads normal). */
  priority?: Priority;
  /** This call's deadline in ms, > 0 (default: the client's `requestTimeoutMs`). */
  timeoutMs?: number;
  /** Skips the cache lookup (the result still refreshes the cache). Default false. */
  bypassCache?: boolean;
}

/**
 * The composed MANTRA client: cache → single-flight → batching → priority executor →
 * connection pool with failover, metrics and health. Results are the node's JSON
 * (decoded by core, fields camelCased; heights stay the node's decimal strings), except
 * the byte fields (`abciQuery`'s `key` and `value`, a broadcast's `data`): `Uint8Array`s.
 * `call` returns the node's JSON as it is (snake_case keys).
 */
export class MantraClient {
  private constructor();
  /**
   * Builds the client; resolves as soon as one endpoint answers its warm-up ping (the others
   * warm up in the background), rejects with `MantraError("transport")` when none answers
   * within `requestTimeoutMs`.
   */
  static connect(config: ClientConfig): Promise<MantraClient>;
  status(options?: RequestOptions): Promise<NodeStatus>;
  healthCheck(options?: RequestOptions): Promise<void>;
  abciQuery(
    path: string,
    data: Uint8Array | string,
    height?: number,
    options?: RequestOptions,
  ): Promise<AbciQueryResult>;
  smartQuery<T extends JsonValue = JsonValue>(contract: string, msg: JsonValue, options?: RequestOptions): Promise<T>;
  block(height?: number, options?: RequestOptions): Promise<BlockResult>;
  broadcastTxSync(tx: Uint8Array | string, options?: RequestOptions): Promise<BroadcastTxResult>;
  /** Any JSON-RPC method (`params` default `{}`) under core's policy, `options` overriding it for this call. */
  call<T extends JsonValue = JsonValue>(method: string, params?: JsonValue, options?: CallOptions): Promise<T>;
  /**
   * The client's response cache (the same handle on every access), `null` with `cache: false`.
   * The accessors' handles share the client's lifetime: `free()` on the client frees them.
   */
  readonly cache: ResponseCache | null;
  /**
   * The client's metrics collector: what it records shows in the client's `prometheus()`;
   * its `close()` stops the client's metrics aggregation.
   */
  readonly metrics: MetricsCollector;
  /** The client's health checker: register more checks next to the client's own (`stop()` stops the client's). */
  readonly health: HealthChecker;
  poolStats(): PoolStats;
  stats(): ClientStats;
  cacheStats(): CacheStats | null;
  prometheus(): string;
  getAllMetrics(): MetricsSnapshot;
  getSystemHealth(): SystemHealth;
  runHealthChecks(): Promise<SystemHealth>;
  close(): void;
  readonly isClosed: boolean;
  free(): void;
  [Symbol.dispose](): void;
}
