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
use pyo3_async_runtimes::TaskLocals;

use crate::bridge::bridge_module;
use crate::errors::{guard, panic_message, to_py_err, OrPyErr};
use crate::gil;

static DELIVERIES: AtomicUsize = AtomicUsize::new(0);

/// Results of SDK coroutines that are computed but not yet handed to their event loop
/// (`ManualClock.settle()` waits for none to be left).
pub(crate) fn pending_deliveries() -> usize {
    DELIVERIES.load(Ordering::SeqCst)
}

/// Counts one delivery in progress until dropped (after `call_soon_threadsafe`).
struct Delivery;

impl Delivery {
    fn start() -> Self {
        DELIVERIES.fetch_add(1, Ordering::SeqCst);
        Delivery
    }
}

impl Drop for Delivery {
    fn drop(&mut self) {
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
            let resolve = bridge_module(py)?.getattr("_resolve")?.unbind();
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
                // Converting needs the GIL: do not block a runtime worker waiting for it.
                let delivery = Delivery::start();
                runtime.spawn_blocking(move || {
                    let _delivery = delivery;
                    gil::attach(|py| {
                        let (ok, value) = match guard(|| finish(py)) {
                            Ok(v) => (true, v),
                            Err(e) => (false, e.into_value(py).into_bound(py).into_any()),
                        };
                        // Fails only if the loop is closed: nobody can await the result then.
                        let _ = loop_ref.bind(py).call_method1(
                            "call_soon_threadsafe",
                            (resolve.bind(py), fut_ref.bind(py), ok, value),
                        );
                    });
                });
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
