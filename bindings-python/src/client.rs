//! `MantraClient`: the core's composed RPC client (cache → single-flight → batcher →
//! executor → pool → transport), with an optional async Python transport.

use std::collections::BTreeMap;
use std::sync::Arc;

use mantra_sdk::rpc::ByteFields;
use mantra_sdk::runtime::BoxFuture;
use mantra_sdk::transport::{
    host_transport_error, HttpMethod, HttpRequest, HttpResponse, Transport,
};
use mantra_sdk::{CallOptions, ClientConfig, Error, MantraClient, Priority};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyString, PyTuple};
use serde_json::Value;

use crate::aio::{coroutine, none};
use crate::batch::PyBatchConfig;
use crate::bridge::{bridge_module, with_gil, LoopSlot, PyCallback};
use crate::cache::{PyCacheConfig, PyCacheManager};
use crate::clock::{enter_runtime, PyManualClock};
use crate::convert::{
    arg_seconds, as_str, count, json_to_py, py_to_json, to_py, type_name, with_str,
};
use crate::errors::{guard, type_error, OrPyErr};
use crate::health::{PyHealthChecker, PyHealthConfig};
use crate::metrics::{PyMetricsCollector, PyMetricsConfig};
use crate::pool::PyPoolConfig;

/// A Python transport: `await transport(request) -> response`, with
/// `request = {"method": "POST"|"GET", "url": str, "headers": {str: str}, "body": bytes,
/// "timeout": float | None}` and `response = {"status": int, "body": bytes | str,
/// "retry_after": float | None}` (`retry_after` optional, seconds).
struct PyTransport {
    callback: PyCallback,
}

impl std::fmt::Debug for PyTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PyTransport")
    }
}

const WHAT: &str = "transport";

impl Transport for PyTransport {
    fn send(&self, request: HttpRequest) -> BoxFuture<'static, mantra_sdk::Result<HttpResponse>> {
        let call = self.callback.call(move |py| {
            let d = PyDict::new(py);
            d.set_item(
                "method",
                match request.method {
                    HttpMethod::Get => "GET",
                    HttpMethod::Post => "POST",
                },
            )?;
            d.set_item("url", &request.url)?;
            d.set_item("headers", &request.headers)?;
            d.set_item("body", PyBytes::new(py, &request.body))?;
            d.set_item("timeout", request.timeout.map(|t| t.as_secs_f64()))?;
            PyTuple::new(py, [d])
        });
        Box::pin(async move {
            let out = call.await.map_err(host_transport_error)?;
            with_gil(|py| read_response(out.bind(py)))
        })
    }
}

fn bad_response(why: String) -> Error {
    Error::Host(format!("{WHAT}: {why}"))
}

fn read_response(obj: &Bound<'_, PyAny>) -> mantra_sdk::Result<HttpResponse> {
    let d = obj.cast::<PyDict>().map_err(|_| {
        bad_response(format!(
            "must return a dict {{status, body, retry_after?}}, not {}",
            type_name(obj)
        ))
    })?;
    let item = |k: &str| d.get_item(k).ok().flatten().filter(|v| !v.is_none());
    let status: u16 = item("status")
        .and_then(|s| s.extract::<u16>().ok())
        .filter(|s| (100..=999).contains(s))
        .ok_or_else(|| bad_response("`status` must be an HTTP status code (int)".into()))?;
    let body = match item("body") {
        None => Vec::new(),
        Some(b) => {
            if let Ok(bytes) = b.cast::<PyBytes>() {
                bytes.as_bytes().to_vec()
            } else if let Ok(s) = b.cast::<PyString>() {
                s.to_cow()
                    .map_err(|_| bad_response("`body` is not valid text".into()))?
                    .into_owned()
                    .into_bytes()
            } else {
                return Err(bad_response(format!(
                    "`body` must be bytes or str, not {}",
                    type_name(&b)
                )));
            }
        }
    };
    let retry_after = match item("retry_after") {
        None => None,
        Some(r) => {
            let secs: f64 = r
                .extract()
                .map_err(|_| bad_response("`retry_after` must be seconds (float)".into()))?;
            Some(arg_seconds("retry_after", secs).map_err(|e| bad_response(e.to_string()))?)
        }
    };
    Ok(HttpResponse {
        status,
        body,
        retry_after,
    })
}

