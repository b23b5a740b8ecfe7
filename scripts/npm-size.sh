#!/usr/bin/env bash
# Size of what a browser loads from the npm package's web build: the wasm, the wasm-bindgen
# glue and the hand-written JS layer, raw and gzipped (gzip -9). `--check` fails when the
# gzipped total exceeds the budget (98 KB = 98,000 bytes: CosmJS's minimal client is
# 334 KB raw / 98 KB gzipped).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PKG="$ROOT/packages/npm"
BUDGET_GZ=98000
cd "$PKG"
files=(dist/web/mantra_sdk_wasm_bg.wasm dist/web/mantra_sdk_wasm.js lib/*.mjs browser.mjs)

raw_total=0
gz_total=0
printf '%-36s %10s %10s\n' file raw gzip
for f in "${files[@]}"; do
  [[ -f "$PKG/$f" ]] || { echo "npm-size: $PKG/$f missing: run 'make build-npm'" >&2; exit 1; }
  raw=$(wc -c <"$PKG/$f")
  gz=$(gzip -9 -c "$PKG/$f" | wc -c)
  raw_total=$((raw_total + raw))
  gz_total=$((gz_total + gz))
  printf '%-36s %10d %10d\n' "$f" "$raw" "$gz"
done
printf '%-36s %10d %10d\n' "total (wasm + glue + JS layer)" "$raw_total" "$gz_total"
printf 'budget: %d bytes gzipped (%s%% used)\n' "$BUDGET_GZ" "$((gz_total * 100 / BUDGET_GZ))"
# For the record: Node's build of the same code (built for speed; loaded from disk, not
# counted against the budget).
node_wasm=dist/node/mantra_sdk_wasm_bg.wasm
if [[ -f "$node_wasm" ]]; then
  printf '%-36s %10d %10d  (Node build, not in the total)\n' "$node_wasm" "$(wc -c <"$node_wasm")" \
    "$(gzip -9 -c "$node_wasm" | wc -c)"
fi
if [[ "$gz_total" -gt "$BUDGET_GZ" ]]; then
  echo "npm-size: OVER BUDGET: $gz_total > $BUDGET_GZ bytes gzipped" >&2
  [[ "${1:-}" == "--check" ]] && exit 1
fi
exit 0
