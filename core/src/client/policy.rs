//! Per-method call policy (cache type and TTL, deduplication, batching, priority) and
//! canonical cache keys. The table in the [module docs](super) describes these rules.

use std::time::Duration;

use serde_json::Value;

use crate::error::Error;

use super::config::CachePolicy;
use crate::cache::CacheType;
use crate::exec::Priority;
use crate::rpc::SMART_QUERY_PATH;

/// How one call travels the request path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct CallPolicy {
    /// Cache type and TTL, or `None` to never cache.
    pub cache: Option<(CacheType, Duration)>,
    /// Identical in-flight calls share one request.
    pub dedup: bool,
    /// May join a JSON-RPC batch.
    pub batch: bool,
    /// Executor / batch priority.
    pub priority: Priority,
}

impl CallPolicy {
    /// A write: never cached, never deduplicated, never batched, high priority.
    pub(crate) const WRITE: CallPolicy = CallPolicy {
        cache: None,
        dedup: false,
        batch: false,
        priority: Priority::High,
    };

    /// A read that is not cached but may be deduplicated and batched.
    pub(crate) const UNCACHED_READ: CallPolicy = CallPolicy {
        cache: None,
        dedup: true,
        batch: true,
        priority: Priority::Normal,
    };

    /// A cached read of `ty` for `ttl` (no caching when `ttl` is zero).
    pub(crate) fn cached(ty: CacheType, ttl: Duration) -> CallPolicy {
        CallPolicy {
            cache: (!ttl.is_zero()).then_some((ty, ttl)),
            ..Self::UNCACHED_READ
        }
    }
}

/// Whether `method` changes state (or the node): sent alone, never cached or shared.
pub(crate) fn is_write(method: &str) -> bool {
    method.starts_with("broadcast_") || method.starts_with("unsafe_") || method.starts_with("dial_")
}

/// The `height` param as a number: `None` when absent, null, zero (latest) or unparsable.
fn fixed_height(params: &Value) -> Option<u64> {
    let h = params.get("height")?;
    let n = match h {
        Value::String(s) => s.trim().parse::<u64>().ok()?,
        Value::Number(n) => n.as_u64()?,
        _ => return None,
    };
    (n > 0).then_some(n)
}

/// Why `method` cannot take a [`CachePolicy::method_ttls`] entry (which would be ignored):
/// a write is never cached, and the methods [`classify`] gives a TTL of their own (the
/// module docs' table) do not read `method_ttls`. Asked of `classify` itself, so the two
/// cannot disagree.
pub(crate) fn method_ttl_refusal(method: &str) -> Option<&'static str> {
    if is_write(method) {
        return Some("changes state and is never cached");
    }
    let zero = Duration::ZERO;
    let probe = CachePolicy {
        node_status_ttl: zero,
        block_ttl: zero,
        query_at_height_ttl: zero,
        query_latest_ttl: zero,
        contract_query_ttl: zero,
        pool_info_ttl: zero,
        simulation_ttl: zero,
        method_ttls: [(method.to_string(), Duration::from_secs(1))].into(),
    };
    classify(&probe, method, &Value::Null)
        .cache
        .is_none()
        .then_some("has its own TTL in the cache policy")
}

/// The policy of a call of `method` with `params` (the rules of the module docs' table).
pub(crate) fn classify(policy: &CachePolicy, method: &str, params: &Value) -> CallPolicy {
    if is_write(method) {
        return CallPolicy::WRITE;
    }
    match method {
        "status" | "abci_info" => CallPolicy::cached(CacheType::NodeStatus, policy.node_status_ttl),
        "block" | "header" | "commit" | "validators" | "block_results" => {
            match fixed_height(params) {
                Some(_) => CallPolicy::cached(CacheType::Block, policy.block_ttl),
                None => CallPolicy::cached(CacheType::NodeStatus, policy.node_status_ttl),
            }
        }
        "tx" => CallPolicy::cached(CacheType::Block, policy.block_ttl),
        "abci_query" => {
            let smart = params.get("path").and_then(Value::as_str) == Some(SMART_QUERY_PATH);
            match (smart, fixed_height(params)) {
                (true, None) => {
                    CallPolicy::cached(CacheType::ContractQuery, policy.contract_query_ttl)
                }
                (true, Some(_)) => {
                    CallPolicy::cached(CacheType::ContractQuery, policy.query_at_height_ttl)
                }
                (false, None) => CallPolicy::cached(CacheType::Generic, policy.query_latest_ttl),
                (false, Some(_)) => {
                    CallPolicy::cached(CacheType::Generic, policy.query_at_height_ttl)
                }
            }
        }
        other => match policy.method_ttls.get(other) {
            Some(ttl) => CallPolicy::cached(CacheType::Generic, *ttl),
            None => CallPolicy::UNCACHED_READ,
        },
    }
}

