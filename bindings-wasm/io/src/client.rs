//! `MantraClient`: core's composed client (cache → single-flight → batcher → executor →
//! pool) with core's `FetchTransport`, or a JS function as the transport.

use std::sync::Arc;

use crate::host::promise;
use js_sys::{Array, Object, Promise, Reflect, Uint8Array};
use mantra_sdk::rpc::ByteFields;
use mantra_sdk::runtime::BoxFuture;
use mantra_sdk::transport::{HttpMethod, HttpRequest, HttpResponse, Transport};
use mantra_sdk::{
    CachePolicy, ClientConfig, ConnectionPoolConfig, Error, MantraClient as CoreClient,
};
use wasm_bindgen::prelude::*;

use crate::call_options::{self, CallArgs};
use crate::convert::{describe, function, json, ms_from_duration, string, Config};
use crate::error::{to_js, type_error, JsResult};
use crate::host::{call_host, JsTask};
use crate::{json_text, ser};

/// A JS function `(request) => Promise<{status, body, headers?}>` as core's transport.
/// `request` is `{method, url, headers, body, timeoutMs}` (`body` a string).
#[derive(Debug)]
struct JsTransport {
    f: js_sys::Function,
}

/// `obj[key]`; the key's JS string is made once (see `ser::get_static`).
fn get(obj: &JsValue, key: &'static str) -> JsValue {
    ser::get_static(obj, key)
}

impl Transport for JsTransport {
    fn send(&self, request: HttpRequest) -> BoxFuture<'static, mantra_sdk::Result<HttpResponse>> {
        let f = self.f.clone();
        let req = Object::new();
        let set = |k: &'static str, v: &JsValue| ser::set_static(&req, k, v);
        let method = match request.method {
            HttpMethod::Get => "GET",
            HttpMethod::Post => "POST",
        };
        set("method", &JsValue::from_str(method));
        set("url", &JsValue::from_str(&request.url));
        let headers = Object::new();
        for (k, v) in &request.headers {
            let _ = Reflect::set(&headers, &JsValue::from_str(k), &JsValue::from_str(v));
        }
        set("headers", &headers.into());
        set(
            "body",
            &JsValue::from_str(&String::from_utf8_lossy(&request.body)),
        );
        set(
            "timeoutMs",
            &request
                .timeout
                .map_or(JsValue::NULL, |t| JsValue::from_f64(ms_from_duration(t))),
        );
        Box::pin(async move {
            let out = call_host(&f, &[req.into()], "transport").await?;
            let status = get(&out, "status")
                .as_f64()
                .filter(|s| (100.0..=999.0).contains(s))
                .ok_or_else(|| {
                    Error::Host(format!(
                        "transport: expected {{status, body}}, got status {}",
                        describe(&get(&out, "status"))
                    ))
                })? as u16;
            let body = get(&out, "body");
            let body = if let Some(s) = body.as_string() {
                s.into_bytes()
            } else if body.is_instance_of::<Uint8Array>() {
                Uint8Array::unchecked_from_js_ref(&body).to_vec()
            } else {
                return Err(Error::Host(format!(
                    "transport: `body` must be a string or a Uint8Array, got {}",
                    describe(&body)
                )));
            };
            // Only an object is looked into: `Reflect.get` on `undefined` throws, and a thrown
            // (and caught) TypeError per exchange costs more than the rest of this reply.
            let headers = get(&out, "headers");
            let retry_after = (headers.is_object() && !headers.is_null())
                .then(|| get(&headers, "retry-after"))
                .and_then(|v| v.as_string())
                .and_then(|v| {
                    mantra_sdk::transport::parse_retry_after(
                        &v,
                        mantra_sdk::runtime::default_clock().wall_time(),
                    )
                });
            Ok(HttpResponse {
                status,
                body,
                retry_after,
            })
        })
    }
}

