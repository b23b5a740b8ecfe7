// The browser suite: the shared smoke checks plus MantraClient against the devnet, run by
// the page (page.mjs) on the main thread and again inside a module Worker (worker.mjs).
// No DOM APIs here: this file runs in both.
import { checks } from "../checks.mjs";

// MantraClient against the local devnet from the page (fetch from a loopback origin to the
// nodes, CORS open); run.mjs passes ?devnet=url1,url2 when the devnet answers.
export function devnetChecks(endpoints) {
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

/** Runs every check on `sdk`; `devnet`: the nodes' URLs joined by commas, or null. */
export async function runSuite(sdk, devnet) {
  const results = [];
  const all = devnet ? [...checks, ...devnetChecks(devnet.split(","))] : checks;
  for (const c of all) {
    try {
      await c.run(sdk);
      results.push({ name: c.name, ok: true });
    } catch (err) {
      results.push({ name: c.name, ok: false, error: String(err && err.stack ? err.stack : err) });
    }
  }
  return results;
}
