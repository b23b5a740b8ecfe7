// Heap stability: 10^6 cache operations on distinct keys (so ids are recycled and values
// released as core evicts them) must not grow the JS heap or wasm memory beyond a bound.
// Runs in a child with --expose-gc so the measurement follows full collections.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

// Runs test/fixtures/`name` in a child with --expose-gc; returns the JSON it prints.
function child(name) {
  const file = fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
  const out = execFileSync(process.execPath, ["--expose-gc", file], {
    cwd: fileURLToPath(new URL("..", import.meta.url)),
    encoding: "utf8",
    timeout: 120_000,
  });
  return JSON.parse(out);
}

test("10^6 cache ops: heap and wasm memory stay bounded after gc", () => {
  const r = child("heap-child.cjs");
  assert.equal(r.ops, 1_000_000);
  assert.ok(r.entries <= 1000, `entries ${r.entries}`);
  const heapGrowth = r.heapAfter - r.heapBefore;
  // 10^6 ops on 250 000 distinct keys: leaking one key string or value per op would add
  // tens of MB; a bounded cache of 1000 entries needs well under 4 MB.
  assert.ok(heapGrowth < 4 * 1024 * 1024, `JS heap grew by ${heapGrowth} bytes`);
  const externalGrowth = r.externalAfter - r.externalBefore;
  assert.ok(externalGrowth < 8 * 1024 * 1024, `wasm/external memory grew by ${externalGrowth} bytes`);
});

test("10^5 client calls under AbortSignals (a tenth aborted): listeners and promises are released", () => {
  const r = child("heap-client-child.cjs");
  assert.equal(r.calls, 100_000);
  assert.equal(r.aborted, 10_000);
  assert.equal(r.warnings, 0, "no process warning (one listener per signal, however many calls share it)");
  // A listener left on the shared signal, or an abort promise never settled, per call would
  // add tens of MB over 10^5 calls.
  const heapGrowth = r.heapAfter - r.heapBefore;
  assert.ok(heapGrowth < 4 * 1024 * 1024, `JS heap grew by ${heapGrowth} bytes`);
  const externalGrowth = r.externalAfter - r.externalBefore;
  assert.ok(externalGrowth < 8 * 1024 * 1024, `wasm/external memory grew by ${externalGrowth} bytes`);
});
