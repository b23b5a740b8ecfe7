// Runs the shared smoke checks against the ESM build in the browser; test/browser/run.mjs
// reads window.__mantraResult.
import { checks } from "../checks.mjs";

// MantraClient against the local devnet from the page (fetch from a loopback origin to the
// nodes, CORS open); run.mjs passes ?devnet=url1,url2 when the devnet answers.
function devnetChecks(endpoints) {
  return [
    {
      name: `MantraClient in the browser against the devnet (${endpoints.join(", ")})`,
      async run(sdk) {
        const client = await sdk.MantraClient.connect({ endpoints });
        try {
          const status = await client.status();
          if (!(Number(status.syncInfo.latestBlockHeight) >= 1)) throw new Error("no height");
          const block = await client.block(1);
          if (Number(block.block.header.height) !== 1) throw new Error("block 1");
          const infos = await Promise.all([1, 2, 3, 4].map(() => client.call("abci_info", {})));
          if (!infos.every((i) => i.response)) throw new Error("abci_info");
          const text = client.prometheus();
          if (!/mantra_protocol_operations_total\{[^}]*operation="status"[^}]*status="success"\} [1-9]/.test(text)) {
            throw new Error(`metrics text lacks the status operation:\n${text.slice(0, 500)}`);
          }
          // The client's own components through its accessors.
          const cache = client.cache;
          if (cache !== client.cache || !(cache.len() >= 1) || cache.stats().misses !== client.cacheStats().misses) {
            throw new Error(`client.cache: ${JSON.stringify(cache.stats())}`);
          }
          client.metrics.recordCustomMetric("browser", "checks", 1, "counter");
          if (!/checks/.test(client.prometheus())) throw new Error("client.metrics recording not in prometheus()");
          client.health.registerCheck("page", async () => true);
          const health = await client.health.runHealthChecks();
          if (health.components.page.status !== "healthy") throw new Error(`client.health: ${JSON.stringify(health)}`);
        } finally {
          client.close();
        }
      },
    },
  ];
}

async function main() {
  let sdk;
  try {
    sdk = await import("mantra-sdk");
  } catch (err) {
    return { fatal: `import("mantra-sdk") failed: ${err && err.stack ? err.stack : err}` };
  }
  const results = [];
  const devnet = new URLSearchParams(location.search).get("devnet");
  const all = devnet ? [...checks, ...devnetChecks(devnet.split(","))] : checks;
  for (const c of all) {
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