fn read_config(value: &JsValue) -> JsResult<(Config, ClientConfig)> {
    let mut r = Config::new(value, "MantraClient config")?;
    let mut c = ClientConfig::default();
    match r.raw("endpoints", "endpoints") {
        Some(v) if Array::is_array(&v) => {
            c.endpoints = Array::unchecked_from_js_ref(&v)
                .iter()
                .map(|e: JsValue| string(&e, "MantraClient config `endpoints` item"))
                .collect::<JsResult<_>>()?;
        }
        Some(v) => {
            c.endpoints = vec![string(&v, "MantraClient config `endpoints`")?];
        }
        None => {}
    }
    if let Some(d) = r.ms("requestTimeoutMs", "request_timeout")? {
        c.request_timeout = d;
    }
    if let Some(n) = r.count("maxBodyBytes", "max_body_bytes")? {
        c.max_body_bytes = n;
    }
    if let Some(v) = r.raw("pool", "pool") {
        c.pool = read_pool_config(&v, c.pool)?;
    }
    if let Some(v) = r.raw("cachePolicy", "cache_policy") {
        c.cache_policy = read_cache_policy(&v, c.cache_policy)?;
    }
    match r.raw("cache", "cache") {
        Some(v) if v.as_bool() == Some(false) => c.cache = None,
        Some(v) => {
            let crate::config::JsCacheConfig(_, cache, ttls) =
                crate::config::read_cache_config(&v)?;
            c.cache = Some(cache);
            c.cache_ttls = ttls.into_iter().collect();
        }
        None => {}
    }
    match r.raw("batch", "batch") {
        Some(v) if v.as_bool() == Some(false) => c.batch = None,
        Some(v) => {
            let batch = crate::batch::read_config(&v)?;
            c.batch = Some(batch.config.clone());
            c.batch_options = batch.options();
        }
        None => {}
    }
    // Core checks these where they sit in its `ClientConfig`; its errors name them so.
    r.rename("cache_ttls", "ttlByType");
    r.rename("max_batch_bytes", "maxBatchBytes");
    r.rename("max_retry_delay", "maxRetryDelayMs");
    r.rename("priority_aging", "priorityAgingMs");
    if let Some(v) = r.raw("metrics", "metrics") {
        c.metrics = crate::config::read_metrics_config(&v, c.metrics.clone())?.1;
    }
    if let Some(v) = r.raw("health", "health") {
        c.health = crate::health::read_config(&v)?.1;
    }
    if let Some(v) = r.raw("transport", "transport") {
        let f = function(&v, "MantraClient config `transport`")?;
        c.transport = Some(Arc::new(JsTransport { f }));
    }
    r.finish()?;
    Ok((r, c))
}

/// The `pool` option: core's six `ConnectionPoolConfig` fields over the client's defaults,
/// checked by core (an invalid value is a `MantraError` naming the JS option).
fn read_pool_config(
    value: &JsValue,
    mut p: ConnectionPoolConfig,
) -> JsResult<ConnectionPoolConfig> {
    let mut r = Config::new(value, "MantraClient config `pool`")?;
    if let Some(n) = r.count("maxConnections", "max_connections")? {
        p.max_connections = n;
    }
    if let Some(n) = r.count("minConnections", "min_connections")? {
        p.min_connections = n;
    }
    if let Some(d) = r.ms("maxIdleTimeMs", "max_idle_time")? {
        p.max_idle_time = d;
    }
    if let Some(d) = r.ms("connectionTimeoutMs", "connection_timeout")? {
        p.connection_timeout = d;
    }
    if let Some(d) = r.ms("acquireTimeoutMs", "acquire_timeout")? {
        p.acquire_timeout = d;
    }
    if let Some(d) = r.ms("healthCheckIntervalMs", "health_check_interval")? {
        p.health_check_interval = d;
    }
    r.finish()?;
    p.validate().map_err(|e| r.error(&e))?;
    Ok(p)
}

