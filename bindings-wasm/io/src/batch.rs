//! `BatchManager`: core's batching, retries and limits, with a JS batch function as the
//! executor (DataLoader's contract: an array of results, same length and order; an item
//! that is an `Error` fails that operation only).

use std::sync::Arc;

use crate::host::promise;
use js_sys::{Array, Object, Promise, Reflect};
use mantra_sdk::runtime::{default_clock, BoxFuture, SharedClock};
use mantra_sdk::{
    BatchConfig, BatchExecutor, BatchManager as CoreBatchManager, BatchOperation, BatchOptions,
    BatchOutcome, Error, Priority,
};
use wasm_bindgen::prelude::*;

use crate::clock::ManualClock;
use crate::convert::{describe, from_json, function, json, ms_from_duration, string, Config};
use crate::error::{to_js, JsResult};
use crate::host::{call_host, error_from_js};
use crate::ser;

/// A JS function `(ops) => results | Promise<results>` as core's executor. Each op is
/// `{op, params, priority, timeoutMs}`.
#[derive(Debug)]
struct JsExecutor {
    f: js_sys::Function,
}

fn op_to_js(op: &BatchOperation) -> JsValue {
    let o = Object::new();
    let set = |k: &str, v: &JsValue| {
        let _ = Reflect::set(&o, &JsValue::from_str(k), v);
    };
    set("op", &JsValue::from_str(op.id()));
    set("params", &from_json(op.params()));
    set("priority", &JsValue::from_str(op.priority().as_str()));
    set(
        "timeoutMs",
        &JsValue::from_f64(ms_from_duration(op.timeout())),
    );
    o.into()
}

fn item_result(item: &JsValue) -> mantra_sdk::Result<serde_json::Value> {
    if item.is_instance_of::<js_sys::Error>() {
        return Err(error_from_js(item, "batch executor"));
    }
    if item.is_undefined() {
        return Ok(serde_json::Value::Null);
    }
    json(item, "a batch executor result").map_err(|e| {
        let msg = Reflect::get(&e, &JsValue::from_str("message"))
            .ok()
            .and_then(|m| m.as_string())
            .unwrap_or_default();
        Error::Host(msg)
    })
}

impl BatchExecutor for JsExecutor {
    fn execute(&self, ops: Vec<BatchOperation>) -> BoxFuture<'static, BatchOutcome> {
        let f = self.f.clone();
        let arg: Array = ops.iter().map(op_to_js).collect();
        Box::pin(async move {
            let out = call_host(&f, &[arg.into()], "batch executor").await?;
            if !Array::is_array(&out) {
                return Err(Error::Host(format!(
                    "batch executor: expected an array of results (one per operation), got {}",
                    describe(&out)
                )));
            }
            Ok(Array::unchecked_from_js_ref(&out)
                .iter()
                .map(|item| item_result(&item))
                .collect())
        })
    }
}

/// Batches operations for a JS executor; see `index.d.ts`.
#[wasm_bindgen]
pub struct BatchManager {
    inner: CoreBatchManager,
}

/// A JS batch config, read: core's config and the setters' values.
pub(crate) struct JsBatchConfig {
    pub reader: Config,
    pub config: BatchConfig,
    jitter: Option<bool>,
    max_bytes: Option<usize>,
    max_retry_delay: Option<std::time::Duration>,
    aging: Option<std::time::Duration>,
}

pub(crate) fn read_config(config: &JsValue) -> JsResult<JsBatchConfig> {
    let mut r = Config::new(config, "BatchManager config")?;
    let mut c = BatchConfig::default();
    if let Some(n) = r.count("maxBatchSize", "max_batch_size")? {
        c.max_batch_size = n;
    }
    if let Some(d) = r.ms("maxBatchDelayMs", "max_batch_delay")? {
        c.max_batch_delay = d;
    }
    if let Some(b) = r.flag("enableAutoBatching", "enable_auto_batching")? {
        c.enable_auto_batching = b;
    }
    if let Some(n) = r.count("maxConcurrentBatches", "max_concurrent_batches")? {
        c.max_concurrent_batches = n;
    }
    if let Some(n) = r.count_u32("retryAttempts", "retry_attempts")? {
        c.retry_attempts = n;
    }
    if let Some(d) = r.ms("retryDelayMs", "retry_delay")? {
        c.retry_delay = d;
    }
    let jitter = r.flag("retryJitter", "retry_jitter")?;
    let max_bytes = r.count("maxBatchBytes", "max_batch_bytes")?;
    let max_retry_delay = r.ms("maxRetryDelayMs", "max_retry_delay")?;
    let aging = r.ms("priorityAgingMs", "priority_aging")?;
    r.finish()?;
    Ok(JsBatchConfig {
        reader: r,
        config: c,
        jitter,
        max_bytes,
        max_retry_delay,
        aging,
    })
}

