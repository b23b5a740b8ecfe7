# Local CometBFT devnet (two kvstore nodes on loopback) for the real-node tests and the demo.
# `devnet-up` is a test target so it runs before the Rust tests (mk files run in name order);
# the Rust tests also call `scripts/devnet up` themselves, so `cargo test` works alone.
# `test-rpc-wasm` runs the wasm fetch transport against the devnet in Node.
SETUP_TARGETS += setup-devnet
TEST_TARGETS += devnet-up test-rpc-wasm

WASM_BINDGEN_VERSION := 0.2.130

.PHONY: setup-devnet devnet-up devnet-down devnet-status test-rpc-wasm
setup-devnet:
	@command -v curl >/dev/null || { echo "curl not found: apt-get install -y curl"; exit 1; }
	$(ROOT)/scripts/devnet install

devnet-up:
	$(ROOT)/scripts/devnet up

devnet-down:
	$(ROOT)/scripts/devnet down

devnet-status:
	$(ROOT)/scripts/devnet status

# wasm-bindgen-test-runner must match the pinned wasm-bindgen exactly.
test-rpc-wasm: devnet-up
	@command -v node >/dev/null || { echo "node not found (need Node >= 18)"; exit 1; }
	@rustup target list --installed | grep -q wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
	@if ! wasm-bindgen-test-runner --version 2>/dev/null | grep -q " $(WASM_BINDGEN_VERSION)$$"; then \
	  echo "installing wasm-bindgen-cli $(WASM_BINDGEN_VERSION)"; \
	  $(CARGO) install wasm-bindgen-cli --version =$(WASM_BINDGEN_VERSION); \
	fi
	set -a; . $(ROOT)/.devnet/env; set +a; \
	CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
	  $(CARGO) test -p mantra-sdk --target wasm32-unknown-unknown --test rpc_fetch_wasm