/// The `cachePolicy` option: how long the client caches each kind of reply (core's
/// `CachePolicy`, checked by core; an invalid TTL is a `MantraError` naming the JS option).
fn read_cache_policy(value: &JsValue, mut p: CachePolicy) -> JsResult<CachePolicy> {
    let mut r = Config::new(value, "MantraClient config `cachePolicy`")?;
    // Core's errors name these fields `cache_policy.<field>`: registered as such, so
    // `r.error` renames them to the JS option.
    for (key, field, slot) in [
        (
            "nodeStatusTtlMs",
            "cache_policy.node_status_ttl",
            &mut p.node_status_ttl,
        ),
        ("blockTtlMs", "cache_policy.block_ttl", &mut p.block_ttl),
        (
            "queryAtHeightTtlMs",
            "cache_policy.query_at_height_ttl",
            &mut p.query_at_height_ttl,
        ),
        (
            "queryLatestTtlMs",
            "cache_policy.query_latest_ttl",
            &mut p.query_latest_ttl,
        ),
        (
            "contractQueryTtlMs",
            "cache_policy.contract_query_ttl",
            &mut p.contract_query_ttl,
        ),
        (
            "poolInfoTtlMs",
            "cache_policy.pool_info_ttl",
            &mut p.pool_info_ttl,
        ),
        (
            "simulationTtlMs",
            "cache_policy.simulation_ttl",
            &mut p.simulation_ttl,
        ),
    ] {
        if let Some(d) = r.ms(key, field)? {
            *slot = d;
        }
    }
    if let Some(methods) = r.object("methodTtlsMs", "cache_policy.method_ttls")? {
        for method in Object::keys(&methods).iter() {
            let ttl = Reflect::get(&methods, &method).unwrap_or(JsValue::UNDEFINED);
            let name = method.as_string().unwrap_or_default();
            let ttl = crate::convert::ms_value(&ttl).map_err(|why| {
                r.error(&Error::invalid_config(
                    "cache_policy.method_ttls",
                    format!("TTL of `{name}` {why}"),
                ))
            })?;
            p.method_ttls.insert(name, ttl);
        }
    }
    r.finish()?;
    p.validate().map_err(|e| r.error(&e))?;
    Ok(p)
}

/// The composed MANTRA RPC client; see `index.d.ts`.
#[wasm_bindgen]
pub struct MantraClient {
    inner: CoreClient,
}

impl MantraClient {
    /// Core's client (for the engines crate: `client.metrics`).
    pub fn core(&self) -> &CoreClient {
        &self.inner
    }
}

fn run<T, F>(fut: F) -> Promise
where
    F: std::future::Future<Output = mantra_sdk::Result<T>> + 'static,
    T: serde::Serialize + 'static,
{
    run_with(fut, ser::to_js)
}

fn run_with<T: 'static, F>(fut: F, convert: fn(&T) -> JsValue) -> Promise
where
    F: std::future::Future<Output = mantra_sdk::Result<T>> + 'static,
{
    promise(Box::pin(async move {
        let v = fut.await.map_err(|e| to_js(&e))?;
        Ok(convert(&v))
    }))
}

/// Runs an RPC call as a promise: `work` under the options' `AbortSignal`; a bad options
/// argument rejects (`work`, which holds any earlier argument error, then never runs).
#[inline(never)]
fn rpc_call(args: JsResult<CallArgs>, what: &'static str, work: JsTask) -> Promise {
    match args {
        Ok(a) => promise(call_options::with_signal(a.signal, what, work)),
        Err(e) => promise(Box::pin(async move { Err(e) })),
    }
}

/// A reply for JS with its byte fields (core's [`ByteFields`]: base64 in the node's JSON) as
/// `Uint8Array`s. The other fields are the node's, camelCased (heights stay decimal strings).
#[inline(never)]
fn with_bytes(out: JsValue, reply: &dyn ByteFields) -> JsValue {
    if let Some(obj) = out.dyn_ref::<Object>() {
        reply.for_each_byte_field(&mut |name, bytes| {
            ser::set_static(obj, name, &Uint8Array::from(bytes).into());
        });
    }
    out
}

/// A node's answer as a task (decoded from JSON, so every number is finite): the result
/// crosses as one JSON text (see `json_text`).
fn rpc_task<T, F>(fut: F) -> JsTask
where
    F: std::future::Future<Output = mantra_sdk::Result<T>> + 'static,
    T: serde::Serialize + 'static,
{
    Box::pin(async move {
        let v = fut.await.map_err(|e| to_js(&e))?;
        Ok(json_text::to_js(&v))
    })
}

fn bytes(value: &JsValue, what: &str) -> JsResult<Vec<u8>> {
    if value.is_instance_of::<Uint8Array>() {
        return Ok(Uint8Array::unchecked_from_js_ref(value).to_vec());
    }
    if let Some(s) = value.as_string() {
        return Ok(s.into_bytes());
    }
    Err(type_error(&format!(
        "{what} must be a Uint8Array or a string, got {}",
        describe(value)
    )))
}

