// The SDK's own per-call cost, without the network: MantraClient (Node build) with a JS
// transport that answers every batch at once with one real `abci_query` reply (fetched
// once from the node). 1000 concurrent calls with distinct keys per round.
//
// Env: MANTRA_RPC_1 (node URL, from .devnet/env), ROUNDS (default 20), CACHE (`0` turns
// the client's cache off). Prints every round's rate and the median of the second half.
const { MantraClient } = await import("../index.mjs");
const url = process.env.MANTRA_RPC_1 ?? "http://127.0.0.1:26657";
const rounds = Number(process.env.ROUNDS || 20);
const enc = new TextEncoder();
// a real node reply for one abci_query, reused
const one = await (await fetch(url, { method: "POST", body: JSON.stringify({ jsonrpc: "2.0", id: 0, method: "abci_query", params: { path: "/key", data: "00" } }) })).json();
const result = one.result;
const fake = async (req) => {
  if (req.method === "GET" || !req.body) return { status: 200, body: JSON.stringify({ jsonrpc: "2.0", id: -1, result: {} }) };
  const calls = JSON.parse(req.body);
  const arr = Array.isArray(calls) ? calls : [calls];
  const out = arr.map((c) => ({ jsonrpc: "2.0", id: c.id, result: c.method === "abci_query" ? result : {} }));
  return { status: 200, body: JSON.stringify(Array.isArray(calls) ? out : out[0]) };
};
const extra = { transport: fake, ...(process.env.CACHE === "0" ? { cache: false } : {}) };
const c = await MantraClient.connect({ endpoints: [url], ...extra });
const rates = [];
const cpus = [];
for (let r = 0; r < rounds; r++) {
  const cpu0 = process.cpuUsage();
  const t = performance.now();
  await Promise.all(Array.from({ length: 1000 }, (_, i) => c.abciQuery("/key", enc.encode(`p-${process.pid}-${r}-${i}`))));
  rates.push((1000 / (performance.now() - t)) * 1000);
  const cpu = process.cpuUsage(cpu0);
  cpus.push((cpu.user + cpu.system) / 1000); // µs of CPU per call (1000 calls)
}
const tail = rates.slice(Math.floor(rounds / 2)).sort((a, b) => a - b);
console.log(
  `fake transport, cache ${process.env.CACHE === "0" ? "off" : "on"}: ${rates.map((r) => r.toFixed(0)).join(" ")}`,
);
const cpuTail = cpus.slice(Math.floor(rounds / 2)).sort((a, b) => a - b);
console.log(
  `median of the last ${tail.length} rounds: ${tail[Math.floor(tail.length / 2)].toFixed(0)} calls/s, ` +
    `${cpuTail[Math.floor(cpuTail.length / 2)].toFixed(1)} µs CPU per call`,
);
c.close();
