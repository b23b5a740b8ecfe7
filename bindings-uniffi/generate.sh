#!/usr/bin/env bash
# Generates the Kotlin and Swift bindings from the built library (uniffi library mode).
#
#   bindings-uniffi/generate.sh BINDGEN LIBRARY KOTLIN_SRC_DIR SWIFT_PKG_DIR
#
# BINDGEN         the workspace's uniffi-bindgen binary (crate mantra-sdk-uniffi-bindgen)
# LIBRARY         the built cdylib (libmantra_sdk_ffi.so / .dylib)
# KOTLIN_SRC_DIR  receives mantra/sdk/mantra_sdk.kt            (packages/kotlin/src/main/kotlin)
# SWIFT_PKG_DIR   receives Sources/MantraSDK/MantraSDK.swift and
#                 Sources/MantraSDKFFI/{MantraSDKFFI.h,module.modulemap}   (packages/swift)
#
# Output is byte-for-byte deterministic (--no-format), so `make check-swift-drift` can
# regenerate into a temporary directory and diff against the committed Swift.
set -euo pipefail
[ $# -eq 4 ] || { echo "usage: $0 BINDGEN LIBRARY KOTLIN_SRC_DIR SWIFT_PKG_DIR" >&2; exit 2; }
bindgen=$1 lib=$2 kotlin_dir=$3 swift_dir=$4
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Library mode locates uniffi.toml through `cargo metadata`: run from the workspace root.
(cd "$root" && "$bindgen" generate --no-format --language kotlin --language swift \
    --out-dir "$tmp" "$lib" >/dev/null)

mkdir -p "$kotlin_dir/mantra/sdk" "$swift_dir/Sources/MantraSDK" "$swift_dir/Sources/MantraSDKFFI"
cp "$tmp/mantra/sdk/mantra_sdk.kt" "$kotlin_dir/mantra/sdk/mantra_sdk.kt"
cp "$tmp/MantraSDK.swift" "$swift_dir/Sources/MantraSDK/MantraSDK.swift"
cp "$tmp/MantraSDKFFI.h" "$swift_dir/Sources/MantraSDKFFI/MantraSDKFFI.h"
# SwiftPM's system-library target reads `module.modulemap`; it must also link the Rust
# library (static or dynamic, found through `-Xlinker -L<dir>`; see packages/swift/README.md).
mm=$tmp/MantraSDKFFI.modulemap
[ "$(tail -n1 "$mm")" = "}" ] || { echo "unexpected modulemap: $mm" >&2; exit 1; }
{ sed '$d' "$mm"; printf '    link "mantra_sdk_ffi"\n}\n'; } > "$swift_dir/Sources/MantraSDKFFI/module.modulemap"
