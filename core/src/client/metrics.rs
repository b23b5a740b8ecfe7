//! The client's own metric families, registered on its [`MetricsCollector`]'s registry
//! next to the collector's protocol / resource families. The family table is in the [module docs](super).

use std::time::Duration;

use crate::cache::CacheType;
use crate::health::HealthStatus;
use crate::metrics::{
    CounterFamily, CounterSeries, GaugeFamily, GaugeSeries, HistogramFamily, HistogramSeries,
    MetricsCollector, MetricsSnapshot,
};
use crate::pool::CircuitState;
use crate::Result;

/// Buckets of the client call histogram, in seconds: fine enough that cache hits (tens of
/// µs) and node round trips (ms) get their own buckets.
pub const CLIENT_LATENCY_BUCKETS: [f64; 19] = [
    0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.0075, 0.01, 0.025, 0.05, 0.075, 0.1,
    0.25, 0.5, 1.0, 2.5, 5.0, 30.0,
];

const BATCH_SIZE_BUCKETS: [f64; 9] = [1.0, 2.0, 3.0, 5.0, 10.0, 20.0, 50.0, 100.0, 1000.0];

/// Handles of the client's families (cheap to clone).
#[derive(Clone)]
pub(crate) struct ClientMetrics {
    pub collector: MetricsCollector,
    call_duration: HistogramSeries,
    call_duration_name: String,
    cache_lookups: CounterFamily,
    shared: CounterSeries,
    http_requests: CounterFamily,
    http_duration: HistogramFamily,
    batch_size: HistogramSeries,
    pool_score: GaugeFamily,
    pool_in_flight: GaugeFamily,
    pool_breaker: GaugeFamily,
    pool_healthy: GaugeSeries,
    batch_pending: GaugeSeries,
    batch_in_flight: GaugeSeries,
    batch_effective_max: GaugeSeries,
    exec_limit: GaugeSeries,
    exec_in_flight: GaugeSeries,
    exec_queued: GaugeSeries,
    health_status: GaugeFamily,
}

impl std::fmt::Debug for ClientMetrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientMetrics").finish_non_exhaustive()
    }
}

impl ClientMetrics {
    pub(crate) fn register(collector: MetricsCollector) -> Result<Self> {
        let reg = collector.registry().clone();
        let ns = collector.config().namespace.clone();
        let n = |s: &str| format!("{ns}_client_{s}");
        let call_duration_name = n("call_duration_seconds");
        let call_duration = reg
            .histogram_with_buckets(
                &call_duration_name,
                "Client call latency as the caller saw it (cache hits included), in seconds.",
                &[],
                &CLIENT_LATENCY_BUCKETS,
            )?
            .with_labels(&[])?;
        let gauge = |name: &str, help: &str| -> Result<GaugeSeries> {
            reg.gauge(&n(name), help, &[])?.with_labels(&[])
        };
        Ok(Self {
            call_duration,
            call_duration_name,
            cache_lookups: reg.counter(
                &n("cache_lookups_total"),
                "Client cache lookups by cache type and result.",
                &["cache_type", "result"],
            )?,
            shared: reg
                .counter(
                    &n("shared_calls_total"),
                    "Calls answered by an identical call already in flight (single-flight).",
                    &[],
                )?
                .with_labels(&[])?,
            http_requests: reg.counter(
                &n("http_requests_total"),
                "HTTP requests sent to RPC endpoints, by outcome.",
                &["endpoint", "outcome"],
            )?,
            http_duration: reg.histogram(
                &n("http_request_duration_seconds"),
                "HTTP request latency per endpoint, in seconds.",
                &["endpoint"],
            )?,
            batch_size: reg
                .histogram_with_buckets(
                    &n("batch_size"),
                    "JSON-RPC requests per HTTP request.",
                    &[],
                    &BATCH_SIZE_BUCKETS,
                )?
                .with_labels(&[])?,
            pool_score: reg.gauge(
                &n("pool_endpoint_score"),
                "Rank score of each endpoint (0..1).",
                &["endpoint"],
            )?,
            pool_in_flight: reg.gauge(
                &n("pool_endpoint_in_flight"),
                "Requests in flight per endpoint.",
                &["endpoint"],
            )?,
            pool_breaker: reg.gauge(
                &n("pool_endpoint_breaker_state"),
                "Circuit breaker per endpoint: 0 closed, 1 half-open, 2 open.",
                &["endpoint"],
            )?,
            pool_healthy: gauge(
                "pool_healthy_endpoints",
                "Endpoints with a closed or half-open breaker and a score above 0.",
            )?,
            batch_pending: gauge("batch_pending", "Operations waiting to be batched.")?,
            batch_in_flight: gauge("batch_in_flight", "Batches in flight.")?,
            batch_effective_max: gauge(
                "batch_effective_max_size",
                "Current batch size cap (lowered to the node's limit once learned).",
            )?,
            exec_limit: gauge(
                "executor_limit",
                "Adaptive concurrency limit of the executor.",
            )?,
            exec_in_flight: gauge("executor_in_flight", "Requests holding an executor permit.")?,
            exec_queued: gauge(
                "executor_queued",
                "Requests waiting for an executor permit.",
            )?,
            health_status: reg.gauge(
                &n("health_status"),
                "Health of each component: 1 for its current status, 0 for the others.",
                &["component", "status"],
            )?,
            collector,
        })
    }

