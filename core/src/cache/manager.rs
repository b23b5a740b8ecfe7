//! [`CacheManager`]: the seed's typed cache API over [`TtlCache`], storing JSON values.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use super::config::{CacheConfig, CacheType};
use super::engine::TtlCache;
use super::key::CacheKey;
use super::loader::CacheLoader;
use super::stats::CacheStats;
use super::weight::estimate_json_weight;
use crate::error::{Error, Result};
use crate::rpc::serde_util::{base64_decode, base64_encode};
use crate::runtime::{self, BackgroundTask, SendOutsideWasm, SharedClock};

struct Inner {
    cache: Arc<TtlCache<Arc<Value>>>,
    loader: CacheLoader<Arc<Value>>,
    cleanup: Mutex<Option<BackgroundTask>>,
}

/// The SDK's cache: JSON-compatible values under `(CacheType, key)`, LRU-evicted under
/// `max_entries` and `max_memory_bytes`, expiring after the type's TTL, with stats,
/// a periodic cleanup loop, single-flight [`get_or_fetch`](Self::get_or_fetch) and
/// stale-while-revalidate [`get_or_fetch_swr`](Self::get_or_fetch_swr).
///
/// Values are stored as `Arc<serde_json::Value>`; an entry's weight is
/// [`estimate_json_weight`] of the value + the key's UTF-8 bytes + a
/// fixed per-entry overhead ([`TtlCache::ENTRY_OVERHEAD`]); see
/// [`entry_weight`](Self::entry_weight). Expiry is exact on the clock: an entry put at `t` with
/// TTL `d` is a miss from `t + d` on. A cheap `Clone` handle; the cleanup loop stops on
/// [`close`](Self::close) or when the last handle is dropped.
#[derive(Clone)]
pub struct CacheManager {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for CacheManager {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CacheManager")
            .field("cache", &self.inner.cache)
            .field("closed", &self.is_closed())
            .finish()
    }
}

impl CacheManager {
    /// A cache on the platform clock. Panics with the validation message if `config` is
    /// invalid (use [`try_new`](Self::try_new) to get the error instead).
    pub fn new(config: CacheConfig) -> Self {
        match Self::try_new(config) {
            Ok(c) => c,
            Err(e) => panic!("{e}"),
        }
    }

    /// A cache on the platform's cheap clock ([`runtime::fast_clock`]).
    pub fn try_new(config: CacheConfig) -> Result<Self> {
        Self::with_clock(config, runtime::fast_clock())
    }

    /// A cache reading `clock` (e.g. a [`ManualClock`](crate::ManualClock) in tests).
    /// Starts the cleanup loop on that clock.
    pub fn with_clock(config: CacheConfig, clock: SharedClock) -> Result<Self> {
        let cache = Arc::new(TtlCache::new(config, clock)?);
        let task = cache.spawn_cleanup();
        Ok(Self {
            inner: Arc::new(Inner {
                loader: CacheLoader::new(cache.clone()),
                cache,
                cleanup: Mutex::new(Some(task)),
            }),
        })
    }

    /// The underlying engine (shared with this manager).
    pub fn engine(&self) -> &TtlCache<Arc<Value>> {
        &self.inner.cache
    }

    #[cfg(test)]
    pub(crate) fn inner_engine_for_tests(&self) -> Arc<TtlCache<Arc<Value>>> {
        self.inner.cache.clone()
    }

    /// The configuration.
    pub fn config(&self) -> &CacheConfig {
        self.inner.cache.config()
    }

    /// Bytes an entry `key` → `value` is charged against `max_memory_bytes`:
    /// `key.len() + estimate_json_weight(value) + ENTRY_OVERHEAD` — the same in every binding.
    pub fn entry_weight(key: &str, value: &Value) -> usize {
        TtlCache::<Arc<Value>>::charge(key, estimate_json_weight(value))
    }

    // ----- typed API (the seed's) -----

    /// Stores `value` (serialized to JSON) under `(cache_type, key)` with the type's TTL.
    /// Never fails: a value that cannot be encoded or is heavier than `max_memory_bytes` is
    /// not stored and counted in `stats().rejected`. Use [`try_put`](Self::try_put) to get
    /// the error.
    pub async fn put<T: Serialize + ?Sized>(
        &self,
        key: impl AsRef<str>,
        value: &T,
        cache_type: CacheType,
    ) {
        let _ = self.try_put(key, value, cache_type);
    }

    /// The value under `(cache_type, key)` decoded as `T`; `None` when absent, expired, or
    /// not decodable as `T` (see [`try_get`](Self::try_get)).
    pub async fn get<T: DeserializeOwned>(&self, key: &str, cache_type: CacheType) -> Option<T> {
        self.try_get(key, cache_type).ok().flatten()
    }

    /// Stores `value` with the type's TTL; `Err(Encode)` if it cannot be serialized,
    /// `Err(CapacityExceeded)` if its weight alone exceeds `max_memory_bytes`.
    pub fn try_put<T: Serialize + ?Sized>(
        &self,
        key: impl AsRef<str>,
        value: &T,
        cache_type: CacheType,
    ) -> Result<()> {
        let value = self.encode(value)?;
        self.put_value(key, value, cache_type)
    }

