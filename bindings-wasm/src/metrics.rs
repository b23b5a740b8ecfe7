//! The metrics collector behind the JS `MetricsCollector` (`lib/metrics.mjs`).
//!
//! Core's [`MetricsCollector`] records and exports. To keep a recording from re-encoding its
//! label strings on every call, the JS layer remembers, per label pair, the id of a core
//! handle ([`ProtocolOperationHandle`], [`McpRequestHandle`]) that this engine hands out
//! after the pair's first recording by name — only for pairs core keeps in series of their
//! own and whose values core did not cut, so the JS maps stay bounded by
//! `maxSeriesPerFamily` and every recording lands exactly where recording by name would.

use std::cell::RefCell;
use std::time::Duration;

use mantra_sdk::runtime::{default_clock, SharedClock};
use mantra_sdk::{
    McpRequestHandle, MetricType, MetricsCollector, MetricsConfig, MetricsResourceUsage,
    ProtocolOperationHandle, MAX_LABEL_VALUE_BYTES,
};
use wasm_bindgen::prelude::*;

use mantra_sdk_wasm_io::config::read_metrics_config;
use mantra_sdk_wasm_io::convert::{duration_from_ms, Config};
use mantra_sdk_wasm_io::error::{to_js, JsResult};
use mantra_sdk_wasm_io::{engines, MantraClient, ManualClock};

/// The metrics engine (internal: used by the JS `MetricsCollector`).
#[wasm_bindgen(js_name = "__MetricsCore")]
pub struct MetricsCore {
    inner: MetricsCollector,
    ops: RefCell<Vec<ProtocolOperationHandle>>,
    mcp: RefCell<Vec<McpRequestHandle>>,
}

/// A latency in ms for the recording calls (`what` names the call).
fn latency(ms: f64, what: &str) -> JsResult<Duration> {
    duration_from_ms(&JsValue::from_f64(ms), what)
}

/// A latency for the hot paths: `None` if not a finite number `>= 0` (JS then retries the
/// call by name, which reports the error).
#[inline]
fn quick_latency(ms: f64) -> Option<Duration> {
    if ms.is_finite() && ms >= 0.0 {
        Duration::try_from_secs_f64(ms / 1000.0).ok()
    } else {
        None
    }
}

/// Whether core keeps `v` as it is (not cut to `MAX_LABEL_VALUE_BYTES`).
fn uncut(v: &str) -> bool {
    v.len() <= MAX_LABEL_VALUE_BYTES
}

fn id_of(len: usize) -> i32 {
    i32::try_from(len).unwrap_or(-1)
}

impl MetricsCore {
    fn build(config: &JsValue, clock: SharedClock) -> JsResult<MetricsCore> {
        let (reader, config) = read_metrics_config(config, MetricsConfig::default())?;
        let inner = MetricsCollector::with_clock(config, clock).map_err(|e| reader.error(&e))?;
        Ok(MetricsCore::from_collector(inner))
    }

    fn from_collector(inner: MetricsCollector) -> MetricsCore {
        MetricsCore {
            inner,
            ops: RefCell::new(Vec::new()),
            mcp: RefCell::new(Vec::new()),
        }
    }
}

#[wasm_bindgen(js_class = "__MetricsCore")]
impl MetricsCore {
    /// A collector on the platform clock.
    #[wasm_bindgen(constructor)]
    pub fn new(config: JsValue) -> Result<MetricsCore, JsValue> {
        Self::build(&config, default_clock())
    }

    /// The collector of a `MantraClient` (internal: `client.metrics` in the JS layer).
    #[wasm_bindgen(js_name = fromClient)]
    pub fn from_client(client: &MantraClient) -> MetricsCore {
        MetricsCore::from_collector(client.core().metrics().clone())
    }

    /// A collector on a `ManualClock`.
    #[wasm_bindgen(js_name = withClock)]
    pub fn with_clock(config: JsValue, clock: &ManualClock) -> Result<MetricsCore, JsValue> {
        Self::build(&config, clock.shared())
    }

    /// Records a protocol operation by name. Returns the id of the pair's handle for
    /// `recordOp` (`-1`: keep recording this pair by name).
    #[wasm_bindgen(js_name = recordProtocol)]
    pub fn record_protocol(
        &self,
        protocol: &str,
        operation: &str,
        latency_ms: f64,
        success: bool,
        error: Option<String>,
    ) -> Result<i32, JsValue> {
        let d = latency(
            latency_ms,
            "MetricsCollector.recordProtocolOperation(…, latencyMs)",
        )?;
        self.inner.record_protocol_operation_sync(
            protocol,
            operation,
            d,
            success,
            error.as_deref(),
        );
        if !(uncut(protocol) && uncut(operation)) {
            return Ok(-1);
        }
        Ok(match self.inner.protocol_operation(protocol, operation) {
            Some(h) => {
                let mut ops = self.ops.borrow_mut();
                ops.push(h);
                id_of(ops.len() - 1)
            }
            None => -1,
        })
    }

