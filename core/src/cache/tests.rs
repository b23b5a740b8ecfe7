//! Behaviour tests of the cache in virtual time.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::*;
use crate::error::Error;
use crate::runtime::{Clock, ManualClock, SharedClock};

const SEC: Duration = Duration::from_secs(1);
const NS: Duration = Duration::from_nanos(1);

fn config() -> CacheConfig {
    CacheConfig {
        max_entries: 100,
        default_ttl: Duration::from_secs(10),
        enable_stats: true,
        cleanup_interval: Duration::from_secs(60),
        max_memory_bytes: 1 << 20,
    }
}

fn engine(cfg: CacheConfig) -> (ManualClock, TtlCache<u32>) {
    let clock = ManualClock::new();
    let shared: SharedClock = Arc::new(clock.clone());
    (clock, TtlCache::new(cfg, shared).unwrap())
}

fn manager(cfg: CacheConfig) -> (ManualClock, CacheManager) {
    let clock = ManualClock::new();
    let m = CacheManager::with_clock(cfg, Arc::new(clock.clone())).unwrap();
    (clock, m)
}

const T: CacheType = CacheType::Generic;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct PoolInfo {
    pool_id: String,
    assets: Vec<String>,
    total_share: String,
}

fn pool_info() -> PoolInfo {
    PoolInfo {
        pool_id: "o.uom.uusdc".into(),
        assets: vec!["uom".into(), "uusdc".into()],
        total_share: "1000000".into(),
    }
}

#[tokio::test(flavor = "current_thread")]
async fn seed_usage_compiles_and_round_trips() {
    let config = CacheConfig {
        max_entries: 10000,
        default_ttl: Duration::from_secs(300),
        enable_stats: true,
        cleanup_interval: Duration::from_secs(60),
        max_memory_bytes: 100 * 1024 * 1024, // 100MB
    };
    let cache = CacheManager::new(config);
    let pool_info = pool_info();
    cache
        .put("pool_123".to_string(), &pool_info, CacheType::PoolInfo)
        .await;
    let cached_pool: Option<PoolInfo> = cache.get("pool_123", CacheType::PoolInfo).await;
    assert_eq!(cached_pool, Some(pool_info));
    let other_type: Option<PoolInfo> = cache.get("pool_123", CacheType::Balance).await;
    assert_eq!(other_type, None);
    cache.close();
}

#[test]
fn constructors_validate_the_config() {
    let bad = CacheConfig {
        max_entries: 0,
        ..config()
    };
    match CacheManager::try_new(bad.clone()) {
        Err(Error::InvalidConfig { field, .. }) => assert_eq!(field, "max_entries"),
        other => panic!("expected InvalidConfig, got {other:?}"),
    }
    let clock: SharedClock = Arc::new(ManualClock::new());
    assert!(matches!(
        TtlCache::<u32>::new(bad.clone(), clock),
        Err(Error::InvalidConfig { .. })
    ));
    let panic = std::panic::catch_unwind(|| CacheManager::new(bad)).unwrap_err();
    let msg = panic.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(msg.contains("max_entries"), "{msg}");
}

#[tokio::test(flavor = "current_thread")]
async fn entry_expires_exactly_at_insert_plus_ttl() {
    let (clock, c) = engine(config());
    clock.advance(SEC * 3).await; // insert at a non-zero time
    c.insert(T, "k", 1, 0).unwrap();
    clock.advance(Duration::from_secs(10) - NS).await;
    assert_eq!(c.get(T, "k"), Some(1), "live one nanosecond before the TTL");
    clock.advance(NS).await;
    assert_eq!(c.get(T, "k"), None, "expired at exactly insert + ttl");
    let s = c.stats();
    assert_eq!((s.hits, s.misses, s.expirations), (1, 1, 1));
    assert_eq!((s.entries, s.memory_bytes), (0, 0), "expired entry removed");
}

#[tokio::test(flavor = "current_thread")]
async fn manager_ttl_boundary_and_peek_do_not_serve_expired() {
    let (clock, m) = manager(config());
    m.put_value("k", json!(1), T).unwrap();
    clock.advance(Duration::from_secs(10) - NS).await;
    assert!(m.contains("k", T));
    clock.advance(NS).await;
    assert!(!m.contains("k", T));
    assert_eq!(m.len(), 1, "contains() does not remove");
    assert_eq!(m.get_value("k", T), None);
    assert_eq!(m.len(), 0, "a lookup removes the expired entry");
}

