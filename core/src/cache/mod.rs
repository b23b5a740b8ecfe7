//! The cache: LRU (the `lru` crate) + TTL per [`CacheType`] + byte budget + stats,
//! a periodic cleanup loop on the pluggable clock, and single-flight loading.
//!
//! * [`CacheManager`] — the seed's API: typed values (JSON) under `(CacheType, key)`.
//! * [`TtlCache`] — the generic engine the bindings instantiate with their host values.
//! * [`SingleFlight`] — reusable in-flight deduplication (also used by the client).

mod config;
mod engine;
mod key;
mod loader;
mod manager;
mod single_flight;
mod stats;
mod store;
#[cfg(test)]
mod tests;
mod weight;

pub use config::{CacheConfig, CacheType};
pub use engine::TtlCache;
pub use key::CacheKey;
pub use loader::CacheLoader;
pub use manager::CacheManager;
pub use single_flight::SingleFlight;
pub use stats::CacheStats;
pub use weight::{estimate_json_weight, JsonWeigher, JSON_MEMBER_WEIGHT, JSON_NODE_WEIGHT};
