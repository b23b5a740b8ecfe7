//! [`CacheKey`]: an owned `(CacheType, key)` pair (single-flight keys, diagnostics).
//!
//! The engine itself keeps one LRU map per [`CacheType`] keyed by the bare key string, so a
//! lookup by `(CacheType, &str)` indexes the type's map and hashes the `&str` directly — no
//! allocation, no key assembly. The store is generic over the key type, so a future fast
//! path keyed by pre-interned `u32` ids needs no change to the eviction/TTL logic.

use super::config::CacheType;

/// An owned cache key: a [`CacheType`] plus the caller's key string.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CacheKey {
    /// The cache type.
    pub cache_type: CacheType,
    /// The key string.
    pub key: Box<str>,
}

impl CacheKey {
    /// A key of type `cache_type`.
    pub fn new(cache_type: CacheType, key: &str) -> Self {
        Self {
            cache_type,
            key: key.into(),
        }
    }
}

impl std::fmt::Display for CacheKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.cache_type, self.key)
    }
}
