//! Cache keys: one owned string per entry, `[type byte][key]`, so that lookups by
//! `(CacheType, &str)` hash and compare a single `str` — no trait objects, no allocation.
//!
//! A lookup assembles `[type byte][key]` in a stack buffer (keys up to
//! [`STACK_KEY_BYTES`] − 1 bytes; longer keys fall back to one heap allocation) and uses
//! `lru`'s `get<Q: ?Sized>` with `CacheKey: Borrow<str>`. The engine's store is generic
//! over the key type, so a future fast path keyed by pre-interned `(CacheType, u32)` ids
//! needs no change to the eviction/TTL logic.

use std::borrow::Borrow;

use super::config::CacheType;

/// Keys shorter than this are looked up without allocating.
pub(crate) const STACK_KEY_BYTES: usize = 128;

/// An owned cache key: a [`CacheType`] plus the caller's key string.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct CacheKey(Box<str>);

impl CacheKey {
    /// A key of type `ty`.
    pub fn new(ty: CacheType, key: &str) -> Self {
        let mut s = String::with_capacity(key.len() + 1);
        s.push(char::from(ty as u8));
        s.push_str(key);
        Self(s.into_boxed_str())
    }

    /// A key of type `ty`, reusing `key`'s allocation when it has room for the prefix.
    pub fn from_string(ty: CacheType, key: String) -> Self {
        let mut s = key;
        s.insert(0, char::from(ty as u8));
        Self(s.into_boxed_str())
    }

    /// The cache type.
    #[inline]
    pub fn cache_type(&self) -> CacheType {
        // Invariant: the first byte is `ty as u8` (< 7), written by the constructors.
        let i = self.0.as_bytes().first().copied().unwrap_or(0) as usize;
        CacheType::ALL.get(i).copied().unwrap_or(CacheType::Generic)
    }

    /// The key string.
    #[inline]
    pub fn key(&self) -> &str {
        // The prefix is one ASCII byte, so index 1 is a char boundary.
        self.0.get(1..).unwrap_or("")
    }
}

impl std::fmt::Debug for CacheKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{:?}", self.cache_type(), self.key())
    }
}

impl Borrow<str> for CacheKey {
    #[inline]
    fn borrow(&self) -> &str {
        &self.0
    }
}

/// Calls `f` with the encoded form of `(ty, key)` — equal (and hashing equal) to the
/// `CacheKey` for it — built on the stack for short keys.
#[inline]
pub(crate) fn with_encoded<R>(ty: CacheType, key: &str, f: impl FnOnce(&str) -> R) -> R {
    let n = key.len();
    if n < STACK_KEY_BYTES {
        let mut buf = [0u8; STACK_KEY_BYTES];
        buf[0] = ty as u8;
        buf[1..=n].copy_from_slice(key.as_bytes());
        // SAFETY: `buf[0]` is an ASCII byte (< 0x80) and `buf[1..=n]` is a copy of a `str`,
        // so `buf[..=n]` is valid UTF-8.
        let s = unsafe { std::str::from_utf8_unchecked(&buf[..=n]) };
        f(s)
    } else {
        let k = CacheKey::new(ty, key);
        f(&k.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::BuildHasher;

    #[test]
    fn owned_and_encoded_keys_hash_and_compare_alike() {
        let s = std::collections::hash_map::RandomState::new();
        for key in ["", "addr1", &"x".repeat(STACK_KEY_BYTES + 5), "ünï"] {
            for ty in CacheType::ALL {
                let owned = CacheKey::new(ty, key);
                assert_eq!(owned.cache_type(), ty);
                assert_eq!(owned.key(), key);
                assert_eq!(owned, CacheKey::from_string(ty, key.to_string()));
                with_encoded(ty, key, |enc| {
                    let b: &str = owned.borrow();
                    assert_eq!(b, enc);
                    assert_eq!(s.hash_one(&owned), s.hash_one(enc));
                });
            }
        }
        assert_ne!(
            CacheKey::new(CacheType::Balance, "a"),
            CacheKey::new(CacheType::Block, "a")
        );
    }
}
