# Rust core: toolchain, lint, unit + integration tests, wasm check.
SETUP_TARGETS += setup-rust
TEST_TARGETS += test-rust-lint test-rust test-wasm-check
BENCH_TARGETS += bench-rust

.PHONY: setup-rust test-rust-lint test-rust test-wasm-check bench-rust
setup-rust:
	@command -v cargo >/dev/null || { echo "cargo not found: install Rust with rustup"; exit 1; }
	@rustup target list --installed | grep -q wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
	@rustup component list --installed | grep -q clippy || rustup component add clippy rustfmt

test-rust-lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

test-rust:
	$(CARGO) test --workspace

test-wasm-check:
	$(CARGO) check -p mantra-sdk --target wasm32-unknown-unknown

# One short criterion run of every Rust bench, then the tables with their ratios (the
# numbers recorded in BENCHMARKS.md come from the same report script).
bench-rust:
	$(CARGO) bench -p mantra-sdk --benches -- --warm-up-time 1 --measurement-time 2
	python3 $(ROOT)/scripts/bench_report.py all $${CARGO_TARGET_DIR:-$(ROOT)/target}/criterion
