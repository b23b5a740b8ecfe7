#!/usr/bin/env bash
# Builds the Rust static library and runs the XCTest suite against it (macOS with Xcode or
# a Swift toolchain). Extra arguments go to `swift test`, e.g. `--filter HealthCheckerTests`.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
root=$(cd "$here/../.." && pwd)
target=${CARGO_TARGET_DIR:-$root/target}
cargo build --manifest-path "$root/Cargo.toml" -p mantra-sdk-uniffi --release
# Link the static library only (a .dylib beside it would win and need an rpath).
mkdir -p "$here/.rust-lib"
cp "$target/release/libmantra_sdk_ffi.a" "$here/.rust-lib/"
cd "$here"
swift test -Xlinker -L"$here/.rust-lib" "$@"
