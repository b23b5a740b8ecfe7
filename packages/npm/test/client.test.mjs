// MantraClient with a custom JS transport playing a CometBFT node (answers from the real
// node fixtures in core/tests/fixtures/rpc): methods, batching on the wire, cache, metrics.
// (Devnet integration tests against a live node are not written yet; see the report.)
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import { MantraClient, MantraError } from "mantra-sdk";

const FIX = new URL("../../../core/tests/fixtures/rpc/", import.meta.url);
const result = (name) => JSON.parse(readFileSync(new URL(name, FIX), "utf8")).result;

function fakeNode() {
  const posts = [];
  const answer = (r) => {
    const ok = (res) => ({ jsonrpc: "2.0", id: r.id, result: res });
    switch (r.method) {
      case "health": return ok({});
      case "status": return ok(result("status.200.json"));
      case "block": return ok(result("block.200.json"));
      case "broadcast_tx_sync": return ok(result("broadcast_tx_sync.200.json"));
      case "abci_query": return ok({ response: { code: 0, log: "exists", key: "", value: Buffer.from(r.params.data ?? "", "hex").toString("base64"), height: "7" } });
      case "fail": return { jsonrpc: "2.0", id: r.id, error: { code: -32601, message: "Method not found", data: "fail" } };
      default: return ok({ method: r.method, params: r.params });
    }
  };
  const transport = async (req) => {
    assert.equal(typeof req.url, "string");
    if (req.method === "GET") {
      const res = req.url.endsWith("/status") ? result("status.200.json") : {};
      return { status: 200, body: JSON.stringify({ jsonrpc: "2.0", id: -1, result: res }) };
    }
    const body = JSON.parse(req.body);
    posts.push(body);
    const out = Array.isArray(body) ? (body.length === 1 ? answer(body[0]) : body.map(answer)) : answer(body);
    return { status: 200, body: JSON.stringify(out), headers: {} };
  };
  return { transport, posts };
}

test("results keep their shape: typed replies camelCased, raw JSON and user keys verbatim", async () => {
  const node = fakeNode();
  const client = await MantraClient.connect({ endpoints: ["http://node.test:26657"], cache: false, transport: node.transport });
  const status = await client.status();
  const raw = result("status.200.json");
  assert.equal(status.syncInfo.latestBlockHeight, raw.sync_info.latest_block_height);
  assert.equal(status.nodeInfo.protocolVersion.p2p, raw.node_info.protocol_version.p2p);
  assert.equal(status.nodeInfo.other.txIndex, raw.node_info.other.tx_index);
  assert.equal(status.sync_info, undefined);
  const q = await client.abciQuery("/key", new Uint8Array([0x61, 0x62]));
  // key and value as bytes (the node sends base64), heights as the node's decimal strings
  assert.deepEqual(q, { code: 0, log: "exists", info: "", index: "0", key: new Uint8Array(), value: new Uint8Array([0x61, 0x62]), height: "7", codespace: "" });
  assert.ok(q.value instanceof Uint8Array);
  const user = { snake_key: [1, -2.5, 1e21, null, true], "with \"quote\" and é": { __proto__x: "x", n_1: "\u0000" } };
  const echoed = await client.call("echo_method", user);
  assert.deepEqual(echoed, { method: "echo_method", params: user });
  client.close();
});

test("methods through a custom transport; core decodes, caches and records metrics", async () => {
  const node = fakeNode();
  const client = await MantraClient.connect({ endpoints: ["http://node.test:26657"], transport: node.transport });
  const status = await client.status();
  assert.ok(Number(status.syncInfo.latestBlockHeight) > 0, "sync info decoded");
  assert.ok(status.nodeInfo.network, "node info decoded");
  const again = await client.status();
  assert.deepEqual(again, status);
  const block = await client.block();
  assert.ok(block.block, "block decoded");
  const sent = await client.broadcastTxSync(new Uint8Array([1, 2, 3]));
  const raw = result("broadcast_tx_sync.200.json");
  assert.ok(sent.data instanceof Uint8Array, "data as bytes");
  assert.deepEqual(sent.data, new Uint8Array(Buffer.from(raw.data, "base64")));
  assert.equal(sent.hash, raw.hash);
  const echoed = await client.call("net_info", { a: 1 });
  assert.deepEqual(echoed, { method: "net_info", params: { a: 1 } });
  const q = await client.abciQuery("/store/bank/key", new Uint8Array([0xab]));
  assert.equal(q.code, 0);
  const err = await client.call("fail", {}).catch((e) => e);
  assert.ok(err instanceof MantraError);
  assert.equal(err.code, "rpc");
  assert.equal(err.rpcCode, -32601);
  await client.healthCheck();
  const text = client.prometheus();
  assert.match(text, /mantra_protocol_operations_total\{[^}]*status="success"\} \d+/);
  const cs = client.cacheStats();
  assert.ok(cs.hits >= 1, `status served from the cache: ${JSON.stringify(cs)}`);
  assert.ok(typeof client.poolStats() === "object");
  assert.ok(typeof client.stats() === "object");
  client.close();
  assert.equal(client.isClosed, true);
});