#[tokio::test(flavor = "current_thread")]
async fn per_type_and_per_entry_ttls() {
    let (clock, m) = manager(config());
    assert_eq!(m.type_ttl(CacheType::Balance), Duration::from_secs(10));
    m.set_type_ttl(CacheType::Balance, SEC * 2).unwrap();
    assert_eq!(m.type_ttl(CacheType::Balance), SEC * 2);
    assert_eq!(m.type_ttl(CacheType::Block), Duration::from_secs(10));
    assert!(matches!(
        m.set_type_ttl(CacheType::Balance, Duration::ZERO),
        Err(Error::InvalidArgument(_))
    ));
    m.put_value("a", json!("bal"), CacheType::Balance).unwrap();
    m.put_value("a", json!("blk"), CacheType::Block).unwrap();
    m.put_value_with_ttl("b", json!(1), CacheType::Block, SEC * 30)
        .unwrap();
    assert!(matches!(
        m.put_value_with_ttl("c", json!(1), CacheType::Block, Duration::ZERO),
        Err(Error::InvalidArgument(_))
    ));
    clock.advance(SEC * 2).await;
    assert_eq!(m.get_value("a", CacheType::Balance), None);
    assert_eq!(
        m.get_value("a", CacheType::Block),
        Some(Arc::new(json!("blk")))
    );
    clock.advance(SEC * 8).await;
    assert_eq!(m.get_value("a", CacheType::Block), None);
    assert!(m.get_value("b", CacheType::Block).is_some());
    clock.advance(SEC * 20).await;
    assert_eq!(m.get_value("b", CacheType::Block), None);
    // typed per-entry TTL
    m.put_with_ttl("p", &pool_info(), CacheType::PoolInfo, SEC)
        .unwrap();
    assert_eq!(
        m.try_get::<PoolInfo>("p", CacheType::PoolInfo).unwrap(),
        Some(pool_info())
    );
    clock.advance(SEC).await;
    assert_eq!(
        m.try_get::<PoolInfo>("p", CacheType::PoolInfo).unwrap(),
        None
    );
}

#[tokio::test(flavor = "current_thread")]
async fn a_hit_refreshes_recency() {
    let (_clock, c) = engine(CacheConfig {
        max_entries: 3,
        ..config()
    });
    for (i, k) in ["a", "b", "c"].iter().enumerate() {
        c.insert(T, *k, i as u32, 0).unwrap();
    }
    assert_eq!(c.get(T, "a"), Some(0));
    c.insert(T, "d", 3, 0).unwrap();
    assert_eq!(c.peek(T, "b"), None, "b was least recently used");
    let order: Vec<String> = c.keys_mru().into_iter().map(|(_, k)| k).collect();
    assert_eq!(order, ["d", "a", "c"]);
    // peek/contains do not refresh
    assert!(c.contains(T, "c"));
    c.insert(T, "e", 4, 0).unwrap();
    assert!(!c.contains(T, "c"));
    let s = c.stats();
    assert_eq!(
        (s.evictions, s.evictions_capacity, s.evictions_size),
        (2, 2, 0)
    );
}

#[tokio::test(flavor = "current_thread")]
async fn hits_a_host_served_are_recorded_as_gets() {
    let (clock, c) = engine(CacheConfig {
        max_entries: 3,
        ..config()
    });
    let b = CacheType::Block;
    let mut expiries = Vec::new();
    for (k, ty) in [("a", T), ("b", b), ("c", T)] {
        expiries.push(c.insert_keyed(ty, k.into(), 1, 0, 1, None).unwrap());
        clock.advance(Duration::from_millis(1)).await;
    }
    // The expiry is core's decision: the insert's time plus the type's TTL.
    assert_eq!(expiries[0], Duration::ZERO + c.type_ttl(T));
    assert_eq!(expiries[1], Duration::from_millis(1) + c.type_ttl(b));
    // A host served a, then c, then a gone key: recency a < c, three hits, no miss.
    c.record_hits([(T, "a".into()), (T, "c".into()), (T, "gone".into())]);
    let order: Vec<String> = c
        .keys_mru()
        .into_iter()
        .map(|(_, k)| k.to_string())
        .collect();
    assert_eq!(order, ["c", "a", "b"]);
    c.insert(T, "d", 3, 0).unwrap();
    assert!(!c.contains_keyed(b, "b"), "b was least recently used");
    let s = c.stats();
    assert_eq!((s.hits, s.misses, s.evictions_capacity), (3, 0, 1));
}

