//! `BatchConfig`, `BatchOperation` and `BatchManager`: the core's batcher with an async
//! Python batch function (DataLoader's contract) as its executor.

use std::sync::Arc;
use std::time::Duration;

use mantra_sdk::runtime::BoxFuture;
use mantra_sdk::{
    BatchConfig, BatchExecutor, BatchManager, BatchOperation, BatchOutcome, Error, Priority,
};
use pyo3::exceptions::PyBaseException;
use pyo3::prelude::*;
use pyo3::types::{PyList, PyTuple};

use crate::aio::coroutine;
use crate::bridge::{bridge_module, describe, with_gil, LoopSlot, PyCallback};
use crate::clock::{clock_or, enter_runtime, PyManualClock};
use crate::convert::{
    arg_seconds, as_str, count, json_to_py, py_to_json, seconds, to_py, type_name, with_str,
};
use crate::errors::{from_py_exception, guard, type_error, OrPyErr};

/// Batching configuration (keyword-only; durations in seconds; defaults are the core's).
#[pyclass(name = "BatchConfig", module = "mantra_sdk._native", frozen, eq)]
#[derive(Clone, PartialEq)]
pub(crate) struct PyBatchConfig {
    pub(crate) inner: BatchConfig,
    pub(crate) retry_jitter: bool,
    pub(crate) max_batch_bytes: Option<usize>,
    /// `None`: the manager's default cap (30 s).
    pub(crate) max_retry_delay: Option<Duration>,
    /// `None`: the manager's default step (1 s).
    pub(crate) priority_aging: Option<Duration>,
}

impl Default for PyBatchConfig {
    fn default() -> Self {
        Self {
            inner: BatchConfig::default(),
            retry_jitter: true,
            max_batch_bytes: None,
            max_retry_delay: None,
            priority_aging: None,
        }
    }
}

impl PyBatchConfig {
    /// Applies the knobs the core keeps as setters to a standalone manager (a client's
    /// config carries them as `batch_options`). An unset `max_batch_bytes`,
    /// `max_retry_delay` or `priority_aging` leaves the manager's value alone.
    pub(crate) fn apply(&self, m: &BatchManager) -> mantra_sdk::Result<()> {
        m.apply_options(&self.options())
    }

    /// The knobs the core sets through setters, as core's `BatchOptions` (what a client's
    /// config carries).
    pub(crate) fn options(&self) -> mantra_sdk::BatchOptions {
        mantra_sdk::BatchOptions {
            retry_jitter: Some(self.retry_jitter),
            max_batch_bytes: self.max_batch_bytes,
            max_retry_delay: self.max_retry_delay,
            priority_aging: self.priority_aging,
        }
    }
}

