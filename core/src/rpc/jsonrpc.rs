//! JSON-RPC 2.0 codec for CometBFT: requests, single and batch encoding, and decoding of
//! every reply shape the node produces. Pure functions, no I/O — the client, the batcher and
//! the bindings share them.
//!
//! Decoding rules (each request ends in exactly one result or one typed error):
//! - a batch reply array may come in any order: replies are matched by `id`;
//! - a batch with one response comes back as a bare object (the node unwraps it);
//! - an error object with a null/absent `id` fails the **whole** batch: the node's
//!   "batch request exceeds maximum (N) allowed number of requests" becomes
//!   [`Error::BatchLimit`]` { size, max: N }`, any other becomes [`Error::Rpc`];
//! - a request whose reply is missing from an otherwise valid answer gets
//!   [`Error::Decode`] (`"no reply for request id …"`), the others keep their results;
//! - an error object with an `id` becomes [`Error::Rpc`] for that request only;
//! - a non-2xx HTTP status without a JSON-RPC body becomes [`Error::Transport`] with the
//!   status and `Retry-After` (429/408/5xx are retryable, see [`Error::is_retryable`]).

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::transport::{body_snippet, status_error, HttpResponse};
use crate::{Error, Result};

/// CometBFT's default `max_body_bytes`: the largest request body the node accepts.
pub const DEFAULT_MAX_BODY_BYTES: usize = 1_000_000;
/// CometBFT's default `max_request_batch_size`.
pub const DEFAULT_MAX_BATCH_SIZE: usize = 10;

/// JSON-RPC error code: invalid JSON was received.
pub const CODE_PARSE_ERROR: i64 = -32700;
/// JSON-RPC error code: the request object is not valid (also the node's batch-limit code).
pub const CODE_INVALID_REQUEST: i64 = -32600;
/// JSON-RPC error code: the method does not exist.
pub const CODE_METHOD_NOT_FOUND: i64 = -32601;
/// JSON-RPC error code: invalid method parameters.
pub const CODE_INVALID_PARAMS: i64 = -32602;
/// JSON-RPC error code: internal error (CometBFT uses it for most method failures).
pub const CODE_INTERNAL_ERROR: i64 = -32603;

/// A JSON-RPC request id: a number or a string (`null` ids are never sent).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(untagged)]
pub enum RpcId {
    /// A numeric id (what [`RpcIdAllocator`] hands out).
    Num(i64),
    /// A string id.
    Str(String),
}

impl RpcId {
    /// The id carried by a JSON value, if it is a valid id (integer or string).
    pub fn from_json(v: &Value) -> Option<RpcId> {
        match v {
            Value::Number(n) => n.as_i64().map(RpcId::Num),
            Value::String(s) => Some(RpcId::Str(s.clone())),
            _ => None,
        }
    }
}

impl fmt::Display for RpcId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RpcId::Num(n) => write!(f, "{n}"),
            RpcId::Str(s) => write!(f, "{s:?}"),
        }
    }
}

impl From<i64> for RpcId {
    fn from(n: i64) -> Self {
        RpcId::Num(n)
    }
}

impl From<&str> for RpcId {
    fn from(s: &str) -> Self {
        RpcId::Str(s.to_string())
    }
}

/// Hands out unique, increasing numeric ids (starting at 1). Share one per client so the
/// ids in a batch never collide.
#[derive(Debug)]
pub struct RpcIdAllocator {
    next: AtomicU64,
}

impl Default for RpcIdAllocator {
    fn default() -> Self {
        Self::new()
    }
}

impl RpcIdAllocator {
    /// An allocator whose first id is 1.
    pub const fn new() -> Self {
        Self {
            next: AtomicU64::new(1),
        }
    }

    /// The next id. Wraps to 1 after `i64::MAX`.
    pub fn next_id(&self) -> RpcId {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        RpcId::Num((n % (i64::MAX as u64)).max(1) as i64)
    }
}

/// One JSON-RPC 2.0 request.
#[derive(Debug, Clone, PartialEq)]
pub struct RpcRequest {
    /// Request id (unique within a batch).
    pub id: RpcId,
    /// Method name, e.g. `abci_query`.
    pub method: String,
    /// Named (object) or positional (array) params; `null` is sent as `{}`.
    pub params: Value,
}

