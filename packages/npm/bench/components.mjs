// Side-by-side micro-benchmarks of the npm package against the usual JS libraries, in one
// process and one run (`make bench-npm`): the cache vs lru-cache, metrics vs prom-client.
// Each round times every contender on the same workload, alternating order; the table
// reports each contender's median ns/op and the median of the per-round ratios (ours /
// theirs), so machine load affects both sides of a ratio alike.
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const { LRUCache } = require("lru-cache");
const prom = require("prom-client");
const { CacheManager, MetricsCollector } = require("mantra-sdk");

const ROUNDS = Number(process.env.ROUNDS || 15);
const N = Number(process.env.OPS || 200_000);
const K = 10_000; // keys = max entries (a full cache, no eviction) unless stated
const TTL = 300_000;

function time(fn) {
  const t0 = process.hrtime.bigint();
  fn(N);
  return Number(process.hrtime.bigint() - t0) / N;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Runs `ours` and each of `theirs` per round; returns medians and median ratios. */
function compare(name, ours, theirs) {
  const samples = { ours: [] };
  for (const k of Object.keys(theirs)) samples[k] = [];
  const ratios = Object.fromEntries(Object.keys(theirs).map((k) => [k, []]));
  // warm-up (JIT)
  ours(N);
  for (const f of Object.values(theirs)) f(N);
  for (let r = 0; r < ROUNDS; r++) {
    const order = r % 2 === 0 ? ["ours", ...Object.keys(theirs)] : [...Object.keys(theirs), "ours"];
    const t = {};
    for (const who of order) t[who] = time(who === "ours" ? ours : theirs[who]);
    samples.ours.push(t.ours);
    for (const k of Object.keys(theirs)) {
      samples[k].push(t[k]);
      ratios[k].push(t.ours / t[k]);
    }
  }
  const row = { name, ours: median(samples.ours) };
  for (const k of Object.keys(theirs)) {
    row[k] = median(samples[k]);
    row[`ratio vs ${k}`] = median(ratios[k]);
  }
  return row;
}

const keys = Array.from({ length: 4 * K }, (_, i) => `pool:${i}`);
const value = { denom: "uom", amount: "123456789" };

// --- cache -----------------------------------------------------------------------------
const ours = new CacheManager({ maxEntries: K, defaultTtlMs: TTL });
const lru = new LRUCache({ max: K, ttl: TTL });
const lruSized = new LRUCache({
  max: K,
  ttl: TTL,
  maxSize: 100 * 1024 * 1024,
  sizeCalculation: (v) => JSON.stringify(v).length, // a byte budget, as ours enforces
});
for (let i = 0; i < K; i++) {
  ours.put(keys[i], value);
  lru.set(keys[i], value);
  lruSized.set(keys[i], value);
}

const rows = [];
rows.push(compare("cache get (hit, 10k keys)", (n) => {
  let s = 0;
  for (let i = 0; i < n; i++) if (ours.get(keys[i % K]) !== undefined) s++;
  return s;
}, {
  "lru-cache": (n) => {
    let s = 0;
    for (let i = 0; i < n; i++) if (lru.get(keys[i % K]) !== undefined) s++;
    return s;
  },
}));
rows.push(compare("cache put (replace, 10k keys)", (n) => {
  for (let i = 0; i < n; i++) ours.put(keys[i % K], value);
}, {
  "lru-cache": (n) => {
    for (let i = 0; i < n; i++) lru.set(keys[i % K], value);
  },
  "lru-cache+size": (n) => {
    for (let i = 0; i < n; i++) lruSized.set(keys[i % K], value);
  },
}));
rows.push(compare("cache put (new keys, evicting)", (n) => {
  for (let i = 0; i < n; i++) ours.put(keys[i % (4 * K)], value);
}, {
  "lru-cache": (n) => {
    for (let i = 0; i < n; i++) lru.set(keys[i % (4 * K)], value);
  },
  "lru-cache+size": (n) => {
    for (let i = 0; i < n; i++) lruSized.set(keys[i % (4 * K)], value);
  },
}));

// --- metrics ---------------------------------------------------------------------------
const metrics = new MetricsCollector({ enableProcessMetrics: false });
const hist = new prom.Histogram({
  name: "rpc_duration_seconds",
  help: "RPC latency",
  labelNames: ["protocol", "operation"],
});
const OPS = ["status", "block", "abci_query", "broadcast_tx_sync"];
rows.push(compare("metrics record (2 labels)", (n) => {
  for (let i = 0; i < n; i++) metrics.recordProtocolOperation("rpc", OPS[i & 3], 12.5, true);
}, {
  "prom-client": (n) => {
    for (let i = 0; i < n; i++) hist.observe({ protocol: "rpc", operation: OPS[i & 3] }, 0.0125);
  },
}));

const fmt = (x) => (x < 10 ? x.toFixed(2) : x.toFixed(1));
console.log(`# mantra-sdk npm components vs JS libraries — Node ${process.version}, ${ROUNDS} rounds × ${N} ops`);
console.log("| benchmark | ours ns/op | theirs ns/op | ratio (ours/theirs) |");
console.log("|---|---:|---:|---:|");
for (const r of rows) {
  for (const k of Object.keys(r).filter((k) => !["name", "ours"].includes(k) && !k.startsWith("ratio"))) {
    console.log(`| ${r.name} vs ${k} | ${fmt(r.ours)} | ${fmt(r[k])} | ${r[`ratio vs ${k}`].toFixed(2)}× |`);
  }
}
