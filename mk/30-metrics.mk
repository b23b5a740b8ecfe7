# Metrics: exposition validity with the real tools (promtool, protobuf's JSON mapping).
SETUP_TARGETS += setup-metrics
TEST_TARGETS += test-metrics

METRICS_OUT := $(ROOT)/target/metrics-check
VENV_TOOLS := $(ROOT)/.venv-tools

.PHONY: setup-metrics test-metrics bench-metrics
setup-metrics:
	@command -v promtool >/dev/null || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y prometheus)
	@$(VENV_TOOLS)/bin/python -c "import opentelemetry.proto, google.protobuf" 2>/dev/null || \
		{ python3 -m venv $(VENV_TOOLS) && $(VENV_TOOLS)/bin/pip install -q opentelemetry-proto protobuf; }

# Writes a realistic exposition (nasty label values, an overflowed family), then checks it
# with promtool and the OTLP JSON against ExportMetricsServiceRequest.
test-metrics: setup-metrics
	@mkdir -p $(METRICS_OUT)
	$(CARGO) run -q -p mantra-sdk --example metrics_exposition -- \
		$(METRICS_OUT)/metrics.prom $(METRICS_OUT)/metrics.otlp.json $(METRICS_OUT)/metrics.json
	promtool check metrics < $(METRICS_OUT)/metrics.prom
	$(VENV_TOOLS)/bin/python scripts/check_otlp.py $(METRICS_OUT)/metrics.otlp.json $(METRICS_OUT)/metrics.prom
	@echo "metrics exposition: 2 passed, 0 failed"

# Short criterion run of the metrics bench (results go in BENCHMARKS.md).
bench-metrics:
	$(CARGO) bench -p mantra-sdk --bench metrics -- --warm-up-time 1 --measurement-time 2
	python3 scripts/metrics_bench_report.py $${CARGO_TARGET_DIR:-$(ROOT)/target}/criterion
