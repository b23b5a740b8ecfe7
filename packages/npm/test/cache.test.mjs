// CacheManager on the built package: core's semantics through the JS id layer (expiry in
// virtual time, LRU order, both limits, weights, stats), bad input, free/dispose.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";

import { createRequire } from "node:module";

import { CacheManager, MantraError, ManualClock } from "mantra-sdk";

// The wasm glue the package loaded (the same module instance): lets a test count the gets
// that cross into core.
const glue = createRequire(import.meta.url)("../dist/node/mantra_sdk_wasm.js");
function countCrossingGets(run) {
  const proto = glue.__CacheCore.prototype;
  const original = proto.get;
  let crossings = 0;
  proto.get = function (...args) {
    crossings++;
    return original.apply(this, args);
  };
  try {
    run();
  } finally {
    proto.get = original;
  }
  return crossings;
}

function throwsType(f, ...parts) {
  assert.throws(f, (err) => {
    assert.ok(err instanceof TypeError, `expected TypeError, got ${err}`);
    for (const p of parts) assert.match(err.message, new RegExp(p.replace(/[()[\]`.*+?]/g, "\\$&")));
    return true;
  });
}

function throwsMantra(f, code, ...parts) {
  assert.throws(f, (err) => {
    assert.ok(err instanceof MantraError, `expected MantraError, got ${err}`);
    assert.equal(err.code, code);
    for (const p of parts) assert.ok(err.message.includes(p), `${err.message} lacks ${p}`);
    return true;
  });
}

test("put/get/has/remove by type; values are stored by reference", () => {
  const c = new CacheManager();
  const v = { denom: "uom", amount: "1" };
  c.put("a", v, "pool_info");
  assert.equal(c.get("a", "pool_info"), v, "same object back");
  assert.equal(c.get("a"), undefined, "types are separate (default generic)");
  c.put("a", [1, 2]);
  assert.deepEqual(c.get("a"), [1, 2]);
  assert.equal(c.has("a", "pool_info"), true);
  assert.equal(c.len(), 2);
  assert.equal(c.size, 2);
  assert.equal(c.remove("a", "pool_info"), true);
  assert.equal(c.remove("a", "pool_info"), false);
  assert.equal(c.remove("never"), false);
  for (const value of [null, false, 0, "", "text", [], {}]) {
    c.put("v", value);
    assert.deepEqual(c.get("v"), value);
  }
  const s = c.stats();
  assert.equal(s.entries, 2);
  assert.ok(s.hits >= 9 && s.misses === 1, JSON.stringify(s));
});

test("expiry is exact on the virtual clock, per type and per entry", async () => {
  const clock = new ManualClock();
  const c = CacheManager.withClock({ defaultTtlMs: 1000, ttlByType: { block: 50 } }, clock);
  assert.equal(c.ttlMs(), 1000);
  assert.equal(c.ttlMs("block"), 50);
  c.put("a", 1);
  c.put("b", 2, "block");
  c.put("c", 3, undefined, { ttlMs: 10 });
  await clock.advance(9);
  assert.equal(c.get("c"), 3);
  await clock.advance(1);
  assert.equal(c.get("c"), undefined, "expired exactly at ttl");
  await clock.advance(39);
  assert.equal(c.get("b", "block"), 2);
  await clock.advance(1);
  assert.equal(c.get("b", "block"), undefined);
  await clock.advance(949);
  assert.equal(c.get("a"), 1);
  await clock.advance(1);
  assert.equal(c.has("a"), false);
  const s = c.stats();
  assert.equal(s.expirations, 2, "c and b expired on lookup; a is still stored");
  assert.equal(c.cleanup(), 1);
  assert.equal(c.len(), 0);
  // the freed ids are reused without aliasing
  c.put("x", "x");
  c.put("y", "y");
  assert.equal(c.get("x"), "x");
  assert.equal(c.get("y"), "y");
  assert.throws(() => c.put("z", 1, undefined, { ttlMs: 0 }), (e) => e instanceof MantraError && e.code === "invalid_argument");
  throwsType(() => c.put("z", 1, undefined, { ttl: 5 }), "CacheManager.put options has no option `ttl`");
  assert.equal(c.has("z"), false, "nothing stored");
  assert.equal(c.has("z"), false);
  clock.free();
});

test("the periodic cleanup runs on the clock and releases values", async () => {
  const clock = new ManualClock();
  const c = CacheManager.withClock({ defaultTtlMs: 100, cleanupIntervalMs: 1000 }, clock);
  for (let i = 0; i < 10; i++) c.put(`k${i}`, i);
  await clock.advance(1000);
  assert.equal(c.len(), 0, "swept by the cleanup loop");
  assert.equal(c.stats().expirations, 10);
  c.put("k1", "new");
  assert.equal(c.get("k1"), "new");
  assert.equal(c.get("k2"), undefined);
  c.close();
  clock.free();
});

test("LRU eviction under maxEntries follows recency across types", () => {
  const c = new CacheManager({ maxEntries: 3 });
  c.put("a", 1);
  c.put("b", 2, "block");
  c.put("c", 3);
  assert.equal(c.get("a"), 1); // b is now least recently used
  c.put("d", 4);
  assert.equal(c.has("b", "block"), false);
  assert.deepEqual(["a", "c", "d"].map((k) => c.get(k)), [1, 3, 4]);
  const s = c.stats();
  assert.equal(s.evictions, 1);
  assert.equal(s.evictionsCapacity, 1);
  for (let i = 0; i < 100; i++) c.put(`k${i}`, i);
  assert.equal(c.len(), 3);
  assert.deepEqual([97, 98, 99].map((i) => c.get(`k${i}`)), [97, 98, 99]);
});

test("weights: key UTF-8 bytes + compact JSON text bytes + 64, enforced by maxMemoryBytes", () => {
  const json = (v) => Buffer.byteLength(JSON.stringify(v));
  assert.equal(CacheManager.entryWeight("k", [1, 2]), 1 + "[1,2]".length + 64);
  assert.equal(CacheManager.entryWeight("é", "ü"), 2 + 4 + 64);
  assert.equal(CacheManager.entryWeight("k", { a: "\n\"", b: null }), 1 + json({ a: "\n\"", b: null }) + 64);
  assert.equal(CacheManager.entryWeight("k", "\u0001\b"), 1 + '"\\u0001\\b"'.length + 64, "serde_json's escapes");
  assert.equal(CacheManager.entryWeight("k", "🚀"), 1 + 6 + 64, "a surrogate pair is 4 UTF-8 bytes");
  assert.equal(CacheManager.entryWeight("k", { a: undefined }), 1 + 2 + 64, "undefined members are skipped, as in JSON");
  assert.equal(CacheManager.entryWeight("k", [undefined]), 1 + "[null]".length + 64, "undefined items count as null");
  assert.equal(CacheManager.entryWeight("k", -123456789), 1 + 10 + 64, "safe integers weigh their digits");
  assert.equal(CacheManager.entryWeight("k", 1.5), 1 + 3 + 64, "floats as serde_json prints them");
  assert.equal(CacheManager.entryWeight("k", 1e21), 1 + 5 + 64, "serde_json's text for 1e21 is 5 bytes (the Python binding charges the same)");
  const nested = { pool: { assets: [{ denom: "uom", amount: "1" }, { denom: "uusdc", amount: "2" }] }, ok: true, n: 0.25 };
  assert.equal(CacheManager.entryWeight("k", nested), 1 + json(nested) + 64, "= JSON.stringify's UTF-8 length");
  const small = CacheManager.entryWeight("s0", "x".repeat(100));
  const c = new CacheManager({ maxMemoryBytes: 5 * small });
  for (let i = 0; i < 5; i++) c.put(`s${i}`, "x".repeat(100));
  assert.equal(c.stats().memoryBytes, 5 * small);
  // needs the room of three small entries
  const big = "y".repeat(3 * small - 64 - 3 - 2);
  assert.equal(CacheManager.entryWeight("big", big), 3 * small);
  c.put("big", big);
  const s = c.stats();
  assert.equal(s.evictionsSize, 3);
  assert.equal(s.memoryBytes, 5 * small);
  assert.deepEqual([0, 1, 2, 3, 4].map((i) => c.has(`s${i}`)), [false, false, false, true, true]);
  // too heavy alone: refused, the old value under the key removed, counted
  throwsMantra(() => c.put("s3", "z".repeat(6 * small)), "capacity_exceeded", "max_memory_bytes");
  assert.equal(c.get("s3"), undefined);
  assert.equal(c.stats().rejected, 1);
  throwsMantra(() => c.put("new", "z".repeat(6 * small)), "capacity_exceeded");
  assert.equal(c.has("new"), false);
  c.put("new", 1);
  assert.equal(c.get("new"), 1, "a refused key can be stored later");
});

test("clear and clearType release everything they remove", () => {
  const c = new CacheManager();
  for (let i = 0; i < 10; i++) {
    c.put(`k${i}`, i, "balance");
    c.put(`k${i}`, -i, "block");
  }
  assert.equal(c.clearType("balance"), 10);
  assert.equal(c.get("k1", "balance"), undefined);
  assert.equal(c.get("k1", "block"), -1);
  c.clear();
  assert.equal(c.len(), 0);
  assert.equal(c.get("k1", "block"), undefined);
  c.put("k1", "again", "block");
  assert.equal(c.get("k1", "block"), "again");
  c.resetStats();
  assert.equal(c.stats().hits, 0);
});

test("getOrFetch: one fetch for concurrent callers; errors reach all and are not cached", async () => {
  const c = new CacheManager();
  let calls = 0;
  let release;
  const gate = new Promise((r) => (release = r));
  const fetcher = async () => {
    calls++;
    await gate;
    return { n: calls };
  };
  const all = Promise.all([1, 2, 3].map(() => c.getOrFetch("k", "node_status", fetcher)));
  release();
  assert.deepEqual(await all, [{ n: 1 }, { n: 1 }, { n: 1 }]);
  assert.equal(calls, 1);
  assert.deepEqual(c.get("k", "node_status"), { n: 1 });
  assert.deepEqual(await c.getOrFetch("k", "node_status", fetcher), { n: 1 }, "cached");
  assert.equal(calls, 1);

  let fails = 0;
  const failing = async () => {
    fails++;
    throw new MantraError("transport", "node down", { status: 503 });
  };
  const errs = await Promise.allSettled([c.getOrFetch("e", undefined, failing), c.getOrFetch("e", undefined, failing)]);
  assert.deepEqual(errs.map((r) => r.status), ["rejected", "rejected"]);
  assert.equal(errs[0].reason.code, "transport");
  assert.equal(errs[0].reason.status, 503);
  assert.equal(fails, 1);
  assert.equal(c.has("e"), false);
  const plain = await c.getOrFetch("p", undefined, () => {
    throw new Error("boom");
  }).catch((e) => e);
  assert.ok(plain instanceof MantraError);
  assert.equal(plain.code, "host");
  assert.match(plain.message, /boom/);
  // too heavy to cache: returned anyway
  const tiny = new CacheManager({ maxMemoryBytes: 100 });
  assert.equal(await tiny.getOrFetch("big", undefined, () => "x".repeat(500)), "x".repeat(500));
  assert.equal(tiny.len(), 0);
  assert.equal(tiny.stats().rejected, 1);
});

test("bad input: TypeError for wrong types, MantraError for bad values, never a trap", async () => {
  const c = new CacheManager();
  throwsType(() => c.get(1), "CacheManager.get: key must be a string, got number 1");
  throwsType(() => c.put({}, 1), "key must be a string, got object");
  throwsType(() => c.put("k", undefined), "must be a JSON-compatible value, got undefined");
  throwsType(() => c.put("k", () => 1), "got function");
  throwsType(() => c.put("k", 10n), "JSON-compatible", "got bigint");
  throwsType(() => c.put("k", { f: () => 1 }), "got function");
  const cyclic = {};
  cyclic.self = cyclic;
  throwsMantra(() => c.put("k", cyclic), "invalid_argument", "nested deeper than 128 levels (or cyclic)");
  throwsMantra(() => c.put("k", [1, NaN]), "invalid_argument", "NaN is not a JSON number");
  throwsMantra(() => c.put("k", Infinity), "invalid_argument", "Infinity");
  throwsType(() => c.get("k", 5), "type must be a string", "pool_info");
  throwsMantra(() => c.get("k", "blocks"), "invalid_argument", "unknown cache type `blocks`", "pool_info");
  throwsType(() => c.put("k", 1, undefined, 5), "options must be an object");
  throwsType(() => c.clearType(), "type is required");
  const r = c.getOrFetch("k", "generic", 42);
  assert.ok(r instanceof Promise);
  await assert.rejects(r, (e) => e instanceof TypeError && /fetcher must be a function, got number 42/.test(e.message));
  await assert.rejects(c.getOrFetch(1, undefined, () => 1), TypeError);
  assert.equal(c.len(), 0, "nothing stored by failed calls");
});

test("bad config: TypeError for types and unknown options, invalid_config naming the option", () => {
  throwsType(() => new CacheManager(5), "CacheManager config must be an object, got number 5");
  throwsType(() => new CacheManager({ maxEntry: 1 }), "no option `maxEntry`", "maxEntries");
  throwsType(() => new CacheManager({ maxEntries: "10" }), "`maxEntries` must be a number");
  throwsType(() => new CacheManager({ ttlByType: { blocks: 1 } }), "no option `blocks`");
  throwsType(() => new CacheManager({ ttlByType: { block: "1h" } }), "`ttlByType` option `block` must be a number of milliseconds");
  for (const [config, field] of [
    [{ maxEntries: 0 }, "maxEntries"],
    [{ maxEntries: 1.5 }, "maxEntries"],
    [{ maxMemoryBytes: 0 }, "maxMemoryBytes"],
    [{ defaultTtlMs: 0 }, "defaultTtlMs"],
    [{ defaultTtlMs: -1 }, "defaultTtlMs"],
    [{ cleanupIntervalMs: NaN }, "cleanupIntervalMs"],
    [{ ttlByType: { block: 0 } }, "ttlByType"],
    [{ ttlByType: { block: -1 } }, "ttlByType"],
    [{ ttlByType: { node_status: NaN } }, "ttlByType"],
    [{ ttlByType: { simulation: 1e300 } }, "ttlByType"],
  ]) {
    assert.throws(() => new CacheManager(config), (e) => {
      assert.ok(e instanceof MantraError, `${JSON.stringify(config)}: ${e}`);
      assert.equal(e.code, "invalid_config");
      assert.equal(e.field, field);
      assert.ok(e.message.includes(`\`${field}\``), e.message);
      return true;
    });
  }
  assert.doesNotThrow(() => new CacheManager(null).free());
});