/// The MANTRA RPC client. Build it with `await MantraClient.connect(endpoints, ...)`.
#[pyclass(name = "MantraClient", module = "mantra_sdk._native", frozen)]
pub(crate) struct PyMantraClient {
    inner: MantraClient,
}

/// `cache=` / `batch=`: `None` takes the core's default config, `False` turns it off.
fn opt_component<'py, T: Clone + pyo3::PyClass>(
    name: &str,
    obj: Option<&Bound<'py, PyAny>>,
) -> PyResult<Option<Option<T>>> {
    match obj {
        None => Ok(None),
        Some(o) if o.is_instance_of::<pyo3::types::PyBool>() && !o.is_truthy()? => Ok(Some(None)),
        Some(o) => match o.cast::<T>() {
            Ok(c) => Ok(Some(Some(c.borrow().clone()))),
            Err(_) => Err(type_error(format!(
                "`{name}` must be a {} (or False to turn it off), not {}",
                T::NAME,
                type_name(o)
            ))),
        },
    }
}

fn bytes_arg(name: &str, obj: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
    if let Ok(b) = obj.cast::<PyBytes>() {
        return Ok(b.as_bytes().to_vec());
    }
    if let Ok(b) = obj.cast::<pyo3::types::PyByteArray>() {
        return Ok(b.to_vec());
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return with_str(s, |s| s.as_bytes().to_vec());
    }
    Err(type_error(format!(
        "`{name}` must be bytes (or str), not {}",
        type_name(obj)
    )))
}

/// A `height` argument: `None`, or an int in `0..2**64` — anything with `__index__` (a
/// numpy integer too) but a bool. A float or a str is a `TypeError`, a negative or too
/// large int `InvalidArgumentError` naming `height`.
fn height_arg(height: Option<&Bound<'_, PyAny>>) -> PyResult<Option<u64>> {
    let Some(h) = height else { return Ok(None) };
    let index = if h.is_instance_of::<pyo3::types::PyBool>() {
        None
    } else {
        h.call_method0("__index__").ok()
    };
    match index {
        Some(i) => crate::convert::arg_count::<u64>("height", &i).map(Some),
        None => Err(crate::errors::type_error(format!(
            "`height` must be an int, not {}",
            crate::convert::type_name(h)
        ))),
    }
}

/// A reply with its byte fields (core's [`ByteFields`]: base64 in its JSON) as `bytes`.
fn with_bytes_fields<'py, T>(py: Python<'py>, v: &T) -> PyResult<Bound<'py, PyAny>>
where
    T: serde::Serialize + ByteFields,
{
    let obj = to_py(py, v)?;
    if let Ok(d) = obj.cast::<PyDict>() {
        let mut failed = None;
        v.for_each_byte_field(&mut |name, bytes| {
            if failed.is_none() {
                failed = d.set_item(name, PyBytes::new(py, bytes)).err();
            }
        });
        if let Some(e) = failed {
            return Err(e);
        }
    }
    Ok(obj)
}

