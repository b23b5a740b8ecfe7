//! `client.cache`: a `MantraClient`'s response cache — core's [`CacheManager`] of JSON
//! values the client shares — with the standalone `CacheManager`'s operations (see
//! `index.d.ts`, `ResponseCache`). Values cross as JSON (they are stored in core as
//! `serde_json::Value`s, unlike the standalone cache's JS-held values).

use js_sys::{Function, Promise};
use mantra_sdk::{CacheManager, CacheType};
use wasm_bindgen::prelude::*;

use crate::convert::{describe, from_json, function, json, ms_from_duration, string, Config};
use crate::error::{to_js, type_error, JsResult};
use crate::host::{call_host, error_from_js, promise};

/// The response cache of a `MantraClient` (internal class: `client.cache`).
#[wasm_bindgen(js_name = "__ResponseCache")]
pub struct ResponseCache {
    inner: CacheManager,
}

impl ResponseCache {
    /// The cache of a client (a handle on the same entries).
    pub(crate) fn new(inner: CacheManager) -> Self {
        Self { inner }
    }
}

/// A cache type argument: `undefined`/`null` → core's default type; a name core knows;
/// anything else a `TypeError` naming `what`.
fn cache_type(value: &JsValue, what: &str) -> JsResult<CacheType> {
    if value.is_undefined() || value.is_null() {
        return Ok(CacheType::default());
    }
    let Some(name) = value.as_string() else {
        return Err(type_error(&format!(
            "{what}: type must be a cache type name, got {}",
            describe(value)
        )));
    };
    name.parse::<CacheType>().map_err(|e| to_js(&e))
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[wasm_bindgen(js_class = "__ResponseCache")]
impl ResponseCache {
    /// The live value, refreshing its recency; `undefined` if absent or expired.
    pub fn get(&self, key: JsValue, type_: JsValue) -> JsResult<JsValue> {
        let key = string(&key, "ResponseCache.get(key)")?;
        let t = cache_type(&type_, "ResponseCache.get")?;
        Ok(self
            .inner
            .get_value(&key, t)
            .map_or(JsValue::UNDEFINED, |v| from_json(&v)))
    }

    /// Whether a live entry exists (no recency or counter change).
    pub fn has(&self, key: JsValue, type_: JsValue) -> JsResult<bool> {
        let key = string(&key, "ResponseCache.has(key)")?;
        let t = cache_type(&type_, "ResponseCache.has")?;
        Ok(self.inner.contains(&key, t))
    }

    /// Stores a JSON value with the type's TTL or `options.ttlMs`; core evicts and refuses.
    pub fn put(
        &self,
        key: JsValue,
        value: JsValue,
        type_: JsValue,
        options: JsValue,
    ) -> JsResult<()> {
        let key = string(&key, "ResponseCache.put(key)")?;
        let value = json(&value, "ResponseCache.put(key, value)")?;
        let t = cache_type(&type_, "ResponseCache.put")?;
        let mut r = Config::options(&options, "ResponseCache.put")?;
        let ttl = r.ms("ttlMs", "ttl")?;
        r.finish()?;
        match ttl {
            Some(ttl) => self.inner.put_value_with_ttl(key, value, t, ttl),
            None => self.inner.put_value(key, value, t),
        }
        .map_err(|e| r.error(&e))
    }

    /// Removes one entry; returns whether it was stored.
    pub fn remove(&self, key: JsValue, type_: JsValue) -> JsResult<bool> {
        let key = string(&key, "ResponseCache.remove(key)")?;
        let t = cache_type(&type_, "ResponseCache.remove")?;
        Ok(self.inner.remove(&key, t))
    }

    /// Removes every entry.
    pub fn clear(&self) {
        self.inner.clear();
    }

    /// Removes every entry of one type; returns how many.
    #[wasm_bindgen(js_name = clearType)]
    pub fn clear_type(&self, type_: JsValue) -> JsResult<u32> {
        if type_.is_undefined() || type_.is_null() {
            return Err(type_error("ResponseCache.clearType: type is required"));
        }
        let t = cache_type(&type_, "ResponseCache.clearType")?;
        Ok(count(self.inner.clear_type(t)))
    }

    /// Drops expired entries now; returns how many.
    pub fn cleanup(&self) -> u32 {
        count(self.inner.cleanup())
    }

    /// Entries stored (expired ones count until removed).
    pub fn len(&self) -> u32 {
        count(self.inner.len())
    }

    /// Same as `len()`.
    #[wasm_bindgen(getter)]
    pub fn size(&self) -> u32 {
        self.len()
    }

    /// Hits, misses, evictions, expirations, entries, memory and hit rate.
    pub fn stats(&self) -> JsValue {
        crate::engines::cache_stats(&self.inner.stats())
    }

    /// Zeroes the counters.
    #[wasm_bindgen(js_name = resetStats)]
    pub fn reset_stats(&self) {
        self.inner.reset_stats();
    }

    /// The TTL in ms that puts of `type` get.
    #[wasm_bindgen(js_name = ttlMs)]
    pub fn ttl_ms(&self, type_: JsValue) -> JsResult<f64> {
        let t = cache_type(&type_, "ResponseCache.ttlMs")?;
        Ok(ms_from_duration(self.inner.type_ttl(t)))
    }

    /// The cached value, or `fetcher()`'s JSON result, cached and returned; concurrent
    /// callers of one key share one fetch (core's single-flight).
    #[wasm_bindgen(js_name = getOrFetch)]
    pub fn get_or_fetch(&self, key: JsValue, type_: JsValue, fetcher: JsValue) -> Promise {
        let args = (|| -> JsResult<(String, CacheType, Function)> {
            Ok((
                string(&key, "ResponseCache.getOrFetch(key)")?,
                cache_type(&type_, "ResponseCache.getOrFetch")?,
                function(&fetcher, "ResponseCache.getOrFetch(key, type, fetcher)")?,
            ))
        })();
        let cache = self.inner.clone();
        promise(Box::pin(async move {
            let (key, t, f) = args?;
            let value = cache
                .get_or_fetch_value(&key, t, || async move {
                    let out = call_host(&f, &[], "cache fetcher").await?;
                    json(&out, "the cache fetcher's result")
                        .map_err(|e| error_from_js(&e, "cache fetcher"))
                })
                .await
                .map_err(|e| to_js(&e))?;
            Ok(from_json(&value))
        }))
    }
}
