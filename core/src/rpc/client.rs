//! [`RpcClient`]: one endpoint, one transport, JSON-RPC calls and batches, typed CometBFT
//! methods. No caching, batching policy, retries or failover — `MantraClient` layers those
//! on top of [`RpcClient::call_batch`] and the [`Transport`].

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use super::cometbft::{
    abci_query_params, block_params, broadcast_tx_params, decode_abci_info, decode_abci_query,
    decode_result, methods, tx_params, AbciInfo, AbciQueryResponse, BlockResponse,
    BroadcastTxCommitResponse, BroadcastTxResponse, NodeStatus, TxResponse,
};
use super::cosmwasm::{
    decode_smart_query, decode_smart_query_raw, encode_smart_query, encode_smart_query_raw,
    DexPoolsResponse, DexQueryMsg, DexReverseSimulationResponse, DexSimulationResponse,
    SMART_QUERY_PATH,
};
use super::jsonrpc::{
    check_body_size, decode_response, encode_batch, encode_request, RpcId, RpcIdAllocator,
    RpcRequest, DEFAULT_MAX_BODY_BYTES,
};
use crate::transport::{default_transport, HttpRequest, HttpResponse, Transport};
use crate::{Error, Result};

/// Settings of an [`RpcClient`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RpcClientConfig {
    /// Largest request body sent; larger ones fail with [`Error::CapacityExceeded`] before
    /// any I/O. Default: CometBFT's `max_body_bytes`, 1 000 000.
    pub max_body_bytes: usize,
    /// Deadline per HTTP exchange (`None`: the transport's default, 30 s).
    pub timeout: Option<Duration>,
    /// Extra HTTP headers on every request (e.g. an API key).
    pub headers: BTreeMap<String, String>,
}

impl Default for RpcClientConfig {
    fn default() -> Self {
        Self {
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            timeout: None,
            headers: BTreeMap::new(),
        }
    }
}

impl RpcClientConfig {
    /// Checks every field; the error names the offending one.
    pub fn validate(&self) -> Result<()> {
        if self.max_body_bytes == 0 {
            return Err(Error::invalid_config(
                "max_body_bytes",
                "must be greater than 0",
            ));
        }
        if self.timeout.is_some_and(|t| t.is_zero()) {
            return Err(Error::invalid_config("timeout", "must be greater than 0"));
        }
        Ok(())
    }
}

#[derive(Debug)]
struct Inner {
    url: String,
    transport: Arc<dyn Transport>,
    config: RpcClientConfig,
    ids: RpcIdAllocator,
}

/// A JSON-RPC 2.0 client for one CometBFT endpoint. Cheap to clone (shared inside).
#[derive(Debug, Clone)]
pub struct RpcClient {
    inner: Arc<Inner>,
}

fn check_url(url: &str) -> Result<()> {
    let lower = url.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("http://")
        .or_else(|| lower.strip_prefix("https://"));
    if !rest.is_some_and(|r| !r.is_empty() && !r.starts_with('/')) {
        return Err(Error::invalid_config(
            "url",
            format!(
                "must be an http:// or https:// URL (got {:?})",
                crate::redact_url(url)
            ),
        ));
    }
    Ok(())
}

impl RpcClient {
    /// A client for `url` over the platform's default transport.
    ///
    /// # Panics
    /// If `url` is not an `http(s)://` URL (see [`try_new`](Self::try_new)).
    pub fn new(url: impl Into<String>) -> Self {
        match Self::try_new(url) {
            Ok(c) => c,
            Err(e) => panic!("{e}"),
        }
    }

    /// A client for `url` over the platform's default transport.
    pub fn try_new(url: impl Into<String>) -> Result<Self> {
        Self::with_transport(url, default_transport(), RpcClientConfig::default())
    }

