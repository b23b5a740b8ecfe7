//! Python bindings of mantra-sdk (pyo3, abi3 ≥ CPython 3.9): the native module
//! `mantra_sdk._native`, wrapped by the pure-Python package in `packages/python`.
//!
//! Thin adapters only — every decision lives in the core. Conventions:
//! - every exported function runs under [`errors::guard`] (panics → `InternalError`) and
//!   maps core errors with [`errors::OrPyErr`];
//! - pure-Rust work runs under `py.detach` (GIL released);
//! - async methods return real coroutines via [`aio::coroutine`] (the Rust future runs on
//!   the tokio runtime of pyo3-async-runtimes once awaited; its result is converted under
//!   the GIL at the end);
//! - SDK-owned threads enter Python only through [`gil::attach`] (shut at interpreter exit);
//! - async Python callables become core traits through [`bridge::PyCallback`];
//! - reports are the core's serde form converted by [`convert::to_py`];
//! - durations are seconds (`f64`) converted by [`convert::seconds`].

mod aio;
mod batch;
mod bridge;
mod cache;
mod client;
mod clock;
mod convert;
mod errors;
mod gil;
mod health;
mod metrics;
mod policy;
mod pool;
mod pyvalue;

use pyo3::prelude::*;

/// Test hook: panics inside an exported function (`"sync"`) or inside the future of an
/// async one (`"async"`), to prove panics reach Python as `InternalError`.
#[pyfunction]
fn _panic_for_tests<'py>(py: Python<'py>, kind: &str) -> PyResult<Bound<'py, PyAny>> {
    if kind == "async" {
        return errors::guard(|| {
            aio::coroutine(
                py,
                async {
                    if std::hint::black_box(true) {
                        panic!("deliberate panic (async)");
                    }
                    Ok(())
                },
                aio::none,
            )
        });
    }
    errors::guard(|| panic!("deliberate panic (sync)"))
}

#[pymodule]
#[pyo3(name = "_native")]
fn native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    clock::install_runtime()?;
    aio::register(m)?;
    m.add_class::<health::PyHealthConfig>()?;
    m.add_class::<health::PyHealthChecker>()?;
    m.add_class::<clock::PyManualClock>()?;
    m.add_class::<cache::PyCacheConfig>()?;
    m.add_class::<cache::PyCacheManager>()?;
    m.add_class::<batch::PyBatchConfig>()?;
    m.add_class::<batch::PyBatchOperation>()?;
    m.add_class::<batch::PyBatchManager>()?;
    m.add_class::<metrics::PyMetricsConfig>()?;
    m.add_class::<metrics::PyMetricsCollector>()?;
    m.add_class::<pool::PyPoolConfig>()?;
    m.add_class::<policy::PyCachePolicy>()?;
    m.add_class::<client::PyMantraClient>()?;
    m.add_function(wrap_pyfunction!(_panic_for_tests, m)?)?;
    gil::register_exit_hook(m)?;
    Ok(())
}
