//! CosmWasm smart queries over `abci_query`, and MANTRA DEX pool-manager query messages.
//!
//! A smart query is `abci_query` with path [`SMART_QUERY_PATH`] and data = protobuf
//! `cosmwasm.wasm.v1.QuerySmartContractStateRequest { address = 1, query_data = 2 }` (the
//! query message as JSON bytes); the answer's `value` is
//! `QuerySmartContractStateResponse { data = 1 }` (the contract's JSON reply).

use std::fmt;
use std::str::FromStr;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// ABCI query path of a CosmWasm smart query (gRPC method name).
pub const SMART_QUERY_PATH: &str = "/cosmwasm.wasm.v1.Query/SmartContractState";

/// `cosmwasm.wasm.v1.QuerySmartContractStateRequest`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct QuerySmartContractStateRequest {
    /// Contract address (bech32).
    #[prost(string, tag = "1")]
    pub address: String,
    /// The query message, JSON bytes.
    #[prost(bytes = "vec", tag = "2")]
    pub query_data: Vec<u8>,
}

/// `cosmwasm.wasm.v1.QuerySmartContractStateResponse`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct QuerySmartContractStateResponse {
    /// The contract's reply, JSON bytes.
    #[prost(bytes = "vec", tag = "1")]
    pub data: Vec<u8>,
}

/// Protobuf bytes of a smart query of `address` with the raw JSON `query_data`.
pub fn encode_smart_query_raw(address: &str, query_data: &[u8]) -> Vec<u8> {
    // What prost's `encode_to_vec` writes for `QuerySmartContractStateRequest` (proto3:
    // empty fields are omitted), written by hand: prost's codec is ~4 KB of wasm for two
    // fields (see `proto`).
    let mut out = Vec::with_capacity(address.len() + query_data.len() + 12);
    proto::put_bytes(&mut out, 1, address.as_bytes());
    proto::put_bytes(&mut out, 2, query_data);
    out
}

/// Protobuf bytes of a smart query of `address` with the query message `msg` (serialized
/// to JSON).
pub fn encode_smart_query<Q: Serialize + ?Sized>(address: &str, msg: &Q) -> Result<Vec<u8>> {
    if address.is_empty() {
        return Err(Error::InvalidArgument(
            "contract address must not be empty".into(),
        ));
    }
    let json = serde_json::to_vec(msg).map_err(|e| Error::Encode(e.to_string()))?;
    Ok(encode_smart_query_raw(address, &json))
}

/// The contract's JSON reply bytes out of an `abci_query` `value`.
pub fn decode_smart_query_raw(value: &[u8]) -> Result<Vec<u8>> {
    proto::response_data(value).map_err(|e| {
        Error::Decode(format!(
            "invalid QuerySmartContractStateResponse: failed to decode Protobuf message: {e}"
        ))
    })
}

/// The two smart-query messages' protobuf codec, by hand, with prost's rules and error
/// descriptions (the derived `prost::Message` impls stay for callers that want them).
mod proto {
    /// Appends length-delimited field `tag` (omitted when empty, as proto3 does).
    pub(super) fn put_bytes(out: &mut Vec<u8>, tag: u8, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        out.push(tag << 3 | 2);
        let mut n = bytes.len() as u64;
        while n >= 0x80 {
            out.push(n as u8 | 0x80);
            n >>= 7;
        }
        out.push(n as u8);
        out.extend_from_slice(bytes);
    }

    const WIRE_TYPES: [&str; 6] = [
        "Varint",
        "SixtyFourBit",
        "LengthDelimited",
        "StartGroup",
        "EndGroup",
        "ThirtyTwoBit",
    ];
    /// prost's `RECURSION_LIMIT` (nested groups).
    const RECURSION_LIMIT: u32 = 100;

