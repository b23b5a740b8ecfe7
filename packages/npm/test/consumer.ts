// A TypeScript consumer of the package, compiled with `tsc --strict --noEmit` by `make
// test-npm` (never run): it proves index.d.ts resolves through the package's exports and that
// its types are precise. Each `@ts-expect-error` line must be a type error, or tsc fails.
import {
  BatchManager,
  CacheManager,
  HealthChecker,
  MantraClient,
  MantraError,
  ManualClock,
  MetricsCollector,
  sleepMs,
  version,
} from "mantra-sdk";
import type {
  AbciQueryResult,
  BatchExecutor,
  BatchOperation,
  BatchStats,
  BlockResult,
  BroadcastTxResult,
  CachePolicy,
  CacheStats,
  CallOptions,
  ClientStats,
  ComponentHealth,
  HealthStatus,
  JsonValue,
  MantraErrorCode,
  MantraErrorDetails,
  MetricsSnapshot,
  NodeStatus,
  PoolConfig,
  PoolStats,
  ResponseCache,
  SystemHealth,
  TransportRequest,
  TransportResponse,
} from "mantra-sdk";

async function main(): Promise<void> {
  const v: string = version();

  using clock = new ManualClock();
  const pending: Promise<void> = clock.sleepMs(10);
  await clock.advance(10);
  await pending;
  const now: number = clock.nowMs;
  const waiting: number = clock.pendingSleeps;
  await sleepMs(1);

  const other = new ManualClock();
  other.free();

  try {
    await clock.advance(-1);
  } catch (e: unknown) {
    if (e instanceof MantraError) {
      const code: MantraErrorCode = e.code;
      const retry: boolean = e.retryable;
      const field: string | undefined = e.field;
      const status: number | undefined = e.status;
      const name: "MantraError" = e.name;
      const asError: Error = e;
      console.log(code, retry, field, status, name, asError.message);
    }
  }

  const details: MantraErrorDetails = { status: 503, retryable: true, cause: new Error("x") };
  const mine = new MantraError("transport", "upstream down", details);
  switch (mine.code) {
    case "transport":
    case "timeout":
      break;
    default: {
      const rest: Exclude<MantraErrorCode, "transport" | "timeout"> = mine.code;
      console.log(rest);
    }
  }

  // @ts-expect-error durations are numbers of milliseconds
  await clock.advance("10");
  // @ts-expect-error the argument is required
  await sleepMs();
  // @ts-expect-error nowMs is read-only
  clock.nowMs = 5;
  // @ts-expect-error unknown error codes are rejected
  new MantraError("bogus", "x");
  // @ts-expect-error version() returns a string
  const n: number = version();
  // @ts-expect-error advance resolves with nothing
  const r: number = await clock.advance(1);
  // @ts-expect-error code is read-only
  mine.code = "closed";

  console.log(v, now, waiting, n, r);
}

void main();

async function components(clock: ManualClock): Promise<void> {
  using cache = new CacheManager({ maxEntries: 100, ttlByType: { block: 60_000 } });
  cache.put("pool:1", { denom: "uom", amount: "1" }, "pool_info");
  cache.put("k", [1, 2, 3], undefined, { ttlMs: 500 });
  const hit: JsonValue | undefined = cache.get("pool:1", "pool_info");
  const typed = cache.get<{ denom: string }>("pool:1", "pool_info");
  const has: boolean = cache.has("k");
  const removed: boolean = cache.remove("k");
  const n: number = cache.clearType("block") + cache.cleanup() + cache.len() + cache.size;
  const stats: CacheStats = cache.stats();
  const rate: number = stats.hitRate;
  const loaded: number = await cache.getOrFetch("n", "generic", async () => 42);
  const w: number = CacheManager.entryWeight("k", { a: 1 });
  const virtualCache = CacheManager.withClock({ defaultTtlMs: 10 }, clock);
  virtualCache.free();
  console.log(hit, typed?.denom, has, removed, n, rate, loaded, w);

  const exec: BatchExecutor = async (ops: BatchOperation[]) =>
    ops.map((op) => (op.op === "bad" ? new MantraError("rpc", "no", { rpcCode: -32603 }) : op.params));
  using batch = new BatchManager({ maxBatchSize: 5, retryJitter: false }, exec);
  const one: JsonValue = await batch.submit("status", { a: 1 }, { priority: "high", timeoutMs: 1000 });
  const other = new BatchManager(exec);
  other.flush();
  const bstats: BatchStats = other.stats();
  other.close();
  const v = BatchManager.withClock(undefined, exec, clock);
  v.free();
  console.log(one, bstats.avgBatchSize);

  using metrics = new MetricsCollector({ namespace: "app", constLabels: { env: "dev" } });
  metrics.recordProtocolOperation("rpc", "status", 12.5, true);
  metrics.recordProtocolOperation("rpc", "status", 30, false, "timeout");
  metrics.recordMcpRequest(3, true, "http");
  metrics.recordCustomMetric("dex", "swaps", 1, "counter");
  const snap: MetricsSnapshot = metrics.getAllMetrics();
  const text: string = metrics.prometheus() + metrics.otlpJson();
  console.log(snap.families.length, text.length);

  using health = HealthChecker.withClock({ failureThreshold: 1 }, clock);
  health.registerCheck("node", async () => true, { critical: true, timeoutMs: 100 });
  health.registerCheck("sync", () => "catching up", { critical: false });
  const report: SystemHealth = await health.runHealthChecks();
  const status: HealthStatus = report.overallStatus;
  const node: ComponentHealth | null = health.getProtocolHealth("node");
  console.log(status, node?.consecutiveFailures);

  // @ts-expect-error unknown cache type
  cache.put("k", 1, "blocks");
  // @ts-expect-error values must be JSON-compatible
  cache.put("k", () => 1);
  // @ts-expect-error keys are strings
  cache.get(1);
  // @ts-expect-error priority is a name
  await batch.submit("x", null, { priority: 2 });
  // @ts-expect-error latency is a number
  metrics.recordProtocolOperation("rpc", "status", "12", true);
  // @ts-expect-error metric types are named
  metrics.recordCustomMetric("a", "b", 1, "summary");
  // @ts-expect-error a check is a function
  health.registerCheck("x", true);
}