test("concurrent calls go out as one JSON-RPC batch", async () => {
  const node = fakeNode();
  const client = await MantraClient.connect({ endpoints: "http://node.test:26657", transport: node.transport, cache: false });
  const results = await Promise.all(["a", "b", "c", "d"].map((m) => client.call(m, { m })));
  assert.deepEqual(results.map((r) => r.method), ["a", "b", "c", "d"]);
  const batches = node.posts.filter((p) => Array.isArray(p) && p.length > 1);
  assert.ok(batches.length >= 1, `posts: ${JSON.stringify(node.posts)}`);
  client.close();
});

test("bad config and arguments", async () => {
  await assert.rejects(MantraClient.connect({ endpoints: [] }), (e) => e instanceof MantraError && e.code === "invalid_config");
  await assert.rejects(MantraClient.connect({ endpoints: ["http://x"], transport: 5 }), TypeError);
  await assert.rejects(MantraClient.connect({ endpoint: "http://x" }), /no option `endpoint`/);
  const node = fakeNode();
  const client = await MantraClient.connect({ endpoints: ["http://node.test:26657"], transport: node.transport });
  await assert.rejects(client.block(0), (e) => e.code === "invalid_argument");
  await assert.rejects(client.block("1"), TypeError);
  await assert.rejects(client.call(1), TypeError);
  await assert.rejects(client.broadcastTxSync(5), TypeError);
  client.close();
});

test("the pool option bounds the requests in flight per endpoint", async () => {
  // A node that answers each POST after 20 ms, counting how many are in flight at once.
  function slowNode() {
    const node = fakeNode();
    const seen = { now: 0, max: 0 };
    const transport = async (req) => {
      if (req.method !== "POST") return node.transport(req);
      seen.now++;
      seen.max = Math.max(seen.max, seen.now);
      await new Promise((r) => setTimeout(r, 20));
      seen.now--;
      return node.transport(req);
    };
    return { transport, seen };
  }
  const calls = (client) => Promise.all(Array.from({ length: 8 }, (_, i) => client.call(`m${i}`, { i })));
  const bounded = slowNode();
  const client = await MantraClient.connect({
    endpoints: ["http://node.test:26657"],
    transport: bounded.transport,
    cache: false,
    batch: false,
    pool: { maxConnections: 2, minConnections: 1, acquireTimeoutMs: 5_000, connectionTimeoutMs: 5_000 },
  });
  const results = await calls(client);
  assert.deepEqual(results.map((r) => r.method), ["m0", "m1", "m2", "m3", "m4", "m5", "m6", "m7"]);
  assert.equal(bounded.seen.max, 2, "at most maxConnections requests in flight");
  client.close();
  // The same calls with the default pool (20 per endpoint) all go out at once.
  const open = slowNode();
  const client2 = await MantraClient.connect({ endpoints: ["http://node.test:26657"], transport: open.transport, cache: false, batch: false });
  await calls(client2);
  assert.equal(open.seen.max, 8);
  client2.close();
});

