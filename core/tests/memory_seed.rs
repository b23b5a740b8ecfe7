//! The seed's MemoryOptimizer snippet, through the crate-root imports.

use std::time::Duration;

use mantra_sdk::{CowBuffer, MemoryConfig, MemoryOptimizer};

#[tokio::test]
async fn seed_memory_optimizer_snippet() -> mantra_sdk::Result<()> {
    let config = MemoryConfig {
        max_memory_bytes: 512 * 1024 * 1024, // 512MB
        warning_threshold: 0.8,
        enable_auto_gc: true,
        gc_interval: Duration::from_secs(30),
        enable_pooling: true,
        pool_sizes: vec![1024, 4096, 16384, 65536],
    };

    let optimizer = MemoryOptimizer::new(config);

    // Allocate from pool
    let buffer = optimizer.allocate(4096)?;

    // Create copy-on-write buffer
    let cow_buffer = optimizer.create_cow_buffer(vec![1, 2, 3, 4]);

    // Manual garbage collection
    let freed_bytes = optimizer.garbage_collect().await;

    assert_eq!(buffer.len(), 4096);
    let shared: CowBuffer = cow_buffer.clone();
    assert!(shared.is_shared());
    assert_eq!(freed_bytes, 0, "nothing idle in the pools yet");
    Ok(())
}
