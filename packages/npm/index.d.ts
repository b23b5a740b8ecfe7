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
  /** Resolves once virtual time has moved `ms` past the time of this call. */
  sleepMs(ms: number): Promise<void>;
  /** Virtual milliseconds since the clock was created. */
  readonly nowMs: number;
  /** Number of sleeps currently waiting on this clock. */
  readonly pendingSleeps: number;
  /** Releases the wasm memory. Idempotent. */
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