    struct Reader<'a>(&'a [u8]);

    impl<'a> Reader<'a> {
        /// A LEB128 varint of at most 10 bytes that fits a `u64`.
        fn varint(&mut self) -> Result<u64, String> {
            let mut value = 0u64;
            for (i, &b) in self.0.iter().take(10).enumerate() {
                value |= u64::from(b & 0x7f) << (i * 7);
                if b < 0x80 {
                    if i == 9 && b >= 0x02 {
                        break;
                    }
                    self.0 = &self.0[i + 1..];
                    return Ok(value);
                }
            }
            Err("invalid varint".into())
        }

        /// A field key: `(tag, wire type)`.
        fn key(&mut self) -> Result<(u32, u8), String> {
            let key = self.varint()?;
            if key > u64::from(u32::MAX) {
                return Err(format!("invalid key value: {key}"));
            }
            let wire = (key & 7) as u8;
            if wire > 5 {
                return Err(format!("invalid wire type value: {wire}"));
            }
            if key >> 3 == 0 {
                return Err("invalid tag value: 0".into());
            }
            Ok(((key >> 3) as u32, wire))
        }

        fn take(&mut self, len: u64) -> Result<&'a [u8], String> {
            if len > self.0.len() as u64 {
                return Err("buffer underflow".into());
            }
            let (head, rest) = self.0.split_at(len as usize);
            self.0 = rest;
            Ok(head)
        }

        /// Skips an unknown field (prost's `skip_field`).
        fn skip(&mut self, wire: u8, tag: u32, depth_left: u32) -> Result<(), String> {
            if depth_left == 0 {
                return Err("recursion limit reached".into());
            }
            let len = match wire {
                0 => self.varint().map(|_| 0)?,
                1 => 8,
                2 => self.varint()?,
                3 => loop {
                    let (inner_tag, inner_wire) = self.key()?;
                    if inner_wire == 4 {
                        if inner_tag != tag {
                            return Err("unexpected end group tag".into());
                        }
                        break 0;
                    }
                    self.skip(inner_wire, inner_tag, depth_left - 1)?;
                },
                4 => return Err("unexpected end group tag".into()),
                _ => 4,
            };
            self.take(len).map(|_| ())
        }
    }

    /// `QuerySmartContractStateResponse.data` (field 1, bytes; the last occurrence wins).
    pub(super) fn response_data(value: &[u8]) -> Result<Vec<u8>, String> {
        let mut r = Reader(value);
        let mut data: &[u8] = &[];
        while !r.0.is_empty() {
            let (tag, wire) = r.key()?;
            if tag == 1 {
                let field = |e: String| format!("QuerySmartContractStateResponse.data: {e}");
                if wire != 2 {
                    return Err(field(format!(
                        "invalid wire type: {} (expected LengthDelimited)",
                        WIRE_TYPES[usize::from(wire)]
                    )));
                }
                let len = r.varint().map_err(field)?;
                data = r.take(len).map_err(field)?;
            } else {
                r.skip(wire, tag, RECURSION_LIMIT)?;
            }
        }
        Ok(data.to_vec())
    }
}

/// The contract's reply out of an `abci_query` `value`, parsed as `T`. An empty reply (the
/// path reached an app that is not wasmd, or the key was absent) is a decode error.
pub fn decode_smart_query<T: DeserializeOwned>(value: &[u8]) -> Result<T> {
    let data = decode_smart_query_raw(value)?;
    if data.is_empty() {
        return Err(Error::Decode(
            "empty smart query response (no contract reply in the ABCI value)".into(),
        ));
    }
    serde_json::from_slice(&data).map_err(|e| {
        let ty = std::any::type_name::<T>();
        let ty = ty.rsplit("::").next().unwrap_or(ty);
        Error::Decode(format!("unexpected {ty} smart query reply: {e}"))
    })
}

// ---- amounts ---------------------------------------------------------------------------

/// A `u128` amount that travels as a decimal JSON string (`"1000"`), as CosmWasm's
/// `Uint128` does.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Uint128(pub u128);

impl Uint128 {
    /// The amount.
    pub const fn new(v: u128) -> Self {
        Self(v)
    }

    /// The amount as `u128`.
    pub const fn u128(self) -> u128 {
        self.0
    }
}

