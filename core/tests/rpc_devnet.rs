//! The RPC layer against a real CometBFT network (`scripts/devnet`: a validator and a full
//! node running the kvstore app on loopback). Each test makes sure the devnet is up first.
#![cfg(not(all(target_family = "wasm", target_os = "unknown")))]

mod common;
use common::devnet;

use std::process::Command;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use mantra_sdk::rpc::cometbft::parse_tx_hash;
use mantra_sdk::rpc::cosmwasm::{encode_smart_query, encode_smart_query_raw, Coin};
use mantra_sdk::rpc::jsonrpc::{encode_batch, RpcRequest};
use mantra_sdk::rpc::{DexQueryMsg, RpcClient, RpcClientConfig};
use mantra_sdk::transport::{HttpTransport, Transport};
use mantra_sdk::Error;
use serde_json::{json, Value};
use tokio::sync::RwLock;

/// Node 2 is stopped by one test; tests that talk to it hold this lock for reading.
fn node2() -> &'static RwLock<()> {
    static NODE2: OnceLock<RwLock<()>> = OnceLock::new();
    NODE2.get_or_init(|| RwLock::new(()))
}

/// One transport (one connection pool) per test: each `#[tokio::test]` has its own runtime.
fn transport() -> Arc<dyn Transport> {
    Arc::new(HttpTransport::new())
}

fn config() -> RpcClientConfig {
    RpcClientConfig {
        timeout: Some(Duration::from_secs(20)),
        ..Default::default()
    }
}

fn client(url: &str) -> RpcClient {
    RpcClient::with_transport(url, transport(), config()).unwrap()
}

