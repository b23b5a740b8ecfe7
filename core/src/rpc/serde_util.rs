//! Serde adapters for CometBFT's JSON conventions: 64-bit integers as decimal strings,
//! byte strings as base64 (with `null` meaning empty).

use std::fmt;

use base64::Engine as _;
use serde::de::{self, Visitor};
use serde::{Deserializer, Serializer};

pub(crate) const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// Base64 encoding (standard alphabet, padded), as CometBFT writes `[]byte`.
pub fn base64_encode(bytes: &[u8]) -> String {
    B64.encode(bytes)
}

/// Base64 decoding (standard alphabet; padding optional).
pub fn base64_decode(text: &str) -> crate::Result<Vec<u8>> {
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(text))
        .map_err(|e| crate::Error::Decode(format!("invalid base64: {e}")))
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

int_as_string!(u64_string, u64);
int_as_string!(i64_string, i64);

/// `Vec<u8>` as a base64 JSON string; `null` or absent decodes as empty.
pub(crate) mod base64_bytes {
    use super::*;

    pub fn serialize<S: Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&B64.encode(v))
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

/// `Vec<Vec<u8>>` as a JSON array of base64 strings; `null` decodes as empty.
pub(crate) mod base64_list {
    use super::*;
    use serde::{Deserialize, Serialize};

    #[derive(Serialize, Deserialize)]
    #[serde(transparent)]
    struct Item(#[serde(with = "super::base64_bytes")] Vec<u8>);

    pub fn serialize<S: Serializer>(v: &[Vec<u8>], s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let mut seq = s.serialize_seq(Some(v.len()))?;
        for item in v {
            seq.serialize_element(&B64.encode(item))?;
        }
        seq.end()
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Vec<u8>>, D::Error> {
        let items: Option<Vec<Item>> = Option::deserialize(d)?;
        Ok(items.unwrap_or_default().into_iter().map(|i| i.0).collect())
    }
}

/// `String` that decodes `null` as empty.
pub(crate) fn null_as_empty<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    use serde::Deserialize;
    Ok(Option::<String>::deserialize(d)?.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_roundtrip_and_lenient_padding() {
        assert_eq!(base64_encode(b"fix=val"), "Zml4PXZhbA==");
        assert_eq!(base64_decode("Zml4PXZhbA==").unwrap(), b"fix=val");
        assert_eq!(base64_decode("Zml4PXZhbA").unwrap(), b"fix=val");
        assert_eq!(base64_decode("!!").unwrap_err().code(), "decode");
    }
}
