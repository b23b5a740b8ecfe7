//! [`MonitoringConfig`]: what the [`MonitoringManager`](super::MonitoringManager) collects,
//! exports and serves.

use std::time::Duration;

use crate::error::{check_duration, Error, Result};
use crate::health::HealthConfig;
use crate::metrics::MetricsConfig;
use crate::redact::redact_url;

/// Configuration of a [`MonitoringManager`](super::MonitoringManager).
///
/// What each switch does:
/// - `prometheus_endpoint`: where a Prometheus *server* lives (e.g. `http://localhost:9090`).
///   It is only reported in the system status as a link for operators; the SDK never pushes
///   to it. Prometheus pulls from our `GET /metrics` (see `serve_address`).
/// - `enable_opentelemetry`: keeps the OTLP/HTTP JSON export available through
///   [`MonitoringManager::otlp_json`](super::MonitoringManager::otlp_json) and, when
///   `otlp_endpoint` is also set, POSTs it to `<otlp_endpoint>/v1/metrics` every
///   `collection_interval` through the crate's [`Transport`](crate::transport::Transport).
/// - `enable_tracing`: records one span per traced operation into a bounded in-memory ring
///   (`trace_capacity` entries, oldest evicted first) summarised in the system status.
/// - `collection_interval`: period of the background collection loop started by
///   [`initialize`](super::MonitoringManager::initialize): it records the process RSS (Linux)
///   and runs the registered gauge providers, then pushes OTLP when configured.
/// - `serve_address`: on native targets, serve `GET /metrics`, `/health` and `/status` on
///   this `ip:port` (`"127.0.0.1:0"` picks a free port); `None` serves nothing.
#[derive(Debug, Clone, PartialEq)]
pub struct MonitoringConfig {
    /// Keep the OTLP JSON export available and push it to `otlp_endpoint` when set.
    /// Default `false`.
    pub enable_opentelemetry: bool,
    /// URL of a Prometheus server, for status links only (never pushed to). Default `None`.
    pub prometheus_endpoint: Option<String>,
    /// Period of the collection (and OTLP push) loop. Default 15 s.
    pub collection_interval: Duration,
    /// Record operation spans into the in-memory ring. Default `true`.
    pub enable_tracing: bool,
    /// Configuration of the [`MetricsCollector`](crate::MetricsCollector).
    pub metrics: MetricsConfig,
    /// Configuration of the [`HealthChecker`](crate::HealthChecker). Its `service_name`
    /// defaults to this config's `service_name`.
    pub health: HealthConfig,
    /// `ip:port` (or `localhost:port`) to serve the monitoring endpoint on (native only).
    /// Default `None`.
    pub serve_address: Option<String>,
    /// Name of this service in the status and in `application/health+json`
    /// (`serviceId`). Default `"mantra-sdk"`.
    pub service_name: String,
    /// OTLP/HTTP collector base URL (e.g. `http://localhost:4318`); `/v1/metrics` is
    /// appended unless the URL already ends with it. Used only with `enable_opentelemetry`.
    /// Default `None`.
    pub otlp_endpoint: Option<String>,
    /// Deadline of one OTLP push. Default 10 s.
    pub otlp_timeout: Duration,
    /// Spans kept in the tracing ring. Default 256.
    pub trace_capacity: usize,
    /// Largest request head (request line + headers) the endpoint accepts; bigger requests
    /// get `431`. Default 8 KiB.
    pub max_request_header_bytes: usize,
    /// Deadline for a client to send its request head, and for writing the response; slow
    /// clients get `408` / are disconnected. Default 10 s.
    pub request_timeout: Duration,
    /// Connections the endpoint serves at once; more wait in the listen backlog. Default 64.
    pub max_connections: usize,
}

impl Default for MonitoringConfig {
    fn default() -> Self {
        Self {
            enable_opentelemetry: false,
            prometheus_endpoint: None,
            collection_interval: Duration::from_secs(15),
            enable_tracing: true,
            metrics: MetricsConfig::default(),
            health: HealthConfig::default(),
            serve_address: None,
            service_name: "mantra-sdk".to_string(),
            otlp_endpoint: None,
            otlp_timeout: Duration::from_secs(10),
            trace_capacity: 256,
            max_request_header_bytes: 8 * 1024,
            request_timeout: Duration::from_secs(10),
            max_connections: 64,
        }
    }
}

/// Smallest accepted `max_request_header_bytes` (room for a request line and a few headers).
pub const MIN_REQUEST_HEADER_BYTES: usize = 256;
/// Largest accepted `max_request_header_bytes`.
pub const MAX_REQUEST_HEADER_BYTES: usize = 1024 * 1024;

