//! Core reports (any `serde::Serialize`) → plain JS objects, without a JSON text round trip
//! and without formatting numbers in Rust (numbers cross as `f64`).
//!
//! Shape: structs become objects whose field names are camelCased (`memory_bytes` →
//! `memoryBytes`, `last_latency_ms` → `lastLatencyMs`); maps become objects whose keys are
//! kept verbatim (component names, family names, label names, user JSON); sequences become
//! arrays; `None` and unit become `null`; unit enum variants become their serde name
//! (`"healthy"`). A struct with a `#[serde(flatten)]` field reaches a serializer as a map of
//! unknown length, so such maps are treated as structs (their keys camelCased) — core's
//! data maps all report their length. Integers beyond 2^53 lose precision, as in
//! `JSON.parse`.

use std::cell::RefCell;
use std::fmt;

use js_sys::{Array, Object, Reflect};
use serde::ser::{self, Serialize};
use wasm_bindgen::prelude::*;

use crate::error::camel_case;

/// Converts `value` to a JS value (see the module docs). A value serde cannot represent
/// here (a map key that is not a string, number or boolean) makes the whole result `null`.
pub fn to_js<T: Serialize + ?Sized>(value: &T) -> JsValue {
    value.serialize(Ser).unwrap_or(JsValue::NULL)
}

/// The only failure: an unsupported map key.
#[derive(Debug)]
pub struct SerError;

impl fmt::Display for SerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("value not representable in JS")
    }
}

impl std::error::Error for SerError {}

impl ser::Error for SerError {
    fn custom<T: fmt::Display>(_msg: T) -> Self {
        SerError
    }
}

fn set(obj: &Object, key: &str, value: &JsValue) {
    let _ = Reflect::set(obj, &JsValue::from_str(key), value);
}

thread_local! {
    /// JS strings of static names (struct field names, camelCased), made once: a report
    /// built on every call (e.g. an `abci_query` result) then sets its fields without
    /// camelCasing and passing each name across the boundary again. Keyed by the name's
    /// address and length (a `&'static str` never moves); bounded by the program's names.
    static STATIC_KEYS: RefCell<Vec<((usize, usize), JsValue)>> = const { RefCell::new(Vec::new()) };
}

/// Runs `f` with the JS string of `camel_case(name)`, made once per static name. Not
/// generic and never inlined: every struct's serializer calls it, so it must not be copied
/// into each of them.
#[inline(never)]
fn with_static_key(name: &'static str, f: &mut dyn FnMut(&JsValue)) {
    STATIC_KEYS.with(|keys| {
        let id = (name.as_ptr() as usize, name.len());
        // Sorted by id (a binary search; no map type of its own in the binary).
        if let Ok(i) = keys.borrow().binary_search_by_key(&id, |(k, _)| *k) {
            return f(&keys.borrow()[i].1);
        }
        let k = JsValue::from_str(&camel_case(name));
        f(&k);
        // Not cached when called from inside another `with_static_key` (its borrow). The
        // place is searched again: `f` may have run JS that cached other names meanwhile.
        if let Ok(mut keys) = keys.try_borrow_mut() {
            if let Err(at) = keys.binary_search_by_key(&id, |(k, _)| *k) {
                keys.insert(at, (id, k));
            }
        }
    })
}

/// `obj[camel_case(name)] = value` for a static name (its JS string made once).
#[inline(never)]
pub fn set_static(obj: &Object, name: &'static str, value: &JsValue) {
    with_static_key(name, &mut |k| {
        let _ = Reflect::set(obj, k, value);
    });
}

/// `obj[camel_case(name)]` for a static name (its JS string made once); `undefined` when
/// the lookup throws.
#[inline(never)]
pub fn get_static(obj: &JsValue, name: &'static str) -> JsValue {
    let mut out = JsValue::UNDEFINED;
    with_static_key(name, &mut |k| {
        out = Reflect::get(obj, k).unwrap_or(JsValue::UNDEFINED);
    });
    out
}

struct Ser;

/// An array being built.
pub struct SeqSer {
    arr: Array,
    /// `Some(name)` for a tuple variant: the array is wrapped as `{name: [...]}`.
    variant: Option<&'static str>,
}

/// An object being built.
pub struct MapSer {
    obj: Object,
    camel: bool,
    key: Option<String>,
    /// `Some(name)` for a struct variant: the object is wrapped as `{name: {...}}`.
    variant: Option<&'static str>,
}

fn wrap(variant: Option<&'static str>, inner: JsValue) -> JsValue {
    match variant {
        None => inner,
        Some(name) => {
            let outer = Object::new();
            set(&outer, name, &inner);
            outer.into()
        }
    }
}

