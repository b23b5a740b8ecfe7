//! The seed document's HealthChecker snippet, compiled and run as written (plus a runtime,
//! imports and a registered "dex" check), on the real platform clock.

use std::time::Duration;

use mantra_sdk::{check_fn, HealthChecker, HealthConfig, HealthStatus};

#[tokio::test(flavor = "current_thread")]
async fn seed_health_snippet_runs() -> mantra_sdk::Result<()> {
    let config = HealthConfig {
        enable_auto_checks: true,
        check_interval: Duration::from_secs(30),
        check_timeout: Duration::from_secs(10),
        failure_threshold: 3,
        recovery_threshold: 2,
        enable_auto_recovery: true,
        enable_diagnostics: true,
        ..Default::default()
    };

    let mut health_checker = HealthChecker::new(config);
    health_checker.register_check("dex", check_fn(|| async { Ok(()) }))?;
    health_checker.initialize().await?;

    // Manual health check
    health_checker.run_health_checks().await?;

    // Get system health
    let system_health = health_checker.get_system_health().await;
    println!("Overall status: {:?}", system_health.overall_status);

    // Get protocol-specific health
    let dex_health = health_checker.get_protocol_health("dex").await;

    // Get diagnostic information
    let diagnostics = health_checker.get_diagnostics().await;

    assert_eq!(system_health.overall_status, HealthStatus::Healthy);
    assert_eq!(dex_health.map(|d| d.status), Some(HealthStatus::Healthy));
    assert!(diagnostics.enabled);
    assert!(diagnostics.auto_checks_running);
    assert!(diagnostics.total_runs >= 1);
    health_checker.stop();
    Ok(())
}

#[tokio::test(flavor = "current_thread")]
async fn seed_snippet_without_checks_reports_unknown() -> mantra_sdk::Result<()> {
    let mut health_checker = HealthChecker::new(HealthConfig::default());
    health_checker.initialize().await?;
    let system_health = health_checker.run_health_checks().await?;
    assert_eq!(system_health.overall_status, HealthStatus::Unknown);
    assert!(health_checker.get_protocol_health("dex").await.is_none());
    Ok(())
}
