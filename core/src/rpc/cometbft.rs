//! CometBFT v0.38 RPC methods: param builders (pure) and typed results.
//!
//! Wire conventions: 64-bit integers are JSON strings (`"height":"0"`), `abci_query` `data`
//! is hex, byte strings in results (`value`, `tx`, `data`) and `tx`/`hash` params are base64.

use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::serde_util::{
    base64_bytes, base64_encode, base64_list, base64_of, i64_string, invalid_type, null_as_empty,
    u64_string, DecodeResult, Fields,
};
use crate::time_fmt::parse_rfc3339;
use crate::{Error, Result};

/// Method names.
pub mod methods {
    /// `status`: node info, sync info, validator info.
    pub const STATUS: &str = "status";
    /// `health`: `{}` when the node is up.
    pub const HEALTH: &str = "health";
    /// `abci_info`: the app's info.
    pub const ABCI_INFO: &str = "abci_info";
    /// `abci_query`: query the app's state.
    pub const ABCI_QUERY: &str = "abci_query";
    /// `block`: a block by height (latest if none).
    pub const BLOCK: &str = "block";
    /// `tx`: a committed transaction by hash.
    pub const TX: &str = "tx";
    /// `broadcast_tx_sync`: returns after CheckTx.
    pub const BROADCAST_TX_SYNC: &str = "broadcast_tx_sync";
    /// `broadcast_tx_async`: returns immediately.
    pub const BROADCAST_TX_ASYNC: &str = "broadcast_tx_async";
    /// `broadcast_tx_commit`: returns after the tx is in a block (or times out).
    pub const BROADCAST_TX_COMMIT: &str = "broadcast_tx_commit";
}

/// How `broadcast_tx_*` waits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BroadcastMode {
    /// Return immediately (`broadcast_tx_async`).
    Async,
    /// Return after CheckTx (`broadcast_tx_sync`).
    Sync,
    /// Return after the tx is committed (`broadcast_tx_commit`).
    Commit,
}

impl BroadcastMode {
    /// The JSON-RPC method of this mode.
    pub fn method(self) -> &'static str {
        match self {
            BroadcastMode::Async => methods::BROADCAST_TX_ASYNC,
            BroadcastMode::Sync => methods::BROADCAST_TX_SYNC,
            BroadcastMode::Commit => methods::BROADCAST_TX_COMMIT,
        }
    }
}

// ---- params ----------------------------------------------------------------------------

/// Params of `abci_query`: `data` hex-encoded, `height` as a JSON string (`"0"` = latest).
pub fn abci_query_params(path: &str, data: &[u8], height: Option<u64>, prove: bool) -> Value {
    json!({
        "path": path,
        "data": hex::encode(data),
        "height": height.unwrap_or(0).to_string(),
        "prove": prove,
    })
}

/// Params of `block`: `{}` for the latest block, else the height as a JSON string.
/// Height 0 is refused here, as the node would refuse it ("height must be greater than 0").
pub fn block_params(height: Option<u64>) -> Result<Value> {
    match height {
        Some(0) => Err(Error::InvalidArgument(
            "block height must be greater than 0 (omit it for the latest block)".into(),
        )),
        Some(h) => Ok(json!({ "height": h.to_string() })),
        None => Ok(json!({})),
    }
}

/// Params of `tx`: the raw hash bytes, base64-encoded. See [`parse_tx_hash`] for hex input.
pub fn tx_params(hash: &[u8], prove: bool) -> Value {
    json!({ "hash": base64_encode(hash), "prove": prove })
}

/// Params of `broadcast_tx_*`: the tx bytes, base64-encoded.
pub fn broadcast_tx_params(tx: &[u8]) -> Value {
    json!({ "tx": base64_encode(tx) })
}

/// Parses a tx hash as CometBFT prints it (hex, any case, optional `0x`).
pub fn parse_tx_hash(hex_hash: &str) -> Result<Vec<u8>> {
    let h = hex_hash.trim();
    let h = h
        .strip_prefix("0x")
        .or_else(|| h.strip_prefix("0X"))
        .unwrap_or(h);
    hex::decode(h).map_err(|e| Error::InvalidArgument(format!("invalid tx hash {hex_hash:?}: {e}")))
}

/// Decodes a JSON-RPC `result` into `T`; the error names the type.
pub fn decode_result<T: DeserializeOwned>(value: Value) -> Result<T> {
    // Through `&Value`, like the client's typed calls: one deserializer instantiation per
    // type instead of two (owned and borrowed); same result, same errors.
    decode_result_ref(&value)
}