#[tokio::test(flavor = "current_thread")]
async fn entry_limit_holds_under_many_inserts() {
    let (_clock, c) = engine(CacheConfig {
        max_entries: 10,
        ..config()
    });
    for i in 0..25u32 {
        c.insert(T, i.to_string(), i, 1).unwrap();
        assert!(c.len() <= 10);
    }
    assert_eq!(c.len(), 10);
    assert_eq!(c.stats().evictions_capacity, 15);
    for i in 15..25u32 {
        assert_eq!(c.peek(T, &i.to_string()), Some(i));
    }
    c.assert_consistent();
}

#[tokio::test(flavor = "current_thread")]
async fn byte_budget_evicts_several_small_entries_for_one_big() {
    let over = TtlCache::<u32>::ENTRY_OVERHEAD;
    // small entries: key "sN" (2 bytes) + 100 value bytes
    let small = over + 2 + 100;
    let budget = 5 * small;
    let (_clock, c) = engine(CacheConfig {
        max_memory_bytes: budget,
        ..config()
    });
    for i in 0..5u32 {
        c.insert(T, format!("s{i}"), i, 100).unwrap();
    }
    assert_eq!(c.memory_bytes(), budget);
    assert_eq!(c.stats().evictions, 0);
    // big entry: needs room of three small ones
    let big_value = 3 * small - over - 3;
    c.insert(T, "big", 99, big_value).unwrap();
    assert_eq!(TtlCache::<u32>::charge("big", big_value), 3 * small);
    let s = c.stats();
    assert_eq!((s.evictions_size, s.evictions_capacity), (3, 0));
    assert_eq!(s.entries, 3);
    assert_eq!(s.memory_bytes as usize, budget);
    for i in 0..3 {
        assert!(!c.contains(T, &format!("s{i}")), "oldest evicted first");
    }
    assert!(c.contains(T, "s3") && c.contains(T, "s4") && c.contains(T, "big"));
    c.assert_consistent();
}

#[tokio::test(flavor = "current_thread")]
async fn oversize_value_is_refused_and_counted() {
    let (_clock, c) = engine(CacheConfig {
        max_memory_bytes: 1000,
        ..config()
    });
    c.insert(T, "k", 1, 10).unwrap();
    match c.insert(T, "k", 2, 1000) {
        Err(Error::CapacityExceeded(msg)) => assert!(msg.contains("1000"), "{msg}"),
        other => panic!("expected CapacityExceeded, got {other:?}"),
    }
    assert_eq!(c.get(T, "k"), None, "the older value is not served stale");
    let s = c.stats();
    assert_eq!((s.rejected, s.entries, s.memory_bytes), (1, 0, 0));

    let (_clock, m) = manager(CacheConfig {
        max_memory_bytes: 1000,
        ..config()
    });
    let big = "x".repeat(2000);
    m.put("big".to_string(), &big, T).await; // returns (), counted
    assert!(matches!(
        m.try_put("big", &big, T),
        Err(Error::CapacityExceeded(_))
    ));
    assert_eq!(m.stats().rejected, 2);
    assert!(m.is_empty());
    // unencodable value (map with non-string keys) is an Encode error, counted too
    let mut bad = std::collections::HashMap::new();
    bad.insert(vec![1u8], 1u8);
    assert!(matches!(m.try_put("bad", &bad, T), Err(Error::Encode(_))));
    assert_eq!(m.stats().rejected, 3);
}

#[tokio::test(flavor = "current_thread")]
async fn stats_count_and_reset() {
    let (clock, m) = manager(config());
    assert_eq!(m.stats().hit_rate, 0.0);
    m.put_value("a", json!({"x": [1, 2, 3]}), T).unwrap();
    m.put_value("a", json!({"x": [1, 2, 3]}), T).unwrap();
    assert!(m.get_value("a", T).is_some());
    assert!(m.get_value("a", T).is_some());
    assert!(m.get_value("a", T).is_some());
    assert!(m.get_value("zz", T).is_none());
    let s = m.stats();
    assert_eq!((s.hits, s.misses, s.insertions), (3, 1, 2));
    assert_eq!(s.hit_rate, 0.75);
    assert_eq!(s.entries, 1);
    let expected = TtlCache::<Arc<serde_json::Value>>::charge(
        "a",
        estimate_json_weight(&json!({"x": [1, 2, 3]})),
    );
    assert_eq!(s.memory_bytes as usize, expected);
    assert_eq!(m.memory_bytes(), expected);
    m.reset_stats();
    let s = m.stats();
    assert_eq!((s.hits, s.misses, s.insertions, s.hit_rate), (0, 0, 0, 0.0));
    assert_eq!(s.entries, 1, "sizes survive a reset");
    clock.advance(SEC * 10).await;
    assert_eq!(m.cleanup(), 1);
    assert_eq!(m.stats().expirations, 1);
}