#[pymethods]
impl PyBatchConfig {
    #[new]
    #[pyo3(signature = (
        *,
        max_batch_size = None,
        max_batch_delay = None,
        enable_auto_batching = None,
        max_concurrent_batches = None,
        retry_attempts = None,
        retry_delay = None,
        retry_jitter = None,
        max_batch_bytes = None,
        max_retry_delay = None,
        priority_aging = None,
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        max_batch_size: Option<Bound<'_, PyAny>>,
        max_batch_delay: Option<f64>,
        enable_auto_batching: Option<bool>,
        max_concurrent_batches: Option<Bound<'_, PyAny>>,
        retry_attempts: Option<Bound<'_, PyAny>>,
        retry_delay: Option<f64>,
        retry_jitter: Option<bool>,
        max_batch_bytes: Option<Bound<'_, PyAny>>,
        max_retry_delay: Option<f64>,
        priority_aging: Option<f64>,
    ) -> PyResult<Self> {
        guard(|| {
            let mut c = PyBatchConfig::default();
            let b = &mut c.inner;
            if let Some(n) = max_batch_size {
                b.max_batch_size = count("max_batch_size", &n)?;
            }
            if let Some(s) = max_batch_delay {
                b.max_batch_delay = seconds("max_batch_delay", s).or_py()?;
            }
            if let Some(v) = enable_auto_batching {
                b.enable_auto_batching = v;
            }
            if let Some(n) = max_concurrent_batches {
                b.max_concurrent_batches = count("max_concurrent_batches", &n)?;
            }
            if let Some(n) = retry_attempts {
                b.retry_attempts = count("retry_attempts", &n)?;
            }
            if let Some(s) = retry_delay {
                b.retry_delay = seconds("retry_delay", s).or_py()?;
            }
            b.validate().or_py()?;
            if let Some(v) = retry_jitter {
                c.retry_jitter = v;
            }
            if let Some(n) = max_batch_bytes {
                c.max_batch_bytes = Some(count("max_batch_bytes", &n)?);
            }
            if let Some(s) = max_retry_delay {
                c.max_retry_delay = Some(seconds("max_retry_delay", s).or_py()?);
            }
            if let Some(s) = priority_aging {
                c.priority_aging = Some(seconds("priority_aging", s).or_py()?);
            }
            // The core's rules, for the config and for the setter knobs (e.g. no zero byte
            // bound, cap or aging step).
            c.inner.validate().or_py()?;
            c.options().validate().or_py()?;
            Ok(c)
        })
    }

    #[getter]
    fn max_batch_size(&self) -> usize {
        self.inner.max_batch_size
    }
    #[getter]
    fn max_batch_delay(&self) -> f64 {
        self.inner.max_batch_delay.as_secs_f64()
    }
    #[getter]
    fn enable_auto_batching(&self) -> bool {
        self.inner.enable_auto_batching
    }
    #[getter]
    fn max_concurrent_batches(&self) -> usize {
        self.inner.max_concurrent_batches
    }
    #[getter]
    fn retry_attempts(&self) -> u32 {
        self.inner.retry_attempts
    }
    #[getter]
    fn retry_delay(&self) -> f64 {
        self.inner.retry_delay.as_secs_f64()
    }
    #[getter]
    fn retry_jitter(&self) -> bool {
        self.retry_jitter
    }
    #[getter]
    fn max_batch_bytes(&self) -> Option<usize> {
        self.max_batch_bytes
    }
    #[getter]
    fn max_retry_delay(&self) -> Option<f64> {
        self.max_retry_delay.map(|d| d.as_secs_f64())
    }
    #[getter]
    fn priority_aging(&self) -> Option<f64> {
        self.priority_aging.map(|d| d.as_secs_f64())
    }

    fn __repr__(&self) -> String {
        let c = &self.inner;
        let b = |v: bool| if v { "True" } else { "False" };
        let secs = |d: Option<Duration>| {
            d.map_or_else(|| "None".to_string(), |d| format!("{:?}", d.as_secs_f64()))
        };
        format!(
            "BatchConfig(max_batch_size={}, max_batch_delay={:?}, enable_auto_batching={}, \
             max_concurrent_batches={}, retry_attempts={}, retry_delay={:?}, retry_jitter={}, \
             max_batch_bytes={}, max_retry_delay={}, priority_aging={})",
            c.max_batch_size,
            c.max_batch_delay.as_secs_f64(),
            b(c.enable_auto_batching),
            c.max_concurrent_batches,
            c.retry_attempts,
            c.retry_delay.as_secs_f64(),
            b(self.retry_jitter),
            self.max_batch_bytes
                .map_or_else(|| "None".to_string(), |n| n.to_string()),
            secs(self.max_retry_delay),
            secs(self.priority_aging),
        )
    }
}

/// One operation as the executor sees it.
#[pyclass(name = "BatchOperation", module = "mantra_sdk._native", frozen)]
pub(crate) struct PyBatchOperation {
    inner: BatchOperation,
}

