//! Value conversions between Python and the core: JSON-compatible values, reports (through
//! the core's serde, unchanged), durations (seconds in Python) and integer config fields.

use std::time::Duration;

use mantra_sdk::Error;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use serde::Serialize;
use serde_json::{Map, Number, Value};

use crate::errors::{type_error, OrPyErr};

/// Deepest nesting accepted from Python (also stops cyclic containers).
pub(crate) const MAX_DEPTH: usize = 128;

/// Runs `f` on the UTF-8 text of `s`. Borrows the string's cached UTF-8 where the stable
/// ABI allows it (CPython >= 3.10 builds); the abi3-py39 build encodes to a temporary
/// `bytes` (no further copy). Strings with lone surrogates raise `UnicodeEncodeError`.
#[inline]
pub(crate) fn with_str<R>(s: &Bound<'_, PyString>, f: impl FnOnce(&str) -> R) -> PyResult<R> {
    #[cfg(any(Py_3_10, not(Py_LIMITED_API)))]
    {
        Ok(f(s.to_str()?))
    }
    #[cfg(not(any(Py_3_10, not(Py_LIMITED_API))))]
    {
        let bytes = s.encode_utf8()?;
        // SAFETY: `PyUnicode_AsUTF8String` returns valid UTF-8 (or fails above).
        Ok(f(unsafe {
            std::str::from_utf8_unchecked(bytes.as_bytes())
        }))
    }
}

/// A `str` argument: `MantraTypeError` naming `what` for anything else.
#[inline]
pub(crate) fn as_str<'a, 'py>(
    what: &str,
    obj: &'a Bound<'py, PyAny>,
) -> PyResult<&'a Bound<'py, PyString>> {
    obj.cast::<PyString>()
        .map_err(|_| type_error(format!("`{what}` must be a str, not {}", type_name(obj))))
}

/// A JSON value as Python objects (dict / list / str / int / float / bool / None).
pub(crate) fn json_to_py<'py>(py: Python<'py>, v: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match v {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                i.into_pyobject(py)?.into_any()
            } else if let Some(u) = n.as_u64() {
                u.into_pyobject(py)?.into_any()
            } else {
                PyFloat::new(py, n.as_f64().unwrap_or(f64::NAN)).into_any()
            }
        }
        Value::String(s) => PyString::new(py, s).into_any(),
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(json_to_py(py, item)?)?;
            }
            list.into_any()
        }
        Value::Object(map) => {
            let dict = PyDict::new(py);
            for (k, item) in map {
                dict.set_item(k, json_to_py(py, item)?)?;
            }
            dict.into_any()
        }
    })
}

/// A core value (report, stats, config) as Python objects, through its serde form.
pub(crate) fn to_py<'py, T: Serialize>(py: Python<'py>, v: &T) -> PyResult<Bound<'py, PyAny>> {
    let value = serde_json::to_value(v)
        .map_err(|e| Error::Encode(e.to_string()))
        .or_py()?;
    json_to_py(py, &value)
}

/// A JSON-compatible Python value as JSON. Wrong types raise `MantraTypeError`; non-finite
/// floats, out-of-range integers and too-deep (or cyclic) nesting raise `InvalidArgumentError`.
pub(crate) fn py_to_json(obj: &Bound<'_, PyAny>) -> PyResult<Value> {
    py_to_json_at(obj, 0)
}

