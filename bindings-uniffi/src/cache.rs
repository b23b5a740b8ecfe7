//! CacheManager for Kotlin/Swift: JSON text values over the core's `CacheManager`
//! (LRU + TTL per `CacheType` + byte budget + stats + single-flight `getOrFetch`).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use mantra_sdk as sdk;
use sdk::CacheType;

use crate::clock::{enter, host_call, tracked, HostCall, ManualClock, VirtualTime};
use crate::error::{guard, guard_async, FfiResult, MantraException};
use crate::util::{parse_json, to_u64, to_usize};

/// What a cached value is; each type has its own TTL and can be cleared on its own.
#[uniffi::remote(Enum)]
pub enum CacheType {
    /// DEX pool state.
    PoolInfo = 0,
    /// Account balances.
    Balance = 1,
    /// Blocks and block results.
    Block = 2,
    /// Node `/status`.
    NodeStatus = 3,
    /// CosmWasm smart-query results.
    ContractQuery = 4,
    /// Swap simulations.
    Simulation = 5,
    /// Anything else.
    Generic = 6,
}

/// Configuration of a [`CacheManager`]. Every field is optional: `null`/`nil` means the
/// core default (`max_entries` 10 000, `default_ttl` 300 s, `enable_stats` true,
/// `cleanup_interval` 60 s, `max_memory_bytes` 100 MiB). `CacheManager.config()` returns
/// the effective values.
#[derive(Debug, Clone, Default, PartialEq, uniffi::Record)]
pub struct CacheConfig {
    /// Maximum number of entries (> 0).
    #[uniffi(default)]
    pub max_entries: Option<u64>,
    /// TTL of every cache type without an entry in `ttl_by_type` (> 0).
    #[uniffi(default)]
    pub default_ttl: Option<Duration>,
    /// Keep hit/miss/eviction counters.
    #[uniffi(default)]
    pub enable_stats: Option<bool>,
    /// Period of the background sweep that drops expired entries (> 0).
    #[uniffi(default)]
    pub cleanup_interval: Option<Duration>,
    /// Byte budget over all entries' weights (> 0).
    #[uniffi(default)]
    pub max_memory_bytes: Option<u64>,
    /// TTL per cache type, overriding `default_ttl` (each > 0).
    #[uniffi(default)]
    pub ttl_by_type: HashMap<CacheType, Duration>,
}

impl CacheConfig {
    fn to_core(&self) -> sdk::CacheConfig {
        let d = sdk::CacheConfig::default();
        sdk::CacheConfig {
            max_entries: self.max_entries.map(to_usize).unwrap_or(d.max_entries),
            default_ttl: self.default_ttl.unwrap_or(d.default_ttl),
            enable_stats: self.enable_stats.unwrap_or(d.enable_stats),
            cleanup_interval: self.cleanup_interval.unwrap_or(d.cleanup_interval),
            max_memory_bytes: self
                .max_memory_bytes
                .map(to_usize)
                .unwrap_or(d.max_memory_bytes),
        }
    }
}

/// Counters (since creation or `resetStats`) and current size of a cache. With
/// `enableStats = false` the counters stay 0; `entries` and `memoryBytes` are always set.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct CacheStats {
    /// Lookups that found a live entry.
    pub hits: u64,
    /// Lookups that found nothing or an expired entry.
    pub misses: u64,
    /// Entries stored (new keys and replacements).
    pub insertions: u64,
    /// Live entries evicted to make room (`evictionsCapacity + evictionsSize`).
    pub evictions: u64,
    /// Evictions because `maxEntries` was exceeded.
    pub evictions_capacity: u64,
    /// Evictions because `maxMemoryBytes` was exceeded.
    pub evictions_size: u64,
    /// Entries removed because their TTL had passed.
    pub expirations: u64,
    /// Values refused because their weight alone exceeds `maxMemoryBytes`.
    pub rejected: u64,
    /// Entries currently stored (expired ones count until removed).
    pub entries: u64,
    /// Sum of the stored entries' weights, in bytes.
    pub memory_bytes: u64,
    /// `hits / (hits + misses)`, 0.0 before any lookup.
    pub hit_rate: f64,
}

impl From<sdk::CacheStats> for CacheStats {
    fn from(s: sdk::CacheStats) -> Self {
        Self {
            hits: s.hits,
            misses: s.misses,
            insertions: s.insertions,
            evictions: s.evictions,
            evictions_capacity: s.evictions_capacity,
            evictions_size: s.evictions_size,
            expirations: s.expirations,
            rejected: s.rejected,
            entries: s.entries,
            memory_bytes: s.memory_bytes,
            hit_rate: s.hit_rate,
        }
    }
}