/// [`decode_result`] for `status` replies, by reference. Not generic: the client's `status`
/// and the endpoint health check share one compiled `NodeStatus` decoder (a generic one is
/// compiled again in every crate that instantiates it).
#[inline(never)]
pub fn decode_node_status(value: &Value) -> Result<NodeStatus> {
    node_status(value).map_err(|e| Error::Decode(format!("unexpected NodeStatus result: {e}")))
}

fn decode_result_ref<T: DeserializeOwned>(value: &Value) -> Result<T> {
    T::deserialize(value).map_err(|e| {
        let ty = std::any::type_name::<T>();
        let ty = ty.rsplit("::").next().unwrap_or(ty);
        Error::Decode(format!("unexpected {ty} result: {e}"))
    })
}

// ---- status ----------------------------------------------------------------------------

/// Result of `status`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NodeStatus {
    /// Who the node is.
    pub node_info: NodeInfo,
    /// Where its chain is.
    pub sync_info: SyncInfo,
    /// Its validator key and power (0 for a full node).
    pub validator_info: ValidatorInfo,
}

/// Protocol versions of a node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProtocolVersion {
    /// P2P protocol version.
    #[serde(serialize_with = "u64_string::serialize")]
    pub p2p: u64,
    /// Block protocol version.
    #[serde(serialize_with = "u64_string::serialize")]
    pub block: u64,
    /// App version.
    #[serde(serialize_with = "u64_string::serialize")]
    pub app: u64,
}

/// `status.node_info`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NodeInfo {
    /// Protocol versions.
    pub protocol_version: ProtocolVersion,
    /// Node id (hex of its P2P key).
    pub id: String,
    /// P2P listen address.
    pub listen_addr: String,
    /// Chain id.
    pub network: String,
    /// CometBFT version.
    pub version: String,
    /// P2P channels (hex).
    #[serde(default)]
    pub channels: String,
    /// Node name.
    pub moniker: String,
    /// `tx_index`, `rpc_address`.
    #[serde(default)]
    pub other: NodeInfoOther,
}

/// `status.node_info.other`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct NodeInfoOther {
    /// `"on"` when txs are indexed (needed by `tx`).
    #[serde(default)]
    pub tx_index: String,
    /// The RPC listen address.
    #[serde(default)]
    pub rpc_address: String,
}

/// `status.sync_info`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SyncInfo {
    /// Hash of the latest block (hex).
    pub latest_block_hash: String,
    /// App hash after the latest block (hex).
    pub latest_app_hash: String,
    /// Latest block height.
    #[serde(serialize_with = "u64_string::serialize")]
    pub latest_block_height: u64,
    /// Latest block time, RFC 3339.
    pub latest_block_time: String,
    /// Earliest stored block hash.
    #[serde(default)]
    pub earliest_block_hash: String,
    /// Earliest stored app hash.
    #[serde(default)]
    pub earliest_app_hash: String,
    /// Earliest stored block height (pruned nodes start above 1).
    #[serde(serialize_with = "u64_string::serialize", default)]
    pub earliest_block_height: u64,
    /// Earliest stored block time, RFC 3339.
    #[serde(default)]
    pub earliest_block_time: String,
    /// Whether the node is still syncing.
    pub catching_up: bool,
}

impl SyncInfo {
    /// `latest_block_time` as time since the Unix epoch.
    pub fn latest_block_unix_time(&self) -> Option<Duration> {
        parse_rfc3339(&self.latest_block_time)
    }

    /// Age of the latest block at wall time `now` (since the Unix epoch; e.g.
    /// `clock.wall_time()`); zero if the block time is ahead of `now`.
    pub fn latest_block_age(&self, now: Duration) -> Option<Duration> {
        self.latest_block_unix_time().map(|t| now.saturating_sub(t))
    }
}

/// A public key as CometBFT's amino JSON writes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PubKey {
    /// Key type, e.g. `tendermint/PubKeyEd25519`.
    #[serde(rename = "type")]
    pub key_type: String,
    /// Key bytes, base64.
    pub value: String,
}

/// `status.validator_info`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ValidatorInfo {
    /// Validator address (hex).
    pub address: String,
    /// Consensus public key.
    pub pub_key: PubKey,
    /// Voting power (0 for a non-validator).
    #[serde(with = "i64_string")]
    pub voting_power: i64,
}

// ---- abci ------------------------------------------------------------------------------