impl RpcRequest {
    /// A request.
    pub fn new(id: impl Into<RpcId>, method: impl Into<String>, params: Value) -> Self {
        Self {
            id: id.into(),
            method: method.into(),
            params,
        }
    }
}

impl Serialize for RpcRequest {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        RequestRef {
            id: &self.id,
            method: &self.method,
            params: &self.params,
        }
        .serialize(s)
    }
}

/// A request's parts, borrowed: encodes as [`RpcRequest`] does without owning (or cloning)
/// the params.
struct RequestRef<'a> {
    id: &'a RpcId,
    method: &'a str,
    params: &'a Value,
}

impl Serialize for RequestRef<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("RpcRequest", 4)?;
        st.serialize_field("jsonrpc", "2.0")?;
        st.serialize_field("id", self.id)?;
        st.serialize_field("method", self.method)?;
        if self.params.is_null() {
            st.serialize_field("params", &Map::new())?;
        } else {
            st.serialize_field("params", self.params)?;
        }
        st.end()
    }
}

/// Encodes `calls` (method, params) under `ids` (same length, unique): one call as a single
/// request object, more as a batch array — without copying any params.
pub fn encode_calls(ids: &[RpcId], calls: &[(&str, &Value)]) -> Result<Vec<u8>> {
    if ids.len() != calls.len() || calls.is_empty() {
        return Err(Error::InvalidArgument(
            "a request needs one id per call and at least one call".into(),
        ));
    }
    let mut out = Vec::with_capacity(96 * calls.len());
    let written = if let [(method, params)] = calls {
        serde_json::to_writer(
            &mut out,
            &RequestRef {
                id: &ids[0],
                method,
                params,
            },
        )
    } else {
        check_unique_ids(ids.iter())?;
        let refs: Vec<RequestRef<'_>> = ids
            .iter()
            .zip(calls)
            .map(|(id, (method, params))| RequestRef { id, method, params })
            .collect();
        serde_json::to_writer(&mut out, &refs)
    };
    written.map_err(|e| Error::Encode(e.to_string()))?;
    Ok(out)
}

/// A JSON-RPC error object as the node sent it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RpcErrorObject {
    /// Error code.
    pub code: i64,
    /// Short message (CometBFT: "Internal error", "Invalid Request", ...).
    pub message: String,
    /// Details (CometBFT puts the real reason here, as a string).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
}

impl RpcErrorObject {
    /// `data` as text: a JSON string unquoted, anything else as compact JSON.
    pub fn data_text(&self) -> Option<String> {
        match &self.data {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(v) => Some(v.to_string()),
        }
    }

    /// The node's batch limit if this is its "batch request exceeds maximum (N)" error.
    pub fn batch_limit(&self) -> Option<usize> {
        if self.code != CODE_INVALID_REQUEST {
            return None;
        }
        parse_batch_limit(&self.message)
            .or_else(|| self.data_text().and_then(|d| parse_batch_limit(&d)))
    }

    /// This error as the SDK's [`Error::Rpc`].
    pub fn into_error(self) -> Error {
        let data = self.data_text();
        Error::Rpc {
            code: self.code,
            message: self.message,
            data,
        }
    }
}

/// Parses N out of CometBFT's "batch request exceeds maximum (N) allowed number of
/// requests".
pub fn parse_batch_limit(text: &str) -> Option<usize> {
    const MARK: &str = "batch request exceeds maximum (";
    let start = text.find(MARK)? + MARK.len();
    let rest = &text[start..];
    let end = rest.find(')')?;
    rest[..end].trim().parse().ok()
}

/// Fails with [`Error::CapacityExceeded`] if a body of `len` bytes is over `max_body_bytes`
/// (the node would reject it with HTTP 400 "request body too large").
pub fn check_body_size(len: usize, max_body_bytes: usize) -> Result<()> {
    if len > max_body_bytes {
        return Err(Error::CapacityExceeded(format!(
            "request body of {len} bytes exceeds max_body_bytes ({max_body_bytes})"
        )));
    }
    Ok(())
}

/// Encodes one request as a JSON object.
pub fn encode_request(request: &RpcRequest) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(96);
    encode_request_into(request, &mut out)?;
    Ok(out)
}

/// Appends one request's JSON to `out` (a reusable, e.g. pooled, buffer).
pub fn encode_request_into(request: &RpcRequest, out: &mut Vec<u8>) -> Result<()> {
    serde_json::to_writer(out, request).map_err(|e| Error::Encode(e.to_string()))
}

