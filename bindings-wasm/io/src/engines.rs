//! The cold parts of the hot engines (`mantra-sdk-wasm`'s `__CacheCore` and
//! `__MetricsCore`): building, reports and the single-flight fetch. Here, not generic, so
//! they are compiled once at this crate's opt-level (z) instead of again at the engines'
//! opt-level (3) — the client serializes the same reports.

use std::sync::Arc;

use js_sys::{Function, Promise};
use mantra_sdk::runtime::{BackgroundTask, SharedClock};
use mantra_sdk::{CacheKey, CacheStats, Error, MetricsSnapshot, SingleFlight, TtlCache};
use wasm_bindgen::prelude::*;

use crate::config::{read_cache_config, JsCacheConfig};
use crate::error::{to_js, JsResult};
use crate::host::{call_host, promise};
use crate::ser;

/// The id-keyed cache of `__CacheCore`.
pub type IdCache = TtlCache<(), u32>;

/// The single-flight of `__CacheCore.fetchOnce`.
pub type Flights = SingleFlight<CacheKey, Result<JsValue, Error>>;

/// Reads `config`, builds the cache on `clock` with the removal log on, starts its cleanup.
pub fn build_cache(
    config: &JsValue,
    clock: SharedClock,
) -> JsResult<(Arc<IdCache>, BackgroundTask)> {
    let JsCacheConfig(reader, config, ttls) = read_cache_config(config)?;
    // `spawn_cleanup` needs an `Arc`; on wasm nothing is `Send` and there is one thread.
    #[allow(clippy::arc_with_non_send_sync)]
    let cache = Arc::new(TtlCache::new(config, clock).map_err(|e| reader.error(&e))?);
    for (ty, ttl) in ttls {
        cache.set_type_ttl(ty, ttl).map_err(|e| {
            reader.error(&Error::invalid_config(
                "ttl_by_type",
                format!("`{ty}`: {}", error_reason(&e)),
            ))
        })?;
    }
    cache.set_removal_log(true);
    let cleanup = cache.spawn_cleanup();
    Ok((cache, cleanup))
}

fn error_reason(e: &Error) -> String {
    match e {
        Error::InvalidArgument(m) => m.clone(),
        other => other.to_string(),
    }
}

/// Runs `leader` once for concurrent callers of `flight` (see `__CacheCore.fetchOnce`).
pub fn fetch_once(flights: Flights, flight: CacheKey, leader: JsResult<Function>) -> Promise {
    promise(Box::pin(async move {
        let leader: Function = leader?;
        flights
            .run(flight, || async move {
                call_host(&leader, &[], "cache fetcher").await
            })
            .await
            .map_err(|e| to_js(&e))
    }))
}

/// Cache stats, camelCased.
pub fn cache_stats(stats: &CacheStats) -> JsValue {
    ser::to_js(stats)
}

/// A metrics snapshot, camelCased.
pub fn metrics_snapshot(snapshot: &MetricsSnapshot) -> JsValue {
    ser::to_js(snapshot)
}
