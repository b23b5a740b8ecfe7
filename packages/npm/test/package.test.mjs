// Packaging: both Node entry points, conditional exports, version, published files, types.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { test } from "node:test";

import * as esm from "mantra-sdk";

import { PUBLIC_EXPORTS } from "./checks.mjs";

const require = createRequire(import.meta.url);
const pkgDir = new URL("../", import.meta.url);
const pkg = JSON.parse(readFileSync(new URL("package.json", pkgDir), "utf8"));

test("require() and import share one instance and one MantraError class", () => {
  const cjs = require("mantra-sdk");
  assert.deepEqual(Object.keys(cjs).sort(), [...PUBLIC_EXPORTS].sort());
  for (const name of PUBLIC_EXPORTS) assert.equal(esm[name], cjs[name], name);
  const err = new cjs.MantraError("closed", "x");
  assert.ok(err instanceof esm.MantraError);
});

test("version() matches package.json", () => {
  assert.equal(esm.version(), pkg.version);
});

test("exports map: node → CJS/ESM entries, browser/default → ESM build, types first", () => {
  const root = pkg.exports["."];
  assert.deepEqual(Object.keys(root), ["types", "node", "browser", "default"]);
  assert.equal(root.node.require, "./index.cjs");
  assert.equal(root.node.import, "./index.mjs");
  assert.equal(root.browser, "./browser.mjs");
  assert.equal(root.default, "./browser.mjs");
  for (const f of [root.types, root.node.require, root.node.import, root.browser]) {
    assert.ok(existsSync(new URL(f, pkgDir)), `${f} exists`);
  }
  assert.equal(require.resolve("mantra-sdk"), new URL("index.cjs", pkgDir).pathname);
  assert.equal(import.meta.resolve("mantra-sdk"), new URL("index.mjs", pkgDir).href);
});

test("every entry lists the same public exports", () => {
  for (const entry of ["index.mjs", "browser.mjs"]) {
    const src = readFileSync(new URL(entry, pkgDir), "utf8");
    const m = src.match(/export const \{([^}]*)\}/);
    assert.ok(m, `${entry} has an export list`);
    const names = m[1].split(",").map((s) => s.trim()).filter(Boolean).sort();
    assert.deepEqual(names, [...PUBLIC_EXPORTS].sort(), entry);
  }
  const dts = readFileSync(new URL("index.d.ts", pkgDir), "utf8");
  for (const name of PUBLIC_EXPORTS) {
    assert.match(dts, new RegExp(`export (declare )?(class|function|const) ${name}\\b`), `index.d.ts declares ${name}`);
  }
});

test("index.d.ts has real types: no `any`", () => {
  const dts = readFileSync(new URL("index.d.ts", pkgDir), "utf8")
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .replace(/\/\/.*$/gm, "");
  assert.doesNotMatch(dts, /\bany\b/);
});

test("npm pack publishes the entries, the JS layer and both builds, and no tests", () => {
  const r = spawnSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], {
    cwd: pkgDir,
    encoding: "utf8",
  });
  assert.equal(r.status, 0, r.stderr);
  const files = JSON.parse(r.stdout)[0].files.map((f) => f.path).sort();
  for (const f of [
    "package.json",
    "index.cjs",
    "index.mjs",
    "browser.mjs",
    "node-http.cjs",
    "index.d.ts",
    "lib/sdk.mjs",
    "dist/node/mantra_sdk_wasm.js",
    "dist/node/mantra_sdk_wasm_bg.wasm",
    "dist/node/sdk.cjs",
    "dist/node/package.json",
    "dist/web/mantra_sdk_wasm.js",
    "dist/web/mantra_sdk_wasm_bg.wasm",
    "dist/web/package.json",
  ]) {
    assert.ok(files.includes(f), `${f} is published (got ${files.join(", ")})`);
  }
  assert.ok(!files.some((f) => f.startsWith("test/") || f.includes("node_modules")), files.join(", "));
});