/// Result of `abci_info` (the `response` member).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AbciInfo {
    /// App-defined data.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub data: String,
    /// App software version.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub version: String,
    /// App protocol version.
    #[serde(serialize_with = "u64_string::serialize", default)]
    pub app_version: u64,
    /// Height of the last block the app committed.
    #[serde(with = "i64_string", default)]
    pub last_block_height: i64,
    /// App hash after that block.
    #[serde(with = "base64_bytes", default)]
    pub last_block_app_hash: Vec<u8>,
}

/// A reply with byte fields: base64 text in its JSON form, each binding's own bytes type
/// (`Uint8Array`, `bytes`, `ByteArray`) in its language.
pub trait ByteFields {
    /// Calls `f` with each byte field's JSON name and its bytes.
    fn for_each_byte_field(&self, f: &mut dyn FnMut(&'static str, &[u8]));
}

impl ByteFields for AbciQueryResponse {
    fn for_each_byte_field(&self, f: &mut dyn FnMut(&'static str, &[u8])) {
        f("key", &self.key);
        f("value", &self.value);
    }
}

impl ByteFields for BroadcastTxResponse {
    fn for_each_byte_field(&self, f: &mut dyn FnMut(&'static str, &[u8])) {
        f("data", &self.data);
    }
}

/// Result of `abci_query` (the `response` member), with `key`/`value` base64-decoded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AbciQueryResponse {
    /// ABCI result code; 0 is success.
    #[serde(default)]
    pub code: u32,
    /// App log (kvstore: "exists" / "does not exist").
    #[serde(default, deserialize_with = "null_as_empty")]
    pub log: String,
    /// Additional info.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub info: String,
    /// Index of the key in the tree.
    #[serde(with = "i64_string", default)]
    pub index: i64,
    /// The queried key.
    #[serde(with = "base64_bytes", default)]
    pub key: Vec<u8>,
    /// The value (empty when absent).
    #[serde(with = "base64_bytes", default)]
    pub value: Vec<u8>,
    /// Merkle proof, when `prove` was set.
    #[serde(rename = "proofOps", default, skip_serializing_if = "Option::is_none")]
    pub proof_ops: Option<Value>,
    /// Height the answer is valid for.
    #[serde(with = "i64_string", default)]
    pub height: i64,
    /// Namespace of `code`.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub codespace: String,
}

impl AbciQueryResponse {
    /// `Ok(self)` if `code == 0`, else the app's error as [`Error::Rpc`] with the ABCI code
    /// (positive, unlike JSON-RPC's negative codes), `log` as message and the codespace as
    /// data.
    pub fn into_result(self) -> Result<Self> {
        if self.code == 0 {
            return Ok(self);
        }
        Err(Error::Rpc {
            code: i64::from(self.code),
            message: if self.log.is_empty() {
                format!("abci query failed with code {}", self.code)
            } else {
                self.log
            },
            data: (!self.codespace.is_empty()).then_some(self.codespace),
        })
    }
}

/// Wire wrapper `{ "response": T }` of `abci_info` / `abci_query`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct ResponseWrapper<T> {
    pub response: T,
}

/// Decodes the `result` of `abci_query`.
pub fn decode_abci_query(result: Value) -> Result<AbciQueryResponse> {
    decode_result::<ResponseWrapper<AbciQueryResponse>>(result).map(|w| w.response)
}

/// Decodes the `result` of `abci_info`.
pub fn decode_abci_info(result: Value) -> Result<AbciInfo> {
    decode_result::<ResponseWrapper<AbciInfo>>(result).map(|w| w.response)
}

// ---- transactions ----------------------------------------------------------------------

/// An ABCI event attribute.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventAttribute {
    /// Attribute key.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub key: String,
    /// Attribute value.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub value: String,
    /// Whether the attribute is indexed.
    #[serde(default)]
    pub index: bool,
}

/// An ABCI event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AbciEvent {
    /// Event type.
    #[serde(rename = "type")]
    pub kind: String,
    /// Its attributes.
    #[serde(default, deserialize_with = "null_as_empty_vec")]
    pub attributes: Vec<EventAttribute>,
}

fn null_as_empty_vec<'de, D, T>(d: D) -> std::result::Result<Vec<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

/// Result of CheckTx or of executing a tx (`check_tx`, `tx_result`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TxExecResult {
    /// ABCI code; 0 is success.
    #[serde(default)]
    pub code: u32,
    /// Result data.
    #[serde(with = "base64_bytes", default)]
    pub data: Vec<u8>,
    /// App log.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub log: String,
    /// Additional info.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub info: String,
    /// Gas requested.
    #[serde(with = "i64_string", default)]
    pub gas_wanted: i64,
    /// Gas used.
    #[serde(with = "i64_string", default)]
    pub gas_used: i64,
    /// Events emitted.
    #[serde(default, deserialize_with = "null_as_empty_vec")]
    pub events: Vec<AbciEvent>,
    /// Namespace of `code`.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub codespace: String,
}

