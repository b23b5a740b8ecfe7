//! How much a cached JSON value weighs against `max_memory_bytes`: one definition, used by
//! [`estimate_json_weight`] for `serde_json::Value`s and by the language bindings for their
//! own host values (Python objects, JS values), so every language charges the same bytes
//! for the same value.

use serde_json::Value;

/// Bytes charged per JSON value (each null, bool, number, string, array, object): the size
/// of one `serde_json::Value` node on a 64-bit target. A fixed number, so that a value
/// weighs the same on every platform (wasm32 included) and in every binding.
pub const JSON_NODE_WEIGHT: usize = 32;

/// Bytes charged per object member on top of its key's bytes: a key `String` header and a
/// share of the map node (64-bit sizes, fixed like [`JSON_NODE_WEIGHT`]).
pub const JSON_MEMBER_WEIGHT: usize = 40;

/// Accumulates the weight of a JSON value from its structure, without building it:
///
/// weight = [`JSON_NODE_WEIGHT`] per value (scalars, strings, arrays, objects alike)
///        + the UTF-8 bytes of every string
///        + per object member, [`JSON_MEMBER_WEIGHT`] + the UTF-8 bytes of its key.
///
/// The weight depends only on the value (never on allocation capacities or how the value
/// was built), so a value weighs the same in every language binding. A host walks its value
/// in any order and calls one method per part:
///
/// ```
/// use mantra_sdk::{estimate_json_weight, JsonWeigher};
/// // {"a": [1, "xy"]}
/// let mut w = JsonWeigher::new();
/// w.object(1);
/// w.member("a".len());
/// w.array(2);
/// w.scalar();
/// w.string("xy".len());
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

    /// A null, a bool or a number.
    #[inline]
    pub fn scalar(&mut self) {
        self.add(JSON_NODE_WEIGHT);
    }

    /// A string of `utf8_len` bytes.
    #[inline]
    pub fn string(&mut self, utf8_len: usize) {
        self.add(JSON_NODE_WEIGHT);
        self.add(utf8_len);
    }

    /// An array of `len` items (weigh each item with its own calls).
    #[inline]
    pub fn array(&mut self, len: usize) {
        let _ = len;
        self.add(JSON_NODE_WEIGHT);
    }

    /// An object of `len` members (call [`member`](Self::member) for each key and weigh each
    /// value with its own calls).
    #[inline]
    pub fn object(&mut self, len: usize) {
        let _ = len;
        self.add(JSON_NODE_WEIGHT);
    }

    /// One object member whose key has `key_utf8_len` bytes (its value is weighed apart).
    #[inline]
    pub fn member(&mut self, key_utf8_len: usize) {
        self.add(JSON_MEMBER_WEIGHT);
        self.add(key_utf8_len);
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

/// The weight of a JSON value in bytes, as defined by [`JsonWeigher`]. Iterative, so
/// arbitrarily deep values cannot overflow the stack.
pub fn estimate_json_weight(value: &Value) -> usize {
    let mut w = JsonWeigher::new();
    let mut stack = vec![value];
    while let Some(v) = stack.pop() {
        match v {
            Value::Null | Value::Bool(_) | Value::Number(_) => w.scalar(),
            Value::String(s) => w.string(s.len()),
            Value::Array(a) => {
                w.array(a.len());
                stack.extend(a.iter());
            }
            Value::Object(m) => {
                w.object(m.len());
                for (k, v) in m {
                    w.member(k.len());
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

    const N: usize = JSON_NODE_WEIGHT;
    const M: usize = JSON_MEMBER_WEIGHT;

    #[test]
    fn weights_follow_the_documented_formula() {
        assert_eq!(estimate_json_weight(&json!(null)), N);
        assert_eq!(estimate_json_weight(&json!(true)), N);
        assert_eq!(estimate_json_weight(&json!(-1.5)), N);
        assert_eq!(estimate_json_weight(&json!(u64::MAX)), N);
        assert_eq!(estimate_json_weight(&json!("")), N);
        // "é" is 2 UTF-8 bytes, "😀" 4.
        assert_eq!(estimate_json_weight(&json!("aé😀")), N + 7);
        assert_eq!(estimate_json_weight(&json!([])), N);
        assert_eq!(estimate_json_weight(&json!([1, [2, "ab"]])), 5 * N + 2);
        assert_eq!(estimate_json_weight(&json!({})), N);
        assert_eq!(
            estimate_json_weight(&json!({"k": 1, "key2": {"é": null}})),
            // outer object + 2 members (keys 1 and 4 bytes) + 1 + inner object + 1 member
            // (key 2 bytes) + null
            N + (M + 1) + N + (M + 4) + N + (M + 2) + N
        );
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
    fn the_incremental_weigher_matches_in_any_walk_order() {
        let v = json!({"b": [true, "xyz"], "a": {"c": 1.25}});
        // A host walking members in insertion order and children depth-first.
        let mut w = JsonWeigher::new();
        w.object(2);
        w.member(1);
        w.array(2);
        w.scalar();
        w.string(3);
        w.member(1);
        w.object(1);
        w.member(1);
        w.scalar();
        assert_eq!(w.weight(), estimate_json_weight(&v));
    }

    #[cfg(target_pointer_width = "64")]
    #[test]
    fn fixed_weights_are_the_64_bit_sizes() {
        use crate::cache::TtlCache;
        // Key header + entry record (value, expiry, insert time, weight, recency) + LRU links.
        assert_eq!(
            TtlCache::<std::sync::Arc<Value>>::ENTRY_OVERHEAD,
            std::mem::size_of::<Box<str>>()
                + 8
                + 16
                + 16
                + 8
                + 8
                + 4 * std::mem::size_of::<usize>()
        );
        assert_eq!(JSON_NODE_WEIGHT, std::mem::size_of::<Value>());
        assert_eq!(
            JSON_MEMBER_WEIGHT,
            std::mem::size_of::<String>() + 2 * std::mem::size_of::<usize>()
        );
    }

    #[test]
    fn weight_saturates_instead_of_overflowing() {
        let mut w = JsonWeigher::new();
        w.string(usize::MAX);
        w.scalar();
        assert_eq!(w.weight(), usize::MAX);
    }
}
