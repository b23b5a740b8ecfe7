// Browser test: serves packages/npm on 127.0.0.1 (random port), opens test/browser/index.html
// in headless Chromium (Debian's, driven by playwright-core), and reports the page's checks.
// Exits non-zero on any failed check, page error or timeout. Bounded: 120 s overall.
import { createReadStream } from "node:fs";
import { mkdtemp, rm, stat } from "node:fs/promises";
import http from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { chromium } from "playwright-core";

const ROOT = fileURLToPath(new URL("../../", import.meta.url)); // packages/npm
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
const DEADLINE_MS = 120_000;
const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".json": "application/json",
  ".wasm": "application/wasm",
};

const watchdog = setTimeout(() => {
  console.error(`browser: no result within ${DEADLINE_MS} ms`);
  process.exit(2);
}, DEADLINE_MS);
watchdog.unref();

function serve() {
  const server = http.createServer(async (req, res) => {
    try {
      const url = new URL(req.url, "http://127.0.0.1");
      const file = path.resolve(ROOT, "." + decodeURIComponent(url.pathname));
      const type = TYPES[path.extname(file)];
      if (!file.startsWith(ROOT) || file.includes(`${path.sep}node_modules${path.sep}`) || !type ||
          !(await stat(file)).isFile()) {
        throw new Error("not served");
      }
      res.writeHead(200, { "content-type": type, "cache-control": "no-store" });
      createReadStream(file).pipe(res);
    } catch {
      res.writeHead(404, { "content-type": "text/plain" });
      res.end("not found");
    }
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

// The devnet's RPC URLs when it answers (then the page also checks MantraClient against it).
async function devnet() {
  const urls = [process.env.MANTRA_RPC_1 || "http://127.0.0.1:26657", process.env.MANTRA_RPC_2 || "http://127.0.0.1:26757"];
  try {
    const r = await fetch(`${urls[0]}/status`, { signal: AbortSignal.timeout(2000) });
    return r.ok ? urls : null;
  } catch {
    return null;
  }
}

async function main() {
  const server = await serve();
  const nodes = await devnet();
  if (!nodes) console.log("# devnet not running: MantraClient browser check skipped (scripts/devnet up)");
  const { port } = server.address();
  const profile = await mkdtemp(path.join(tmpdir(), "mantra-chromium-"));
  let context;
  const pageErrors = [];
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      timeout: 60_000,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        "--disable-sync",
        "--disable-quic",
      ],
    });
    const page = context.pages()[0] ?? (await context.newPage());
    page.on("pageerror", (err) => pageErrors.push(String(err && err.stack ? err.stack : err)));
    page.on("console", (msg) => {
      if (msg.type() === "error" || msg.type() === "warning") console.log(`[page ${msg.type()}] ${msg.text()}`);
    });
    const query = nodes ? `?devnet=${nodes.map(encodeURIComponent).join(",")}` : "";
    await page.goto(`http://127.0.0.1:${port}/test/browser/index.html${query}`, { timeout: 30_000 });
    const handle = await page.waitForFunction(() => window.__mantraResult, null, { timeout: 60_000 });
    const result = await handle.jsonValue();
    if (result.fatal) {
      console.log(`not ok - load the ESM build: ${result.fatal}`);
      return 1;
    }
    console.log(`# ${result.userAgent}`);
    let failed = 0;
    for (const r of result.results) {
      if (r.ok) console.log(`ok - ${r.name}`);
      else {
        failed++;
        console.log(`not ok - ${r.name}\n  ${r.error.replace(/\n/g, "\n  ")}`);
      }
    }
    for (const e of pageErrors) {
      failed++;
      console.log(`not ok - uncaught page error: ${e}`);
    }
    console.log(`browser: ${result.results.length - failed + pageErrors.length} passed, ${failed} failed`);
    return failed === 0 ? 0 : 1;
  } finally {
    if (context) await context.close().catch(() => {});
    server.close();
    await rm(profile, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`browser: ${err && err.stack ? err.stack : err}`);
    process.exit(1);
  },
);
