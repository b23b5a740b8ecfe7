//! Async Python callables driven from Rust.
//!
//! [`PyCallback`] wraps a Python callable (an `async def`, or any callable returning an
//! awaitable or a plain value) so that core traits (`HealthCheck`, recovery actions, later
//! batch executors and transports) can await it from the tokio runtime:
//!
//! 1. the event loop is the task-local loop of the calling coroutine (set by
//!    [`crate::aio::coroutine`] for every `async` method), else the loop captured by the
//!    component (e.g. `HealthChecker.start()`), else the call fails;
//! 2. `mantra_sdk._bridge._invoke(func, args)` is scheduled on that loop with
//!    `asyncio.run_coroutine_threadsafe`: the callable runs on the loop thread and any
//!    exception — even `BaseException`s — comes back as a value, never escaping the loop;
//! 3. the Rust future resolves through a oneshot channel fed by a done-callback;
//! 4. dropping the Rust future (a core timeout, a cancelled caller) cancels the Python task.
//!
//! The future holds no GIL while pending; it enters Python only through the [`gil`] gate.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use futures::channel::oneshot;
use mantra_sdk::runtime::BoxFuture;
use mantra_sdk::Error;
use parking_lot::Mutex;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyModule, PyTuple};

use crate::errors::{from_py_exception, guard};
use crate::gil;

static ACTIVITY: AtomicU64 = AtomicU64::new(0);

/// Counts bridge events (a callback scheduled or completed, an SDK coroutine started or
/// resolved): `ManualClock.settle()` waits until this stops changing.
pub(crate) fn activity() -> u64 {
    ACTIVITY.load(Ordering::Relaxed)
}

pub(crate) fn note_activity() {
    ACTIVITY.fetch_add(1, Ordering::Relaxed);
}

static BRIDGE_MODULE: PyOnceLock<Py<PyModule>> = PyOnceLock::new();
static ASYNCIO: PyOnceLock<Py<PyModule>> = PyOnceLock::new();

pub(crate) fn bridge_module(py: Python<'_>) -> PyResult<&Bound<'_, PyModule>> {
    BRIDGE_MODULE
        .get_or_try_init(py, || Ok(py.import("mantra_sdk._bridge")?.unbind()))
        .map(|m| m.bind(py))
}

fn asyncio(py: Python<'_>) -> PyResult<&Bound<'_, PyModule>> {
    ASYNCIO
        .get_or_try_init(py, || Ok(py.import("asyncio")?.unbind()))
        .map(|m| m.bind(py))
}

/// The text of a Python exception: `"ValueError: boom"`.
pub(crate) fn describe(py: Python<'_>, exc: &Bound<'_, PyAny>) -> String {
    bridge_module(py)
        .and_then(|m| m.getattr("_describe")?.call1((exc,))?.extract::<String>())
        .unwrap_or_else(|_| "exception".to_string())
}

fn host_error(py: Python<'_>, e: PyErr) -> Error {
    Error::Host(describe(py, e.value(py).as_any()))
}

/// The event loop a component falls back to when a callback runs outside any `async`
/// method (its background loop). Shared by the component and its callbacks.
#[derive(Clone, Default)]
pub(crate) struct LoopSlot(Arc<Mutex<Option<Py<PyAny>>>>);

impl LoopSlot {
    /// Remembers the event loop of the current task (inside an SDK coroutine) or the
    /// running loop; raises asyncio's `RuntimeError` when there is none.
    pub(crate) fn capture_current(&self, py: Python<'_>) -> PyResult<()> {
        let locals = pyo3_async_runtimes::tokio::get_current_locals(py)?;
        *self.0.lock() = Some(locals.event_loop(py).unbind());
        Ok(())
    }

    /// Remembers the running event loop; raises asyncio's `RuntimeError` when none runs.
    pub(crate) fn capture_running(&self, py: Python<'_>) -> PyResult<()> {
        let event_loop = pyo3_async_runtimes::get_running_loop(py)?.unbind();
        *self.0.lock() = Some(event_loop);
        Ok(())
    }

    fn event_loop<'py>(&self, py: Python<'py>) -> Option<Bound<'py, PyAny>> {
        self.0.lock().as_ref().map(|l| l.bind(py).clone())
    }
}

fn current_loop<'py>(py: Python<'py>, slot: &LoopSlot) -> Result<Bound<'py, PyAny>, Error> {
    if let Ok(locals) = pyo3_async_runtimes::tokio::get_current_locals(py) {
        return Ok(locals.event_loop(py));
    }
    slot.event_loop(py).ok_or_else(|| {
        Error::Host(
            "no asyncio event loop to run the Python callback on: call the SDK's async \
             methods from a coroutine, or start() from a running event loop"
                .into(),
        )
    })
}

type Outcome = Result<Py<PyAny>, Error>;

/// Done-callback of the `concurrent.futures.Future` returned by
/// `run_coroutine_threadsafe`: forwards `(ok, value)` to the waiting Rust future.
#[pyclass(name = "_Completer", module = "mantra_sdk._native")]
struct Completer {
    tx: Option<oneshot::Sender<Outcome>>,
    what: &'static str,
}

