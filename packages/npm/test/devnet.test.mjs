// MantraClient against the real local devnet (`scripts/devnet up`: two CometBFT nodes with
// the kvstore app on 127.0.0.1:26657 and :26757), through core's default transport (the
// global fetch). Skipped, saying so, when the devnet does not answer.
import assert from "node:assert/strict";
import { test } from "node:test";

import { MantraClient, MantraError } from "mantra-sdk";
import { URLS, up } from "./devnet-env.mjs";

test("MantraClient against the devnet: reads, a kvstore write, batching, metrics", { skip: up ? false : `devnet not running at ${URLS[0]} (scripts/devnet up)` }, async () => {
  const client = await MantraClient.connect({ endpoints: URLS });
  try {
    const status = await client.status();
    const height = Number(status.syncInfo.latestBlockHeight);
    assert.ok(height >= 1, `height ${height}`);
    await client.healthCheck();
    const block = await client.block(1);
    assert.equal(Number(block.block.header.height), 1);
    const latest = await client.block();
    assert.ok(Number(latest.block.header.height) >= height);

    // The shapes index.d.ts declares (NodeStatus, BlockResult), key for key and type for type.
    const shape = (v) =>
      v === null || typeof v !== "object" || Array.isArray(v)
        ? (Array.isArray(v) ? "array" : typeof v)
        : Object.fromEntries(Object.keys(v).sort().map((k) => [k, shape(v[k])]));
    const s = "string";
    const blockId = { hash: s, parts: { hash: s, total: "number" } };
    assert.deepEqual(shape(status), {
      nodeInfo: { channels: s, id: s, listenAddr: s, moniker: s, network: s, other: { rpcAddress: s, txIndex: s }, protocolVersion: { app: s, block: s, p2p: s }, version: s },
      syncInfo: { catchingUp: "boolean", earliestAppHash: s, earliestBlockHash: s, earliestBlockHeight: s, earliestBlockTime: s, latestAppHash: s, latestBlockHash: s, latestBlockHeight: s, latestBlockTime: s },
      validatorInfo: { address: s, pubKey: { type: s, value: s }, votingPower: s },
    });
    const b = shape(block);
    assert.deepEqual(Object.keys(b), ["block", "blockId"]);
    assert.deepEqual(b.blockId, blockId);
    assert.deepEqual(Object.keys(b.block), ["data", "evidence", "header", "lastCommit"]);
    assert.deepEqual(b.block.data, { txs: "array" });
    assert.deepEqual(b.block.header, {
      appHash: s, chainId: s, consensusHash: s, dataHash: s, evidenceHash: s, height: s, lastBlockId: blockId, lastCommitHash: s,
      lastResultsHash: s, nextValidatorsHash: s, proposerAddress: s, time: s, validatorsHash: s, version: { app: s, block: s },
    });

    // kvstore: a tx "key=value" stores value under key; abci_query reads it back
    const key = `npm-${Date.now()}`;
    const tx = new TextEncoder().encode(`${key}=hello`);
    const res = await client.broadcastTxSync(tx);
    assert.equal(res.code, 0, JSON.stringify(res));
    assert.ok(res.data instanceof Uint8Array && /^[0-9A-F]{64}$/.test(res.hash), JSON.stringify(res));
    let value = null;
    for (let i = 0; i < 40 && value === null; i++) {
      const q = await client.abciQuery("", new TextEncoder().encode(key));
      assert.ok(q.value instanceof Uint8Array && q.key instanceof Uint8Array, JSON.stringify(q));
      if (q.value.length > 0) value = new TextDecoder().decode(q.value);
      else await new Promise((r) => setTimeout(r, 250));
    }
    assert.equal(value, "hello");
    const found = await client.abciQuery("", new TextEncoder().encode(key));
    assert.equal(new TextDecoder().decode(found.key), key);
    assert.ok(Number(found.height) > 0 && found.log === "exists", JSON.stringify(found));

    // concurrent reads share batches; any method through call()
    const infos = await Promise.all(Array.from({ length: 8 }, () => client.call("abci_info", {})));
    for (const info of infos) assert.ok(info.response, JSON.stringify(info));
    const bad = await client.call("no_such_method", {}).catch((e) => e);
    assert.ok(bad instanceof MantraError, String(bad));
    assert.equal(bad.code, "rpc");

    const text = client.prometheus();
    assert.match(text, /mantra_protocol_operations_total\{[^}]*operation="status"[^}]*status="success"\} [1-9]/);
    assert.match(text, /mantra_protocol_operation_duration_seconds_count\{[^}]*\} [1-9]/);
    const pool = client.poolStats();
    assert.ok(JSON.stringify(pool).includes(new URL(URLS[0]).host), JSON.stringify(pool).slice(0, 300));
    const health = await client.runHealthChecks();
    assert.ok(["healthy", "degraded"].includes(health.overallStatus), JSON.stringify(health).slice(0, 500));
  } finally {
    client.close();
  }
});
