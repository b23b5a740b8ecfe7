//! `FetchTransport` (the platform default on wasm) against the real devnet, run in Node by
//! `wasm-bindgen-test-runner` (`make test-rpc-wasm`, which starts the devnet first).
#![cfg(all(target_family = "wasm", target_os = "unknown"))]

use std::time::Duration;

use mantra_sdk::rpc::{RpcClient, RpcClientConfig};
use mantra_sdk::transport::{default_transport, FetchTransport, HttpRequest};
use mantra_sdk::Error;
use serde_json::json;
use wasm_bindgen_test::wasm_bindgen_test;

fn url() -> &'static str {
    option_env!("MANTRA_RPC_1").unwrap_or("http://127.0.0.1:26657")
}

#[wasm_bindgen_test]
async fn status_batches_and_queries_over_fetch() {
    let rpc = RpcClient::new(url());
    let status = rpc.status().await.unwrap();
    assert!(status.sync_info.latest_block_height >= 1);
    rpc.health().await.unwrap();

    let ten: Vec<_> = (0..10).map(|_| ("health", json!({}))).collect();
    let out = rpc.call_batch(ten).await.unwrap();
    assert!(out.iter().all(|r| r == &Ok(json!({}))));
    let eleven: Vec<_> = (0..11).map(|_| ("health", json!({}))).collect();
    assert_eq!(
        rpc.call_batch(eleven).await.unwrap_err(),
        Error::BatchLimit { size: 11, max: 10 }
    );
    let one = rpc.call_batch(vec![("health", json!({}))]).await.unwrap();
    assert_eq!(one, vec![Ok(json!({}))]);

    let block = rpc.block(Some(1)).await.unwrap();
    assert_eq!(block.block.header.height, 1);
    let q = rpc
        .abci_query("", b"no-such-key", None, false)
        .await
        .unwrap();
    assert_eq!(q.code, 0);
    assert!(q.value.is_empty());
}

#[wasm_bindgen_test]
async fn refused_connection_is_a_transport_error() {
    // Port 9 (discard) is not served on loopback here.
    let t = default_transport();
    let e = t
        .send(HttpRequest::post_json(
            "http://127.0.0.1:9/",
            b"{}".to_vec(),
        ))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Transport { status: None, .. }), "{e:?}");
    assert!(e.is_retryable());
}

#[wasm_bindgen_test]
async fn deadline_aborts_the_fetch_with_a_timeout() {
    // broadcast_tx_commit waits for the next block (≥ 500 ms), far beyond 1 ms.
    let rpc = RpcClient::with_transport(
        url(),
        std::sync::Arc::new(FetchTransport::new()),
        RpcClientConfig {
            timeout: Some(Duration::from_millis(1)),
            ..Default::default()
        },
    )
    .unwrap();
    let tx = format!("wasm{}=1", js_sys::Date::now() as u64);
    let e = rpc.broadcast_tx_commit(tx.as_bytes()).await.unwrap_err();
    assert!(matches!(e, Error::Timeout { .. }), "{e:?}");
}
