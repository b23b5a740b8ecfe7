//! RPC results → JS values through one JSON text: the value is written as JSON (struct
//! field names camelCased, the same shape as [`crate::ser::to_js`]) and parsed by the host's
//! `JSON.parse`, so a result crosses the boundary as one string instead of one call per
//! field (≈ 5× cheaper for an `abci_query` result).
//!
//! Only for values decoded from a node's JSON (every number finite): a non-finite float
//! is written as `null`, as `JSON.stringify` does; reports that may hold `NaN` or `±Inf`
//! (metrics, bucket bounds) go through [`crate::ser::to_js`]. Byte strings become arrays
//! of numbers. Map keys are written as [`crate::ser::to_js`] makes them; a key it cannot
//! represent fails the conversion, which then yields `null` (as there).

use serde::ser::{self, Serialize};
use wasm_bindgen::JsValue;

use crate::error::camel_case;
use crate::ser::{map_key, SerError};

/// `value` as a JS value via JSON text (see the module docs).
pub fn to_js<T: Serialize + ?Sized>(value: &T) -> JsValue {
    let mut w = Writer(Vec::with_capacity(256));
    if value.serialize(&mut w).is_err() {
        return JsValue::NULL;
    }
    parse(&w.0)
}

/// `JSON.parse` of text this module wrote; `null` if it is not valid (never expected).
#[inline(never)]
fn parse(text: &[u8]) -> JsValue {
    std::str::from_utf8(text)
        .ok()
        .and_then(|s| js_sys::JSON::parse(s).ok())
        .unwrap_or(JsValue::NULL)
}

/// The JSON text being written.
struct Writer(Vec<u8>);

impl Writer {
    /// A scalar as serde_json writes it (escaped strings, shortest floats, `null` for a
    /// non-finite float).
    fn json<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), SerError> {
        v.serialize(&mut serde_json::Serializer::new(&mut self.0))
            .map_err(|_| SerError)
    }

    /// A struct field name, camelCased as [`camel_case`] does (`memory_bytes` →
    /// `"memoryBytes"`), as a key. Written unescaped: field names and `rename`s in core are
    /// identifiers (a quote or backslash in one would make the text invalid, and the
    /// result `null`).
    fn camel_key(&mut self, name: &str) {
        self.0.push(b'"');
        let (start, mut upper) = (self.0.len(), false);
        for &b in name.as_bytes() {
            if b == b'_' {
                upper = self.0.len() > start;
            } else if upper {
                self.0.push(b.to_ascii_uppercase());
                upper = false;
            } else {
                self.0.push(b);
            }
        }
        self.0.extend_from_slice(b"\":");
    }

    /// Opens `{"variant":` for an enum variant with data.
    fn open_variant(&mut self, variant: &str) -> Result<(), SerError> {
        self.0.push(b'{');
        self.json(variant)?;
        self.0.push(b':');
        Ok(())
    }
}

/// An array or object being written.
pub struct Compound<'a> {
    w: &'a mut Writer,
    first: bool,
    /// Map keys are camelCased (a flattened struct: a map of unknown length).
    camel: bool,
    /// A variant wrapper `{"name": …}` to close after the array/object.
    variant: bool,
}

impl Compound<'_> {
    fn sep(&mut self) {
        if !self.first {
            self.w.0.push(b',');
        }
        self.first = false;
    }

    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), SerError> {
        self.sep();
        value.serialize(&mut *self.w)
    }

    fn field<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) -> Result<(), SerError> {
        self.sep();
        self.w.camel_key(key);
        value.serialize(&mut *self.w)
    }

    fn close(self, bracket: u8) -> Result<(), SerError> {
        self.w.0.push(bracket);
        if self.variant {
            self.w.0.push(b'}');
        }
        Ok(())
    }
}

fn compound(w: &mut Writer, open: u8, camel: bool, variant: bool) -> Compound<'_> {
    w.0.push(open);
    Compound {
        w,
        first: true,
        camel,
        variant,
    }
}

