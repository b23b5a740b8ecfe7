// MetricsCollector on the built package: recording (by name and through the memoized
// handles) lands in the same series, exports, snapshot shape, bad input, free.
import assert from "node:assert/strict";
import { test } from "node:test";

import { MantraError, ManualClock, MetricsCollector } from "mantra-sdk";

const NO_PROCESS = { enableProcessMetrics: false };

function line(text, prefix) {
  return text.split("\n").find((l) => l.startsWith(prefix));
}

test("protocol operations: counts, errors, histogram buckets in Prometheus text", () => {
  const m = new MetricsCollector(NO_PROCESS);
  for (let i = 0; i < 5; i++) m.recordProtocolOperation("rpc", "status", 12, true); // handle path after the first
  m.recordProtocolOperation("rpc", "status", 300, false, "timeout");
  m.recordProtocolOperation("rpc", "status", 2, false);
  const text = m.prometheus();
  assert.equal(
    line(text, 'mantra_protocol_operations_total{protocol="rpc",operation="status",status="success"}'),
    'mantra_protocol_operations_total{protocol="rpc",operation="status",status="success"} 5',
  );
  assert.ok(text.includes('mantra_protocol_operations_total{protocol="rpc",operation="status",status="error"} 2'));
  assert.ok(text.includes('mantra_protocol_errors_total{protocol="rpc",operation="status",error="timeout"} 1'));
  assert.ok(text.includes('mantra_protocol_errors_total{protocol="rpc",operation="status",error="unknown"} 1'));
  assert.ok(text.includes('mantra_protocol_operation_duration_seconds_bucket{protocol="rpc",operation="status",le="0.005"} 1'));
  assert.ok(text.includes('mantra_protocol_operation_duration_seconds_bucket{protocol="rpc",operation="status",le="0.025"} 6'));
  assert.ok(text.includes('mantra_protocol_operation_duration_seconds_bucket{protocol="rpc",operation="status",le="+Inf"} 7'));
  assert.ok(text.includes('mantra_protocol_operation_duration_seconds_count{protocol="rpc",operation="status"} 7'));
  assert.ok(text.includes('mantra_protocol_operation_duration_seconds_sum{protocol="rpc",operation="status"} 0.362'));
  m.free();
});

test("the memoized fast path records exactly what recording by name records", () => {
  const a = new MetricsCollector(NO_PROCESS);
  const b = new MetricsCollector(NO_PROCESS);
  const ops = [];
  for (let i = 0; i < 200; i++) ops.push([`p${i % 3}`, `op${i % 7}`, (i * 37) % 900, i % 5 !== 0]);
  for (const [p, o, ms, ok] of ops) a.recordProtocolOperation(p, o, ms, ok, ok ? undefined : "e");
  // b: a fresh collector per pair would never memoize; record the same through one collector
  for (const [p, o, ms, ok] of ops) b.recordProtocolOperation(p, o, ms, ok, ok ? undefined : "e");
  for (const t of ["http", "ws"]) for (let i = 0; i < 10; i++) {
    a.recordMcpRequest(i, i % 2 === 0, t);
    b.recordMcpRequest(i, i % 2 === 0, t);
  }
  assert.equal(a.prometheus(), b.prometheus());
  const snap = a.getAllMetrics();
  const fam = snap.families.find((f) => f.name === "mantra_protocol_operation_duration_seconds");
  assert.equal(fam.series.length, 21);
  assert.equal(fam.series.reduce((n, s) => n + s.count, 0), 200);
  const mcp = snap.families.find((f) => f.name === "mantra_mcp_requests_total");
  assert.deepEqual(mcp.series.map((s) => [s.labels.transport, s.labels.status, s.value]), [
    ["http", "error", 5], ["http", "success", 5], ["ws", "error", 5], ["ws", "success", 5],
  ]);
});

test("cardinality cap: overflowed pairs keep being counted as dropped", () => {
  const m = new MetricsCollector({ ...NO_PROCESS, maxSeriesPerFamily: 2 });
  for (let round = 0; round < 3; round++) {
    for (const op of ["a", "b", "c", "d"]) m.recordProtocolOperation("rpc", op, 1, true);
  }
  const snap = m.getAllMetrics();
  assert.equal(snap.droppedSeries.mantra_protocol_operation_duration_seconds, 6);
  const fam = snap.families.find((f) => f.name === "mantra_protocol_operation_duration_seconds");
  assert.deepEqual(fam.series.map((s) => [s.labels.operation, s.count]), [["a", 3], ["b", 3], ["__overflow__", 6]]);
  // long label values are cut by core; still recorded correctly
  const long = "x".repeat(300);
  const n = new MetricsCollector(NO_PROCESS);
  for (let i = 0; i < 3; i++) n.recordProtocolOperation(long, "q", 1, true);
  assert.ok(n.prometheus().includes(`protocol="${"x".repeat(128)}",operation="q",status="success"} 3`));
});

