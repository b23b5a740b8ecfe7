// nodeHttpTransport (Node's node:http with keep-alive agents) as the MantraClient transport:
// against the real devnet (skipped, saying so, when it does not answer), and against local
// HTTP servers for statuses, Retry-After, timeouts and connection failures.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

import { MantraClient, MantraError, nodeHttpTransport } from "mantra-sdk";
import { URLS, up } from "./devnet-env.mjs";

// A local server answering every request with `handler(req, body)` → {status, headers?, body}.
async function server(handler) {
  const s = http.createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", async () => {
      const out = await handler(req, Buffer.concat(chunks).toString("utf8"));
      if (out === null) return; // never answers
      res.writeHead(out.status, out.headers || { "content-type": "application/json" });
      res.end(out.body);
    });
  });
  await new Promise((r) => s.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${s.address().port}`;
  return {
    url,
    closeIdle: () => s.closeIdleConnections(),
    close: () => new Promise((r) => { s.closeAllConnections(); s.close(r); }),
  };
}

test("options are checked; the transport is a function", () => {
  assert.equal(typeof nodeHttpTransport(), "function");
  assert.equal(typeof nodeHttpTransport({ maxSockets: 4 }), "function");
  assert.throws(() => nodeHttpTransport({ maxSockets: 0 }), (e) => e instanceof MantraError && e.code === "invalid_argument");
  // A misspelt option, a wrong type or a non-agent fails loudly instead of being ignored.
  assert.throws(() => nodeHttpTransport({ maxSocket: 5 }), (e) => e instanceof TypeError && /no option `maxSocket` \(options: maxSockets, httpAgent, httpsAgent\)/.test(e.message));
  assert.throws(() => nodeHttpTransport({ maxSockets: "5" }), (e) => e instanceof TypeError && /`maxSockets` must be a number, got string/.test(e.message));
  assert.throws(() => nodeHttpTransport({ httpAgent: 5 }), (e) => e instanceof TypeError && /`httpAgent` must be an http\(s\)\.Agent/.test(e.message));
  assert.equal(typeof nodeHttpTransport({ httpAgent: null, httpsAgent: undefined }), "function");
  assert.throws(() => nodeHttpTransport(5), TypeError);
});

test("the transport's own contract: status and body as they are, Retry-After, errors", async () => {
  const srv = await server((req, body) => {
    if (req.url === "/busy") return { status: 429, headers: { "retry-after": "3" }, body: "slow down" };
    if (req.url === "/hang") return null;
    return { status: 200, body: JSON.stringify({ method: req.method, body, type: req.headers["content-type"] }) };
  });
  try {
    const t = nodeHttpTransport();
    const ok = await t({ method: "POST", url: `${srv.url}/`, headers: {}, body: '{"a":1}', timeoutMs: 5000 });
    assert.equal(ok.status, 200);
    assert.ok(ok.body instanceof Uint8Array);
    assert.deepEqual(JSON.parse(Buffer.from(ok.body).toString()), { method: "POST", body: '{"a":1}', type: "application/json" });
    const busy = await t({ method: "GET", url: `${srv.url}/busy`, headers: {}, body: "", timeoutMs: null });
    assert.equal(busy.status, 429);
    assert.equal(busy.headers["retry-after"], "3");
    const hang = await t({ method: "POST", url: `${srv.url}/hang`, headers: {}, body: "{}", timeoutMs: 50 }).catch((e) => e);
    assert.ok(hang instanceof MantraError, String(hang));
    assert.equal(hang.code, "timeout");
    assert.equal(hang.timeoutMs, 50);
  } finally {
    await srv.close();
  }
  const down = await nodeHttpTransport()({ method: "POST", url: srv.url, headers: {}, body: "{}", timeoutMs: 2000 }).catch((e) => e);
  assert.ok(down instanceof MantraError, String(down));
  assert.equal(down.code, "transport");
  assert.match(down.message, /ECONNREFUSED/);
});

test("a response cut mid-body rejects with MantraError transport, never hangs", async () => {
  const srv = net.createServer((sock) => {
    sock.once("data", () => {
      sock.write('HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n{"jsonrpc":');
      setTimeout(() => sock.destroy(), 10);
    });
  });
  await new Promise((resolve) => srv.listen(0, "127.0.0.1", resolve));
  try {
    const t = nodeHttpTransport();
    const url = `http://127.0.0.1:${srv.address().port}/`;
    await assert.rejects(t({ method: "POST", url, headers: {}, body: "{}", timeoutMs: null }), (e) => {
      assert.ok(e instanceof MantraError);
      assert.equal(e.code, "transport");
      return true;
    });
  } finally {
    srv.close();
  }
});

