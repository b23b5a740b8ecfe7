//! Cache hit / insert latency: our engine and CacheManager against raw `lru` (no lock,
//! no TTL; bounded with a pre-sized map, and unbounded like ours), `quick_cache::sync::Cache` and `moka::sync::Cache` with a TTL — same keys,
//! same run. Our caches read `runtime::fast_clock()` (what `CacheManager::new` uses).
//! Results: BENCHMARKS.md ("Cache (Rust)").

use std::hint::black_box;
use std::num::NonZeroUsize;
use std::sync::Arc;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use mantra_sdk::{runtime, CacheConfig, CacheManager, CacheType, TtlCache};
use serde_json::json;

const N: usize = 1024; // keys in the working set (power of two: cheap wrap-around)
const CAP: usize = 10_000;
const TTL: Duration = Duration::from_secs(300);

fn keys() -> Vec<String> {
    (0..N).map(|i| format!("pool_{i:05}")).collect()
}

fn config() -> CacheConfig {
    CacheConfig {
        max_entries: CAP,
        default_ttl: TTL,
        enable_stats: true,
        cleanup_interval: Duration::from_secs(60),
        max_memory_bytes: 100 * 1024 * 1024,
    }
}

fn bench_hit(c: &mut Criterion) {
    let keys = keys();
    let mut g = c.benchmark_group("cache_hit");

    let mut lru = lru::LruCache::<String, u64>::new(NonZeroUsize::new(CAP).unwrap());
    for (i, k) in keys.iter().enumerate() {
        lru.put(k.clone(), i as u64);
    }
    let mut i = 0usize;
    g.bench_function("raw_lru", |b| {
        b.iter(|| {
            i = (i + 1) & (N - 1);
            black_box(lru.get(keys[i].as_str()).copied())
        })
    });

    // Same map shape as our engine (which grows its maps on demand).
    let mut lru_u = lru::LruCache::<String, u64>::unbounded();
    for (i, k) in keys.iter().enumerate() {
        lru_u.put(k.clone(), i as u64);
    }
    g.bench_function("raw_lru_unbounded", |b| {
        b.iter(|| {
            i = (i + 1) & (N - 1);
            black_box(lru_u.get(keys[i].as_str()).copied())
        })
    });

    let qc = quick_cache::sync::Cache::<String, u64>::new(CAP);
    for (i, k) in keys.iter().enumerate() {
        qc.insert(k.clone(), i as u64);
    }
    g.bench_function("quick_cache", |b| {
        b.iter(|| {
            i = (i + 1) & (N - 1);
            black_box(qc.get(keys[i].as_str()))
        })
    });

    let moka = moka::sync::Cache::<String, u64>::builder()
        .max_capacity(CAP as u64)
        .time_to_live(TTL)
        .build();
    for (i, k) in keys.iter().enumerate() {
        moka.insert(k.clone(), i as u64);
    }
    g.bench_function("moka_ttl", |b| {
        b.iter(|| {
            i = (i + 1) & (N - 1);
            black_box(moka.get(keys[i].as_str()))
        })
    });

    let ours = TtlCache::<u64>::new(config(), runtime::fast_clock()).unwrap();
    for (i, k) in keys.iter().enumerate() {
        ours.insert(CacheType::PoolInfo, k.as_str(), i as u64, 8)
            .unwrap();
    }
    g.bench_function("ttl_cache", |b| {
        b.iter(|| {
            i = (i + 1) & (N - 1);
            black_box(ours.get(CacheType::PoolInfo, &keys[i]))
        })
    });

    let mgr = CacheManager::new(config());
    for (i, k) in keys.iter().enumerate() {
        mgr.put_value(
            k.as_str(),
            json!({"id": i, "reserve": "1000"}),
            CacheType::PoolInfo,
        )
        .unwrap();
    }
    g.bench_function("cache_manager_value", |b| {
        b.iter(|| {
            i = (i + 1) & (N - 1);
            black_box(mgr.get_value(&keys[i], CacheType::PoolInfo))
        })
    });
    g.finish();
}

fn bench_insert(c: &mut Criterion) {
    let keys = keys();
    let mut g = c.benchmark_group("cache_insert");
    let mut i = 0usize;

    let mut lru = lru::LruCache::<String, u64>::new(NonZeroUsize::new(CAP).unwrap());
    g.bench_function("raw_lru", |b| {
        b.iter(|| {
            i = (i + 1) & (N - 1);
            black_box(lru.put(keys[i].clone(), i as u64))
        })
    });

    let mut lru_u = lru::LruCache::<String, u64>::unbounded();
    g.bench_function("raw_lru_unbounded", |b| {
        b.iter(|| {
            i = (i + 1) & (N - 1);
            black_box(lru_u.put(keys[i].clone(), i as u64))
        })
    });

    let qc = quick_cache::sync::Cache::<String, u64>::new(CAP);
    g.bench_function("quick_cache", |b| {
        b.iter(|| {
            i = (i + 1) & (N - 1);
            qc.insert(keys[i].clone(), i as u64)
        })
    });

    let moka = moka::sync::Cache::<String, u64>::builder()
        .max_capacity(CAP as u64)
        .time_to_live(TTL)
        .build();
    g.bench_function("moka_ttl", |b| {
        b.iter(|| {
            i = (i + 1) & (N - 1);
            moka.insert(keys[i].clone(), i as u64)
        })
    });

    let ours = TtlCache::<u64>::new(config(), runtime::fast_clock()).unwrap();
    g.bench_function("ttl_cache", |b| {
        b.iter(|| {
            i = (i + 1) & (N - 1);
            black_box(ours.insert(CacheType::PoolInfo, keys[i].as_str(), i as u64, 8))
        })
    });

    let mgr = CacheManager::new(config());
    let value = Arc::new(json!({"id": 1, "reserve": "1000"}));
    g.bench_function("cache_manager_value", |b| {
        b.iter(|| {
            i = (i + 1) & (N - 1);
            black_box(mgr.put_value(keys[i].as_str(), value.clone(), CacheType::PoolInfo))
        })
    });
    g.finish();
}

fn bench_clock(c: &mut Criterion) {
    let clock = runtime::default_clock();
    c.bench_function("clock_now/default", |b| b.iter(|| black_box(clock.now())));
    let fast = runtime::fast_clock();
    c.bench_function("clock_now/fast", |b| b.iter(|| black_box(fast.now())));
}

criterion_group!(benches, bench_hit, bench_insert, bench_clock);
criterion_main!(benches);
