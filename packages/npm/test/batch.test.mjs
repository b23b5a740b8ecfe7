// BatchManager with a JS executor (DataLoader's contract), in virtual time.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";

import { BatchManager, MantraError, ManualClock } from "mantra-sdk";

test("operations queued together go out as one batch, results in order", async () => {
  const calls = [];
  const b = new BatchManager({ maxBatchDelayMs: 5 }, async (ops) => {
    calls.push(ops.map((o) => o.op));
    return ops.map((o) => ({ op: o.op, params: o.params }));
  });
  const results = await Promise.all([b.submit("a", { x: 1 }), b.submit("b"), b.submit("c", [1, 2], { priority: "high" })]);
  assert.deepEqual(results, [
    { op: "a", params: { x: 1 } },
    { op: "b", params: null },
    { op: "c", params: [1, 2] },
  ]);
  assert.equal(calls.length, 1);
  assert.deepEqual(calls[0].sort(), ["a", "b", "c"]);
  const s = b.stats();
  assert.equal(s.batches, 1);
  assert.equal(s.operations, 3);
  assert.equal(s.succeeded, 3);
  assert.equal(s.avgBatchSize, 3);
});

test("the executor sees op, params, priority and timeoutMs (core's default timeout)", async () => {
  let seen;
  const b = new BatchManager(async (ops) => {
    seen = ops;
    return ops.map(() => true);
  });
  await Promise.all([b.submit("s", { a: 1 }, { priority: "low", timeoutMs: 250 }), b.submit("t")]);
  const byOp = Object.fromEntries(seen.map((o) => [o.op, o]));
  assert.deepEqual(byOp.s, { op: "s", params: { a: 1 }, priority: "low", timeoutMs: 250 });
  assert.deepEqual(byOp.t, { op: "t", params: null, priority: "normal", timeoutMs: 30000 });
});

test("an Error item fails only its operation; a retryable one is retried by core", async () => {
  const clock = new ManualClock();
  let round = 0;
  const b = BatchManager.withClock({ maxBatchDelayMs: 0, retryDelayMs: 100, retryJitter: false }, async (ops) => {
    round++;
    return ops.map((o) => {
      if (o.op === "bad") return new MantraError("invalid_argument", "no such thing");
      if (o.op === "flaky" && round === 1) return new MantraError("rpc", "Internal error", { rpcCode: -32603 });
      return o.op;
    });
  }, clock);
  const ps = [b.submit("ok"), b.submit("bad"), b.submit("flaky")].map((p) => p.then((v) => ["ok", v], (e) => ["err", e]));
  await clock.advance(0);
  await clock.advance(100);
  const [ok, bad, flaky] = await Promise.all(ps);
  assert.deepEqual(ok, ["ok", "ok"]);
  assert.equal(bad[0], "err");
  assert.ok(bad[1] instanceof MantraError);
  assert.equal(bad[1].code, "invalid_argument");
  assert.match(bad[1].message, /no such thing/);
  assert.deepEqual(flaky, ["ok", "flaky"]);
  const s = b.stats();
  assert.equal(s.retries, 1);
  assert.equal(s.failures, 1);
  assert.equal(round, 2);
});

test("a batch-wide failure retries with backoff, then fails every operation", async () => {
  const clock = new ManualClock();
  let calls = 0;
  const b = BatchManager.withClock({ maxBatchDelayMs: 0, retryAttempts: 2, retryDelayMs: 100, retryJitter: false }, () => {
    calls++;
    throw new MantraError("transport", "503", { status: 503 });
  }, clock);
  const ps = [b.submit("a"), b.submit("b")].map((p) => p.catch((e) => e));
  await clock.advance(0);
  assert.equal(calls, 1);
  await clock.advance(100);
  assert.equal(calls, 2);
  await clock.advance(199);
  assert.equal(calls, 2, "second backoff doubles");
  await clock.advance(1);
  const errs = await Promise.all(ps);
  assert.equal(calls, 3);
  for (const e of errs) {
    assert.ok(e instanceof MantraError);
    assert.equal(e.code, "transport");
    assert.equal(e.status, 503);
  }
});

