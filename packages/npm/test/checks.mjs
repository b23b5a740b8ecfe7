// Smoke checks shared by the Node tests (smoke.test.mjs, through node:test) and the browser
// test (browser/suite.mjs, in headless Chromium: page, worker, bundle). Each check gets the SDK module and throws on
// failure. No Node APIs here: this file runs in the browser unchanged.

export const PUBLIC_EXPORTS = [
  "BatchManager",
  "CacheManager",
  "HealthChecker",
  "MantraClient",
  "MantraError",
  "ManualClock",
  "MetricsCollector",
  "nodeHttpTransport",
  "sleepMs",
  "version",
];

function check(cond, message) {
  if (!cond) throw new Error(message);
}

function eq(actual, expected, what) {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  check(a === e, `${what}: expected ${e}, got ${a}`);
}

// Awaits `promise`, which must reject; returns the rejection reason.
async function rejection(promise, what) {
  check(promise instanceof Promise, `${what} must return a Promise (not throw synchronously)`);
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error(`${what} should have rejected`);
}

function noTrap(err, what) {
  check(!/unreachable|RuntimeError/.test(`${err && err.name} ${err && err.message}`),
    `${what} leaked a wasm trap: ${err}`);
}

function isTypeError(err, what, ...parts) {
  noTrap(err, what);
  check(err instanceof TypeError, `${what}: expected a TypeError, got ${err && err.name}: ${err}`);
  for (const part of parts) {
    check(err.message.includes(part), `${what}: message ${JSON.stringify(err.message)} lacks ${JSON.stringify(part)}`);
  }
}

function isMantraError(sdk, err, code, what, ...parts) {
  noTrap(err, what);
  check(err instanceof sdk.MantraError, `${what}: expected a MantraError, got ${err && err.name}: ${err}`);
  check(err instanceof Error, `${what}: MantraError must be an Error`);
  eq(err.name, "MantraError", `${what} name`);
  eq(err.code, code, `${what} code`);
  for (const part of parts) {
    check(err.message.includes(part), `${what}: message ${JSON.stringify(err.message)} lacks ${JSON.stringify(part)}`);
  }
}