    /// Like [`try_put`](Self::try_put) with a TTL for this entry only (zero rejected).
    pub fn put_with_ttl<T: Serialize + ?Sized>(
        &self,
        key: impl AsRef<str>,
        value: &T,
        cache_type: CacheType,
        ttl: Duration,
    ) -> Result<()> {
        let value = self.encode(value)?;
        self.put_value_with_ttl(key, value, cache_type, ttl)
    }

    /// The value decoded as `T`: `Ok(None)` when absent or expired, `Err(Decode)` when the
    /// stored JSON does not fit `T`.
    pub fn try_get<T: DeserializeOwned>(
        &self,
        key: &str,
        cache_type: CacheType,
    ) -> Result<Option<T>> {
        match self.get_value(key, cache_type) {
            None => Ok(None),
            Some(v) => T::deserialize(&*v)
                .map(Some)
                .map_err(|e| Error::Decode(e.to_string())),
        }
    }

    fn encode<T: Serialize + ?Sized>(&self, value: &T) -> Result<Value> {
        serde_json::to_value(value).map_err(|e| {
            self.inner.cache.note_rejected();
            Error::Encode(e.to_string())
        })
    }

    // ----- raw JSON API (bindings) -----

    /// Stores a JSON value with the type's TTL (`Err(CapacityExceeded)` if too heavy).
    pub fn put_value(
        &self,
        key: impl AsRef<str>,
        value: impl Into<Arc<Value>>,
        cache_type: CacheType,
    ) -> Result<()> {
        let value = value.into();
        let w = estimate_json_weight(&value);
        self.inner.cache.insert(cache_type, key, value, w)
    }

    /// Stores a JSON value with its own TTL (zero rejected).
    pub fn put_value_with_ttl(
        &self,
        key: impl AsRef<str>,
        value: impl Into<Arc<Value>>,
        cache_type: CacheType,
        ttl: Duration,
    ) -> Result<()> {
        let value = value.into();
        let w = estimate_json_weight(&value);
        self.inner
            .cache
            .insert_with_ttl(cache_type, key, value, w, ttl)
    }

    /// Stores raw bytes with the type's TTL, as a JSON string holding their standard
    /// base64 (the way CometBFT's JSON carries bytes), so they weigh and expire like any
    /// other value and [`get_value`](Self::get_value) sees the base64 string.
    pub fn put_bytes(
        &self,
        key: impl AsRef<str>,
        bytes: &[u8],
        cache_type: CacheType,
    ) -> Result<()> {
        self.put_value(key, Value::String(base64_encode(bytes)), cache_type)
    }

    /// The live bytes stored by [`put_bytes`](Self::put_bytes) (refreshing recency); `None`
    /// when absent or expired; `Err(Decode)` when the entry holds a value that is not a
    /// base64 string (the entry is left as it is).
    pub fn get_bytes(&self, key: &str, cache_type: CacheType) -> Result<Option<Vec<u8>>> {
        match self.get_value(key, cache_type) {
            None => Ok(None),
            Some(v) => match v.as_str() {
                Some(text) => base64_decode(text).map(Some),
                None => Err(Error::Decode(format!(
                    "cache entry {key:?} holds JSON, not bytes"
                ))),
            },
        }
    }

    /// The live JSON value under `(cache_type, key)`, refreshing its recency.
    #[inline]
    pub fn get_value(&self, key: &str, cache_type: CacheType) -> Option<Arc<Value>> {
        self.inner.cache.get(cache_type, key)
    }

    /// Whether a live entry exists (recency and counters unchanged).
    pub fn contains(&self, key: &str, cache_type: CacheType) -> bool {
        self.inner.cache.contains(cache_type, key)
    }

    /// Removes one entry; returns whether it was stored.
    pub fn remove(&self, key: &str, cache_type: CacheType) -> bool {
        self.inner.cache.remove(cache_type, key).is_some()
    }

    /// Removes every entry.
    pub fn clear(&self) {
        self.inner.cache.clear()
    }

    /// Removes every entry of one type; returns how many.
    pub fn clear_type(&self, cache_type: CacheType) -> usize {
        self.inner.cache.clear_type(cache_type)
    }

    /// Removes expired entries now; returns how many.
    pub fn cleanup(&self) -> usize {
        self.inner.cache.cleanup()
    }

    /// Entries stored (expired ones count until removed).
    pub fn len(&self) -> usize {
        self.inner.cache.len()
    }

    /// Whether nothing is stored.
    pub fn is_empty(&self) -> bool {
        self.inner.cache.is_empty()
    }

    /// Sum of entry weights in bytes.
    pub fn memory_bytes(&self) -> usize {
        self.inner.cache.memory_bytes()
    }

    /// Counters and size.
    pub fn stats(&self) -> CacheStats {
        self.inner.cache.stats()
    }

    /// Zeroes the counters.
    pub fn reset_stats(&self) {
        self.inner.cache.reset_stats()
    }