/// Result of `broadcast_tx_sync` / `broadcast_tx_async`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BroadcastTxResponse {
    /// CheckTx code (always 0 for async).
    #[serde(default)]
    pub code: u32,
    /// CheckTx data.
    #[serde(with = "base64_bytes", default)]
    pub data: Vec<u8>,
    /// CheckTx log.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub log: String,
    /// Namespace of `code`.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub codespace: String,
    /// Tx hash (hex, upper case).
    pub hash: String,
}

/// Result of `broadcast_tx_commit`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BroadcastTxCommitResponse {
    /// CheckTx outcome.
    pub check_tx: TxExecResult,
    /// Execution outcome in the block.
    pub tx_result: TxExecResult,
    /// Tx hash (hex, upper case).
    pub hash: String,
    /// Height of the block holding the tx.
    #[serde(with = "i64_string", default)]
    pub height: i64,
}

/// Result of `tx`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TxResponse {
    /// Tx hash (hex, upper case).
    pub hash: String,
    /// Block height.
    #[serde(with = "i64_string")]
    pub height: i64,
    /// Position in the block.
    #[serde(default)]
    pub index: u32,
    /// Execution outcome.
    pub tx_result: TxExecResult,
    /// The raw tx bytes.
    #[serde(with = "base64_bytes", default)]
    pub tx: Vec<u8>,
    /// Inclusion proof, when `prove` was set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proof: Option<Value>,
}

// ---- blocks ----------------------------------------------------------------------------

/// Header of a part set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PartSetHeader {
    /// Number of parts.
    pub total: u32,
    /// Merkle root of the parts (hex).
    pub hash: String,
}

/// A block id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BlockId {
    /// Block hash (hex; empty for the genesis' last block id).
    #[serde(default)]
    pub hash: String,
    /// Part set header.
    pub parts: PartSetHeader,
}

/// Block and app protocol versions in a header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BlockVersion {
    /// Block protocol.
    #[serde(serialize_with = "u64_string::serialize")]
    pub block: u64,
    /// App protocol.
    #[serde(serialize_with = "u64_string::serialize", default)]
    pub app: u64,
}

/// A block header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BlockHeader {
    /// Protocol versions.
    pub version: BlockVersion,
    /// Chain id.
    pub chain_id: String,
    /// Height.
    #[serde(serialize_with = "u64_string::serialize")]
    pub height: u64,
    /// Block time, RFC 3339.
    pub time: String,
    /// Previous block's id.
    pub last_block_id: BlockId,
    /// Hash of the previous block's commit.
    #[serde(default)]
    pub last_commit_hash: String,
    /// Merkle root of the txs.
    #[serde(default)]
    pub data_hash: String,
    /// Validator set hash.
    #[serde(default)]
    pub validators_hash: String,
    /// Next validator set hash.
    #[serde(default)]
    pub next_validators_hash: String,
    /// Consensus params hash.
    #[serde(default)]
    pub consensus_hash: String,
    /// App hash after the previous block.
    #[serde(default)]
    pub app_hash: String,
    /// Hash of the previous block's results.
    #[serde(default)]
    pub last_results_hash: String,
    /// Evidence hash.
    #[serde(default)]
    pub evidence_hash: String,
    /// Proposer's address (hex).
    #[serde(default)]
    pub proposer_address: String,
}

impl BlockHeader {
    /// `time` as time since the Unix epoch.
    pub fn unix_time(&self) -> Option<Duration> {
        parse_rfc3339(&self.time)
    }
}

/// A block's txs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct BlockData {
    /// Raw txs (empty for an empty block).
    #[serde(serialize_with = "base64_list::serialize", default)]
    pub txs: Vec<Vec<u8>>,
}

/// A block.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Block {
    /// Header.
    pub header: BlockHeader,
    /// Txs.
    #[serde(default)]
    pub data: BlockData,
    /// Evidence, as JSON.
    #[serde(default)]
    pub evidence: Value,
    /// The previous block's commit, as JSON.
    #[serde(default)]
    pub last_commit: Value,
}

/// Result of `block`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BlockResponse {
    /// The block's id.
    pub block_id: BlockId,
    /// The block.
    pub block: Block,
}

