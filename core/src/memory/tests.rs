//! Behaviour of the MemoryOptimizer (pools, accounting, GC) in virtual time.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use super::*;
use crate::runtime::ManualClock;
use crate::{Error, Result};

fn config(max: usize) -> MemoryConfig {
    MemoryConfig {
        max_memory_bytes: max,
        warning_threshold: 0.8,
        enable_auto_gc: false,
        gc_interval: Duration::from_secs(30),
        enable_pooling: true,
        pool_sizes: vec![1024, 4096, 16384, 65536],
    }
}

fn opt(config: MemoryConfig) -> (MemoryOptimizer, ManualClock) {
    let clock = ManualClock::new();
    let o = MemoryOptimizer::with_clock(config, Arc::new(clock.clone())).expect("valid config");
    (o, clock)
}

#[tokio::test(flavor = "current_thread")]
async fn seed_usage_compiles_and_runs() -> Result<()> {
    let config = MemoryConfig {
        max_memory_bytes: 512 * 1024 * 1024, // 512MB
        warning_threshold: 0.8,
        enable_auto_gc: true,
        gc_interval: Duration::from_secs(30),
        enable_pooling: true,
        pool_sizes: vec![1024, 4096, 16384, 65536],
    };
    assert_eq!(config, MemoryConfig::default());
    let optimizer = MemoryOptimizer::new(config);
    let buffer = optimizer.allocate(4096)?;
    let cow_buffer = optimizer.create_cow_buffer(vec![1, 2, 3, 4]);
    assert_eq!((buffer.len(), cow_buffer.len()), (4096, 4));
    assert!(optimizer.auto_gc_running());
    drop(buffer);
    optimizer.set_gc_retain_per_class(0);
    let freed_bytes = optimizer.garbage_collect().await;
    assert_eq!(freed_bytes, 4096);
    optimizer.close();
    assert!(!optimizer.auto_gc_running());
    Ok(())
}

#[test]
fn config_validation_names_the_field() {
    let field = |c: MemoryConfig| match c.validate() {
        Err(Error::InvalidConfig { field, .. }) => field,
        other => panic!("expected InvalidConfig, got {other:?}"),
    };
    let d = MemoryConfig::default;
    assert_eq!(
        field(MemoryConfig {
            max_memory_bytes: 0,
            ..d()
        }),
        "max_memory_bytes"
    );
    for t in [0.0, 1.5, f64::NAN, -0.1] {
        assert_eq!(
            field(MemoryConfig {
                warning_threshold: t,
                ..d()
            }),
            "warning_threshold"
        );
    }
    assert_eq!(
        field(MemoryConfig {
            gc_interval: Duration::ZERO,
            ..d()
        }),
        "gc_interval"
    );
    // Duration::MAX would overflow `now + interval` in the GC loop.
    for enable_auto_gc in [true, false] {
        assert_eq!(
            field(MemoryConfig {
                gc_interval: Duration::MAX,
                enable_auto_gc,
                ..d()
            }),
            "gc_interval"
        );
    }
    // A zero interval is fine when the loop is off.
    assert!(MemoryConfig {
        gc_interval: Duration::ZERO,
        enable_auto_gc: false,
        ..d()
    }
    .validate()
    .is_ok());
    for sizes in [vec![0, 1024], vec![4096, 1024], vec![1024, 1024]] {
        assert_eq!(
            field(MemoryConfig {
                pool_sizes: sizes,
                ..d()
            }),
            "pool_sizes"
        );
    }
    assert!(MemoryOptimizer::try_new(MemoryConfig {
        max_memory_bytes: 0,
        ..d()
    })
    .is_err());
}

#[test]
#[should_panic(expected = "warning_threshold")]
fn new_panics_on_invalid_config() {
    let _ = MemoryOptimizer::new(MemoryConfig {
        warning_threshold: 2.0,
        enable_auto_gc: false,
        ..MemoryConfig::default()
    });
}

#[test]
fn picks_the_smallest_class_that_fits() {
    let (o, _) = opt(config(1 << 20));
    for (size, class) in [
        (1, 1024),
        (1024, 1024),
        (1025, 4096),
        (4096, 4096),
        (10_000, 16384),
        (65536, 65536),
    ] {
        let b = o.allocate(size).expect("fits");
        assert_eq!(b.len(), size);
        assert_eq!(b.size_class(), Some(class));
        assert_eq!(b.capacity(), class);
        assert!(b.iter().all(|&x| x == 0));
        assert_eq!(o.stats().in_use_bytes, class);
    }
    let s = o.stats();
    // Each buffer went back to its pool: 1 byte then 1024 bytes share a class (one hit),
    // as do 1025 and 4096.
    assert_eq!(
        (s.in_use_bytes, s.allocations, s.pool_misses, s.pool_hits),
        (0, 6, 4, 2)
    );
}