    /// Overrides one type's TTL for later puts (zero rejected).
    pub fn set_type_ttl(&self, cache_type: CacheType, ttl: Duration) -> Result<()> {
        self.inner.cache.set_type_ttl(cache_type, ttl)
    }

    /// The TTL puts of `cache_type` get.
    pub fn type_ttl(&self, cache_type: CacheType) -> Duration {
        self.inner.cache.type_ttl(cache_type)
    }

    /// Stops the periodic cleanup loop (idempotent). The cache stays usable; expired
    /// entries are still dropped when looked up or by [`cleanup`](Self::cleanup).
    pub fn close(&self) {
        if let Some(task) = self.inner.cleanup.lock().take() {
            task.stop();
        }
    }

    /// Whether [`close`](Self::close) was called.
    pub fn is_closed(&self) -> bool {
        self.inner.cleanup.lock().is_none()
    }

    // ----- loading -----

    /// The cached value, or `fetcher`'s result, cached with the type's TTL and returned.
    /// Concurrent callers for the same `(cache_type, key)` share one fetch; an error goes to
    /// every current waiter and is not cached; if the fetching caller is dropped, a waiter
    /// fetches instead (nobody hangs). A value too heavy to cache is still returned.
    pub async fn get_or_fetch<T, F, Fut>(
        &self,
        key: &str,
        cache_type: CacheType,
        fetcher: F,
    ) -> Result<T>
    where
        T: Serialize + DeserializeOwned,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        let v = self
            .get_or_fetch_value(key, cache_type, || async move {
                let t = fetcher().await?;
                serde_json::to_value(&t).map_err(|e| Error::Encode(e.to_string()))
            })
            .await?;
        T::deserialize(&*v).map_err(|e| Error::Decode(e.to_string()))
    }

    /// [`get_or_fetch`](Self::get_or_fetch) for raw JSON values (bindings).
    pub async fn get_or_fetch_value<F, Fut>(
        &self,
        key: &str,
        cache_type: CacheType,
        fetcher: F,
    ) -> Result<Arc<Value>>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Value>>,
    {
        self.inner
            .loader
            .get_or_fetch(key, cache_type, || async move {
                let value = Arc::new(fetcher().await?);
                let weight = estimate_json_weight(&value);
                Ok((value, weight))
            })
            .await
    }

    /// Stale-while-revalidate loading. A live entry younger than `refresh_after` is
    /// returned as is; an older live entry (stale, but before its TTL) is returned at once
    /// while `fetcher` refreshes it in a background task (single-flight with every other
    /// load of the key; a failed refresh leaves the stale value in place until its TTL);
    /// a miss loads like [`get_or_fetch`](Self::get_or_fetch). This is HTTP's
    /// `max-age = refresh_after`, `stale-while-revalidate = ttl - refresh_after`.
    pub async fn get_or_fetch_swr<T, F, Fut>(
        &self,
        key: &str,
        cache_type: CacheType,
        refresh_after: Duration,
        fetcher: F,
    ) -> Result<T>
    where
        T: Serialize + DeserializeOwned,
        F: FnOnce() -> Fut + SendOutsideWasm + 'static,
        Fut: Future<Output = Result<T>> + SendOutsideWasm + 'static,
    {
        let Some((v, age)) = self.inner.cache.get_with_age(cache_type, key) else {
            return self.get_or_fetch(key, cache_type, fetcher).await;
        };
        if age >= refresh_after {
            self.spawn_refresh(key, cache_type, refresh_after, fetcher);
        }
        T::deserialize(&*v).map_err(|e| Error::Decode(e.to_string()))
    }

    fn spawn_refresh<T, F, Fut>(
        &self,
        key: &str,
        cache_type: CacheType,
        refresh_after: Duration,
        fetcher: F,
    ) where
        T: Serialize,
        F: FnOnce() -> Fut + SendOutsideWasm + 'static,
        Fut: Future<Output = Result<T>> + SendOutsideWasm + 'static,
    {
        let flight_key = CacheKey::new(cache_type, key);
        if self.inner.loader.flights().is_in_flight(&flight_key) {
            return;
        }
        let this = self.clone();
        runtime::spawn(async move {
            let cache = &this.inner.cache;
            let key = flight_key.key.clone();
            let _ = this
                .inner
                .loader
                .flights()
                .run(flight_key, || async move {
                    // Refreshed meanwhile (e.g. by an earlier refresh task)? Then skip.
                    if let Some((v, age)) = cache.peek_with_age(cache_type, &key) {
                        if age < refresh_after {
                            return Ok(v);
                        }
                    }
                    let t = fetcher().await?;
                    let value = Arc::new(
                        serde_json::to_value(&t).map_err(|e| Error::Encode(e.to_string()))?,
                    );
                    let w = estimate_json_weight(&value);
                    let _ = cache.insert(cache_type, &key, value.clone(), w);
                    Ok(value)
                })
                .await;
        });
    }

    /// Number of keys being loaded right now (diagnostics).
    pub fn in_flight(&self) -> usize {
        self.inner.loader.in_flight()
    }
}
