//! Serde adapters for CometBFT's JSON conventions: 64-bit integers as decimal strings,
//! byte strings as base64 (with `null` meaning empty).

use std::fmt;

use serde::de::{self, Visitor};
use serde::{Deserializer, Serializer};
use serde_json::{Map, Value};

/// Base64 encoding (standard alphabet, padded), as CometBFT writes `[]byte`.
pub fn base64_encode(bytes: &[u8]) -> String {
    b64::encode(bytes)
}

/// Base64 decoding (standard alphabet; padding optional).
pub fn base64_decode(text: &str) -> crate::Result<Vec<u8>> {
    let input = text.as_bytes();
    b64::decode(input, true)
        .or_else(|_| b64::decode(input, false))
        .map_err(|e| crate::Error::Decode(format!("invalid base64: {e}")))
}

/// Standard-alphabet base64 with the `base64` crate's rules (`STANDARD`: canonical padding;
/// `STANDARD_NO_PAD`: none; trailing bits must be zero) and error texts, without its ~8 KB
/// of wasm (tested against the crate).
mod b64 {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const INVALID: u8 = 0xff;
    const DECODE: [u8; 256] = {
        let mut t = [INVALID; 256];
        let mut i = 0;
        while i < 64 {
            t[ALPHABET[i] as usize] = i as u8;
            i += 1;
        }
        t
    };

    pub(super) fn encode(bytes: &[u8]) -> String {
        let sym = |n: u32, shift: u32| ALPHABET[(n >> shift & 63) as usize];
        let mut out = Vec::with_capacity(bytes.len().div_ceil(3) * 4);
        let mut chunks = bytes.chunks_exact(3);
        for c in &mut chunks {
            let n = u32::from(c[0]) << 16 | u32::from(c[1]) << 8 | u32::from(c[2]);
            out.extend_from_slice(&[sym(n, 18), sym(n, 12), sym(n, 6), sym(n, 0)]);
        }
        match *chunks.remainder() {
            [a] => {
                let n = u32::from(a) << 16;
                out.extend_from_slice(&[sym(n, 18), sym(n, 12), b'=', b'=']);
            }
            [a, b] => {
                let n = u32::from(a) << 16 | u32::from(b) << 8;
                out.extend_from_slice(&[sym(n, 18), sym(n, 12), sym(n, 6), b'=']);
            }
            _ => {}
        }
        // Only alphabet and padding bytes were written.
        String::from_utf8(out).unwrap_or_default()
    }

    /// Decodes `input`; `padded`: padding required and canonical, else forbidden.
    pub(super) fn decode(input: &[u8], padded: bool) -> Result<Vec<u8>, String> {
        let invalid_byte = |i: usize, b: u8| format!("Invalid symbol {b}, offset {i}.");
        let n = input.len();
        let rem = n % 4;
        if rem == 1 {
            let last = input[n - 1];
            if last != b'=' && DECODE[usize::from(last)] == INVALID {
                return Err(invalid_byte(n - 1, last));
            }
        }
        // Every quad but the last is decoded as is; the last one may hold padding.
        let body = n
            .saturating_sub(rem)
            .saturating_sub(usize::from(rem == 0) * 4);
        let mut out = Vec::with_capacity(n / 4 * 3 + 3);
        for (q, quad) in input[..body].chunks_exact(4).enumerate() {
            let mut acc = 0u32;
            for (i, &b) in quad.iter().enumerate() {
                let m = DECODE[usize::from(b)];
                if m == INVALID {
                    return Err(invalid_byte(q * 4 + i, b));
                }
                acc = acc << 6 | u32::from(m);
            }
            out.extend_from_slice(&acc.to_be_bytes()[1..]);
        }
        let (mut morsels, mut pads, mut first_pad, mut last) = (0usize, 0usize, 0usize, 0u8);
        let mut acc = 0u32;
        for (i, &b) in input[body..].iter().enumerate() {
            if b == b'=' {
                if i < 2 {
                    return Err(invalid_byte(body + i, b));
                }
                if pads == 0 {
                    first_pad = i;
                }
                pads += 1;
                continue;
            }
            if pads > 0 {
                return Err(invalid_byte(body + first_pad, b'='));
            }
            last = b;
            let m = DECODE[usize::from(b)];
            if m == INVALID {
                return Err(invalid_byte(body + i, b));
            }
            acc |= u32::from(m) << (26 - 6 * morsels);
            morsels += 1;
        }
        if n > 0 && morsels < 2 {
            return Err(format!("Invalid input length: {}", body + morsels));
        }
        if (padded && (pads + morsels) % 4 != 0) || (!padded && pads > 0) {
            return Err("Invalid padding".into());
        }
        let tail = morsels * 6 / 8;
        if acc & (!0u32 >> (tail * 8)) != 0 {
            return Err(format!(
                "Invalid last symbol {last}, offset {}.",
                body + morsels - 1
            ));
        }
        out.extend_from_slice(&acc.to_be_bytes()[..tail]);
        Ok(out)
    }
}