export const checks = [
  {
    name: "exports exactly the public API",
    run(sdk) {
      const names = Object.keys(sdk).filter((k) => k !== "default").sort();
      eq(names, [...PUBLIC_EXPORTS].sort(), "export names");
      // Each function carries its export's name, also in a minified bundle (which renames
      // the classes): messages, stacks and `constructor.name` show it.
      for (const name of names) eq(sdk[name].name, name, `${name}.name`);
      const client = sdk.MantraClient.prototype;
      eq(Object.getOwnPropertyDescriptor(client, "cache").get.name, "cache", "MantraClient#cache getter name");
    },
  },
  {
    name: "version() is the package version string",
    run(sdk) {
      const v = sdk.version();
      check(/^\d+\.\d+\.\d+(-[\w.]+)?$/.test(v), `version() = ${JSON.stringify(v)}`);
    },
  },
  {
    name: "MantraError is an Error subclass with name, code, retryable and extra fields",
    run(sdk) {
      const err = new sdk.MantraError("transport", "boom", { status: 503, retryable: true });
      check(err instanceof Error && err instanceof sdk.MantraError, "instanceof");
      eq(err.name, "MantraError", "name");
      eq(err.code, "transport", "code");
      eq(err.message, "boom", "message");
      eq(err.status, 503, "status");
      eq(err.retryable, true, "retryable");
      check(String(err.stack).startsWith("MantraError: boom"), `stack starts with ${String(err.stack).slice(0, 40)}`);
      const plain = new sdk.MantraError("closed", "gone");
      eq(plain.retryable, false, "retryable defaults to false");
      const cause = new Error("root");
      eq(new sdk.MantraError("host", "x", { cause }).cause === cause, true, "cause kept");
    },
  },
  {
    name: "ManualClock starts at zero and advance() fires sleeps in deadline order",
    async run(sdk) {
      const clock = new sdk.ManualClock();
      check(clock instanceof sdk.ManualClock, "instanceof ManualClock");
      eq(clock.nowMs, 0, "nowMs at start");
      const fired = [];
      const sleeps = [30, 10, 20].map((ms) => clock.sleepMs(ms).then(() => fired.push([ms, clock.nowMs])));
      await null; // sleeps register with the clock when first polled, in a microtask
      eq(clock.pendingSleeps, 3, "pendingSleeps");
      await clock.advance(19);
      eq(fired, [[10, 10]], "after advance(19)");
      eq(clock.nowMs, 19, "nowMs after advance(19)");
      await clock.advance(11);
      await Promise.all(sleeps);
      eq(fired, [[10, 10], [20, 20], [30, 30]], "after advance(30)");
      eq(clock.pendingSleeps, 0, "pendingSleeps after");
      await clock.advance(0.5);
      eq(clock.nowMs, 30.5, "fractional milliseconds");
      clock.free();
    },
  },
  {
    name: "freeing a ManualClock rejects its pending sleeps with closed (nothing could fire them)",
    async run(sdk) {
      const clock = new sdk.ManualClock();
      const p = clock.sleepMs(10).then(() => "fired", (e) => e);
      await null;
      clock.free();
      let timer;
      const e = await Promise.race([p, new Promise((r) => { timer = setTimeout(() => r("still pending after 2 s"), 2000); })]);
      clearTimeout(timer);
      check(e instanceof sdk.MantraError && e.code === "closed", `rejected with closed, got ${e}`);
      check(/freed/.test(e.message), e.message);
    },
  },
  {
    name: "a sleep exactly at the deadline fires; one past it waits",
    async run(sdk) {
      const clock = new sdk.ManualClock();
      let done = false;
      const p = clock.sleepMs(50).then(() => { done = true; });
      await clock.advance(49.999);
      eq(done, false, "resolved before its deadline");
      await clock.advance(0.001);
      await p;
      eq(done, true, "resolved at its deadline");
      clock.free();
    },
  },
  {
    name: "sleepMs() waits on the real clock (core WasmClock + gloo-timers)",
    async run(sdk) {
      const order = [];
      const t0 = performance.now();
      await Promise.all([
        sdk.sleepMs(40).then(() => order.push(40)),
        sdk.sleepMs(5).then(() => order.push(5)),
        sdk.sleepMs(0).then(() => order.push(0)),
      ]);
      const waited = performance.now() - t0;
      // Real timers under load may swap 0 and 5 ms; only the 40 ms sleep must come last.
      eq([...order].sort((a, b) => a - b), [0, 5, 40], "every sleep completed once");
      eq(order[2], 40, "the longest sleep completes last");
      // A lower bound only (a sleep must not end early); never an upper bound.
      check(waited >= 38, `sleepMs(40) returned after ${waited} ms`);
      eq(await sdk.sleepMs(1), undefined, "resolves with undefined");
    },
  },
  {
    name: "wrong argument types reject with a TypeError naming the argument",
    async run(sdk) {
      const clock = new sdk.ManualClock();
      isTypeError(await rejection(clock.advance("x"), 'advance("x")'), 'advance("x")',
        "ManualClock.advance(ms)", 'got string "x"');
      isTypeError(await rejection(clock.advance(), "advance()"), "advance()", "got undefined");
      isTypeError(await rejection(clock.advance(null), "advance(null)"), "advance(null)", "got null");
      isTypeError(await rejection(clock.advance(10n), "advance(10n)"), "advance(10n)", "got bigint");
      isTypeError(await rejection(clock.sleepMs([1]), "clock.sleepMs([1])"), "clock.sleepMs([1])",
        "ManualClock.sleepMs(ms)", "got array");
      isTypeError(await rejection(sdk.sleepMs({}), "sleepMs({})"), "sleepMs({})", "sleepMs(ms)", "got object");
      eq(clock.nowMs, 0, "clock unchanged by rejected calls");
      clock.free();
    },
  },
  {
    name: "out-of-range values reject with MantraError invalid_argument",
    async run(sdk) {
      const clock = new sdk.ManualClock();
      for (const [value, shown] of [[-1, "got -1"], [NaN, "got NaN"], [Infinity, "got Infinity"], [1e300, "too large"]]) {
        const err = await rejection(clock.advance(value), `advance(${value})`);
        isMantraError(sdk, err, "invalid_argument", `advance(${value})`, "ManualClock.advance(ms)", shown);
        eq(err.retryable, false, "invalid_argument is not retryable");
      }
      const err = await rejection(sdk.sleepMs(-5), "sleepMs(-5)");
      isMantraError(sdk, err, "invalid_argument", "sleepMs(-5)", "sleepMs(ms)");
      eq(clock.nowMs, 0, "clock unchanged");
      clock.free();
    },
  },
  {
    name: "free() and Symbol.dispose release objects; use after free is MantraError closed",
    async run(sdk) {
      const clock = new sdk.ManualClock();
      clock.free();
      clock.free(); // idempotent
      let err = null;
      try {
        void clock.nowMs;
      } catch (e) {
        err = e;
      }
      isMantraError(sdk, err, "closed", "nowMs after free", "ManualClock.nowMs", "freed");
      err = null;
      try {
        clock.advance(1);
      } catch (e) {
        err = e;
      }
      isMantraError(sdk, err, "closed", "advance after free", "ManualClock.advance");
      const disposable = new sdk.ManualClock();
      check(typeof disposable[Symbol.dispose] === "function", "has Symbol.dispose");
      disposable[Symbol.dispose]();
      err = null;
      try {
        void disposable.pendingSleeps;
      } catch (e) {
        err = e;
      }
      isMantraError(sdk, err, "closed", "pendingSleeps after dispose");
      err = null;
      try {
        sdk.ManualClock.prototype.advance.call({}, 1);
      } catch (e) {
        err = e;
      }
      isTypeError(err, "advance on a foreign object", "not a ManualClock");
    },
  },
  {
    name: "many objects and calls in a row do not leak or fail",
    async run(sdk) {
      for (let i = 0; i < 2000; i++) {
        const clock = new sdk.ManualClock();
        const p = clock.sleepMs(1);
        await clock.advance(1);
        await p;
        clock.free();
      }
    },
  },
  {
    name: "CacheManager: put/get by type, TTL in virtual time, LRU eviction, weights, stats",
    async run(sdk) {
      const clock = new sdk.ManualClock();
      const cache = sdk.CacheManager.withClock({ maxEntries: 2, defaultTtlMs: 100 }, clock);
      const value = { denom: "uom", amount: "1" };
      cache.put("a", value, "balance");
      check(cache.get("a", "balance") === value, "the stored object comes back");
      eq(cache.get("a"), undefined, "types are separate");
      cache.put("b", [1, 2]);
      cache.get("a", "balance");
      cache.put("c", "x"); // evicts b, the least recently used
      eq(cache.has("b"), false, "b evicted");
      await clock.advance(100);
      eq(cache.get("a", "balance"), undefined, "expired at the TTL");
      const s = cache.stats();
      eq([s.hits, s.evictionsCapacity, s.expirations], [2, 1, 1], "stats");
      eq(sdk.CacheManager.entryWeight("k", [1, 2]), 1 + 5 + 64, "core's weight");
      let err = null;
      try {
        cache.get(1);
      } catch (e) {
        err = e;
      }
      isTypeError(err, "get(1)", "key must be a string");
      cache.free();
      clock.free();
    },
  },
  {
    name: "MetricsCollector: recordings reach the Prometheus text and the snapshot",
    run(sdk) {
      const m = new sdk.MetricsCollector({ namespace: "web", enableProcessMetrics: false });
      for (let i = 0; i < 3; i++) m.recordProtocolOperation("rpc", "status", 12, true);
      m.recordProtocolOperation("rpc", "status", 40, false, "timeout");
      m.recordMcpRequest(5, true, "http");
      const text = m.prometheus();
      for (const line of [
        'web_protocol_operations_total{protocol="rpc",operation="status",status="success"} 3',
        'web_protocol_errors_total{protocol="rpc",operation="status",error="timeout"} 1',
        'web_protocol_operation_duration_seconds_count{protocol="rpc",operation="status"} 4',
        'web_mcp_requests_total{transport="http",status="success"} 1',
      ]) {
        check(text.split("\n").includes(line), `prometheus text lacks ${line}`);
      }
      const fam = m.getAllMetrics().families.find((f) => f.name === "web_protocol_operation_duration_seconds");
      eq(fam.series[0].count, 4, "histogram count in the snapshot");
      m.free();
    },
  },
  {
    name: "MantraClient: an AbortController aborts a call waiting for its batch; it is never sent",
    async run(sdk) {
      const sent = [];
      const transport = async (req) => {
        const body = req.body ? JSON.parse(req.body) : null;
        const calls = body === null ? [] : Array.isArray(body) ? body : [body];
        for (const c of calls) if (c.method !== "health") sent.push(c.method);
        const answer = (c) => ({ jsonrpc: "2.0", id: c.id, result: { method: c.method } });
        const out = body === null ? { jsonrpc: "2.0", id: -1, result: {} } : Array.isArray(body) ? calls.map(answer) : answer(body);
        return { status: 200, body: JSON.stringify(out) };
      };
      const client = await sdk.MantraClient.connect({
        endpoints: ["http://node.test:26657"],
        transport,
        cache: false,
        batch: { maxBatchDelayMs: 300 },
      });
      const ac = new AbortController();
      const reason = new Error("navigated away");
      const call = client.call("abandoned", {}, { signal: ac.signal });
      const kept = client.call("kept", {});
      await new Promise((r) => setTimeout(r, 0)); // both have started and wait for their batch
      ac.abort(reason);
      const err = await rejection(call, "aborted call");
      isMantraError(sdk, err, "cancelled", "aborted call", "aborted by its AbortSignal");
      eq(err.cause === reason, true, "the cause is the signal's reason");
      eq(await kept, { method: "kept" }, "the other call of the batch");
      eq(sent, ["kept"], "methods sent");
      eq(client.stats().cancelled, 1, "cancelled calls");
      client.free();
    },
  },
];
