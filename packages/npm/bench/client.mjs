// `make bench-npm-client`: 1000 concurrent `abci_query` calls on the real node, the npm
// package's MantraClient (Node build) with its default transport (the global fetch) and with
// `nodeHttpTransport()` (node:http, keep-alive), vs CosmJS `Comet38Client` over
// `HttpBatchClient { batchSizeLimit: 10 }` (CometBFT's max_request_batch_size is 10), side by
// side in one process, rotating which goes first each round (BENCHMARKS.md, "npm").
//
// Env: MANTRA_RPC_1 (node URL, from .devnet/env), N (calls per round, default 1000),
// ROUNDS (default 7). Every call queries its own key, so nothing is served from a cache.
// Prints a table and one `BENCH {json}` line with the medians and the median of the
// per-round ratios.
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import path from "node:path";

const here = path.dirname(fileURLToPath(import.meta.url));
const requireCosmjs = createRequire(path.join(here, "../../../bench/cosmjs/package.json"));
const { Comet38Client, HttpBatchClient } = requireCosmjs("@cosmjs/tendermint-rpc");
const { MantraClient, nodeHttpTransport } = await import("../index.mjs");

const url = process.env.MANTRA_RPC_1 || "http://127.0.0.1:26657";
const n = Number(process.env.N || 1000);
const rounds = Number(process.env.ROUNDS || 7);
const enc = new TextEncoder();

// CPU (this process: the JS thread, GC and libuv threads) per call of the last timed round.
const cpuPerCall = {};

async function timeRound(label, query, name) {
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  const results = await Promise.allSettled(Array.from({ length: n }, (_, i) => query(`${label}-${i}`)));
  const ms = performance.now() - start;
  const cpu = process.cpuUsage(cpu0);
  if (name) (cpuPerCall[name] ??= []).push((cpu.user + cpu.system) / n);
  const failed = results.filter((r) => r.status === "rejected");
  if (failed.length) throw new Error(`${label}: ${failed.length} of ${n} calls failed: ${failed[0].reason}`);
  return (n / ms) * 1e3;
}

// The ceiling: the least a JS client can do for the same calls — batches of 10 encoded with
// JSON.stringify, sent over the package's lean HTTP/1.1 client (node-wire.cjs), replies
// parsed with JSON.parse; no cache, retries, metrics or pool. What it reaches is what the
// node (sharing this machine) can serve; no client can go faster here.
const { createWireClient } = createRequire(import.meta.url)("../node-wire.cjs");
const wire = createWireClient(64);
const wireUrl = new URL(url);
let pending = [];
function flushCeiling() {
  if (pending.length === 0) return;
  const batch = pending;
  pending = [];
  const body = Buffer.from(
    JSON.stringify(
      batch.map((c, id) => ({ jsonrpc: "2.0", id, method: "abci_query", params: { path: "/key", data: Buffer.from(c.key).toString("hex"), height: "0", prove: false } })),
    ),
  );
  const headers = { "content-type": "application/json", "content-length": String(body.length) };
  wire(wireUrl, "POST", headers, body, 30_000, () => new Error("timeout")).then(
    (res) => {
      for (const r of JSON.parse(res.body.toString("utf8"))) batch[r.id].resolve(r.result);
    },
    (e) => batch.forEach((c) => c.reject(e)),
  );
}
function ceiling(key) {
  return new Promise((resolve, reject) => {
    pending.push({ key, resolve, reject });
    if (pending.length === 10) flushCeiling();
    else if (pending.length === 1) queueMicrotask(flushCeiling);
  });
}

const cosmjs = Comet38Client.create(new HttpBatchClient(url, { batchSizeLimit: 10, dispatchInterval: 20 }));
const ours = await MantraClient.connect({ endpoints: [url] });
const oursHttp = await MantraClient.connect({ endpoints: [url], transport: nodeHttpTransport() });
const contenders = {
  cosmjs: (key) => cosmjs.abciQuery({ path: "/key", data: enc.encode(key) }),
  ours: (key) => ours.abciQuery("/key", enc.encode(key)),
  oursHttp: (key) => oursHttp.abciQuery("/key", enc.encode(key)),
  ceiling,
};
const names = Object.keys(contenders);

// Warm-up: connections, JIT.
for (const [name, q] of Object.entries(contenders)) await timeRound(`warm-${name}`, q);

const rates = { cosmjs: [], ours: [], oursHttp: [], ceiling: [] };
const ratios = { ours: [], oursHttp: [], ceiling: [] };
for (let r = 0; r < rounds; r++) {
  const order = names.map((_, i) => names[(i + r) % names.length]);
  const got = {};
  for (const name of order) got[name] = await timeRound(`${name}-${process.pid}-${r}`, contenders[name], name);
  for (const name of names) rates[name].push(got[name]);
  ratios.ours.push(got.ours / got.cosmjs);
  ratios.oursHttp.push(got.oursHttp / got.cosmjs);
  ratios.ceiling.push(got.ceiling / got.cosmjs);
}
ours.close();
oursHttp.close();
cosmjs.disconnect();

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const best = (xs) => Math.max(...xs);
console.log(`${n} concurrent abci_query on ${url}, ${rounds} rounds (calls/s)`);
console.log(`  CosmJS HttpBatchClient(10): median ${median(rates.cosmjs).toFixed(0)}, best ${best(rates.cosmjs).toFixed(0)}`);
console.log(`  mantra-sdk, fetch (default): median ${median(rates.ours).toFixed(0)}, best ${best(rates.ours).toFixed(0)}`);
console.log(`  mantra-sdk, nodeHttpTransport: median ${median(rates.oursHttp).toFixed(0)}, best ${best(rates.oursHttp).toFixed(0)}`);
console.log(`  ceiling (no SDK: raw batches over node-wire): median ${median(rates.ceiling).toFixed(0)}, best ${best(rates.ceiling).toFixed(0)}`);
console.log(
  `  ratio vs CosmJS (median of per-round ratios): fetch ${median(ratios.ours).toFixed(2)}x, ` +
    `nodeHttpTransport ${median(ratios.oursHttp).toFixed(2)}x, ceiling ${median(ratios.ceiling).toFixed(2)}x`,
);
console.log(
  `  client CPU per call (µs, median): CosmJS ${median(cpuPerCall.cosmjs).toFixed(1)}, ` +
    `fetch ${median(cpuPerCall.ours).toFixed(1)}, nodeHttpTransport ${median(cpuPerCall.oursHttp).toFixed(1)}, ` +
    `ceiling ${median(cpuPerCall.ceiling).toFixed(1)}`,
);
console.log(
  `BENCH ${JSON.stringify({
    bench: "npm_client_concurrent",
    calls: n,
    rounds,
    cosmjs_median: median(rates.cosmjs),
    ours_median: median(rates.ours),
    ratio_median: median(ratios.ours),
    ours_node_http_median: median(rates.oursHttp),
    ratio_node_http_median: median(ratios.oursHttp),
    ceiling_median: median(rates.ceiling),
    ratio_ceiling_median: median(ratios.ceiling),
    cpu_us_per_call: Object.fromEntries(names.map((k) => [k, median(cpuPerCall[k])])),
  })}`,
);
