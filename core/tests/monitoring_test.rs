//! The seed document's monitoring examples (`tests/monitoring_test.rs` in the seed):
//! MetricsCollector, HealthChecker and MonitoringManager, with the seed snippets run as
//! written (plus imports, a runtime and a registered check), on the real platform clock.
#![cfg(not(all(target_family = "wasm", target_os = "unknown")))]

use std::time::Duration;

use mantra_sdk::{
    check_fn, CheckOutcome, Error, HealthChecker, HealthConfig, HealthStatus, MetricType,
    MetricsCollector, MetricsConfig, MonitoringConfig, MonitoringManager,
};

#[tokio::test(flavor = "current_thread")]
async fn seed_metrics_collection() -> mantra_sdk::Result<()> {
    let config = MetricsConfig {
        enable_protocol_metrics: true,
        enable_mcp_metrics: true,
        enable_resource_metrics: true,
        enable_custom_metrics: true,
        retention_period: Duration::from_secs(24 * 3600),
        aggregation_interval: Duration::from_secs(60),
        ..Default::default()
    };

    let mut collector = MetricsCollector::new(config);
    collector.initialize().await?;

    // Record protocol operation
    collector
        .record_protocol_operation("dex", "swap", Duration::from_millis(50), true, None)
        .await;

    // Record MCP request
    collector
        .record_mcp_request(Duration::from_millis(25), true, "http")
        .await;

    // Record custom metrics
    collector
        .record_custom_metric(
            "business_logic",
            "user_transactions",
            42.0,
            MetricType::Counter,
        )
        .await;

    // Get all metrics
    let all_metrics = collector.get_all_metrics().await;

    let ops = all_metrics
        .family("mantra_protocol_operations_total")
        .expect("protocol family");
    let swap = ops
        .series_with(&[
            ("protocol", "dex"),
            ("operation", "swap"),
            ("status", "success"),
        ])
        .expect("dex swap series");
    assert_eq!(swap.value, Some(1.0));
    let lat = all_metrics
        .family("mantra_protocol_operation_duration_seconds")
        .unwrap()
        .series_with(&[("protocol", "dex")])
        .unwrap()
        .histogram
        .clone()
        .unwrap();
    assert_eq!(lat.count, 1);
    assert!((lat.sum - 0.05).abs() < 1e-9);
    let custom = all_metrics
        .family("mantra_custom_business_logic_user_transactions_total")
        .unwrap();
    assert_eq!(custom.series[0].value, Some(42.0));
    assert!(collector
        .prometheus()
        .contains("mantra_mcp_requests_total{transport=\"http\",status=\"success\"} 1"));
    collector.close();
    Ok(())
}

#[tokio::test(flavor = "current_thread")]
async fn seed_health_checks_and_diagnostics() -> mantra_sdk::Result<()> {
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
    health_checker.register_check(
        "indexer",
        check_fn(|| async { Ok(CheckOutcome::degraded("catching up")) }),
    )?;
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

    assert_eq!(system_health.overall_status, HealthStatus::Degraded);
    assert_eq!(dex_health.unwrap().status, HealthStatus::Healthy);
    assert_eq!(diagnostics.component_count, 2);
    assert!(diagnostics.total_runs >= 1);
    health_checker.stop();
    Ok(())
}

#[tokio::test(flavor = "current_thread")]
async fn seed_comprehensive_monitoring() -> mantra_sdk::Result<()> {
    let config = MonitoringConfig {
        enable_opentelemetry: false,
        prometheus_endpoint: Some("http://localhost:9090".to_string()),
        collection_interval: Duration::from_secs(10),
        enable_tracing: true,
        ..Default::default()
    };

    let mut manager = MonitoringManager::new(config);
    manager.initialize().await?;

    // Get comprehensive system status
    let system_status = manager.get_system_status().await;

    // Access individual components
    let metrics_collector = manager.metrics();
    let health_checker = manager.health();

    assert_eq!(system_status.overall_status, HealthStatus::Unknown);
    assert_eq!(system_status.metrics.operations_total, 0);
    assert_eq!(
        system_status.prometheus_endpoint.as_deref(),
        Some("http://localhost:9090")
    );
    assert!(system_status.collection.running);
    assert!(system_status.tracing.enabled);
    assert_eq!(system_status.endpoint, None, "serve_address was not set");
    assert_eq!(manager.otlp_json(), None, "opentelemetry is disabled");

    // The components are the manager's own: what they record shows in the status.
    metrics_collector
        .record_protocol_operation("dex", "swap", Duration::from_millis(50), true, None)
        .await;
    health_checker.register_check("dex", check_fn(|| async { Ok(()) }))?;
    health_checker.run_health_checks().await?;
    let out: Result<u32, Error> = manager.trace("dex", "simulate", async { Ok(7) }).await;
    assert_eq!(out, Ok(7));

    let status = manager.get_system_status().await;
    assert_eq!(status.overall_status, HealthStatus::Healthy);
    assert_eq!(status.metrics.operations_total, 2);
    assert_eq!(status.metrics.protocols["dex"].operations, 2);
    assert!(status.metrics.protocols["dex"].p50.is_some());
    assert_eq!(status.tracing.recorded, 1);
    assert_eq!(status.tracing.recent[0].name, "dex.simulate");
    let json: serde_json::Value = serde_json::from_str(&manager.status_json()).unwrap();
    assert_eq!(json["health"]["components"]["dex"]["status"], "healthy");
    let health: serde_json::Value = serde_json::from_str(&manager.health_json()).unwrap();
    assert_eq!(health["status"], "pass");
    assert!(manager
        .prometheus()
        .contains("# TYPE mantra_protocol_operations_total counter"));

    manager.close();
    assert!(!manager.get_system_status().await.collection.running);
    Ok(())
}

#[tokio::test(flavor = "current_thread")]
async fn seed_monitoring_with_opentelemetry_keeps_otlp_available() -> mantra_sdk::Result<()> {
    let mut manager = MonitoringManager::new(MonitoringConfig {
        enable_opentelemetry: true,
        ..Default::default()
    });
    manager.initialize().await?;
    manager
        .metrics()
        .record_protocol_operation("bank", "send", Duration::from_millis(4), true, None)
        .await;
    let otlp: serde_json::Value =
        serde_json::from_str(&manager.otlp_json().expect("enabled")).unwrap();
    assert!(otlp["resourceMetrics"][0]["scopeMetrics"][0]["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m["name"] == "mantra_protocol_operations_total"));
    // No otlp_endpoint: nothing to push to.
    assert_eq!(
        manager.export_otlp_now().await.unwrap_err().code(),
        "invalid_argument"
    );
    manager.close();
    Ok(())
}