test("free() and Symbol.dispose: idempotent, later calls throw closed", () => {
  const c = new CacheManager();
  c.put("a", 1);
  c.free();
  c.free();
  throwsMantra(() => c.get("a"), "closed", "CacheManager.get", "freed");
  throwsMantra(() => c.put("a", 1), "closed");
  throwsMantra(() => c.stats(), "closed");
  assert.throws(() => c.size, (e) => e.code === "closed");
  const d = new CacheManager();
  d.put("x", 1);
  assert.equal(typeof d[Symbol.dispose], "function");
  d[Symbol.dispose]();
  throwsMantra(() => d.get("x"), "closed");
});

test("many keys: ids are recycled, the JS tables stay bounded", () => {
  const c = new CacheManager({ maxEntries: 100 });
  for (let i = 0; i < 20000; i++) {
    c.put(`key-${i}`, i);
    if (i % 3 === 0) assert.equal(c.get(`key-${i - 150}`), undefined, "long evicted");
  }
  assert.equal(c.len(), 100);
  for (let i = 19900; i < 20000; i++) assert.equal(c.get(`key-${i}`), i);
  const s = c.stats();
  assert.equal(s.evictions, 19900);
  assert.equal(s.misses, 6667);
});

// Hits on the real clock are served in JS from core's published expiry deadlines and
// replayed into core (recency, counters) before any other operation: these tests pin that
// the outcome is core's — the buffer's and the read budget's edges, expiry inside a
// synchronous loop, detached views after wasm memory grows.
test("hits served in JS: stats and LRU order are core's, across types and buffer refills", () => {
  const c = new CacheManager({ maxEntries: 3 });
  c.put("a", 1);
  c.put("b", 2, "block");
  c.put("c", 3);
  // More hits than the read buffer (256) and the clock reading's read budget (64) hold;
  // a get crosses into core only when the reading's reads run out (or the buffer fills).
  const crossings = countCrossingGets(() => {
    for (let i = 0; i < 1000; i++) assert.equal(c.get("a"), 1);
    assert.equal(c.get("b", "block"), 2);
    for (let i = 0; i < 300; i++) assert.equal(c.get("c"), 3);
  });
  assert.ok(crossings <= 1301 / 32, `${crossings} of 1301 hits crossed into core`);
  let s = c.stats();
  assert.equal(s.hits, 1301);
  assert.equal(s.misses, 0);
  // Recency now: a < b < c. Each put evicts the least recently read.
  c.put("d", 4);
  assert.equal(c.has("a"), false);
  c.put("e", 5);
  assert.equal(c.has("b", "block"), false);
  assert.deepEqual(["c", "d", "e"].map((k) => c.get(k)), [3, 4, 5]);
  s = c.stats();
  assert.equal(s.hits, 1304);
  assert.equal(s.evictionsCapacity, 2);
  c.resetStats();
  assert.equal(c.get("e"), 5);
  assert.equal(c.stats().hits, 1, "hits before resetStats are not carried over");
  c.remove("e");
  assert.equal(c.get("e"), undefined);
  c.clear();
  assert.equal(c.get("c"), undefined);
  s = c.stats();
  assert.equal(s.hits, 1);
  assert.equal(s.misses, 2);
});