#[test]
fn dropped_buffer_is_reused_and_rezeroed() {
    let (o, _) = opt(config(1 << 20));
    let mut b = o.allocate(3000).expect("fits");
    b.fill(0xAB);
    let ptr = b.as_ptr();
    drop(b);
    let s = o.stats();
    assert_eq!((s.in_use_bytes, s.pooled_bytes), (0, 4096));
    assert_eq!(s.pools[1].pooled_buffers, 1);

    let b = o.allocate(4000).expect("fits");
    assert_eq!(b.as_ptr(), ptr, "same storage");
    assert_eq!(b.len(), 4000);
    assert!(b.iter().all(|&x| x == 0), "previous contents cleared");
    let s = o.stats();
    assert_eq!((s.pool_hits, s.pool_misses), (1, 1));
    assert_eq!((s.in_use_bytes, s.pooled_bytes), (4096, 0));
}

#[test]
fn oversize_allocation_is_accounted_but_not_pooled() {
    let (o, _) = opt(config(1 << 20));
    let b = o.allocate(100_000).expect("fits");
    assert_eq!((b.len(), b.size_class()), (100_000, None));
    assert_eq!(o.stats().in_use_bytes, 100_000);
    drop(b);
    let s = o.stats();
    assert_eq!(
        (s.in_use_bytes, s.pooled_bytes, s.oversize_allocations),
        (0, 0, 1)
    );
    assert_eq!(s.peak_bytes, 100_000);
}

#[test]
fn capacity_exceeded_after_reclaiming_pooled_bytes() {
    let (o, _) = opt(MemoryConfig {
        pool_sizes: vec![1024, 4096],
        ..config(10_000)
    });
    let a = o.allocate(4096).expect("fits");
    let b = o.allocate(4096).expect("fits");
    match o.allocate(4096) {
        Err(Error::CapacityExceeded(msg)) => assert!(msg.contains("10000"), "{msg}"),
        other => panic!("expected CapacityExceeded, got {other:?}"),
    }
    assert_eq!(o.stats().in_use_bytes, 8192);
    drop((a, b));
    assert_eq!(o.stats().pooled_bytes, 8192);
    // 5000 fresh bytes fit only after one idle 4096 buffer is released.
    let big = o.allocate(5000).expect("fits after reclaiming");
    let s = o.stats();
    assert_eq!((s.in_use_bytes, s.pooled_bytes), (5000, 4096));
    assert!(s.total_bytes <= 10_000);
    drop(big);
    assert!(matches!(
        o.allocate(10_001),
        Err(Error::CapacityExceeded(_))
    ));
}

#[test]
fn pooling_disabled_still_accounts() {
    let (o, _) = opt(MemoryConfig {
        enable_pooling: false,
        ..config(1 << 20)
    });
    let b = o.allocate(100).expect("fits");
    assert_eq!((b.size_class(), o.stats().in_use_bytes), (None, 100));
    drop(b);
    let _b = o.allocate(100).expect("fits");
    let s = o.stats();
    assert_eq!((s.pooled_bytes, s.pool_hits, s.pool_misses), (0, 0, 2));
    assert_eq!(s.in_use_bytes, 100);
}

#[test]
fn pool_depth_is_bounded() {
    let (o, _) = opt(config(1 << 20));
    o.set_max_pool_depth(2);
    let bufs: Vec<_> = (0..3).map(|_| o.allocate(10).expect("fits")).collect();
    drop(bufs);
    let s = o.stats();
    assert_eq!(
        (s.pools[0].pooled_buffers, s.pooled_bytes, s.in_use_bytes),
        (2, 2048, 0)
    );
}

#[test]
fn pressure_and_warnings_count_upward_crossings() {
    let (o, _) = opt(MemoryConfig {
        warning_threshold: 0.5,
        ..config(10_000)
    });
    let a = o.allocate(4096).expect("fits");
    assert!(!o.is_under_pressure());
    let b = o.allocate(1024).expect("fits"); // 5120 ≥ 5000
    assert!(o.is_under_pressure());
    let c = o.allocate(1024).expect("fits");
    assert_eq!(o.stats().warnings, 1, "still above: no new warning");
    drop((a, b, c));
    // Pooled bytes still count: the pressure stays until a GC.
    assert!(o.is_under_pressure());
    assert_eq!(
        o.garbage_collect_now(),
        6144,
        "under pressure → every pool emptied"
    );
    assert!(!o.is_under_pressure());
    // 5000 rounds up to the 16384 class, which does not fit: exact, unpooled fallback.
    let d = o.allocate(5000).expect("fits unrounded");
    assert_eq!((d.size_class(), d.accounted_bytes()), (None, 5000));
    assert!(o.is_under_pressure());
    assert_eq!(o.stats().warnings, 2);
    drop(d);
    assert_eq!(o.stats().total_bytes, 0, "fallback buffers are not pooled");
}

