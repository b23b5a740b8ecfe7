//! How much a cached JSON value weighs against `max_memory_bytes`: one definition, used by
//! [`estimate_json_weight`] for `serde_json::Value`s and by the language bindings for their
//! own host values (Python objects, JS values) through [`JsonWeigher`], so every language
//! charges the same bytes for the same value.

use serde_json::{Number, Value};

/// Accumulates the weight of a JSON value from its parts, without building it: the length
/// in UTF-8 bytes of the value's compact JSON text, exactly as `serde_json::to_string`
/// writes it (no whitespace; `"`, `\` and control characters escaped as `\"`, `\\`, `\n`,
/// `\u001f`, …; everything else verbatim; numbers as serde_json prints them, e.g. `1.0`,
/// `1e21`).
///
/// The weight depends only on the value (never on how it was built or stored), so a value
/// weighs the same in every binding. A host walks its value and calls one method per part,
/// in any order:
///
/// ```
/// use mantra_sdk::{estimate_json_weight, JsonWeigher};
/// // {"a": [1, "xy"]}
/// let mut w = JsonWeigher::new();
/// w.object(1);
/// w.key("a");
/// w.array(2);
/// w.i64(1);
/// w.string("xy");
/// assert_eq!(w.weight(), r#"{"a":[1,"xy"]}"#.len());
/// assert_eq!(w.weight(), estimate_json_weight(&serde_json::json!({"a": [1, "xy"]})));
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct JsonWeigher {
    total: usize,
}

impl JsonWeigher {
    /// Weight zero.
    pub const fn new() -> Self {
        Self { total: 0 }
    }

    /// `null`.
    #[inline]
    pub fn null(&mut self) {
        self.add(4);
    }

    /// `true` / `false`.
    #[inline]
    pub fn bool(&mut self, b: bool) {
        self.add(if b { 4 } else { 5 });
    }

    /// A signed integer.
    #[inline]
    pub fn i64(&mut self, v: i64) {
        self.add(usize::from(v < 0) + decimal_digits(v.unsigned_abs()));
    }

    /// An unsigned integer.
    #[inline]
    pub fn u64(&mut self, v: u64) {
        self.add(decimal_digits(v));
    }

    /// A float, as serde_json prints it (`1.0`, `0.003`, `1e21`); a non-finite float
    /// (which JSON cannot hold) weighs as `null`, as serde_json writes it.
    pub fn f64(&mut self, v: f64) {
        match Number::from_f64(v) {
            Some(n) => self.add(number_text_len(&n)),
            None => self.null(),
        }
    }

    /// A string (quotes and escapes included).
    #[inline]
    pub fn string(&mut self, s: &str) {
        self.add(json_string_len(s));
    }

    /// An array of `len` items (brackets and commas; weigh each item with its own calls).
    #[inline]
    pub fn array(&mut self, len: usize) {
        self.add(2 + len.saturating_sub(1));
    }

    /// An object of `len` members (braces and commas; call [`key`](Self::key) for each
    /// member and weigh each value with its own calls).
    #[inline]
    pub fn object(&mut self, len: usize) {
        self.add(2 + len.saturating_sub(1));
    }

    /// One object member's key (quoted, escaped, with its colon).
    #[inline]
    pub fn key(&mut self, k: &str) {
        self.add(json_string_len(k).saturating_add(1));
    }

    /// The weight so far, in bytes (saturating).
    #[inline]
    pub fn weight(&self) -> usize {
        self.total
    }

    #[inline]
    fn add(&mut self, n: usize) {
        self.total = self.total.saturating_add(n);
    }
}

/// Digits of `v` in decimal.
#[inline]
fn decimal_digits(mut v: u64) -> usize {
    let mut n = 1;
    while v >= 10 {
        v /= 10;
        n += 1;
    }
    n
}

/// Bytes each byte adds when escaped in a JSON string (serde_json's escapes).
const ESCAPE_EXTRA: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 0x20 {
        t[b] = 5; // \u00XX
        b += 1;
    }
    t[b'"' as usize] = 1;
    t[b'\\' as usize] = 1;
    t[b'\n' as usize] = 1;
    t[b'\r' as usize] = 1;
    t[b'\t' as usize] = 1;
    t[0x08] = 1;
    t[0x0c] = 1;
    t
};

/// Length of the JSON string literal for `s` (quotes and escapes included).
#[inline]
fn json_string_len(s: &str) -> usize {
    let extra: usize = s.bytes().map(|b| ESCAPE_EXTRA[b as usize] as usize).sum();
    s.len().saturating_add(extra).saturating_add(2)
}

