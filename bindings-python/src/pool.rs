//! `PoolConfig`: the core's `ConnectionPoolConfig` (its six fields), the `pool=` option of
//! `MantraClient.connect`.

use mantra_sdk::{ClientConfig, ConnectionPoolConfig};
use pyo3::prelude::*;

use crate::convert::{count, seconds};
use crate::errors::{guard, OrPyErr};

/// Connection pool configuration (keyword-only; durations in seconds). Unset fields keep
/// the client's defaults (`ClientConfig::default().pool`); the core's `validate()` checks
/// the result and its `InvalidConfigError` names the field.
#[pyclass(name = "PoolConfig", module = "mantra_sdk._native", frozen, eq)]
#[derive(Clone, PartialEq)]
pub(crate) struct PyPoolConfig {
    pub(crate) inner: ConnectionPoolConfig,
}

#[pymethods]
impl PyPoolConfig {
    #[new]
    #[pyo3(signature = (
        *,
        max_connections = None,
        min_connections = None,
        max_idle_time = None,
        connection_timeout = None,
        acquire_timeout = None,
        health_check_interval = None,
    ))]
    fn new(
        max_connections: Option<Bound<'_, PyAny>>,
        min_connections: Option<Bound<'_, PyAny>>,
        max_idle_time: Option<f64>,
        connection_timeout: Option<f64>,
        acquire_timeout: Option<f64>,
        health_check_interval: Option<f64>,
    ) -> PyResult<Self> {
        guard(|| {
            let mut c = ClientConfig::default().pool;
            if let Some(n) = max_connections {
                c.max_connections = count("max_connections", &n)?;
            }
            if let Some(n) = min_connections {
                c.min_connections = count("min_connections", &n)?;
            }
            if let Some(s) = max_idle_time {
                c.max_idle_time = seconds("max_idle_time", s).or_py()?;
            }
            if let Some(s) = connection_timeout {
                c.connection_timeout = seconds("connection_timeout", s).or_py()?;
            }
            if let Some(s) = acquire_timeout {
                c.acquire_timeout = seconds("acquire_timeout", s).or_py()?;
            }
            if let Some(s) = health_check_interval {
                c.health_check_interval = seconds("health_check_interval", s).or_py()?;
            }
            c.validate().or_py()?;
            Ok(Self { inner: c })
        })
    }

    #[getter]
    fn max_connections(&self) -> usize {
        self.inner.max_connections
    }
    #[getter]
    fn min_connections(&self) -> usize {
        self.inner.min_connections
    }
    #[getter]
    fn max_idle_time(&self) -> f64 {
        self.inner.max_idle_time.as_secs_f64()
    }
    #[getter]
    fn connection_timeout(&self) -> f64 {
        self.inner.connection_timeout.as_secs_f64()
    }
    #[getter]
    fn acquire_timeout(&self) -> f64 {
        self.inner.acquire_timeout.as_secs_f64()
    }
    #[getter]
    fn health_check_interval(&self) -> f64 {
        self.inner.health_check_interval.as_secs_f64()
    }

    fn __repr__(&self) -> String {
        let c = &self.inner;
        format!(
            "PoolConfig(max_connections={}, min_connections={}, max_idle_time={:?}, \
             connection_timeout={:?}, acquire_timeout={:?}, health_check_interval={:?})",
            c.max_connections,
            c.min_connections,
            c.max_idle_time.as_secs_f64(),
            c.connection_timeout.as_secs_f64(),
            c.acquire_timeout.as_secs_f64(),
            c.health_check_interval.as_secs_f64(),
        )
    }
}