impl From<u128> for Uint128 {
    fn from(v: u128) -> Self {
        Self(v)
    }
}

impl From<u64> for Uint128 {
    fn from(v: u64) -> Self {
        Self(u128::from(v))
    }
}

impl fmt::Display for Uint128 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl FromStr for Uint128 {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Error::Decode(format!("invalid Uint128 {s:?}")));
        }
        s.parse()
            .map(Self)
            .map_err(|e| Error::Decode(format!("invalid Uint128 {s:?}: {e}")))
    }
}

impl Serialize for Uint128 {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Uint128 {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// A token amount (`cosmwasm_std::Coin`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Coin {
    /// Denomination, e.g. `uom`.
    pub denom: String,
    /// Amount in the smallest unit.
    pub amount: Uint128,
}

impl Coin {
    /// A coin.
    pub fn new(amount: impl Into<Uint128>, denom: impl Into<String>) -> Self {
        Self {
            denom: denom.into(),
            amount: amount.into(),
        }
    }
}

// ---- MANTRA DEX pool manager -----------------------------------------------------------

/// Query messages of the MANTRA DEX pool-manager contract (JSON, snake_case variants).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DexQueryMsg {
    /// `{"config":{}}`.
    Config {},
    /// `{"pools":{"pool_identifier":…,"start_after":…,"limit":…}}` (absent fields omitted).
    Pools {
        /// Only this pool.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pool_identifier: Option<String>,
        /// Page after this pool identifier.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        start_after: Option<String>,
        /// Page size.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        limit: Option<u32>,
    },
    /// Swap simulation: what `offer_asset` buys of `ask_asset_denom`.
    Simulation {
        /// What is offered.
        offer_asset: Coin,
        /// What is asked for.
        ask_asset_denom: String,
        /// The pool.
        pool_identifier: String,
    },
    /// Reverse simulation: what must be offered to receive `ask_asset`.
    ReverseSimulation {
        /// What is wanted.
        ask_asset: Coin,
        /// What is offered.
        offer_asset_denom: String,
        /// The pool.
        pool_identifier: String,
    },
    /// Decimals of `denom` in a pool.
    AssetDecimals {
        /// The pool.
        pool_identifier: String,
        /// The denom.
        denom: String,
    },
}

impl DexQueryMsg {
    /// `{"pools":{"pool_identifier":"<id>"}}`.
    pub fn pool(pool_identifier: impl Into<String>) -> Self {
        DexQueryMsg::Pools {
            pool_identifier: Some(pool_identifier.into()),
            start_after: None,
            limit: None,
        }
    }

    /// A page of all pools.
    pub fn pools_page(start_after: Option<String>, limit: Option<u32>) -> Self {
        DexQueryMsg::Pools {
            pool_identifier: None,
            start_after,
            limit,
        }
    }

    /// `{"simulation":{…}}`.
    pub fn simulation(
        offer_asset: Coin,
        ask_asset_denom: impl Into<String>,
        pool_identifier: impl Into<String>,
    ) -> Self {
        DexQueryMsg::Simulation {
            offer_asset,
            ask_asset_denom: ask_asset_denom.into(),
            pool_identifier: pool_identifier.into(),
        }
    }

    /// `{"reverse_simulation":{…}}`.
    pub fn reverse_simulation(
        ask_asset: Coin,
        offer_asset_denom: impl Into<String>,
        pool_identifier: impl Into<String>,
    ) -> Self {
        DexQueryMsg::ReverseSimulation {
            ask_asset,
            offer_asset_denom: offer_asset_denom.into(),
            pool_identifier: pool_identifier.into(),
        }
    }
}

/// A fee share (a decimal string such as `"0.003"`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DexFee {
    /// Fraction of the amount, as a decimal string.
    pub share: String,
}

/// Fees of a pool.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DexPoolFees {
    /// Protocol fee.
    pub protocol_fee: DexFee,
    /// Fee paid to liquidity providers.
    pub swap_fee: DexFee,
    /// Burned fee.
    pub burn_fee: DexFee,
    /// Further fees.
    #[serde(default)]
    pub extra_fees: Vec<DexFee>,
}

