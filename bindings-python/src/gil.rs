//! Entering Python from threads the SDK owns (tokio workers, the core's background
//! runtime), safely with respect to interpreter shutdown.
//!
//! A non-Python thread that holds or waits for the GIL while `Py_FinalizeEx` tears the
//! interpreter down crashes the process ("PyGILState_Release: thread state must be current",
//! or a segfault in the final GC) — the pyo3-async-runtimes issue #40. So every entry into
//! Python from an SDK-owned thread goes through [`attach`], a gate that an `atexit` hook
//! ([`close`], registered at import) shuts: it refuses new entries and waits (GIL released,
//! bounded) for the ones in progress. `atexit` hooks run before finalization starts, so after
//! the hook no SDK thread touches Python again; their work then fails with `ClosedError` or
//! is dropped (pyo3 defers the decrefs of dropped objects).
//!
//! Code running on a Python thread (methods called from Python) does not need the gate.

use std::time::{Duration, Instant};

use parking_lot::{Condvar, Mutex};
use pyo3::prelude::*;

struct Gate {
    closed: bool,
    active: usize,
}

static GATE: Mutex<Gate> = Mutex::new(Gate {
    closed: false,
    active: 0,
});
static IDLE: Condvar = Condvar::new();

/// How long the exit hook waits for entries in progress.
const CLOSE_WAIT: Duration = Duration::from_secs(2);

struct Leave;

impl Drop for Leave {
    fn drop(&mut self) {
        let mut g = GATE.lock();
        g.active -= 1;
        if g.active == 0 {
            IDLE.notify_all();
        }
    }
}

/// Runs `f` with the GIL from an SDK-owned thread; `None` once the interpreter is shutting
/// down (after the exit hook) or finalized.
pub(crate) fn attach<R>(f: impl for<'py> FnOnce(Python<'py>) -> R) -> Option<R> {
    {
        let mut g = GATE.lock();
        if g.closed {
            return None;
        }
        g.active += 1;
    }
    let _leave = Leave;
    Python::try_attach(f)
}

/// Whether SDK threads may still enter Python.
pub(crate) fn is_open() -> bool {
    !GATE.lock().closed
}

/// The `atexit` hook: closes the gate and waits for entries in progress.
#[pyfunction]
pub(crate) fn _close_gate(py: Python<'_>) {
    py.detach(|| {
        let deadline = Instant::now() + CLOSE_WAIT;
        let mut g = GATE.lock();
        g.closed = true;
        while g.active > 0 {
            if IDLE.wait_until(&mut g, deadline).timed_out() {
                break;
            }
        }
    });
}

/// Registers [`_close_gate`] with `atexit` (called once, at module import).
pub(crate) fn register_exit_hook(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let hook = wrap_pyfunction!(_close_gate, m)?;
    m.py().import("atexit")?.call_method1("register", (hook,))?;
    Ok(())
}