/// Encodes requests as a JSON array (a batch). Ids must be unique; an empty batch is
/// rejected (the node answers `[]` with an empty body).
pub fn encode_batch(requests: &[RpcRequest]) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(96 * requests.len());
    encode_batch_into(requests, &mut out)?;
    Ok(out)
}

/// Appends a batch's JSON array to `out` (a reusable, e.g. pooled, buffer). Same checks as
/// [`encode_batch`]; on error `out` is left as it was.
pub fn encode_batch_into(requests: &[RpcRequest], out: &mut Vec<u8>) -> Result<()> {
    if requests.is_empty() {
        return Err(Error::InvalidArgument(
            "a batch needs at least one request".into(),
        ));
    }
    check_unique_ids(requests.iter().map(|r| &r.id))?;
    let start = out.len();
    serde_json::to_writer(&mut *out, requests).map_err(|e| {
        out.truncate(start);
        Error::Encode(e.to_string())
    })
}

/// Fails on the first id seen twice (a batch's replies are matched by id).
fn check_unique_ids<'a>(ids: impl ExactSizeIterator<Item = &'a RpcId>) -> Result<()> {
    let mut seen = crate::hash::FastSet::with_capacity_and_hasher(ids.len(), Default::default());
    for id in ids {
        if !seen.insert(id) {
            return Err(Error::InvalidArgument(format!(
                "duplicate request id {id} in batch"
            )));
        }
    }
    Ok(())
}

/// One decoded reply: its id (`None` for a null/absent id) and its outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct RpcResponse {
    /// The reply's id.
    pub id: Option<RpcId>,
    /// `result` or `error`.
    pub outcome: std::result::Result<Value, RpcErrorObject>,
}

/// Decodes an `error` member by hand (the derived `Deserialize`'s rules and wording, taking
/// the value apart: no per-type decoder in wasm, no copies).
fn error_object(err: Value) -> std::result::Result<RpcErrorObject, String> {
    use super::serde_util::invalid_type;
    let mut obj = match err {
        Value::Object(m) => m,
        other => return Err(invalid_type(&other, "struct RpcErrorObject")),
    };
    let code = match obj.get("code") {
        None => return Err("missing field `code`".into()),
        Some(Value::Number(n)) if !n.is_f64() => n
            .as_i64()
            .ok_or_else(|| format!("invalid value: integer `{n}`, expected i64"))?,
        Some(other) => return Err(invalid_type(other, "i64")),
    };
    let message = match obj.remove("message") {
        None => return Err("missing field `message`".into()),
        Some(Value::String(s)) => s,
        Some(other) => return Err(invalid_type(&other, "a string")),
    };
    let data = obj.remove("data").filter(|d| !d.is_null());
    Ok(RpcErrorObject {
        code,
        message,
        data,
    })
}

/// Parses one reply object (taking it apart, no copies). A reply with neither `result` nor
/// `error` is a decode error.
pub fn parse_response_object(mut obj: Map<String, Value>) -> Result<RpcResponse> {
    let id = obj.get("id").and_then(RpcId::from_json);
    if let Some(err) = obj.remove("error").filter(|e| !e.is_null()) {
        let err = error_object(err)
            .map_err(|e| Error::Decode(format!("malformed JSON-RPC error object: {e}")))?;
        return Ok(RpcResponse {
            id,
            outcome: Err(err),
        });
    }
    match obj.remove("result") {
        Some(result) => Ok(RpcResponse {
            id,
            outcome: Ok(result),
        }),
        None => Err(Error::Decode(
            "JSON-RPC reply has neither `result` nor `error`".into(),
        )),
    }
}

/// The error for a non-2xx HTTP reply that carries no JSON-RPC answer.
pub fn http_status_error(status: u16, retry_after: Option<Duration>, body: &[u8]) -> Error {
    status_error(status, retry_after, body, None)
}

/// Whether `v` looks like a JSON-RPC reply (an object with `result` or `error`, or an
/// array of them).
fn is_jsonrpc(v: &Value) -> bool {
    let obj = |o: &Value| {
        o.as_object()
            .is_some_and(|m| m.contains_key("result") || m.contains_key("error"))
    };
    match v {
        Value::Array(items) => !items.is_empty() && items.iter().all(obj),
        other => obj(other),
    }
}