macro_rules! int_as_string {
    ($modname:ident, $t:ty) => {
        /// (De)serializes the integer as a decimal JSON string; also accepts a JSON number.
        pub(crate) mod $modname {
            use super::*;

            pub fn serialize<S: Serializer>(v: &$t, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(v)
            }

            pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<$t, D::Error> {
                struct V;
                impl<'de> Visitor<'de> for V {
                    type Value = $t;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str(concat!("a ", stringify!($t), " as a string or number"))
                    }
                    fn visit_str<E: de::Error>(self, v: &str) -> Result<$t, E> {
                        v.trim().parse().map_err(E::custom)
                    }
                    fn visit_u64<E: de::Error>(self, v: u64) -> Result<$t, E> {
                        <$t>::try_from(v).map_err(E::custom)
                    }
                    fn visit_i64<E: de::Error>(self, v: i64) -> Result<$t, E> {
                        <$t>::try_from(v).map_err(E::custom)
                    }
                }
                d.deserialize_any(V)
            }
        }
    };
}

/// Serializes a `u64` as a decimal JSON string (decoding: [`u64_of`], also from a number).
pub(crate) mod u64_string {
    use super::*;

    pub fn serialize<S: Serializer>(v: &u64, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(v)
    }
}
int_as_string!(i64_string, i64);

/// `Vec<u8>` as a base64 JSON string; `null` or absent decodes as empty.
pub(crate) mod base64_bytes {
    use super::*;

    pub fn serialize<S: Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&base64_encode(v))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Vec<u8>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a base64 string or null")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Vec<u8>, E> {
                super::base64_decode(v).map_err(E::custom)
            }
            fn visit_unit<E: de::Error>(self) -> Result<Vec<u8>, E> {
                Ok(Vec::new())
            }
            fn visit_none<E: de::Error>(self) -> Result<Vec<u8>, E> {
                Ok(Vec::new())
            }
        }
        d.deserialize_any(V)
    }
}

/// `Vec<Vec<u8>>` as a JSON array of base64 strings (decoding: `cometbft.rs`, where `null`
/// is empty).
pub(crate) mod base64_list {
    use super::*;

    pub fn serialize<S: Serializer>(v: &[Vec<u8>], s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let mut seq = s.serialize_seq(Some(v.len()))?;
        for item in v {
            seq.serialize_element(&base64_encode(item))?;
        }
        seq.end()
    }
}

/// `String` that decodes `null` as empty.
pub(crate) fn null_as_empty<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    use serde::Deserialize;
    Ok(Option::<String>::deserialize(d)?.unwrap_or_default())
}

// ---- hand-written decoding from `&Value` ------------------------------------------------
//
// The typed RPC replies (`status`, `block`, `broadcast_tx_*`, `abci_info`) are decoded by
// the functions in `cometbft.rs` built on these helpers rather than by derived
// `Deserialize`: a derived decoder is compiled once per type and deserializer (~2–4 KB of
// wasm per struct through `&Value`), these are compiled once. They keep the derived
// decoders' rules (required and defaulted fields, `null` handling, integers as strings or
// numbers, base64) and serde's error wording.

/// A decode error message (serde's wording).
pub(crate) type DecodeResult<T> = std::result::Result<T, String>;