    /// One finished call.
    pub(crate) fn record_call(
        &self,
        method: &str,
        latency: Duration,
        error_code: Option<&'static str>,
    ) {
        self.collector.record_protocol_operation_sync(
            "rpc",
            method,
            latency,
            error_code.is_none(),
            error_code,
        );
        self.call_duration.observe(latency.as_secs_f64());
    }

    pub(crate) fn record_cache_lookup(&self, ty: CacheType, hit: bool) {
        let _ = self
            .cache_lookups
            .inc(&[ty.as_str(), if hit { "hit" } else { "miss" }]);
    }

    pub(crate) fn record_shared(&self) {
        self.shared.inc();
    }

    /// One HTTP exchange carrying `items` JSON-RPC requests.
    pub(crate) fn record_http(
        &self,
        endpoint: &str,
        items: usize,
        latency: Duration,
        outcome: &str,
    ) {
        let _ = self.http_requests.inc(&[endpoint, outcome]);
        let _ = self
            .http_duration
            .observe(&[endpoint], latency.as_secs_f64());
        self.batch_size.observe(items as f64);
    }

    pub(crate) fn set_endpoint(
        &self,
        endpoint: &str,
        score: f64,
        in_flight: usize,
        breaker: CircuitState,
    ) {
        let _ = self.pool_score.set(&[endpoint], score);
        let _ = self.pool_in_flight.set(&[endpoint], in_flight as f64);
        let state = match breaker {
            CircuitState::Closed => 0.0,
            CircuitState::HalfOpen => 1.0,
            CircuitState::Open => 2.0,
        };
        let _ = self.pool_breaker.set(&[endpoint], state);
    }

    pub(crate) fn set_pool_healthy(&self, n: usize) {
        self.pool_healthy.set(n as f64);
    }

    pub(crate) fn set_batch(&self, pending: usize, in_flight: usize, effective_max: usize) {
        self.batch_pending.set(pending as f64);
        self.batch_in_flight.set(in_flight as f64);
        self.batch_effective_max.set(effective_max as f64);
    }

    pub(crate) fn set_executor(&self, limit: usize, in_flight: usize, queued: usize) {
        self.exec_limit.set(limit as f64);
        self.exec_in_flight.set(in_flight as f64);
        self.exec_queued.set(queued as f64);
    }

    pub(crate) fn set_health(&self, component: &str, status: HealthStatus) {
        for s in [
            HealthStatus::Healthy,
            HealthStatus::Degraded,
            HealthStatus::Unhealthy,
            HealthStatus::Unknown,
        ] {
            let v = if s == status { 1.0 } else { 0.0 };
            let _ = self.health_status.set(&[component, s.as_str()], v);
        }
    }

    /// p50 and p99 of every call so far, in seconds (bucket-interpolated by the metrics
    /// snapshot, clamped to the observed min/max).
    pub(crate) fn call_latency_quantiles(
        &self,
        snapshot: &MetricsSnapshot,
    ) -> (Option<f64>, Option<f64>) {
        snapshot
            .family(&self.call_duration_name)
            .and_then(|f| f.series.first())
            .and_then(|s| s.histogram.as_ref())
            .map_or((None, None), |h| (h.p50, h.p99))
    }
}
