//! Monitoring: the [`MonitoringManager`] coordinates a [`MetricsCollector`](crate::MetricsCollector),
//! a [`HealthChecker`](crate::HealthChecker), a bounded tracing ring, a background
//! collection loop (process memory + registered gauge providers), the exports (Prometheus
//! text 0.0.4, OTLP/HTTP JSON — pushed when configured —, `application/health+json`, a
//! JSON system status) and, on native targets, an HTTP endpoint serving them:
//! `GET /metrics`, `GET /health` (200 / 503), `GET /status`.
//!
//! Prometheus *pulls*: point a scrape job at `http://<serve_address>/metrics`.
//! [`MonitoringConfig::prometheus_endpoint`] only names the Prometheus server for the
//! status report; nothing is ever pushed to it.
//!
//! ```no_run
//! # use std::time::Duration;
//! use mantra_sdk::{MonitoringManager, MonitoringConfig};
//! # async fn demo() -> mantra_sdk::Result<()> {
//! let mut manager = MonitoringManager::new(MonitoringConfig {
//!     serve_address: Some("127.0.0.1:9464".into()),
//!     ..Default::default()
//! });
//! manager.initialize().await?;
//! manager
//!     .trace("dex", "swap", async { Ok::<_, mantra_sdk::Error>(42) })
//!     .await?;
//! println!("{}", manager.status_json());
//! manager.close();
//! # Ok(())
//! # }
//! ```

mod config;
#[cfg(not(all(target_family = "wasm", target_os = "unknown")))]
mod http;
mod manager;
#[cfg(not(all(target_family = "wasm", target_os = "unknown")))]
mod server;
mod spans;
mod status;

pub use config::MonitoringConfig;
pub use manager::MonitoringManager;
pub use spans::{
    MonitoringSpan, MonitoringSpanGuard, MonitoringTracingSummary, MAX_SPAN_ERROR_BYTES,
    MAX_SPAN_NAME_BYTES, STATUS_RECENT_SPANS,
};
pub use status::{
    MonitoringCollectionStatus, MonitoringComponentSummary, MonitoringHealthSummary,
    MonitoringMetricsSummary, MonitoringOtlpStatus, MonitoringProtocolSummary,
    MonitoringSystemStatus,
};

#[cfg(test)]
mod tests;