test("wrong result shape fails the batch with a host error; timeouts and close are typed", async () => {
  const clock = new ManualClock();
  const short = BatchManager.withClock({ maxBatchDelayMs: 0 }, async () => "not an array", clock);
  const p = short.submit("x").catch((e) => e);
  await clock.advance(0);
  const e = await p;
  assert.equal(e.code, "host");
  assert.match(e.message, /expected an array/);

  // A forgotten `await` (`ops.map(async …)`) is an error, not `{}`.
  const unawaited = BatchManager.withClock({ maxBatchDelayMs: 0 }, async (ops) => ops.map(async (op) => op.op), clock);
  const pu = unawaited.submit("x").catch((e) => e);
  await clock.advance(0);
  const eu = await pu;
  assert.ok(eu instanceof MantraError, String(eu));
  assert.equal(eu.code, "host");
  assert.match(eu.message, /got a Promise \(await it first\)/);
  await assert.rejects(unawaited.submit("y", Promise.resolve(1)), (e) => e instanceof TypeError && /params must be a JSON-compatible value, got a Promise/.test(e.message));
  unawaited.free();

  const wrongLen = BatchManager.withClock({ maxBatchDelayMs: 0 }, async () => [1, 2, 3], clock);
  const p2 = wrongLen.submit("x").catch((err) => err);
  await clock.advance(0);
  assert.equal((await p2).code, "host");

  const never = BatchManager.withClock({ maxBatchDelayMs: 0 }, () => new Promise(() => {}), clock);
  const p3 = never.submit("slow", null, { timeoutMs: 50 }).catch((err) => err);
  await clock.advance(50);
  const t = await p3;
  assert.equal(t.code, "timeout");
  assert.equal(t.timeoutMs, 50);

  const queued = BatchManager.withClock({ maxBatchDelayMs: 1000 }, async (ops) => ops, clock);
  const p4 = queued.submit("q").catch((err) => err);
  queued.close();
  assert.equal((await p4).code, "closed");
  assert.equal(queued.isClosed, true);
  await assert.rejects(queued.submit("later"), (err) => err.code === "closed");
  clock.free();
});

test("flush sends before the delay", async () => {
  const clock = new ManualClock();
  let calls = 0;
  const b = BatchManager.withClock({ maxBatchDelayMs: 10_000 }, async (ops) => {
    calls++;
    return ops.map(() => 1);
  }, clock);
  const p = b.submit("a");
  await clock.advance(0);
  assert.equal(calls, 0);
  b.flush();
  assert.equal(await p, 1);
  assert.equal(calls, 1);
});

test("bad input: TypeError / invalid_config / invalid_argument, as rejected promises", async () => {
  const exec = async (ops) => ops.map(() => null);
  assert.throws(() => new BatchManager({}), /executor must be a function, got undefined/);
  assert.throws(() => new BatchManager({ maxBatchSize: 0 }, exec), (e) => e.code === "invalid_config" && e.field === "maxBatchSize");
  assert.throws(() => new BatchManager({ maxBatchDelayMs: -1 }, exec), (e) => e.field === "maxBatchDelayMs");
  assert.throws(() => new BatchManager({ retryJitter: "no" }, exec), TypeError);
  assert.throws(() => new BatchManager({ batchSize: 1 }, exec), /no option `batchSize`/);
  const b = new BatchManager(exec);
  const bad = b.submit(5);
  assert.ok(bad instanceof Promise);
  await assert.rejects(bad, (e) => e instanceof TypeError && /BatchManager.submit\(op\) must be a string, got number 5/.test(e.message));
  await assert.rejects(b.submit(""), (e) => e.code === "invalid_argument");
  await assert.rejects(b.submit("x", undefined, { priority: "urgent" }), (e) => e.code === "invalid_argument" && /urgent/.test(e.message));
  await assert.rejects(b.submit("x", undefined, { timeoutMs: 0 }), (e) => e.code === "invalid_argument");
  await assert.rejects(b.submit("x", undefined, { timeoutMs: -1 }), (e) => e.code === "invalid_argument" && /submit option `timeoutMs`/.test(e.message));
  await assert.rejects(b.submit("x", undefined, 5), (e) => e instanceof TypeError && e.message === "BatchManager.submit options must be an object, got number 5");
  await assert.rejects(b.submit("x", () => 1), TypeError);
  assert.equal(b.stats().operations, 0);
  b.free();
  assert.throws(() => b.stats(), (e) => e.code === "closed");
});

test("free() closes the manager: a queued operation fails with closed and is never executed", async () => {
  let executed = 0;
  const b = new BatchManager({ maxBatchDelayMs: 100_000 }, async (ops) => { executed += ops.length; return ops.map(() => 1); });
  const queued = b.submit("q").catch((e) => e);
  b.free();
  const e = await queued;
  assert.ok(e instanceof MantraError, String(e));
  assert.equal(e.code, "closed");
  assert.equal(executed, 0);
});

test("a closed manager's flush timer does not keep Node alive", () => {
  // Before, the 100 s delay timer kept the process running after close() / free().
  const script = `
    const { BatchManager } = await import(${JSON.stringify(new URL("../index.mjs", import.meta.url).href)});
    const b = new BatchManager({ maxBatchDelayMs: 100_000 }, async (ops) => ops.map(() => 1));
    const queued = b.submit("q").catch((e) => e.code);
    b.close();
    console.log(await queued);
  `;
  const started = Date.now();
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8", timeout: 30_000 });
  assert.equal(r.status, 0, `status ${r.status} signal ${r.signal} ${r.stderr}`);
  assert.equal(r.stdout.trim(), "closed");
  assert.ok(Date.now() - started < 20_000, "exited long before the delay");
});
