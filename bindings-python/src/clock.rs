//! `ManualClock`: the core's virtual clock for tests (`clock=` on every component), and the
//! runtime context the components spawn their background work in.
//!
//! `advance(seconds)` is the core's stepwise advance ([`ManualClock::fire_next`] /
//! [`ManualClock::jump_to`]) driven from Python (`_bridge._advance`), with a settle between
//! steps that lets both the asyncio loop (host callbacks) and the tokio runtime (SDK tasks)
//! run until neither makes progress.

use std::sync::Arc;
use std::time::Duration;

use mantra_sdk::{ManualClock, SharedClock};
use pyo3::prelude::*;

use crate::aio::{coroutine, none, pending_deliveries};
use crate::bridge::{activity, bridge_module};
use crate::errors::{guard, OrPyErr};

/// Installs the one tokio runtime of the bindings (once, at import): a current-thread
/// runtime driven by its own thread, `mantra-sdk-rt`. Every SDK task runs there — the
/// futures of async methods, the work the core spawns (timers, batches, loops) and the
/// Rust side of host callbacks — one at a time, in the order they became ready. That
/// order is what makes virtual-time tests deterministic (two batches formed together reach
/// the executor in the order they were formed), and a Python process gains nothing from
/// more SDK threads: Python code runs one thread at a time anyway. Blocking work (result
/// conversion under the GIL) goes to tokio's blocking pool.
pub(crate) fn install_runtime() -> std::io::Result<()> {
    use std::sync::OnceLock;
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    if RUNTIME.get().is_some() {
        return Ok(());
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let rt = RUNTIME.get_or_init(|| rt);
    std::thread::Builder::new()
        .name("mantra-sdk-rt".into())
        .spawn(move || rt.block_on(std::future::pending::<()>()))?;
    // Fails only if a runtime was installed already (then that one is used).
    let _ = pyo3_async_runtimes::tokio::init_with_runtime(rt);
    Ok(())
}

/// Enters the runtime of the bindings, so that work the core spawns from a synchronous
/// call (cleanup loops, batch timers, aggregation loops) runs there too.
pub(crate) fn enter_runtime() -> tokio::runtime::EnterGuard<'static> {
    pyo3_async_runtimes::tokio::get_runtime().enter()
}

/// A virtual clock for tests: time moves only when `advance()` is awaited.
#[pyclass(name = "ManualClock", module = "mantra_sdk._native", frozen)]
pub(crate) struct PyManualClock {
    pub(crate) inner: ManualClock,
}

impl PyManualClock {
    /// The clock as the core's shared clock.
    pub(crate) fn shared(&self) -> SharedClock {
        Arc::new(self.inner.clone())
    }
}

/// The clock a component runs on: the given `ManualClock`, else `default`.
pub(crate) fn clock_or(
    clock: Option<&PyManualClock>,
    default: impl FnOnce() -> SharedClock,
) -> SharedClock {
    clock.map_or_else(default, PyManualClock::shared)
}

fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

#[pymethods]
impl PyManualClock {
    #[new]
    fn new() -> Self {
        Self {
            inner: ManualClock::new(),
        }
    }

    /// Virtual time in seconds since the clock was created.
    #[getter]
    fn now(&self) -> f64 {
        mantra_sdk::Clock::now(&self.inner).as_secs_f64()
    }

    /// Sleeps (of SDK tasks or of `sleep()`) waiting on this clock.
    #[getter]
    fn pending_sleeps(&self) -> usize {
        self.inner.pending_sleeps()
    }

    /// Moves time forward by `seconds`, firing every timer due on the way, in order, and
    /// letting SDK tasks and host callbacks run between timers.
    fn advance<'py>(&self, py: Python<'py>, seconds: f64) -> PyResult<Bound<'py, PyAny>> {
        guard(|| {
            let by = crate::convert::arg_seconds("seconds", seconds).or_py()?;
            let now = mantra_sdk::Clock::now(&self.inner);
            let target = nanos(now.saturating_add(by));
            let this = Py::new(
                py,
                Self {
                    inner: self.inner.clone(),
                },
            )?;
            bridge_module(py)?
                .getattr("_advance")?
                .call1((this, target))
        })
    }

    /// Lets SDK tasks and host callbacks run until idle, without moving time.
    fn settle<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        guard(|| {
            let this = Py::new(
                py,
                Self {
                    inner: self.inner.clone(),
                },
            )?;
            bridge_module(py)?.getattr("_settle")?.call1((this,))
        })
    }

    /// A coroutine that completes once `seconds` of virtual time have passed.
    fn sleep<'py>(&self, py: Python<'py>, seconds: f64) -> PyResult<Bound<'py, PyAny>> {
        guard(|| {
            let d = crate::convert::arg_seconds("seconds", seconds).or_py()?;
            let sleep = mantra_sdk::Clock::sleep(&self.inner, d);
            coroutine(
                py,
                async move {
                    sleep.await;
                    Ok(())
                },
                none,
            )
        })
    }

    /// One step: fires the timers due at the earliest deadline <= `target_ns`.
    fn _fire_next(&self, target_ns: u64) -> bool {
        self.inner.fire_next(Duration::from_nanos(target_ns))
    }

    /// Last step: time = `target_ns`, firing anything due by then.
    fn _jump_to(&self, target_ns: u64) {
        self.inner.jump_to(Duration::from_nanos(target_ns))
    }

    /// A progress fingerprint: changes while SDK tasks or host callbacks make progress.
    fn _progress(&self) -> (u64, usize, u64, usize) {
        (
            self.inner.sleeps_created(),
            self.inner.pending_sleeps(),
            activity(),
            pending_deliveries(),
        )
    }

    /// Lets ready tokio tasks run (the core's settle, on the SDK runtime).
    fn _settle_rust<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        guard(|| {
            coroutine(
                py,
                async {
                    ManualClock::settle().await;
                    Ok(())
                },
                none,
            )
        })
    }

    fn __repr__(&self) -> String {
        format!("ManualClock(now={:?})", self.now())
    }
}