/// Pool type: `"constant_product"` or `{"stable_swap":{"amp":N}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DexPoolType {
    /// x·y = k.
    ConstantProduct,
    /// StableSwap with amplification `amp`.
    StableSwap {
        /// Amplification.
        amp: u64,
    },
}

/// A pool's state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DexPoolInfo {
    /// Pool identifier, e.g. `o.uom.uusdc`.
    pub pool_identifier: String,
    /// Denoms of its assets.
    pub asset_denoms: Vec<String>,
    /// LP token denom.
    pub lp_denom: String,
    /// Decimals of each asset, in `asset_denoms` order.
    #[serde(default)]
    pub asset_decimals: Vec<u8>,
    /// Reserves.
    pub assets: Vec<Coin>,
    /// Curve.
    pub pool_type: DexPoolType,
    /// Fees.
    pub pool_fees: DexPoolFees,
}

/// One entry of [`DexPoolsResponse`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DexPoolInfoResponse {
    /// The pool.
    pub pool_info: DexPoolInfo,
    /// Outstanding LP tokens.
    pub total_share: Coin,
}

/// Reply to [`DexQueryMsg::Pools`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DexPoolsResponse {
    /// Pools.
    pub pools: Vec<DexPoolInfoResponse>,
}

/// Reply to [`DexQueryMsg::Simulation`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DexSimulationResponse {
    /// Ask-asset amount received.
    pub return_amount: Uint128,
    /// Spread lost.
    pub spread_amount: Uint128,
    /// Swap fee.
    pub swap_fee_amount: Uint128,
    /// Protocol fee.
    pub protocol_fee_amount: Uint128,
    /// Burn fee.
    pub burn_fee_amount: Uint128,
    /// Extra fees.
    #[serde(default)]
    pub extra_fees_amount: Uint128,
}