#[pymethods]
impl PyMantraClient {
    /// Builds the client and warms up its pool (a coroutine). See the stubs for the options.
    #[staticmethod]
    #[pyo3(signature = (
        endpoints,
        *,
        pool = None,
        cache = None,
        batch = None,
        metrics = None,
        health = None,
        transport = None,
        request_timeout = None,
        max_body_bytes = None,
        method_ttls = None,
        cache_policy = None,
        clock = None,
    ))]
    #[allow(clippy::too_many_arguments)]
    fn connect<'py>(
        py: Python<'py>,
        endpoints: &Bound<'py, PyAny>,
        pool: Option<PyRef<'py, PyPoolConfig>>,
        cache: Option<&Bound<'py, PyAny>>,
        batch: Option<&Bound<'py, PyAny>>,
        metrics: Option<PyRef<'py, PyMetricsConfig>>,
        health: Option<PyRef<'py, PyHealthConfig>>,
        transport: Option<Bound<'py, PyAny>>,
        request_timeout: Option<f64>,
        max_body_bytes: Option<Bound<'py, PyAny>>,
        method_ttls: Option<BTreeMap<String, f64>>,
        cache_policy: Option<PyRef<'py, crate::policy::PyCachePolicy>>,
        clock: Option<PyRef<'py, PyManualClock>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        guard(|| {
            if endpoints.is_instance_of::<PyString>() {
                return Err(type_error("`endpoints` must be a list of URLs, not a str"));
            }
            let urls = endpoints
                .try_iter()
                .map_err(|_| type_error("`endpoints` must be a list of URLs"))?
                .map(|u| {
                    let u = u?;
                    with_str(as_str("endpoints", &u)?, str::to_owned)
                })
                .collect::<PyResult<Vec<String>>>()?;
            let mut config = ClientConfig::new(urls);
            if let Some(p) = pool {
                config.pool = p.inner.clone();
            }
            let cache = opt_component::<PyCacheConfig>("cache", cache)?;
            if let Some(c) = &cache {
                config.cache = c.as_ref().map(|c| c.inner.clone());
                if let Some(c) = c {
                    config.cache_ttls = c.ttl_by_type.iter().map(|(t, d)| (*t, *d)).collect();
                }
            }
            let batch = opt_component::<PyBatchConfig>("batch", batch)?;
            if let Some(b) = &batch {
                config.batch = b.as_ref().map(|b| b.inner.clone());
                if let Some(b) = b {
                    config.batch_options = b.options();
                }
            }
            if let Some(m) = metrics {
                // The given fields over the client's defaults (its fine latency buckets).
                config.metrics = m.over(config.metrics);
            }
            if let Some(h) = health {
                config.health = h.inner.clone();
            }
            if let Some(t) = request_timeout {
                config.request_timeout = crate::convert::seconds("request_timeout", t).or_py()?;
            }
            if let Some(n) = max_body_bytes {
                config.max_body_bytes = count("max_body_bytes", &n)?;
            }
            if let Some(p) = cache_policy {
                config.cache_policy = p.inner.clone();
            }
            // `method_ttls` adds to (and overrides) the policy's own entries.
            if let Some(m) = method_ttls {
                for (method, secs) in m {
                    let ttl = crate::convert::seconds("cache_policy.method_ttls", secs).or_py()?;
                    config.cache_policy.method_ttls.insert(method, ttl);
                }
            }
            // Checked before the transport needs a running event loop: a bad value is
            // reported as itself, also outside a loop.
            config.validate().or_py()?;
            let slot = LoopSlot::default();
            if let Some(t) = transport {
                if !t.is_callable() {
                    return Err(type_error(format!(
                        "transport must be callable (an async function), not {}",
                        type_name(&t)
                    )));
                }
                // The pool's background pings call the transport outside any SDK coroutine:
                // they run on the event loop of `connect`.
                slot.capture_running(py)?;
                config.transport = Some(Arc::new(PyTransport {
                    callback: PyCallback::new(t, slot.clone(), WHAT),
                }));
            }
            let clock = clock.map(|c| c.shared());
            // Runs on the SDK runtime: the client's background loops are spawned there.
            let fut = async move {
                match clock {
                    Some(c) => MantraClient::with_clock(config, c).await,
                    None => MantraClient::new(config).await,
                }
            };
            let coro = coroutine(py, fut, |py, inner| {
                Ok(Py::new(py, PyMantraClient { inner })?
                    .into_bound(py)
                    .into_any())
            })?;
            bridge_module(py)?.getattr("_Connecting")?.call1((coro,))
        })
    }

    /// `status`: the node's info, sync state and validator (cached for `node_status` TTL).
    fn status<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let c = self.inner.clone();
        guard(|| coroutine(py, async move { c.status().await }, |py, v| to_py(py, &v)))
    }

    /// The node's `health` method; returns `None` when it answers.
    fn health_check<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let c = self.inner.clone();
        guard(|| coroutine(py, async move { c.health_check().await }, none))
    }

    /// `abci_info`.
    fn abci_info<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let c = self.inner.clone();
        guard(|| {
            coroutine(py, async move { c.abci_info().await }, |py, v| {
                to_py(py, &v)
            })
        })
    }

    /// `abci_query` of `path` with `data` (bytes) at `height` (`None` = latest). The
    /// response's `key` and `value` are `bytes`; a non-zero `code` is the app's failure.
    #[pyo3(signature = (path, data, height = None))]
    fn abci_query<'py>(
        &self,
        py: Python<'py>,
        path: &Bound<'py, PyAny>,
        data: &Bound<'py, PyAny>,
        height: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        guard(|| {
            let path = with_str(as_str("path", path)?, str::to_owned)?;
            let data = bytes_arg("data", data)?;
            let height = height_arg(height.as_ref())?;
            let c = self.inner.clone();
            coroutine(
                py,
                async move { c.abci_query(&path, &data, height).await },
                |py, v| with_bytes_fields(py, &v),
            )
        })
    }

    /// CosmWasm smart query of `contract` with `msg` (JSON-compatible); returns the
    /// contract's JSON reply.
    fn smart_query<'py>(
        &self,
        py: Python<'py>,
        contract: &Bound<'py, PyAny>,
        msg: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        guard(|| {
            let contract = with_str(as_str("contract", contract)?, str::to_owned)?;
            let msg = py_to_json(msg)?;
            let c = self.inner.clone();
            coroutine(
                py,
                async move { c.smart_query(&contract, &msg).await },
                |py, v| json_to_py(py, &v),
            )
        })
    }

    /// `block` at `height` (`None` = latest).
    #[pyo3(signature = (height = None))]
    fn block<'py>(
        &self,
        py: Python<'py>,
        height: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        guard(|| {
            let height = height_arg(height.as_ref())?;
            let c = self.inner.clone();
            coroutine(py, async move { c.block(height).await }, |py, v| {
                to_py(py, &v)
            })
        })
    }

    /// `tx` by hash (hex str, any case, optional `0x`; or raw bytes).
    fn tx<'py>(&self, py: Python<'py>, hash: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        guard(|| {
            let c = self.inner.clone();
            if let Ok(s) = hash.cast::<PyString>() {
                let h = with_str(s, str::to_owned)?;
                return coroutine(py, async move { c.tx_hex(&h).await }, |py, v| to_py(py, &v));
            }
            let raw = bytes_arg("hash", hash)?;
            coroutine(py, async move { c.tx(&raw).await }, |py, v| to_py(py, &v))
        })
    }

    /// `broadcast_tx_sync` of `tx` (bytes): returns after CheckTx. Never cached or batched.
    fn broadcast_tx_sync<'py>(
        &self,
        py: Python<'py>,
        tx: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        guard(|| {
            let tx = bytes_arg("tx", tx)?;
            let c = self.inner.clone();
            coroutine(
                py,
                async move { c.broadcast_tx_sync(&tx).await },
                |py, v| with_bytes_fields(py, &v),
            )
        })
    }

    /// `broadcast_tx_async` of `tx` (bytes): returns at once.
    fn broadcast_tx_async<'py>(
        &self,
        py: Python<'py>,
        tx: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        guard(|| {
            let tx = bytes_arg("tx", tx)?;
            let c = self.inner.clone();
            coroutine(
                py,
                async move { c.broadcast_tx_async(&tx).await },
                |py, v| with_bytes_fields(py, &v),
            )
        })
    }

    /// Any JSON-RPC `method` with `params` (JSON-compatible; default `{}`), under the
    /// core's cache and batching policy. `priority` (`"high"`/`"normal"`/`"low"`),
    /// `timeout` (seconds) and `bypass_cache` override it for this call.
    #[pyo3(
        signature = (method, params = None, *, priority = None, timeout = None, bypass_cache = false),
        text_signature = "($self, method, params=None, *, priority=None, timeout=None, bypass_cache=False)"
    )]
    fn call<'py>(
        &self,
        py: Python<'py>,
        method: &Bound<'py, PyAny>,
        params: Option<&Bound<'py, PyAny>>,
        priority: Option<&Bound<'py, PyAny>>,
        timeout: Option<f64>,
        bypass_cache: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        guard(|| {
            let method = with_str(as_str("method", method)?, str::to_owned)?;
            let params = match params {
                Some(p) => py_to_json(p)?,
                None => Value::Object(Default::default()),
            };
            let options = CallOptions {
                priority: match priority {
                    Some(p) => {
                        Some(with_str(as_str("priority", p)?, |s| s.parse::<Priority>())?.or_py()?)
                    }
                    None => None,
                },
                timeout: timeout
                    .map(|t| arg_seconds("timeout", t))
                    .transpose()
                    .or_py()?,
                bypass_cache,
            };
            let c = self.inner.clone();
            coroutine(
                py,
                async move { c.call_with_options(&method, params, &options).await },
                |py, v| json_to_py(py, &v),
            )
        })
    }

    /// Runs the client's health checks (per endpoint, node sync, cache pressure, batch
    /// backlog) now and returns the report.
    fn run_health_checks<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let c = self.inner.clone();
        guard(|| {
            coroutine(py, async move { c.run_health_checks().await }, |py, v| {
                to_py(py, &v)
            })
        })
    }

    /// The response cache (a `CacheManager` view of the client's JSON cache), or `None`.
    #[getter]
    fn cache(&self) -> Option<PyCacheManager> {
        self.inner.cache().cloned().map(PyCacheManager::of_client)
    }

    /// The client's metrics collector.
    #[getter]
    fn metrics(&self) -> PyMetricsCollector {
        PyMetricsCollector {
            inner: self.inner.metrics().clone(),
        }
    }

    /// The client's health checker.
    #[getter]
    fn health(&self) -> PyHealthChecker {
        PyHealthChecker::of(self.inner.health().clone())
    }

    /// Connection pool statistics (per endpoint: score, in flight, breaker, ...).
    fn pool_stats<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        guard(|| {
            let s = py.detach(|| self.inner.pool_stats());
            to_py(py, &s)
        })
    }

    /// Client statistics: calls by outcome, cache, batching, executor, pool.
    fn stats<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        guard(|| {
            let s = py.detach(|| self.inner.stats());
            to_py(py, &s)
        })
    }

    /// The client's metrics in Prometheus text format 0.0.4 (gauges refreshed first).
    fn prometheus(&self, py: Python<'_>) -> PyResult<String> {
        guard(|| Ok(py.detach(|| self.inner.prometheus())))
    }

    /// Closes the client: pending calls fail with `ClosedError`, background loops stop.
    /// Idempotent.
    fn close(&self, py: Python<'_>) -> PyResult<()> {
        guard(|| {
            py.detach(|| {
                let _rt = enter_runtime();
                self.inner.close()
            });
            Ok(())
        })
    }

    /// Whether `close()` was called.
    #[getter]
    fn is_closed(&self) -> bool {
        self.inner.is_closed()
    }

    fn __aenter__<'py>(slf: Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        bridge_module(py)?.getattr("_ready")?.call1((slf,))
    }

    fn __aexit__<'py>(
        &self,
        py: Python<'py>,
        _exc_type: Bound<'py, PyAny>,
        _exc: Bound<'py, PyAny>,
        _tb: Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.close(py)?;
        bridge_module(py)?.getattr("_ready")?.call1((py.None(),))
    }

    fn __repr__(&self) -> String {
        let endpoints: Vec<String> = self
            .inner
            .config()
            .endpoints
            .iter()
            .map(|e| mantra_sdk::redact_url(e))
            .collect();
        format!(
            "MantraClient(endpoints={endpoints:?}, closed={})",
            if self.inner.is_closed() {
                "True"
            } else {
                "False"
            }
        )
    }
}
