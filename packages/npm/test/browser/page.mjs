// Runs the shared smoke checks against the ESM build in the browser; test/browser/run.mjs
// reads window.__mantraResult.
import { checks } from "../checks.mjs";

async function main() {
  let sdk;
  try {
    sdk = await import("mantra-sdk");
  } catch (err) {
    return { fatal: `import("mantra-sdk") failed: ${err && err.stack ? err.stack : err}` };
  }
  const results = [];
  for (const c of checks) {
    try {
      await c.run(sdk);
      results.push({ name: c.name, ok: true });
    } catch (err) {
      results.push({ name: c.name, ok: false, error: String(err && err.stack ? err.stack : err) });
    }
  }
  return { results, version: sdk.version(), userAgent: navigator.userAgent };
}

main().then((result) => {
  window.__mantraResult = result;
  document.getElementById("out").textContent = JSON.stringify(result, null, 2);
});
