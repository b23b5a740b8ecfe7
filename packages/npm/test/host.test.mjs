// How core calls JS callbacks (bindings-wasm/io/src/host.rs): values and promises come back,
// throws and rejections become core errors and return as MantraError — with core, not the
// binding, deciding `retryable`.
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { test } from "node:test";

const sdk = createRequire(import.meta.url)("mantra-sdk");
const { testHostCall, pendingCount } = sdk.__internals;

async function rejected(promise) {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  assert.fail("expected a rejection");
}

test("a sync return value and a resolved promise both come back", async () => {
  assert.deepEqual(await testHostCall((x) => ({ got: x }), 7), { got: 7 });
  assert.equal(await testHostCall(async (x) => x * 2, 21), 42);
  const thenable = { then: (resolve) => resolve("thenable") };
  assert.equal(await testHostCall(() => thenable, null), "thenable");
});

test("a plain throw or rejection becomes MantraError host naming the callback", async () => {
  for (const f of [
    () => {
      throw new Error("boom");
    },
    async () => {
      throw new Error("boom");
    },
  ]) {
    const err = await rejected(testHostCall(f, null));
    assert.ok(err instanceof sdk.MantraError);
    assert.equal(err.code, "host");
    assert.equal(err.retryable, false);
    assert.match(err.message, /test callback: boom/);
  }
  const str = await rejected(testHostCall(() => Promise.reject("just a string"), null));
  assert.equal(str.code, "host");
  assert.match(str.message, /just a string/);
});

test("a MantraError thrown by host code keeps its meaning through core", async () => {
  const e503 = await rejected(
    testHostCall(async () => {
      throw new sdk.MantraError("transport", "upstream 503", { status: 503, retryAfterMs: 1500 });
    }, null),
  );
  assert.equal(e503.code, "transport");
  assert.equal(e503.status, 503);
  assert.equal(e503.retryAfterMs, 1500);
  assert.equal(e503.retryable, true, "core classifies 503 as retryable");

  const e400 = await rejected(
    testHostCall(() => {
      throw new sdk.MantraError("transport", "bad request", { status: 400 });
    }, null),
  );
  assert.equal(e400.retryable, false, "core classifies 400 as final");

  const rpc = await rejected(
    testHostCall(() => {
      throw new sdk.MantraError("rpc", "Internal error", { rpcCode: -32603, data: "busy" });
    }, null),
  );
  assert.equal(rpc.code, "rpc");
  assert.equal(rpc.rpcCode, -32603);
  assert.equal(rpc.data, "busy");
  assert.equal(rpc.retryable, true);

  const timeout = await rejected(
    testHostCall(() => {
      throw new sdk.MantraError("timeout", "took too long", { timeoutMs: 250 });
    }, null),
  );
  assert.equal(timeout.code, "timeout");
  assert.equal(timeout.timeoutMs, 250);
});

test("a non-function callback is a TypeError", async () => {
  const err = await rejected(testHostCall(42, null));
  assert.ok(err instanceof TypeError);
  assert.match(err.message, /must be a function, got number 42/);
});

test("an export promise's reject function waits in the panic set only while it runs", async () => {
  // lib/sdk.mjs rejects everything in the set after a panic or trap (test/panic.test.mjs);
  // wasm adds each export promise's reject function when it starts and removes it as it
  // settles — resolved or rejected — so the set does not grow with the calls made.
  const clock = new sdk.ManualClock();
  const before = pendingCount();
  const sleeps = Array.from({ length: 100 }, () => clock.sleepMs(10));
  const failing = testHostCall(() => {
    throw new Error("no");
  }, null);
  const passing = testHostCall((x) => x, 7);
  assert.equal(pendingCount(), before + 102);
  await clock.advance(10);
  await Promise.all(sleeps);
  assert.equal((await rejected(failing)).code, "host");
  assert.equal(await passing, 7);
  assert.equal(pendingCount(), before);
  clock.free();
});
