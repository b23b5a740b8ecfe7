//! Rust futures as Python coroutines: every `async` method of the bindings returns through
//! [`coroutine`].
//!
//! The method returns `mantra_sdk._bridge._run(pending)`, a real coroutine (so
//! `asyncio.run(checker.run_health_checks())` works). When it is awaited on a running loop,
//! `pending.start()` creates an asyncio future on that loop and spawns the Rust future on the
//! tokio runtime of pyo3-async-runtimes, with that loop as its task-local loop (which
//! [`crate::bridge::PyCallback`] uses to run Python callbacks). The Rust future holds no
//! GIL; its value is converted to Python objects only at the end, on a blocking thread,
//! through the [`crate::gil`] gate, and handed to the loop with `call_soon_threadsafe`.
//! Cancelling the awaiting task cancels the asyncio future, whose done-callback drops the
//! Rust future. A panic anywhere becomes `InternalError`.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicUsize, Ordering};

use futures::channel::oneshot;
use futures::future::{select, Either};
use futures::FutureExt;
use mantra_sdk::runtime::BoxFuture;
use mantra_sdk::Error;
use parking_lot::Mutex;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyModule;
use pyo3_async_runtimes::TaskLocals;

use crate::bridge::bridge_module;
use crate::errors::{guard, panic_message, to_py_err, OrPyErr};
use crate::gil;

static DELIVERIES: AtomicUsize = AtomicUsize::new(0);

/// Results of SDK coroutines that are computed but not yet handed to their asyncio future
/// (`ManualClock.settle()` waits for none to be left).
pub(crate) fn pending_deliveries() -> usize {
    DELIVERIES.load(Ordering::SeqCst)
}

/// A finished Rust future waiting to be converted and handed to its asyncio future.
struct Ready {
    finish: Finish,
    fut: Py<PyAny>,
}

/// The finished results waiting for one event loop, and whether a drain is scheduled there.
struct LoopQueue {
    key: usize,
    event_loop: Py<PyAny>,
    items: Vec<Ready>,
}

/// Per event loop, the finished results not yet delivered. An entry exists exactly while a
/// drain (`_drain_ready`) is scheduled on (or being scheduled to) that loop.
static READY: Mutex<Vec<LoopQueue>> = Mutex::new(Vec::new());

/// Hands a finished result to its event loop. Results are delivered in batches: the first
/// result for a loop schedules one `_drain_ready` there (taking the GIL once, on a blocking
/// thread); results finishing before that drain runs just join the queue, without touching
/// Python. The drain converts and resolves all of them on the loop thread. This keeps a
/// burst of completions (1000 concurrent calls) from fighting the event loop for the GIL
/// once per result.
fn deliver(event_loop: Py<PyAny>, fut: Py<PyAny>, finish: Finish) {
    DELIVERIES.fetch_add(1, Ordering::SeqCst);
    let key = event_loop.as_ptr() as usize;
    let schedule = {
        let mut q = READY.lock();
        match q.iter_mut().find(|e| e.key == key) {
            Some(e) => {
                e.items.push(Ready { finish, fut });
                false
            }
            None => {
                q.push(LoopQueue {
                    key,
                    event_loop,
                    items: vec![Ready { finish, fut }],
                });
                true
            }
        }
    };
    if schedule {
        pyo3_async_runtimes::tokio::get_runtime().spawn_blocking(move || schedule_drain(key));
    }
}

fn take_queue(key: usize) -> Option<LoopQueue> {
    let mut q = READY.lock();
    let i = q.iter().position(|e| e.key == key)?;
    Some(q.swap_remove(i))
}

/// Schedules `_drain_ready(key)` on the loop (from a blocking thread, through the gate).
fn schedule_drain(key: usize) {
    let done = gil::attach(|py| {
        let event_loop = {
            let q = READY.lock();
            q.iter()
                .find(|e| e.key == key)
                .map(|e| e.event_loop.bind(py).clone())
        };
        let Some(event_loop) = event_loop else {
            return true;
        };
        let scheduled = DRAIN
            .get(py)
            .ok_or_else(|| pyo3::exceptions::PyRuntimeError::new_err("not initialised"))
            .and_then(|drain| {
                event_loop.call_method1("call_soon_threadsafe", (drain.bind(py), key))
            });
        if scheduled.is_err() {
            // The loop is closed: nobody can await these results any more.
            discard(take_queue(key));
        }
        true
    });
    if done.is_none() {
        // The interpreter is shutting down: drop the results without Python.
        discard(take_queue(key));
    }
}

fn discard(q: Option<LoopQueue>) {
    if let Some(q) = q {
        DELIVERIES.fetch_sub(q.items.len(), Ordering::SeqCst);
        drop(q); // Python references are released by pyo3 (deferred without the GIL)
    }
}

static DRAIN: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// Registers [`_drain_ready`] (called once, at module import).
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let f = wrap_pyfunction!(_drain_ready, m)?;
    let _ = DRAIN.set(m.py(), f.into_any().unbind());
    Ok(())
}

