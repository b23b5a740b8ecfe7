//! The CometBFT RPC protocol: a pure JSON-RPC 2.0 codec ([`jsonrpc`]), CometBFT method
//! params and typed results ([`cometbft`]), CosmWasm smart queries and MANTRA DEX messages
//! ([`cosmwasm`]), and a low-level [`RpcClient`] for one endpoint.
//!
//! ```no_run
//! # async fn demo() -> mantra_sdk::Result<()> {
//! use mantra_sdk::rpc::RpcClient;
//! let rpc = RpcClient::new("http://127.0.0.1:26657");
//! let status = rpc.status().await?;
//! println!("height {}", status.sync_info.latest_block_height);
//! let results = rpc
//!     .call_batch(vec![("health", serde_json::json!({})), ("abci_info", serde_json::json!({}))])
//!     .await?;
//! assert_eq!(results.len(), 2);
//! # Ok(()) }
//! ```

pub mod cometbft;
pub mod cosmwasm;
pub mod jsonrpc;
pub(crate) mod serde_util;

mod client;

pub use crate::time_fmt::parse_rfc3339;
pub use client::{RpcClient, RpcClientConfig};
pub use cometbft::{
    AbciEvent, AbciInfo, AbciQueryResponse, Block, BlockData, BlockHeader, BlockId, BlockResponse,
    BroadcastMode, BroadcastTxCommitResponse, BroadcastTxResponse, ByteFields, EventAttribute,
    NodeInfo, NodeStatus, SyncInfo, TxExecResult, TxResponse, ValidatorInfo,
};
pub use cosmwasm::{
    Coin, DexPoolInfo, DexPoolsResponse, DexQueryMsg, DexReverseSimulationResponse,
    DexSimulationResponse, Uint128, SMART_QUERY_PATH,
};
pub use jsonrpc::{
    RpcErrorObject, RpcId, RpcIdAllocator, RpcRequest, RpcResponse, DEFAULT_MAX_BATCH_SIZE,
    DEFAULT_MAX_BODY_BYTES,
};
pub use serde_util::{base64_decode, base64_encode};
