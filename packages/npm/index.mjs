// Node entry (import): the CommonJS build, re-exported by name (one instance per process).
// Every public export is listed here, in browser.mjs and in index.d.ts.
import sdk from "./index.cjs";

export const {
  BatchManager,
  CacheManager,
  HealthChecker,
  MantraClient,
  MantraError,
  ManualClock,
  MetricsCollector,
  nodeHttpTransport,
  sleepMs,
  version,
} = sdk;