test("a user:password URL never shows in the transport's messages", async () => {
  const t = nodeHttpTransport();
  const err = await t({ method: "POST", url: "http://user:secret@127.0.0.1:1/", headers: {}, body: "{}", timeoutMs: 2000 }).catch((e) => e);
  assert.ok(err instanceof MantraError);
  assert.doesNotMatch(err.message, /secret/);
});

test("MantraClient over nodeHttpTransport: a node's 503 is a retryable transport failure", async () => {
  let posts = 0;
  const srv = await server((req, body) => {
    const ok = { status: 200, body: JSON.stringify({ jsonrpc: "2.0", id: -1, result: {} }) };
    if (req.method === "GET") return ok;
    const call = JSON.parse(body);
    // The pool's warm-up pings succeed; calls get 503.
    if (call.method !== "net_info") return { ...ok, body: JSON.stringify({ jsonrpc: "2.0", id: call.id, result: {} }) };
    posts += 1;
    return { status: 503, body: "unavailable" };
  });
  const client = await MantraClient.connect({ endpoints: [srv.url], transport: nodeHttpTransport(), batch: false });
  try {
    const err = await client.call("net_info", {}).catch((e) => e);
    assert.ok(err instanceof MantraError, String(err));
    assert.equal(err.code, "transport");
    assert.equal(err.status, 503);
    assert.ok(posts >= 1);
  } finally {
    client.close();
    await srv.close();
  }
});

test("MantraClient over nodeHttpTransport against the devnet: reads, batching, concurrency", { skip: up ? false : `devnet not running at ${URLS[0]} (scripts/devnet up)` }, async () => {
  const client = await MantraClient.connect({ endpoints: URLS, transport: nodeHttpTransport() });
  try {
    const status = await client.status();
    assert.ok(Number(status.syncInfo.latestBlockHeight) >= 1);
    await client.healthCheck();
    const block = await client.block(1);
    assert.equal(Number(block.block.header.height), 1);
    const enc = new TextEncoder();
    const n = 200;
    const out = await Promise.all(Array.from({ length: n }, (_, i) => client.abciQuery("/key", enc.encode(`nodehttp-${process.pid}-${i}`))));
    assert.equal(out.length, n);
    for (const q of out) assert.equal(q.code, 0);
    const stats = client.stats();
    assert.ok(stats.http.maxBatchSize > 1, `batched: ${JSON.stringify(stats.http)}`);
    assert.equal(stats.failed, 0);
  } finally {
    client.close();
  }
});

// --- the lean HTTP/1.1 client under nodeHttpTransport (node-wire.cjs) -------------------

