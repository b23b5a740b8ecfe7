// HealthChecker with JS checks, in virtual time.
import assert from "node:assert/strict";
import { test } from "node:test";

import { HealthChecker, MantraError, ManualClock } from "mantra-sdk";

test("check results map to statuses; thresholds move components", async () => {
  const clock = new ManualClock();
  const h = HealthChecker.withClock({ failureThreshold: 2, recoveryThreshold: 2 }, clock);
  let up = true;
  h.registerCheck("node", async () => {
    if (!up) throw new Error("connection refused");
  });
  h.registerCheck("sync", () => "catching up", { critical: false, tags: ["chain"] });
  h.registerCheck("details", async () => ({ height: 42 }), { critical: false });
  assert.equal(h.getSystemHealth().overallStatus, "unknown");
  let r = await h.runHealthChecks();
  assert.equal(r.overallStatus, "degraded");
  assert.equal(r.components.node.status, "healthy");
  assert.equal(r.components.sync.status, "degraded");
  assert.equal(r.components.sync.output, "catching up");
  assert.deepEqual(r.components.sync.tags, ["chain"]);
  assert.deepEqual(r.components.details.details, { height: 42 });
  up = false;
  r = await h.runHealthChecks();
  assert.equal(r.components.node.status, "degraded", "one failure is below the threshold: degraded, not unhealthy");
  assert.equal(r.components.node.consecutiveFailures, 1);
  r = await h.runHealthChecks();
  assert.equal(r.components.node.status, "unhealthy");
  assert.equal(r.overallStatus, "unhealthy");
  assert.match(r.components.node.lastError, /connection refused/);
  up = true;
  await h.runHealthChecks();
  assert.equal(h.getProtocolHealth("node").status, "unhealthy");
  await h.runHealthChecks();
  assert.equal(h.getProtocolHealth("node").status, "healthy");
  assert.equal(h.getProtocolHealth("nope"), null);
  const d = h.getDiagnostics();
  assert.ok(d && typeof d === "object");
  const hj = h.healthJson();
  assert.equal(hj.status, "warn");
  assert.equal(h.unregisterCheck("details"), true);
  assert.equal(h.unregisterCheck("details"), false);
});

test("false fails, a hanging check times out, a MantraError keeps its message", async () => {
  const clock = new ManualClock();
  const h = HealthChecker.withClock({ failureThreshold: 1, checkTimeoutMs: 1000 }, clock);
  h.registerCheck("no", () => false);
  h.registerCheck("hang", () => new Promise(() => {}), { timeoutMs: 200, critical: false });
  h.registerCheck("typed", async () => {
    throw new MantraError("transport", "503 from node", { status: 503 });
  }, { critical: false });
  h.registerCheck("weird", () => 42, { critical: false });
  const run = h.runHealthChecks();
  await clock.advance(200);
  const r = await run;
  assert.equal(r.components.no.status, "unhealthy");
  assert.match(r.components.no.lastError, /returned false/);
  assert.equal(r.components.hang.status, "unhealthy");
  assert.match(r.components.hang.lastError, /tim/i);
  assert.match(r.components.typed.lastError, /503 from node/);
  assert.match(r.components.weird.lastError, /returned number 42/);
  const one = h.runCheck("no");
  assert.equal((await one).status, "unhealthy");
  await assert.rejects(h.runCheck("missing"), MantraError);
});

test("start() runs checks every interval in virtual time; stop() ends it", async () => {
  const clock = new ManualClock();
  const h = HealthChecker.withClock({ checkIntervalMs: 1000 }, clock);
  let runs = 0;
  h.registerCheck("count", () => {
    runs++;
  });
  h.start();
  assert.equal(h.isRunning, true);
  await clock.advance(0);
  assert.equal(runs, 1, "a round at start");
  await clock.advance(1000);
  await clock.advance(1000);
  assert.equal(runs, 3);
  h.stop();
  assert.equal(h.isRunning, false);
  await clock.advance(5000);
  assert.equal(runs, 3);
  const auto = HealthChecker.withClock({ enableAutoChecks: true, checkIntervalMs: 1000 }, clock);
  assert.equal(auto.isRunning, true, "enableAutoChecks starts the loop (core's initialize)");
  auto.stop();
});

test("recovery actions run when a component becomes unhealthy", async () => {
  const clock = new ManualClock();
  const h = HealthChecker.withClock({ failureThreshold: 1 }, clock);
  let recovered = 0;
  h.registerCheck("db", () => false);
  h.registerRecovery("db", async () => {
    recovered++;
  });
  await h.runHealthChecks();
  assert.equal(recovered, 1);
  assert.equal(h.getProtocolHealth("db").recoveryAttempts, 1);
});

test("bad input", async () => {
  assert.throws(() => new HealthChecker({ failureThreshold: 0 }), (e) => e.code === "invalid_config" && e.field === "failureThreshold");
  assert.throws(() => new HealthChecker({ checkTimeoutMs: 0 }), (e) => e.field === "checkTimeoutMs");
  assert.throws(() => new HealthChecker({ checkInterval: 5 }), /no option `checkInterval`/);
  const h = new HealthChecker();
  assert.throws(() => h.registerCheck("x", true), /must be a function, got boolean/);
  assert.throws(() => h.registerCheck(1, () => true), /registerCheck\(name\) must be a string, got number 1/);
  assert.throws(() => h.registerCheck("", () => true), (e) => e.code === "invalid_argument");
  assert.throws(() => h.registerCheck("x", () => true, { timeoutMs: 0 }), (e) => e.code === "invalid_config" && e.field === "timeoutMs");
  assert.throws(() => h.registerCheck("x", () => true, { tags: "a" }), TypeError);
  await assert.rejects(h.runCheck(3), TypeError);
  h.free();
  assert.throws(() => h.getSystemHealth(), (e) => e.code === "closed");
});

test("withClock: a non-clock is a TypeError, a freed clock `closed` (also for the JS-layer classes)", async () => {
  const { CacheManager, MetricsCollector, BatchManager } = await import("mantra-sdk");
  const exec = async (ops) => ops.map(() => null);
  const makers = [
    (c) => HealthChecker.withClock({}, c),
    (c) => CacheManager.withClock({}, c),
    (c) => MetricsCollector.withClock({}, c),
    (c) => BatchManager.withClock({}, exec, c),
  ];
  const freed = new ManualClock();
  freed.free();
  for (const make of makers) {
    assert.throws(() => make({}), (e) => e instanceof TypeError && /expected a ManualClock of mantra-sdk/.test(e.message));
    assert.throws(() => make(freed), (e) => e instanceof MantraError && e.code === "closed" && /was freed/.test(e.message));
  }
});