#[tokio::test(flavor = "current_thread")]
async fn disabled_stats_report_sizes_only() {
    let (clock, m) = manager(CacheConfig {
        enable_stats: false,
        max_entries: 1,
        ..config()
    });
    m.put_value("a", json!(1), T).unwrap();
    m.put_value("b", json!(2), T).unwrap();
    assert!(m.get_value("b", T).is_some());
    assert!(m.get_value("a", T).is_none());
    clock.advance(SEC * 10).await;
    assert!(m.get_value("b", T).is_none());
    let s = m.stats();
    assert_eq!(
        (s.hits, s.misses, s.evictions, s.expirations, s.insertions),
        (0, 0, 0, 0, 0)
    );
    m.put_value("c", json!(3), T).unwrap();
    let s = m.stats();
    assert_eq!(s.entries, 1);
    assert!(s.memory_bytes > 0);
}

#[tokio::test(flavor = "current_thread")]
async fn typed_get_of_the_wrong_shape() {
    let (_clock, m) = manager(config());
    m.try_put("n", &42u32, T).unwrap();
    assert_eq!(m.get::<u32>("n", T).await, Some(42));
    assert_eq!(m.get::<PoolInfo>("n", T).await, None);
    assert!(matches!(
        m.try_get::<PoolInfo>("n", T),
        Err(Error::Decode(_))
    ));
}

#[tokio::test(flavor = "current_thread")]
async fn remove_clear_and_clear_type() {
    let (_clock, m) = manager(config());
    for ty in [CacheType::Balance, CacheType::Block] {
        for i in 0..3 {
            m.put_value(format!("k{i}"), json!(i), ty).unwrap();
        }
    }
    assert_eq!(m.len(), 6);
    assert!(m.remove("k0", CacheType::Block));
    assert!(!m.remove("k0", CacheType::Block));
    assert_eq!(m.clear_type(CacheType::Balance), 3);
    assert_eq!(m.len(), 2);
    assert!(m.contains("k1", CacheType::Block));
    assert!(!m.contains("k1", CacheType::Balance));
    m.engine().assert_consistent();
    let per_entry = m.memory_bytes() / 2;
    assert!(per_entry > TtlCache::<Arc<serde_json::Value>>::ENTRY_OVERHEAD);
    m.clear();
    assert!(m.is_empty());
    assert_eq!(m.memory_bytes(), 0);
}

#[tokio::test(flavor = "current_thread")]
async fn cleanup_loop_runs_every_interval() {
    let (clock, m) = manager(config()); // ttl 10 s, cleanup every 60 s
    ManualClock::settle().await;
    assert_eq!(clock.pending_sleeps(), 1, "the loop waits on the clock");
    m.put_value("a", json!(1), T).unwrap();
    clock.advance(SEC * 59).await;
    assert_eq!(m.len(), 1, "expired but not yet swept");
    clock.advance(SEC).await;
    assert_eq!(m.len(), 0, "swept at 60 s");
    assert_eq!(m.stats().expirations, 1);
    m.put_value("b", json!(1), T).unwrap(); // at 60 s, expires at 70 s
    clock.advance(SEC * 59).await;
    assert_eq!(m.len(), 1);
    clock.advance(SEC).await;
    assert_eq!(m.len(), 0, "swept again at 120 s");
    assert_eq!(m.stats().misses, 0, "nobody looked the entries up");
}

#[tokio::test(flavor = "current_thread")]
async fn close_stops_the_cleanup_loop() {
    let (clock, m) = manager(config());
    ManualClock::settle().await;
    assert!(!m.is_closed());
    m.close();
    m.close();
    assert!(m.is_closed());
    ManualClock::settle().await;
    assert_eq!(clock.pending_sleeps(), 0);
    m.put_value("a", json!(1), T).unwrap();
    clock.advance(SEC * 600).await;
    assert_eq!(m.len(), 1, "no sweep after close");
    assert_eq!(m.cleanup(), 1, "manual cleanup still works");
}

