//! `CacheConfig` and `CacheManager`: the core's `TtlCache` holding Python objects.
//!
//! Values are stored by reference (as `cachetools` does): `get` returns the very object that
//! was `put`, without any conversion. Each value is validated as JSON-compatible and weighed
//! by the core's [`JsonWeigher`](mantra_sdk::JsonWeigher) once, at `put`.
//!
//! The synchronous methods keep the GIL: one lookup costs less than releasing and
//! re-acquiring it (they hold the cache's lock for well under a microsecond, and no SDK
//! thread waits for the GIL while holding that lock). Bulk work (`clear`, `clear_type`,
//! `cleanup`) runs with the GIL released.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use mantra_sdk::error::check_duration;
use mantra_sdk::runtime::{fast_clock, BackgroundTask};
use mantra_sdk::{CacheConfig, CacheLoader, CacheManager, CacheStats, CacheType, Error, TtlCache};
use parking_lot::Mutex;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyString, PyTuple};

use crate::aio::coroutine;
use crate::bridge::{bridge_module, with_gil, LoopSlot, PyCallback};
use crate::clock::{clock_or, enter_runtime, PyManualClock};
use crate::convert::{
    arg_seconds, as_str, count, json_to_py, py_to_json, seconds, to_py, type_name, with_str,
};
use crate::errors::{guard, type_error, OrPyErr};
use crate::pyvalue::{drain, weigh, GilScope, PyValue};

/// The cache type names, interned: a `type=` argument written as a literal is the same
/// object, so it is recognised by pointer before any string decoding.
static TYPE_NAMES: PyOnceLock<Vec<Py<PyString>>> = PyOnceLock::new();

fn cache_type(py: Python<'_>, ty: Option<&Bound<'_, PyAny>>) -> PyResult<CacheType> {
    let Some(ty) = ty else {
        return Ok(CacheType::Generic);
    };
    let names = TYPE_NAMES.get_or_init(py, || {
        CacheType::ALL
            .iter()
            .map(|t| PyString::intern(py, t.as_str()).unbind())
            .collect()
    });
    for (i, name) in names.iter().enumerate() {
        if ty.as_ptr() == name.as_ptr() {
            return Ok(CacheType::ALL[i]);
        }
    }
    let s = as_str("type", ty)?;
    with_str(s, |s| s.parse::<CacheType>())?.or_py()
}

fn key_str<'a, 'py>(key: &'a Bound<'py, PyAny>) -> PyResult<&'a Bound<'py, PyString>> {
    as_str("key", key)
}

/// Cache configuration (keyword-only; durations in seconds; defaults are the core's).
#[pyclass(name = "CacheConfig", module = "mantra_sdk._native", frozen, eq)]
#[derive(Clone, PartialEq, Default)]
pub(crate) struct PyCacheConfig {
    pub(crate) inner: CacheConfig,
    pub(crate) ttl_by_type: BTreeMap<CacheType, Duration>,
}

fn parse_ttl_by_type(
    py: Python<'_>,
    obj: &Bound<'_, PyAny>,
) -> PyResult<BTreeMap<CacheType, Duration>> {
    let field = "ttl_by_type";
    let map = obj.cast::<PyDict>().map_err(|_| {
        type_error(format!(
            "`{field}` must be a dict of cache type name to seconds, not {}",
            type_name(obj)
        ))
    })?;
    let mut out = BTreeMap::new();
    for (k, v) in map.iter() {
        let ty = cache_type(py, Some(&k))
            .map_err(|_| Error::invalid_config(field, format!("unknown cache type {k}")))
            .or_py()?;
        let secs: f64 = v.extract().map_err(|_| {
            type_error(format!(
                "`{field}` values must be seconds (float), not {}",
                type_name(&v)
            ))
        })?;
        let ttl = seconds(field, secs).or_py()?;
        check_duration(field, ttl).or_py()?;
        out.insert(ty, ttl);
    }
    Ok(out)
}

impl PyCacheConfig {
    /// Sets each per-type TTL with `set` (a cache's `set_type_ttl`); a refusal is an
    /// `InvalidConfig` error naming `ttl_by_type`.
    pub(crate) fn apply_type_ttls(
        &self,
        set: impl Fn(CacheType, Duration) -> mantra_sdk::Result<()>,
    ) -> mantra_sdk::Result<()> {
        for (ty, ttl) in &self.ttl_by_type {
            set(*ty, *ttl).map_err(|e| match e {
                Error::InvalidArgument(reason) => Error::invalid_config("ttl_by_type", reason),
                e => e,
            })?;
        }
        Ok(())
    }
}