/// Loads a value on a cache miss (Kotlin `suspend fun fetch(): String`, Swift
/// `func fetch() async throws -> String`): return JSON text, or throw. Called once per
/// key for all concurrent `getOrFetch` callers; a thrown exception reaches every waiting
/// caller and nothing is cached.
#[uniffi::export(with_foreign)]
#[async_trait::async_trait]
pub trait CacheFetcher: Send + Sync {
    /// Produces the value, as JSON text.
    async fn fetch(&self) -> Result<String, MantraException>;
}

/// The SDK's cache: JSON values (as text) under `(type, key)`, LRU-evicted under
/// `maxEntries` and `maxMemoryBytes`, expiring after the type's TTL. Every method except
/// `getOrFetch` is synchronous (no I/O). An entry's weight is the core's estimate of the
/// parsed JSON value plus the key and a fixed overhead (`cacheEntryWeight`).
#[derive(uniffi::Object)]
pub struct CacheManager {
    inner: sdk::CacheManager,
    vt: Option<Arc<VirtualTime>>,
}

impl CacheManager {
    pub(crate) fn build(config: CacheConfig, clock: Option<&ManualClock>) -> FfiResult<Arc<Self>> {
        let core = config.to_core();
        let vt = clock.map(ManualClock::virtual_time);
        let _rt = enter(vt.as_ref());
        let inner = match clock {
            Some(clock) => sdk::CacheManager::with_clock(core, clock.shared())?,
            None => sdk::CacheManager::try_new(core)?,
        };
        for (ty, ttl) in &config.ttl_by_type {
            if let Err(e) = inner.set_type_ttl(*ty, *ttl) {
                inner.close();
                return Err(e.into());
            }
        }
        Ok(Arc::new(Self { inner, vt }))
    }

    /// Wraps an existing core cache (e.g. a client's).
    #[allow(dead_code)]
    pub(crate) fn wrap(inner: sdk::CacheManager) -> Arc<Self> {
        Arc::new(Self { inner, vt: None })
    }
}

#[uniffi::export(async_runtime = "tokio")]
impl CacheManager {
    /// A cache with `config` (all defaults when omitted). Throws `InvalidConfig` naming the
    /// field for a zero limit or duration, `InvalidArgument` for a zero `ttlByType` entry.
    #[uniffi::constructor(default(config))]
    pub fn new(config: CacheConfig) -> FfiResult<Arc<Self>> {
        guard(|| Self::build(config, None))
    }

    /// A cache whose TTLs and cleanup loop run on `clock` (virtual time, for tests).
    #[uniffi::constructor]
    pub fn with_clock(config: CacheConfig, clock: Arc<ManualClock>) -> FfiResult<Arc<Self>> {
        guard(|| Self::build(config, Some(&clock)))
    }

    /// The effective configuration, with the TTL of every cache type in `ttlByType`.
    pub fn config(&self) -> CacheConfig {
        let c = self.inner.config();
        CacheConfig {
            max_entries: Some(to_u64(c.max_entries)),
            default_ttl: Some(c.default_ttl),
            enable_stats: Some(c.enable_stats),
            cleanup_interval: Some(c.cleanup_interval),
            max_memory_bytes: Some(to_u64(c.max_memory_bytes)),
            ttl_by_type: CacheType::ALL
                .iter()
                .map(|t| (*t, self.inner.type_ttl(*t)))
                .collect(),
        }
    }

    /// Stores `value_json` (JSON text) under `(cache_type, key)` with the type's TTL,
    /// evicting least-recently-used entries until both limits hold. Throws `Decode` if the
    /// value is not JSON, `CapacityExceeded` if it alone exceeds `maxMemoryBytes`.
    pub fn put(&self, key: String, value_json: String, cache_type: CacheType) -> FfiResult<()> {
        guard(|| {
            let value = parse_json(&value_json, "cache value")?;
            Ok(self.inner.put_value(key, value, cache_type)?)
        })
    }

    /// Like `put`, with a TTL for this entry only (zero throws `InvalidArgument`).
    pub fn put_with_ttl(
        &self,
        key: String,
        value_json: String,
        cache_type: CacheType,
        ttl: Duration,
    ) -> FfiResult<()> {
        guard(|| {
            let value = parse_json(&value_json, "cache value")?;
            Ok(self.inner.put_value_with_ttl(key, value, cache_type, ttl)?)
        })
    }

    /// The live value as JSON text, or null/nil when absent or expired. A hit refreshes
    /// the entry's recency.
    pub fn get(&self, key: String, cache_type: CacheType) -> Option<String> {
        self.inner
            .get_value(&key, cache_type)
            .map(|v| v.to_string())
    }

    /// Whether a live entry exists (recency and counters unchanged).
    pub fn contains(&self, key: String, cache_type: CacheType) -> bool {
        self.inner.contains(&key, cache_type)
    }

