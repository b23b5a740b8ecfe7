// Browser / bundler / Deno entry: the ES-module build. The wasm is fetched from next to the
// glue (`new URL("mantra_sdk_wasm_bg.wasm", import.meta.url)`, which bundlers understand)
// and instantiated before this module finishes loading (top-level await).
// Every public export is listed here, in index.mjs and in index.d.ts.
import init, * as wasm from "./dist/web/mantra_sdk_wasm.js";
import { createSdk } from "./lib/sdk.mjs";

await init();

const { api } = createSdk(wasm);
// Node only (node-http.cjs): here it throws (browsers use the default fetch transport).
api.nodeHttpTransport = Object.defineProperty(
  function nodeHttpTransport() {
    throw new api.MantraError(
      "invalid_argument",
      "nodeHttpTransport needs Node's node:http; in browsers the default fetch transport is used",
    );
  },
  "name",
  { value: "nodeHttpTransport" }, // kept by minifiers too
);
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
} = api;