#[pymethods]
impl PyCacheConfig {
    #[new]
    #[pyo3(signature = (
        *,
        max_entries = None,
        default_ttl = None,
        enable_stats = None,
        cleanup_interval = None,
        max_memory_bytes = None,
        ttl_by_type = None,
    ))]
    fn new(
        py: Python<'_>,
        max_entries: Option<Bound<'_, PyAny>>,
        default_ttl: Option<f64>,
        enable_stats: Option<bool>,
        cleanup_interval: Option<f64>,
        max_memory_bytes: Option<Bound<'_, PyAny>>,
        ttl_by_type: Option<Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        guard(|| {
            let mut c = CacheConfig::default();
            if let Some(n) = max_entries {
                c.max_entries = count("max_entries", &n)?;
            }
            if let Some(s) = default_ttl {
                c.default_ttl = seconds("default_ttl", s).or_py()?;
            }
            if let Some(b) = enable_stats {
                c.enable_stats = b;
            }
            if let Some(s) = cleanup_interval {
                c.cleanup_interval = seconds("cleanup_interval", s).or_py()?;
            }
            if let Some(n) = max_memory_bytes {
                c.max_memory_bytes = count("max_memory_bytes", &n)?;
            }
            c.validate().or_py()?;
            let ttl_by_type = match ttl_by_type {
                Some(m) => parse_ttl_by_type(py, &m)?,
                None => BTreeMap::new(),
            };
            Ok(Self {
                inner: c,
                ttl_by_type,
            })
        })
    }

    #[getter]
    fn max_entries(&self) -> usize {
        self.inner.max_entries
    }
    #[getter]
    fn default_ttl(&self) -> f64 {
        self.inner.default_ttl.as_secs_f64()
    }
    #[getter]
    fn enable_stats(&self) -> bool {
        self.inner.enable_stats
    }
    #[getter]
    fn cleanup_interval(&self) -> f64 {
        self.inner.cleanup_interval.as_secs_f64()
    }
    #[getter]
    fn max_memory_bytes(&self) -> usize {
        self.inner.max_memory_bytes
    }
    /// Per-type TTL overrides, seconds.
    #[getter]
    fn ttl_by_type(&self) -> BTreeMap<&'static str, f64> {
        self.ttl_by_type
            .iter()
            .map(|(t, d)| (t.as_str(), d.as_secs_f64()))
            .collect()
    }

    fn __repr__(&self) -> String {
        let c = &self.inner;
        format!(
            "CacheConfig(max_entries={}, default_ttl={:?}, enable_stats={}, cleanup_interval={:?}, \
             max_memory_bytes={}, ttl_by_type={:?})",
            c.max_entries,
            c.default_ttl.as_secs_f64(),
            if c.enable_stats { "True" } else { "False" },
            c.cleanup_interval.as_secs_f64(),
            c.max_memory_bytes,
            self.ttl_by_type(),
        )
    }
}

/// The operations both cache engines share (`TtlCache<PyValue>` of a `CacheManager` made
/// in Python, `TtlCache<Arc<Value>>` of a client's cache).
trait EngineOps: Send + Sync {
    fn clear(&self);
    fn clear_type(&self, ty: CacheType) -> usize;
    fn cleanup(&self) -> usize;
    fn len(&self) -> usize;
    fn memory_bytes(&self) -> usize;
    fn stats(&self) -> CacheStats;
    fn reset_stats(&self);
    fn type_ttl(&self, ty: CacheType) -> Duration;
    fn contains(&self, ty: CacheType, key: &str) -> bool;
    fn remove(&self, ty: CacheType, key: &str) -> bool;
}

impl<V: Send> EngineOps for TtlCache<V> {
    fn clear(&self) {
        TtlCache::clear(self)
    }
    fn clear_type(&self, ty: CacheType) -> usize {
        TtlCache::clear_type(self, ty)
    }
    fn cleanup(&self) -> usize {
        TtlCache::cleanup(self)
    }
    fn len(&self) -> usize {
        TtlCache::len(self)
    }
    fn memory_bytes(&self) -> usize {
        TtlCache::memory_bytes(self)
    }
    fn stats(&self) -> CacheStats {
        TtlCache::stats(self)
    }
    fn reset_stats(&self) {
        TtlCache::reset_stats(self)
    }
    fn type_ttl(&self, ty: CacheType) -> Duration {
        TtlCache::type_ttl(self, ty)
    }
    fn contains(&self, ty: CacheType, key: &str) -> bool {
        TtlCache::contains(self, ty, key)
    }
    fn remove(&self, ty: CacheType, key: &str) -> bool {
        TtlCache::remove(self, ty, key).is_some()
    }
}