/// The cache / single-flight key of a call: `method` + the params as canonical JSON
/// (object keys sorted at every level, `null` params written as `{}`).
pub(crate) fn cache_key(method: &str, params: &Value) -> String {
    let mut out = Vec::with_capacity(method.len() + 64);
    out.extend_from_slice(method.as_bytes());
    out.push(b' ');
    if params.is_null() {
        out.extend_from_slice(b"{}");
    } else {
        write_canonical(params, &mut out);
    }
    // Only UTF-8 was written (the method and serde_json's JSON text).
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// Writes `v` as compact JSON (serde_json's text) with object keys sorted at every level.
fn write_canonical(v: &Value, out: &mut Vec<u8>) {
    match v {
        Value::Object(map) => {
            out.push(b'{');
            // serde_json's map keeps its keys sorted (a `BTreeMap`) unless a crate in the
            // build turns on its `preserve_order` feature; only then are they sorted here.
            let mut prev: Option<&String> = None;
            if map.keys().all(|k| prev.replace(k).is_none_or(|p| p < k)) {
                for (i, (k, v)) in map.iter().enumerate() {
                    write_member(i, k, v, out);
                }
            } else {
                let mut keys: Vec<&String> = map.keys().collect();
                crate::sort::sort(&mut keys);
                for (i, k) in keys.into_iter().enumerate() {
                    write_member(i, k, &map[k], out);
                }
            }
            out.push(b'}');
        }
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_canonical(item, out);
            }
            out.push(b']');
        }
        scalar => write_scalar(scalar, out),
    }
}

/// `"k":v` (preceded by a comma unless it is the object's first member `i == 0`).
fn write_member(i: usize, k: &str, v: &Value, out: &mut Vec<u8>) {
    if i > 0 {
        out.push(b',');
    }
    write_scalar(k, out);
    out.push(b':');
    write_canonical(v, out);
}

/// A string or scalar as serde_json writes it, straight into `out`.
fn write_scalar<T: serde::Serialize + ?Sized>(v: &T, out: &mut Vec<u8>) {
    // Writing a string or a scalar into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, v);
}

/// Whether an RPC result may be cached: an `abci_query` answer with a non-zero ABCI code
/// is the app's error and is not.
pub(crate) fn is_cacheable_result(method: &str, value: &Value) -> bool {
    if method != "abci_query" {
        return true;
    }
    match value.get("response").and_then(|r| r.get("code")) {
        None | Some(Value::Null) => true,
        Some(code) => code.as_u64() == Some(0),
    }
}

