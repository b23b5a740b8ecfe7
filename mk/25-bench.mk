# The client against a real node (BENCHMARKS.md, "Client on the real node"):
#   make bench-client                      devnet started if needed, 3 repeats
#   make bench-client RPC=http://h:26657   another node (read-only queries)
#   make bench-client REPEATS=5
# Needs Node >= 18 for the CosmJS side (bench/cosmjs, installed with `npm ci`).
BENCH_TARGETS += bench-client

REPEATS ?= 3

.PHONY: bench-client
bench-client: setup-rust $(if $(strip $(RPC)),,setup-devnet)
	RPC="$(RPC)" REPEATS="$(REPEATS)" CARGO="$(CARGO)" $(ROOT)/scripts/bench-client