enum Backend {
    /// A cache made in Python: Python objects by reference.
    Objects {
        loader: CacheLoader<PyValue>,
        cleanup: Mutex<Option<BackgroundTask>>,
    },
    /// The cache of a `MantraClient`: JSON values, converted on the way in and out.
    Json(CacheManager),
}

/// An LRU + TTL cache of Python values (JSON-compatible), bounded by entry count and bytes.
#[pyclass(name = "CacheManager", module = "mantra_sdk._native", frozen)]
pub(crate) struct PyCacheManager {
    backend: Backend,
    slot: LoopSlot,
}

impl PyCacheManager {
    /// A view of a client's cache (its JSON values are converted on each access).
    pub(crate) fn of_client(cache: CacheManager) -> Self {
        Self {
            backend: Backend::Json(cache),
            slot: LoopSlot::default(),
        }
    }

    #[inline]
    fn engine(&self) -> &dyn EngineOps {
        match &self.backend {
            Backend::Objects { loader, .. } => &**loader.cache(),
            Backend::Json(m) => m.engine(),
        }
    }
}

impl Drop for PyCacheManager {
    fn drop(&mut self) {
        if let Backend::Objects { cleanup, .. } = &mut self.backend {
            if let Some(t) = cleanup.get_mut().take() {
                t.stop();
            }
        }
    }
}

fn json_arg(obj: &Bound<'_, PyAny>) -> PyResult<serde_json::Value> {
    py_to_json(obj)
}

#[pymethods]
impl PyCacheManager {
    #[new]
    #[pyo3(signature = (config = None, *, clock = None))]
    fn new(
        config: Option<PyRef<'_, PyCacheConfig>>,
        clock: Option<PyRef<'_, PyManualClock>>,
    ) -> PyResult<Self> {
        guard(|| {
            let config = config.map(|c| c.clone()).unwrap_or_default();
            let clock = clock_or(clock.as_deref(), fast_clock);
            let cache = Arc::new(TtlCache::new(config.inner.clone(), clock).or_py()?);
            config
                .apply_type_ttls(|ty, ttl| cache.set_type_ttl(ty, ttl))
                .or_py()?;
            let task = {
                let _rt = enter_runtime();
                cache.spawn_cleanup()
            };
            Ok(Self {
                backend: Backend::Objects {
                    loader: CacheLoader::new(cache),
                    cleanup: Mutex::new(Some(task)),
                },
                slot: LoopSlot::default(),
            })
        })
    }

    /// The configuration in effect.
    #[getter]
    fn config(&self) -> PyCacheConfig {
        let e = self.engine();
        let inner = match &self.backend {
            Backend::Objects { loader, .. } => loader.cache().config().clone(),
            Backend::Json(m) => m.config().clone(),
        };
        let ttl_by_type = CacheType::ALL
            .iter()
            .map(|t| (*t, e.type_ttl(*t)))
            .filter(|(_, d)| *d != inner.default_ttl)
            .collect();
        PyCacheConfig { inner, ttl_by_type }
    }

