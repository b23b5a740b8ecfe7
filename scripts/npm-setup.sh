#!/usr/bin/env bash
# Tools for the npm package, installed only when missing or stale (silent when all is in place):
# Node >= 20.19, packages/npm/node_modules (npm ci from the committed lockfile: binaryen's
# wasm-opt, typescript, playwright-core, esbuild, vite), the wasm-bindgen CLI at the exact version the
# workspace resolved, and Debian's chromium for the browser test.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PKG="$ROOT/packages/npm"

command -v node >/dev/null && command -v npm >/dev/null || {
  echo "setup-npm: Node.js >= 20 and npm are required (e.g. apt-get install -y nodejs npm)" >&2
  exit 1
}
# 20.19: the browser test's Vite build (vite 8 / rolldown need ^20.19 || >= 22.12).
if ! node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)'; then
  echo "setup-npm: Node.js >= 20.19 is required for the tests, found $(node --version)" >&2
  exit 1
fi

stamp_file="$PKG/node_modules/.mantra-setup-stamp"
want_stamp="$(cat "$PKG/package.json" "$PKG/package-lock.json" | sha256sum | cut -d' ' -f1)"
if [[ ! -f "$stamp_file" || "$(cat "$stamp_file")" != "$want_stamp" ]]; then
  echo "setup-npm: npm ci (packages/npm)"
  (cd "$PKG" && npm ci --no-audit --no-fund --loglevel=error)
  echo "$want_stamp" >"$stamp_file"
fi

want_wb="$("$ROOT/scripts/npm-wasm-bindgen-version.sh")"
have_wb="$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)"
if [[ "$have_wb" != "$want_wb" ]]; then
  echo "setup-npm: installing wasm-bindgen-cli $want_wb (found '${have_wb:-none}')"
  cargo install wasm-bindgen-cli --version "=$want_wb"
fi

if ! command -v chromium >/dev/null && [[ ! -x /usr/bin/chromium ]]; then
  echo "setup-npm: installing Debian's chromium for the browser test"
  if [[ "$(id -u)" == 0 ]]; then
    apt-get update -qq && apt-get install -y -qq chromium >/dev/null
  else
    sudo apt-get update -qq && sudo apt-get install -y -qq chromium >/dev/null
  fi
fi
