// A Rust panic must reach JS as MantraError("internal"), never as `RuntimeError: unreachable`,
// and must poison the instance. Each case runs in a child process: a panic poisons the module
// for the rest of the process, and an async panic is also an uncaught exception.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const child = fileURLToPath(new URL("./fixtures/panic-child.cjs", import.meta.url));

function run(mode) {
  const r = spawnSync(process.execPath, [child, mode], { encoding: "utf8", timeout: 30_000 });
  assert.equal(r.status, 0, `child exited ${r.status}: ${r.stderr}`);
  const out = JSON.parse(r.stdout);
  if (mode !== "trap") assert.doesNotMatch(r.stdout + r.stderr, /unreachable|RuntimeError/);
  return out;
}

test("a panic in a synchronous call throws MantraError internal and poisons the instance", () => {
  const out = run("sync");
  assert.equal(out.thrown.name, "MantraError");
  assert.equal(out.thrown.code, "internal");
  assert.equal(out.thrown.isMantraError, true);
  assert.match(out.thrown.message, /internal error.*test panic requested from JS \(sync\)/);
  assert.match(out.thrown.message, /bindings-wasm\/io\/src\/meta\.rs/);
  // Pending work is rejected, later calls fail fast with the same code.
  assert.equal(out.pending.code, "internal");
  assert.equal(out.later.code, "internal");
  assert.match(out.later.message, /can no longer be used/);
  assert.equal(out.laterCtor.code, "internal");
  assert.equal(out.freeAfter, "ok");
});

test("a panic inside an async task rejects pending promises with MantraError internal", () => {
  const out = run("async");
  assert.equal(out.panicPromise.code, "internal");
  assert.match(out.panicPromise.message, /test panic requested from JS \(async\)/);
  assert.equal(out.pending.code, "internal");
  // The host also sees the error as uncaught (wasm cannot resume the task): a MantraError.
  assert.equal(out.uncaught.name, "MantraError");
  assert.equal(out.uncaught.code, "internal");
  assert.equal(out.later.code, "internal");
});

test("a wasm trap that bypasses the panic hook becomes MantraError internal too", () => {
  const out = run("trap");
  assert.equal(out.thrown.name, "MantraError");
  assert.equal(out.thrown.code, "internal");
  assert.equal(out.thrown.isMantraError, true);
  // The trap is named in the message (and kept as `cause`), but is not what is thrown.
  assert.match(out.thrown.message, /WebAssembly trap "unreachable"/);
  assert.equal(out.thrown.causeName, "RuntimeError");
  assert.equal(out.pending.code, "internal");
  assert.equal(out.later.code, "internal");
  assert.equal(out.laterCtor.code, "internal");
});