#[pymethods]
impl Completer {
    fn __call__(&mut self, py: Python<'_>, fut: Bound<'_, PyAny>) -> PyResult<()> {
        // Never raise here: concurrent.futures would only log it.
        note_activity();
        let what = self.what;
        let out =
            guard(|| Ok(read_outcome(py, &fut, what))).unwrap_or_else(|e| Err(host_error(py, e)));
        if let Some(tx) = self.tx.take() {
            let _ = tx.send(out); // the Rust side may be gone (dropped): that is fine
        }
        Ok(())
    }
}

fn read_outcome(py: Python<'_>, fut: &Bound<'_, PyAny>, what: &str) -> Outcome {
    if fut
        .call_method0("cancelled")
        .and_then(|c| c.extract::<bool>())
        .unwrap_or(false)
    {
        return Err(Error::Cancelled("the Python callback was cancelled".into()));
    }
    let pair = fut.call_method0("result").map_err(|e| host_error(py, e))?;
    let (ok, value): (bool, Bound<'_, PyAny>) = pair.extract().map_err(|e| host_error(py, e))?;
    if ok {
        Ok(value.unbind())
    } else {
        Err(from_py_exception(py, &value, what))
    }
}

/// Cancels the Python task when the Rust future is dropped before it completed.
struct CancelOnDrop(Option<Py<PyAny>>);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        if let Some(cf) = self.0.take() {
            // `concurrent.futures.Future.cancel` is thread-safe; asyncio then cancels the
            // task on its loop. Skipped while the interpreter shuts down.
            let _ = gil::attach(|py| {
                let _ = cf.bind(py).call_method0("cancel");
            });
        }
    }
}

/// A Python callable that core code can call and await (see the module docs).
#[derive(Clone)]
pub(crate) struct PyCallback {
    func: Arc<Py<PyAny>>,
    slot: LoopSlot,
    what: &'static str,
}

impl PyCallback {
    /// Wraps `func`; `slot` is the component's fallback event loop; `what` names the
    /// callback in errors (`"batch executor"`). An exception raised by `func` becomes the
    /// core error [`from_py_exception`] maps it to.
    pub(crate) fn new(func: Bound<'_, PyAny>, slot: LoopSlot, what: &'static str) -> Self {
        Self {
            func: Arc::new(func.unbind()),
            slot,
            what,
        }
    }

    /// Calls `func(*args)` on the event loop and awaits its result. `args` is built under the
    /// GIL when the future is first polled.
    pub(crate) fn call<A>(&self, args: A) -> BoxFuture<'static, Outcome>
    where
        A: for<'py> FnOnce(Python<'py>) -> PyResult<Bound<'py, PyTuple>> + Send + 'static,
    {
        let func = self.func.clone();
        let slot = self.slot.clone();
        let what = self.what;
        Box::pin(async move {
            let (tx, rx) = oneshot::channel();
            let scheduled = gil::attach(|py| -> Result<Py<PyAny>, Error> {
                let event_loop = current_loop(py, &slot)?;
                let args = args(py).map_err(|e| host_error(py, e))?;
                let coro = bridge_module(py)
                    .and_then(|m| m.getattr("_invoke")?.call1((func.bind(py), args)))
                    .map_err(|e| host_error(py, e))?;
                let cf = match asyncio(py)
                    .and_then(|a| a.call_method1("run_coroutine_threadsafe", (&coro, &event_loop)))
                {
                    Ok(cf) => cf,
                    Err(e) => {
                        let _ = coro.call_method0("close"); // never awaited: no warning
                        let closed = event_loop
                            .call_method0("is_closed")
                            .and_then(|c| c.extract::<bool>())
                            .unwrap_or(false);
                        return Err(if closed {
                            Error::Closed("the asyncio event loop is closed".into())
                        } else {
                            host_error(py, e)
                        });
                    }
                };
                cf.call_method1("add_done_callback", (Completer { tx: Some(tx), what },))
                    .map_err(|e| host_error(py, e))?;
                note_activity();
                Ok(cf.unbind())
            })
            .unwrap_or_else(|| {
                Err(Error::Closed(
                    "the Python interpreter is shutting down".into(),
                ))
            })?;
            let mut pending = CancelOnDrop(Some(scheduled));
            let out = rx.await.unwrap_or_else(|_| {
                Err(Error::Cancelled(
                    "the Python callback was dropped before it completed".into(),
                ))
            });
            // Completed: nothing to cancel. The reference is released without the GIL
            // (pyo3 defers the decref).
            pending.0 = None;
            out
        })
    }
}

/// Runs `f` with the GIL from an SDK thread (through the [`gil`] gate), or reports the
/// interpreter as closed.
pub(crate) fn with_gil<T>(
    f: impl for<'py> FnOnce(Python<'py>) -> Result<T, Error>,
) -> Result<T, Error> {
    gil::attach(f).unwrap_or_else(|| {
        Err(Error::Closed(
            "the Python interpreter is shutting down".into(),
        ))
    })
}