impl ser::Serializer for Ser {
    type Ok = JsValue;
    type Error = SerError;
    type SerializeSeq = SeqSer;
    type SerializeTuple = SeqSer;
    type SerializeTupleStruct = SeqSer;
    type SerializeTupleVariant = SeqSer;
    type SerializeMap = MapSer;
    type SerializeStruct = MapSer;
    type SerializeStructVariant = MapSer;

    fn serialize_bool(self, v: bool) -> Result<JsValue, SerError> {
        Ok(JsValue::from_bool(v))
    }
    fn serialize_i8(self, v: i8) -> Result<JsValue, SerError> {
        Ok(JsValue::from_f64(v.into()))
    }
    fn serialize_i16(self, v: i16) -> Result<JsValue, SerError> {
        Ok(JsValue::from_f64(v.into()))
    }
    fn serialize_i32(self, v: i32) -> Result<JsValue, SerError> {
        Ok(JsValue::from_f64(v.into()))
    }
    fn serialize_i64(self, v: i64) -> Result<JsValue, SerError> {
        Ok(JsValue::from_f64(v as f64))
    }
    fn serialize_u8(self, v: u8) -> Result<JsValue, SerError> {
        Ok(JsValue::from_f64(v.into()))
    }
    fn serialize_u16(self, v: u16) -> Result<JsValue, SerError> {
        Ok(JsValue::from_f64(v.into()))
    }
    fn serialize_u32(self, v: u32) -> Result<JsValue, SerError> {
        Ok(JsValue::from_f64(v.into()))
    }
    fn serialize_u64(self, v: u64) -> Result<JsValue, SerError> {
        Ok(JsValue::from_f64(v as f64))
    }
    fn serialize_f32(self, v: f32) -> Result<JsValue, SerError> {
        Ok(JsValue::from_f64(v.into()))
    }
    fn serialize_f64(self, v: f64) -> Result<JsValue, SerError> {
        Ok(JsValue::from_f64(v))
    }
    fn serialize_char(self, v: char) -> Result<JsValue, SerError> {
        let mut buf = [0u8; 4];
        Ok(JsValue::from_str(v.encode_utf8(&mut buf)))
    }
    fn serialize_str(self, v: &str) -> Result<JsValue, SerError> {
        Ok(JsValue::from_str(v))
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<JsValue, SerError> {
        Ok(js_sys::Uint8Array::from(v).into())
    }
    fn serialize_none(self) -> Result<JsValue, SerError> {
        Ok(JsValue::NULL)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<JsValue, SerError> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<JsValue, SerError> {
        Ok(JsValue::NULL)
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<JsValue, SerError> {
        Ok(JsValue::NULL)
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<JsValue, SerError> {
        Ok(JsValue::from_str(variant))
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<JsValue, SerError> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<JsValue, SerError> {
        Ok(wrap(Some(variant), value.serialize(Ser)?))
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<SeqSer, SerError> {
        Ok(SeqSer {
            arr: Array::new(),
            variant: None,
        })
    }
    fn serialize_tuple(self, len: usize) -> Result<SeqSer, SerError> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(self, _name: &'static str, len: usize) -> Result<SeqSer, SerError> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<SeqSer, SerError> {
        Ok(SeqSer {
            arr: Array::new(),
            variant: Some(variant),
        })
    }
    fn serialize_map(self, len: Option<usize>) -> Result<MapSer, SerError> {
        Ok(MapSer {
            obj: Object::new(),
            // A flattened struct is the only map of unknown length core serializes.
            camel: len.is_none(),
            key: None,
            variant: None,
        })
    }
    fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<MapSer, SerError> {
        Ok(MapSer {
            obj: Object::new(),
            camel: true,
            key: None,
            variant: None,
        })
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<MapSer, SerError> {
        Ok(MapSer {
            obj: Object::new(),
            camel: true,
            key: None,
            variant: Some(variant),
        })
    }
}

impl SeqSer {
    fn push<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), SerError> {
        self.arr.push(&value.serialize(Ser)?);
        Ok(())
    }
    fn done(self) -> Result<JsValue, SerError> {
        Ok(wrap(self.variant, self.arr.into()))
    }
}

/// serde's array traits differ only in names; each forwards to [`SeqSer::push`].
macro_rules! array_traits {
    ($($tr:ident::$method:ident),*) => {$(
        impl ser::$tr for SeqSer {
            type Ok = JsValue;
            type Error = SerError;
            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), SerError> {
                self.push(value)
            }
            fn end(self) -> Result<JsValue, SerError> {
                self.done()
            }
        }
    )*};
}

array_traits!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field
);

/// A map key's text: strings as they are, numbers and booleans as their JS string form,
/// unit variants by name; anything else is an error.
pub(crate) fn map_key<T: Serialize + ?Sized>(key: &T) -> Result<String, SerError> {
    key.serialize(KeySer)
}

/// Map keys (see [`map_key`]).
struct KeySer;

impl KeySer {
    fn js(v: JsValue) -> Result<String, SerError> {
        Ok(String::from(js_sys::JsString::from(v)))
    }
}

macro_rules! key_via_js {
    ($($m:ident: $t:ty),*) => {
        $(fn $m(self, v: $t) -> Result<String, SerError> {
            Self::js(Ser.$m(v)?)
        })*
    };
}

impl ser::Serializer for KeySer {
    type Ok = String;
    type Error = SerError;
    type SerializeSeq = ser::Impossible<String, SerError>;
    type SerializeTuple = ser::Impossible<String, SerError>;
    type SerializeTupleStruct = ser::Impossible<String, SerError>;
    type SerializeTupleVariant = ser::Impossible<String, SerError>;
    type SerializeMap = ser::Impossible<String, SerError>;
    type SerializeStruct = ser::Impossible<String, SerError>;
    type SerializeStructVariant = ser::Impossible<String, SerError>;

    key_via_js!(serialize_bool: bool, serialize_i8: i8, serialize_i16: i16, serialize_i32: i32,
        serialize_i64: i64, serialize_u8: u8, serialize_u16: u16, serialize_u32: u32,
        serialize_u64: u64, serialize_f32: f32, serialize_f64: f64);

    fn serialize_char(self, v: char) -> Result<String, SerError> {
        Ok(v.to_string())
    }
    fn serialize_str(self, v: &str) -> Result<String, SerError> {
        Ok(v.to_string())
    }
    fn serialize_bytes(self, _v: &[u8]) -> Result<String, SerError> {
        Err(SerError)
    }
    fn serialize_none(self) -> Result<String, SerError> {
        Err(SerError)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<String, SerError> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<String, SerError> {
        Err(SerError)
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<String, SerError> {
        Err(SerError)
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<String, SerError> {
        Ok(variant.to_string())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<String, SerError> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _value: &T,
    ) -> Result<String, SerError> {
        Err(SerError)
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Self::SerializeSeq, SerError> {
        Err(SerError)
    }
    fn serialize_tuple(self, _len: usize) -> Result<Self::SerializeTuple, SerError> {
        Err(SerError)
    }
    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleStruct, SerError> {
        Err(SerError)
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant, SerError> {
        Err(SerError)
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Self::SerializeMap, SerError> {
        Err(SerError)
    }
    fn serialize_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStruct, SerError> {
        Err(SerError)
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant, SerError> {
        Err(SerError)
    }
}

impl MapSer {
    fn field<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) -> Result<(), SerError> {
        let value = value.serialize(Ser)?;
        if self.camel {
            set(&self.obj, &camel_case(key), &value);
        } else {
            set(&self.obj, key, &value);
        }
        Ok(())
    }
    /// A struct field: its camelCased name is made once per program (see
    /// [`set_static`]).
    fn static_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), SerError> {
        let value = value.serialize(Ser)?;
        set_static(&self.obj, key, &value);
        Ok(())
    }
    fn done(self) -> Result<JsValue, SerError> {
        Ok(wrap(self.variant, self.obj.into()))
    }
}

impl ser::SerializeMap for MapSer {
    type Ok = JsValue;
    type Error = SerError;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), SerError> {
        self.key = Some(map_key(key)?);
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), SerError> {
        let key = self.key.take().ok_or(SerError)?;
        self.field(&key, value)
    }
    fn end(self) -> Result<JsValue, SerError> {
        self.done()
    }
}

/// serde's struct traits differ only in names; each forwards to [`MapSer::static_field`].
macro_rules! struct_traits {
    ($($tr:ident),*) => {$(
        impl ser::$tr for MapSer {
            type Ok = JsValue;
            type Error = SerError;
            fn serialize_field<T: Serialize + ?Sized>(
                &mut self,
                key: &'static str,
                value: &T,
            ) -> Result<(), SerError> {
                self.static_field(key, value)
            }
            fn end(self) -> Result<JsValue, SerError> {
                self.done()
            }
        }
    )*};
}

struct_traits!(SerializeStruct, SerializeStructVariant);