fn height(value: &JsValue, what: &str) -> JsResult<Option<u64>> {
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    match value.as_f64() {
        Some(h) if h.is_finite() && h >= 1.0 && h.fract() == 0.0 => Ok(Some(h as u64)),
        Some(_) => Err(to_js(&Error::InvalidArgument(format!(
            "{what} must be an integer >= 1"
        )))),
        None => Err(type_error(&format!(
            "{what} must be a number, got {}",
            describe(value)
        ))),
    }
}

#[wasm_bindgen]
impl MantraClient {
    /// Builds a client (`{endpoints, pool?, cache?, cachePolicy?, batch?, metrics?, health?,
    /// requestTimeoutMs?, maxBodyBytes?, transport?}`; `cache: false` / `batch: false` turn
    /// them off).
    pub fn connect(config: JsValue) -> Promise {
        let read = read_config(&config);
        promise(Box::pin(async move {
            let (reader, config) = read?;
            let inner = CoreClient::new(config)
                .await
                .map_err(|e| reader.error(&e))?;
            Ok(MantraClient { inner }.into())
        }))
    }

    /// The node's `/status` (`options`: `{signal}`).
    pub fn status(&self, options: JsValue) -> Promise {
        let c = self.inner.clone();
        let what = "MantraClient.status";
        rpc_call(
            call_options::read(&options, what, false),
            what,
            rpc_task(async move { c.status().await }),
        )
    }

    /// Resolves when the node answers `/health` (`options`: `{signal}`).
    #[wasm_bindgen(js_name = healthCheck)]
    pub fn health_check(&self, options: JsValue) -> Promise {
        let c = self.inner.clone();
        let what = "MantraClient.healthCheck";
        rpc_call(
            call_options::read(&options, what, false),
            what,
            Box::pin(async move {
                c.health_check().await.map_err(|e| to_js(&e))?;
                Ok(JsValue::UNDEFINED)
            }),
        )
    }

    /// `abci_query` of `path` with `data` (Uint8Array or string) at `height` (latest if
    /// omitted; `options`: `{signal}`).
    #[wasm_bindgen(js_name = abciQuery)]
    pub fn abci_query(
        &self,
        path: JsValue,
        data: JsValue,
        height_: JsValue,
        options: JsValue,
    ) -> Promise {
        let c = self.inner.clone();
        let what = "MantraClient.abciQuery";
        let args = (|| -> JsResult<_> {
            Ok((
                string(&path, "MantraClient.abciQuery(path)")?,
                bytes(&data, "MantraClient.abciQuery(path, data)")?,
                height(&height_, "MantraClient.abciQuery(…, height)")?,
            ))
        })();
        rpc_call(
            call_options::read(&options, what, false),
            what,
            Box::pin(async move {
                let (path, data, h) = args?;
                let v = c.abci_query(&path, &data, h).await.map_err(|e| to_js(&e))?;
                let out = json_text::to_js(&v);
                Ok(with_bytes(out, &v))
            }),
        )
    }

    /// CosmWasm smart query: the contract's JSON reply (`options`: `{signal}`).
    #[wasm_bindgen(js_name = smartQuery)]
    pub fn smart_query(&self, contract: JsValue, msg: JsValue, options: JsValue) -> Promise {
        let c = self.inner.clone();
        let what = "MantraClient.smartQuery";
        let args = (|| -> JsResult<_> {
            Ok((
                string(&contract, "MantraClient.smartQuery(contract)")?,
                json(&msg, "MantraClient.smartQuery(contract, msg)")?,
            ))
        })();
        rpc_call(
            call_options::read(&options, what, false),
            what,
            Box::pin(async move {
                let (contract, msg) = args?;
                let v = c
                    .smart_query(&contract, &msg)
                    .await
                    .map_err(|e| to_js(&e))?;
                Ok(json_text::to_js(&v))
            }),
        )
    }

    /// The block at `height` (latest if omitted; `options`: `{signal}`).
    pub fn block(&self, height_: JsValue, options: JsValue) -> Promise {
        let c = self.inner.clone();
        let what = "MantraClient.block";
        let h = height(&height_, "MantraClient.block(height)");
        rpc_call(
            call_options::read(&options, what, false),
            what,
            Box::pin(async move {
                let v = c.block(h?).await.map_err(|e| to_js(&e))?;
                Ok(json_text::to_js(&v))
            }),
        )
    }

