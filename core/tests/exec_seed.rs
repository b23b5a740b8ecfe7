//! The seed's AsyncOptimizer snippet, through the crate-root imports.

use std::time::Duration;

use mantra_sdk::runtime::BoxFuture;
use mantra_sdk::{AsyncOptimizer, Priority};

#[tokio::test]
async fn seed_async_optimizer_snippet() -> mantra_sdk::Result<()> {
    let optimizer = AsyncOptimizer::new(8); // 8 concurrent operations

    // Execute with priority
    let result = optimizer
        .execute_with_priority(
            "high_priority_op".to_string(),
            Priority::High,
            Duration::from_secs(10),
            async {
                // Your async operation here
                Ok("success".to_string())
            },
        )
        .await?;
    assert_eq!(result, "success");

    // Execute multiple operations in parallel (distinct async blocks are boxed).
    let futures: Vec<(String, BoxFuture<'static, mantra_sdk::Result<i32>>)> = vec![
        ("op1".to_string(), Box::pin(async { Ok(1) })),
        ("op2".to_string(), Box::pin(async { Ok(2) })),
        ("op3".to_string(), Box::pin(async { Ok(3) })),
    ];

    let results = optimizer.execute_parallel(futures).await;
    assert_eq!(results, vec![Ok(1), Ok(2), Ok(3)]);
    Ok(())
}