// ---- decoding ------------------------------------------------------------------------
//
// `status`, `block`, `broadcast_tx_sync`/`_async` and `abci_info` replies are decoded by
// hand from `&Value` (see `serde_util`'s helpers: the `#[serde]` attributes above state the
// rules, these functions apply them): one compiled decoder per type instead of a derived
// one per type and deserializer. Their `Deserialize` impls decode any input through a
// `Value`.

/// A reply decoded from a borrowed `Value` (the client's result, shared with its cache):
/// the hand-decoded types read it in place; `Deserialize` through a `Value` would copy it.
pub(crate) trait DecodeRef: Sized {
    /// Decodes `v`; the error is serde's wording.
    fn decode_ref(v: &Value) -> DecodeResult<Self>;
}

/// `Deserialize` through a `Value`, and [`DecodeRef`], by the type's hand-written decoder.
macro_rules! deserialize_via_value {
    ($($t:ty => $decode:ident),* $(,)?) => {$(
        impl<'de> Deserialize<'de> for $t {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
                let v = Value::deserialize(d)?;
                $decode(&v).map_err(serde::de::Error::custom)
            }
        }

        impl DecodeRef for $t {
            fn decode_ref(v: &Value) -> DecodeResult<Self> {
                $decode(v)
            }
        }
    )*};
}

/// [`DecodeRef`] by the derived `Deserialize` (which reads a `&Value` in place).
macro_rules! decode_ref_by_serde {
    ($($t:ty),* $(,)?) => {$(
        impl DecodeRef for $t {
            fn decode_ref(v: &Value) -> DecodeResult<Self> {
                Self::deserialize(v).map_err(|e| e.to_string())
            }
        }
    )*};
}

decode_ref_by_serde!(TxResponse, BroadcastTxCommitResponse);

deserialize_via_value! {
    NodeStatus => node_status,
    ProtocolVersion => protocol_version,
    NodeInfo => node_info,
    NodeInfoOther => node_info_other,
    SyncInfo => sync_info,
    PubKey => pub_key,
    ValidatorInfo => validator_info,
    AbciInfo => abci_info,
    BroadcastTxResponse => broadcast_tx_response,
    PartSetHeader => part_set_header,
    BlockId => block_id,
    BlockVersion => block_version,
    BlockHeader => block_header,
    BlockData => block_data,
    Block => block,
    BlockResponse => block_response,
}

fn node_status(v: &Value) -> DecodeResult<NodeStatus> {
    let f = Fields::of(v, "NodeStatus")?;
    Ok(NodeStatus {
        node_info: node_info(f.req("node_info")?)?,
        sync_info: sync_info(f.req("sync_info")?)?,
        validator_info: validator_info(f.req("validator_info")?)?,
    })
}

fn protocol_version(v: &Value) -> DecodeResult<ProtocolVersion> {
    let f = Fields::of(v, "ProtocolVersion")?;
    Ok(ProtocolVersion {
        p2p: f.u64_string("p2p")?,
        block: f.u64_string("block")?,
        app: f.u64_string("app")?,
    })
}

fn node_info(v: &Value) -> DecodeResult<NodeInfo> {
    let f = Fields::of(v, "NodeInfo")?;
    Ok(NodeInfo {
        protocol_version: protocol_version(f.req("protocol_version")?)?,
        id: f.string("id")?,
        listen_addr: f.string("listen_addr")?,
        network: f.string("network")?,
        version: f.string("version")?,
        channels: f.string_or_empty("channels")?,
        moniker: f.string("moniker")?,
        other: f
            .opt("other")
            .map_or(Ok(NodeInfoOther::default()), node_info_other)?,
    })
}

fn node_info_other(v: &Value) -> DecodeResult<NodeInfoOther> {
    let f = Fields::of(v, "NodeInfoOther")?;
    Ok(NodeInfoOther {
        tx_index: f.string_or_empty("tx_index")?,
        rpc_address: f.string_or_empty("rpc_address")?,
    })
}

fn sync_info(v: &Value) -> DecodeResult<SyncInfo> {
    let f = Fields::of(v, "SyncInfo")?;
    Ok(SyncInfo {
        latest_block_hash: f.string("latest_block_hash")?,
        latest_app_hash: f.string("latest_app_hash")?,
        latest_block_height: f.u64_string("latest_block_height")?,
        latest_block_time: f.string("latest_block_time")?,
        earliest_block_hash: f.string_or_empty("earliest_block_hash")?,
        earliest_app_hash: f.string_or_empty("earliest_app_hash")?,
        earliest_block_height: f.u64_string_or_zero("earliest_block_height")?,
        earliest_block_time: f.string_or_empty("earliest_block_time")?,
        catching_up: f.bool("catching_up")?,
    })
}

