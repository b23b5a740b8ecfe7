// The client on the real node, one transport at a time: 12 rounds of 1000 concurrent
// `abci_query` (distinct keys); prints each round's calls/s and this process's CPU use, then
// the client's stats. Env: MANTRA_RPC_1 (from .devnet/env), T = "http" (nodeHttpTransport,
// default) or "fetch" (the default transport). For profiling: `node --cpu-prof bench/probe_real.mjs`.
const { MantraClient, nodeHttpTransport } = await import("../index.mjs");
const url = process.env.MANTRA_RPC_1 ?? "http://127.0.0.1:26657";
const enc = new TextEncoder();
const which = process.env.T || "http";
const c = await MantraClient.connect({ endpoints: [url], ...(which === "http" ? { transport: nodeHttpTransport() } : {}) });
const out = [];
for (let r = 0; r < 12; r++) {
  const cpu0 = process.cpuUsage(); const t = performance.now();
  await Promise.all(Array.from({ length: 1000 }, (_, i) => c.abciQuery("/key", enc.encode(`q-${process.pid}-${r}-${i}`))));
  const ms = performance.now() - t; const cpu = process.cpuUsage(cpu0);
  out.push(`${(1e6 / ms).toFixed(0)}/s cpu ${(((cpu.user + cpu.system) / 1000) / ms * 100).toFixed(0)}%`);
}
console.log(which, out.join(" | "));
console.log(JSON.stringify(c.stats()).slice(0, 600));
c.close();