void components(new ManualClock());

async function client(): Promise<void> {
  const c: MantraClient = await MantraClient.connect({
    endpoints: ["http://127.0.0.1:26657"],
    cache: { maxEntries: 100 },
    batch: false,
    pool: { maxConnections: 4, minConnections: 1, acquireTimeoutMs: 2_000 } satisfies PoolConfig,
    cachePolicy: { nodeStatusTtlMs: 500, methodTtlsMs: { genesis: 60_000 } } satisfies CachePolicy,
    transport: async (req: TransportRequest): Promise<TransportResponse> => ({ status: 200, body: req.body }),
  });
  const h: string = await c.call<string>("status");
  const pools = await c.smartQuery<{ pools: JsonValue[] }>("mantra1…", { pools: {} });
  const b: BlockResult = await c.block(5);
  const st: NodeStatus = await c.status();
  const latest: number = Number(st.syncInfo.latestBlockHeight);
  const tx: BroadcastTxResult = await c.broadcastTxSync(new Uint8Array([1, 2]));
  const data: Uint8Array = tx.data;
  console.log(b.block.header.chainId, b.block.data.txs.length, latest, data.length, tx.hash);
  // @ts-expect-error heights are the node's decimal strings
  const wrong: number = st.syncInfo.latestBlockHeight;
  console.log(wrong);
  // Per-call options: an AbortSignal everywhere; core's CallOptions on `call`.
  const abort = new AbortController();
  const q: AbciQueryResult = await c.abciQuery("/store/bank/key", new Uint8Array([1]), undefined, { signal: abort.signal });
  const bytes: Uint8Array = q.value;
  const height: number = Number(q.height);
  console.log(bytes.length, height, q.code === 0);
  await c.block(undefined, { signal: AbortSignal.timeout(1_000) });
  const opts: CallOptions = { priority: "high", timeoutMs: 500, bypassCache: true, signal: abort.signal };
  await c.call("net_info", {}, opts);
  // @ts-expect-error priority, timeouts and bypassCache are `call`'s options only
  await c.status({ priority: "high" });
  // @ts-expect-error a priority is "high" | "normal" | "low"
  await c.call("net_info", {}, { priority: "urgent" });
  const cs: ClientStats = c.stats();
  const ps: PoolStats = c.poolStats();
  const p50: number | null = cs.latencyP50Ms;
  const batched: number | undefined = cs.batch?.operations;
  console.log(p50, batched, cs.executor.avgLatencyMs, ps.endpoints[0]?.breaker === "half_open");
  // @ts-expect-error the cache's stats are null with `cache: false`
  const hitsNow: number = cs.cache.hits;
  console.log(hitsNow);
  const text: string = c.prometheus();
  console.log(h, pools.pools.length, text.length, c.cacheStats()?.hitRate);
  const responses: ResponseCache | null = c.cache;
  const hits: number | undefined = responses?.stats().hits;
  responses?.clearType("block");
  const cached: JsonValue | undefined = responses?.get("k", "generic");
  c.metrics.recordProtocolOperation("dex", "swap", 12, true);
  c.health.registerCheck("app", async () => true);
  console.log(hits, cached);
  // @ts-expect-error the accessors are read-only
  c.metrics = new MetricsCollector();
  c.close();
  // @ts-expect-error there is no public constructor: use MantraClient.connect
  new MantraClient();
  // @ts-expect-error endpoints are required
  await MantraClient.connect({});
  // @ts-expect-error pool durations are numbers of milliseconds
  await MantraClient.connect({ endpoints: "http://127.0.0.1:26657", pool: { acquireTimeoutMs: "2s" } });
}

void client();
