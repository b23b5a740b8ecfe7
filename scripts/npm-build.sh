#!/usr/bin/env bash
# Builds packages/npm/dist/{node,web} from bindings-wasm:
#   cargo (wasm32, profile wasm-release) → wasm-bindgen (nodejs = CJS, web = ESM)
#   → wasm-opt -Oz (npm `binaryen`, pinned in packages/npm) → dist/.
# Skips the post-processing when nothing it depends on changed (quiet second run).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PKG="$ROOT/packages/npm"
DIST="$PKG/dist"
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
CRATE=mantra-sdk-wasm
LIB=mantra_sdk_wasm
RAW="$TARGET_DIR/wasm32-unknown-unknown/wasm-release/$LIB.wasm"
WASM_OPT="$PKG/node_modules/.bin/wasm-opt"
# The features rustc enables by default for wasm32-unknown-unknown; wasm-opt must accept
# them and may use them, and every supported host (Node >= 18, evergreen browsers) has them.
WASM_FEATURES=(--enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext
  --enable-reference-types --enable-multivalue --enable-mutable-globals)

log() { [[ "${QUIET:-}" == 1 ]] || echo "npm-build: $*"; }

[[ -x "$WASM_OPT" ]] || { echo "npm-build: $WASM_OPT missing: run 'make setup-npm'" >&2; exit 1; }
want_wb="$("$ROOT/scripts/npm-wasm-bindgen-version.sh")"
have_wb="$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')"
if [[ "$have_wb" != "$want_wb" ]]; then
  echo "npm-build: wasm-bindgen CLI is '${have_wb:-missing}', the crate needs $want_wb: run 'make setup-npm'" >&2
  exit 1
fi

cargo build -q -p "$CRATE" --target wasm32-unknown-unknown --profile wasm-release

# Everything the output depends on besides the cargo artifact.
stamp="$( {
  sha256sum "$RAW" "$PKG/lib/sdk.mjs" "$ROOT/scripts/npm-build.sh"
  echo "wasm-bindgen $have_wb"
  "$WASM_OPT" --version
} | sha256sum | cut -d' ' -f1)"
if [[ -f "$DIST/.stamp" && "$(cat "$DIST/.stamp")" == "$stamp" ]]; then
  exit 0
fi

log "wasm-bindgen $have_wb + wasm-opt -Oz → packages/npm/dist"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
for target in nodejs web; do
  out="$tmp/$target"
  wasm-bindgen --target "$target" --no-typescript --out-dir "$out" "$RAW"
  "$WASM_OPT" -Oz --strip-producers --strip-target-features "${WASM_FEATURES[@]}" \
    "$out/${LIB}_bg.wasm" -o "$out/${LIB}_bg.wasm.opt"
  mv "$out/${LIB}_bg.wasm.opt" "$out/${LIB}_bg.wasm"
done
mv "$tmp/nodejs" "$tmp/node"

# The glue's module format, stated so tools don't guess from the root package.json.
echo '{ "type": "commonjs" }' >"$tmp/node/package.json"
echo '{ "type": "module" }' >"$tmp/web/package.json"
# lib/sdk.mjs (the hand-written JS layer) is the one source; Node's CJS entry needs it as
# CommonJS. It has exactly one export, `export function createSdk`.
grep -q '^export function createSdk(' "$PKG/lib/sdk.mjs" || {
  echo "npm-build: lib/sdk.mjs must declare 'export function createSdk('" >&2; exit 1; }
if grep -v '^export function createSdk(' "$PKG/lib/sdk.mjs" | grep -qE '^\s*(export|import)\b'; then
  echo "npm-build: lib/sdk.mjs may have no other import/export" >&2; exit 1
fi
{
  echo '"use strict";'
  echo '// Generated from ../../lib/sdk.mjs by scripts/npm-build.sh. Do not edit.'
  sed 's/^export function createSdk(/function createSdk(/' "$PKG/lib/sdk.mjs"
  echo 'module.exports = { createSdk };'
} >"$tmp/node/sdk.cjs"

rm -rf "$DIST/node" "$DIST/web"
mkdir -p "$DIST"
mv "$tmp/node" "$DIST/node"
mv "$tmp/web" "$DIST/web"
echo "$stamp" >"$DIST/.stamp"
log "done: $(du -b "$DIST/web/${LIB}_bg.wasm" | cut -f1) bytes of wasm"
