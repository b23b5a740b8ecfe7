// CosmJS side of `make bench-client` (see BENCHMARKS.md, "Client on the real node").
//
//   node bench.mjs RUN_ID [variant ...]
//
// Same query mix as `core/examples/bench_client.rs concurrent`: N (default 1000)
// `abci_query` calls with distinct keys started at once, through `Comet38Client` over
//   batched10      HttpBatchClient { batchSizeLimit: 10, dispatchInterval: 20 }  (CometBFT's
//                  max_request_batch_size is 10, so this is the fair comparison)
//   batched_default HttpBatchClient with its defaults (20 per batch: the node rejects them)
//   unbatched      HttpClient (one HTTP request per call)
// Node: RPC or MANTRA_RPC_1. Prints one `BENCH {json}` line per variant.
import { Comet38Client, HttpBatchClient, HttpClient } from "@cosmjs/tendermint-rpc";

const url = process.env.RPC || process.env.MANTRA_RPC_1 || "http://127.0.0.1:26657";
const n = Number(process.env.N || 1000);
const run = process.argv[2] || "1";
const variants = process.argv.length > 3 ? process.argv.slice(3) : ["batched10", "unbatched"];
const path = "/key";
const enc = new TextEncoder();
const deadlineMs = Number(process.env.DEADLINE_MS || 60000);

function makeRpc(variant) {
  switch (variant) {
    case "batched10":
      return new HttpBatchClient(url, { batchSizeLimit: 10, dispatchInterval: 20 });
    case "batched_default":
      return new HttpBatchClient(url);
    case "unbatched":
      return new HttpClient(url);
    default:
      throw new Error(`unknown variant ${variant}`);
  }
}

function pct(sorted, p) {
  if (!sorted.length) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(Math.max(rank, 1), sorted.length) - 1];
}

async function bench(variant) {
  const client = Comet38Client.create(makeRpc(variant));
  // Warm-up, as on the Rust side: one call, then a burst of 20.
  await client.abciQuery({ path, data: enc.encode("warmup") }).catch(() => {});
  // (Bounded: with 20 per batch the node rejects the burst and CosmJS never settles it.)
  let warmTimer;
  await Promise.race([
    Promise.allSettled(
      Array.from({ length: 20 }, (_, i) =>
        client.abciQuery({ path, data: enc.encode(`warm-${run}-${variant}-${i}`) }),
      ),
    ),
    new Promise((resolve) => {
      warmTimer = setTimeout(resolve, 2000);
    }),
  ]);
  clearTimeout(warmTimer);
  const lat = [];
  let errors = 0;
  let firstError;
  const start = performance.now();
  // A call that never settles (CosmJS drops a batch error without an id) counts as an error
  // at the deadline.
  let timer;
  const deadline = new Promise((resolve) => {
    timer = setTimeout(resolve, deadlineMs);
  });
  const all = Promise.all(
    Array.from({ length: n }, (_, i) =>
      client
        .abciQuery({ path, data: enc.encode(`cosmjs-${variant}-${run}-${i}`) })
        .then(
          () => lat.push(performance.now() - start),
          (e) => {
            errors += 1;
            firstError ??= String(e?.message ?? e).slice(0, 200);
            lat.push(performance.now() - start);
          },
        ),
    ),
  );
  await Promise.race([all, deadline]);
  clearTimeout(timer);
  const wallMs = performance.now() - start;
  const unsettled = n - lat.length;
  if (unsettled > 0) {
    errors += unsettled;
    firstError ??= `${unsettled} calls never settled within ${deadlineMs} ms`;
  }
  client.disconnect();
  lat.sort((a, b) => a - b);
  const line = {
    bench: "concurrent",
    variant: `cosmjs_${variant}`,
    run,
    calls: n,
    settled: lat.length,
    timed_out: unsettled,
    errors,
    wall_s: wallMs / 1e3,
    calls_per_s: ((n - errors) / wallMs) * 1e3,
    mean_ms: lat.length ? lat.reduce((a, b) => a + b, 0) / lat.length : NaN,
    p50_ms: pct(lat, 50),
    p99_ms: pct(lat, 99),
  };
  if (firstError) line.first_error = firstError;
  console.log(`BENCH ${JSON.stringify(line)}`);
}

for (const v of variants) {
  await bench(v);
}
