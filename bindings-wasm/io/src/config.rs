//! The JS config readers of the cache and the metrics collector (also read by the client's
//! `cache` / `metrics` options), here so the client can use them from this crate.

use std::time::Duration;

use js_sys::{Array, Object};
use mantra_sdk::{CacheConfig, CacheType, MetricsConfig};
use wasm_bindgen::prelude::*;

use crate::convert::{describe, ms_value, Config};
use crate::error::{type_error, JsResult};

/// A JS cache config, read: the reader (for error renaming), core's config, per-type TTLs.
pub struct JsCacheConfig(pub Config, pub CacheConfig, pub Vec<(CacheType, Duration)>);

/// Reads a JS cache config (`CacheManager`'s, or the client's `cache` option).
pub fn read_cache_config(value: &JsValue) -> JsResult<JsCacheConfig> {
    let mut r = Config::new(value, "CacheManager config")?;
    let mut c = CacheConfig::default();
    if let Some(n) = r.count("maxEntries", "max_entries")? {
        c.max_entries = n;
    }
    if let Some(d) = r.ms("defaultTtlMs", "default_ttl")? {
        c.default_ttl = d;
    }
    if let Some(b) = r.flag("enableStats", "enable_stats")? {
        c.enable_stats = b;
    }
    if let Some(d) = r.ms("cleanupIntervalMs", "cleanup_interval")? {
        c.cleanup_interval = d;
    }
    if let Some(n) = r.count("maxMemoryBytes", "max_memory_bytes")? {
        c.max_memory_bytes = n;
    }
    let mut ttls = Vec::new();
    if let Some(obj) = r.object("ttlByType", "ttl_by_type")? {
        let mut t = Config::new(&obj.into(), "CacheManager config `ttlByType`")?;
        for ty in CacheType::ALL {
            let name = ty.as_str();
            let Some(v) = t.raw(name, "ttl_by_type") else {
                continue;
            };
            if v.as_f64().is_none() {
                return Err(type_error(&format!(
                    "CacheManager config `ttlByType` option `{name}` must be a number of milliseconds, got {}",
                    describe(&v)
                )));
            }
            // A bad value is the `ttlByType` option's (named so), the type in the message.
            let d = ms_value(&v).map_err(|why| {
                r.error(&mantra_sdk::Error::invalid_config(
                    "ttl_by_type",
                    format!("`{name}` {why}"),
                ))
            })?;
            ttls.push((ty, d));
        }
        t.finish()?;
    }
    r.finish()?;
    Ok(JsCacheConfig(r, c, ttls))
}

/// Reads a JS metrics config over `base` (core's defaults, or the client's).
pub fn read_metrics_config(
    value: &JsValue,
    base: MetricsConfig,
) -> JsResult<(Config, MetricsConfig)> {
    let mut r = Config::new(value, "MetricsCollector config")?;
    let mut c = base;
    if let Some(b) = r.flag("enableProtocolMetrics", "enable_protocol_metrics")? {
        c.enable_protocol_metrics = b;
    }
    if let Some(b) = r.flag("enableMcpMetrics", "enable_mcp_metrics")? {
        c.enable_mcp_metrics = b;
    }
    if let Some(b) = r.flag("enableResourceMetrics", "enable_resource_metrics")? {
        c.enable_resource_metrics = b;
    }
    if let Some(b) = r.flag("enableCustomMetrics", "enable_custom_metrics")? {
        c.enable_custom_metrics = b;
    }
    if let Some(b) = r.flag("enableProcessMetrics", "enable_process_metrics")? {
        c.enable_process_metrics = b;
    }
    if let Some(d) = r.ms("retentionPeriodMs", "retention_period")? {
        c.retention_period = d;
    }
    if let Some(d) = r.ms("aggregationIntervalMs", "aggregation_interval")? {
        c.aggregation_interval = d;
    }
    if let Some(s) = r.string("namespace", "namespace")? {
        c.namespace = s;
    }
    if let Some(n) = r.count("maxSeriesPerFamily", "max_series_per_family")? {
        c.max_series_per_family = n;
    }
    if let Some(n) = r.count("maxCustomMetrics", "max_custom_metrics")? {
        c.max_custom_metrics = n;
    }
    if let Some(n) = r.count("maxWindowEntries", "max_window_entries")? {
        c.max_window_entries = n;
    }
    if let Some(v) = r.raw("histogramBuckets", "histogram_buckets") {
        let bad = || {
            type_error(&format!(
                "MetricsCollector config option `histogramBuckets` must be an array of numbers (seconds), got {}",
                describe(&v)
            ))
        };
        if !Array::is_array(&v) {
            return Err(bad());
        }
        c.histogram_buckets = Array::unchecked_from_js_ref(&v)
            .iter()
            .map(|x: JsValue| x.as_f64().ok_or_else(bad))
            .collect::<JsResult<Vec<f64>>>()?;
    }
    if let Some(obj) = r.object("constLabels", "const_labels")? {
        let mut labels = Vec::new();
        for entry in Object::entries(&obj).iter() {
            let pair = Array::unchecked_from_js_ref(&entry);
            let (k, v): (JsValue, JsValue) = (pair.get(0), pair.get(1));
            let Some(v) = v.as_string() else {
                return Err(type_error(&format!(
                    "MetricsCollector config option `constLabels` values must be strings, got {}",
                    describe(&v)
                )));
            };
            labels.push((k.as_string().unwrap_or_default(), v));
        }
        c.const_labels = labels;
    }
    r.finish()?;
    Ok((r, c))
}
