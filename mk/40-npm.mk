# npm package `mantra-sdk`: bindings-wasm (wasm-bindgen) → packages/npm.
# `make build-npm` builds packages/npm/dist; `make test-npm` builds, lints the wasm crate,
# type-checks a TS consumer, runs the node:test suite and the headless-Chromium test, and
# checks the size budget. See packages/npm/README.md.
SETUP_TARGETS += setup-npm
TEST_TARGETS += test-npm
BENCH_TARGETS += bench-npm

NPM_DIR := $(ROOT)/packages/npm

.PHONY: setup-npm build-npm test-npm npm-size bench-npm
setup-npm: setup-rust
	@$(ROOT)/scripts/npm-setup.sh

build-npm: setup-npm
	@$(ROOT)/scripts/npm-build.sh

test-npm: build-npm
	$(CARGO) clippy -q -p mantra-sdk-wasm -p mantra-sdk-wasm-io --no-deps --target wasm32-unknown-unknown -- -D warnings
	cd $(NPM_DIR) && node_modules/.bin/tsc -p test/tsconfig.json --strict --noEmit
	cd $(NPM_DIR) && node_modules/.bin/tsc -p test/tsconfig.bundler.json --strict --noEmit
	cd $(NPM_DIR) && node --test --test-reporter=spec test/*.test.mjs
	cd $(NPM_DIR) && node test/browser/run.mjs
	$(ROOT)/scripts/npm-size.sh --check

npm-size: build-npm
	@$(ROOT)/scripts/npm-size.sh

# Cache vs lru-cache and metrics vs prom-client, side by side in one run (BENCHMARKS.md, npm).
bench-npm: build-npm
	cd $(NPM_DIR) && node bench/components.mjs
