# Monitoring: a real Prometheus server scrapes the SDK's /metrics endpoint.
SETUP_TARGETS += setup-prometheus
TEST_TARGETS += test-prometheus-scrape

.PHONY: setup-prometheus test-prometheus-scrape
setup-prometheus:
	@command -v prometheus >/dev/null || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y prometheus)

# Starts core/examples/monitoring_serve.rs and `prometheus` (1 s scrape interval) on
# loopback, waits at most 30 s for the query API to return the operations counter and a
# histogram_quantile over the latency buckets, then stops both.
test-prometheus-scrape: setup-prometheus
	SCRAPE_DEADLINE=30 scripts/prometheus-scrape-test.sh