/// How serde names an unexpected JSON value (`Unexpected`'s `Display` for a `Value`).
fn unexpected(v: &Value) -> String {
    match v {
        Value::Null => "unit value".into(),
        Value::Bool(b) => format!("boolean `{b}`"),
        Value::Number(n) if n.is_f64() => format!("floating point `{n}`"),
        Value::Number(n) => format!("integer `{n}`"),
        Value::String(s) => format!("string {s:?}"),
        Value::Array(_) => "sequence".into(),
        Value::Object(_) => "map".into(),
    }
}

/// serde's "invalid type" message.
pub(crate) fn invalid_type(v: &Value, expected: &str) -> String {
    format!("invalid type: {}, expected {expected}", unexpected(v))
}

/// The members of a JSON object (a struct's fields).
#[derive(Clone, Copy)]
pub(crate) struct Fields<'a>(&'a Map<String, Value>);

impl<'a> Fields<'a> {
    /// `v` as the object of struct `name`.
    pub(crate) fn of(v: &'a Value, name: &str) -> DecodeResult<Self> {
        match v {
            Value::Object(m) => Ok(Fields(m)),
            other => Err(invalid_type(other, &format!("struct {name}"))),
        }
    }

    /// A present field.
    pub(crate) fn opt(self, key: &str) -> Option<&'a Value> {
        self.0.get(key)
    }

    /// A required field.
    pub(crate) fn req(self, key: &str) -> DecodeResult<&'a Value> {
        self.0
            .get(key)
            .ok_or_else(|| format!("missing field `{key}`"))
    }

    /// A required string.
    pub(crate) fn string(self, key: &str) -> DecodeResult<String> {
        as_string(self.req(key)?)
    }

    /// A string that may be absent (`#[serde(default)]`): absent is empty, `null` is an error.
    pub(crate) fn string_or_empty(self, key: &str) -> DecodeResult<String> {
        self.opt(key).map_or(Ok(String::new()), as_string)
    }

    /// A string where absent or `null` is empty ([`null_as_empty`]).
    pub(crate) fn string_null_empty(self, key: &str) -> DecodeResult<String> {
        match self.opt(key) {
            None | Some(Value::Null) => Ok(String::new()),
            Some(v) => as_string(v),
        }
    }

    /// A required boolean.
    pub(crate) fn bool(self, key: &str) -> DecodeResult<bool> {
        match self.req(key)? {
            Value::Bool(b) => Ok(*b),
            other => Err(invalid_type(other, "a boolean")),
        }
    }

    /// A `u32` JSON number, 0 when absent.
    pub(crate) fn u32_or_zero(self, key: &str) -> DecodeResult<u32> {
        self.opt(key).map_or(Ok(0), as_u32)
    }

    /// A required `u32` JSON number.
    pub(crate) fn u32(self, key: &str) -> DecodeResult<u32> {
        as_u32(self.req(key)?)
    }

    /// A required `u64` as a decimal string or a number ([`u64_string`]).
    pub(crate) fn u64_string(self, key: &str) -> DecodeResult<u64> {
        u64_of(self.req(key)?)
    }

    /// A `u64` as a decimal string or a number, 0 when absent.
    pub(crate) fn u64_string_or_zero(self, key: &str) -> DecodeResult<u64> {
        self.opt(key).map_or(Ok(0), u64_of)
    }

    /// A required `i64` as a decimal string or a number ([`i64_string`]).
    pub(crate) fn i64_string(self, key: &str) -> DecodeResult<i64> {
        i64_of(self.req(key)?)
    }

    /// An `i64` as a decimal string or a number, 0 when absent.
    pub(crate) fn i64_string_or_zero(self, key: &str) -> DecodeResult<i64> {
        self.opt(key).map_or(Ok(0), i64_of)
    }

    /// Base64 bytes; absent or `null` is empty ([`base64_bytes`]).
    pub(crate) fn base64(self, key: &str) -> DecodeResult<Vec<u8>> {
        self.opt(key).map_or(Ok(Vec::new()), base64_of)
    }
}

fn as_string(v: &Value) -> DecodeResult<String> {
    match v {
        Value::String(s) => Ok(s.clone()),
        other => Err(invalid_type(other, "a string")),
    }
}

fn as_u32(v: &Value) -> DecodeResult<u32> {
    match v {
        Value::Number(n) if !n.is_f64() => match (n.as_u64(), n.as_i64()) {
            (Some(u), _) if u <= u64::from(u32::MAX) => Ok(u as u32),
            _ => Err(format!("invalid value: integer `{n}`, expected u32")),
        },
        other => Err(invalid_type(other, "u32")),
    }
}