    /// Removes one entry; returns whether it was stored.
    pub fn remove(&self, key: String, cache_type: CacheType) -> bool {
        self.inner.remove(&key, cache_type)
    }

    /// Removes every entry.
    pub fn clear(&self) {
        self.inner.clear()
    }

    /// Removes every entry of one type; returns how many.
    pub fn clear_type(&self, cache_type: CacheType) -> u64 {
        to_u64(self.inner.clear_type(cache_type))
    }

    /// Removes expired entries now; returns how many.
    pub fn cleanup(&self) -> u64 {
        to_u64(self.inner.cleanup())
    }

    /// Entries stored (expired ones count until a lookup or cleanup removes them).
    pub fn len(&self) -> u64 {
        to_u64(self.inner.len())
    }

    /// Whether nothing is stored.
    pub fn is_empty(&self) -> bool {
        self.inner.is_empty()
    }

    /// Sum of the entries' weights, in bytes.
    pub fn memory_bytes(&self) -> u64 {
        to_u64(self.inner.memory_bytes())
    }

    /// Counters and size.
    pub fn stats(&self) -> CacheStats {
        self.inner.stats().into()
    }

    /// Zeroes the counters.
    pub fn reset_stats(&self) {
        self.inner.reset_stats()
    }

    /// Overrides one type's TTL for later puts (zero throws `InvalidArgument`).
    pub fn set_type_ttl(&self, cache_type: CacheType, ttl: Duration) -> FfiResult<()> {
        guard(|| Ok(self.inner.set_type_ttl(cache_type, ttl)?))
    }

    /// The TTL that puts of `cache_type` get.
    pub fn type_ttl(&self, cache_type: CacheType) -> Duration {
        self.inner.type_ttl(cache_type)
    }

    /// Keys being loaded by `getOrFetch` right now.
    pub fn in_flight(&self) -> u64 {
        to_u64(self.inner.in_flight())
    }

    /// Stops the periodic cleanup loop (idempotent); the cache stays usable.
    /// (The core's `close`; Kotlin's `close()` is `AutoCloseable`'s and releases the object.)
    #[uniffi::method(name = "shutdown")]
    pub fn close(&self) {
        self.inner.close()
    }

    /// Whether `shutdown()` was called.
    pub fn is_closed(&self) -> bool {
        self.inner.is_closed()
    }

    /// The cached value, or `fetcher`'s result (cached with the type's TTL and returned).
    /// Concurrent callers for the same key share one fetch; a fetch error (thrown by the
    /// fetcher, or `Decode` when it returned no JSON) reaches every waiting caller and is
    /// not cached. A value too heavy to cache is still returned.
    pub async fn get_or_fetch(
        &self,
        key: String,
        cache_type: CacheType,
        fetcher: Arc<dyn CacheFetcher>,
    ) -> FfiResult<String> {
        let vt = self.vt.clone();
        let fut = async {
            let v = self
                .inner
                .get_or_fetch_value(&key, cache_type, move || {
                    let call = HostCall::start(vt.as_ref());
                    async move {
                        let text = host_call(vt, call, fetcher.fetch())
                            .await
                            .map_err(sdk::Error::from)?;
                        parse_json(&text, "fetched cache value")
                    }
                })
                .await?;
            Ok(v.to_string())
        };
        guard_async(tracked(self.vt.as_ref(), fut)).await
    }
}

/// Bytes a cache entry `(key, value_json)` is charged against `maxMemoryBytes`: the core's
/// estimate of the parsed value plus the key and a fixed per-entry overhead (what `put`
/// charges). Throws `Decode` if the value is not JSON.
#[uniffi::export]
pub fn cache_entry_weight(key: String, value_json: String) -> FfiResult<u64> {
    guard(|| {
        let value = parse_json(&value_json, "cache value")?;
        let w = sdk::estimate_json_weight(&value);
        Ok(to_u64(sdk::TtlCache::<Arc<serde_json::Value>>::charge(
            &key, w,
        )))
    })
}