impl JsBatchConfig {
    /// The setter options as core's `BatchOptions` (what a client's config carries).
    pub(crate) fn options(&self) -> BatchOptions {
        BatchOptions {
            retry_jitter: self.jitter,
            max_batch_bytes: self.max_bytes,
            max_retry_delay: self.max_retry_delay,
            priority_aging: self.aging,
        }
    }

    /// Applies the setter options to a manager built from `config`.
    pub(crate) fn apply(&self, m: &CoreBatchManager) -> JsResult<()> {
        m.apply_options(&self.options())
            .map_err(|e| self.reader.error(&e))
    }
}

fn build(config: &JsValue, executor: &JsValue, clock: SharedClock) -> JsResult<BatchManager> {
    // `new BatchManager(executor)` is `new BatchManager(undefined, executor)`.
    let (config, executor) = if config.is_function() && executor.is_undefined() {
        (&JsValue::UNDEFINED, config)
    } else {
        (config, executor)
    };
    let f = function(executor, "BatchManager(config, executor): executor")?;
    let js = read_config(config)?;
    let inner =
        CoreBatchManager::with_clock(js.config.clone(), clock).map_err(|e| js.reader.error(&e))?;
    js.apply(&inner)?;
    inner.set_executor(Arc::new(JsExecutor { f }));
    Ok(BatchManager { inner })
}

/// Reads `submit`'s options: `{priority, timeoutMs}`.
fn submit_options(value: &JsValue) -> JsResult<(Priority, std::time::Duration)> {
    let mut r = Config::options(value, "BatchManager.submit")?;
    let priority = match r.raw("priority", "priority") {
        None => Priority::default(),
        Some(p) => {
            let p = string(&p, "BatchManager.submit options `priority`")?;
            p.parse::<Priority>().map_err(|e| to_js(&e))?
        }
    };
    let timeout = r
        .ms("timeoutMs", "timeout")?
        .unwrap_or(BatchOperation::DEFAULT_TIMEOUT);
    r.finish()?;
    Ok((priority, timeout))
}

#[wasm_bindgen]
impl BatchManager {
    /// `new BatchManager(config?, executor)` (or `new BatchManager(executor)`).
    #[wasm_bindgen(constructor)]
    pub fn new(config: JsValue, executor: JsValue) -> Result<BatchManager, JsValue> {
        build(&config, &executor, default_clock())
    }

    /// A manager on a `ManualClock` (virtual time).
    #[wasm_bindgen(js_name = withClock)]
    pub fn with_clock(
        config: JsValue,
        executor: JsValue,
        clock: &ManualClock,
    ) -> Result<BatchManager, JsValue> {
        build(&config, &executor, clock.shared())
    }

    /// Queues operation `op` with `params` and resolves with its result (or rejects with its
    /// error: the executor's per-item error, a batch failure after retries, a timeout, …).
    pub fn submit(&self, op: JsValue, params: JsValue, options: JsValue) -> Promise {
        let queued = (|| -> JsResult<_> {
            let op = string(&op, "BatchManager.submit(op)")?;
            let params = if params.is_undefined() {
                serde_json::Value::Null
            } else {
                json(&params, "BatchManager.submit(op, params): params")?
            };
            let (priority, timeout) = submit_options(&options)?;
            let op =
                BatchOperation::from_value(op, params, priority, timeout).map_err(|e| to_js(&e))?;
            self.inner.enqueue(op).map_err(|e| to_js(&e))
        })();
        promise(Box::pin(async move {
            let value = queued?.await.map_err(|e| to_js(&e))?;
            Ok(from_json(&value))
        }))
    }

    /// Sends everything queued now (does not wait for results).
    pub fn flush(&self) {
        self.inner.flush_now();
    }

    /// Counters (`batches`, `operations`, `avgBatchSize`, `retries`, `failures`, …).
    pub fn stats(&self) -> JsValue {
        ser::to_js(&self.inner.stats())
    }

    /// Fails every queued operation with `closed`; later submissions fail too.
    pub fn close(&self) {
        self.inner.close();
    }

    /// Whether `close` was called.
    #[wasm_bindgen(getter, js_name = isClosed)]
    pub fn is_closed(&self) -> bool {
        self.inner.is_closed()
    }
}
