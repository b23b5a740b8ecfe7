//! JSON-RPC codec throughput: encoding a full batch, decoding real node replies, and the
//! CosmWasm smart-query protobuf round trip.
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::hint::black_box;

use mantra_sdk::rpc::cometbft::{abci_query_params, decode_result};
use mantra_sdk::rpc::cosmwasm::{decode_smart_query_raw, encode_smart_query};
use mantra_sdk::rpc::jsonrpc::{decode_body, encode_batch_into, RpcId, RpcRequest};
use mantra_sdk::rpc::{DexQueryMsg, NodeStatus};

const STATUS: &[u8] = include_bytes!("../tests/fixtures/rpc/status.200.json");
const BATCH: &[u8] = include_bytes!("../tests/fixtures/rpc/batch_mixed.200.json");
const BLOCK: &[u8] = include_bytes!("../tests/fixtures/rpc/block.200.json");

fn codec(c: &mut Criterion) {
    let requests: Vec<RpcRequest> = (0..10)
        .map(|i| {
            RpcRequest::new(
                i,
                "abci_query",
                abci_query_params("/store/bank/key", b"balances/mantra1abc", None, false),
            )
        })
        .collect();
    let mut g = c.benchmark_group("rpc_codec");
    g.throughput(Throughput::Elements(10));
    let mut buf = Vec::with_capacity(4096);
    g.bench_function("encode_batch_10_abci_query", |b| {
        b.iter(|| {
            buf.clear();
            encode_batch_into(black_box(&requests), &mut buf).unwrap();
            buf.len()
        })
    });
    g.throughput(Throughput::Elements(3));
    let ids = [RpcId::from("a"), RpcId::Num(2), RpcId::Num(3)];
    g.bench_function("decode_batch_3_real_node", |b| {
        b.iter(|| decode_body(&ids, 200, None, black_box(BATCH)).unwrap())
    });
    g.throughput(Throughput::Elements(1));
    g.bench_function("decode_status_typed", |b| {
        b.iter(|| {
            let mut v = decode_body(&[RpcId::Num(2)], 200, None, black_box(STATUS)).unwrap();
            decode_result::<NodeStatus>(v.pop().unwrap().unwrap()).unwrap()
        })
    });
    g.bench_function("decode_block_value", |b| {
        b.iter(|| decode_body(&[RpcId::Num(9)], 200, None, black_box(BLOCK)).unwrap())
    });
    let msg = DexQueryMsg::pool("o.uom.uusdc");
    let reply = [&[0x0a, 2][..], b"{}"].concat();
    g.bench_function("smart_query_encode_decode", |b| {
        b.iter(|| {
            let req = encode_smart_query("mantra1poolmanager", black_box(&msg)).unwrap();
            (
                req.len(),
                decode_smart_query_raw(black_box(&reply)).unwrap(),
            )
        })
    });
    g.finish();
}

criterion_group!(benches, codec);
criterion_main!(benches);