test("bad pool options: typed errors naming the JS option", async () => {
  const connect = (pool) => MantraClient.connect({ endpoints: ["http://node.test:26657"], transport: fakeNode().transport, pool });
  const invalid = (field) => (e) => e instanceof MantraError && e.code === "invalid_config" && e.field === field && e.message.includes(`\`${field}\``);
  await assert.rejects(connect({ maxConnections: 0 }), invalid("maxConnections"));
  await assert.rejects(connect({ minConnections: 21 }), invalid("minConnections"));
  await assert.rejects(connect({ maxConnections: 4, minConnections: 5 }), invalid("minConnections"));
  await assert.rejects(connect({ acquireTimeoutMs: 0 }), invalid("acquireTimeoutMs"));
  await assert.rejects(connect({ healthCheckIntervalMs: -1 }), (e) => e instanceof MantraError && e.code === "invalid_config" && e.field === "healthCheckIntervalMs");
  await assert.rejects(connect({ maxConections: 1 }), (e) => e instanceof TypeError && /`pool` has no option `maxConections`/.test(e.message));
  await assert.rejects(connect({ maxConnections: "2" }), (e) => e instanceof TypeError && /maxConnections/.test(e.message));
  await assert.rejects(connect(3), (e) => e instanceof TypeError && /`pool` must be an object/.test(e.message));
});

test("client.cache, client.metrics, client.health: handles on the client's own components", async () => {
  const node = fakeNode();
  const client = await MantraClient.connect({ endpoints: ["http://node.test:26657"], transport: node.transport });
  // The response cache: what the client cached, with the CacheManager operations.
  const cache = client.cache;
  assert.equal(client.cache, cache, "the same handle on every access");
  assert.equal(cache.len(), 0);
  await client.status();
  assert.equal(cache.len(), 1);
  assert.deepEqual(cache.stats(), client.cacheStats());
  await client.status();
  assert.equal(cache.stats().hits, 1);
  cache.put("mine", { a: [1, "x", null] }, "generic", { ttlMs: 60_000 });
  assert.deepEqual(cache.get("mine"), { a: [1, "x", null] });
  assert.equal(cache.has("mine", "generic"), true);
  assert.equal(cache.get("mine", "block"), undefined);
  assert.equal(cache.size, 2);
  assert.deepEqual(await cache.getOrFetch("fetched", "balance", async () => ({ amount: "5" })), { amount: "5" });
  assert.deepEqual(await cache.getOrFetch("fetched", "balance", () => assert.fail("cached: no fetch")), { amount: "5" });
  assert.deepEqual(cache.get("fetched", "balance"), { amount: "5" });
  assert.equal(cache.ttlMs("generic"), 300_000);
  assert.equal(cache.clearType("node_status"), 1);
  const posts = node.posts.length;
  await client.status(); // its entry is gone: the client asks the node again
  assert.equal(node.posts.length, posts + 1);
  assert.throws(() => cache.get("k", "nope"), (e) => e instanceof MantraError && e.code === "invalid_argument");
  assert.throws(() => cache.get(5), TypeError);
  assert.throws(() => cache.put("k", () => 1), TypeError);
  // A bad option value is a bad argument, as for CacheManager.put.
  assert.throws(
    () => cache.put("k", 1, "generic", { ttlMs: -1 }),
    (e) => e instanceof MantraError && e.code === "invalid_argument" && /ResponseCache\.put option `ttlMs`/.test(e.message),
  );
  assert.throws(() => cache.clearType(), TypeError);
  await assert.rejects(cache.getOrFetch("bad", "generic", () => { throw new Error("boom"); }), (e) => e instanceof MantraError && /boom/.test(e.message));
  cache.clear();
  assert.equal(cache.len(), 0);
  // A freed handle is replaced on the next access; the client's cache lives on.
  cache.free();
  assert.throws(() => cache.len(), (e) => e.code === "closed");
  assert.notEqual(client.cache, cache);
  await client.status();
  assert.equal(client.cache.len(), 1);

  // The metrics collector: recordings land in the client's Prometheus text.
  const metrics = client.metrics;
  assert.equal(client.metrics, metrics);
  metrics.recordProtocolOperation("dex", "swap", 12, true);
  metrics.recordCustomMetric("app", "orders", 3, "counter");
  const text = client.prometheus();
  assert.match(text, /protocol="dex"/);
  assert.match(text, /orders/);

  // The health checker: a check registered here runs with the client's own.
  const health = client.health;
  assert.equal(client.health, health);
  health.registerCheck("app", async () => true);
  const report = await health.runHealthChecks();
  assert.equal(report.components.app.status, "healthy");
  assert.ok(Object.keys(report.components).length >= 2, JSON.stringify(Object.keys(report.components)));
  assert.equal(client.getSystemHealth().components.app.status, "healthy");
  client.close();
  // A closed client's checks stay stopped: start() through the handle does nothing.
  health.start();
  assert.equal(health.isRunning, false);
  client.free();
  assert.throws(() => client.metrics, (e) => e instanceof MantraError && e.code === "closed");
});