/// Reply to [`DexQueryMsg::ReverseSimulation`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DexReverseSimulationResponse {
    /// Offer-asset amount needed.
    pub offer_amount: Uint128,
    /// Spread lost.
    pub spread_amount: Uint128,
    /// Swap fee.
    pub swap_fee_amount: Uint128,
    /// Protocol fee.
    pub protocol_fee_amount: Uint128,
    /// Burn fee.
    pub burn_fee_amount: Uint128,
    /// Extra fees.
    #[serde(default)]
    pub extra_fees_amount: Uint128,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn request_protobuf_is_byte_exact() {
        // field 1 (string): tag 0x0a, len 5, "mantra"…; field 2 (bytes): tag 0x12, len, JSON
        let got = encode_smart_query_raw("addr1", br#"{"config":{}}"#);
        let mut want = vec![0x0a, 5];
        want.extend_from_slice(b"addr1");
        want.extend_from_slice(&[0x12, 13]);
        want.extend_from_slice(br#"{"config":{}}"#);
        assert_eq!(got, want);

        // A realistic address and a DEX query (both shorter than 128: one-byte lengths).
        let addr = "mantra1466nf3zuxpya8q9emxukd7vftaf6h4psr0a07srl5zw74zh84yjqagspfm";
        let msg = DexQueryMsg::pool("o.uom.uusdc");
        let json = serde_json::to_vec(&msg).unwrap();
        assert_eq!(json, br#"{"pools":{"pool_identifier":"o.uom.uusdc"}}"#);
        let got = encode_smart_query(addr, &msg).unwrap();
        assert_eq!(got[0], 0x0a);
        assert_eq!(got[1] as usize, addr.len());
        assert_eq!(&got[2..2 + addr.len()], addr.as_bytes());
        assert_eq!(got[2 + addr.len()], 0x12);
        assert_eq!(got[3 + addr.len()] as usize, json.len());
        assert_eq!(&got[4 + addr.len()..], json.as_slice());

        // Lengths ≥ 128 use a multi-byte varint: 200 = 0xc8 0x01.
        let big = vec![b'x'; 200];
        let got = encode_smart_query_raw("a", &big);
        assert_eq!(&got[..6], &[0x0a, 1, b'a', 0x12, 0xc8, 0x01]);
        assert_eq!(got.len(), 6 + 200);

        assert!(matches!(
            encode_smart_query("", &msg),
            Err(Error::InvalidArgument(_))
        ));
    }

    #[test]
    fn response_protobuf_decodes() {
        let reply = br#"{"return_amount":"996","spread_amount":"1","swap_fee_amount":"2","protocol_fee_amount":"1","burn_fee_amount":"0","extra_fees_amount":"0"}"#;
        // Hand-built: tag 0x0a, varint length, the JSON.
        fn varint(mut n: usize, out: &mut Vec<u8>) {
            while n >= 0x80 {
                out.push((n as u8 & 0x7f) | 0x80);
                n >>= 7;
            }
            out.push(n as u8);
        }
        assert!(reply.len() >= 128, "exercise a two-byte length");
        let mut value = vec![0x0a];
        varint(reply.len(), &mut value);
        value.extend_from_slice(reply);
        assert_eq!(decode_smart_query_raw(&value).unwrap(), reply);
        let sim: DexSimulationResponse = decode_smart_query(&value).unwrap();
        assert_eq!(sim.return_amount, Uint128(996));
        assert_eq!(sim.spread_amount.u128(), 1);

        // Empty value (e.g. kvstore, absent key) → typed decode error.
        let e = decode_smart_query::<serde_json::Value>(&[]).unwrap_err();
        assert!(
            matches!(&e, Error::Decode(m) if m.contains("empty")),
            "{e:?}"
        );
        // Not protobuf.
        assert_eq!(
            decode_smart_query_raw(&[0x0a, 9, 1]).unwrap_err().code(),
            "decode"
        );
        // Protobuf, but the reply is not the expected type.
        let e = decode_smart_query::<DexSimulationResponse>(&[0x0a, 2, b'{', b'}']).unwrap_err();
        assert!(matches!(&e, Error::Decode(m) if m.contains("DexSimulationResponse")));
    }

    #[test]
    fn hand_protobuf_matches_prost() {
        use prost::Message as _;
        for (addr, data) in [
            ("", &b""[..]),
            ("a", b""),
            ("", b"{}"),
            ("addr1", &[b'x'; 300]),
        ] {
            let want = QuerySmartContractStateRequest {
                address: addr.into(),
                query_data: data.to_vec(),
            }
            .encode_to_vec();
            assert_eq!(encode_smart_query_raw(addr, data), want);
        }
        let prost_decode = |v: &[u8]| {
            QuerySmartContractStateResponse::decode(v)
                .map(|r| r.data)
                .map_err(|e| format!("invalid QuerySmartContractStateResponse: {e}"))
        };
        // 101 nested groups of field 2: past prost's recursion limit.
        let deep_group = vec![0x13; 101];
        let cases: Vec<Vec<u8>> = vec![
            vec![],
            vec![0x0a, 2, b'{', b'}'],
            vec![0x0a, 1, b'a', 0x0a, 1, b'b'],       // last wins
            vec![0x10, 0x96, 0x01, 0x0a, 1, b'z'],    // unknown varint field skipped
            vec![0x19, 1, 2, 3, 4, 5, 6, 7, 8],       // fixed64
            vec![0x1d, 1, 2, 3],                      // fixed32 underflow
            vec![0x13, 0x08, 1, 0x14, 0x0a, 1, b'g'], // group skipped
            vec![0x13, 0x1c],                         // wrong end group
            vec![0x0c],                               // end group alone
            vec![0x0a, 9, 1],                         // underflow in data
            vec![0x08, 1],                            // data as varint
            vec![0x0e],                               // wire type 6
            vec![0x02],                               // tag 0
            vec![0x80; 11],                           // varint too long
            vec![0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02], // overflow
            vec![0x80, 0x80, 0x80, 0x80, 0x80, 0x01], // key 2^35 > u32::MAX
            vec![0x80, 0x80, 0x80, 0x80, 0x20],       // key 2^33 > u32::MAX
            vec![0x0a, 0x80],                         // truncated length
            deep_group,
        ];
        for case in cases {
            let ours = decode_smart_query_raw(&case).map_err(|e| match e {
                Error::Decode(m) => m,
                other => other.to_string(),
            });
            assert_eq!(ours, prost_decode(&case), "{case:x?}");
        }
    }

    #[test]
    fn dex_messages_match_the_contract_json() {
        assert_eq!(
            serde_json::to_value(DexQueryMsg::simulation(
                Coin::new(1000u128, "uom"),
                "uusdc",
                "o.uom.uusdc"
            ))
            .unwrap(),
            json!({"simulation": {
                "offer_asset": {"denom": "uom", "amount": "1000"},
                "ask_asset_denom": "uusdc",
                "pool_identifier": "o.uom.uusdc"
            }})
        );
        assert_eq!(
            serde_json::to_value(DexQueryMsg::reverse_simulation(
                Coin::new(5u64, "uusdc"),
                "uom",
                "p"
            ))
            .unwrap(),
            json!({"reverse_simulation": {
                "ask_asset": {"denom": "uusdc", "amount": "5"},
                "offer_asset_denom": "uom",
                "pool_identifier": "p"
            }})
        );
        assert_eq!(
            serde_json::to_value(DexQueryMsg::pools_page(Some("a".into()), Some(10))).unwrap(),
            json!({"pools": {"start_after": "a", "limit": 10}})
        );
        assert_eq!(
            serde_json::to_value(DexQueryMsg::Config {}).unwrap(),
            json!({"config": {}})
        );
    }

    #[test]
    fn pools_reply_decodes() {
        let reply = json!({"pools": [{
            "pool_info": {
                "pool_identifier": "o.uom.uusdc",
                "asset_denoms": ["uom", "uusdc"],
                "lp_denom": "factory/mantra1pool/o.uom.uusdc.LP",
                "asset_decimals": [6, 6],
                "assets": [
                    {"denom": "uom", "amount": "340282366920938463463374607431768211455"},
                    {"denom": "uusdc", "amount": "0"}
                ],
                "pool_type": "constant_product",
                "pool_fees": {
                    "protocol_fee": {"share": "0.001"},
                    "swap_fee": {"share": "0.002"},
                    "burn_fee": {"share": "0"},
                    "extra_fees": []
                }
            },
            "total_share": {"denom": "factory/mantra1pool/o.uom.uusdc.LP", "amount": "1000"}
        }]});
        let r: DexPoolsResponse = serde_json::from_value(reply).unwrap();
        let p = &r.pools[0].pool_info;
        assert_eq!(p.assets[0].amount, Uint128(u128::MAX));
        assert_eq!(p.pool_type, DexPoolType::ConstantProduct);
        assert_eq!(p.pool_fees.swap_fee.share, "0.002");
        let stable: DexPoolType =
            serde_json::from_value(json!({"stable_swap": {"amp": 85}})).unwrap();
        assert_eq!(stable, DexPoolType::StableSwap { amp: 85 });
    }

    #[test]
    fn uint128_is_a_decimal_string() {
        assert_eq!(
            serde_json::to_string(&Uint128(u128::MAX)).unwrap(),
            "\"340282366920938463463374607431768211455\""
        );
        assert_eq!(
            serde_json::from_str::<Uint128>("\"42\"").unwrap(),
            Uint128(42)
        );
        for bad in [
            "42",
            "\"-1\"",
            "\"1.5\"",
            "\"\"",
            "\"340282366920938463463374607431768211456\"",
            "\" 1\"",
        ] {
            assert!(serde_json::from_str::<Uint128>(bad).is_err(), "{bad}");
        }
        assert_eq!("7".parse::<Uint128>().unwrap(), Uint128::from(7u64));
        assert_eq!(Uint128(7).to_string(), "7");
    }
}