#[pymethods]
impl PyBatchOperation {
    /// The operation's name (for JSON-RPC: the method).
    #[getter]
    fn id(&self) -> &str {
        self.inner.id()
    }
    /// Its parameters (a new JSON-compatible object on each access).
    #[getter]
    fn params<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        guard(|| json_to_py(py, self.inner.params()))
    }
    /// `"high"`, `"normal"` or `"low"`.
    #[getter]
    fn priority(&self) -> &'static str {
        self.inner.priority().as_str()
    }
    /// Its timeout in seconds, measured from submission.
    #[getter]
    fn timeout(&self) -> f64 {
        self.inner.timeout().as_secs_f64()
    }
    fn __repr__(&self) -> String {
        format!(
            "BatchOperation(id={:?}, params={}, priority={:?})",
            self.inner.id(),
            self.inner.params(),
            self.inner.priority().as_str()
        )
    }
}

/// The Python batch function: `await executor([BatchOperation, ...])` → one result per
/// operation, in order; an item that is an exception fails that operation; raising fails
/// (or, for a retryable SDK error, retries) the whole batch.
struct PyExecutor {
    callback: PyCallback,
}

impl BatchExecutor for PyExecutor {
    fn execute(&self, ops: Vec<BatchOperation>) -> BoxFuture<'static, BatchOutcome> {
        let call = self.callback.call(move |py| {
            let items = ops
                .into_iter()
                .map(|inner| Py::new(py, PyBatchOperation { inner }))
                .collect::<PyResult<Vec<_>>>()?;
            PyTuple::new(py, [PyList::new(py, items)?])
        });
        Box::pin(async move {
            let out = call.await?;
            with_gil(|py| Ok(read_results(py, out.bind(py))))?
        })
    }
}

const WHAT: &str = "batch executor";

fn read_results(py: Python<'_>, out: &Bound<'_, PyAny>) -> BatchOutcome {
    if !(out.is_instance_of::<PyList>() || out.is_instance_of::<PyTuple>()) {
        return Err(Error::Host(format!(
            "{WHAT}: must return a list with one result per operation, not {}",
            type_name(out)
        )));
    }
    let mut results = Vec::new();
    for (i, item) in out
        .try_iter()
        .map_err(|e| Error::Host(format!("{WHAT}: {}", describe(py, e.value(py).as_any()))))?
        .enumerate()
    {
        let item = item
            .map_err(|e| Error::Host(format!("{WHAT}: {}", describe(py, e.value(py).as_any()))))?;
        results.push(if item.is_instance_of::<PyBaseException>() {
            Err(from_py_exception(py, &item, WHAT))
        } else {
            py_to_json(&item).map_err(|e| {
                Error::Host(format!(
                    "{WHAT}: result {i} is not JSON-compatible: {}",
                    describe(py, e.value(py).as_any())
                ))
            })
        });
    }
    Ok(results)
}

/// Groups submitted operations into batches for an async Python batch function.
#[pyclass(name = "BatchManager", module = "mantra_sdk._native", frozen)]
pub(crate) struct PyBatchManager {
    inner: BatchManager,
    config: PyBatchConfig,
    slot: LoopSlot,
}

fn executor_of(obj: Bound<'_, PyAny>, slot: &LoopSlot) -> PyResult<Arc<dyn BatchExecutor>> {
    if !obj.is_callable() {
        return Err(type_error(format!(
            "executor must be callable (an async function), not {}",
            type_name(&obj)
        )));
    }
    Ok(Arc::new(PyExecutor {
        callback: PyCallback::new(obj, slot.clone(), WHAT),
    }))
}

