# Local CometBFT devnet (two kvstore nodes on loopback) for the real-node tests and the demo.
# `devnet-up` is a test target so it runs before the Rust tests (mk files run in name order);
# the Rust tests also call `scripts/devnet up` themselves, so `cargo test` works alone.
SETUP_TARGETS += setup-devnet
TEST_TARGETS += devnet-up

.PHONY: setup-devnet devnet-up devnet-down devnet-status
setup-devnet:
	@command -v curl >/dev/null || { echo "curl not found: apt-get install -y curl"; exit 1; }
	$(ROOT)/scripts/devnet install

devnet-up:
	$(ROOT)/scripts/devnet up

devnet-down:
	$(ROOT)/scripts/devnet down

devnet-status:
	$(ROOT)/scripts/devnet status
