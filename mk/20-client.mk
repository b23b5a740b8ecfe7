# MantraClient: `make demo` (the main job) and a smoke run of it in `make test`.
#
#   make demo                                  devnet (started if needed), 20 s workload
#   make demo DURATION=60                      longer run (seconds)
#   make demo RPC=http://host:26657[,http://h2:26657]   other node(s): read-only workload
#   make demo METRICS_ADDR=127.0.0.1:9500      where /metrics is served (default 9464)
#
# The client's unit and real-node tests (core/src/client, core/tests/client_devnet.rs) run
# in `make test-rust`.
TEST_TARGETS += test-demo

DURATION ?= 20
RPC ?=
METRICS_ADDR ?= 127.0.0.1:9464
WRITES ?=

.PHONY: demo test-demo
# A new machine needs Rust and, unless RPC points elsewhere, CometBFT for the devnet.
demo: setup-rust $(if $(strip $(RPC)),,setup-devnet)
	RPC="$(RPC)" DURATION="$(DURATION)" METRICS_ADDR="$(METRICS_ADDR)" WRITES="$(WRITES)" \
	  $(CARGO) run --release -p mantra-sdk --example demo

# The demo end to end (debug build, 4 s, plain output): it must finish with no failed call.
test-demo: devnet-up
	@out="$$(DURATION=4 METRICS_ADDR=127.0.0.1:0 RPC= WRITES= $(CARGO) run -q -p mantra-sdk --example demo </dev/null)"; \
	  echo "$$out" | tail -n 30; \
	  echo "$$out" | grep -Eq '^  calls +[0-9]+ .*: [0-9]+ ok, 0 failed, 0 cancelled$$' || { echo "test-demo: the demo reported failed calls"; exit 1; }; \
	  echo "$$out" | grep -Eq '^  errors by code +none$$' || { echo "test-demo: the demo reported errors"; exit 1; }; \
	  echo "demo smoke run: passed"
