// The shared conformance scenarios (tests/scenarios/*.json, format: tests/scenarios/README.md)
// run against the npm package: every file, one node:test test each, plus the README's
// example and self-checks of the runner. Data, never ported: this file only translates
// scenario steps into calls of the public JS API (snake_case config → camelCase options,
// camelCase reports → snake_case for comparison).
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { test } from "node:test";

import { BatchManager, CacheManager, HealthChecker, MantraError, ManualClock, MetricsCollector } from "mantra-sdk";

const DIR = new URL("../../../tests/scenarios/", import.meta.url);

// ---------------------------------------------------------------------------------------
// helpers

class DataError extends Error {}

function onlyKeys(obj, allowed, what) {
  for (const k of Object.keys(obj)) {
    if (!allowed.includes(k)) throw new DataError(`${what}: unknown key \`${k}\``);
  }
}

const COMMON_STEP_KEYS = ["op", "expect", "expect_error", "field", "approx", "note"];

function str(obj, k) {
  if (typeof obj[k] !== "string") throw new DataError(`missing string \`${k}\``);
  return obj[k];
}

function num(obj, k) {
  if (typeof obj[k] !== "number") throw new DataError(`missing number \`${k}\``);
  return obj[k];
}

function camel(key) {
  return key.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase());
}

