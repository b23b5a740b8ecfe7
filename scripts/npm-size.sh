#!/usr/bin/env bash
# Size of what a browser loads from the npm package's web build, raw and gzipped (gzip -9):
# per file (the wasm, the wasm-bindgen glue and the hand-written JS layer, as published), then
# as an app ships it — bundled by esbuild (minified) plus the wasm — next to CosmJS's minimal
# client bundled the same way in the same run (packages/npm/bench/bundle-size.mjs; the CosmJS
# row needs bench/cosmjs installed). The budget (98 KB = 98,000 bytes gzipped: the issue's
# figure for CosmJS's minimal client, 334 KB raw / 98 KB gzipped) applies to the bundled
# total, measured as the anchor is; `--check` fails above it.
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
# As an app ships it (esbuild bundle + wasm), and the anchor measured the same way.
bundled="$(node bench/bundle-size.mjs --json)"
node -e '
  for (const r of JSON.parse(process.argv[1])) {
    const parts = r.wasm ? ` (JS ${r.js.raw} / ${r.js.gz}, wasm ${r.wasm.raw} / ${r.wasm.gz})` : "";
    console.log(`${r.name}: ${r.raw} raw, ${r.gz} gzipped${parts}`);
  }
' "$bundled"
gz_total="$(node -e 'console.log(JSON.parse(process.argv[1])[0].gz)' "$bundled")"
printf 'budget: %d bytes gzipped for the bundled SDK (%s%% used)\n' "$BUDGET_GZ" "$((gz_total * 100 / BUDGET_GZ))"
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