/// Decodes the HTTP reply to a request or batch carrying `ids` (in send order).
///
/// `Err(_)` fails the whole exchange (transport status, batch limit, null-id error,
/// unparsable body); `Ok(v)` has exactly `ids.len()` entries in the order of `ids`, each the
/// result or the typed error of that request.
pub fn decode_response(ids: &[RpcId], http: &HttpResponse) -> Result<Vec<Result<Value>>> {
    decode_body(ids, http.status, http.retry_after, &http.body)
}

/// [`decode_response`] from its parts.
pub fn decode_body(
    ids: &[RpcId],
    status: u16,
    retry_after: Option<Duration>,
    body: &[u8],
) -> Result<Vec<Result<Value>>> {
    let ok_status = (200..300).contains(&status);
    let trimmed = body.trim_ascii();
    if trimmed.is_empty() {
        if !ok_status {
            return Err(http_status_error(status, retry_after, body));
        }
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        return Err(Error::Decode("empty response body".into()));
    }
    let value: Value = match serde_json::from_slice(trimmed) {
        Ok(v) => v,
        Err(e) => {
            if !ok_status {
                return Err(http_status_error(status, retry_after, body));
            }
            return Err(Error::Decode(format!(
                "response is not JSON ({e}): {}",
                body_snippet(body)
            )));
        }
    };
    if !ok_status && !is_jsonrpc(&value) {
        return Err(http_status_error(status, retry_after, body));
    }
    // Each item: its id (if any) and its parsed outcome, or why it could not be parsed.
    let items: Vec<(Option<RpcId>, Result<RpcResponse>)> = match value {
        Value::Array(items) => items
            .into_iter()
            .map(|item| match item {
                Value::Object(obj) => (
                    obj.get("id").and_then(RpcId::from_json),
                    parse_response_object(obj),
                ),
                other => (
                    None,
                    Err(Error::Decode(format!(
                        "batch reply item is not an object: {}",
                        body_snippet(other.to_string().as_bytes())
                    ))),
                ),
            })
            .collect(),
        Value::Object(obj) => {
            let id = obj.get("id").and_then(RpcId::from_json);
            let parsed = parse_response_object(obj);
            if id.is_none() {
                // Nothing to route a malformed id-less object to: fail everything.
                parsed.as_ref().map_err(Clone::clone)?;
            }
            vec![(id, parsed)]
        }
        other => {
            return Err(Error::Decode(format!(
                "JSON-RPC reply is neither an object nor an array: {}",
                body_snippet(other.to_string().as_bytes())
            )))
        }
    };
    if !ok_status && !answers_any(ids, &items) && items.iter().all(|(id, _)| id.is_some()) {
        // A failed HTTP status whose reply answers only ids we did not send — CometBFT's
        // panic handler sends 500 with an error for id -1 — is the status's failure (a 5xx
        // is retried elsewhere). A null-id error keeps its JSON-RPC meaning (below).
        return Err(http_status_error(status, retry_after, body));
    }
    route_items(ids, items)
}

/// Whether any reply item carries one of `ids`.
fn answers_any(ids: &[RpcId], items: &[(Option<RpcId>, Result<RpcResponse>)]) -> bool {
    items
        .iter()
        .any(|(id, _)| id.as_ref().is_some_and(|id| ids.contains(id)))
}

/// Routes decoded replies to the requests `ids` (see [`decode_response`]).
pub fn route_replies(ids: &[RpcId], replies: Vec<RpcResponse>) -> Result<Vec<Result<Value>>> {
    route_items(
        ids,
        replies.into_iter().map(|r| (r.id.clone(), Ok(r))).collect(),
    )
}