function snake(key) {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** Reports come camelCased from the package; scenarios speak core's snake_case. */
function toSnake(v) {
  if (Array.isArray(v)) return v.map(toSnake);
  if (v !== null && typeof v === "object") {
    const out = {};
    for (const [k, x] of Object.entries(v)) out[snake(k)] = toSnake(x);
    return out;
  }
  return v;
}

/** A JS option name back to core's field name (`defaultTtlMs` → `default_ttl`). */
function coreField(jsField) {
  return snake(jsField).replace(/_ms$/, "");
}

async function settle() {
  // Let ready tasks run without moving virtual time: wasm futures, JS promise chains.
  for (let i = 0; i < 4; i++) await new Promise((resolve) => setImmediate(resolve));
}

function compare(exp, got, subset, approx, path) {
  const key = path.split(".").pop().replace(/\[\d+\]$/, "");
  if (typeof exp === "number" && typeof got === "number") {
    const tol = approx[key] ?? 0;
    if (exp === got || Math.abs(exp - got) <= tol) return;
    throw new Error(`at ${path}: expected ${exp}, got ${got}`);
  }
  if (Array.isArray(exp) && Array.isArray(got)) {
    if (exp.length !== got.length) throw new Error(`at ${path}: expected ${exp.length} elements, got ${got.length}`);
    exp.forEach((e, i) => compare(e, got[i], subset, approx, `${path}[${i}]`));
    return;
  }
  if (exp !== null && got !== null && typeof exp === "object" && typeof got === "object" && !Array.isArray(exp) && !Array.isArray(got)) {
    if (!subset) {
      for (const k of Object.keys(got)) if (!(k in exp)) throw new Error(`at ${path}: unexpected key \`${k}\``);
    }
    for (const [k, e] of Object.entries(exp)) {
      if (!(k in got)) throw new Error(`at ${path}.${k}: missing`);
      compare(e, got[k], subset, approx, `${path}.${k}`);
    }
    return;
  }
  if (JSON.stringify(exp) !== JSON.stringify(got)) {
    throw new Error(`at ${path}: expected ${JSON.stringify(exp)}, got ${JSON.stringify(got)}`);
  }
}

const exact = (value) => ({ value, subset: false });
const report = (value) => ({ value, subset: true });

/** Runs `f`; a MantraError becomes the step's error outcome, anything else propagates. */
async function outcome(f) {
  try {
    return { result: await f() };
  } catch (err) {
    if (err instanceof MantraError) return { error: err };
    throw err;
  }
}

function checkOutcome(s, out, resolve) {
  const expectError = s.expect_error;
  if (expectError !== undefined && typeof expectError !== "string") throw new DataError("`expect_error` must be a string");
  if (s.field !== undefined && expectError !== "invalid_config") throw new DataError("`field` needs `expect_error: invalid_config`");
  if ("expect" in s && expectError !== undefined) throw new DataError("a step has either `expect` or `expect_error`");
  const approx = s.approx ?? {};
  if (out.error) {
    if (expectError === undefined) throw new Error(`unexpected error \`${out.error.code}\`: ${out.error.message}`);
    assert.equal(out.error.code, expectError, `expected error \`${expectError}\`, got \`${out.error.code}\`: ${out.error.message}`);
    if (s.field !== undefined) assert.equal(coreField(out.error.field ?? ""), s.field, `invalid field: ${out.error.message}`);
    return;
  }
  if (expectError !== undefined) throw new Error(`expected error \`${expectError}\`, got success ${JSON.stringify(out.result?.value)}`);
  if (!("expect" in s)) return;
  if (out.result === undefined) throw new DataError("this op has no result to `expect`");
  const exp = resolve(s.expect);
  try {
    compare(exp, out.result.value, out.result.subset, approx, "$");
  } catch (err) {
    throw new Error(`${err.message}\n    expected: ${JSON.stringify(exp)}\n    actual:   ${JSON.stringify(out.result.value).slice(0, 2000)}`);
  }
}

/** Reads a snake_case config into JS options, strictly. */
function options(config, spec, what) {
  onlyKeys(config, Object.keys(spec), `${what} config`);
  const out = {};
  for (const [k, v] of Object.entries(config)) out[spec[k] === true ? camel(k) : spec[k](out, v)] = v;
  return out;
}

// ---------------------------------------------------------------------------------------
// cache

function resolveWeights(v) {
  if (Array.isArray(v)) return v.map(resolveWeights);
  if (v !== null && typeof v === "object") {
    if ("weights" in v) {
      onlyKeys(v, ["weights", "plus"], "weight sum");
      let total = 0;
      for (const e of v.weights) {
        onlyKeys(e, ["key", "value"], "weights entry");
        total += CacheManager.entryWeight(str(e, "key"), e.value);
      }
      return total + (v.plus ?? 0);
    }
    const out = {};
    for (const [k, x] of Object.entries(v)) out[k] = resolveWeights(x);
    return out;
  }
  return v;
}

function cacheDriver(config, clock) {
  onlyKeys(config, ["max_entries", "default_ttl_ms", "enable_stats", "cleanup_interval_ms", "max_memory_bytes", "ttl_by_type_ms"], "cache config");
  const o = {};
  if ("max_entries" in config) o.maxEntries = config.max_entries;
  if ("default_ttl_ms" in config) o.defaultTtlMs = config.default_ttl_ms;
  if ("enable_stats" in config) o.enableStats = config.enable_stats;
  if ("cleanup_interval_ms" in config) o.cleanupIntervalMs = config.cleanup_interval_ms;
  if ("max_memory_bytes" in config) o.maxMemoryBytes = resolveWeights(config.max_memory_bytes);
  if ("ttl_by_type_ms" in config) o.ttlByType = config.ttl_by_type_ms;
  const c = CacheManager.withClock(o, clock);
  const type = (s) => s.type ?? "generic";
  return {
    resolve: resolveWeights,
    async step(op, s) {
      switch (op) {
        case "put":
          onlyKeys(s, ["key", "value", "type", "ttl_ms"], op);
          return outcome(() => {
            c.put(str(s, "key"), s.value, type(s), s.ttl_ms === undefined ? undefined : { ttlMs: s.ttl_ms });
          });
        case "get":
          onlyKeys(s, ["key", "type"], op);
          return outcome(() => exact(c.get(str(s, "key"), type(s)) ?? null));
        case "remove":
          onlyKeys(s, ["key", "type"], op);
          return outcome(() => exact(c.remove(str(s, "key"), type(s))));
        case "clear":
          onlyKeys(s, [], op);
          return outcome(() => c.clear());
        case "clear_type":
          onlyKeys(s, ["type"], op);
          return outcome(() => exact(c.clearType(str(s, "type"))));
        case "len":
          onlyKeys(s, [], op);
          return outcome(() => exact(c.len()));
        case "cleanup":
          onlyKeys(s, [], op);
          return outcome(() => exact(c.cleanup()));
        case "stats":
          onlyKeys(s, [], op);
          return outcome(() => report(toSnake(c.stats())));
        case "weight":
          onlyKeys(s, ["key", "value"], op);
          return outcome(() => exact(CacheManager.entryWeight(str(s, "key"), s.value)));
        default:
          throw new DataError(`unknown cache op \`${op}\``);
      }
    },
  };
}

// ---------------------------------------------------------------------------------------
// batch

function scriptedError(e, size) {
  onlyKeys(e, ["code", "status", "retry_after_ms", "rpc_code", "max", "message"], "error");
  const props = {};
  if (e.status !== undefined) props.status = e.status;
  if (e.retry_after_ms !== undefined) props.retryAfterMs = e.retry_after_ms;
  if (e.rpc_code !== undefined) props.rpcCode = e.rpc_code;
  if (e.code === "batch_limit") {
    props.max = e.max;
    props.size = size;
  }
  if (!["transport", "rpc", "batch_limit", "host"].includes(e.code)) throw new DataError(`unknown error code \`${e.code}\``);
  return new MantraError(e.code, e.message ?? `scripted ${e.code} error`, props);
}

function batchDriver(config, clock, replies) {
  const o = options(config, {
    max_batch_size: true, max_batch_delay_ms: true, enable_auto_batching: true,
    max_concurrent_batches: true, retry_attempts: true, retry_delay_ms: true,
  }, "batch");
  o.retryJitter = false;
  if (replies !== undefined && !Array.isArray(replies)) throw new DataError("`executor` must be an array");
  const queue = [...(replies ?? [])];
  const calls = [];
  const executor = async (ops) => {
    calls.push({ at_ms: clock.nowMs, ids: ops.map((op) => op.op) });
    const reply = queue.length > 0 ? queue.shift() : "echo";
    let run;
    let delay = 0;
    if (reply === "echo") {
      run = () => ops.map((op) => op.params);
    } else if (reply && "results" in reply) {
      onlyKeys(reply, ["results", "delay_ms"], "reply");
      delay = reply.delay_ms ?? 0;
      run = () => reply.results.map((r, i) => {
        if (r === "echo") return ops[i] ? ops[i].params : null;
        if (r && "ok" in r) return r.ok;
        if (r && "error" in r) return scriptedError(r.error, ops.length);
        throw new DataError(`bad result ${JSON.stringify(r)}`);
      });
    } else if (reply && "error" in reply) {
      onlyKeys(reply, ["error", "delay_ms"], "reply");
      delay = reply.delay_ms ?? 0;
      run = () => {
        throw scriptedError(reply.error, ops.length);
      };
    } else {
      throw new DataError(`unknown executor reply ${JSON.stringify(reply)}`);
    }
    if (delay > 0) await clock.sleepMs(delay);
    return run();
  };
  const m = BatchManager.withClock(o, executor, clock);
  const tickets = new Map(); // id → {done, ok, value, error}
  return {
    resolve: (v) => v,
    async step(op, s, full) {
      switch (op) {
        case "submit": {
          onlyKeys(s, ["id", "params", "priority", "timeout_ms"], op);
          const id = str(s, "id");
          if (tickets.has(id)) throw new DataError(`duplicate operation id \`${id}\``);
          const t = { done: false };
          tickets.set(id, t);
          const opts = {};
          if (s.priority !== undefined) opts.priority = s.priority;
          if (s.timeout_ms !== undefined) opts.timeoutMs = s.timeout_ms;
          m.submit(id, "params" in s ? s.params : id, opts).then(
            (value) => Object.assign(t, { done: true, ok: true, value }),
            (error) => Object.assign(t, { done: true, ok: false, error }),
          );
          await settle();
          if (full.expect_error !== undefined && t.done && !t.ok) {
            tickets.delete(id);
            return { error: t.error };
          }
          return { result: undefined };
        }
        case "flush":
          onlyKeys(s, [], op);
          return outcome(() => m.flush());
        case "done": {
          onlyKeys(s, ["id"], op);
          const t = tickets.get(str(s, "id"));
          if (!t) throw new DataError(`no operation \`${s.id}\` was submitted`);
          return { result: exact(t.done) };
        }
        case "await": {
          onlyKeys(s, ["id"], op);
          const t = tickets.get(str(s, "id"));
          if (!t) throw new DataError(`no operation \`${s.id}\` was submitted`);
          if (!t.done) throw new Error(`operation \`${s.id}\` has no result yet (await never waits: \`advance\` first)`);
          if (!t.ok && !(t.error instanceof MantraError)) throw t.error;
          return { result: exact(t.ok ? { ok: t.value } : { error: t.error.code }) };
        }
        case "executor_calls":
          onlyKeys(s, [], op);
          return { result: report(calls.map((c) => ({ ...c }))) };
        case "stats":
          onlyKeys(s, [], op);
          return outcome(() => report(toSnake(m.stats())));
        case "close":
          onlyKeys(s, [], op);
          return outcome(() => m.close());
        default:
          throw new DataError(`unknown batch op \`${op}\``);
      }
    },
  };
}

// ---------------------------------------------------------------------------------------
// metrics

function metricsDriver(config, clock) {
  const spec = {
    enable_protocol_metrics: true, enable_mcp_metrics: true, enable_resource_metrics: true,
    enable_custom_metrics: true, retention_period_ms: true, aggregation_interval_ms: true,
    namespace: true, max_series_per_family: true, max_custom_metrics: true, histogram_buckets: true,
    const_labels: true,
  };
  onlyKeys(config, Object.keys(spec), "metrics config");
  const o = {};
  for (const [k, v] of Object.entries(config)) o[camel(k)] = v;
  if (config.const_labels !== undefined) {
    if (!Array.isArray(config.const_labels)) throw new DataError("`const_labels` must be [[name, value], ...]");
    o.constLabels = Object.fromEntries(config.const_labels);
  }
  const m = MetricsCollector.withClock(o, clock);
  const snapshot = () => {
    const snap = toSnake(m.getAllMetrics());
    const byName = {};
    for (const f of snap.families) byName[f.name] = { ...f, series_count: f.series.length };
    snap.families = byName;
    return snap;
  };
  return {
    resolve: (v) => v,
    async step(op, s) {
      switch (op) {
        case "record_protocol":
          onlyKeys(s, ["protocol", "operation", "latency_ms", "success", "error"], op);
          return outcome(() => m.recordProtocolOperation(str(s, "protocol"), str(s, "operation"), num(s, "latency_ms"), s.success, s.error));
        case "record_mcp":
          onlyKeys(s, ["latency_ms", "success", "transport"], op);
          return outcome(() => m.recordMcpRequest(num(s, "latency_ms"), s.success, str(s, "transport")));
        case "record_custom":
          onlyKeys(s, ["category", "name", "value", "type"], op);
          return outcome(() => m.recordCustomMetric(str(s, "category"), str(s, "name"), num(s, "value"), str(s, "type")));
        case "snapshot":
          onlyKeys(s, [], op);
          return { result: report(snapshot()) };
        case "series": {
          onlyKeys(s, ["family", "labels"], op);
          const fam = snapshot().families[str(s, "family")];
          const want = JSON.stringify(Object.entries(s.labels).sort());
          const found = fam?.series.find((x) => JSON.stringify(Object.entries(x.labels).sort()) === want);
          return { result: report(found ?? null) };
        }
        case "prometheus": {
          onlyKeys(s, ["contains", "absent"], op);
          const text = m.prometheus();
          const lines = text.split("\n");
          const missing = (s.contains ?? []).filter((l) => !lines.includes(l));
          const present = (s.absent ?? []).filter((p) => lines.some((l) => l.startsWith(p)));
          if (missing.length || present.length) {
            throw new Error(`prometheus text mismatch\n    missing lines: ${JSON.stringify(missing)}\n    present but absent expected: ${JSON.stringify(present)}\n    text:\n${text.slice(0, 2000)}`);
          }
          return { result: undefined };
        }
        default:
          throw new DataError(`unknown metrics op \`${op}\``);
      }
    },
  };
}

// ---------------------------------------------------------------------------------------
// health

function healthDriver(config, clock, checks) {
  const o = options(config, {
    check_interval_ms: true, check_timeout_ms: true, failure_threshold: true,
    recovery_threshold: true, enable_auto_checks: true, enable_auto_recovery: true,
    enable_diagnostics: true, recovery_timeout_ms: true, history_size: true,
  }, "health");
  const h = HealthChecker.withClock(o, clock);
  const answer = (name, step) => {
    if (step === "fail") throw new Error("scripted failure");
    if (step === "degraded") return "scripted degradation";
    if (step === "ok") return true;
    throw new DataError(`checks.${name}: unknown check result \`${step}\``);
  };
  for (const [name, c] of Object.entries(checks ?? {})) {
    onlyKeys(c, ["critical", "timeout_ms", "script"], `checks.${name}`);
    if (!Array.isArray(c.script) || c.script.length === 0) throw new DataError(`checks.${name}: missing array \`script\``);
    let next = 0;
    const check = () => {
      const step = c.script[Math.min(next, c.script.length - 1)];
      next++;
      if (step === "timeout") return new Promise(() => {});
      if (step !== null && typeof step === "object") {
        onlyKeys(step, ["after_ms", "then"], "check step");
        return clock.sleepMs(step.after_ms).then(() => answer(name, step.then));
      }
      return answer(name, step);
    };
    const opts = {};
    if (c.critical !== undefined) opts.critical = c.critical;
    if (c.timeout_ms !== undefined) opts.timeoutMs = c.timeout_ms;
    h.registerCheck(name, check, opts);
  }
  let round = null;
  const startRound = () => {
    const r = { done: false };
    h.runHealthChecks().then(
      (sys) => Object.assign(r, { done: true, sys }),
      (error) => Object.assign(r, { done: true, error }),
    );
    return r;
  };
  const finished = (r) => (r.error ? { error: r.error } : { result: exact(r.sys.overallStatus) });
  return {
    resolve: (v) => v,
    async step(op, s) {
      switch (op) {
        case "run": {
          onlyKeys(s, [], op);
          const r = startRound();
          await settle();
          if (!r.done) throw new Error("the round did not finish without time moving (use run_start)");
          return finished(r);
        }
        case "run_start":
          onlyKeys(s, [], op);
          if (round && !round.done) throw new DataError("a round started by run_start is still running");
          round = startRound();
          return { result: undefined };
        case "run_done":
          onlyKeys(s, [], op);
          if (!round) throw new DataError("no round was started");
          return { result: exact(round.done) };
        case "run_result": {
          onlyKeys(s, [], op);
          if (!round) throw new DataError("no round was started");
          if (!round.done) throw new Error("the round has not finished (advance first)");
          const r = round;
          round = null;
          return finished(r);
        }
        case "system":
          onlyKeys(s, [], op);
          return { result: report(toSnake(h.getSystemHealth())) };
        case "component": {
          onlyKeys(s, ["name"], op);
          const c = h.getProtocolHealth(str(s, "name"));
          if (c === null) throw new DataError(`no check named \`${s.name}\``);
          return { result: report(toSnake(c)) };
        }
        case "start":
          onlyKeys(s, [], op);
          return outcome(() => h.start());
        case "stop":
          onlyKeys(s, [], op);
          return outcome(() => h.stop());
        default:
          throw new DataError(`unknown health op \`${op}\``);
      }
    },
  };
}

// ---------------------------------------------------------------------------------------
// the runner

const BUILDERS = {
  cache: (doc, clock) => cacheDriver(doc.config ?? {}, clock),
  batch: (doc, clock) => batchDriver(doc.config ?? {}, clock, doc.executor),
  metrics: (doc, clock) => metricsDriver(doc.config ?? {}, clock),
  health: (doc, clock) => healthDriver(doc.config ?? {}, clock, doc.checks),
};

export async function runScenario(doc, stem) {
  const extra = { batch: ["executor"], health: ["checks"], cache: [], metrics: [] }[doc.component];
  if (!extra) throw new DataError(`unknown component \`${doc.component}\``);
  onlyKeys(doc, ["name", "component", "description", "config", "steps", ...extra], "scenario");
  if (doc.name !== stem) throw new DataError(`\`name\` is \`${doc.name}\` but the file is \`${stem}.json\``);
  if (typeof doc.description !== "string") throw new DataError("missing string `description`");
  if (!Array.isArray(doc.steps) || doc.steps.length === 0) throw new DataError("`steps` must be a non-empty array");
  const clock = new ManualClock();
  const build = async () => {
    try {
      return { driver: BUILDERS[doc.component](doc, clock) };
    } catch (err) {
      if (err instanceof MantraError) return { error: err };
      throw err;
    }
  };
  let driver = null;
  for (const [i, s] of doc.steps.entries()) {
    const op = s.op;
    const ctx = (err) => {
      err.message = `step ${i} (${op}): ${err.message}`;
      return err;
    };
    try {
      if (typeof op !== "string") throw new DataError("missing string `op`");
      if (op === "construct") {
        if (i !== 0) throw new DataError("`construct` must be the first step");
        onlyKeys(s, COMMON_STEP_KEYS, op);
        const built = await build();
        if (built.driver) driver = built.driver;
        checkOutcome(s, built.error ? { error: built.error } : { result: undefined }, (v) => v);
        continue;
      }
      if (driver === null) {
        const built = await build();
        if (built.error) throw new Error(`construction failed: ${built.error.message} (${built.error.code})`);
        driver = built.driver;
      }
      let out;
      if (op === "advance") {
        onlyKeys(Object.fromEntries(Object.entries(s).filter(([k]) => !COMMON_STEP_KEYS.includes(k))), ["ms"], op);
        await clock.advance(num(s, "ms"));
        out = { result: undefined };
      } else {
        const fields = Object.fromEntries(Object.entries(s).filter(([k]) => !COMMON_STEP_KEYS.includes(k)));
        out = await driver.step(op, fields, s);
      }
      await settle();
      checkOutcome(s, out, driver.resolve);
    } catch (err) {
      throw ctx(err);
    }
  }
}

const files = readdirSync(DIR).filter((f) => f.endsWith(".json")).sort();

test("the scenario directory has scenarios", () => {
  assert.ok(files.length > 0, `no scenarios in ${DIR.pathname}`);
});

for (const file of files) {
  const stem = file.slice(0, -".json".length);
  test(`scenario ${stem}`, async () => {
    const doc = JSON.parse(readFileSync(new URL(file, DIR), "utf8"));
    await runScenario(doc, stem);
  });
}

test("the README's example passes", async () => {
  const readme = readFileSync(new URL("README.md", DIR), "utf8");
  const block = readme.match(/```json\n([\s\S]*?)\n```/);
  assert.ok(block, "README has a json example");
  const doc = JSON.parse(block[1]);
  await runScenario(doc, doc.name);
});

test("the runner fails on wrong expectations, unknown ops and keys", async () => {
  const base = () => ({
    name: "x",
    component: "cache",
    description: "d",
    config: { default_ttl_ms: 1000 },
    steps: [{ op: "put", key: "a", value: 1 }, { op: "get", key: "a", expect: 1 }],
  });
  await runScenario(base(), "x");
  const wrong = base();
  wrong.steps[1].expect = 2;
  await assert.rejects(runScenario(wrong, "x"), /step 1 \(get\): at \$: expected 2, got 1/);
  const unknownOp = base();
  unknownOp.steps.push({ op: "frobnicate" });
  await assert.rejects(runScenario(unknownOp, "x"), /unknown cache op `frobnicate`/);
  const unknownKey = base();
  unknownKey.steps[0].colour = "red";
  await assert.rejects(runScenario(unknownKey, "x"), /unknown key `colour`/);
  const unknownConfig = base();
  unknownConfig.config.max_entry = 1;
  await assert.rejects(runScenario(unknownConfig, "x"), /unknown key `max_entry`/);
  const badConfig = { ...base(), config: { max_entries: 0 }, steps: [{ op: "construct", expect_error: "invalid_config", field: "max_entries" }] };
  await runScenario(badConfig, "x");
  badConfig.steps[0].field = "max_memory_bytes";
  await assert.rejects(runScenario(badConfig, "x"), /invalid field/);
});
