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

/// Parses an RFC 3339 timestamp (`2026-11-27T02:40:19.698407401Z`, any fraction length,
/// `Z` or `±HH:MM`) into the time since the Unix epoch. `None` if malformed or before 1970.
pub fn parse_rfc3339(text: &str) -> Option<std::time::Duration> {
    let b = text.trim().as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let s = b.get(r)?;
        if s.is_empty() || !s.iter().all(u8::is_ascii_digit) {
            return None;
        }
        std::str::from_utf8(s).ok()?.parse().ok()
    };
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, min, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || min > 59 || sec > 60 {
        return None;
    }
    let mut i = 19;
    let mut nanos: u64 = 0;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            if i - start < 9 {
                nanos = nanos * 10 + u64::from(b[i] - b'0');
            }
            i += 1;
        }
        let digits = i - start;
        if digits == 0 {
            return None;
        }
        for _ in digits..9 {
            nanos *= 10;
        }
    }
    let offset_secs = match b.get(i)? {
        b'Z' | b'z' if i + 1 == b.len() => 0,
        sign @ (b'+' | b'-') if i + 6 == b.len() && b[i + 3] == b':' => {
            let (h, m) = (num(i + 1..i + 3)?, num(i + 4..i + 6)?);
            let off = h * 3600 + m * 60;
            if *sign == b'+' {
                off
            } else {
                -off
            }
        }
        _ => return None,
    };
    // Days from civil (proleptic Gregorian), Howard Hinnant's algorithm.
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let secs = days * 86_400 + hour * 3600 + min * 60 + sec - offset_secs;
    if secs < 0 {
        return None;
    }
    Some(std::time::Duration::new(secs as u64, nanos as u32))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn rfc3339() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(Duration::ZERO));
        assert_eq!(
            parse_rfc3339("2026-11-27T02:40:19.698407401Z"),
            Some(Duration::new(1_795_747_219, 698_407_401))
        );
        assert_eq!(
            parse_rfc3339("2015-10-21T07:28:00.5Z"),
            Some(Duration::new(1_445_412_480, 500_000_000))
        );
        assert_eq!(
            parse_rfc3339("2015-10-21T09:28:00+02:00"),
            Some(Duration::from_secs(1_445_412_480))
        );
        assert_eq!(
            parse_rfc3339("2000-02-29T00:00:00.1234567891Z"),
            Some(Duration::new(951_782_400, 123_456_789))
        );
        for bad in [
            "",
            "2015-10-21",
            "2015-10-21T07:28:00",
            "2015-13-21T07:28:00Z",
            "2015-10-21T07:28:00.Z",
            "1969-12-31T23:59:59Z",
            "2015-10-21T07:28:00+0200",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
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
