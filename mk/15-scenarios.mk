# Seed tour: every snippet of the seed document, run as written (no network needed).
# (The shared scenarios in tests/scenarios run with `cargo test`: core/tests/scenarios.rs.)
TEST_TARGETS += test-seed-tour

.PHONY: test-seed-tour
test-seed-tour: devnet-up
	$(CARGO) run -q -p mantra-sdk --example seed_tour