#[tokio::test(flavor = "current_thread")]
async fn dropping_every_handle_ends_the_cleanup_loop() {
    let (clock, m) = manager(config());
    let m2 = m.clone();
    let weak_engine = Arc::downgrade(&m.inner_engine_for_tests());
    ManualClock::settle().await;
    assert_eq!(clock.pending_sleeps(), 1);
    drop(m);
    ManualClock::settle().await;
    assert_eq!(clock.pending_sleeps(), 1, "a clone keeps it alive");
    drop(m2);
    ManualClock::settle().await;
    assert_eq!(clock.pending_sleeps(), 0, "loop ended");
    assert!(
        weak_engine.upgrade().is_none(),
        "the loop held no strong ref"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn engine_cleanup_loop_ends_when_the_engine_is_dropped() {
    let (clock, c) = engine(config());
    let c = Arc::new(c);
    let task = c.spawn_cleanup();
    c.insert(T, "a", 1, 0).unwrap();
    clock.advance(SEC * 60).await;
    assert_eq!(c.len(), 0);
    drop(c);
    clock.advance(SEC * 60).await; // the loop wakes, finds no cache, ends
    assert_eq!(clock.pending_sleeps(), 0);
    drop(task);
}

#[tokio::test(flavor = "current_thread")]
async fn get_or_fetch_runs_one_fetch_for_concurrent_callers() {
    let (clock, m) = manager(config());
    let fetches = Arc::new(AtomicUsize::new(0));
    let mut handles = Vec::new();
    for _ in 0..5 {
        let (m, clock, fetches) = (m.clone(), clock.clone(), fetches.clone());
        handles.push(tokio::spawn(async move {
            m.get_or_fetch("pool", CacheType::PoolInfo, || async move {
                fetches.fetch_add(1, Ordering::SeqCst);
                clock.sleep(SEC).await;
                Ok(pool_info())
            })
            .await
        }));
    }
    ManualClock::settle().await;
    assert_eq!(m.in_flight(), 1);
    clock.advance(SEC).await;
    for h in handles {
        assert_eq!(h.await.unwrap(), Ok(pool_info()));
    }
    assert_eq!(fetches.load(Ordering::SeqCst), 1);
    assert_eq!(m.in_flight(), 0);
    // now cached: no fetch
    let again: PoolInfo = m
        .get_or_fetch("pool", CacheType::PoolInfo, || async {
            Err(Error::Internal("must not be called".into()))
        })
        .await
        .unwrap();
    assert_eq!(again, pool_info());
}

#[tokio::test(flavor = "current_thread")]
async fn get_or_fetch_error_reaches_every_waiter_and_is_not_cached() {
    let (clock, m) = manager(config());
    let mut handles = Vec::new();
    for _ in 0..3 {
        let (m, clock) = (m.clone(), clock.clone());
        handles.push(tokio::spawn(async move {
            m.get_or_fetch::<u32, _, _>("k", T, || async move {
                clock.sleep(SEC).await;
                Err(Error::transport("node down"))
            })
            .await
        }));
    }
    clock.advance(SEC).await;
    for h in handles {
        assert_eq!(h.await.unwrap(), Err(Error::transport("node down")));
    }
    assert!(m.is_empty(), "errors are not cached");
    let v: u32 = m.get_or_fetch("k", T, || async { Ok(7) }).await.unwrap();
    assert_eq!(v, 7);
    assert!(m.contains("k", T));
}

#[tokio::test(flavor = "current_thread")]
async fn get_or_fetch_waiter_takes_over_when_the_leader_is_cancelled() {
    let (clock, m) = manager(config());
    let (m1, c1) = (m.clone(), clock.clone());
    let leader = tokio::spawn(async move {
        m1.get_or_fetch::<u32, _, _>("k", T, || async move {
            c1.sleep(SEC * 1000).await;
            Ok(1)
        })
        .await
    });
    ManualClock::settle().await;
    let waiter_fetched = Arc::new(AtomicUsize::new(0));
    let (m2, c2, wf) = (m.clone(), clock.clone(), waiter_fetched.clone());
    let waiter = tokio::spawn(async move {
        m2.get_or_fetch::<u32, _, _>("k", T, || async move {
            wf.fetch_add(1, Ordering::SeqCst);
            c2.sleep(SEC).await;
            Ok(2)
        })
        .await
    });
    ManualClock::settle().await;
    assert_eq!(
        waiter_fetched.load(Ordering::SeqCst),
        0,
        "waiting, not fetching"
    );
    leader.abort();
    assert!(leader.await.unwrap_err().is_cancelled());
    ManualClock::settle().await;
    assert_eq!(
        waiter_fetched.load(Ordering::SeqCst),
        1,
        "the waiter took over"
    );
    clock.advance(SEC).await;
    assert_eq!(waiter.await.unwrap(), Ok(2));
    assert_eq!(m.get::<u32>("k", T).await, Some(2));
    assert_eq!(m.in_flight(), 0);
}

#[tokio::test(flavor = "current_thread")]
async fn get_or_fetch_returns_but_does_not_cache_an_oversize_value() {
    let (_clock, m) = manager(CacheConfig {
        max_memory_bytes: 500,
        ..config()
    });
    let big = "y".repeat(1000);
    let b2 = big.clone();
    let got: String = m
        .get_or_fetch("big", T, || async move { Ok(b2) })
        .await
        .unwrap();
    assert_eq!(got, big);
    assert!(m.is_empty());
    assert_eq!(m.stats().rejected, 1);
}

#[test]
fn json_weight_grows_with_content_and_survives_deep_nesting() {
    let small = estimate_json_weight(&json!({"a": 1}));
    let bigger = estimate_json_weight(&json!({"a": 1, "b": "x".repeat(1000)}));
    assert!(bigger >= small + 1000);
    assert!(estimate_json_weight(&json!(null)) > 0);
    let mut deep = json!(0);
    for _ in 0..100_000 {
        deep = serde_json::Value::Array(vec![deep]);
    }
    assert_eq!(estimate_json_weight(&deep), 2 * 100_000 + 1);
    // dropping a 100k-deep Value recurses; leak it rather than overflow the test stack
    std::mem::forget(deep);
}

#[test]
fn entry_weight_is_key_bytes_plus_value_weight_plus_the_fixed_overhead() {
    assert_eq!(TtlCache::<u32>::ENTRY_OVERHEAD, 64);
    assert_eq!(TtlCache::<u32, u32>::ENTRY_OVERHEAD, 64);
    let v = json!({"x": 1});
    assert_eq!(
        CacheManager::entry_weight("pool:é", &v),
        "pool:é".len() + estimate_json_weight(&v) + 64
    );
    assert_eq!(TtlCache::<u32>::charge_bytes(3, 10), 77);
    assert_eq!(TtlCache::<u32>::charge("abc", 10), 77);
    assert_eq!(TtlCache::<u32>::charge_bytes(usize::MAX, 10), usize::MAX);
    let (_clock, m) = manager(config());
    m.put_value("k", json!([1, 2]), T).unwrap();
    assert_eq!(
        m.memory_bytes(),
        CacheManager::entry_weight("k", &json!([1, 2]))
    );
}

#[tokio::test(flavor = "current_thread")]
async fn id_keyed_cache_logs_every_removed_id() {
    let clock = ManualClock::new();
    let c: TtlCache<(), u32> = TtlCache::new(
        CacheConfig {
            max_entries: 3,
            max_memory_bytes: 1000,
            ..config()
        },
        Arc::new(clock.clone()),
    )
    .unwrap();
    assert!(c.take_removed().is_empty(), "the log is off by default");
    c.insert_keyed(T, 100, 5, (), 10, None).unwrap();
    c.remove_keyed(T, &100);
    assert!(c.take_removed().is_empty());
    c.set_removal_log(true);
    // key bytes are the caller's: 5 + 10 + overhead
    c.insert_keyed(T, 1, 5, (), 10, None).unwrap();
    assert_eq!(c.memory_bytes(), 5 + 10 + 64);
    c.insert_keyed(CacheType::Block, 2, 1, (), 1, Some(SEC))
        .unwrap();
    c.insert_keyed(T, 3, 1, (), 1, None).unwrap();
    assert_eq!(c.get_keyed(T, &1), Some(()));
    c.insert_keyed(T, 4, 1, (), 1, None).unwrap(); // evicts 2 (least recently used)
    assert_eq!(c.take_removed(), [2]);
    assert_eq!(c.stats().evictions_capacity, 1);
    // expiry on lookup
    c.insert_keyed(CacheType::Block, 5, 1, (), 1, Some(SEC))
        .unwrap(); // evicts 3
    clock.advance(SEC).await;
    assert_eq!(c.get_keyed(CacheType::Block, &5), None);
    let mut out = vec![];
    assert_eq!(c.drain_removed_into(&mut out), 2);
    assert_eq!(out, [3, 5]);
    // a refused update drops the old entry and logs it; a refused new id logs nothing
    assert!(matches!(
        c.insert_keyed(T, 4, 1, (), 2000, None),
        Err(Error::CapacityExceeded(_))
    ));
    assert!(c.insert_keyed(T, 9, 1, (), 2000, None).is_err());
    assert!(matches!(
        c.insert_keyed(T, 9, 1, (), 1, Some(Duration::ZERO)),
        Err(Error::InvalidArgument(_))
    ));
    assert_eq!(c.take_removed(), [4]);
    // sweep, remove, clear_type, clear
    for id in 10..13 {
        c.insert_keyed(CacheType::ALL[id as usize % 7], id, 1, (), 1, Some(SEC))
            .unwrap();
    }
    assert_eq!(c.take_removed(), [1], "the third insert evicts 1");
    clock.advance(SEC).await;
    assert_eq!(c.cleanup(), 3);
    assert_eq!(c.removed_len(), 3);
    c.insert_keyed(T, 20, 1, (), 1, None).unwrap();
    c.insert_keyed(CacheType::Balance, 21, 1, (), 1, None)
        .unwrap();
    assert!(c.contains_keyed(T, &20));
    assert_eq!(c.clear_type(CacheType::Balance), 1);
    c.clear();
    assert_eq!(c.take_removed(), [10, 11, 12, 21, 20]);
    assert!(c.is_empty());
    c.set_removal_log(false);
    assert!(c.take_removed().is_empty());
}

#[cfg(not(all(target_family = "wasm", target_os = "unknown")))]
#[test]
fn concurrent_threads_keep_the_cache_consistent() {
    let clock = ManualClock::new();
    let c = Arc::new(
        TtlCache::<u64>::new(
            CacheConfig {
                max_entries: 64,
                max_memory_bytes: 64 * (TtlCache::<u64>::ENTRY_OVERHEAD + 40),
                ..config()
            },
            Arc::new(clock.clone()),
        )
        .unwrap(),
    );
    let gets = Arc::new(AtomicUsize::new(0));
    let threads: Vec<_> = (0..4u64)
        .map(|t| {
            let (c, gets) = (c.clone(), gets.clone());
            std::thread::spawn(move || {
                let mut x = t.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
                for _ in 0..20_000 {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    let key = format!("k{}", x % 200);
                    let ty = CacheType::ALL[(x % 7) as usize];
                    match (x >> 8) % 10 {
                        0..=3 => {
                            let _ = c.insert(ty, &key, x, ((x >> 16) % 60) as usize);
                        }
                        4..=8 => {
                            gets.fetch_add(1, Ordering::Relaxed);
                            if let Some(v) = c.get(ty, &key) {
                                assert_eq!(v % 200, x % 200, "value stored under another key");
                            }
                        }
                        _ => {
                            c.remove(ty, &key);
                        }
                    }
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    c.assert_consistent();
    let s = c.stats();
    assert_eq!((s.hits + s.misses) as usize, gets.load(Ordering::Relaxed));
    assert!(s.evictions > 0 && s.insertions > 0);
}

#[tokio::test(flavor = "current_thread")]
async fn stale_while_revalidate_serves_stale_and_refreshes_once_in_background() {
    let (clock, m) = manager(config()); // ttl 10 s
    let fetches = Arc::new(AtomicUsize::new(0));
    let load = |clock: ManualClock, fetches: Arc<AtomicUsize>| {
        move || async move {
            let n = fetches.fetch_add(1, Ordering::SeqCst) as u32 + 1;
            clock.sleep(SEC).await;
            Ok::<u32, Error>(n)
        }
    };
    let refresh = SEC * 4;
    // miss: waits for the first fetch
    let h = {
        let (m, l) = (m.clone(), load(clock.clone(), fetches.clone()));
        tokio::spawn(async move { m.get_or_fetch_swr("k", T, refresh, l).await })
    };
    clock.advance(SEC).await; // t = 1: value 1 stored at t = 1
    assert_eq!(h.await.unwrap(), Ok(1));
    // fresh: no refresh
    clock.advance(SEC * 4 - NS).await; // age 4 s - 1 ns
    let v = m
        .get_or_fetch_swr("k", T, refresh, load(clock.clone(), fetches.clone()))
        .await;
    assert_eq!(v, Ok(1));
    ManualClock::settle().await;
    assert_eq!(fetches.load(Ordering::SeqCst), 1);
    // stale (age == refresh_after): served at once, one background refresh for many hits
    clock.advance(NS).await;
    for _ in 0..3 {
        let v = m
            .get_or_fetch_swr("k", T, refresh, load(clock.clone(), fetches.clone()))
            .await;
        assert_eq!(v, Ok(1), "stale value served without waiting");
    }
    ManualClock::settle().await;
    assert_eq!(fetches.load(Ordering::SeqCst), 2, "one refresh");
    clock.advance(SEC).await;
    assert_eq!(m.get::<u32>("k", T).await, Some(2), "refreshed in place");
    assert_eq!(m.in_flight(), 0);
}

#[tokio::test(flavor = "current_thread")]
async fn failed_refresh_keeps_the_stale_value_until_its_ttl() {
    let (clock, m) = manager(config()); // ttl 10 s
    m.try_put("k", &1u32, T).unwrap();
    clock.advance(SEC * 5).await;
    let v: u32 = m
        .get_or_fetch_swr("k", T, SEC, || async { Err(Error::transport("down")) })
        .await
        .unwrap();
    assert_eq!(v, 1);
    ManualClock::settle().await;
    assert_eq!(m.get::<u32>("k", T).await, Some(1));
    clock.advance(SEC * 5).await;
    assert_eq!(m.get::<u32>("k", T).await, None, "expired at its TTL");
}

#[test]
fn bytes_are_stored_as_their_base64_string() {
    let (_clock, m) = manager(config());
    m.put_bytes("tx", &[0, 1, 2, 255], T).unwrap();
    assert_eq!(m.get_bytes("tx", T).unwrap(), Some(vec![0, 1, 2, 255]));
    assert_eq!(*m.get_value("tx", T).unwrap(), json!("AAEC/w=="));
    assert_eq!(
        m.memory_bytes(),
        2 + estimate_json_weight(&json!("AAEC/w==")) + TtlCache::<u32>::ENTRY_OVERHEAD
    );
    m.put_bytes("empty", &[], T).unwrap();
    assert_eq!(m.get_bytes("empty", T).unwrap(), Some(vec![]));
    assert_eq!(m.get_bytes("missing", T).unwrap(), None);
    m.put_value("json", json!({"a": 1}), T).unwrap();
    assert!(matches!(m.get_bytes("json", T), Err(Error::Decode(_))));
    m.put_value("text", json!("not base64!"), T).unwrap();
    assert!(matches!(m.get_bytes("text", T), Err(Error::Decode(_))));
    assert!(
        m.contains("json", T) && m.contains("text", T),
        "a failed read drops nothing"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn replacing_a_stored_key_in_place_matches_a_fresh_insert() {
    let (clock, m) = manager(config());
    m.put_value("a", json!(1), T).unwrap();
    m.put_value("b", json!(2), T).unwrap();
    let before = m.stats();
    // replace "a": heavier value, new TTL start, most recently used again
    clock.advance(SEC).await;
    m.put_value("a", json!("a much longer value"), T).unwrap();
    let s = m.stats();
    assert_eq!(s.entries, 2);
    assert_eq!(s.insertions, before.insertions + 1);
    assert_eq!(
        m.memory_bytes(),
        CacheManager::entry_weight("a", &json!("a much longer value"))
            + CacheManager::entry_weight("b", &json!(2))
    );
    assert_eq!(*m.get_value("a", T).unwrap(), json!("a much longer value"));
    // an in-place replace that breaks the byte budget evicts the least recently used
    let (_c2, small) = manager(CacheConfig {
        max_memory_bytes: CacheManager::entry_weight("a", &json!("xxxxxxxxxx")) * 2,
        ..config()
    });
    small.put_value("a", json!("x"), T).unwrap();
    small.put_value("b", json!("x"), T).unwrap();
    small
        .put_value("a", json!("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"), T)
        .unwrap();
    assert!(
        small.contains("a", T) && !small.contains("b", T),
        "b evicted, a kept"
    );
    assert_eq!(small.stats().evictions_size, 1);
    // too heavy alone: refused, the old value removed (the insert path decides)
    assert!(small.put_value("a", json!("y".repeat(1000)), T).is_err());
    assert!(!small.contains("a", T));
}