/// Scalars are written as serde_json writes them.
macro_rules! json_scalars {
    ($($method:ident: $t:ty),*) => {$(
        fn $method(self, v: $t) -> Result<(), SerError> {
            self.json(&v)
        }
    )*};
}

impl<'a> ser::Serializer for &'a mut Writer {
    type Ok = ();
    type Error = SerError;
    type SerializeSeq = Compound<'a>;
    type SerializeTuple = Compound<'a>;
    type SerializeTupleStruct = Compound<'a>;
    type SerializeTupleVariant = Compound<'a>;
    type SerializeMap = Compound<'a>;
    type SerializeStruct = Compound<'a>;
    type SerializeStructVariant = Compound<'a>;

    json_scalars!(serialize_bool: bool, serialize_i8: i8, serialize_i16: i16,
        serialize_i32: i32, serialize_i64: i64, serialize_u8: u8, serialize_u16: u16,
        serialize_u32: u32, serialize_u64: u64, serialize_f64: f64, serialize_char: char);

    fn serialize_f32(self, v: f32) -> Result<(), SerError> {
        self.json(&f64::from(v))
    }
    fn serialize_str(self, v: &str) -> Result<(), SerError> {
        self.json(v)
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<(), SerError> {
        self.json(v)
    }
    fn serialize_none(self) -> Result<(), SerError> {
        self.0.extend_from_slice(b"null");
        Ok(())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), SerError> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), SerError> {
        self.serialize_none()
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), SerError> {
        self.serialize_none()
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<(), SerError> {
        self.json(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<(), SerError> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), SerError> {
        self.open_variant(variant)?;
        value.serialize(&mut *self)?;
        self.0.push(b'}');
        Ok(())
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Compound<'a>, SerError> {
        Ok(compound(self, b'[', false, false))
    }
    fn serialize_tuple(self, _len: usize) -> Result<Compound<'a>, SerError> {
        Ok(compound(self, b'[', false, false))
    }
    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Compound<'a>, SerError> {
        Ok(compound(self, b'[', false, false))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Compound<'a>, SerError> {
        self.open_variant(variant)?;
        Ok(compound(self, b'[', false, true))
    }
    fn serialize_map(self, len: Option<usize>) -> Result<Compound<'a>, SerError> {
        // A flattened struct is the only map of unknown length core serializes.
        Ok(compound(self, b'{', len.is_none(), false))
    }
    fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<Compound<'a>, SerError> {
        Ok(compound(self, b'{', true, false))
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Compound<'a>, SerError> {
        self.open_variant(variant)?;
        Ok(compound(self, b'{', true, true))
    }
}

/// serde's array traits differ only in names; each forwards to [`Compound::element`].
macro_rules! array_traits {
    ($($tr:ident::$method:ident),*) => {$(
        impl ser::$tr for Compound<'_> {
            type Ok = ();
            type Error = SerError;
            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), SerError> {
                self.element(value)
            }
            fn end(self) -> Result<(), SerError> {
                self.close(b']')
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

impl ser::SerializeMap for Compound<'_> {
    type Ok = ();
    type Error = SerError;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), SerError> {
        self.sep();
        let text = map_key(key)?;
        if self.camel {
            self.w.json(&camel_case(&text))?;
        } else {
            self.w.json(text.as_str())?;
        }
        self.w.0.push(b':');
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), SerError> {
        value.serialize(&mut *self.w)
    }
    fn end(self) -> Result<(), SerError> {
        self.close(b'}')
    }
}

/// serde's struct traits differ only in names; each forwards to [`Compound::field`].
macro_rules! struct_traits {
    ($($tr:ident),*) => {$(
        impl ser::$tr for Compound<'_> {
            type Ok = ();
            type Error = SerError;
            fn serialize_field<T: Serialize + ?Sized>(
                &mut self,
                key: &'static str,
                value: &T,
            ) -> Result<(), SerError> {
                self.field(key, value)
            }
            fn end(self) -> Result<(), SerError> {
                self.close(b'}')
            }
        }
    )*};
}

struct_traits!(SerializeStruct, SerializeStructVariant);