#[pymethods]
impl PyBatchManager {
    #[new]
    #[pyo3(signature = (config = None, executor = None, *, clock = None))]
    fn new(
        config: Option<PyRef<'_, PyBatchConfig>>,
        executor: Option<Bound<'_, PyAny>>,
        clock: Option<PyRef<'_, PyManualClock>>,
    ) -> PyResult<Self> {
        guard(|| {
            let config = config.map(|c| c.clone()).unwrap_or_default();
            let clock = clock_or(clock.as_deref(), mantra_sdk::runtime::default_clock);
            let inner = BatchManager::with_clock(config.inner.clone(), clock).or_py()?;
            config.apply(&inner).or_py()?;
            let slot = LoopSlot::default();
            if let Some(f) = executor {
                inner.set_executor(executor_of(f, &slot)?);
            }
            Ok(Self {
                inner,
                config,
                slot,
            })
        })
    }

    /// The configuration in effect.
    #[getter]
    fn config(&self) -> PyBatchConfig {
        self.config.clone()
    }

    /// Attaches (or replaces) the batch function.
    fn set_executor(&self, executor: Bound<'_, PyAny>) -> PyResult<()> {
        guard(|| {
            self.inner.set_executor(executor_of(executor, &self.slot)?);
            Ok(())
        })
    }

    /// Queues one operation now and returns an awaitable of its result. Must be called
    /// with a running event loop (the executor runs on it).
    #[pyo3(
        signature = (op, params = None, *, priority = None, timeout = None),
        text_signature = "($self, op, params=None, *, priority='normal', timeout=None)"
    )]
    fn submit<'py>(
        &self,
        py: Python<'py>,
        op: &Bound<'py, PyAny>,
        params: Option<&Bound<'py, PyAny>>,
        priority: Option<&Bound<'py, PyAny>>,
        timeout: Option<f64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        guard(|| {
            let op = with_str(as_str("op", op)?, str::to_owned)?;
            let params = match params {
                Some(p) => py_to_json(p)?,
                None => serde_json::Value::Null,
            };
            let priority = match priority {
                Some(p) => with_str(as_str("priority", p)?, |s| s.parse::<Priority>())?.or_py()?,
                None => Priority::Normal,
            };
            let timeout = match timeout {
                Some(s) => arg_seconds("timeout", s).or_py()?,
                None => BatchOperation::DEFAULT_TIMEOUT,
            };
            let operation = BatchOperation::from_value(op, params, priority, timeout).or_py()?;
            self.slot.capture_running(py)?;
            let ticket = {
                let _rt = enter_runtime();
                self.inner.enqueue(operation).or_py()?
            };
            coroutine(py, ticket, |py, v| json_to_py(py, &v))
        })
    }

    /// Sends everything pending now (the results arrive through the awaitables of
    /// `submit`). Returns an awaitable for symmetry with the core's `flush().await`.
    fn flush<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        guard(|| {
            {
                let _rt = enter_runtime();
                self.inner.flush_now();
            }
            bridge_module(py)?.getattr("_ready")?.call1((py.None(),))
        })
    }

    /// `{batches, operations, avg_batch_size, retries, failures, timeouts, succeeded,
    /// cancelled, closed, batch_limit_splits, pending, in_flight, effective_max_batch_size}`.
    fn stats<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        guard(|| to_py(py, &self.inner.stats()))
    }

    /// Current batch size cap (lowered to the node's limit once learned).
    #[getter]
    fn effective_max_batch_size(&self) -> usize {
        self.inner.effective_max_batch_size()
    }

    /// Fails every pending operation with `ClosedError`, and later submissions too.
    /// Batches in flight still deliver their results. Idempotent.
    fn close(&self) -> PyResult<()> {
        guard(|| {
            let _rt = enter_runtime();
            self.inner.close();
            Ok(())
        })
    }

    /// Whether `close()` was called.
    #[getter]
    fn is_closed(&self) -> bool {
        self.inner.is_closed()
    }

    fn __repr__(&self) -> String {
        let s = self.inner.stats();
        format!(
            "BatchManager(pending={}, in_flight={}, closed={})",
            s.pending,
            s.in_flight,
            if self.inner.is_closed() {
                "True"
            } else {
                "False"
            }
        )
    }
}
