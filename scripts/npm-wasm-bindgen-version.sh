#!/usr/bin/env bash
# Prints the exact wasm-bindgen version the workspace resolved (Cargo.lock): the CLI must match it.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
awk '/^name = "wasm-bindgen"$/ { getline; gsub(/"/, "", $3); print $3; exit }' "$ROOT/Cargo.lock"
