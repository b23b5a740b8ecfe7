// Browser test: serves packages/npm on 127.0.0.1 (random port) and runs the page's checks in
// headless Chromium (Debian's, driven by playwright-core) three times: test/browser/index.html
// loads the ESM entry as published (an import map points "mantra-sdk" at browser.mjs), and
// the same page bundled as an app would bundle it — by esbuild (minified; the wasm copied next
// to the bundle; served under /bundle/) and by Vite (its production build of app.html, which
// emits the wasm as an asset itself; served under /vite/). Both bundlers resolve the bare
// "mantra-sdk" through the package's `exports`.
// Exits non-zero on any failed check, page error or timeout. Bounded: 240 s overall.
import { createReadStream, rmSync } from "node:fs";
import { copyFile, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import http from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { build } from "esbuild";
import { chromium } from "playwright-core";
import { build as viteBuild } from "vite";

const ROOT = fileURLToPath(new URL("../../", import.meta.url)); // packages/npm
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
const DEADLINE_MS = 240_000;
const temps = []; // removed at the end, or by the watchdog
const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".json": "application/json",
  ".wasm": "application/wasm",
};

const watchdog = setTimeout(() => {
  console.error(`browser: no result within ${DEADLINE_MS} ms`);
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
  process.exit(2);
}, DEADLINE_MS);
watchdog.unref();

// The page as an app's bundle: esbuild resolves "mantra-sdk" by the package's own name
// (a self-reference through `exports`, "browser" condition), and the glue's
// `new URL("mantra_sdk_wasm_bg.wasm", import.meta.url)` finds the wasm next to the bundle.
async function bundleEsbuild(dir) {
  await build({
    entryPoints: [path.join(ROOT, "test/browser/page.mjs")],
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "browser",
    minify: true,
    outdir: dir,
    entryNames: "page",
    logLevel: "warning",
  });
  await copyFile(path.join(ROOT, "dist/web/mantra_sdk_wasm_bg.wasm"), path.join(dir, "mantra_sdk_wasm_bg.wasm"));
  await writeFile(
    path.join(dir, "index.html"),
    '<!doctype html><html lang="en"><meta charset="utf-8"><title>mantra-sdk bundled</title>' +
      '<link rel="icon" href="data:,"><script type="module" src="./page.js"></script>' +
      '<pre id="out">running…</pre></html>\n',
  );
}

// The page as a Vite app (app.html → page.mjs), built for production with relative URLs.
async function bundleVite(dir) {
  const root = path.join(ROOT, "test/browser");
  await viteBuild({
    root,
    configFile: false,
    logLevel: "warn",
    base: "./",
    build: { outDir: dir, emptyOutDir: true, rolldownOptions: { input: path.join(root, "app.html") } },
  });
}

// `mounts`: URL prefix ("/bundle") → directory, served instead of packages/npm below it.
function serve(mounts) {
  const server = http.createServer(async (req, res) => {
    try {
      const url = new URL(req.url, "http://127.0.0.1");
      const mount = Object.keys(mounts).find((m) => url.pathname.startsWith(`${m}/`));
      const base = mount ? mounts[mount] : ROOT;
      const rel = mount ? url.pathname.slice(mount.length) : url.pathname;
      const file = path.resolve(base, "." + decodeURIComponent(rel));
      const type = TYPES[path.extname(file)];
      const inside = path.relative(base, file);
      if (inside.startsWith("..") || path.isAbsolute(inside) || file.includes(`${path.sep}node_modules${path.sep}`) || !type ||
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

// Opens `url` in a fresh page and prints its checks, each name prefixed with `label`;
// returns the number of failures (a page that cannot load the SDK counts as one, and so
// does a page asked for the Worker run, `worker`, that reports no worker result).
async function runPage(context, url, label, worker = false) {
  const page = await context.newPage();
  const pageErrors = [];
  page.on("pageerror", (err) => pageErrors.push(String(err && err.stack ? err.stack : err)));
  page.on("console", (msg) => {
    if (msg.type() === "error" || msg.type() === "warning") console.log(`[${label} ${msg.type()}] ${msg.text()}`);
  });
  try {
    await page.goto(url, { timeout: 30_000 });
    const handle = await page.waitForFunction(() => window.__mantraResult, null, { timeout: 90_000 });
    const result = await handle.jsonValue();
    if (result.fatal) {
      console.log(`not ok - ${label}: load the SDK: ${result.fatal}`);
      return 1;
    }
    console.log(`# ${label}: ${result.userAgent}`);
    let failed = 0;
    for (const r of result.results) {
      if (r.ok) console.log(`ok - ${label}: ${r.name}`);
      else {
        failed++;
        console.log(`not ok - ${label}: ${r.name}\n  ${r.error.replace(/\n/g, "\n  ")}`);
      }
    }
    for (const e of pageErrors) {
      failed++;
      console.log(`not ok - ${label}: uncaught page error: ${e}`);
    }
    if (worker && !result.results.some((r) => r.name.startsWith("worker: "))) {
      failed++;
      console.log(`not ok - ${label}: the suite did not run in a Worker`);
    }
    console.log(`browser (${label}): ${result.results.length - failed + pageErrors.length} passed, ${failed} failed`);
    return failed;
  } finally {
    await page.close().catch(() => {});
  }
}

async function main() {
  const bundleDir = await mkdtemp(path.join(tmpdir(), "mantra-bundle-"));
  const viteDir = await mkdtemp(path.join(tmpdir(), "mantra-vite-"));
  const profile = await mkdtemp(path.join(tmpdir(), "mantra-chromium-"));
  temps.push(bundleDir, viteDir, profile);
  let server;
  let context;
  try {
    await bundleEsbuild(bundleDir);
    await bundleVite(viteDir);
    server = await serve({ "/bundle": bundleDir, "/vite": viteDir });
    const nodes = await devnet();
    if (!nodes) console.log("# devnet not running: MantraClient browser check skipped (scripts/devnet up)");
    const { port } = server.address();
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
    const query = nodes ? `?devnet=${nodes.map(encodeURIComponent).join(",")}` : "";
    const origin = `http://127.0.0.1:${port}`;
    const worker = `${query ? `${query}&` : "?"}worker=1`;
    let failed = await runPage(context, `${origin}/test/browser/index.html${worker}`, "ESM build", true);
    failed += await runPage(context, `${origin}/bundle/index.html${query}`, "esbuild bundle");
    failed += await runPage(context, `${origin}/vite/app.html${query}`, "Vite build");
    return failed === 0 ? 0 : 1;
  } finally {
    if (context) await context.close().catch(() => {});
    server?.close();
    await rm(profile, { recursive: true, force: true });
    await rm(bundleDir, { recursive: true, force: true });
    await rm(viteDir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`browser: ${err && err.stack ? err.stack : err}`);
    process.exit(1);
  },
);
