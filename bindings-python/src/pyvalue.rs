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

use crate::convert::{type_name, with_str, MAX_DEPTH};
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
    // SAFETY: `obj` is a live object and this thread holds the GIL (we have a `Bound`).
    unsafe { weigh_fast(obj.py(), obj.as_ptr(), &mut w, 0)? };
    Ok(w.weight())
}

/// The UTF-8 text of an exact `str` without copying (CPython >= 3.10 builds), or `None`
/// (older stable ABI, or a string that cannot be encoded: the caller takes the general path).
///
/// # Safety
/// `ptr` is a live `str` and the GIL is held; the text lives as long as the string.
#[inline]
unsafe fn exact_str<'a>(ptr: *mut ffi::PyObject) -> Option<&'a str> {
    #[cfg(any(Py_3_10, not(Py_LIMITED_API)))]
    {
        let mut len: ffi::Py_ssize_t = 0;
        let data = unsafe { ffi::PyUnicode_AsUTF8AndSize(ptr, &mut len) };
        if data.is_null() {
            unsafe { ffi::PyErr_Clear() }; // a lone surrogate: reported by the general path
            return None;
        }
        // SAFETY: CPython returns the string's cached UTF-8, valid and `len` bytes long.
        Some(unsafe {
            std::str::from_utf8_unchecked(std::slice::from_raw_parts(
                data.cast::<u8>(),
                len as usize,
            ))
        })
    }
    #[cfg(not(any(Py_3_10, not(Py_LIMITED_API))))]
    {
        let _ = ptr;
        None
    }
}

/// The hot path of [`weigh`]: exact JSON types through borrowed references and the C API
/// (no reference counting per item, no per-item size checks); any other object (a
/// subclass, or an error to report) goes through [`weigh_into`].
///
/// # Safety
/// `ptr` is a live object and the GIL is held. No Python code runs during the walk (no
/// `__eq__`, `__hash__`, no allocation of GC-tracked objects), so the borrowed items stay
/// alive and the containers cannot change.
unsafe fn weigh_fast(
    py: Python<'_>,
    ptr: *mut ffi::PyObject,
    w: &mut JsonWeigher,
    depth: usize,
) -> PyResult<()> {
    let ty = unsafe { ffi::Py_TYPE(ptr) };
    if ty == &raw mut ffi::PyUnicode_Type {
        if let Some(text) = unsafe { exact_str(ptr) } {
            w.string(text);
            return Ok(());
        }
    } else if ty == &raw mut ffi::PyDict_Type && depth < MAX_DEPTH {
        let mut pos: ffi::Py_ssize_t = 0;
        let mut key: *mut ffi::PyObject = std::ptr::null_mut();
        let mut value: *mut ffi::PyObject = std::ptr::null_mut();
        w.object(unsafe { ffi::PyDict_Size(ptr) } as usize);
        while unsafe { ffi::PyDict_Next(ptr, &mut pos, &mut key, &mut value) } != 0 {
            let fast_key = if unsafe { ffi::Py_TYPE(key) } == &raw mut ffi::PyUnicode_Type {
                unsafe { exact_str(key) }
            } else {
                None
            };
            if let Some(k) = fast_key {
                w.key(k);
            } else {
                let k = unsafe { Bound::from_borrowed_ptr(py, key) };
                let k = k.cast::<PyString>().map_err(|_| {
                    type_error(format!("dict keys must be str, not {}", type_name(&k)))
                })?;
                with_str(k, |k| w.key(k))?;
            }
            unsafe { weigh_fast(py, value, w, depth + 1)? };
        }
        return Ok(());
    } else if ty == &raw mut ffi::PyList_Type && depth < MAX_DEPTH {
        let n = unsafe { ffi::PyList_Size(ptr) };
        w.array(n as usize);
        for i in 0..n {
            let item = unsafe { ffi::PyList_GetItem(ptr, i) };
            unsafe { weigh_fast(py, item, w, depth + 1)? };
        }
        return Ok(());
    } else if ty == &raw mut ffi::PyTuple_Type && depth < MAX_DEPTH {
        let n = unsafe { ffi::PyTuple_Size(ptr) };
        w.array(n as usize);
        for i in 0..n {
            let item = unsafe { ffi::PyTuple_GetItem(ptr, i) };
            unsafe { weigh_fast(py, item, w, depth + 1)? };
        }
        return Ok(());
    } else if ptr == unsafe { ffi::Py_None() } {
        w.null();
        return Ok(());
    } else if ty == &raw mut ffi::PyFloat_Type {
        let x = unsafe { ffi::PyFloat_AsDouble(ptr) };
        if x.is_finite() {
            w.f64(x);
            return Ok(());
        }
    }
    // Everything else (ints, bools, subclasses, errors): the general path.
    let obj = unsafe { Bound::from_borrowed_ptr(py, ptr) };
    weigh_into(&obj, w, depth)
}

fn weigh_into(obj: &Bound<'_, PyAny>, w: &mut JsonWeigher, depth: usize) -> PyResult<()> {
    // Exact types first (the common case, cheapest checks); subclasses below.
    if let Ok(s) = obj.cast_exact::<PyString>() {
        return with_str(s, |s| w.string(s));
    }
    if obj.is_exact_instance_of::<PyInt>() {
        return weigh_int(obj, w);
    }
    if obj.is_none() {
        w.null();
        return Ok(());
    }
    if let Ok(b) = obj.cast::<PyBool>() {
        w.bool(b.is_true());
        return Ok(());
    }
    if let Ok(f) = obj.cast::<PyFloat>() {
        let x = f.value();
        if !x.is_finite() {
            return Err(Error::InvalidArgument(format!("{x} is not a JSON number"))).or_py();
        }
        w.f64(x);
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
            with_str(key, |k| w.key(k))?;
            // SAFETY: `v` is live and the GIL is held.
            unsafe { weigh_fast(v.py(), v.as_ptr(), w, depth + 1)? };
        }
        return Ok(());
    }
    if let Ok(l) = obj.cast::<PyList>() {
        w.array(l.len());
        for item in l.iter() {
            // SAFETY: `item` is live and the GIL is held.
            unsafe { weigh_fast(item.py(), item.as_ptr(), w, depth + 1)? };
        }
        return Ok(());
    }
    if let Ok(t) = obj.cast::<PyTuple>() {
        w.array(t.len());
        for item in t.iter() {
            // SAFETY: `item` is live and the GIL is held.
            unsafe { weigh_fast(item.py(), item.as_ptr(), w, depth + 1)? };
        }
        return Ok(());
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return with_str(s, |s| w.string(s));
    }
    if obj.is_instance_of::<PyInt>() {
        return weigh_int(obj, w);
    }
    Err(type_error(format!(
        "expected a JSON-compatible value (dict, list, tuple, str, int, float, bool or None), not {}",
        type_name(obj)
    )))
}

fn weigh_int(obj: &Bound<'_, PyAny>, w: &mut JsonWeigher) -> PyResult<()> {
    if let Ok(i) = obj.extract::<i64>() {
        w.i64(i);
        Ok(())
    } else if let Ok(u) = obj.extract::<u64>() {
        w.u64(u);
        Ok(())
    } else {
        Err(Error::InvalidArgument(
            "integer out of the 64-bit range".into(),
        ))
        .or_py()
    }
}