fn py_to_json_at(obj: &Bound<'_, PyAny>, depth: usize) -> PyResult<Value> {
    if depth > MAX_DEPTH {
        return Err(Error::InvalidArgument(format!(
            "value nested deeper than {MAX_DEPTH} levels (or cyclic)"
        )))
        .or_py();
    }
    if obj.is_none() {
        return Ok(Value::Null);
    }
    if let Ok(b) = obj.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if obj.is_instance_of::<PyInt>() {
        if let Ok(i) = obj.extract::<i64>() {
            return Ok(Value::from(i));
        }
        if let Ok(u) = obj.extract::<u64>() {
            return Ok(Value::from(u));
        }
        return Err(Error::InvalidArgument(
            "integer out of the 64-bit range".into(),
        ))
        .or_py();
    }
    if let Ok(f) = obj.cast::<PyFloat>() {
        let x = f.value();
        return Number::from_f64(x)
            .map(Value::Number)
            .ok_or_else(|| Error::InvalidArgument(format!("{x} is not a JSON number")))
            .or_py();
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(Value::String(s.to_cow()?.into_owned()));
    }
    if let Ok(d) = obj.cast::<PyDict>() {
        let mut map = Map::new();
        for (k, v) in d.iter() {
            let key = k
                .cast::<PyString>()
                .map_err(|_| type_error(format!("dict keys must be str, not {}", type_name(&k))))?;
            map.insert(key.to_cow()?.into_owned(), py_to_json_at(&v, depth + 1)?);
        }
        return Ok(Value::Object(map));
    }
    if obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>() {
        let mut items = Vec::new();
        for item in obj.try_iter()? {
            items.push(py_to_json_at(&item?, depth + 1)?);
        }
        return Ok(Value::Array(items));
    }
    Err(type_error(format!(
        "expected a JSON-compatible value (dict, list, tuple, str, int, float, bool or None), not {}",
        type_name(obj)
    )))
}

/// `type(obj).__name__`, for messages.
pub(crate) fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type()
        .name()
        .and_then(|n| Ok(n.to_cow()?.into_owned()))
        .unwrap_or_else(|_| "object".to_string())
}

/// Seconds (Python) → `Duration`; negative, NaN or infinite values are an `InvalidConfig`
/// error naming `field`. Zero passes here: the core decides whether zero is allowed.
pub(crate) fn seconds(field: &'static str, secs: f64) -> Result<Duration, Error> {
    if !secs.is_finite() || secs < 0.0 {
        return Err(Error::invalid_config(
            field,
            format!("must be a finite, non-negative number of seconds (got {secs})"),
        ));
    }
    Duration::try_from_secs_f64(secs)
        .map_err(|_| Error::invalid_config(field, format!("{secs} s is out of range")))
}

/// Seconds passed as a call argument (not a config field): negative, NaN or infinite
/// values raise `InvalidArgumentError` naming the argument.
pub(crate) fn arg_seconds(name: &str, secs: f64) -> Result<Duration, Error> {
    if !secs.is_finite() || secs < 0.0 {
        return Err(Error::InvalidArgument(format!(
            "`{name}` must be a finite, non-negative number of seconds (got {secs})"
        )));
    }
    Duration::try_from_secs_f64(secs)
        .map_err(|_| Error::InvalidArgument(format!("`{name}`: {secs} s is out of range")))
}

/// A non-negative integer config field. A non-int raises `MantraTypeError`; a negative or
/// too-large int raises `InvalidConfigError` naming `field`.
pub(crate) fn count<T: TryFrom<u64>>(field: &'static str, obj: &Bound<'_, PyAny>) -> PyResult<T> {
    non_negative(field, obj, |why| Error::invalid_config(field, why))
}

/// A non-negative integer method argument: like [`count`], but a negative or too-large int
/// raises `InvalidArgumentError` naming `name`.
pub(crate) fn arg_count<T: TryFrom<u64>>(
    name: &'static str,
    obj: &Bound<'_, PyAny>,
) -> PyResult<T> {
    non_negative(name, obj, |why| {
        Error::InvalidArgument(format!("`{name}` {why}"))
    })
}

fn non_negative<T: TryFrom<u64>>(
    name: &'static str,
    obj: &Bound<'_, PyAny>,
    bad: impl Fn(String) -> Error,
) -> PyResult<T> {
    if !obj.is_instance_of::<PyInt>() || obj.is_instance_of::<PyBool>() {
        return Err(type_error(format!(
            "`{name}` must be an int, not {}",
            type_name(obj)
        )));
    }
    let too_big = || bad("is too large".to_string());
    match obj.extract::<i64>() {
        Ok(i) if i < 0 => Err(bad(format!("must not be negative (got {i})"))),
        Ok(i) => T::try_from(i as u64).map_err(|_| too_big()),
        Err(_) => match obj.extract::<u64>() {
            Ok(u) => T::try_from(u).map_err(|_| too_big()),
            Err(_) if obj.lt(0)? => Err(bad("must not be negative".to_string())),
            Err(_) => Err(too_big()),
        },
    }
    .or_py()
}