test("custom metrics, resource gauges, snapshot and OTLP shape", () => {
  const m = new MetricsCollector({ ...NO_PROCESS, namespace: "app", constLabels: { env: "test" } });
  m.recordCustomMetric("dex", "swaps", 2, "counter");
  m.recordCustomMetric("dex", "swaps", 3, "counter");
  m.recordCustomMetric("dex", "depth", 7.5, "gauge");
  m.recordCustomMetric("dex", "size", 0.2, "histogram");
  m.recordResourceUsage({ cacheEntries: 12, memoryUsedBytes: 1024 });
  // A bad value is a bad argument (not a config error), and sets nothing.
  for (const bad of [-1, 1.5, Infinity]) {
    assert.throws(
      () => m.recordResourceUsage({ cacheBytes: bad, cacheEntries: 99 }),
      (e) => e.code === "invalid_argument" && /recordResourceUsage\(usage\) field `cacheBytes` must be an integer >= 0/.test(e.message),
    );
  }
  assert.throws(() => m.recordResourceUsage({ cacheBytes: "1" }), TypeError);
  assert.throws(() => m.recordResourceUsage(5), (e) => e instanceof TypeError && e.message === "MetricsCollector.recordResourceUsage(usage) must be an object, got number 5");
  const text = m.prometheus();
  assert.ok(text.includes('app_custom_dex_swaps_total{env="test"} 5'), text);
  assert.ok(text.includes('app_custom_dex_depth{env="test"} 7.5'));
  assert.ok(text.includes('app_resource_cache_entries{env="test"} 12'));
  assert.ok(text.includes('app_resource_memory_bytes{env="test",kind="used"} 1024'));
  const snap = m.getAllMetrics();
  assert.deepEqual(Object.keys(snap).sort(), [
    "constLabels", "droppedSeries", "families", "namespace", "retentionSeconds", "startTimeUnixMs",
    "timestampUnixMs", "windowIntervalSeconds", "windows",
  ]);
  assert.equal(snap.namespace, "app");
  assert.deepEqual(snap.constLabels, { env: "test" });
  const hist = snap.families.find((f) => f.name === "app_custom_dex_size");
  assert.equal(hist.type, "histogram");
  assert.deepEqual(Object.keys(hist).sort(), ["droppedSeries", "help", "labelNames", "maxSeries", "name", "series", "type"]);
  const s = hist.series[0];
  assert.equal(s.count, 1);
  assert.equal(s.sum, 0.2);
  assert.equal(s.min, 0.2);
  assert.ok(Array.isArray(s.buckets) && s.buckets[0].le === 0.005);
  const otlp = JSON.parse(m.otlpJson());
  assert.ok(Array.isArray(otlp.resourceMetrics));
  assert.throws(() => m.recordCustomMetric("dex", "swaps", 1, "gauge"), (e) => e instanceof MantraError && e.code === "invalid_argument");
  assert.throws(() => m.recordCustomMetric("dex", "neg", -1, "counter"), (e) => e.code === "invalid_argument");
  assert.throws(() => m.recordCustomMetric("a", "b", 1, "summary"), (e) => e.code === "invalid_argument" && /summary/.test(e.message));
  assert.ok(m.prometheus().includes('app_metrics_rejected_total{env="test",reason="type_conflict"} 1'));
});

test("aggregation windows in virtual time", async () => {
  const clock = new ManualClock();
  const m = MetricsCollector.withClock({ ...NO_PROCESS, aggregationIntervalMs: 1000, retentionPeriodMs: 3000 }, clock);
  m.initialize();
  assert.equal(m.isRunning, true);
  m.recordProtocolOperation("rpc", "block", 100, true);
  m.recordProtocolOperation("rpc", "block", 300, true);
  await clock.advance(1000);
  let w = m.getAllMetrics().windows;
  assert.equal(w.length, 1);
  assert.equal(w[0].family, "mantra_protocol_operation_duration_seconds");
  assert.equal(w[0].count, 2);
  assert.equal(w[0].min, 0.1);
  assert.equal(w[0].max, 0.3);
  await clock.advance(4000);
  w = m.getAllMetrics().windows;
  assert.equal(w.length, 0, "pruned after the retention period");
  m.close();
  assert.equal(m.isRunning, false);
  assert.throws(() => m.initialize(), (e) => e.code === "closed");
});

test("bad input: TypeError for types, MantraError for values, nothing recorded", () => {
  const m = new MetricsCollector(NO_PROCESS);
  m.recordProtocolOperation("rpc", "status", 1, true); // memoized from now on
  assert.throws(() => m.recordProtocolOperation("rpc", "status", "1", true), /latencyMs must be a number of milliseconds, got string "1"/);
  assert.throws(() => m.recordProtocolOperation("rpc", "status", -1, true), (e) => e instanceof MantraError && e.code === "invalid_argument" && /latencyMs/.test(e.message));
  assert.throws(() => m.recordProtocolOperation("rpc", "status", NaN, true), (e) => e.code === "invalid_argument");
  assert.throws(() => m.recordProtocolOperation("rpc", "status", 1, "yes"), TypeError);
  assert.throws(() => m.recordProtocolOperation(1, "status", 1, true), /protocol must be a string, got number 1/);
  assert.throws(() => m.recordProtocolOperation("rpc", "status", 1, false, 5), /error must be a string/);
  assert.throws(() => m.recordMcpRequest(1, true, null), /transport must be a string, got null/);
  assert.throws(() => m.recordMcpRequest(-5, true, "http"), (e) => e.code === "invalid_argument");
  assert.throws(() => m.recordCustomMetric("a", "b", "1", "gauge"), TypeError);
  assert.ok(m.prometheus().includes('status="success"} 1\n'), "only the first recording counted");
  assert.throws(() => new MetricsCollector({ namespace: "bad name" }), (e) => e.code === "invalid_config" && e.field === "namespace");
  assert.throws(() => new MetricsCollector({ aggregationIntervalMs: 0 }), (e) => e.field === "aggregationIntervalMs");
  assert.throws(() => new MetricsCollector({ histogramBuckets: [1, 0.5] }), (e) => e.field === "histogramBuckets");
  assert.throws(() => new MetricsCollector({ histogramBuckets: "1" }), TypeError);
  assert.throws(() => new MetricsCollector({ namespaces: "x" }), /no option `namespaces`/);
  m.free();
  m.free();
  assert.throws(() => m.prometheus(), (e) => e.code === "closed");
  assert.throws(() => m.recordProtocolOperation("rpc", "status", 1, true), (e) => e.code === "closed");
});
