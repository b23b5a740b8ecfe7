// The devnet the Node tests talk to: its RPC URLs (environment first, then the repo's
// `.devnet/env` written by `scripts/devnet up`, then the default ports) and whether it
// answers. Not a test file (no `.test.` in the name).
import { readFileSync } from "node:fs";

function endpoints() {
  const env = { ...process.env };
  try {
    for (const line of readFileSync(new URL("../../../.devnet/env", import.meta.url), "utf8").split("\n")) {
      const m = line.match(/^(MANTRA_RPC_\d)=(.+)$/);
      if (m && !env[m[1]]) env[m[1]] = m[2];
    }
  } catch {
    // no .devnet/env: defaults below
  }
  return [env.MANTRA_RPC_1 || "http://127.0.0.1:26657", env.MANTRA_RPC_2 || "http://127.0.0.1:26757"];
}

async function devnetUp(urls) {
  try {
    const r = await fetch(`${urls[0]}/status`, { signal: AbortSignal.timeout(2000) });
    return r.ok;
  } catch {
    return false;
  }
}

/** The devnet's two RPC URLs. */
export const URLS = endpoints();
/** Whether the first node answers `/status` (tests skip, saying so, when it does not). */
export const up = await devnetUp(URLS);