    /// `broadcast_tx_sync` of the signed transaction bytes (`options`: `{signal}`; an abort
    /// after the request went out does not recall the transaction).
    #[wasm_bindgen(js_name = broadcastTxSync)]
    pub fn broadcast_tx_sync(&self, tx: JsValue, options: JsValue) -> Promise {
        let c = self.inner.clone();
        let what = "MantraClient.broadcastTxSync";
        let tx = bytes(&tx, "MantraClient.broadcastTxSync(tx)");
        rpc_call(
            call_options::read(&options, what, false),
            what,
            Box::pin(async move {
                let v = c.broadcast_tx_sync(&tx?).await.map_err(|e| to_js(&e))?;
                Ok(with_bytes(json_text::to_js(&v), &v))
            }),
        )
    }

    /// Any JSON-RPC method with JSON params; resolves with the JSON result. `options`:
    /// `{priority, timeoutMs, bypassCache, signal}` (core's `CallOptions` and an abort).
    pub fn call(&self, method: JsValue, params: JsValue, options: JsValue) -> Promise {
        let c = self.inner.clone();
        let args = (|| -> JsResult<_> {
            let m = string(&method, "MantraClient.call(method)")?;
            let p = if params.is_undefined() {
                serde_json::json!({})
            } else {
                json(&params, "MantraClient.call(method, params)")?
            };
            Ok((m, p))
        })();
        let what = "MantraClient.call";
        let read = call_options::read(&options, what, true);
        let options = read.as_ref().map(|a| a.options.clone()).unwrap_or_default();
        let work = Box::pin(async move {
            let (m, p) = args?;
            let v = c
                .call_with_options(&m, p, &options)
                .await
                .map_err(|e| to_js(&e))?;
            Ok(json_text::to_js(&v))
        });
        rpc_call(read, what, work)
    }

    /// The connection pool's counters and endpoints.
    #[wasm_bindgen(js_name = poolStats)]
    pub fn pool_stats(&self) -> JsValue {
        ser::to_js(&self.inner.pool_stats())
    }

    /// The client's counters (requests, cache, batches, …).
    pub fn stats(&self) -> JsValue {
        ser::to_js(&self.inner.stats())
    }

    /// The client's cache stats, or `null` without a cache.
    #[wasm_bindgen(js_name = cacheStats)]
    pub fn cache_stats(&self) -> JsValue {
        self.inner
            .cache()
            .map_or(JsValue::NULL, |c| ser::to_js(&c.stats()))
    }

    /// The client's health checker (internal: `client.health` in the JS layer, which keeps
    /// one per client).
    #[wasm_bindgen(js_name = "__health")]
    pub fn health(&self) -> crate::health::HealthChecker {
        crate::health::HealthChecker::from_core(self.inner.health().clone())
    }

    /// The client's response cache, `undefined` without one (internal: `client.cache`).
    #[wasm_bindgen(js_name = "__cache")]
    pub fn cache(&self) -> Option<crate::response_cache::ResponseCache> {
        self.inner
            .cache()
            .map(|c| crate::response_cache::ResponseCache::new(c.clone()))
    }

    /// The client's metrics as Prometheus text.
    pub fn prometheus(&self) -> String {
        self.inner.prometheus()
    }

    /// The client's metrics snapshot.
    #[wasm_bindgen(js_name = getAllMetrics)]
    pub fn get_all_metrics(&self) -> JsValue {
        self.inner.refresh_metrics();
        ser::to_js(&self.inner.metrics().get_all_metrics_sync())
    }

    /// The client's system health (endpoint checks and built-ins).
    #[wasm_bindgen(js_name = getSystemHealth)]
    pub fn get_system_health(&self) -> JsValue {
        ser::to_js(&self.inner.health().system_health())
    }

    /// Runs the client's health checks now.
    #[wasm_bindgen(js_name = runHealthChecks)]
    pub fn run_health_checks(&self) -> Promise {
        let c = self.inner.clone();
        run(async move { c.run_health_checks().await })
    }

    /// Stops the client's loops and fails pending work with `closed` (idempotent).
    pub fn close(&self) {
        self.inner.close();
    }

    /// Whether `close` was called.
    #[wasm_bindgen(getter, js_name = isClosed)]
    pub fn is_closed(&self) -> bool {
        self.inner.is_closed()
    }
}
