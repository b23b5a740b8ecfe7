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
  sha256sum "$RAW" "$PKG"/lib/*.mjs "$ROOT/scripts/npm-build.sh"
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
  "$WASM_OPT" -Oz --converge --strip-producers --strip-target-features "${WASM_FEATURES[@]}" \
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
log "done: $(du -b "$DIST/web/${LIB}_bg.wasm" | cut -f1) bytes of wasm"