fn pub_key(v: &Value) -> DecodeResult<PubKey> {
    let f = Fields::of(v, "PubKey")?;
    Ok(PubKey {
        key_type: f.string("type")?,
        value: f.string("value")?,
    })
}

fn validator_info(v: &Value) -> DecodeResult<ValidatorInfo> {
    let f = Fields::of(v, "ValidatorInfo")?;
    Ok(ValidatorInfo {
        address: f.string("address")?,
        pub_key: pub_key(f.req("pub_key")?)?,
        voting_power: f.i64_string("voting_power")?,
    })
}

fn abci_info(v: &Value) -> DecodeResult<AbciInfo> {
    let f = Fields::of(v, "AbciInfo")?;
    Ok(AbciInfo {
        data: f.string_null_empty("data")?,
        version: f.string_null_empty("version")?,
        app_version: f.u64_string_or_zero("app_version")?,
        last_block_height: f.i64_string_or_zero("last_block_height")?,
        last_block_app_hash: f.base64("last_block_app_hash")?,
    })
}

fn broadcast_tx_response(v: &Value) -> DecodeResult<BroadcastTxResponse> {
    let f = Fields::of(v, "BroadcastTxResponse")?;
    Ok(BroadcastTxResponse {
        code: f.u32_or_zero("code")?,
        data: f.base64("data")?,
        log: f.string_null_empty("log")?,
        codespace: f.string_null_empty("codespace")?,
        hash: f.string("hash")?,
    })
}

fn part_set_header(v: &Value) -> DecodeResult<PartSetHeader> {
    let f = Fields::of(v, "PartSetHeader")?;
    Ok(PartSetHeader {
        total: f.u32("total")?,
        hash: f.string("hash")?,
    })
}

fn block_id(v: &Value) -> DecodeResult<BlockId> {
    let f = Fields::of(v, "BlockId")?;
    Ok(BlockId {
        hash: f.string_or_empty("hash")?,
        parts: part_set_header(f.req("parts")?)?,
    })
}

fn block_version(v: &Value) -> DecodeResult<BlockVersion> {
    let f = Fields::of(v, "BlockVersion")?;
    Ok(BlockVersion {
        block: f.u64_string("block")?,
        app: f.u64_string_or_zero("app")?,
    })
}

fn block_header(v: &Value) -> DecodeResult<BlockHeader> {
    let f = Fields::of(v, "BlockHeader")?;
    Ok(BlockHeader {
        version: block_version(f.req("version")?)?,
        chain_id: f.string("chain_id")?,
        height: f.u64_string("height")?,
        time: f.string("time")?,
        last_block_id: block_id(f.req("last_block_id")?)?,
        last_commit_hash: f.string_or_empty("last_commit_hash")?,
        data_hash: f.string_or_empty("data_hash")?,
        validators_hash: f.string_or_empty("validators_hash")?,
        next_validators_hash: f.string_or_empty("next_validators_hash")?,
        consensus_hash: f.string_or_empty("consensus_hash")?,
        app_hash: f.string_or_empty("app_hash")?,
        last_results_hash: f.string_or_empty("last_results_hash")?,
        evidence_hash: f.string_or_empty("evidence_hash")?,
        proposer_address: f.string_or_empty("proposer_address")?,
    })
}

fn block_data(v: &Value) -> DecodeResult<BlockData> {
    let f = Fields::of(v, "BlockData")?;
    let txs = match f.opt("txs") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items.iter().map(base64_of).collect::<DecodeResult<_>>()?,
        Some(other) => return Err(invalid_type(other, "a sequence")),
    };
    Ok(BlockData { txs })
}

fn block(v: &Value) -> DecodeResult<Block> {
    let f = Fields::of(v, "Block")?;
    Ok(Block {
        header: block_header(f.req("header")?)?,
        data: f.opt("data").map_or(Ok(BlockData::default()), block_data)?,
        evidence: f.opt("evidence").cloned().unwrap_or_default(),
        last_commit: f.opt("last_commit").cloned().unwrap_or_default(),
    })
}

