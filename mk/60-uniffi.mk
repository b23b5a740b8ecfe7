# uniffi bindings: the Rust library (bindings-uniffi), the uniffi-bindgen tool, generated
# Kotlin (packages/kotlin, gitignored) and Swift (packages/swift, committed), JVM tests.
SETUP_TARGETS += setup-uniffi
TEST_TARGETS += test-kotlin check-swift-drift
BENCH_TARGETS += bench-kotlin

# Where cargo puts artifacts: $CARGO_TARGET_DIR when set (dev machines), else ./target (CI).
UNIFFI_TARGET_DIR := $(abspath $(or $(CARGO_TARGET_DIR),$(ROOT)/target))
# The library is built in release (what apps ship); the bindgen tool in dev (built once, its
# speed does not matter). Separate cargo invocations keep uniffi's `cli` feature out of the
# library.
UNIFFI_LIB_DIR := $(UNIFFI_TARGET_DIR)/release
UNIFFI_LIB := $(UNIFFI_LIB_DIR)/libmantra_sdk_ffi$(if $(filter Darwin,$(shell uname -s)),.dylib,.so)
UNIFFI_BINDGEN := $(UNIFFI_TARGET_DIR)/debug/uniffi-bindgen
UNIFFI_GENERATE := $(ROOT)/bindings-uniffi/generate.sh
KOTLIN_DIR := $(ROOT)/packages/kotlin
SWIFT_DIR := $(ROOT)/packages/swift
MVN ?= mvn
MVN_FLAGS ?= -B -ntp

.PHONY: setup-uniffi build-uniffi test-kotlin check-swift-drift bench-kotlin
setup-uniffi:
	@command -v java >/dev/null && command -v $(MVN) >/dev/null || { \
	  echo "installing a JDK and Maven (apt)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jdk-headless maven >/dev/null; }
	@java -version 2>&1 | head -1

build-uniffi:
	$(CARGO) build -p mantra-sdk-uniffi --release
	$(CARGO) build -p mantra-sdk-uniffi-bindgen
	$(UNIFFI_GENERATE) $(UNIFFI_BINDGEN) $(UNIFFI_LIB) $(KOTLIN_DIR)/src/main/kotlin $(SWIFT_DIR)

# Maven resolves its dependencies from Maven Central on the first run and works offline
# after that (~/.m2). The JUnit suite includes the shared scenarios (tests/scenarios) and the
# MantraClient tests against the devnet (its URLs from .devnet/env).
test-kotlin: build-uniffi devnet-up
	set -a; . $(ROOT)/.devnet/env; set +a; \
	cd $(KOTLIN_DIR) && $(MVN) $(MVN_FLAGS) test -Dmantra.lib.dir=$(UNIFFI_LIB_DIR)

# SDK cache/metrics calls from Kotlin vs Caffeine and Micrometer in one JVM (manual harness,
# packages/kotlin/src/test/kotlin/mantra/sdk/bench/Bench.kt); results in BENCHMARKS.md.
bench-kotlin: build-uniffi
	cd $(KOTLIN_DIR) && $(MVN) $(MVN_FLAGS) -q test-compile dependency:build-classpath \
	  -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test
	cd $(KOTLIN_DIR) && java -Djna.library.path=$(UNIFFI_LIB_DIR) \
	  -cp target/classes:target/test-classes:$$(cat target/bench.classpath) mantra.sdk.bench.BenchKt

# The Swift sources are committed (no Swift compiler here): regenerating must change nothing.
check-swift-drift:
	$(CARGO) build -p mantra-sdk-uniffi --release
	$(CARGO) build -p mantra-sdk-uniffi-bindgen
	@tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	$(UNIFFI_GENERATE) $(UNIFFI_BINDGEN) $(UNIFFI_LIB) $$tmp/kotlin $$tmp/swift; \
	for f in Sources/MantraSDK/MantraSDK.swift Sources/MantraSDKFFI/MantraSDKFFI.h Sources/MantraSDKFFI/module.modulemap; do \
	  diff -u $(SWIFT_DIR)/$$f $$tmp/swift/$$f || { \
	    echo "packages/swift/$$f is out of date with the Rust API: run 'make build-uniffi' and commit it"; exit 1; }; \
	done; echo "swift bindings in sync with bindings-uniffi"

# macOS with a Swift toolchain only (never on the project's Linux machines).
ifeq ($(shell uname -s),Darwin)
ifneq ($(shell command -v swift 2>/dev/null),)
TEST_TARGETS += test-swift
endif
endif
.PHONY: test-swift
test-swift:
	$(SWIFT_DIR)/scripts/test-macos.sh
