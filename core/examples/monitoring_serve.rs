//! Serves the monitoring endpoint while recording a synthetic workload, for the real
//! Prometheus scrape test (`make test-prometheus-scrape`):
//!
//! ```text
//! monitoring_serve [ADDR] [SECONDS]     # defaults: 127.0.0.1:0 and 60
//! ```
//!
//! Prints `listening on http://IP:PORT` once serving, then records protocol operations
//! (`dex/swap`, `dex/pools`, `bank/send`, a few errors), server requests and a custom
//! counter every 10 ms for SECONDS seconds, and exits.

use std::time::Duration;

use mantra_sdk::runtime::{default_clock, Jitter};
use mantra_sdk::{
    check_fn, HealthConfig, MetricType, MetricsResourceUsage, MonitoringConfig, MonitoringManager,
};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let addr = args.next().unwrap_or_else(|| "127.0.0.1:0".to_string());
    let seconds: u64 = match args.next() {
        Some(s) => s.parse()?,
        None => 60,
    };

    let mut manager = MonitoringManager::try_new(MonitoringConfig {
        serve_address: Some(addr),
        prometheus_endpoint: Some("http://127.0.0.1:9090".into()),
        collection_interval: Duration::from_secs(1),
        service_name: "monitoring-serve-example".into(),
        health: HealthConfig {
            enable_auto_checks: true,
            check_interval: Duration::from_secs(5),
            ..Default::default()
        },
        ..Default::default()
    })?;
    manager
        .health()
        .register_check("workload", check_fn(|| async { Ok(()) }))?;
    let queue = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let q = queue.clone();
    manager.register_gauge_provider("queue", move |metrics| {
        metrics.record_resource_usage(&MetricsResourceUsage {
            pending_requests: Some(q.load(std::sync::atomic::Ordering::Relaxed)),
            ..Default::default()
        });
    })?;
    manager.initialize().await?;
    let local = manager.local_addr().ok_or("not serving")?;
    println!("listening on http://{local}");

    let clock = default_clock();
    let mut jitter = Jitter::new(42);
    let end = clock.now() + Duration::from_secs(seconds);
    let ops = [("dex", "swap"), ("dex", "pools"), ("bank", "send")];
    let mut i = 0u64;
    while clock.now() < end {
        let (protocol, operation) = ops[(i % 3) as usize];
        // Latencies spread over 1 ms .. ~300 ms (heavier tail for pools).
        let r = jitter.next_f64();
        let ms = 1.0 + r * r * if operation == "pools" { 300.0 } else { 80.0 };
        let latency = Duration::from_secs_f64(ms / 1000.0);
        let success = i % 17 != 0;
        let error = (!success).then_some("timeout");
        let m = manager.metrics();
        m.record_protocol_operation(protocol, operation, latency, success, error)
            .await;
        m.record_mcp_request(latency / 2, true, "http").await;
        m.record_custom_metric("workload", "iterations", 1.0, MetricType::Counter)
            .await;
        manager.record_span(&format!("{protocol}.{operation}"), latency, success, error);
        queue.store(i % 32, std::sync::atomic::Ordering::Relaxed);
        i += 1;
        clock.sleep(Duration::from_millis(10)).await;
    }
    println!("recorded {i} operations");
    manager.close();
    Ok(())
}