/// Length of serde_json's text for a number.
fn number_text_len(n: &Number) -> usize {
    struct Count(usize);
    impl std::fmt::Write for Count {
        fn write_str(&mut self, s: &str) -> std::fmt::Result {
            self.0 += s.len();
            Ok(())
        }
    }
    let mut c = Count(0);
    let _ = std::fmt::Write::write_fmt(&mut c, format_args!("{n}"));
    c.0
}

/// The weight of a JSON value in the cache's byte budget: the length of its compact JSON
/// text, as defined by [`JsonWeigher`]. Computed without allocating the text, iteratively
/// (a deeply nested value cannot overflow the stack).
pub fn estimate_json_weight(value: &Value) -> usize {
    let mut w = JsonWeigher::new();
    let mut stack = vec![value];
    while let Some(v) = stack.pop() {
        match v {
            Value::Null => w.null(),
            Value::Bool(b) => w.bool(*b),
            Value::Number(n) => w.add(number_text_len(n)),
            Value::String(s) => w.string(s),
            Value::Array(a) => {
                w.array(a.len());
                stack.extend(a.iter());
            }
            Value::Object(m) => {
                w.object(m.len());
                for (k, v) in m {
                    w.key(k);
                    stack.push(v);
                }
            }
        }
    }
    w.weight()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn text_len(v: &Value) -> usize {
        serde_json::to_string(v).unwrap().len()
    }

    #[test]
    fn weight_is_the_compact_json_text_length() {
        let mut all_bytes = String::new();
        for b in 0u8..0x80 {
            all_bytes.push(b as char);
        }
        let values = [
            json!(null),
            json!(true),
            json!(false),
            json!(0),
            json!(-7),
            json!(i64::MIN),
            json!(u64::MAX),
            json!(1.0),
            json!(-0.003),
            json!(1e21),
            json!(1.5e-7),
            json!(f64::MAX),
            json!(""),
            json!("aé😀\"\\\n\t\u{1}\u{1f}\u{7f}"),
            json!(all_bytes),
            json!([]),
            json!({}),
            json!([1, [2, "ab"], {"k": null}]),
            json!({"k": 1, "key2": {"é\"": [true, false, 0.5]}}),
        ];
        for v in values {
            assert_eq!(estimate_json_weight(&v), text_len(&v), "{v}");
        }
    }

    #[test]
    fn the_incremental_weigher_matches_the_text() {
        let v = json!({"b": [true, "x\"z", -12, 18446744073709551615u64], "a": {"c": 1.25}});
        let mut w = JsonWeigher::new();
        w.object(2);
        w.key("b");
        w.array(4);
        w.bool(true);
        w.string("x\"z");
        w.i64(-12);
        w.u64(u64::MAX);
        w.key("a");
        w.object(1);
        w.key("c");
        w.f64(1.25);
        assert_eq!(w.weight(), text_len(&v));
        let mut nan = JsonWeigher::new();
        nan.f64(f64::NAN);
        assert_eq!(nan.weight(), 4, "like serde_json: `null`");
        let mut digits = JsonWeigher::new();
        for v in [0, 9, 10, 99, 100, i64::MAX, -1, -10] {
            digits.i64(v);
        }
        assert_eq!(digits.weight(), 1 + 1 + 2 + 2 + 3 + 19 + 2 + 3);
    }

    #[test]
    fn weight_does_not_depend_on_how_the_value_was_built() {
        let parsed: Value = serde_json::from_str(r#"{"a": [1, 2, 3, 4, 5], "s": "text"}"#).unwrap();
        let mut items = Vec::with_capacity(64);
        items.extend([1, 2, 3, 4, 5].map(Value::from));
        let mut s = String::with_capacity(100);
        s.push_str("text");
        let mut built = serde_json::Map::new();
        built.insert("a".into(), Value::Array(items));
        built.insert("s".into(), Value::String(s));
        assert_eq!(
            estimate_json_weight(&parsed),
            estimate_json_weight(&Value::Object(built))
        );
    }

    #[test]
    fn deep_values_do_not_overflow_and_weight_saturates() {
        let mut deep = json!(0);
        for _ in 0..100_000 {
            deep = Value::Array(vec![deep]);
        }
        assert_eq!(estimate_json_weight(&deep), 2 * 100_000 + 1);
        // dropping a 100k-deep Value recurses; leak it rather than overflow the test stack
        std::mem::forget(deep);
        let mut w = JsonWeigher::new();
        w.add(usize::MAX);
        w.null();
        assert_eq!(w.weight(), usize::MAX);
    }
}