// A raw TCP server: `onRequest(socket, requestText, n)` answers the n-th request read on any
// connection (requests are small; one `data` event each). Counts connections.
async function rawServer(onRequest) {
  const state = { connections: 0, requests: 0 };
  const socks = new Set();
  const srv = net.createServer((sock) => {
    state.connections++;
    socks.add(sock);
    sock.on("data", (d) => onRequest(sock, d.toString("latin1"), state.requests++));
    sock.on("error", () => {});
  });
  await new Promise((r) => srv.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${srv.address().port}/`;
  const close = () => new Promise((r) => {
    for (const sock of socks) sock.destroy();
    srv.close(r);
  });
  return { url, state, close };
}

const post = (t, url, extra = {}) => t({ method: "POST", url, headers: {}, body: '{"a":1}', timeoutMs: 5000, ...extra });
const text = (res) => Buffer.from(res.body).toString("utf8");

test("wire client: chunked bodies (with trailers), interim 100 responses, keep-alive reuse", async () => {
  const srv = await rawServer((sock, req, n) => {
    if (n === 0) sock.write("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n4\r\n{\"a\"\r\n3;ext=1\r\n:1}\r\n0\r\nx-trailer: 1\r\n\r\n");
    else sock.write('HTTP/1.1 200 OK\r\ncontent-length: 7\r\n\r\n{"b":2}');
  });
  try {
    const t = nodeHttpTransport();
    const a = await post(t, srv.url);
    assert.equal(a.status, 200);
    assert.equal(text(a), '{"a":1}');
    const b = await post(t, srv.url);
    assert.equal(text(b), '{"b":2}');
    assert.equal(srv.state.connections, 1, "the keep-alive socket was reused");
  } finally {
    await srv.close();
  }
});

test("wire client: Connection: close and read-until-close bodies are not reused", async () => {
  const srv = await rawServer((sock, req, n) => {
    if (n === 0) sock.end('HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 2\r\n\r\n{}');
    else sock.end("HTTP/1.0 200 OK\r\n\r\n[1,2]");
  });
  try {
    const t = nodeHttpTransport();
    assert.equal(text(await post(t, srv.url)), "{}");
    assert.equal(text(await post(t, srv.url)), "[1,2]");
    assert.equal(srv.state.connections, 2);
  } finally {
    await srv.close();
  }
});

test("wire client: a malformed reply or request header fails with MantraError transport, never hangs", async () => {
  const srv = await rawServer((sock, req, n) => {
    if (n === 0) sock.write("SMTP ready\r\n\r\n");
    else if (n === 1) sock.write("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n");
    else sock.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}');
  });
  try {
    const t = nodeHttpTransport();
    for (const why of [/malformed response status line/, /malformed chunk size/]) {
      const e = await post(t, srv.url).catch((x) => x);
      assert.ok(e instanceof MantraError, String(e));
      assert.equal(e.code, "transport");
      assert.match(e.message, /EPROTO/);
      assert.match(String(e.cause && e.cause.message), why);
    }
    const bad = await post(t, srv.url, { headers: { "x-a": "1\r\nx-injected: 1" } }).catch((x) => x);
    assert.ok(bad instanceof MantraError, String(bad));
    assert.equal(bad.code, "transport");
    assert.equal(text(await post(t, srv.url)), "{}", "the client still works");
  } finally {
    await srv.close();
  }
});

test("wire client: at most maxSockets connections per origin; queued exchanges time out too", async () => {
  let open = 0;
  let peak = 0;
  const srv = await server(async () => {
    open++;
    peak = Math.max(peak, open);
    await new Promise((r) => setTimeout(r, 20));
    open--;
    return { status: 200, body: "{}" };
  });
  try {
    const t = nodeHttpTransport({ maxSockets: 2 });
    const all = await Promise.all(Array.from({ length: 10 }, () => post(t, `${srv.url}/`)));
    assert.equal(all.length, 10);
    assert.ok(peak <= 2, `peak ${peak} concurrent exchanges`);
    const slow = nodeHttpTransport({ maxSockets: 1 });
    const first = post(slow, `${srv.url}/`);
    const queued = await post(slow, `${srv.url}/`, { timeoutMs: 1 }).catch((x) => x);
    assert.ok(queued instanceof MantraError && queued.code === "timeout", String(queued));
    assert.equal((await first).status, 200);
  } finally {
    await srv.close();
  }
});

test("wire client: URL credentials become Basic auth (never shown); idle sockets closed by the server are dropped", async () => {
  const seen = [];
  const srv = await server((req) => {
    seen.push(req.headers.authorization);
    return { status: 200, body: "{}" };
  });
  try {
    const t = nodeHttpTransport();
    const u = new URL(srv.url);
    await post(t, `http://us%20er:p%40ss@${u.host}/`);
    assert.equal(seen[0], `Basic ${Buffer.from("us er:p@ss").toString("base64")}`);
  } finally {
    await srv.close(); // closes every connection, the client's idle one too
  }
  const again = await server(() => ({ status: 200, body: '{"ok":1}' }));
  try {
    // Same port is not guaranteed, so a new origin; the closed idle socket must not break it.
    const t = nodeHttpTransport();
    assert.equal(text(await post(t, `${again.url}/`)), '{"ok":1}');
    await new Promise((r) => setTimeout(r, 20));
    again.closeIdle();
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(text(await post(t, `${again.url}/`)), '{"ok":1}', "a fresh socket after the idle one closed");
  } finally {
    await again.close();
  }
});

test("with the caller's own agent, exchanges go over node:http with that agent", async () => {
  const srv = await server((req, body) => ({ status: 200, body: JSON.stringify({ body }) }));
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  let created = 0;
  const createConnection = agent.createConnection.bind(agent);
  agent.createConnection = (...args) => {
    created++;
    return createConnection(...args);
  };
  try {
    const t = nodeHttpTransport({ httpAgent: agent });
    const res = await post(t, `${srv.url}/`);
    assert.deepEqual(JSON.parse(text(res)), { body: '{"a":1}' });
    assert.equal(created, 1, "the agent made the connection");
  } finally {
    agent.destroy();
    await srv.close();
  }
});