test("client.cache is null without a cache", async () => {
  const client = await MantraClient.connect({ endpoints: ["http://node.test:26657"], transport: fakeNode().transport, cache: false });
  assert.equal(client.cache, null);
  client.close();
});

test("the cache and batch options reach the client's components (per-type TTLs, batch setters)", async () => {
  const node = fakeNode();
  const bodies = [];
  const transport = (req) => {
    if (req.method === "POST") bodies.push(req.body.length);
    return node.transport(req);
  };
  const client = await MantraClient.connect({
    endpoints: ["http://node.test:26657"],
    transport,
    cache: { ttlByType: { block: 7_000 } },
    batch: { maxBatchBytes: 120, retryJitter: false },
  });
  assert.equal(client.cache.ttlMs("block"), 7_000);
  assert.equal(client.cache.ttlMs("generic"), 300_000);
  bodies.length = 0;
  await Promise.all(["a", "b", "c", "d"].map((m) => client.call(`method_${m}`, { padding: "x".repeat(20) })));
  assert.ok(bodies.length >= 2, `one request per call or two: ${JSON.stringify(bodies)}`);
  assert.ok(bodies.every((n) => n <= 120), `every batch within maxBatchBytes: ${JSON.stringify(bodies)}`);
  // A call over the cap (but within the body limit) goes alone instead of failing.
  bodies.length = 0;
  const echoed = await client.call("method_big", { padding: "y".repeat(300) });
  assert.equal(echoed.params.padding.length, 300);
  assert.equal(bodies.length, 1);
  assert.ok(bodies[0] > 120, JSON.stringify(bodies));
  client.close();
  // Without the byte cap the same calls share one request.
  const open = fakeNode();
  const sizes = [];
  const c2 = await MantraClient.connect({ endpoints: ["http://node.test:26657"], transport: (req) => (req.method === "POST" && sizes.push(req.body.length), open.transport(req)) });
  sizes.length = 0;
  await Promise.all(["a", "b", "c", "d"].map((m) => c2.call(`method_${m}`, { padding: "x".repeat(20) })));
  assert.equal(sizes.length, 1, JSON.stringify(sizes));
  c2.close();
  // Checked by core with the rest of the config, before the warm-up: a down node does not
  // hide a bad value.
  const down = async () => {
    throw new Error("connection refused");
  };
  await assert.rejects(
    MantraClient.connect({ endpoints: ["http://node.test:26657"], transport: down, cache: { ttlByType: { block: 0 } } }),
    (e) => e instanceof MantraError && e.code === "invalid_config" && e.field === "ttlByType" && /block/.test(e.message),
  );
  await assert.rejects(
    MantraClient.connect({ endpoints: ["http://node.test:26657"], transport: down, batch: { priorityAgingMs: 0 } }),
    (e) => e instanceof MantraError && e.code === "invalid_config" && e.field === "priorityAgingMs",
  );
  await assert.rejects(
    MantraClient.connect({ endpoints: ["http://node.test:26657"], transport: fakeNode().transport, batch: { maxBatchBytes: 0 } }),
    (e) => e instanceof MantraError && e.code === "invalid_config" && e.field === "maxBatchBytes",
  );
  // Batches must fit the node's request body limit (maxBodyBytes, default 1 000 000).
  await assert.rejects(
    MantraClient.connect({ endpoints: ["http://node.test:26657"], transport: down, batch: { maxBatchBytes: 2_000_000 } }),
    (e) => e instanceof MantraError && e.code === "invalid_config" && e.field === "maxBatchBytes" && /at most 999998/.test(e.message),
  );
  const small = await MantraClient.connect({ endpoints: ["http://node.test:26657"], transport: fakeNode().transport, maxBodyBytes: 500, batch: { maxBatchBytes: 498 } });
  small.close();
});