    /// Stores `value` under `(type, key)` with the type's TTL (or `ttl` seconds).
    #[pyo3(
        signature = (key, value, r#type = None, *, ttl = None),
        text_signature = "($self, key, value, type='generic', *, ttl=None)"
    )]
    fn put(
        &self,
        py: Python<'_>,
        key: &Bound<'_, PyAny>,
        value: &Bound<'_, PyAny>,
        r#type: Option<&Bound<'_, PyAny>>,
        ttl: Option<f64>,
    ) -> PyResult<()> {
        guard(|| {
            let ty = cache_type(py, r#type)?;
            let key = key_str(key)?;
            let ttl = ttl.map(|s| arg_seconds("ttl", s)).transpose().or_py()?;
            let res = match &self.backend {
                Backend::Objects { loader, .. } => {
                    let cache = loader.cache();
                    let weight = weigh(value)?;
                    let v = PyValue::new(value.clone());
                    // Never across a GIL release: see `GilScope`.
                    let _gil = GilScope::enter(py);
                    let res = with_str(key, |k| match ttl {
                        None => cache.insert(ty, k, v, weight),
                        Some(d) => cache.insert_with_ttl(ty, k, v, weight, d),
                    })?;
                    drop(_gil);
                    drain(py);
                    res
                }
                Backend::Json(m) => {
                    let v = json_arg(value)?;
                    with_str(key, |k| match ttl {
                        None => m.put_value(k, v, ty),
                        Some(d) => m.put_value_with_ttl(k, v, ty, d),
                    })?
                }
            };
            res.or_py()
        })
    }

    /// The live value under `(type, key)` (refreshing its recency), or `None`.
    #[pyo3(
        signature = (key, r#type = None),
        text_signature = "($self, key, type='generic')"
    )]
    fn get<'py>(
        &self,
        py: Python<'py>,
        key: &Bound<'py, PyAny>,
        r#type: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        guard(|| {
            let ty = cache_type(py, r#type)?;
            match &self.backend {
                Backend::Objects { loader, .. } => {
                    let gil = GilScope::enter(py);
                    let hit = with_str(key_str(key)?, |k| loader.cache().get(ty, k))?;
                    let out = match hit {
                        Some(v) => v.to_object(py),
                        None => py.None().into_bound(py),
                    };
                    drop(gil);
                    drain(py);
                    Ok(out)
                }
                Backend::Json(m) => match with_str(key_str(key)?, |k| m.get_value(k, ty))? {
                    Some(v) => json_to_py(py, &v),
                    None => Ok(py.None().into_bound(py)),
                },
            }
        })
    }

    /// Whether a live entry exists (recency and stats unchanged).
    #[pyo3(
        signature = (key, r#type = None),
        text_signature = "($self, key, type='generic')"
    )]
    fn contains(
        &self,
        py: Python<'_>,
        key: &Bound<'_, PyAny>,
        r#type: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<bool> {
        guard(|| {
            let ty = cache_type(py, r#type)?;
            with_str(key_str(key)?, |k| self.engine().contains(ty, k))
        })
    }

    /// Removes one entry; returns whether it was stored.
    #[pyo3(
        signature = (key, r#type = None),
        text_signature = "($self, key, type='generic')"
    )]
    fn remove(
        &self,
        py: Python<'_>,
        key: &Bound<'_, PyAny>,
        r#type: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<bool> {
        guard(|| {
            let ty = cache_type(py, r#type)?;
            let gil = GilScope::enter(py);
            let found = with_str(key_str(key)?, |k| self.engine().remove(ty, k))?;
            drop(gil);
            drain(py);
            Ok(found)
        })
    }

    /// Removes every entry.
    fn clear(&self, py: Python<'_>) -> PyResult<()> {
        guard(|| {
            py.detach(|| self.engine().clear());
            drain(py);
            Ok(())
        })
    }

    /// Removes every entry of one type; returns how many.
    fn clear_type(&self, py: Python<'_>, r#type: &Bound<'_, PyAny>) -> PyResult<usize> {
        guard(|| {
            let ty = cache_type(py, Some(r#type))?;
            let n = py.detach(|| self.engine().clear_type(ty));
            drain(py);
            Ok(n)
        })
    }

    /// Drops expired entries now; returns how many.
    fn cleanup(&self, py: Python<'_>) -> PyResult<usize> {
        guard(|| {
            let n = py.detach(|| self.engine().cleanup());
            drain(py);
            Ok(n)
        })
    }

    fn __len__(&self, py: Python<'_>) -> usize {
        drain(py);
        self.engine().len()
    }

    /// Sum of the entries' weights, in bytes.
    #[getter]
    fn memory_bytes(&self) -> usize {
        self.engine().memory_bytes()
    }

    /// `{hits, misses, insertions, evictions, evictions_capacity, evictions_size,
    /// expirations, rejected, entries, memory_bytes, hit_rate}`.
    fn stats<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        guard(|| {
            drain(py);
            to_py(py, &self.engine().stats())
        })
    }

    /// Zeroes the counters (sizes are unaffected).
    fn reset_stats(&self) {
        self.engine().reset_stats()
    }

    /// The TTL (seconds) that puts of `type` get.
    #[pyo3(signature = (r#type = None), text_signature = "($self, type='generic')")]
    fn type_ttl(&self, py: Python<'_>, r#type: Option<&Bound<'_, PyAny>>) -> PyResult<f64> {
        guard(|| {
            Ok(self
                .engine()
                .type_ttl(cache_type(py, r#type)?)
                .as_secs_f64())
        })
    }

    /// Bytes an entry `(key, value)` is charged: the core's weight of `value` (the same in
    /// every language) + the key's UTF-8 bytes + a fixed per-entry overhead.
    fn weigh(&self, key: &Bound<'_, PyAny>, value: &Bound<'_, PyAny>) -> PyResult<usize> {
        guard(|| {
            let w = weigh(value)?;
            with_str(key_str(key)?, |k| TtlCache::<PyValue>::charge(k, w))
        })
    }

    /// The cached value, or else `await fetcher()`'s value, cached and returned. Concurrent
    /// calls for one key share a single fetch; a fetch error reaches every waiter and is not
    /// cached; cancelling a caller never leaves the others hanging.
    fn get_or_fetch<'py>(
        &self,
        py: Python<'py>,
        key: &Bound<'py, PyAny>,
        r#type: &Bound<'py, PyAny>,
        fetcher: Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        guard(|| {
            let ty = cache_type(py, Some(r#type))?;
            let key = key_str(key)?;
            if !fetcher.is_callable() {
                return Err(type_error(format!(
                    "fetcher must be callable (an async function), not {}",
                    type_name(&fetcher)
                )));
            }
            let callback = PyCallback::new(fetcher, self.slot.clone(), "cache fetcher");
            let loader = match &self.backend {
                Backend::Objects { loader, .. } => loader.clone(),
                Backend::Json(m) => {
                    let (hit, key) = with_str(key, |k| (m.get_value(k, ty), k.to_owned()))?;
                    if let Some(v) = hit {
                        let obj = json_to_py(py, &v)?;
                        return bridge_module(py)?.getattr("_ready")?.call1((obj,));
                    }
                    let m = m.clone();
                    return coroutine(
                        py,
                        async move {
                            m.get_or_fetch_value(&key, ty, || async move {
                                let obj = callback.call(|py| Ok(PyTuple::empty(py))).await?;
                                with_gil(|py| {
                                    py_to_json(obj.bind(py)).map_err(|e| {
                                        Error::InvalidArgument(format!(
                                            "the fetcher's value cannot be cached: {}",
                                            crate::bridge::describe(py, e.value(py).as_any())
                                        ))
                                    })
                                })
                            })
                            .await
                        },
                        |py, v| json_to_py(py, &v),
                    );
                }
            };
            let gil = GilScope::enter(py);
            let (hit, key) = with_str(key, |k| (loader.cache().get(ty, k), k.to_owned()))?;
            drop(gil);
            drain(py);
            if let Some(v) = hit {
                return bridge_module(py)?
                    .getattr("_ready")?
                    .call1((v.to_object(py),));
            }
            coroutine(
                py,
                async move {
                    loader
                        .load(&key, ty, || async move {
                            let obj = callback.call(|py| Ok(PyTuple::empty(py))).await?;
                            with_gil(|py| {
                                let obj = obj.into_bound(py);
                                let weight = weigh(&obj).map_err(|e| {
                                    Error::InvalidArgument(format!(
                                        "the fetcher's value cannot be cached: {}",
                                        crate::bridge::describe(py, e.value(py).as_any())
                                    ))
                                })?;
                                Ok((PyValue::new(obj), weight))
                            })
                        })
                        .await
                },
                |py, v| {
                    let obj = v.to_object(py);
                    drop(v);
                    drain(py);
                    Ok(obj)
                },
            )
        })
    }

    /// Keys being fetched right now.
    #[getter]
    fn in_flight(&self) -> usize {
        match &self.backend {
            Backend::Objects { loader, .. } => loader.in_flight(),
            Backend::Json(m) => m.in_flight(),
        }
    }

    /// Stops the periodic cleanup (idempotent); the cache stays usable.
    fn close(&self) {
        match &self.backend {
            Backend::Objects { cleanup, .. } => {
                if let Some(t) = cleanup.lock().take() {
                    t.stop();
                }
            }
            Backend::Json(m) => m.close(),
        }
    }

    /// Whether `close()` was called.
    #[getter]
    fn is_closed(&self) -> bool {
        match &self.backend {
            Backend::Objects { cleanup, .. } => cleanup.lock().is_none(),
            Backend::Json(m) => m.is_closed(),
        }
    }

    fn __repr__(&self) -> String {
        format!(
            "CacheManager(entries={}, memory_bytes={})",
            self.engine().len(),
            self.engine().memory_bytes()
        )
    }
}