/// The core's weight estimate of a JSON value, in bytes (without key and entry overhead;
/// see `cacheEntryWeight`). Throws `Decode` if `json` is not JSON.
#[uniffi::export]
pub fn estimate_json_weight(json: String) -> FfiResult<u64> {
    guard(|| {
        Ok(to_u64(sdk::estimate_json_weight(&parse_json(
            &json, "value",
        )?)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    struct CountingFetcher {
        calls: AtomicUsize,
        reply: Result<String, MantraException>,
    }

    #[async_trait::async_trait]
    impl CacheFetcher for CountingFetcher {
        async fn fetch(&self) -> Result<String, MantraException> {
            self.calls.fetch_add(1, Ordering::SeqCst);
            tokio::task::yield_now().await;
            self.reply.clone()
        }
    }

    #[test]
    fn unset_fields_take_the_core_defaults() {
        assert_eq!(
            CacheConfig::default().to_core(),
            sdk::CacheConfig::default()
        );
        let cache = CacheManager::new(CacheConfig {
            max_entries: Some(5),
            ttl_by_type: HashMap::from([(CacheType::Block, Duration::from_secs(7))]),
            ..Default::default()
        })
        .unwrap();
        let c = cache.config();
        assert_eq!(c.max_entries, Some(5));
        assert_eq!(c.default_ttl, Some(Duration::from_secs(300)));
        assert_eq!(c.ttl_by_type[&CacheType::Block], Duration::from_secs(7));
        assert_eq!(c.ttl_by_type[&CacheType::Generic], Duration::from_secs(300));
        assert_eq!(c.ttl_by_type.len(), CacheType::ALL.len());
        assert_eq!(c.to_core().max_memory_bytes, 100 * 1024 * 1024);
    }

    #[test]
    fn bad_config_and_bad_values_are_typed_errors() {
        let e = CacheManager::new(CacheConfig {
            max_entries: Some(0),
            ..Default::default()
        })
        .err()
        .unwrap();
        assert_eq!(e.code(), "invalid_config");
        assert!(e.reason().contains("max_entries"), "{e}");
        let e = CacheManager::new(CacheConfig {
            ttl_by_type: HashMap::from([(CacheType::Balance, Duration::ZERO)]),
            ..Default::default()
        })
        .err()
        .unwrap();
        assert_eq!(e.code(), "invalid_argument");
        assert!(e.reason().contains("balance"), "{e}");

        let cache = CacheManager::new(CacheConfig::default()).unwrap();
        let e = cache
            .put("k".into(), "{not json".into(), CacheType::Generic)
            .unwrap_err();
        assert_eq!(e.code(), "decode");
        assert!(e.reason().contains("cache value must be JSON text"), "{e}");
        assert_eq!(
            estimate_json_weight("[".into()).unwrap_err().code(),
            "decode"
        );
    }

    #[test]
    fn values_round_trip_as_json_text_with_core_semantics() {
        let clock = ManualClock::new();
        let cache = CacheManager::with_clock(
            CacheConfig {
                default_ttl: Some(Duration::from_secs(1)),
                ..Default::default()
            },
            clock.clone(),
        )
        .unwrap();
        cache
            .put(
                "a".into(),
                r#"{"x": [1, 2.5, "s"]}"#.into(),
                CacheType::Generic,
            )
            .unwrap();
        assert_eq!(
            cache.get("a".into(), CacheType::Generic).as_deref(),
            Some(r#"{"x":[1,2.5,"s"]}"#)
        );
        assert_eq!(cache.get("a".into(), CacheType::Block), None);
        let s = cache.stats();
        assert_eq!((s.hits, s.misses, s.entries), (1, 1, 1));
        assert_eq!(s.memory_bytes, cache.memory_bytes());
        assert_eq!(
            cache_entry_weight("a".into(), r#"{"x":[1,2.5,"s"]}"#.into()).unwrap(),
            cache.memory_bytes()
        );
        assert!(cache.remove("a".into(), CacheType::Generic));
        assert!(cache.is_empty());
    }

    #[tokio::test(flavor = "current_thread")]
    async fn get_or_fetch_loads_once_and_maps_errors() {
        let cache = CacheManager::new(CacheConfig::default()).unwrap();
        let f = Arc::new(CountingFetcher {
            calls: AtomicUsize::new(0),
            reply: Ok("{\"v\":1}".into()),
        });
        let (a, b) = tokio::join!(
            cache.get_or_fetch("k".into(), CacheType::Generic, f.clone()),
            cache.get_or_fetch("k".into(), CacheType::Generic, f.clone()),
        );
        assert_eq!(a.unwrap(), "{\"v\":1}");
        assert_eq!(b.unwrap(), "{\"v\":1}");
        assert_eq!(f.calls.load(Ordering::SeqCst), 1);

        let bad = Arc::new(CountingFetcher {
            calls: AtomicUsize::new(0),
            reply: Ok("nope".into()),
        });
        let e = cache
            .get_or_fetch("x".into(), CacheType::Generic, bad)
            .await
            .unwrap_err();
        assert_eq!(e.code(), "decode");
        let failing = Arc::new(CountingFetcher {
            calls: AtomicUsize::new(0),
            reply: Err(MantraException::Transport {
                reason: "down".into(),
                status: Some(503),
                retry_after: None,
            }),
        });
        let e = cache
            .get_or_fetch("y".into(), CacheType::Generic, failing)
            .await
            .unwrap_err();
        assert!(
            matches!(
                e,
                MantraException::Transport {
                    status: Some(503),
                    ..
                }
            ),
            "{e:?}"
        );
        assert!(!cache.contains("y".into(), CacheType::Generic));
    }
}