test("the cachePolicy option sets how long each kind of reply is cached", async () => {
  const postsOf = async (config, calls) => {
    const node = fakeNode();
    const client = await MantraClient.connect({ endpoints: ["http://node.test:26657"], transport: node.transport, ...config });
    const before = node.posts.length;
    for (const f of calls) await f(client);
    const n = node.posts.length - before;
    client.close();
    return n;
  };
  const twice = (f) => [f, f];
  const netInfo = (c) => c.call("net_info", { a: 1 });
  // `call` of a method the policy does not name is not cached; `methodTtlsMs` caches it.
  assert.equal(await postsOf({}, twice(netInfo)), 2);
  assert.equal(await postsOf({ cachePolicy: { methodTtlsMs: { net_info: 60_000 } } }, twice(netInfo)), 1);
  // `status` is cached for 1 s by default; a zero TTL turns that off.
  const status = (c) => c.status();
  assert.equal(await postsOf({}, twice(status)), 1);
  assert.equal(await postsOf({ cachePolicy: { nodeStatusTtlMs: 0 } }, twice(status)), 2);
  const connect = (cachePolicy) => MantraClient.connect({ endpoints: ["http://node.test:26657"], transport: fakeNode().transport, cachePolicy });
  await assert.rejects(connect({ nodeStatusTtl: 5 }), (e) => e instanceof TypeError && /`cachePolicy` has no option `nodeStatusTtl`/.test(e.message));
  await assert.rejects(connect({ blockTtlMs: "1h" }), TypeError);
  await assert.rejects(connect({ methodTtlsMs: { " ": 5 } }), (e) => e instanceof MantraError && e.code === "invalid_config" && e.field === "methodTtlsMs");
  await assert.rejects(connect({ blockTtlMs: 1e15 }), (e) => e instanceof MantraError && e.code === "invalid_config" && e.field === "blockTtlMs");
  await assert.rejects(connect({ methodTtlsMs: { genesis: -1 } }), (e) => e instanceof MantraError && e.code === "invalid_config" && /genesis/.test(e.message));
  // An entry that would be ignored — a method with its own TTL, a write — is refused.
  await assert.rejects(connect({ methodTtlsMs: { status: 60_000 } }), (e) => e instanceof MantraError && e.field === "methodTtlsMs" && /`status` has its own TTL/.test(e.message));
  await assert.rejects(connect({ methodTtlsMs: { broadcast_tx_sync: 5 } }), (e) => e instanceof MantraError && e.field === "methodTtlsMs" && /never cached/.test(e.message));
});