test("hits served in JS: an expired entry is a miss within one read budget, even in a synchronous loop", () => {
  const c = new CacheManager();
  c.put("long", "x", undefined, { ttlMs: 60_000 });
  c.put("short", "y", undefined, { ttlMs: 5 });
  assert.equal(c.get("long"), "x");
  assert.equal(c.get("short"), "y");
  // Past this, the entry has expired by core's clock (its deadline is the coarse reading at
  // the put — not later than now — plus the TTL).
  const expired = performance.now() + 5;
  // No timer can fire in this loop: only the read budget (64 reads of one reading, core's
  // and JS's together) makes core take a new reading. So once the entry has expired, at
  // most 64 more reads may still serve it.
  let hits = 0;
  let firstLate = -1;
  let firstMiss = -1;
  for (let i = 0; firstMiss < 0 && i < 50_000_000; i++) {
    if (firstLate < 0 && performance.now() > expired) firstLate = i;
    // `has` takes reads from the same budget (and counts nothing).
    const live = c.has("short");
    if (c.get("short") === undefined) firstMiss = i;
    else hits++;
    assert.ok(live || firstMiss === i, "has() said gone, then get() served it");
  }
  assert.ok(firstMiss >= 0, "never expired");
  // (It may expire before `expired`: the reading at the put may have been older than now.)
  if (firstLate >= 0) {
    // Two reads per round: at most 64 reads, 32 rounds.
    assert.ok(firstMiss - firstLate <= 32, `served ${firstMiss - firstLate} rounds after its expiry`);
  }
  assert.equal(c.has("short"), false);
  assert.equal(c.get("long"), "x");
  const s = c.stats();
  assert.equal(s.expirations, 1);
  assert.equal(s.hits, 3 + hits);
});