    /// Records a successful operation through handle `id`; `false` if `latency_ms` is not a
    /// finite number `>= 0` (nothing recorded).
    #[wasm_bindgen(js_name = recordOp)]
    pub fn record_op(&self, id: u32, latency_ms: f64) -> bool {
        let Some(d) = quick_latency(latency_ms) else {
            return false;
        };
        if let Some(h) = self.ops.borrow().get(id as usize) {
            h.record(d, true, None);
        }
        true
    }

    /// Records a server request by name; returns a handle id as `recordProtocol`.
    #[wasm_bindgen(js_name = recordMcp)]
    pub fn record_mcp(
        &self,
        latency_ms: f64,
        success: bool,
        transport: &str,
    ) -> Result<i32, JsValue> {
        let d = latency(
            latency_ms,
            "MetricsCollector.recordMcpRequest(latencyMs, …)",
        )?;
        self.inner.record_mcp_request_sync(d, success, transport);
        if !uncut(transport) {
            return Ok(-1);
        }
        Ok(match self.inner.mcp_request(transport) {
            Some(h) => {
                let mut mcp = self.mcp.borrow_mut();
                mcp.push(h);
                id_of(mcp.len() - 1)
            }
            None => -1,
        })
    }

    /// Records a server request through handle `id` (`false`: bad latency, nothing recorded).
    #[wasm_bindgen(js_name = recordMcpId)]
    pub fn record_mcp_id(&self, id: u32, latency_ms: f64, success: bool) -> bool {
        let Some(d) = quick_latency(latency_ms) else {
            return false;
        };
        if let Some(h) = self.mcp.borrow().get(id as usize) {
            h.record(d, success);
        }
        true
    }

    /// Records a custom metric; throws core's error (also counted in
    /// `<ns>_metrics_rejected_total`).
    #[wasm_bindgen(js_name = recordCustom)]
    pub fn record_custom(
        &self,
        category: &str,
        name: &str,
        value: f64,
        metric_type: &str,
    ) -> Result<(), JsValue> {
        let t: MetricType = metric_type.parse().map_err(|e| to_js(&e))?;
        self.inner
            .try_record_custom_metric(category, name, value, t)
            .map_err(|e| to_js(&e))
    }

    /// Sets the resource gauges given (`{memoryUsedBytes, memoryPooledBytes, cacheBytes,
    /// cacheEntries, activeConnections, pendingRequests}`, each optional).
    #[wasm_bindgen(js_name = recordResourceUsage)]
    pub fn record_resource_usage(&self, usage: JsValue) -> Result<(), JsValue> {
        let mut r = Config::record(&usage, "MetricsCollector.recordResourceUsage(usage)")?;
        let mut n = |key: &'static str| -> JsResult<Option<u64>> {
            Ok(r.count(key, key)?.map(|n| n as u64))
        };
        let u = MetricsResourceUsage {
            memory_used_bytes: n("memoryUsedBytes")?,
            memory_pooled_bytes: n("memoryPooledBytes")?,
            cache_bytes: n("cacheBytes")?,
            cache_entries: n("cacheEntries")?,
            active_connections: n("activeConnections")?,
            pending_requests: n("pendingRequests")?,
        };
        r.finish()?;
        self.inner.record_resource_usage(&u);
        Ok(())
    }

    /// The snapshot: every family with its series, windows, dropped series (camelCased).
    #[wasm_bindgen(js_name = getAllMetrics)]
    pub fn get_all_metrics(&self) -> JsValue {
        engines::metrics_snapshot(&self.inner.get_all_metrics_sync())
    }

    /// Prometheus text exposition 0.0.4.
    pub fn prometheus(&self) -> String {
        self.inner.prometheus()
    }

    /// OTLP/HTTP JSON `ExportMetricsServiceRequest` (text).
    #[wasm_bindgen(js_name = otlpJson)]
    pub fn otlp_json(&self) -> String {
        self.inner.otlp_json()
    }

    /// Starts the aggregation loop (idempotent; `closed` after `close`).
    pub fn initialize(&self) -> Result<(), JsValue> {
        self.inner.initialize_sync().map_err(|e| to_js(&e))
    }

    /// Closes the current aggregation window now.
    #[wasm_bindgen(js_name = aggregateNow)]
    pub fn aggregate_now(&self) {
        self.inner.aggregate_now()
    }

    /// Whether the aggregation loop runs.
    #[wasm_bindgen(getter, js_name = isRunning)]
    pub fn is_running(&self) -> bool {
        self.inner.is_running()
    }

    /// Stops the aggregation loop; recording and exporting keep working.
    pub fn close(&self) {
        self.inner.close()
    }
}

impl MetricsCore {
    /// The core collector (shared with `MantraClient`).
    pub fn collector(&self) -> &MetricsCollector {
        &self.inner
    }
}