/// A string-or-number integer: the text of a string, else the number.
enum IntInput<'a> {
    Text(&'a str),
    U(u64),
    I(i64),
}

fn int_input<'a>(v: &'a Value, expected: &str) -> DecodeResult<IntInput<'a>> {
    match v {
        Value::String(s) => Ok(IntInput::Text(s)),
        Value::Number(n) => match (n.as_u64(), n.as_i64()) {
            (Some(u), _) => Ok(IntInput::U(u)),
            (None, Some(i)) => Ok(IntInput::I(i)),
            _ => Err(invalid_type(v, expected)),
        },
        other => Err(invalid_type(other, expected)),
    }
}

pub(crate) fn u64_of(v: &Value) -> DecodeResult<u64> {
    match int_input(v, "a u64 as a string or number")? {
        IntInput::Text(s) => s.trim().parse().map_err(|e| format!("{e}")),
        IntInput::U(u) => Ok(u),
        IntInput::I(i) => u64::try_from(i).map_err(|e| format!("{e}")),
    }
}

pub(crate) fn i64_of(v: &Value) -> DecodeResult<i64> {
    match int_input(v, "a i64 as a string or number")? {
        IntInput::Text(s) => s.trim().parse().map_err(|e| format!("{e}")),
        IntInput::U(u) => i64::try_from(u).map_err(|e| format!("{e}")),
        IntInput::I(i) => Ok(i),
    }
}

/// Base64 bytes; `null` is empty.
pub(crate) fn base64_of(v: &Value) -> DecodeResult<Vec<u8>> {
    match v {
        Value::Null => Ok(Vec::new()),
        Value::String(s) => base64_decode(s).map_err(|e| e.to_string()),
        other => Err(invalid_type(other, "a base64 string or null")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_the_base64_crate() {
        use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
        use base64::Engine as _;
        let theirs = |t: &str| {
            STANDARD
                .decode(t)
                .or_else(|_| STANDARD_NO_PAD.decode(t))
                .map_err(|e| format!("invalid base64: {e}"))
        };
        let ours = |t: &str| {
            base64_decode(t).map_err(|e| match e {
                crate::Error::Decode(m) => m,
                other => other.to_string(),
            })
        };
        let mut x: u64 = 7;
        let mut next = || {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            x >> 33
        };
        for len in 0..40usize {
            for _ in 0..40 {
                let bytes: Vec<u8> = (0..len).map(|_| next() as u8).collect();
                let text = base64_encode(&bytes);
                assert_eq!(text, STANDARD.encode(&bytes));
                assert_eq!(ours(&text), Ok(bytes.clone()));
                let unpadded = text.trim_end_matches('=');
                assert_eq!(ours(unpadded), theirs(unpadded));
                // One-byte mutations (padding, other alphabets, stray bytes) and truncations.
                let mut m = text.clone().into_bytes();
                if !m.is_empty() {
                    let i = next() as usize % m.len();
                    m[i] = b"=A/+-_ .\n\xff"[next() as usize % 10];
                    let m = String::from_utf8_lossy(&m).into_owned();
                    assert_eq!(ours(&m), theirs(&m), "{m:?}");
                    let cut = &text[..next() as usize % text.len()];
                    assert_eq!(ours(cut), theirs(cut), "{cut:?}");
                    let extra = format!("{text}=");
                    assert_eq!(ours(&extra), theirs(&extra), "{extra:?}");
                }
            }
        }
        for t in [
            "", "=", "==", "A", "A=", "AB", "AB=", "AB==", "AB===", "ABC=", "ABD=", "AB=C",
        ] {
            assert_eq!(ours(t), theirs(t), "{t:?}");
        }
    }

    #[test]
    fn base64_roundtrip_and_lenient_padding() {
        assert_eq!(base64_encode(b"fix=val"), "Zml4PXZhbA==");
        assert_eq!(base64_decode("Zml4PXZhbA==").unwrap(), b"fix=val");
        assert_eq!(base64_decode("Zml4PXZhbA").unwrap(), b"fix=val");
        assert_eq!(base64_decode("!!").unwrap_err().code(), "decode");
    }
}