#[test]
fn gc_returns_exact_bytes_and_calls_hooks() {
    let (o, _) = opt(config(1 << 20));
    o.set_gc_retain_per_class(1);
    let calls = Arc::new(AtomicUsize::new(0));
    let c = calls.clone();
    o.register_gc_hook(
        "cache",
        Arc::new(move || {
            c.fetch_add(1, Ordering::SeqCst);
            100
        }),
    );
    let bufs: Vec<_> = [10, 10, 10, 2000, 2000]
        .iter()
        .map(|&n| o.allocate(n).expect("fits"))
        .collect();
    drop(bufs);
    assert_eq!(o.stats().pooled_bytes, 3 * 1024 + 2 * 4096);
    // Not under pressure: keep one per class → frees 2×1024 + 1×4096, plus the hook's 100.
    assert_eq!(o.garbage_collect_now(), 2 * 1024 + 4096 + 100);
    assert_eq!(o.stats().pooled_bytes, 1024 + 4096);
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    // Nothing above target: only the hook frees.
    assert_eq!(o.garbage_collect_now(), 100);
    // Same name replaces; a panicking hook counts as 0 and does not stop the others.
    o.register_gc_hook("cache", Arc::new(|| 7));
    o.register_gc_hook("broken", Arc::new(|| panic!("hook bug")));
    assert_eq!(o.garbage_collect_now(), 7);
    assert!(o.unregister_gc_hook("broken"));
    assert!(!o.unregister_gc_hook("broken"));
    let s = o.stats();
    assert_eq!(s.gc_runs, 3);
    assert_eq!(s.gc_freed_bytes, (2 * 1024 + 4096 + 100 + 100 + 7) as u64);
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

#[tokio::test(flavor = "current_thread")]
async fn auto_gc_runs_in_virtual_time_only_when_needed() {
    let (o, clock) = opt(MemoryConfig {
        enable_auto_gc: true,
        ..config(1 << 20)
    });
    o.set_gc_retain_per_class(1);
    let bufs: Vec<_> = (0..3).map(|_| o.allocate(10).expect("fits")).collect();
    drop(bufs);
    clock.advance(Duration::from_secs(29)).await;
    assert_eq!((o.stats().gc_runs, o.stats().pooled_bytes), (0, 3072));
    clock.advance(Duration::from_secs(1)).await;
    assert_eq!((o.stats().gc_runs, o.stats().pooled_bytes), (1, 1024));
    // At the retained target and not under pressure: the next tick does nothing.
    clock.advance(Duration::from_secs(30)).await;
    assert_eq!(o.stats().gc_runs, 1);
    assert_eq!(clock.pending_sleeps(), 1);
    o.close();
    ManualClock::settle().await;
    assert_eq!(clock.pending_sleeps(), 0, "loop stopped on close");
    assert_eq!(o.stats().pooled_bytes, 0);
    assert!(matches!(o.allocate(1), Err(Error::Closed(_))));
}

#[tokio::test(flavor = "current_thread")]
async fn auto_gc_stops_when_the_optimizer_is_dropped() {
    let (o, clock) = opt(MemoryConfig {
        enable_auto_gc: true,
        ..config(1 << 20)
    });
    let buf = o.allocate(10).expect("fits");
    ManualClock::settle().await;
    assert_eq!(clock.pending_sleeps(), 1);
    drop(o);
    ManualClock::settle().await;
    assert_eq!(clock.pending_sleeps(), 0);
    // A buffer outliving its optimizer is simply freed.
    drop(buf);
}

#[test]
fn into_vec_detaches_from_accounting() {
    let (o, _) = opt(config(1 << 20));
    let mut b = o.allocate(5).expect("fits");
    b.copy_from_slice(&[1, 2, 3, 4, 5]);
    let v = b.into_vec();
    assert_eq!(v, vec![1, 2, 3, 4, 5]);
    let s = o.stats();
    assert_eq!((s.in_use_bytes, s.pooled_bytes), (0, 0));
}

#[test]
fn zero_size_allocation_is_empty_and_free() {
    let (o, _) = opt(config(1 << 20));
    let b = o.allocate(0).expect("ok");
    assert!(b.is_empty());
    assert_eq!((b.size_class(), o.stats().in_use_bytes), (None, 0));
}

#[test]
fn stats_serialize_to_json() {
    let (o, _) = opt(config(1 << 20));
    let _b = o.allocate(1).expect("fits");
    let v = serde_json::to_value(o.stats()).expect("serialize");
    assert_eq!(v["in_use_bytes"], 1024);
    assert_eq!(v["pools"][0]["size"], 1024);
}