fn nonce() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!(
        "{t}x{}x{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// Polls `status` until the node's height reaches `height` (bounded).
async fn wait_for_height(rpc: &RpcClient, height: u64) -> u64 {
    for _ in 0..300 {
        let h = rpc.status().await.unwrap().sync_info.latest_block_height;
        if h >= height {
            return h;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{} never reached height {height}", rpc.url());
}

#[tokio::test]
async fn status_reports_an_advancing_chain() {
    let rpc = client(&devnet().rpc1);
    let first = rpc.status().await.unwrap();
    assert!(!first.sync_info.catching_up);
    assert!(first.sync_info.latest_block_height >= 1);
    assert!(first.sync_info.latest_block_unix_time().is_some());
    let later = wait_for_height(&rpc, first.sync_info.latest_block_height + 1).await;
    assert!(later > first.sync_info.latest_block_height);
}

/// The health module's node-sync check decodes a real `GET /status` with the RPC types.
#[cfg(feature = "performance")]
#[tokio::test]
async fn node_sync_health_check_reads_a_real_status() {
    use mantra_sdk::{endpoint_check, node_sync_check, CheckOutcome, HealthCheck};
    let d = devnet();
    let clock = mantra_sdk::runtime::default_clock();
    let sync = node_sync_check(transport(), d.rpc1.clone(), clock, Duration::from_secs(60));
    match sync.check().await.unwrap() {
        CheckOutcome::Healthy { details: Some(v) } => {
            assert!(v["latest_block_height"].as_u64().unwrap() >= 1, "{v}");
            assert_eq!(v["catching_up"], false, "{v}");
            assert!(v["block_age_ms"].as_f64().unwrap() < 60_000.0, "{v}");
        }
        other => panic!("expected healthy with details, got {other:?}"),
    }
    let live = endpoint_check(transport(), d.rpc1.clone());
    assert_eq!(live.check().await.unwrap(), CheckOutcome::healthy());
}

#[tokio::test]
async fn health_and_abci_info() {
    let rpc = client(&devnet().rpc1);
    rpc.health().await.unwrap();
    assert_eq!(rpc.call("health", json!({})).await.unwrap(), json!({}));
    let info = rpc.abci_info().await.unwrap();
    assert!(info.data.contains("size"), "{info:?}");
    assert!(info.last_block_height >= 1);
}

#[tokio::test]
async fn commit_then_query_block_and_tx() {
    let _n2 = node2().read().await;
    let d = devnet();
    let (rpc1, rpc2) = (client(&d.rpc1), client(&d.rpc2));
    let key = format!("k{}", nonce());
    let value = format!("v{}", nonce());
    let tx = format!("{key}={value}");

    let committed = rpc1.broadcast_tx_commit(tx.as_bytes()).await.unwrap();
    assert_eq!(committed.check_tx.code, 0, "{committed:?}");
    assert_eq!(committed.tx_result.code, 0, "{committed:?}");
    assert!(committed.height >= 1);

    // abci_query: data hex-encoded on the way out, value base64-decoded on the way back.
    let q = rpc1
        .abci_query("", key.as_bytes(), None, false)
        .await
        .unwrap();
    assert_eq!(q.code, 0);
    assert_eq!(q.key, key.as_bytes());
    assert_eq!(q.value, value.as_bytes());
    assert_eq!(q.log, "exists");
    // At an explicit height too.
    let at = rpc1
        .abci_query("", key.as_bytes(), Some(q.height as u64), false)
        .await
        .unwrap();
    assert_eq!(at.value, value.as_bytes());

    // The full node has the same state once it reaches that height.
    wait_for_height(&rpc2, committed.height as u64 + 1).await;
    let q2 = rpc2
        .abci_query("", key.as_bytes(), None, false)
        .await
        .unwrap();
    assert_eq!(q2.value, value.as_bytes());

    // The block at the commit height holds the tx.
    let block = rpc1.block(Some(committed.height as u64)).await.unwrap();
    assert_eq!(block.block.header.height, committed.height as u64);
    assert!(block.block.data.txs.iter().any(|t| t == tx.as_bytes()));

    // tx by hash (hex → raw bytes → base64 on the wire).
    let hash = parse_tx_hash(&committed.hash).unwrap();
    let found = rpc1.tx(&hash, false).await.unwrap();
    assert_eq!(found.hash, committed.hash);
    assert_eq!(found.height, committed.height);
    assert_eq!(found.tx, tx.as_bytes());
    let proved = rpc1.tx(&hash, true).await.unwrap();
    assert!(proved.proof.is_some());

    // An unknown hash is the node's typed error.
    match rpc1.tx(&[0u8; 32], false).await {
        Err(Error::Rpc { code, data, .. }) => {
            assert_eq!(code, -32603);
            assert!(data.unwrap_or_default().contains("not found"));
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn block_at_fixed_height_and_latest() {
    let rpc = client(&devnet().rpc1);
    let first = rpc.block(Some(1)).await.unwrap();
    assert_eq!(first.block.header.height, 1);
    assert_eq!(first.block_id.hash.len(), 64);
    // Same block twice: identical answer.
    assert_eq!(rpc.block(Some(1)).await.unwrap(), first);
    let latest = rpc.block(None).await.unwrap();
    assert!(latest.block.header.height >= 1);
    assert_eq!(latest.block.header.chain_id, first.block.header.chain_id);
    // Past the tip: the node's typed error.
    let e = rpc.block(Some(u64::from(u32::MAX))).await.unwrap_err();
    assert!(matches!(e, Error::Rpc { code: -32603, .. }), "{e:?}");
}

#[tokio::test]
async fn broadcast_sync_and_async() {
    let rpc = client(&devnet().rpc1);
    let s = rpc
        .broadcast_tx_sync(format!("s{}=1", nonce()).as_bytes())
        .await
        .unwrap();
    assert_eq!(s.code, 0);
    assert_eq!(s.hash.len(), 64);
    let a = rpc
        .broadcast_tx_async(format!("a{}=1", nonce()).as_bytes())
        .await
        .unwrap();
    assert_eq!(a.hash.len(), 64);
    // kvstore rejects a malformed tx in CheckTx with a non-zero code.
    let bad = rpc
        .broadcast_tx_sync(format!("bad{}", nonce()).as_bytes())
        .await
        .unwrap();
    assert_ne!(bad.code, 0);
}

#[tokio::test]
async fn batch_of_ten_succeeds_in_order() {
    let rpc = client(&devnet().rpc1);
    let mut calls = Vec::new();
    for i in 0..10 {
        calls.push(match i % 3 {
            0 => ("health", json!({})),
            1 => ("abci_info", json!({})),
            _ => ("block", json!({"height": "1"})),
        });
    }
    let out = rpc.call_batch(calls).await.unwrap();
    assert_eq!(out.len(), 10);
    for (i, r) in out.iter().enumerate() {
        let v = r.as_ref().unwrap();
        match i % 3 {
            0 => assert_eq!(v, &json!({})),
            1 => assert!(v["response"]["last_block_height"].is_string()),
            _ => assert_eq!(v["block"]["header"]["height"], json!("1")),
        }
    }
    // Per-item errors stay per item.
    let out = rpc
        .call_batch(vec![
            ("health", json!({})),
            ("no_such_method", json!({})),
            ("block", json!({"height": "999999999"})),
        ])
        .await
        .unwrap();
    assert_eq!(out[0], Ok(json!({})));
    assert!(matches!(out[1], Err(Error::Rpc { code: -32601, .. })));
    assert!(matches!(out[2], Err(Error::Rpc { code: -32603, .. })));
}

#[tokio::test]
async fn batch_of_eleven_reports_the_nodes_limit() {
    let rpc = client(&devnet().rpc1);
    let calls: Vec<_> = (0..11).map(|_| ("health", json!({}))).collect();
    let e = rpc.call_batch(calls).await.unwrap_err();
    assert_eq!(e, Error::BatchLimit { size: 11, max: 10 });
    assert_eq!(e.code(), "batch_limit");
}

#[tokio::test]
async fn one_element_batch_comes_back_bare_and_decodes() {
    let rpc = client(&devnet().rpc1);
    // What the node really sends: a bare object, not a one-element array.
    let raw = rpc
        .post(encode_batch(&[RpcRequest::new(41, "health", json!({}))]).unwrap())
        .await
        .unwrap();
    assert_eq!(raw.status, 200);
    assert_eq!(raw.body.first(), Some(&b'{'));
    // And the client decodes it.
    let out = rpc.call_batch(vec![("health", json!({}))]).await.unwrap();
    assert_eq!(out, vec![Ok(json!({}))]);
}

#[tokio::test]
async fn max_body_bytes_is_enforced_locally_and_by_the_node() {
    let d = devnet();
    let big = vec![b'x'; 1_100_000];
    // Default limit (the node's): rejected before sending.
    let rpc = client(&d.rpc1);
    let e = rpc.broadcast_tx_sync(&big).await.unwrap_err();
    assert_eq!(e.code(), "capacity_exceeded", "{e:?}");
    // With the local check lifted, the node itself refuses (HTTP 400 + JSON-RPC error).
    let lifted = RpcClient::with_transport(
        d.rpc1.clone(),
        transport(),
        RpcClientConfig {
            max_body_bytes: 4_000_000,
            ..config()
        },
    )
    .unwrap();
    match lifted.broadcast_tx_sync(&big).await {
        Err(Error::Rpc { code, data, .. }) => {
            assert_eq!(code, -32600);
            assert!(data.unwrap_or_default().contains("too large"));
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn both_endpoints_answer_for_one_network() {
    let _n2 = node2().read().await;
    let d = devnet();
    let t = transport(); // shared connection pool
    let c = |url: &str| RpcClient::with_transport(url, t.clone(), config()).unwrap();
    let (s1, s2) = (
        c(&d.rpc1).status().await.unwrap(),
        c(&d.rpc2).status().await.unwrap(),
    );
    assert_eq!(s1.node_info.network, s2.node_info.network);
    assert_ne!(s1.node_info.id, s2.node_info.id);
    assert!(s1.validator_info.voting_power > 0);
    assert_eq!(s2.validator_info.voting_power, 0);
    c(&d.rpc2).health().await.unwrap();
}

#[tokio::test]
async fn stopped_node_gives_a_typed_transport_error_then_recovers() {
    let _n2 = node2().write().await;
    let d = devnet();
    let rpc2 = client(&d.rpc2);
    rpc2.health().await.unwrap();
    let run = |cmd: &str| {
        let out = Command::new("bash")
            .arg(&d.script)
            .args([cmd, "2"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "devnet {cmd} 2: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    run("stop-node");
    let result = rpc2.status().await;
    run("start-node"); // restart before asserting, so a failure leaves the devnet whole
    match result {
        Err(e @ Error::Transport { status: None, .. }) => assert!(e.is_retryable()),
        other => panic!("expected a transport error from a stopped node, got {other:?}"),
    }
    // Back: same client (same pool) works again.
    rpc2.health().await.unwrap();
    assert!(rpc2.status().await.unwrap().sync_info.latest_block_height >= 1);
}

#[tokio::test]
async fn smart_query_path_end_to_end() {
    let rpc = client(&devnet().rpc1);

    // kvstore is not wasmd: a DEX query travels the real path, the app echoes the protobuf
    // request as the key (proving data went out hex-encoded), and the empty value is a
    // typed decode error.
    let pool_manager = format!("mantra1poolmanager{}", nonce());
    let msg = DexQueryMsg::pool("o.uom.uusdc");
    let raw = rpc
        .abci_query(
            mantra_sdk::rpc::SMART_QUERY_PATH,
            &encode_smart_query(&pool_manager, &msg).unwrap(),
            None,
            false,
        )
        .await
        .unwrap();
    assert_eq!(raw.key, encode_smart_query(&pool_manager, &msg).unwrap());
    assert!(raw.value.is_empty());
    let e = rpc
        .dex_pool(&pool_manager, "o.uom.uusdc")
        .await
        .unwrap_err();
    assert!(
        matches!(&e, Error::Decode(m) if m.contains("empty")),
        "{e:?}"
    );
    let e = rpc
        .dex_simulation(
            &pool_manager,
            Coin::new(1000u128, "uom"),
            "uusdc",
            "o.uom.uusdc",
        )
        .await
        .unwrap_err();
    assert_eq!(e.code(), "decode");

    // Store a real QuerySmartContractStateResponse under the request's key (kvstore tx
    // `key=value`; neither side may contain ':' or '='), then the smart query decodes it.
    let contract = format!("mantra1contract{}", nonce());
    let request = encode_smart_query_raw(&contract, br#""config""#);
    let reply_json = br#"["o.uom.uusdc","1000"]"#;
    let mut response = vec![0x0a, reply_json.len() as u8];
    response.extend_from_slice(reply_json);
    for part in [&request, &response] {
        assert!(!part.contains(&b':') && !part.contains(&b'='), "{part:?}");
    }
    let tx = [request.as_slice(), b"=", response.as_slice()].concat();
    let committed = rpc.broadcast_tx_commit(&tx).await.unwrap();
    assert_eq!(committed.tx_result.code, 0, "{committed:?}");
    let reply: Vec<String> = rpc.smart_query(&contract, &json!("config")).await.unwrap();
    assert_eq!(reply, vec!["o.uom.uusdc".to_string(), "1000".to_string()]);
    let raw = rpc
        .smart_query_raw(&contract, br#""config""#, None)
        .await
        .unwrap();
    assert_eq!(raw, reply_json);
    let as_value: Value = rpc.smart_query(&contract, &json!("config")).await.unwrap();
    assert_eq!(as_value, json!(["o.uom.uusdc", "1000"]));
}