/// Converts and resolves every result queued for the loop `key` (scheduled on that loop
/// by [`deliver`]).
#[pyfunction]
pub(crate) fn _drain_ready(py: Python<'_>, key: usize) {
    let Some(q) = take_queue(key) else {
        return;
    };
    for Ready { finish, fut } in q.items {
        let fut = fut.bind(py);
        let (ok, value) = match guard(|| finish(py)) {
            Ok(v) => (true, v),
            Err(e) => (false, e.into_value(py).into_bound(py).into_any()),
        };
        let done = fut
            .call_method0("done")
            .and_then(|d| d.extract::<bool>())
            .unwrap_or(true);
        if !done {
            // Never raise here: the loop would only log it.
            let _ = if ok {
                fut.call_method1("set_result", (value,))
            } else {
                fut.call_method1("set_exception", (value,))
            };
        }
        DELIVERIES.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Turns the finished Rust value into Python objects, under the GIL.
type Finish = Box<dyn for<'py> FnOnce(Python<'py>) -> PyResult<Bound<'py, PyAny>> + Send>;

/// Holds the Rust future of an async SDK method until its coroutine is awaited.
#[pyclass(name = "_PendingCall", module = "mantra_sdk._native")]
struct PendingCall {
    fut: Mutex<Option<BoxFuture<'static, Finish>>>,
}

/// Done-callback of the asyncio future: a cancelled future cancels the Rust one.
#[pyclass(name = "_CancelOnDone", module = "mantra_sdk._native")]
struct CancelOnDone {
    tx: Option<oneshot::Sender<()>>,
}

#[pymethods]
impl CancelOnDone {
    fn __call__(&mut self, fut: &Bound<'_, PyAny>) {
        let cancelled = fut
            .call_method0("cancelled")
            .and_then(|c| c.extract::<bool>())
            .unwrap_or(false);
        if cancelled {
            if let Some(tx) = self.tx.take() {
                let _ = tx.send(());
            }
        }
    }
}

#[pymethods]
impl PendingCall {
    /// Starts the Rust future; returns the asyncio future of its result. Called by
    /// `_bridge._run` on the running loop.
    fn start<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        guard(|| {
            let fut =
                self.fut.lock().take().ok_or_else(|| {
                    Error::InvalidArgument("this coroutine was already awaited".into())
                });
            let fut = fut.or_py()?;
            if !gil::is_open() {
                return Err(Error::Closed(
                    "the Python interpreter is shutting down".into(),
                ))
                .or_py();
            }
            let event_loop = pyo3_async_runtimes::get_running_loop(py)?;
            let py_fut = event_loop.call_method0("create_future")?;
            let (cancel_tx, cancel_rx) = oneshot::channel::<()>();
            py_fut.call_method1(
                "add_done_callback",
                (CancelOnDone {
                    tx: Some(cancel_tx),
                },),
            )?;
            let locals = TaskLocals::new(event_loop.clone());
            let loop_ref = event_loop.unbind();
            let fut_ref = py_fut.clone().unbind();
            let runtime = pyo3_async_runtimes::tokio::get_runtime();
            runtime.spawn(async move {
                let run = pyo3_async_runtimes::tokio::scope(locals, fut);
                // Any resolution of `cancel_rx` (sent, or the callback dropped) means that
                // nobody waits any more: drop the Rust future.
                let finish = match select(Box::pin(run), cancel_rx).await {
                    Either::Left((finish, _)) => finish,
                    Either::Right(_) => return,
                };
                deliver(loop_ref, fut_ref, finish);
            });
            Ok(py_fut)
        })
    }
}

/// Turns `fut` into a Python coroutine whose result is `convert(value)`; a core error
/// becomes the matching `MantraError`, a panic an `InternalError`. Nothing runs until the
/// coroutine is awaited.
pub(crate) fn coroutine<'py, T, F, C>(
    py: Python<'py>,
    fut: F,
    convert: C,
) -> PyResult<Bound<'py, PyAny>>
where
    T: Send + 'static,
    F: Future<Output = mantra_sdk::Result<T>> + Send + 'static,
    C: for<'a> FnOnce(Python<'a>, T) -> PyResult<Bound<'a, PyAny>> + Send + 'static,
{
    // Boxed first: core futures can be large (a client call is ~20 KB), and this way it is
    // copied once, into the heap, not again inside the wrapper below.
    let fut = Box::pin(fut);
    let fut = async move {
        let finish: Finish = match AssertUnwindSafe(fut).catch_unwind().await {
            Ok(Ok(value)) => Box::new(move |py| convert(py, value)),
            Ok(Err(e)) => Box::new(move |_| Err(to_py_err(&e))),
            Err(payload) => {
                let e =
                    Error::Internal(format!("panic in mantra-sdk: {}", panic_message(&*payload)));
                Box::new(move |_| Err(to_py_err(&e)))
            }
        };
        finish
    };
    let pending = PendingCall {
        fut: Mutex::new(Some(Box::pin(fut))),
    };
    bridge_module(py)?.getattr("_run")?.call1((pending,))
}

/// Converter for methods that return `None`.
pub(crate) fn none(py: Python<'_>, _: ()) -> PyResult<Bound<'_, PyAny>> {
    Ok(py.None().into_bound(py))
}