fn route_items(
    ids: &[RpcId],
    items: Vec<(Option<RpcId>, Result<RpcResponse>)>,
) -> Result<Vec<Result<Value>>> {
    let mut by_id: crate::hash::FastMap<RpcId, Result<Value>> =
        crate::hash::FastMap::with_capacity_and_hasher(items.len(), Default::default());
    for (id, parsed) in items {
        match (id, parsed) {
            (Some(id), parsed) => {
                by_id.entry(id).or_insert_with(|| match parsed {
                    Ok(RpcResponse { outcome: Ok(v), .. }) => Ok(v),
                    Ok(RpcResponse {
                        outcome: Err(e), ..
                    }) => Err(e.into_error()),
                    Err(e) => Err(e),
                });
            }
            // A null-id error answers nothing in particular: the node rejected the whole
            // request (over-limit batch, unparsable body, body too large).
            (
                None,
                Ok(RpcResponse {
                    outcome: Err(err), ..
                }),
            ) => {
                if let Some(max) = err.batch_limit() {
                    return Err(Error::BatchLimit {
                        size: ids.len(),
                        max,
                    });
                }
                return Err(err.into_error());
            }
            // A result or a malformed item without an id cannot be routed: the requests it
            // may have answered report their reply as missing below.
            (None, _) => {}
        }
    }
    Ok(ids
        .iter()
        .map(|id| {
            by_id.remove(id).unwrap_or_else(|| {
                Err(Error::Decode(format!(
                    "no reply for request id {id} in the node's answer"
                )))
            })
        })
        .collect())
}

