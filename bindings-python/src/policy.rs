//! `CachePolicy`: how long the client caches each kind of reply (core's `CachePolicy`).

use std::collections::BTreeMap;

use mantra_sdk::CachePolicy;
use pyo3::prelude::*;

use crate::convert::seconds;
use crate::errors::{guard, OrPyErr};

/// Per-kind reply TTLs of `MantraClient.connect(cache_policy=...)` (keyword-only; seconds;
/// 0 = do not cache that kind). Unset fields keep core's defaults; core's `validate()`
/// checks the result and its `InvalidConfigError` names the field.
#[pyclass(name = "CachePolicy", module = "mantra_sdk._native", frozen, eq)]
#[derive(Clone, PartialEq)]
pub(crate) struct PyCachePolicy {
    pub(crate) inner: CachePolicy,
}

#[pymethods]
impl PyCachePolicy {
    #[new]
    #[pyo3(signature = (
        *,
        node_status_ttl = None,
        block_ttl = None,
        query_at_height_ttl = None,
        query_latest_ttl = None,
        contract_query_ttl = None,
        pool_info_ttl = None,
        simulation_ttl = None,
        method_ttls = None,
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        node_status_ttl: Option<f64>,
        block_ttl: Option<f64>,
        query_at_height_ttl: Option<f64>,
        query_latest_ttl: Option<f64>,
        contract_query_ttl: Option<f64>,
        pool_info_ttl: Option<f64>,
        simulation_ttl: Option<f64>,
        method_ttls: Option<BTreeMap<String, f64>>,
    ) -> PyResult<Self> {
        guard(|| {
            let mut p = CachePolicy::default();
            for (field, value, slot) in [
                (
                    "cache_policy.node_status_ttl",
                    node_status_ttl,
                    &mut p.node_status_ttl,
                ),
                ("cache_policy.block_ttl", block_ttl, &mut p.block_ttl),
                (
                    "cache_policy.query_at_height_ttl",
                    query_at_height_ttl,
                    &mut p.query_at_height_ttl,
                ),
                (
                    "cache_policy.query_latest_ttl",
                    query_latest_ttl,
                    &mut p.query_latest_ttl,
                ),
                (
                    "cache_policy.contract_query_ttl",
                    contract_query_ttl,
                    &mut p.contract_query_ttl,
                ),
                (
                    "cache_policy.pool_info_ttl",
                    pool_info_ttl,
                    &mut p.pool_info_ttl,
                ),
                (
                    "cache_policy.simulation_ttl",
                    simulation_ttl,
                    &mut p.simulation_ttl,
                ),
            ] {
                if let Some(s) = value {
                    *slot = seconds(field, s).or_py()?;
                }
            }
            for (method, secs) in method_ttls.unwrap_or_default() {
                let ttl = seconds("cache_policy.method_ttls", secs).or_py()?;
                p.method_ttls.insert(method, ttl);
            }
            p.validate().or_py()?;
            Ok(Self { inner: p })
        })
    }

    #[getter]
    fn node_status_ttl(&self) -> f64 {
        self.inner.node_status_ttl.as_secs_f64()
    }
    #[getter]
    fn block_ttl(&self) -> f64 {
        self.inner.block_ttl.as_secs_f64()
    }
    #[getter]
    fn query_at_height_ttl(&self) -> f64 {
        self.inner.query_at_height_ttl.as_secs_f64()
    }
    #[getter]
    fn query_latest_ttl(&self) -> f64 {
        self.inner.query_latest_ttl.as_secs_f64()
    }
    #[getter]
    fn contract_query_ttl(&self) -> f64 {
        self.inner.contract_query_ttl.as_secs_f64()
    }
    #[getter]
    fn pool_info_ttl(&self) -> f64 {
        self.inner.pool_info_ttl.as_secs_f64()
    }
    #[getter]
    fn simulation_ttl(&self) -> f64 {
        self.inner.simulation_ttl.as_secs_f64()
    }
    #[getter]
    fn method_ttls(&self) -> BTreeMap<String, f64> {
        self.inner
            .method_ttls
            .iter()
            .map(|(m, d)| (m.clone(), d.as_secs_f64()))
            .collect()
    }

    fn __repr__(&self) -> String {
        let p = &self.inner;
        format!(
            "CachePolicy(node_status_ttl={:?}, block_ttl={:?}, query_at_height_ttl={:?}, \
             query_latest_ttl={:?}, contract_query_ttl={:?}, pool_info_ttl={:?}, \
             simulation_ttl={:?}, method_ttls={:?})",
            p.node_status_ttl.as_secs_f64(),
            p.block_ttl.as_secs_f64(),
            p.query_at_height_ttl.as_secs_f64(),
            p.query_latest_ttl.as_secs_f64(),
            p.contract_query_ttl.as_secs_f64(),
            p.pool_info_ttl.as_secs_f64(),
            p.simulation_ttl.as_secs_f64(),
            self.method_ttls(),
        )
    }
}
