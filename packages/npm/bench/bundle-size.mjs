// What an app ships, measured the way the size anchor is: bundled by esbuild (minified, ESM,
// browser conditions). Prints, raw and gzipped (level 9):
//   - mantra-sdk: an app importing every export of "mantra-sdk" (resolved through the
//     package's `exports`, i.e. browser.mjs → dist/web), plus the wasm it loads next to it;
//   - CosmJS (when bench/cosmjs is installed: `npm ci` there): the anchor program, a minimal
//     `Comet38Client` over `HttpBatchClient`, bundled the same way in the same run.
// `--json` prints the rows as one JSON array instead (scripts/npm-size.sh reads it).
import { readFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

import { build } from "esbuild";

const PKG = fileURLToPath(new URL("../", import.meta.url)); // packages/npm
const COSMJS = fileURLToPath(new URL("../../../bench/cosmjs/", import.meta.url));

const gz = (bytes) => gzipSync(bytes, { level: 9 }).length;

async function bundle(contents, resolveDir) {
  const r = await build({
    stdin: { contents, resolveDir, loader: "js", sourcefile: "app.mjs" },
    bundle: true,
    format: "esm",
    platform: "browser",
    minify: true,
    write: false,
    logLevel: "warning",
  });
  const js = r.outputFiles[0].contents;
  return { raw: js.length, gz: gz(js) };
}

async function sdk() {
  const js = await bundle('export * from "mantra-sdk";\n', PKG);
  const wasm = await readFile(path.join(PKG, "dist/web/mantra_sdk_wasm_bg.wasm"));
  return {
    name: "mantra-sdk (esbuild --minify bundle + wasm)",
    js,
    wasm: { raw: wasm.length, gz: gz(wasm) },
    raw: js.raw + wasm.length,
    gz: js.gz + gz(wasm),
  };
}

async function cosmjs() {
  const manifest = path.join(COSMJS, "node_modules/@cosmjs/tendermint-rpc/package.json");
  if (!existsSync(manifest)) return null;
  const { version } = JSON.parse(await readFile(manifest, "utf8"));
  const js = await bundle(
    `import { Comet38Client, HttpBatchClient } from "@cosmjs/tendermint-rpc";
export async function query(url, path, data) {
  const client = Comet38Client.create(new HttpBatchClient(url, { batchSizeLimit: 10 }));
  return client.abciQuery({ path, data });
}
`,
    COSMJS,
  );
  return { name: `CosmJS ${version} (Comet38Client + HttpBatchClient, esbuild --minify)`, js, raw: js.raw, gz: js.gz };
}

const rows = [await sdk(), await cosmjs()].filter(Boolean);
if (process.argv.includes("--json")) {
  console.log(JSON.stringify(rows));
} else {
  for (const r of rows) {
    const parts = r.wasm ? ` (JS ${r.js.raw} / ${r.js.gz}, wasm ${r.wasm.raw} / ${r.wasm.gz})` : "";
    console.log(`${r.name}: ${r.raw} bytes raw, ${r.gz} gzipped${parts}`);
  }
}