impl MonitoringConfig {
    /// Checks every field (and the nested metrics and health configs); the error names the
    /// first offending field.
    pub fn validate(&self) -> Result<()> {
        if let Some(url) = &self.prometheus_endpoint {
            check_http_url("prometheus_endpoint", url)?;
        }
        check_duration("collection_interval", self.collection_interval)?;
        if let Some(url) = &self.otlp_endpoint {
            check_http_url("otlp_endpoint", url)?;
        }
        check_duration("otlp_timeout", self.otlp_timeout)?;
        check_duration("request_timeout", self.request_timeout)?;
        if self.service_name.trim().is_empty() {
            return Err(Error::invalid_config("service_name", "must not be empty"));
        }
        if self.trace_capacity == 0 {
            return Err(Error::invalid_config(
                "trace_capacity",
                "must be at least 1",
            ));
        }
        if !(MIN_REQUEST_HEADER_BYTES..=MAX_REQUEST_HEADER_BYTES)
            .contains(&self.max_request_header_bytes)
        {
            return Err(Error::invalid_config(
                "max_request_header_bytes",
                format!(
                    "must be between {MIN_REQUEST_HEADER_BYTES} and {MAX_REQUEST_HEADER_BYTES}"
                ),
            ));
        }
        if self.max_connections == 0 {
            return Err(Error::invalid_config(
                "max_connections",
                "must be at least 1",
            ));
        }
        if let Some(addr) = &self.serve_address {
            check_serve_address(addr)?;
        }
        self.metrics.validate()?;
        self.health.validate()?;
        Ok(())
    }

    /// The OTLP metrics URL pushed to, when pushing is on (`enable_opentelemetry` and
    /// `otlp_endpoint` set).
    pub fn otlp_metrics_url(&self) -> Option<String> {
        if !self.enable_opentelemetry {
            return None;
        }
        let base = self.otlp_endpoint.as_deref()?.trim();
        let base = base.trim_end_matches('/');
        if base.ends_with("/v1/metrics") {
            Some(base.to_string())
        } else {
            Some(format!("{base}/v1/metrics"))
        }
    }
}

/// `url` must be an absolute `http://` or `https://` URL with a host.
pub(crate) fn check_http_url(field: &'static str, url: &str) -> Result<()> {
    let bad = |why: &str| {
        Err(Error::invalid_config(
            field,
            format!("{why} (got {:?})", redact_url(url)),
        ))
    };
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return bad("must not contain whitespace");
    }
    let lower = url.to_ascii_lowercase();
    let rest = if lower.starts_with("http://") {
        &url[7..]
    } else if lower.starts_with("https://") {
        &url[8..]
    } else {
        return bad("must be an http:// or https:// URL");
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host_port = authority.rsplit('@').next().unwrap_or("");
    let (host, port) = if let Some(v6) = host_port.strip_prefix('[') {
        match v6.split_once(']') {
            Some((h, p)) => (h, p.strip_prefix(':')),
            None => return bad("has an unterminated IPv6 host"),
        }
    } else {
        match host_port.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (host_port, None),
        }
    };
    if host.is_empty() {
        return bad("must name a host");
    }
    if let Some(p) = port {
        if p.parse::<u16>().is_err() {
            return bad("has an invalid port");
        }
    }
    Ok(())
}

/// `addr` must be `ip:port` or `localhost:port` (no DNS lookups at validation time).
pub(crate) fn check_serve_address(addr: &str) -> Result<()> {
    #[cfg(all(target_family = "wasm", target_os = "unknown"))]
    {
        let _ = addr;
        Err(Error::invalid_config(
            "serve_address",
            "serving the monitoring endpoint is not supported on wasm",
        ))
    }
    #[cfg(not(all(target_family = "wasm", target_os = "unknown")))]
    {
        parse_serve_address(addr).map(|_| ())
    }
}