test("hits served in JS survive wasm memory growth and deadline growth", () => {
  const small = new CacheManager({ maxEntries: 1000 });
  for (let i = 0; i < 100; i++) small.put(`k${i}`, i);
  for (let i = 0; i < 100; i++) assert.equal(small.get(`k${i}`), i);
  // Another cache's 200k entries grow wasm memory (detaching every view of it) and its
  // own deadlines several times.
  const big = new CacheManager({ maxEntries: 300_000, maxMemoryBytes: 1 << 30 });
  for (let i = 0; i < 200_000; i++) big.put(`b${i}`, i);
  for (let i = 0; i < 200_000; i += 997) assert.equal(big.get(`b${i}`), i);
  // The first get finds its views detached, crosses and re-reads them; the rest are served.
  const crossings = countCrossingGets(() => {
    for (let i = 0; i < 100; i++) assert.equal(small.get(`k${i}`), i);
  });
  assert.ok(crossings <= 1 + 100 / 32, `${crossings} of 100 hits crossed into core`);
  assert.equal(small.stats().hits, 200);
  assert.equal(big.stats().hits, Math.ceil(200_000 / 997));
  big.free();
  for (let i = 0; i < 100; i++) assert.equal(small.get(`k${i}`), i);
  assert.equal(small.stats().hits, 300);
});