/// Decodes the reply to a single (non-batch) request with `id`.
pub fn decode_single(id: &RpcId, http: &HttpResponse) -> Result<Value> {
    let mut out = decode_response(std::slice::from_ref(id), http)?;
    out.pop()
        .unwrap_or_else(|| Err(Error::Internal("decoder returned no result".into())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    macro_rules! fixture {
        ($name:literal) => {
            include_bytes!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/fixtures/rpc/",
                $name
            ))
            .as_slice()
        };
    }

    fn ok(body: &[u8]) -> HttpResponse {
        HttpResponse {
            status: 200,
            body: body.to_vec(),
            retry_after: None,
        }
    }

    fn ids(v: &[i64]) -> Vec<RpcId> {
        v.iter().map(|&n| RpcId::Num(n)).collect()
    }

    #[test]
    fn encodes_requests_byte_exact() {
        let r = RpcRequest::new(7, "health", Value::Null);
        assert_eq!(
            encode_request(&r).unwrap(),
            br#"{"jsonrpc":"2.0","id":7,"method":"health","params":{}}"#
        );
        let r = RpcRequest::new(
            "a",
            "abci_query",
            json!({"path": "", "data": "6b6579", "height": "0", "prove": false}),
        );
        assert_eq!(
            String::from_utf8(encode_request(&r).unwrap()).unwrap(),
            r#"{"jsonrpc":"2.0","id":"a","method":"abci_query","params":{"data":"6b6579","height":"0","path":"","prove":false}}"#
        );
        let batch = encode_batch(&[
            RpcRequest::new(1, "health", json!({})),
            RpcRequest::new(2, "status", json!([])),
        ])
        .unwrap();
        assert_eq!(
            batch,
            br#"[{"jsonrpc":"2.0","id":1,"method":"health","params":{}},{"jsonrpc":"2.0","id":2,"method":"status","params":[]}]"#
        );
    }

    #[test]
    fn encoding_into_reused_buffers() {
        let mut buf = b"junk".to_vec();
        buf.clear();
        encode_request_into(&RpcRequest::new(1, "health", Value::Null), &mut buf).unwrap();
        assert_eq!(
            buf,
            encode_request(&RpcRequest::new(1, "health", Value::Null)).unwrap()
        );
        let mut buf = b"keep".to_vec();
        let dup = [
            RpcRequest::new(1, "a", Value::Null),
            RpcRequest::new(1, "b", Value::Null),
        ];
        assert!(encode_batch_into(&dup, &mut buf).is_err());
        assert_eq!(buf, b"keep");
        encode_batch_into(&dup[..1], &mut buf).unwrap();
        assert_eq!(
            buf,
            br#"keep[{"jsonrpc":"2.0","id":1,"method":"a","params":{}}]"#
        );
    }

    #[test]
    fn batch_encoding_rejects_empty_and_duplicate_ids() {
        assert!(matches!(encode_batch(&[]), Err(Error::InvalidArgument(_))));
        let dup = [
            RpcRequest::new(1, "health", json!({})),
            RpcRequest::new(1, "status", json!({})),
        ];
        assert!(
            matches!(encode_batch(&dup), Err(Error::InvalidArgument(m)) if m.contains("duplicate"))
        );
    }

    #[test]
    fn borrowed_calls_encode_like_owned_requests() {
        let (p1, p2) = (json!({"path": "/k", "data": "ab"}), Value::Null);
        let one = encode_calls(&[RpcId::Num(7)], &[("abci_query", &p1)]).unwrap();
        assert_eq!(
            one,
            encode_request(&RpcRequest::new(7, "abci_query", p1.clone())).unwrap()
        );
        let ids = [RpcId::Num(1), RpcId::Str("b".into())];
        let many = encode_calls(&ids, &[("abci_query", &p1), ("status", &p2)]).unwrap();
        let owned = [
            RpcRequest::new(1, "abci_query", p1.clone()),
            RpcRequest::new("b", "status", Value::Null),
        ];
        assert_eq!(many, encode_batch(&owned).unwrap());
        assert!(String::from_utf8(many)
            .unwrap()
            .ends_with(r#""method":"status","params":{}}]"#));
        let dup = [RpcId::Num(1), RpcId::Num(1)];
        let e = encode_calls(&dup, &[("a", &p1), ("b", &p1)]).unwrap_err();
        assert!(matches!(e, Error::InvalidArgument(m) if m.contains("duplicate")));
        assert!(encode_calls(&[], &[]).is_err());
        assert!(encode_calls(&ids, &[("a", &p1)]).is_err());
    }

    #[test]
    fn id_allocator_is_unique_and_positive() {
        let a = RpcIdAllocator::new();
        assert_eq!(a.next_id(), RpcId::Num(1));
        assert_eq!(a.next_id(), RpcId::Num(2));
        let wrap = RpcIdAllocator {
            next: AtomicU64::new(i64::MAX as u64),
        };
        assert_eq!(wrap.next_id(), RpcId::Num(1));
    }

    #[test]
    fn body_size_limit() {
        assert!(check_body_size(DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_BODY_BYTES).is_ok());
        let e = check_body_size(DEFAULT_MAX_BODY_BYTES + 1, DEFAULT_MAX_BODY_BYTES).unwrap_err();
        assert_eq!(e.code(), "capacity_exceeded");
        assert!(!e.is_retryable());
    }

    #[test]
    fn single_result_from_real_node() {
        let v = decode_single(&RpcId::Num(3), &ok(fixture!("health.200.json"))).unwrap();
        assert_eq!(v, json!({}));
        let v = decode_single(&RpcId::Num(2), &ok(fixture!("status.200.json"))).unwrap();
        assert!(v["sync_info"]["latest_block_height"].is_string());
    }

    #[test]
    fn rpc_errors_from_real_node() {
        let e =
            decode_single(&RpcId::Num(11), &ok(fixture!("method_not_found.200.json"))).unwrap_err();
        assert_eq!(
            e,
            Error::Rpc {
                code: CODE_METHOD_NOT_FOUND,
                message: "Method not found".into(),
                data: None
            }
        );
        let e =
            decode_single(&RpcId::Num(12), &ok(fixture!("invalid_params.200.json"))).unwrap_err();
        match e {
            Error::Rpc { code, data, .. } => {
                assert_eq!(code, CODE_INVALID_PARAMS);
                assert!(data.unwrap().contains("expected string"));
            }
            other => panic!("{other:?}"),
        }
        let e = decode_single(&RpcId::Num(10), &ok(fixture!("block_future.200.json"))).unwrap_err();
        match &e {
            Error::Rpc { code, data, .. } => {
                assert_eq!(*code, CODE_INTERNAL_ERROR);
                assert!(data
                    .as_deref()
                    .unwrap()
                    .contains("must be less than or equal"));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn batch_in_any_order_with_per_item_errors() {
        let body = fixture!("batch_mixed.200.json");
        // Sent in a different order than the node answered.
        let sent = vec![RpcId::Num(3), RpcId::from("a"), RpcId::Num(2)];
        let out = decode_response(&sent, &ok(body)).unwrap();
        assert_eq!(out.len(), 3);
        assert!(out[0].as_ref().unwrap()["response"]["version"].is_string());
        assert_eq!(out[1], Ok(json!({})));
        assert!(matches!(
            out[2],
            Err(Error::Rpc {
                code: CODE_METHOD_NOT_FOUND,
                ..
            })
        ));
    }

    #[test]
    fn single_element_batch_answered_by_bare_object() {
        let out = decode_response(&ids(&[7]), &ok(fixture!("batch_single.200.json"))).unwrap();
        assert_eq!(out, vec![Ok(json!({}))]);
    }

    #[test]
    fn over_limit_batch_is_batch_limit_for_the_whole_batch() {
        let body = fixture!("batch_over_limit.200.json");
        let sent = ids(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
        assert_eq!(
            decode_response(&sent, &ok(body)),
            Err(Error::BatchLimit { size: 11, max: 10 })
        );
        // The limit is learned from the text, not assumed.
        let other = br#"{"jsonrpc":"2.0","error":{"code":-32600,"message":"Invalid Request","data":"batch request exceeds maximum (25) allowed number of requests"}}"#;
        assert_eq!(
            decode_response(&ids(&[1, 2]), &ok(other)),
            Err(Error::BatchLimit { size: 2, max: 25 })
        );
        // Explicit null id, limit in `message`.
        let null_id = br#"{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"batch request exceeds maximum (4) allowed number of requests"}}"#;
        assert_eq!(
            decode_response(&ids(&[1, 2, 3, 4, 5]), &ok(null_id)),
            Err(Error::BatchLimit { size: 5, max: 4 })
        );
    }

    #[test]
    fn a_failed_status_answering_only_foreign_ids_is_the_status_failure() {
        // CometBFT's RecoverAndLogHandler after a panic in a handler (seen while a node
        // shuts down): HTTP 500 and an internal error for id -1, whatever was sent.
        let body = br#"{"jsonrpc":"2.0","id":-1,"error":{"code":-32603,"message":"Internal error","data":"panic in RPC HTTP handler"}}"#;
        let http = HttpResponse {
            status: 500,
            body: body.to_vec(),
            retry_after: None,
        };
        match decode_response(&ids(&[124, 125]), &http) {
            Err(
                e @ Error::Transport {
                    status: Some(500), ..
                },
            ) => assert!(e.is_retryable()),
            other => panic!("{other:?}"),
        }
        match decode_single(&RpcId::Num(7), &http) {
            Err(
                e @ Error::Transport {
                    status: Some(500), ..
                },
            ) => assert!(e.is_retryable()),
            other => panic!("{other:?}"),
        }
        // The same body with 200: nothing to route it to; each request reports its reply
        // as missing (as before).
        let http = HttpResponse {
            status: 200,
            ..http
        };
        let out = decode_response(&ids(&[1, 2]), &http).unwrap();
        assert!(out
            .iter()
            .all(|r| matches!(r, Err(Error::Decode(m)) if m.contains("no reply for request id"))));
    }

    #[test]
    fn null_id_error_fails_whole_batch_as_rpc() {
        let body = fixture!("parse_error.500.json");
        let http = HttpResponse {
            status: 500,
            body: body.to_vec(),
            retry_after: None,
        };
        match decode_response(&ids(&[1, 2]), &http) {
            Err(Error::Rpc { code, data, .. }) => {
                assert_eq!(code, CODE_PARSE_ERROR);
                assert!(data.unwrap().contains("unexpected end of JSON input"));
            }
            other => panic!("{other:?}"),
        }
        // HTTP 400 with the node's body-too-large JSON-RPC body.
        let http = HttpResponse {
            status: 400,
            body: fixture!("body_too_large.400.json").to_vec(),
            retry_after: None,
        };
        match decode_single(&RpcId::Num(13), &http) {
            Err(Error::Rpc { code, data, .. }) => {
                assert_eq!(code, CODE_INVALID_REQUEST);
                assert!(data.unwrap().contains("request body too large"));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn missing_reply_fails_only_that_request() {
        let body = br#"[{"jsonrpc":"2.0","id":1,"result":{"a":1}},{"jsonrpc":"2.0","id":3,"result":null}]"#;
        let out = decode_response(&ids(&[1, 2, 3]), &ok(body)).unwrap();
        assert_eq!(out[0], Ok(json!({"a": 1})));
        assert!(
            matches!(&out[1], Err(Error::Decode(m)) if m.contains("no reply for request id 2"))
        );
        assert_eq!(out[2], Ok(Value::Null));
        // A bare object answering one of several requests.
        let out = decode_response(&ids(&[7, 8]), &ok(fixture!("batch_single.200.json"))).unwrap();
        assert_eq!(out[0], Ok(json!({})));
        assert!(matches!(out[1], Err(Error::Decode(_))));
        // An id nobody asked for.
        let out =
            decode_response(&ids(&[1]), &ok(br#"{"jsonrpc":"2.0","id":99,"result":1}"#)).unwrap();
        assert!(matches!(out[0], Err(Error::Decode(_))));
    }

    #[test]
    fn duplicate_replies_keep_the_first() {
        let body = br#"[{"jsonrpc":"2.0","id":1,"result":1},{"jsonrpc":"2.0","id":1,"result":2}]"#;
        assert_eq!(
            decode_response(&ids(&[1]), &ok(body)).unwrap(),
            vec![Ok(json!(1))]
        );
    }

    #[test]
    fn http_status_without_jsonrpc_body_is_transport() {
        let http = HttpResponse {
            status: 429,
            body: b"Too Many Requests".to_vec(),
            retry_after: Some(Duration::from_secs(3)),
        };
        let e = decode_response(&ids(&[1]), &http).unwrap_err();
        assert_eq!(
            e,
            Error::Transport {
                message: "HTTP 429: Too Many Requests".into(),
                status: Some(429),
                retry_after: Some(Duration::from_secs(3))
            }
        );
        assert!(e.is_retryable());
        assert_eq!(e.retry_after(), Some(Duration::from_secs(3)));
        for (status, body, retryable) in [
            (502u16, &b"<html>bad gateway</html>"[..], true),
            (503, b"", true),
            (404, b"{\"detail\":\"not found\"}", false),
            (401, b"[]", false),
        ] {
            let http = HttpResponse {
                status,
                body: body.to_vec(),
                retry_after: None,
            };
            let e = decode_response(&ids(&[1]), &http).unwrap_err();
            assert!(
                matches!(e, Error::Transport { status: Some(s), .. } if s == status),
                "{status}: {e:?}"
            );
            assert_eq!(e.is_retryable(), retryable, "{status}");
        }
    }

    #[test]
    fn malformed_bodies_are_decode_errors() {
        for body in [&b"not json"[..], b"42", b"\"x\"", b"{\"jsonrpc\":\"2.0\"}"] {
            let e = decode_response(&ids(&[1]), &ok(body)).unwrap_err();
            assert_eq!(e.code(), "decode", "{:?}", String::from_utf8_lossy(body));
        }
        // Malformed items fail only the request they answer (or are missing replies).
        for body in [
            &b"[1,2]"[..],
            b"{\"jsonrpc\":\"2.0\",\"id\":1}",
            b"{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":\"x\"}}",
        ] {
            let out = decode_response(&ids(&[1]), &ok(body)).unwrap();
            assert_eq!(out[0].as_ref().unwrap_err().code(), "decode");
        }
        let body = br#"[{"jsonrpc":"2.0","id":1},{"jsonrpc":"2.0","id":2,"result":true}]"#;
        let out = decode_response(&ids(&[1, 2]), &ok(body)).unwrap();
        assert!(matches!(&out[0], Err(Error::Decode(m)) if m.contains("neither")));
        assert_eq!(out[1], Ok(json!(true)));
        // The node's empty reply to `[]`.
        assert_eq!(
            decode_response(&[], &ok(fixture!("batch_empty.200.json"))),
            Ok(vec![])
        );
        assert!(matches!(
            decode_response(&ids(&[1]), &ok(b"")),
            Err(Error::Decode(_))
        ));
    }

    #[test]
    fn batch_limit_text_parsing() {
        assert_eq!(
            parse_batch_limit("batch request exceeds maximum (10) allowed number of requests"),
            Some(10)
        );
        assert_eq!(
            parse_batch_limit("batch request exceeds maximum () allowed"),
            None
        );
        assert_eq!(parse_batch_limit("something else (10)"), None);
        let not_limit = RpcErrorObject {
            code: CODE_INTERNAL_ERROR,
            message: "batch request exceeds maximum (10) allowed number of requests".into(),
            data: None,
        };
        assert_eq!(not_limit.batch_limit(), None);
    }

    #[test]
    fn error_data_text() {
        let e = RpcErrorObject {
            code: 1,
            message: "m".into(),
            data: Some(json!({"k": 1})),
        };
        assert_eq!(e.data_text().as_deref(), Some(r#"{"k":1}"#));
        assert_eq!(
            e.into_error(),
            Error::Rpc {
                code: 1,
                message: "m".into(),
                data: Some(r#"{"k":1}"#.into())
            }
        );
    }
}
