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
        self.load(key, cache_type, fetcher).await
    }

    /// The miss path of [`get_or_fetch`](Self::get_or_fetch), for callers that already
    /// looked the key up (a binding's synchronous hit path), so a miss is counted once:
    /// joins the key's flight or leads one that fetches, stores and returns the value.
    pub async fn load<F, Fut>(&self, key: &str, cache_type: CacheType, fetcher: F) -> Result<V>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<(V, usize)>>,
    {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::CacheConfig;
    use crate::runtime::{Clock, ManualClock};
    use crate::Error;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    fn loader(clock: &ManualClock) -> CacheLoader<u64> {
        let cache = TtlCache::new(CacheConfig::default(), Arc::new(clock.clone())).unwrap();
        CacheLoader::new(Arc::new(cache))
    }

    #[tokio::test(flavor = "current_thread")]
    async fn host_values_load_once_with_the_given_weight_and_one_counted_miss() {
        let clock = ManualClock::new();
        let l = loader(&clock);
        let fetches = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for _ in 0..4 {
            let (l, f, c) = (l.clone(), fetches.clone(), clock.clone());
            tasks.push(tokio::spawn(async move {
                l.get_or_fetch("k", CacheType::Block, || async move {
                    f.fetch_add(1, Ordering::SeqCst);
                    c.sleep(Duration::from_secs(1)).await;
                    Ok((7u64, 100))
                })
                .await
            }));
        }
        ManualClock::settle().await;
        assert_eq!(l.in_flight(), 1);
        clock.advance(Duration::from_secs(1)).await;
        for t in tasks {
            assert_eq!(t.await.unwrap(), Ok(7));
        }
        assert_eq!(fetches.load(Ordering::SeqCst), 1);
        let s = l.cache().stats();
        assert_eq!((s.misses, s.insertions, s.entries), (4, 1, 1));
        assert_eq!(s.memory_bytes as usize, TtlCache::<u64>::charge("k", 100));

        // `load` after the caller's own miss: that miss is the only one counted.
        assert_eq!(l.cache().get(CacheType::Block, "new"), None);
        let v = l
            .load("new", CacheType::Block, || async { Ok((9, 1)) })
            .await;
        assert_eq!(v, Ok(9));
        assert_eq!(l.cache().stats().misses, 5);
        // An error reaches the caller and is not cached.
        let e = l
            .load("bad", CacheType::Block, || async {
                Err::<(u64, usize), _>(Error::Host("boom".into()))
            })
            .await;
        assert_eq!(e, Err(Error::Host("boom".into())));
        assert!(!l.cache().contains(CacheType::Block, "bad"));
    }
}