test("a refused put keeps JS and core in step: a bad TTL keeps the old entry, a too-heavy value removes it", () => {
  const c = new CacheManager({ maxMemoryBytes: 1000 });
  c.put("x", 1);
  assert.throws(() => c.put("x", 2, undefined, { ttlMs: 0 }), MantraError);
  assert.throws(() => c.put("x", 3, undefined, { ttlMs: -1 }), MantraError);
  assert.equal(c.get("x"), 1, "core kept the old entry, and so does JS");
  assert.equal(c.len(), 1);
  // A new key refused for its TTL leaves nothing behind.
  assert.throws(() => c.put("n", 4, undefined, { ttlMs: Number.NaN }), MantraError);
  assert.equal(c.has("n"), false);
  c.put("y", 5, "block");
  assert.equal(c.clearType("generic"), 1);
  assert.equal(c.get("x"), undefined);
  assert.equal(c.get("y", "block"), 5);
  assert.equal(c.len(), 1);
  // Too heavy for the whole budget: refused, and the old value under the key is gone.
  assert.throws(() => c.put("y", "z".repeat(2000), "block"), (e) => e.code === "capacity_exceeded");
  assert.equal(c.get("y", "block"), undefined);
  assert.equal(c.len(), 0);
  c.put("y", 6, "block");
  assert.equal(c.get("y", "block"), 6);
});