    /// A client for `url` over `transport` (shared with other clients to share its
    /// connection pool) with `config`.
    pub fn with_transport(
        url: impl Into<String>,
        transport: Arc<dyn Transport>,
        config: RpcClientConfig,
    ) -> Result<Self> {
        let url = url.into();
        check_url(&url)?;
        config.validate()?;
        Ok(Self {
            inner: Arc::new(Inner {
                url,
                transport,
                config,
                ids: RpcIdAllocator::new(),
            }),
        })
    }

    /// The endpoint URL.
    pub fn url(&self) -> &str {
        &self.inner.url
    }

    /// The transport.
    pub fn transport(&self) -> &Arc<dyn Transport> {
        &self.inner.transport
    }

    /// The config.
    pub fn config(&self) -> &RpcClientConfig {
        &self.inner.config
    }

    /// A fresh request id (unique for this client).
    pub fn next_id(&self) -> RpcId {
        self.inner.ids.next_id()
    }

    /// POSTs an encoded JSON-RPC body after checking it against `max_body_bytes`; returns
    /// the raw HTTP reply (any status).
    pub fn post(&self, body: Vec<u8>) -> impl Future<Output = Result<HttpResponse>> + 'static {
        let checked = check_body_size(body.len(), self.inner.config.max_body_bytes);
        let mut request = HttpRequest::post_json(self.inner.url.clone(), body);
        request.headers = self.inner.config.headers.clone();
        request.timeout = self.inner.config.timeout;
        let transport = self.inner.transport.clone();
        async move {
            checked?;
            transport.send(request).await
        }
    }

    /// Sends `requests` as one batch (ids must be unique) and routes the replies: `Err` for
    /// a whole-batch failure (transport, [`Error::BatchLimit`], null-id error), else one
    /// result per request in order.
    pub async fn send_batch(&self, requests: &[RpcRequest]) -> Result<Vec<Result<Value>>> {
        let body = encode_batch(requests)?;
        let ids: Vec<RpcId> = requests.iter().map(|r| r.id.clone()).collect();
        let reply = self.post(body).await?;
        decode_response(&ids, &reply)
    }

    /// Calls `method` with `params` (a single request, not a batch).
    pub async fn call(&self, method: &str, params: Value) -> Result<Value> {
        let request = RpcRequest::new(self.next_id(), method, params);
        let body = encode_request(&request)?;
        let reply = self.post(body).await?;
        let mut out = decode_response(std::slice::from_ref(&request.id), &reply)?;
        out.pop()
            .unwrap_or_else(|| Err(Error::Internal("decoder returned no result".into())))
    }

    /// Calls `method` and decodes its result as `T`.
    pub async fn call_typed<T: DeserializeOwned>(&self, method: &str, params: Value) -> Result<T> {
        decode_result(self.call(method, params).await?)
    }

    /// Sends `calls` as one JSON-RPC batch with fresh ids. `Err` fails the whole batch
    /// (e.g. [`Error::BatchLimit`] when it exceeds the node's `max_request_batch_size`);
    /// `Ok` holds one result per call, in order.
    pub async fn call_batch<M: Into<String>>(
        &self,
        calls: Vec<(M, Value)>,
    ) -> Result<Vec<Result<Value>>> {
        let requests: Vec<RpcRequest> = calls
            .into_iter()
            .map(|(m, p)| RpcRequest::new(self.next_id(), m, p))
            .collect();
        self.send_batch(&requests).await
    }

    /// `status`.
    pub async fn status(&self) -> Result<NodeStatus> {
        self.call_typed(methods::STATUS, Value::Null).await
    }

    /// `health`: `Ok(())` when the node answers `{}`.
    pub async fn health(&self) -> Result<()> {
        self.call(methods::HEALTH, Value::Null).await.map(|_| ())
    }

    /// `abci_info`.
    pub async fn abci_info(&self) -> Result<AbciInfo> {
        decode_abci_info(self.call(methods::ABCI_INFO, Value::Null).await?)
    }

    /// `abci_query` (`height` `None` = latest). The app's own failure is in the response's
    /// `code`; see [`AbciQueryResponse::into_result`].
    pub async fn abci_query(
        &self,
        path: &str,
        data: &[u8],
        height: Option<u64>,
        prove: bool,
    ) -> Result<AbciQueryResponse> {
        let params = abci_query_params(path, data, height, prove);
        decode_abci_query(self.call(methods::ABCI_QUERY, params).await?)
    }

    /// `block` (`None` = latest).
    pub async fn block(&self, height: Option<u64>) -> Result<BlockResponse> {
        self.call_typed(methods::BLOCK, block_params(height)?).await
    }

    /// `tx` by raw hash bytes (see [`super::cometbft::parse_tx_hash`] for hex).
    pub async fn tx(&self, hash: &[u8], prove: bool) -> Result<TxResponse> {
        self.call_typed(methods::TX, tx_params(hash, prove)).await
    }

    /// `broadcast_tx_sync`.
    pub async fn broadcast_tx_sync(&self, tx: &[u8]) -> Result<BroadcastTxResponse> {
        self.call_typed(methods::BROADCAST_TX_SYNC, broadcast_tx_params(tx))
            .await
    }

    /// `broadcast_tx_async`.
    pub async fn broadcast_tx_async(&self, tx: &[u8]) -> Result<BroadcastTxResponse> {
        self.call_typed(methods::BROADCAST_TX_ASYNC, broadcast_tx_params(tx))
            .await
    }

    /// `broadcast_tx_commit`.
    pub async fn broadcast_tx_commit(&self, tx: &[u8]) -> Result<BroadcastTxCommitResponse> {
        self.call_typed(methods::BROADCAST_TX_COMMIT, broadcast_tx_params(tx))
            .await
    }

    /// CosmWasm smart query with raw JSON `query_data`; returns the contract's raw JSON
    /// reply. A non-zero ABCI code becomes [`Error::Rpc`] (positive ABCI code).
    pub async fn smart_query_raw(
        &self,
        contract: &str,
        query_data: &[u8],
        height: Option<u64>,
    ) -> Result<Vec<u8>> {
        let data = encode_smart_query_raw(contract, query_data);
        let response = self
            .abci_query(SMART_QUERY_PATH, &data, height, false)
            .await?
            .into_result()?;
        decode_smart_query_raw(&response.value)
    }

    /// CosmWasm smart query of `contract` with `msg` (as JSON) at the latest height,
    /// decoding the reply as `T`.
    pub fn smart_query<T: DeserializeOwned, Q: Serialize + ?Sized>(
        &self,
        contract: &str,
        msg: &Q,
    ) -> impl Future<Output = Result<T>> + '_ {
        let data = encode_smart_query(contract, msg);
        async move {
            let response = self
                .abci_query(SMART_QUERY_PATH, &data?, None, false)
                .await?
                .into_result()?;
            decode_smart_query(&response.value)
        }
    }

    /// MANTRA DEX: the pool `pool_identifier` of the pool manager at `pool_manager`.
    pub async fn dex_pool(
        &self,
        pool_manager: &str,
        pool_identifier: &str,
    ) -> Result<DexPoolsResponse> {
        self.smart_query(pool_manager, &DexQueryMsg::pool(pool_identifier))
            .await
    }

    /// MANTRA DEX: swap simulation.
    pub async fn dex_simulation(
        &self,
        pool_manager: &str,
        offer_asset: super::cosmwasm::Coin,
        ask_asset_denom: &str,
        pool_identifier: &str,
    ) -> Result<DexSimulationResponse> {
        let msg = DexQueryMsg::simulation(offer_asset, ask_asset_denom, pool_identifier);
        self.smart_query(pool_manager, &msg).await
    }

    /// MANTRA DEX: reverse swap simulation.
    pub async fn dex_reverse_simulation(
        &self,
        pool_manager: &str,
        ask_asset: super::cosmwasm::Coin,
        offer_asset_denom: &str,
        pool_identifier: &str,
    ) -> Result<DexReverseSimulationResponse> {
        let msg = DexQueryMsg::reverse_simulation(ask_asset, offer_asset_denom, pool_identifier);
        self.smart_query(pool_manager, &msg).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::BoxFuture;
    use parking_lot::Mutex;
    use serde_json::json;

    /// Answers every request with a canned reply and records what was sent.
    #[derive(Debug, Default)]
    struct Canned {
        reply: Mutex<Option<Result<HttpResponse>>>,
        sent: Mutex<Vec<HttpRequest>>,
    }

    impl Transport for Canned {
        fn send(&self, request: HttpRequest) -> BoxFuture<'static, Result<HttpResponse>> {
            self.sent.lock().push(request);
            let reply = self
                .reply
                .lock()
                .clone()
                .unwrap_or_else(|| Err(Error::transport("no reply set")));
            Box::pin(async move { reply })
        }
    }

    fn client(reply: Result<HttpResponse>, config: RpcClientConfig) -> (RpcClient, Arc<Canned>) {
        let t = Arc::new(Canned::default());
        *t.reply.lock() = Some(reply);
        let c = RpcClient::with_transport("http://127.0.0.1:1", t.clone(), config).unwrap();
        (c, t)
    }

    fn http(status: u16, body: &str) -> Result<HttpResponse> {
        Ok(HttpResponse {
            status,
            body: body.as_bytes().to_vec(),
            retry_after: None,
        })
    }

    #[tokio::test(flavor = "current_thread")]
    async fn call_sends_one_request_and_decodes() {
        let (c, t) = client(
            http(200, r#"{"jsonrpc":"2.0","id":1,"result":{}}"#),
            RpcClientConfig {
                timeout: Some(Duration::from_secs(2)),
                headers: [("x-api-key".to_string(), "k".to_string())].into(),
                ..Default::default()
            },
        );
        c.health().await.unwrap();
        let sent = t.sent.lock()[0].clone();
        assert_eq!(
            sent.body,
            br#"{"jsonrpc":"2.0","id":1,"method":"health","params":{}}"#
        );
        assert_eq!(sent.timeout, Some(Duration::from_secs(2)));
        assert_eq!(sent.headers.get("x-api-key").map(String::as_str), Some("k"));
    }

    #[tokio::test(flavor = "current_thread")]
    async fn oversized_body_fails_before_sending() {
        let (c, t) = client(
            http(200, "{}"),
            RpcClientConfig {
                max_body_bytes: 100,
                ..Default::default()
            },
        );
        let e = c.broadcast_tx_sync(&[7u8; 200]).await.unwrap_err();
        assert_eq!(e.code(), "capacity_exceeded");
        assert!(t.sent.lock().is_empty());
    }

    #[tokio::test(flavor = "current_thread")]
    async fn batch_ids_are_fresh_and_results_ordered() {
        let (c, t) = client(
            http(
                200,
                r#"[{"jsonrpc":"2.0","id":2,"result":"b"},{"jsonrpc":"2.0","id":1,"result":"a"}]"#,
            ),
            RpcClientConfig::default(),
        );
        let out = c
            .call_batch(vec![("x", json!({})), ("y", json!([1]))])
            .await
            .unwrap();
        assert_eq!(out, vec![Ok(json!("a")), Ok(json!("b"))]);
        let body: Value = serde_json::from_slice(&t.sent.lock()[0].body).unwrap();
        assert_eq!(body[0]["id"], json!(1));
        assert_eq!(body[1]["id"], json!(2));
        assert_eq!(body[1]["params"], json!([1]));
        assert_eq!(c.next_id(), RpcId::Num(3));
    }

    #[tokio::test(flavor = "current_thread")]
    async fn transport_errors_pass_through() {
        let (c, _) = client(Err(Error::transport("refused")), RpcClientConfig::default());
        assert_eq!(c.status().await.unwrap_err(), Error::transport("refused"));
        let (c, _) = client(http(503, "busy"), RpcClientConfig::default());
        assert!(matches!(
            c.call_batch(vec![("a", Value::Null)]).await,
            Err(Error::Transport {
                status: Some(503),
                ..
            })
        ));
    }

    #[tokio::test(flavor = "current_thread")]
    async fn smart_query_maps_abci_failure_and_decodes_value() {
        // Wasmd-style failure: ABCI code 9 in the response.
        let (c, t) = client(
            http(
                200,
                r#"{"jsonrpc":"2.0","id":1,"result":{"response":{"code":9,"log":"no such contract","info":"","index":"0","key":null,"value":null,"proofOps":null,"height":"5","codespace":"wasm"}}}"#,
            ),
            RpcClientConfig::default(),
        );
        let e = c
            .smart_query::<Value, _>("mantra1xyz", &json!({"config": {}}))
            .await
            .unwrap_err();
        assert_eq!(
            e,
            Error::Rpc {
                code: 9,
                message: "no such contract".into(),
                data: Some("wasm".into())
            }
        );
        let sent: Value = serde_json::from_slice(&t.sent.lock()[0].body).unwrap();
        assert_eq!(sent["method"], "abci_query");
        assert_eq!(sent["params"]["path"], SMART_QUERY_PATH);
        assert_eq!(
            sent["params"]["data"],
            json!(hex::encode(encode_smart_query_raw(
                "mantra1xyz",
                br#"{"config":{}}"#
            )))
        );

        // Success: value = base64(protobuf{data: JSON}).
        let value = super::super::serde_util::base64_encode(
            &[&[0x0a, 14][..], br#"{"amount":"5"}"#].concat(),
        );
        let body = format!(
            r#"{{"jsonrpc":"2.0","id":2,"result":{{"response":{{"code":0,"log":"","info":"","index":"0","key":null,"value":"{value}","proofOps":null,"height":"5","codespace":""}}}}}}"#
        );
        *t.reply.lock() = Some(http(200, &body));
        let v: Value = c.smart_query("mantra1xyz", &json!("q")).await.unwrap();
        assert_eq!(v, json!({"amount": "5"}));
        // An empty contract address never leaves the process.
        let before = t.sent.lock().len();
        assert!(matches!(
            c.smart_query::<Value, _>("", &json!({})).await,
            Err(Error::InvalidArgument(_))
        ));
        assert_eq!(t.sent.lock().len(), before);
    }

    #[test]
    fn futures_are_send_on_native() {
        fn is_send<T: Send>(_: &T) {}
        let c = RpcClient::with_transport(
            "http://h",
            Arc::new(Canned::default()),
            RpcClientConfig::default(),
        )
        .unwrap();
        is_send(&c.post(Vec::new()));
        is_send(&c.status());
        is_send(&c.call_batch(vec![("a", Value::Null)]));
        is_send(&c.smart_query::<Value, _>("a", &json!({})));
        is_send(&c.dex_simulation("a", crate::rpc::Coin::new(1u64, "uom"), "uusdc", "p"));
        is_send(&c.abci_query("", b"k", None, false));
    }

    #[test]
    fn config_and_url_validation() {
        let t: Arc<dyn Transport> = Arc::new(Canned::default());
        for bad in ["", "127.0.0.1:26657", "ftp://x", "http://"] {
            assert!(
                matches!(
                    RpcClient::with_transport(bad, t.clone(), RpcClientConfig::default()),
                    Err(Error::InvalidConfig { field: "url", .. })
                ),
                "{bad}"
            );
        }
        let bad = RpcClientConfig {
            max_body_bytes: 0,
            ..Default::default()
        };
        assert!(matches!(
            RpcClient::with_transport("http://h", t.clone(), bad),
            Err(Error::InvalidConfig {
                field: "max_body_bytes",
                ..
            })
        ));
        let bad = RpcClientConfig {
            timeout: Some(Duration::ZERO),
            ..Default::default()
        };
        assert!(matches!(
            RpcClient::with_transport("HTTPS://h", t, bad),
            Err(Error::InvalidConfig {
                field: "timeout",
                ..
            })
        ));
    }
}
