//! [`CacheLoader`]: single-flight loading through a [`TtlCache`] of any value type.

use std::future::Future;
use std::sync::Arc;

use super::config::CacheType;
use super::engine::TtlCache;
use super::key::CacheKey;
use super::single_flight::SingleFlight;
use crate::error::Result;

/// Loads values through a [`TtlCache`] with one fetch per key under concurrency: what
/// [`CacheManager::get_or_fetch`](super::CacheManager::get_or_fetch) does, for any value
/// type (the bindings use it with their host values). A cheap `Clone` handle.
pub struct CacheLoader<V> {
    cache: Arc<TtlCache<V>>,
    flights: SingleFlight<CacheKey, Result<V>>,
}

impl<V> Clone for CacheLoader<V> {
    fn clone(&self) -> Self {
        Self {
            cache: self.cache.clone(),
            flights: self.flights.clone(),
        }
    }
}

impl<V> std::fmt::Debug for CacheLoader<V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CacheLoader")
            .field("cache", &self.cache)
            .finish_non_exhaustive()
    }
}

impl<V: Clone> CacheLoader<V> {
    /// A loader over `cache`.
    pub fn new(cache: Arc<TtlCache<V>>) -> Self {
        Self {
            cache,
            flights: SingleFlight::new(),
        }
    }

    /// The cache it loads into.
    pub fn cache(&self) -> &Arc<TtlCache<V>> {
        &self.cache
    }

    /// The in-flight loads (shared with stale-while-revalidate refreshes).
    pub fn flights(&self) -> &SingleFlight<CacheKey, Result<V>> {
        &self.flights
    }

    /// Number of keys being loaded right now.
    pub fn in_flight(&self) -> usize {
        self.flights.in_flight()
    }

    /// The live value under `(cache_type, key)`, or else `fetcher`'s value, stored with the
    /// type's TTL (charged the weight `fetcher` gives) and returned. Concurrent callers for
    /// the same key share one fetch; an error goes to every current waiter and is not
    /// cached; if the fetching caller is dropped, a waiter fetches instead (nobody hangs).
    /// A value too heavy to cache is still returned (and counted in `rejected`).
    pub async fn get_or_fetch<F, Fut>(
        &self,
        key: &str,
        cache_type: CacheType,
        fetcher: F,
    ) -> Result<V>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<(V, usize)>>,
    {
        if let Some(v) = self.cache.get(cache_type, key) {
            return Ok(v);
        }
        let cache = &self.cache;
        self.flights
            .run(CacheKey::new(cache_type, key), || async move {
                // A flight that finished between our miss and now has stored the value.
                if let Some(v) = cache.peek(cache_type, key) {
                    return Ok(v);
                }
                let (value, weight) = fetcher().await?;
                // A refusal (too heavy) is counted in stats; the value is still returned.
                let _ = cache.insert(cache_type, key, value.clone(), weight);
                Ok(value)
            })
            .await
    }
}