test("free() closes the client and frees its accessors' handles: no traffic after it", async () => {
  const node = fakeNode();
  let requests = 0;
  const transport = (req) => {
    requests++;
    return node.transport(req);
  };
  const client = await MantraClient.connect({ endpoints: ["http://node.test:26657"], transport, pool: { healthCheckIntervalMs: 20 } });
  const { health, metrics, cache } = client; // handles that hold the client's components
  for (let i = 0; i < 200 && requests <= 2; i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(requests > 2, `the ranking loop pings: ${requests}`);
  client.free();
  const after = requests;
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(requests, after, "no request after free()");
  assert.throws(() => health.getSystemHealth(), (e) => e instanceof MantraError && e.code === "closed");
  assert.throws(() => cache.len(), (e) => e instanceof MantraError && e.code === "closed");
  assert.throws(() => metrics.prometheus(), (e) => e instanceof MantraError && e.code === "closed");
  client.free(); // idempotent
  assert.throws(() => client.cache, (e) => e instanceof MantraError && e.code === "closed");
});

test("the default fetch transport: JSON POSTs with their own headers each", async () => {
  // Core's FetchTransport calls globalThis.fetch; here a stand-in answers like the node and
  // records what it was given. A fetch wrapper may change the init it gets: that must not
  // reach later requests.
  const node = fakeNode();
  const seen = [];
  const realFetch = globalThis.fetch;
  globalThis.fetch = async (url, init) => {
    const headers = init.headers;
    const read = new Headers(headers);
    seen.push({ method: init.method, headers, contentType: read.get("content-type"), keys: [...read.keys()] });
    // A wrapper adding a credential in place (as a Headers or as a plain object).
    if (headers instanceof Headers) headers.set("authorization", `Bearer for ${url}`);
    else headers.authorization = `Bearer for ${url}`;
    const body = init.body === undefined ? undefined : new TextDecoder().decode(init.body);
    const out = await node.transport({ method: init.method, url, headers, body });
    return new Response(out.body, { status: out.status });
  };
  try {
    const client = await MantraClient.connect({ endpoints: ["http://node.test:26657"], cache: false });
    assert.deepEqual(await client.call("first", { a: 1 }), { method: "first", params: { a: 1 } });
    assert.deepEqual(await client.call("second", { b: 2 }), { method: "second", params: { b: 2 } });
    client.close();
  } finally {
    globalThis.fetch = realFetch;
  }
  const posts = seen.filter((s) => s.method === "POST");
  assert.ok(posts.length >= 2, JSON.stringify(seen));
  for (const p of posts) {
    assert.equal(p.contentType, "application/json");
    assert.deepEqual(p.keys, ["content-type"], "only core's header: nothing left over from an earlier request");
  }
  assert.notEqual(posts[0].headers, posts[1].headers);
});

// A fake node whose POSTs carrying `hold` wait until `release()` (or forever), recording the
// JSON-RPC methods in the order they reach it.
function heldNode() {
  const node = fakeNode();
  const order = [];
  let release;
  const held = new Promise((r) => (release = r));
  const transport = async (req) => {
    if (req.method === "POST") {
      const body = JSON.parse(req.body);
      const methods = (Array.isArray(body) ? body : [body]).map((r) => r.method);
      order.push(...methods);
      if (methods.includes("hold")) await held;
    }
    return node.transport(req);
  };
  return { transport, posts: node.posts, order, release: () => release() };
}

test("call options: priority, timeoutMs and bypassCache reach core; bad ones are typed errors", async () => {
  const node = heldNode();
  const client = await MantraClient.connect({
    endpoints: ["http://node.test:26657"],
    transport: node.transport,
    batch: { maxBatchSize: 1, maxConcurrentBatches: 1, maxBatchDelayMs: 0 },
  });
  // One batch in flight at a time, held: later calls queue by priority, not arrival.
  const hold = client.call("hold", { n: 0 });
  await new Promise((r) => setTimeout(r, 20));
  const low = client.call("low_first", {}, { priority: "low" });
  const normal = client.call("normal_second", {});
  const high = client.call("high_last", {}, { priority: "high" });
  await new Promise((r) => setTimeout(r, 20));
  node.release();
  await Promise.all([hold, low, normal, high]);
  assert.deepEqual(node.order.filter((m) => m !== "health"), ["hold", "high_last", "normal_second", "low_first"]);

  // timeoutMs: this call's deadline, not the client's 30 s.
  const slow = heldNode();
  const c2 = await MantraClient.connect({ endpoints: ["http://node.test:26657"], transport: slow.transport, cache: false });
  const started = performance.now();
  const err = await c2.call("hold", {}, { timeoutMs: 50 }).catch((e) => e);
  assert.ok(err instanceof MantraError && err.code === "timeout", String(err));
  assert.equal(err.timeoutMs, 50);
  assert.ok(performance.now() - started < 5_000);
  slow.release();
  c2.close();

  // bypassCache: the reply is cached (status), a bypassing call asks the node again.
  const posts = () => node.posts.flat().filter((r) => r.method === "status").length;
  await client.call("status");
  await client.call("status");
  assert.equal(posts(), 1, "the second status came from the cache");
  await client.call("status", {}, { bypassCache: true });
  assert.equal(posts(), 2);

  const invalid = (e) => e instanceof MantraError && e.code === "invalid_argument";
  await assert.rejects(client.call("x", {}, { priority: "urgent" }), invalid);
  await assert.rejects(client.call("x", {}, { timeoutMs: -1 }), (e) => invalid(e) && /timeoutMs/.test(e.message));
  await assert.rejects(client.call("x", {}, { timeoutMs: 0 }), invalid);
  await assert.rejects(client.call("x", {}, { timeoutMs: "5" }), (e) => e instanceof TypeError && /timeoutMs/.test(e.message));
  await assert.rejects(client.call("x", {}, { priority: 1 }), TypeError);
  await assert.rejects(client.call("x", {}, { bypassCache: 1 }), TypeError);
  await assert.rejects(client.call("x", {}, { prio: "high" }), (e) => e instanceof TypeError && /no option `prio`/.test(e.message));
  await assert.rejects(client.call("x", {}, 5), (e) => e instanceof TypeError && /must be an object/.test(e.message));
  // The typed methods take `signal` only.
  await assert.rejects(client.status({ priority: "high" }), (e) => e instanceof TypeError && /MantraClient.status has no option `priority`/.test(e.message));
  await assert.rejects(client.block(undefined, { signal: {} }), (e) => e instanceof TypeError && /`signal` must be an AbortSignal/.test(e.message));
  client.close();
});

test("an AbortSignal aborts a call: rejected as cancelled, a call waiting for its batch is not sent", async () => {
  const node = heldNode();
  const client = await MantraClient.connect({
    endpoints: ["http://node.test:26657"],
    transport: node.transport,
    cache: false,
    batch: { maxBatchDelayMs: 500 },
  });
  const cancelled = (reason) => (e) => e instanceof MantraError && e.code === "cancelled" && e.cause === reason && /aborted by its AbortSignal/.test(e.message);
  const turn = () => new Promise((r) => setTimeout(r, 0)); // the calls have started and wait

  // Already aborted: rejected before any work (not counted: the call never started).
  const before = new AbortController();
  const reason = new Error("user left");
  before.abort(reason);
  await assert.rejects(client.status({ signal: before.signal }), cancelled(reason));

  // Aborted while waiting 500 ms for its batch: out of the queue, never sent.
  const ac = new AbortController();
  const waiting = client.call("abandoned", {}, { signal: ac.signal });
  await turn();
  ac.abort("gone");
  await assert.rejects(waiting, cancelled("gone"));
  await new Promise((r) => setTimeout(r, 700));
  assert.ok(!node.order.includes("abandoned"), JSON.stringify(node.order));
  const stats = client.stats();
  assert.equal(stats.cancelled, 1);
  assert.equal(stats.batch.cancelled, 1);

  // AbortSignal.timeout: the cause is its TimeoutError.
  const err = await client.abciQuery("/key", "k", undefined, { signal: AbortSignal.timeout(30) }).catch((e) => e);
  assert.equal(err.code, "cancelled");
  assert.ok(err.cause instanceof DOMException && err.cause.name === "TimeoutError", String(err.cause));
  // Aborted while its request hangs: rejected at the abort; the request already sent is
  // not recalled.
  const hold = new AbortController();
  const hung = client.call("hold", {}, { signal: hold.signal }).catch((e) => e.code);
  for (let i = 0; i < 500 && !node.order.includes("hold"); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(node.order.includes("hold"), "the held call was sent");
  hold.abort();
  const outcome = await Promise.race([hung, new Promise((r) => setTimeout(() => r("still pending"), 3_000))]);
  assert.equal(outcome, "cancelled");
  assert.equal(client.stats().cancelled, 3);
  assert.equal(client.stats().batch.cancelled, 3);

  // One signal shared by many calls (fewer than a batch, so they wait for its delay): one
  // listener on it, and one abort ends them all.
  const listeners = [];
  const shared = {
    aborted: false,
    addEventListener: (type, f) => { assert.equal(type, "abort"); listeners.push(f); },
    removeEventListener: (type, f) => listeners.splice(listeners.indexOf(f), 1),
  };
  const many = Array.from({ length: 8 }, (_, i) => client.call("many", { i }, { signal: shared }).catch((e) => e.code));
  await turn();
  assert.equal(listeners.length, 1, "one listener for 8 calls");
  shared.aborted = true;
  listeners[0]();
  assert.deepEqual(new Set(await Promise.all(many)), new Set(["cancelled"]));
  assert.equal(client.stats().batch.cancelled, 11);
  assert.equal(listeners.length, 0);

  // A signal that never fires: its listener is removed when the call ends, either way.
  const counts = { add: 0, remove: 0 };
  const quiet = {
    aborted: false,
    addEventListener: (type, f) => { assert.equal(type, "abort"); assert.equal(typeof f, "function"); counts.add++; },
    removeEventListener: () => counts.remove++,
  };
  assert.deepEqual(await client.call("kept", { k: 1 }, { signal: quiet }), { method: "kept", params: { k: 1 } });
  await assert.rejects(client.call("fail", {}, { signal: quiet }), (e) => e.code === "rpc");
  assert.deepEqual(counts, { add: 2, remove: 2 });

  // `signal: null` is no signal (as in fetch); one that cannot be listened to is a TypeError.
  assert.deepEqual(await client.call("nulled", {}, { signal: null }), { method: "nulled", params: {} });
  const boom = new Error("no listeners here");
  const deaf = { aborted: false, addEventListener: () => { throw boom; }, removeEventListener: () => {} };
  await assert.rejects(client.call("deaf", {}, { signal: deaf }), (e) => e instanceof TypeError && /cannot be listened to/.test(e.message) && e.cause === boom);
  assert.ok(!node.order.includes("deaf"), "not sent");
  node.release();
  client.close();
});

test("stats() and poolStats() have the shapes index.d.ts declares (ClientStats, PoolStats)", async () => {
  const node = fakeNode();
  const client = await MantraClient.connect({ endpoints: ["http://node.test:26657", "http://other.test:26657"], transport: node.transport });
  await client.status();
  await client.call("x", {});
  const shape = (v) =>
    v === null || typeof v !== "object" || Array.isArray(v)
      ? (Array.isArray(v) ? v.map(shape) : v === null ? "null" : typeof v)
      : Object.fromEntries(Object.keys(v).sort().map((k) => [k, shape(v[k])]));
  const n = "number";
  const s = "string";
  const orNull = (t) => (got) => got === t || got === "null";
  // Enum fields: their values, not just "a string".
  const health = ["healthy", "degraded", "unhealthy", "unknown"];
  const breakers = ["closed", "open", "half_open"];
  const st0 = client.stats();
  for (const e of [...st0.endpoints, ...st0.pool.endpoints, ...client.poolStats().endpoints]) assert.ok(breakers.includes(e.breaker), e.breaker);
  for (const e of st0.endpoints) assert.ok(health.includes(e.health) && health.includes(e.nodeSync), JSON.stringify(e));
  assert.ok(health.includes(st0.health), st0.health);
  const pool = shape(client.poolStats());
  const endpoint = {
    breaker: s, connections: n, consecutiveFailures: n, ewmaLatencyMs: orNull(n), healthCheckFailures: n, healthChecks: n, idleConnections: n, inFlight: n,
    lastError: orNull(s), meanPingLatencyMs: orNull(n), rank: n, samples: n, score: n, successRate: orNull(n), timesOpened: n, totalFailures: n, totalRequests: n, url: s,
  };
  // Compares `got` (a shape) with `want`, where a function in `want` accepts a shape.
  const match = (got, want, at) => {
    if (typeof want === "function") return assert.ok(want(got), `${at}: ${JSON.stringify(got)}`);
    if (typeof want !== "object") return assert.equal(got, want, at);
    assert.deepEqual(Object.keys(got).sort(), Object.keys(want).sort(), at);
    for (const k of Object.keys(want)) match(got[k], want[k], `${at}.${k}`);
  };
  const poolShape = {
    endpoints: (got) => got.length === 2 && got.every((e) => (match(e, endpoint, "pool endpoint"), true)),
    acquired: n, circuitRejections: n, closed: "boolean", exhausted: n, failovers: n, healthyEndpoints: n, hedges: n, inFlight: n, maxConnectionsPerEndpoint: n,
  };
  match(pool, poolShape, "poolStats()");
  const clientEndpoint = { breaker: s, ewmaLatencyMs: orNull(n), failures: n, health: s, inFlight: n, lastError: orNull(s), nodeSync: s, rank: n, requests: n, score: n, url: s };
  match(shape(client.stats()), {
    batch: { avgBatchSize: n, batchLimitSplits: n, batches: n, cancelled: n, closed: n, effectiveMaxBatchSize: n, failures: n, inFlight: n, operations: n, pending: n, retries: n, succeeded: n, timeouts: n },
    cache: { entries: n, evictions: n, evictionsCapacity: n, evictionsSize: n, expirations: n, hitRate: n, hits: n, insertions: n, memoryBytes: n, misses: n, rejected: n },
    cacheHits: n, cacheMisses: n, calls: n, cancelled: n, closed: "boolean",
    endpoints: (got) => got.length === 2 && got.every((e) => (match(e, clientEndpoint, "client endpoint"), true)),
    errorsByCode: {},
    executor: { avgLatencyMs: n, cancelled: n, completed: n, failed: n, inFlight: n, limit: n, queued: { high: n, low: n, normal: n }, timedOut: n },
    failed: n, health: s, http: { httpFailures: n, httpRequests: n, maxBatchSize: n, rpcRequests: n }, inFlight: n, latencyP50Ms: orNull(n), latencyP99Ms: orNull(n),
    pool: poolShape, sharedCalls: n, succeeded: n,
  }, "stats()");
  client.close();
  const off = await MantraClient.connect({ endpoints: ["http://node.test:26657"], transport: node.transport, cache: false, batch: false });
  const st = off.stats();
  assert.equal(st.cache, null);
  assert.equal(st.batch, null);
  off.close();
});