fn block_response(v: &Value) -> DecodeResult<BlockResponse> {
    let f = Fields::of(v, "BlockResponse")?;
    Ok(BlockResponse {
        block_id: block_id(f.req("block_id")?)?,
        block: block(f.req("block")?)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rpc::jsonrpc::{decode_single, RpcId};
    use crate::transport::HttpResponse;

    macro_rules! fixture_result {
        ($name:literal) => {{
            let body = include_bytes!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/fixtures/rpc/",
                $name
            ));
            let v: Value = serde_json::from_slice(body).unwrap();
            let id = RpcId::from_json(&v["id"]).unwrap();
            decode_single(
                &id,
                &HttpResponse {
                    status: 200,
                    body: body.to_vec(),
                    retry_after: None,
                },
            )
            .unwrap()
        }};
    }

    #[test]
    fn params_follow_cometbft_conventions() {
        assert_eq!(
            abci_query_params("/store/bank/key", b"key", None, false),
            json!({"path": "/store/bank/key", "data": "6b6579", "height": "0", "prove": false})
        );
        assert_eq!(
            abci_query_params("", &[0, 255], Some(42), true)["height"],
            json!("42")
        );
        assert_eq!(block_params(None).unwrap(), json!({}));
        assert_eq!(block_params(Some(7)).unwrap(), json!({"height": "7"}));
        let e = block_params(Some(0)).unwrap_err();
        assert_eq!(e.code(), "invalid_argument", "{e}");
        assert_eq!(
            broadcast_tx_params(b"fix=val"),
            json!({"tx": "Zml4PXZhbA=="})
        );
        let hash = parse_tx_hash("0x1bc6a501").unwrap();
        assert_eq!(hash, vec![0x1b, 0xc6, 0xa5, 0x01]);
        assert_eq!(
            tx_params(&hash, true),
            json!({"hash": "G8alAQ==", "prove": true})
        );
        assert!(matches!(
            parse_tx_hash("xyz"),
            Err(Error::InvalidArgument(_))
        ));
        assert_eq!(BroadcastMode::Commit.method(), "broadcast_tx_commit");
    }

    #[test]
    fn status_from_real_node() {
        let s: NodeStatus = decode_result(fixture_result!("status.200.json")).unwrap();
        assert!(s.sync_info.latest_block_height >= 1);
        assert_eq!(s.sync_info.earliest_block_height, 1);
        assert!(!s.sync_info.catching_up);
        assert_eq!(s.node_info.moniker, "devnet-node1");
        assert_eq!(s.node_info.other.tx_index, "on");
        assert_eq!(s.node_info.protocol_version.block, 11);
        assert_eq!(s.validator_info.voting_power, 10);
        assert_eq!(
            s.validator_info.pub_key.key_type,
            "tendermint/PubKeyEd25519"
        );
        let t = s.sync_info.latest_block_unix_time().unwrap();
        assert!(t > Duration::from_secs(1_700_000_000));
        assert_eq!(
            s.sync_info.latest_block_age(t + Duration::from_secs(5)),
            Some(Duration::from_secs(5))
        );
        // Round trip keeps the node's string encoding of integers.
        let back = serde_json::to_value(&s).unwrap();
        assert!(back["sync_info"]["latest_block_height"].is_string());
    }

    #[test]
    fn abci_from_real_node() {
        let info = decode_abci_info(fixture_result!("abci_info.200.json")).unwrap();
        assert!(info.data.contains("size"));
        assert!(info.last_block_height >= 1);
        assert_eq!(info.last_block_app_hash.len(), 8);

        let q = decode_abci_query(fixture_result!("abci_query_exists.200.json")).unwrap();
        assert_eq!(q.code, 0);
        assert_eq!(q.log, "exists");
        assert_eq!(q.key, b"fixture-key");
        assert!(q.value.starts_with(b"fixture-value-"), "{:?}", q.value);
        assert!(q.height >= 1);

        let q = decode_abci_query(fixture_result!("abci_query_missing.200.json")).unwrap();
        assert_eq!(q.log, "does not exist");
        assert!(q.value.is_empty());
        assert!(q.clone().into_result().is_ok());
        let failed = AbciQueryResponse {
            code: 18,
            log: "invalid request".into(),
            codespace: "sdk".into(),
            ..q
        };
        assert_eq!(
            failed.into_result(),
            Err(Error::Rpc {
                code: 18,
                message: "invalid request".into(),
                data: Some("sdk".into())
            })
        );
    }

    #[test]
    fn txs_from_real_node() {
        let c: BroadcastTxCommitResponse =
            decode_result(fixture_result!("broadcast_tx_commit.200.json")).unwrap();
        assert_eq!(c.check_tx.code, 0);
        assert_eq!(c.check_tx.gas_wanted, 1);
        assert_eq!(c.tx_result.code, 0);
        assert!(c.tx_result.data.is_empty());
        let key_attr = c.tx_result.events[0]
            .attributes
            .iter()
            .find(|a| a.key == "key")
            .unwrap();
        assert_eq!(key_attr.value, "fixture-key");
        assert_eq!(c.hash.len(), 64);

        let t: TxResponse = decode_result(fixture_result!("tx.200.json")).unwrap();
        assert_eq!(t.hash, c.hash);
        assert_eq!(t.height, c.height);
        assert!(t.tx.starts_with(b"fixture-key=fixture-value-"));
        assert!(t.proof.is_none());

        let s: BroadcastTxResponse =
            decode_result(fixture_result!("broadcast_tx_sync.200.json")).unwrap();
        assert_eq!(s.code, 0);
        assert_eq!(s.hash.len(), 64);
    }

    #[test]
    fn block_from_real_node() {
        let b: BlockResponse = decode_result(fixture_result!("block.200.json")).unwrap();
        let t: TxResponse = decode_result(fixture_result!("tx.200.json")).unwrap();
        assert_eq!(b.block.header.height as i64, t.height);
        assert_eq!(b.block.data.txs, vec![t.tx.clone()]);
        assert_eq!(b.block_id.hash.len(), 64);
        assert_eq!(b.block_id.parts.total, 1);
        assert!(b.block.header.unix_time().is_some());
        assert!(b.block.last_commit["signatures"].is_array());
    }

    #[test]
    fn decode_errors_name_the_type() {
        let e = decode_result::<NodeStatus>(json!({"node_info": 1})).unwrap_err();
        assert!(
            matches!(&e, Error::Decode(m) if m.contains("NodeStatus")),
            "{e:?}"
        );
        let e = decode_result::<SyncInfo>(json!({
            "latest_block_hash": "", "latest_app_hash": "", "latest_block_height": "x",
            "latest_block_time": "", "catching_up": false
        }))
        .unwrap_err();
        assert_eq!(e.code(), "decode");
    }

    #[test]
    fn hand_decoders_keep_the_derived_rules() {
        // Integers as strings or numbers; absent defaults; `null` as empty where allowed.
        let b: BroadcastTxResponse =
            serde_json::from_value(json!({"hash": "AB", "code": 5, "log": null})).unwrap();
        assert_eq!((b.code, b.log.as_str(), b.data.len()), (5, "", 0));
        let v: BlockVersion = serde_json::from_value(json!({"block": 11})).unwrap();
        assert_eq!((v.block, v.app), (11, 0));
        let v: BlockVersion = serde_json::from_value(json!({"block": " 11 ", "app": "2"})).unwrap();
        assert_eq!((v.block, v.app), (11, 2));
        let i: AbciInfo = serde_json::from_value(json!({"last_block_app_hash": "AQI="})).unwrap();
        assert_eq!(i.last_block_app_hash, [1, 2]);
        let d: BlockData = serde_json::from_value(json!({"txs": ["AQ==", null]})).unwrap();
        assert_eq!(d.txs, [vec![1], vec![]]);
        // serde's wording for the errors.
        let err =
            |r: std::result::Result<BlockVersion, serde_json::Error>| r.unwrap_err().to_string();
        assert_eq!(
            err(serde_json::from_value(json!({}))),
            "missing field `block`"
        );
        assert_eq!(
            err(serde_json::from_value(json!({"block": 1.5}))),
            "invalid type: floating point `1.5`, expected a u64 as a string or number"
        );
        assert_eq!(
            err(serde_json::from_value(json!({"block": "x"}))),
            "invalid digit found in string"
        );
        assert_eq!(
            err(serde_json::from_value(json!([]))),
            "invalid type: sequence, expected struct BlockVersion"
        );
        let e = serde_json::from_value::<PartSetHeader>(json!({"total": -1, "hash": ""}));
        assert_eq!(
            e.unwrap_err().to_string(),
            "invalid value: integer `-1`, expected u32"
        );
        let e = serde_json::from_value::<NodeInfoOther>(json!({"tx_index": null}));
        assert_eq!(
            e.unwrap_err().to_string(),
            "invalid type: unit value, expected a string"
        );
        let e = decode_node_status(&json!({"node_info": 1})).unwrap_err();
        assert_eq!(
            e.to_string(),
            Error::Decode(
                "unexpected NodeStatus result: invalid type: integer `1`, expected struct NodeInfo"
                    .into()
            )
            .to_string()
        );
    }

    #[test]
    fn null_fields_decode_as_empty() {
        let b: BlockData = serde_json::from_value(json!({"txs": null})).unwrap();
        assert!(b.txs.is_empty());
        let e: AbciEvent =
            serde_json::from_value(json!({"type": "t", "attributes": null})).unwrap();
        assert!(e.attributes.is_empty());
        let q: AbciQueryResponse = serde_json::from_value(json!({"value": null})).unwrap();
        assert!(q.value.is_empty());
    }
}