/// An answer the node gave while it could not serve the call — not a fact about the chain —
/// turned into a retryable transport error (another attempt, possibly on another endpoint,
/// can succeed; nothing is cached). Today: CometBFT answers `block` with `"block": null`
/// when its block store cannot load a height it reports as stored (a node shutting down,
/// or racing its own commit).
pub(crate) fn unusable_reply(method: &str, value: &Value, endpoint: &str) -> Option<Error> {
    let missing_block =
        method == "block" && value.is_object() && value.get("block").is_none_or(Value::is_null);
    missing_block.then(|| Error::Transport {
        message: format!("{endpoint} answered block without a block (node not serving it)"),
        status: None,
        retry_after: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_block_reply_without_a_block_is_a_retryable_transport_error() {
        let e = unusable_reply("block", &json!({"block_id": {}, "block": null}), "n1").unwrap();
        assert_eq!(e.code(), "transport");
        assert!(e.is_retryable());
        assert!(unusable_reply("block", &json!({"block_id": {}}), "n1").is_some());
        assert!(unusable_reply("block", &json!({"block_id": {}, "block": {}}), "n1").is_none());
        assert!(unusable_reply("status", &json!({"block": null}), "n1").is_none());
    }

    #[test]
    fn writes_are_never_cached_shared_or_batched() {
        let p = CachePolicy::default();
        for m in [
            "broadcast_tx_sync",
            "broadcast_tx_async",
            "broadcast_tx_commit",
            "broadcast_evidence",
            "unsafe_flush_mempool",
            "dial_peers",
        ] {
            assert_eq!(
                classify(&p, m, &json!({"tx": "AA=="})),
                CallPolicy::WRITE,
                "{m}"
            );
        }
    }

    #[test]
    fn the_policy_table() {
        let p = CachePolicy::default();
        let c = |m: &str, params: Value| classify(&p, m, &params).cache;
        let s = Duration::from_secs;
        assert_eq!(c("status", json!({})), Some((CacheType::NodeStatus, s(1))));
        assert_eq!(
            c("abci_info", Value::Null),
            Some((CacheType::NodeStatus, s(1)))
        );
        assert_eq!(c("block", json!({})), Some((CacheType::NodeStatus, s(1))));
        assert_eq!(
            c("block", json!({"height": "0"})),
            Some((CacheType::NodeStatus, s(1)))
        );
        assert_eq!(
            c("block", json!({"height": "12"})),
            Some((CacheType::Block, s(3600)))
        );
        assert_eq!(
            c("block", json!({"height": 12})),
            Some((CacheType::Block, s(3600)))
        );
        assert_eq!(
            c("validators", json!({"height": "3"})),
            Some((CacheType::Block, s(3600)))
        );
        assert_eq!(
            c("tx", json!({"hash": "AA=="})),
            Some((CacheType::Block, s(3600)))
        );
        let q = |path: &str, height: &str| json!({"path": path, "data": "00", "height": height});
        assert_eq!(
            c("abci_query", q("", "0")),
            Some((CacheType::Generic, s(2)))
        );
        assert_eq!(
            c("abci_query", q("/store", "7")),
            Some((CacheType::Generic, s(3600)))
        );
        assert_eq!(
            c("abci_query", q(SMART_QUERY_PATH, "0")),
            Some((CacheType::ContractQuery, s(5)))
        );
        assert_eq!(
            c("abci_query", q(SMART_QUERY_PATH, "9")),
            Some((CacheType::ContractQuery, s(3600)))
        );
        assert_eq!(c("health", json!({})), None);
        assert_eq!(c("net_info", json!({})), None);
        let h = classify(&p, "health", &json!({}));
        assert!(h.dedup && h.batch && h.priority == Priority::Normal);
    }

    #[test]
    fn method_ttls_and_zero_ttls() {
        let mut p = CachePolicy::default();
        p.method_ttls
            .insert("genesis".into(), Duration::from_secs(60));
        p.query_latest_ttl = Duration::ZERO;
        assert_eq!(
            classify(&p, "genesis", &json!({})).cache,
            Some((CacheType::Generic, Duration::from_secs(60)))
        );
        let q = classify(
            &p,
            "abci_query",
            &json!({"path": "", "data": "", "height": "0"}),
        );
        assert_eq!(q.cache, None);
        assert!(q.dedup && q.batch);
    }

    #[test]
    fn method_ttls_are_refused_for_writes_and_methods_with_their_own_ttl() {
        for m in [
            "status",
            "abci_info",
            "block",
            "header",
            "commit",
            "validators",
            "block_results",
            "tx",
            "abci_query",
        ] {
            assert_eq!(
                method_ttl_refusal(m),
                Some("has its own TTL in the cache policy"),
                "{m}"
            );
        }
        for m in [
            "broadcast_tx_sync",
            "broadcast_tx_commit",
            "unsafe_flush_mempool",
        ] {
            assert_eq!(
                method_ttl_refusal(m),
                Some("changes state and is never cached")
            );
        }
        for m in ["genesis", "net_info", "health", "consensus_state"] {
            assert_eq!(method_ttl_refusal(m), None, "{m}");
        }
    }

    #[test]
    fn cache_keys_are_canonical() {
        let a = json!({"path": "/p", "data": "ab", "height": "0", "nested": {"z": 1, "a": [{"y": 2, "b": 3}]}});
        let b = json!({"nested": {"a": [{"b": 3, "y": 2}], "z": 1}, "height": "0", "data": "ab", "path": "/p"});
        assert_eq!(cache_key("abci_query", &a), cache_key("abci_query", &b));
        assert_eq!(
            cache_key("abci_query", &a),
            r#"abci_query {"data":"ab","height":"0","nested":{"a":[{"b":3,"y":2}],"z":1},"path":"/p"}"#
        );
        assert_eq!(cache_key("status", &Value::Null), "status {}");
        assert_eq!(cache_key("status", &json!({})), "status {}");
        assert_ne!(
            cache_key("block", &json!({})),
            cache_key("status", &json!({}))
        );
        assert_ne!(
            cache_key("block", &json!({"height": "1"})),
            cache_key("block", &json!({"height": 1}))
        );
        // Keys with quotes cannot forge structure.
        assert_eq!(cache_key("m", &json!({"a\"b": 1})), r#"m {"a\"b":1}"#);
    }

    #[test]
    fn abci_errors_are_not_cacheable() {
        assert!(is_cacheable_result(
            "abci_query",
            &json!({"response": {"code": 0}})
        ));
        assert!(is_cacheable_result("abci_query", &json!({"response": {}})));
        assert!(!is_cacheable_result(
            "abci_query",
            &json!({"response": {"code": 5}})
        ));
        assert!(is_cacheable_result(
            "status",
            &json!({"response": {"code": 5}})
        ));
    }
}