/// Parses `ip:port` or `localhost:port` (→ `127.0.0.1:port`).
#[cfg(not(all(target_family = "wasm", target_os = "unknown")))]
pub(crate) fn parse_serve_address(addr: &str) -> Result<std::net::SocketAddr> {
    let addr = addr.trim();
    if let Ok(a) = addr.parse::<std::net::SocketAddr>() {
        return Ok(a);
    }
    if let Some(port) = addr
        .strip_prefix("localhost:")
        .and_then(|p| p.parse::<u16>().ok())
    {
        return Ok(std::net::SocketAddr::from(([127, 0, 0, 1], port)));
    }
    Err(Error::invalid_config(
        "serve_address",
        format!("must be ip:port or localhost:port (got {addr:?})"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field_of(cfg: MonitoringConfig) -> &'static str {
        match cfg.validate() {
            Err(Error::InvalidConfig { field, .. }) => field,
            other => panic!("expected InvalidConfig, got {other:?}"),
        }
    }

    #[test]
    fn defaults_and_the_seed_config_are_valid() {
        MonitoringConfig::default().validate().unwrap();
        let seed = MonitoringConfig {
            enable_opentelemetry: false,
            prometheus_endpoint: Some("http://localhost:9090".to_string()),
            collection_interval: Duration::from_secs(10),
            enable_tracing: true,
            ..Default::default()
        };
        seed.validate().unwrap();
        assert_eq!(seed.otlp_metrics_url(), None);
    }

    #[test]
    fn invalid_fields_are_named() {
        let d = MonitoringConfig::default;
        let cases: Vec<(&str, MonitoringConfig)> = vec![
            (
                "prometheus_endpoint",
                MonitoringConfig {
                    prometheus_endpoint: Some("localhost:9090".into()),
                    ..d()
                },
            ),
            (
                "prometheus_endpoint",
                MonitoringConfig {
                    prometheus_endpoint: Some("ftp://prom:9090".into()),
                    ..d()
                },
            ),
            (
                "prometheus_endpoint",
                MonitoringConfig {
                    prometheus_endpoint: Some("http://:9090/".into()),
                    ..d()
                },
            ),
            (
                "prometheus_endpoint",
                MonitoringConfig {
                    prometheus_endpoint: Some("http://prom:99999".into()),
                    ..d()
                },
            ),
            (
                "collection_interval",
                MonitoringConfig {
                    collection_interval: Duration::ZERO,
                    ..d()
                },
            ),
            (
                "collection_interval",
                MonitoringConfig {
                    collection_interval: Duration::MAX,
                    ..d()
                },
            ),
            (
                "otlp_endpoint",
                MonitoringConfig {
                    otlp_endpoint: Some("collector:4318".into()),
                    ..d()
                },
            ),
            (
                "otlp_timeout",
                MonitoringConfig {
                    otlp_timeout: Duration::ZERO,
                    ..d()
                },
            ),
            (
                "request_timeout",
                MonitoringConfig {
                    request_timeout: Duration::ZERO,
                    ..d()
                },
            ),
            (
                "service_name",
                MonitoringConfig {
                    service_name: " ".into(),
                    ..d()
                },
            ),
            (
                "trace_capacity",
                MonitoringConfig {
                    trace_capacity: 0,
                    ..d()
                },
            ),
            (
                "max_request_header_bytes",
                MonitoringConfig {
                    max_request_header_bytes: 10,
                    ..d()
                },
            ),
            (
                "max_connections",
                MonitoringConfig {
                    max_connections: 0,
                    ..d()
                },
            ),
            (
                "serve_address",
                MonitoringConfig {
                    serve_address: Some("example.com:80".into()),
                    ..d()
                },
            ),
            (
                "aggregation_interval",
                MonitoringConfig {
                    metrics: MetricsConfig {
                        aggregation_interval: Duration::ZERO,
                        ..Default::default()
                    },
                    ..d()
                },
            ),
            (
                "failure_threshold",
                MonitoringConfig {
                    health: HealthConfig {
                        failure_threshold: 0,
                        ..Default::default()
                    },
                    ..d()
                },
            ),
        ];
        for (want, cfg) in cases {
            assert_eq!(field_of(cfg), want);
        }
    }

    #[test]
    fn url_errors_do_not_leak_credentials() {
        let e = MonitoringConfig {
            prometheus_endpoint: Some("ftp://admin:hunter2@prom:9090".into()),
            ..Default::default()
        }
        .validate()
        .unwrap_err();
        assert!(!e.to_string().contains("hunter2"), "{e}");
    }

    #[test]
    fn urls_that_are_accepted() {
        for u in [
            "http://localhost:9090",
            "HTTPS://prom.example.com/prometheus/",
            "http://user:pw@10.0.0.1:9090/x?y#z",
            "http://[::1]:9090",
        ] {
            check_http_url("prometheus_endpoint", u).unwrap_or_else(|e| panic!("{u}: {e}"));
        }
    }

    #[test]
    fn otlp_url_appends_the_metrics_path_once() {
        let cfg = |e: &str| MonitoringConfig {
            enable_opentelemetry: true,
            otlp_endpoint: Some(e.into()),
            ..Default::default()
        };
        assert_eq!(
            cfg("http://c:4318").otlp_metrics_url().as_deref(),
            Some("http://c:4318/v1/metrics")
        );
        assert_eq!(
            cfg("http://c:4318/").otlp_metrics_url().as_deref(),
            Some("http://c:4318/v1/metrics")
        );
        assert_eq!(
            cfg("http://c:4318/v1/metrics")
                .otlp_metrics_url()
                .as_deref(),
            Some("http://c:4318/v1/metrics")
        );
        let off = MonitoringConfig {
            enable_opentelemetry: false,
            ..cfg("http://c:4318")
        };
        assert_eq!(off.otlp_metrics_url(), None);
    }

    #[cfg(not(all(target_family = "wasm", target_os = "unknown")))]
    #[test]
    fn serve_addresses() {
        assert_eq!(
            parse_serve_address("127.0.0.1:0").unwrap(),
            "127.0.0.1:0".parse().unwrap()
        );
        assert_eq!(
            parse_serve_address("localhost:9464").unwrap(),
            "127.0.0.1:9464".parse().unwrap()
        );
        assert!(parse_serve_address("[::1]:80").is_ok());
        assert!(parse_serve_address("127.0.0.1").is_err());
    }
}
