//! The one mapping from [`mantra_sdk::Error`] to Python exceptions, and the panic guard.
//!
//! The exception classes are defined once, in `mantra_sdk/_errors.py`; this module only
//! passes the core error's `code()`, message and structured fields to its `_from_native`
//! factory. Every exported function runs its body under [`guard`] (futures are guarded by
//! [`crate::aio::coroutine`]), so a Rust panic surfaces as `mantra_sdk.InternalError` (code
//! `"internal"`), never as pyo3's `PanicException`.
//!
//! [`to_py_err`] and [`type_error`] attach to Python themselves: call them from a Python
//! thread or inside a [`crate::gil::attach`] section, never bare from an SDK thread.

use std::any::Any;
use std::panic::{catch_unwind, AssertUnwindSafe};

use mantra_sdk::{Error, HostErrorFields};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyModule};

static ERRORS_MODULE: PyOnceLock<Py<PyModule>> = PyOnceLock::new();

fn errors_module(py: Python<'_>) -> PyResult<&Bound<'_, PyModule>> {
    ERRORS_MODULE
        .get_or_try_init(py, || Ok(py.import("mantra_sdk._errors")?.unbind()))
        .map(|m| m.bind(py))
}

/// Converts a core error into the matching `mantra_sdk` exception.
pub(crate) fn to_py_err(e: &Error) -> PyErr {
    Python::attach(|py| build(py, e).unwrap_or_else(|import_failure| import_failure))
}

fn build(py: Python<'_>, e: &Error) -> PyResult<PyErr> {
    let fields = PyDict::new(py);
    match e {
        Error::InvalidConfig { field, .. } => fields.set_item("field", *field)?,
        Error::Timeout { operation, after } => {
            fields.set_item("operation", operation)?;
            fields.set_item("after", after.as_secs_f64())?;
        }
        Error::Transport {
            status,
            retry_after,
            ..
        } => {
            fields.set_item("status", *status)?;
            fields.set_item("retry_after", retry_after.map(|d| d.as_secs_f64()))?;
        }
        Error::Rpc {
            code,
            message,
            data,
        } => {
            fields.set_item("rpc_code", *code)?;
            fields.set_item("rpc_message", message)?;
            fields.set_item("data", data.as_deref())?;
        }
        Error::BatchLimit { size, max } => {
            fields.set_item("size", *size)?;
            fields.set_item("max", *max)?;
        }
        Error::CircuitOpen { endpoint } => fields.set_item("endpoint", endpoint)?,
        Error::HealthCheck { check, .. } => fields.set_item("check", check)?,
        _ => {}
    }
    let exc =
        errors_module(py)?
            .getattr("_from_native")?
            .call1((e.code(), e.to_string(), fields))?;
    Ok(PyErr::from_value(exc))
}

/// Maps an exception raised by host code (`what`: `"batch executor"`, `"health check"`, ...)
/// to a core error through [`Error::from_host`]: an SDK exception (`MantraError`, e.g.
/// `TransportError(status=503)` or `RpcError(rpc_code=-32603)`) keeps its code and fields,
/// so the core can act on it (retry, learn a batch limit); anything else becomes a host
/// error naming the exception (`"ValueError: boom"`).
pub(crate) fn from_py_exception(py: Python<'_>, exc: &Bound<'_, PyAny>, what: &str) -> Error {
    let mantra = errors_module(py)
        .and_then(|m| m.getattr("MantraError"))
        .and_then(|cls| exc.is_instance(&cls))
        .unwrap_or(false);
    if !mantra {
        return Error::from_host(
            None,
            what,
            &crate::bridge::describe(py, exc),
            Default::default(),
        );
    }
    let attr = |name: &str| exc.getattr(name).ok().filter(|v| !v.is_none());
    let secs = |name: &str| {
        attr(name)
            .and_then(|v| v.extract::<f64>().ok())
            .and_then(|s| crate::convert::seconds("", s).ok())
    };
    let code: Option<String> = attr("code").and_then(|c| c.extract().ok());
    let message: String = attr("message")
        .and_then(|m| m.extract().ok())
        .unwrap_or_else(|| crate::bridge::describe(py, exc));
    let fields = HostErrorFields {
        status: attr("status").and_then(|v| v.extract().ok()),
        retry_after: secs("retry_after"),
        rpc_code: attr("rpc_code").and_then(|v| v.extract().ok()),
        data: attr("data").and_then(|v| v.extract().ok()),
        size: attr("size").and_then(|v| v.extract().ok()),
        max: attr("max").and_then(|v| v.extract().ok()),
        after: secs("after"),
    };
    Error::from_host(code.as_deref(), what, &message, fields)
}

/// `mantra_sdk.MantraTypeError(message)`: an argument of the wrong type.
pub(crate) fn type_error(message: impl Into<String>) -> PyErr {
    let message = message.into();
    Python::attach(|py| {
        errors_module(py)
            .and_then(|m| m.getattr("MantraTypeError")?.call1((message,)))
            .map(PyErr::from_value)
            .unwrap_or_else(|import_failure| import_failure)
    })
}

/// Maps `mantra_sdk::Result<T>` to `PyResult<T>` through [`to_py_err`].
pub(crate) trait OrPyErr<T> {
    /// The value, or the core error as a Python exception.
    fn or_py(self) -> PyResult<T>;
}

impl<T> OrPyErr<T> for Result<T, Error> {
    fn or_py(self) -> PyResult<T> {
        self.map_err(|e| to_py_err(&e))
    }
}

pub(crate) fn panic_message(payload: &(dyn Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_string())
}

fn panic_to_py(payload: &(dyn Any + Send)) -> PyErr {
    to_py_err(&Error::Internal(format!(
        "panic in mantra-sdk: {}",
        panic_message(payload)
    )))
}

/// Runs the body of an exported function; a panic becomes `InternalError`.
pub(crate) fn guard<T>(f: impl FnOnce() -> PyResult<T>) -> PyResult<T> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|p| Err(panic_to_py(&*p)))
}
