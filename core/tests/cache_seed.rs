//! The seed's cache snippet, as written, against the public crate API.

use std::sync::Arc;
use std::time::Duration;

use mantra_sdk::{CacheConfig, CacheManager, CacheType, ManualClock};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct PoolInfo {
    pool_id: String,
    total_share: String,
}

#[tokio::test]
async fn seed_cache_snippet() {
    let pool_info = PoolInfo {
        pool_id: "o.uom.uusdc".into(),
        total_share: "1000".into(),
    };

    let config = CacheConfig {
        max_entries: 10000,
        default_ttl: Duration::from_secs(300),
        enable_stats: true,
        cleanup_interval: Duration::from_secs(60),
        max_memory_bytes: 100 * 1024 * 1024, // 100MB
    };

    let cache = CacheManager::new(config);

    // Cache pool information
    cache
        .put("pool_123".to_string(), &pool_info, CacheType::PoolInfo)
        .await;

    // Retrieve cached data
    let cached_pool: Option<PoolInfo> = cache.get("pool_123", CacheType::PoolInfo).await;
    assert_eq!(cached_pool, Some(pool_info));
    let stats = cache.stats();
    assert_eq!((stats.hits, stats.entries), (1, 1));
    cache.close();
}

#[tokio::test(flavor = "current_thread")]
async fn typed_ttl_in_virtual_time_through_the_public_api() {
    let clock = ManualClock::new();
    let cache = CacheManager::with_clock(CacheConfig::default(), Arc::new(clock.clone())).unwrap();
    cache
        .set_type_ttl("node_status".parse().unwrap(), Duration::from_secs(5))
        .unwrap();
    cache
        .try_put("status", &42u64, CacheType::NodeStatus)
        .unwrap();
    clock.advance(Duration::from_secs(5)).await;
    assert_eq!(
        cache.get::<u64>("status", CacheType::NodeStatus).await,
        None
    );
    let json = serde_json::to_value(cache.stats()).unwrap();
    assert_eq!(json["expirations"], 1);
    assert_eq!(json["hit_rate"], 0.0);
}
