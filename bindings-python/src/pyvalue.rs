//! Python objects as cache values: validated and weighed by the core's [`JsonWeigher`]
//! (so a value weighs what it weighs in every language), stored by reference (no JSON
//! round trip), and never released while a cache lock is held.
//!
//! **Why a graveyard.** The cache drops values inside its lock (evictions, replacements,
//! expiry, `clear`). Releasing the last reference of a Python object can run Python code
//! (`__del__` of a `dict` subclass, weakref callbacks), which could re-enter the cache
//! (deadlock on its lock) or release the GIL while the lock is held. So a dropped
//! [`PyValue`] only moves its object to the graveyard (a short, independent lock); the
//! Python-facing methods release the graveyard's objects with the GIL, outside every lock
//! ([`drain`]). SDK threads (the cleanup loop) never touch Python at all.

use std::cell::Cell;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use mantra_sdk::{Error, JsonWeigher};
use parking_lot::Mutex;
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};

use crate::convert::{type_name, utf8_len, MAX_DEPTH};
use crate::errors::{type_error, OrPyErr};

static GRAVEYARD: Mutex<Vec<Py<PyAny>>> = Mutex::new(Vec::new());
static BURIED: AtomicBool = AtomicBool::new(false);

struct Slot(Option<Py<PyAny>>);

impl Drop for Slot {
    fn drop(&mut self) {
        if let Some(obj) = self.0.take() {
            // Fast path: inside a cache method called from Python (so with the GIL) and with
            // other references alive, releasing ours cannot deallocate the object, so no
            // Python code can run.
            // SAFETY: the refcount is read and decremented only while holding the GIL.
            if HOLDS_GIL.with(Cell::get) && unsafe { ffi::Py_REFCNT(obj.as_ptr()) } > 1 {
                unsafe { ffi::Py_DECREF(obj.into_ptr()) };
                return;
            }
            GRAVEYARD.lock().push(obj);
            BURIED.store(true, Ordering::Release);
        }
    }
}

thread_local! {
    /// Set while a cache method called from Python runs on this thread (GIL held).
    static HOLDS_GIL: Cell<bool> = const { Cell::new(false) };
}

/// Marks the current thread as running a cache method for Python (it holds the GIL) until
/// dropped; values released meanwhile may take the fast path of [`Slot`]'s drop.
pub(crate) struct GilScope(bool);

impl GilScope {
    #[inline]
    pub(crate) fn enter(_py: Python<'_>) -> Self {
        Self(HOLDS_GIL.with(|f| f.replace(true)))
    }
}

impl Drop for GilScope {
    #[inline]
    fn drop(&mut self) {
        let prev = self.0;
        HOLDS_GIL.with(|f| f.set(prev));
    }
}

/// A Python object held by the cache (a cheap `Clone`: the core's single-flight shares it).
#[derive(Clone)]
pub(crate) struct PyValue(Arc<Slot>);

impl PyValue {
    /// Wraps `obj` (already validated).
    pub(crate) fn new(obj: Bound<'_, PyAny>) -> Self {
        Self(Arc::new(Slot(Some(obj.unbind()))))
    }

    /// A new reference to the object.
    #[inline]
    pub(crate) fn to_object<'py>(&self, py: Python<'py>) -> Bound<'py, PyAny> {
        match &self.0 .0 {
            Some(obj) => obj.bind(py).clone(),
            None => py.None().into_bound(py),
        }
    }
}

/// Releases the objects dropped by caches since the last call. Call with the GIL, holding
/// no lock of ours.
#[inline]
pub(crate) fn drain(_py: Python<'_>) {
    if BURIED.load(Ordering::Acquire) {
        drain_slow();
    }
}

#[cold]
fn drain_slow() {
    let mut dead = {
        let mut g = GRAVEYARD.lock();
        BURIED.store(false, Ordering::Release);
        std::mem::take(&mut *g)
    };
    dead.clear(); // with the GIL held: released now, outside every lock
                  // Give the (empty) buffer back, so the next burial does not allocate.
    if dead.capacity() <= 1024 {
        let mut g = GRAVEYARD.lock();
        if g.capacity() == 0 {
            *g = dead;
        }
    }
}

/// Validates `obj` as a JSON-compatible value (dict with str keys, list, tuple, str, int in
/// the 64-bit range, finite float, bool, None — subclasses included, nesting up to
/// [`MAX_DEPTH`]) and returns its weight by the core's definition. Wrong types raise
/// `MantraTypeError`; out-of-range numbers and too-deep (or cyclic) values raise
/// `InvalidArgumentError`.
pub(crate) fn weigh(obj: &Bound<'_, PyAny>) -> PyResult<usize> {
    let mut w = JsonWeigher::new();
    weigh_into(obj, &mut w, 0)?;
    Ok(w.weight())
}

fn weigh_into(obj: &Bound<'_, PyAny>, w: &mut JsonWeigher, depth: usize) -> PyResult<()> {
    // Exact types first (the common case, cheapest checks); subclasses below.
    if let Ok(s) = obj.cast_exact::<PyString>() {
        w.string(utf8_len(s)?);
        return Ok(());
    }
    if obj.is_exact_instance_of::<PyInt>() {
        return int_in_range(obj).map(|()| w.scalar());
    }
    if obj.is_none() || obj.is_exact_instance_of::<PyBool>() {
        w.scalar();
        return Ok(());
    }
    if let Ok(f) = obj.cast::<PyFloat>() {
        let x = f.value();
        if !x.is_finite() {
            return Err(Error::InvalidArgument(format!("{x} is not a JSON number"))).or_py();
        }
        w.scalar();
        return Ok(());
    }
    if depth >= MAX_DEPTH {
        return Err(Error::InvalidArgument(format!(
            "value nested deeper than {MAX_DEPTH} levels (or cyclic)"
        )))
        .or_py();
    }
    if let Ok(d) = obj.cast::<PyDict>() {
        w.object(d.len());
        for (k, v) in d.iter() {
            let key = k
                .cast::<PyString>()
                .map_err(|_| type_error(format!("dict keys must be str, not {}", type_name(&k))))?;
            w.member(utf8_len(key)?);
            weigh_into(&v, w, depth + 1)?;
        }
        return Ok(());
    }
    if let Ok(l) = obj.cast::<PyList>() {
        w.array(l.len());
        for item in l.iter() {
            weigh_into(&item, w, depth + 1)?;
        }
        return Ok(());
    }
    if let Ok(t) = obj.cast::<PyTuple>() {
        w.array(t.len());
        for item in t.iter() {
            weigh_into(&item, w, depth + 1)?;
        }
        return Ok(());
    }
    if let Ok(s) = obj.cast::<PyString>() {
        w.string(utf8_len(s)?);
        return Ok(());
    }
    if obj.is_instance_of::<PyBool>() {
        w.scalar();
        return Ok(());
    }
    if obj.is_instance_of::<PyInt>() {
        return int_in_range(obj).map(|()| w.scalar());
    }
    Err(type_error(format!(
        "expected a JSON-compatible value (dict, list, tuple, str, int, float, bool or None), not {}",
        type_name(obj)
    )))
}

fn int_in_range(obj: &Bound<'_, PyAny>) -> PyResult<()> {
    if obj.extract::<i64>().is_ok() || obj.extract::<u64>().is_ok() {
        Ok(())
    } else {
        Err(Error::InvalidArgument(
            "integer out of the 64-bit range".into(),
        ))
        .or_py()
    }
}
