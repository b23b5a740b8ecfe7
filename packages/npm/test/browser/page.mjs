// Runs the browser suite (suite.mjs) against the SDK in the page, then — when run.mjs asks
// (`?worker=1`, the unbundled page) — again inside a module Worker (worker.mjs: wallets keep RPC off the main thread);
// test/browser/run.mjs reads window.__mantraResult.
import { runSuite } from "./suite.mjs";

// The worker's results, prefixed "worker: " (a worker that cannot load the SDK or answer in
// time is one failed result).
function inWorker(devnet) {
  return new Promise((resolve) => {
    const fail = (error) => resolve([{ name: "worker: load the SDK and run the suite", ok: false, error }]);
    let worker;
    try {
      worker = new Worker(new URL("./worker.mjs", import.meta.url), { type: "module" });
    } catch (err) {
      fail(String(err && err.stack ? err.stack : err));
      return;
    }
    const timer = setTimeout(() => {
      worker.terminate();
      fail("no answer within 45 s");
    }, 45_000);
    worker.onmessage = ({ data }) => {
      clearTimeout(timer);
      worker.terminate();
      if (data.fatal) fail(data.fatal);
      else resolve(data.results.map((r) => ({ ...r, name: `worker: ${r.name}` })));
    };
    worker.onerror = (e) => {
      clearTimeout(timer);
      worker.terminate();
      fail(`worker error: ${e.message}`);
    };
    worker.postMessage({ devnet });
  });
}

async function main() {
  let sdk;
  try {
    sdk = await import("mantra-sdk");
  } catch (err) {
    return { fatal: `import("mantra-sdk") failed: ${err && err.stack ? err.stack : err}` };
  }
  const params = new URLSearchParams(location.search);
  const devnet = params.get("devnet");
  const results = await runSuite(sdk, devnet);
  // The Worker run: asked for by run.mjs on the unbundled page only (worker.mjs imports the
  // ESM entry by its URL next to this file, which a bundle does not keep).
  if (params.get("worker") === "1") results.push(...(await inWorker(devnet)));
  return { results, version: sdk.version(), userAgent: navigator.userAgent };
}

main().then((result) => {
  window.__mantraResult = result;
  document.getElementById("out").textContent = JSON.stringify(result, null, 2);
});