test("wire client over TLS: certificates are verified; a trusted one works", async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "mantra-tls-"));
  const made = spawnSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", path.join(dir, "key.pem"), "-out", path.join(dir, "cert.pem")]);
  if (made.status !== 0) {
    t.skip("openssl could not make a test certificate");
    return;
  }
  const cert = readFileSync(path.join(dir, "cert.pem"));
  const srv = https.createServer({ key: readFileSync(path.join(dir, "key.pem")), cert }, (req, res) => {
    req.resume();
    req.on("end", () => res.end(JSON.stringify({ tls: true })));
  });
  await new Promise((r) => srv.listen(0, "127.0.0.1", r));
  const url = `https://localhost:${srv.address().port}/`;
  try {
    const untrusted = await post(nodeHttpTransport(), url).catch((x) => x);
    assert.ok(untrusted instanceof MantraError, String(untrusted));
    assert.equal(untrusted.code, "transport");
    assert.match(untrusted.message, /SELF_SIGNED|certificate/i);
    // Trusted through the process's CA list (a child process started with NODE_EXTRA_CA_CERTS).
    const child = spawn(process.execPath, ["--input-type=module", "-e", `
      import { nodeHttpTransport } from "mantra-sdk";
      const res = await nodeHttpTransport()({ method: "POST", url: ${JSON.stringify(url)}, headers: {}, body: "{}", timeoutMs: 5000 });
      process.stdout.write(res.status + " " + Buffer.from(res.body).toString());
    `], { env: { ...process.env, NODE_EXTRA_CA_CERTS: path.join(dir, "cert.pem") }, cwd: path.dirname(fileURLToPath(import.meta.url)) });
    let out = "";
    child.stdout.on("data", (d) => { out += d; });
    child.stderr.on("data", (d) => { out += d; });
    await new Promise((r) => child.on("close", r));
    assert.equal(out, '200 {"tls":true}');
    // With the caller's agent (its own CA), over node:https.
    const agent = new https.Agent({ ca: cert, keepAlive: true });
    const viaAgent = await post(nodeHttpTransport({ httpsAgent: agent }), url);
    assert.equal(text(viaAgent), '{"tls":true}');
    agent.destroy();
  } finally {
    srv.closeAllConnections();
    await new Promise((r) => srv.close(r));
    rmSync(dir, { recursive: true, force: true });
  }
});

test("wire client: bodies arriving in many pieces (Content-Length and chunked) are joined exactly", async () => {
  const payload = Buffer.from(JSON.stringify({ data: "x".repeat(150_000), tail: "é✓" }));
  const pieces = (buf, n) => Array.from({ length: n }, (_, i) => buf.subarray(Math.floor((i * buf.length) / n), Math.floor(((i + 1) * buf.length) / n)));
  const srv = await rawServer(async (sock, req, n) => {
    const parts = [];
    if (n % 2 === 0) {
      parts.push(Buffer.from(`HTTP/1.1 200 OK\r\ncontent-length: ${payload.length}\r\n\r\n`), ...pieces(payload, 40));
    } else {
      const chunked = Buffer.concat([
        ...pieces(payload, 7).flatMap((p) => [Buffer.from(`${p.length.toString(16)}\r\n`), p, Buffer.from("\r\n")]),
        Buffer.from("0\r\n\r\n"),
      ]);
      parts.push(Buffer.from("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n"), ...pieces(chunked, 53));
    }
    for (const p of parts) {
      sock.write(p);
      await new Promise((r) => setImmediate(r));
    }
  });
  try {
    const t = nodeHttpTransport({ maxSockets: 1 });
    for (let i = 0; i < 4; i++) {
      const res = await post(t, srv.url);
      assert.ok(Buffer.from(res.body).equals(payload), `exchange ${i}`);
    }
    assert.equal(srv.state.connections, 1);
  } finally {
    await srv.close();
  }
});

test("wire client: an oversized body is refused, a repeated Retry-After keeps the first, a caller's Content-Length is replaced", async () => {
  const seen = [];
  const srv = await rawServer((sock, req, n) => {
    seen.push(req);
    if (n === 0) sock.write("HTTP/1.1 200 OK\r\ncontent-length: 999999999999\r\n\r\n{");
    else if (n === 1) sock.write("HTTP/1.1 429 Too Many Requests\r\nretry-after: 3\r\nRetry-After: 9\r\ncontent-length: 2\r\n\r\n{}");
    else sock.end("HTTP/1.0 200 OK\r\n\r\n" + "[1,".repeat(2000) + "1" + "]".repeat(2000));
  });
  try {
    const t = nodeHttpTransport();
    const big = await post(t, srv.url).catch((x) => x);
    assert.ok(big instanceof MantraError && big.code === "transport", String(big));
    assert.match(big.message, /EPROTO: response body too large/);
    const busy = await post(t, srv.url, { headers: { "Content-Length": "99" } });
    assert.equal(busy.status, 429);
    assert.equal(busy.headers["retry-after"], "3");
    assert.match(seen[1], /\r\ncontent-length: 7\r\n/);
    assert.doesNotMatch(seen[1], /Content-Length: 99/);
    const untilClose = await post(t, srv.url);
    assert.equal(text(untilClose).length, 2000 * 4 + 1);
  } finally {
    await srv.close();
  }
});