test("a host without `performance`: core's clock never goes back with a wall clock set back", () => {
  // Core reads `Date.now()` when the host has no `performance`; a wall clock set back must
  // not bring an expired entry back to life (in core or on the hit path in JS).
  const script = `
    delete globalThis.performance;
    let fake = 1_000_000;
    Date.now = () => fake;
    const { CacheManager } = await import(${JSON.stringify(new URL("../index.mjs", import.meta.url).href)});
    const stale = () => new Promise((r) => setTimeout(r, 10)); // the coarse reading lasts 1 ms
    const c = new CacheManager();
    c.put("k", "v", undefined, { ttlMs: 50 });
    const fresh = c.get("k");
    fake += 100; // past k's expiry
    await stale();
    c.put("other", 1); // core reads the clock; k is not looked at
    fake -= 90; // the wall clock is set back, to before k's expiry
    await stale();
    console.log(JSON.stringify({ fresh, late: c.get("k") ?? null, expirations: c.stats().expirations }));
  `;
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8", timeout: 30_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), { fresh: "v", late: null, expirations: 1 });
});

test("a host without `performance`: a sleep started after the wall clock is set back ends on time", () => {
  // The clock keeps running from where it was (it does not wait for the wall clock to catch up).
  const script = `
    delete globalThis.performance;
    const wall = Date.now.bind(Date);
    let shift = 0;
    Date.now = () => wall() + shift;
    const { sleepMs } = await import(${JSON.stringify(new URL("../index.mjs", import.meta.url).href)});
    await sleepMs(5);
    shift = -3_000; // the wall clock is set back 3 s
    const started = process.hrtime.bigint();
    await sleepMs(20);
    console.log(JSON.stringify({ ms: Number(process.hrtime.bigint() - started) / 1e6 }));
  `;
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8", timeout: 30_000 });
  assert.equal(r.status, 0, r.stderr);
  const { ms } = JSON.parse(r.stdout);
  // (≥ 18: `Date.now()` has whole milliseconds; < 1 500: not the 3 s step.)
  assert.ok(ms >= 18 && ms < 1_500, `a 20 ms sleep took ${ms} ms`);
});
