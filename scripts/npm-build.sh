#!/usr/bin/env bash
# Builds packages/npm/dist/{node,web} from bindings-wasm:
#   cargo (wasm32) → wasm-bindgen → wasm-opt (npm `binaryen`, pinned in packages/npm) → dist/.
# Two builds of the same code: dist/web (ESM, for browsers and bundlers) from profile
# wasm-release + `wasm-opt -Oz` — size first, its bytes go over the wire; dist/node (CJS, what
# Node loads from disk) from profile wasm-node + `wasm-opt -O3` — speed first.
# Skips the post-processing when nothing it depends on changed (quiet second run).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PKG="$ROOT/packages/npm"
DIST="$PKG/dist"
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
CRATE=mantra-sdk-wasm
LIB=mantra_sdk_wasm
RAW_WEB="$TARGET_DIR/wasm32-unknown-unknown/wasm-release/$LIB.wasm"
RAW_NODE="$TARGET_DIR/wasm32-unknown-unknown/wasm-node/$LIB.wasm"
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
cargo build -q -p "$CRATE" --target wasm32-unknown-unknown --profile wasm-node

# Everything the output depends on besides the cargo artifact.
stamp="$( {
  sha256sum "$RAW_WEB" "$RAW_NODE" "$PKG"/lib/*.mjs "$ROOT/scripts/npm-build.sh"
  echo "wasm-bindgen $have_wb"
  "$WASM_OPT" --version
} | sha256sum | cut -d' ' -f1)"
if [[ -f "$DIST/.stamp" && "$(cat "$DIST/.stamp")" == "$stamp" ]]; then
  exit 0
fi

log "wasm-bindgen $have_wb + wasm-opt (web -Oz, node -O3) → packages/npm/dist"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
for target in nodejs web; do
  out="$tmp/$target"
  if [[ "$target" == web ]]; then raw="$RAW_WEB" opt=(-Oz --converge); else raw="$RAW_NODE" opt=(-O3); fi
  wasm-bindgen --target "$target" --no-typescript --out-dir "$out" "$raw"
  "$WASM_OPT" "${opt[@]}" --strip-producers --strip-target-features "${WASM_FEATURES[@]}" \
    "$out/${LIB}_bg.wasm" -o "$out/${LIB}_bg.wasm.opt"
  mv "$out/${LIB}_bg.wasm.opt" "$out/${LIB}_bg.wasm"
done
mv "$tmp/nodejs" "$tmp/node"

# The glue's module format, stated so tools don't guess from the root package.json.
echo '{ "type": "commonjs" }' >"$tmp/node/package.json"
echo '{ "type": "module" }' >"$tmp/web/package.json"
# lib/*.mjs (the hand-written JS layer) is the one source; Node's CJS entry needs it as
# CommonJS. Each file may only `export function name(` and `import { a, b } from "./x.mjs";`
# (one line each); both are rewritten to CommonJS mechanically.
for src in "$PKG"/lib/*.mjs; do
  name="$(basename "$src" .mjs)"
  if grep -vE '^export function [A-Za-z0-9_]+\(|^import \{[A-Za-z0-9_, ]+\} from "\./[a-z-]+\.mjs";$' "$src" \
      | grep -qE '^\s*(export|import)\b'; then
    echo "npm-build: lib/$name.mjs: only 'export function x(' and 'import { .. } from \"./y.mjs\";' lines are allowed" >&2
    exit 1
  fi
  exports="$(sed -nE 's/^export function ([A-Za-z0-9_]+)\(.*/\1/p' "$src" | paste -sd, -)"
  [[ -n "$exports" ]] || { echo "npm-build: lib/$name.mjs exports nothing" >&2; exit 1; }
  {
    echo '"use strict";'
    echo "// Generated from ../../lib/$name.mjs by scripts/npm-build.sh. Do not edit."
    sed -E -e 's/^export function /function /' \
      -e 's/^import (\{[A-Za-z0-9_, ]+\}) from "\.\/([a-z-]+)\.mjs";$/const \1 = require(".\/\2.cjs");/' "$src"
    echo "module.exports = { $exports };"
  } >"$tmp/node/$name.cjs"
done

rm -rf "$DIST/node" "$DIST/web"
mkdir -p "$DIST"
mv "$tmp/node" "$DIST/node"
mv "$tmp/web" "$DIST/web"
echo "$stamp" >"$DIST/.stamp"
log "done: $(du -b "$DIST/web/${LIB}_bg.wasm" | cut -f1) bytes of wasm (web), $(du -b "$DIST/node/${LIB}_bg.wasm" | cut -f1) (node)"
