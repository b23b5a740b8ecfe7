"use strict";
// Node only (required by index.cjs; browsers never load it, browser.mjs has a stub that
// throws). `nodeHttpTransport(options?)`: a `Transport` (see index.d.ts) over keep-alive
// sockets of Node's `node:net` / `node:tls` with a lean HTTP/1.1 client (node-wire.cjs), or
// over `node:http` / `node:https` with the agents the caller passes. In Node it carries the
// client's many small JSON-RPC POSTs with a fraction of the CPU of the global `fetch`
// (undici) or of `node:http` (BENCHMARKS.md, "npm client").
// The default transport stays `fetch` (core's `FetchTransport`, the same in every host);
// this one is opt-in: `MantraClient.connect({ endpoints, transport: nodeHttpTransport() })`.
//
// It translates only: every status is returned as it is (core decides what a 429 or a 5xx
// means); a failed exchange rejects with `MantraError("transport")` (retryable in core) and
// an exchange over the request's `timeoutMs` is aborted and rejects with
// `MantraError("timeout", …, {timeoutMs})`.
const http = require("node:http");
const https = require("node:https");
const { createWireClient } = require("./node-wire.cjs");

function createNodeHttpTransport(MantraError) {
  const KNOWN = ["maxSockets", "httpAgent", "httpsAgent"];
  return function nodeHttpTransport(options) {
    const opts = options === undefined || options === null ? {} : options;
    if (typeof opts !== "object") {
      throw new TypeError(`nodeHttpTransport(options) must be an object, got ${typeof opts}`);
    }
    for (const key of Object.keys(opts)) {
      if (!KNOWN.includes(key)) {
        throw new TypeError(`nodeHttpTransport options has no option \`${key}\` (options: ${KNOWN.join(", ")})`);
      }
    }
    const maxSockets = opts.maxSockets === undefined ? 64 : opts.maxSockets;
    if (typeof maxSockets !== "number") {
      throw new TypeError(`nodeHttpTransport option \`maxSockets\` must be a number, got ${maxSockets === null ? "null" : typeof maxSockets}`);
    }
    if (!Number.isInteger(maxSockets) || maxSockets < 1) {
      throw new MantraError("invalid_argument", "nodeHttpTransport: `maxSockets` must be an integer >= 1");
    }
    // Without an agent of the user's, exchanges go over node-wire.cjs (keep-alive sockets,
    // a lean HTTP/1.1 client); with one, over node:http with that agent.
    const agentOf = (key) => {
      const a = opts[key];
      if (a === undefined || a === null || a === false) return null;
      if (typeof a !== "object" || typeof a.addRequest !== "function") {
        throw new TypeError(`nodeHttpTransport option \`${key}\` must be an http(s).Agent, got ${typeof a}`);
      }
      return a;
    };
    const httpAgent = agentOf("httpAgent");
    const httpsAgent = agentOf("httpsAgent");
    const wire = createWireClient(maxSockets);

    return function transport(req) {
      return new Promise((resolve, reject) => {
        let url;
        try {
          url = new URL(req.url);
        } catch {
          reject(new MantraError("transport", "nodeHttpTransport: invalid URL"));
          return;
        }
        // Never the credentials of the URL in a message.
        const shown = `${req.method} ${url.protocol}//${url.host}${url.pathname}`;
        const tls = url.protocol === "https:";
        if (!tls && url.protocol !== "http:") {
          reject(new MantraError("transport", `${shown}: unsupported protocol ${url.protocol}`));
          return;
        }
        const headers = { ...req.headers };
        const body = req.method === "POST" ? Buffer.from(req.body || "", "utf8") : null;
        if (body) {
          if (!Object.keys(headers).some((k) => k.toLowerCase() === "content-type")) {
            headers["content-type"] = "application/json";
          }
          // The length is the body's, whatever a caller's header said (in any spelling).
          for (const k of Object.keys(headers)) if (k.toLowerCase() === "content-length") delete headers[k];
          headers["content-length"] = String(body.length);
        }
        const agent = tls ? httpsAgent : httpAgent;
        if (agent === null) {
          const timedOut = () => new MantraError("timeout", `${shown} timed out after ${req.timeoutMs} ms`, { timeoutMs: req.timeoutMs });
          wire(url, req.method, headers, body, req.timeoutMs, timedOut).then((res) => {
            const out = { status: res.status, body: res.body };
            const retryAfter = res.headers["retry-after"];
            if (retryAfter !== undefined) out.headers = { "retry-after": retryAfter };
            resolve(out);
          }, (e) => reject(e instanceof MantraError ? e : transportError(shown, e)));
          return;
        }
        let timer = null;
        let done = false;
        const finish = (fn, value) => {
          if (done) return;
          done = true;
          if (timer !== null) clearTimeout(timer);
          fn(value);
        };
        const r = (tls ? https : http).request(url, {
          method: req.method,
          headers,
          agent,
        });
        r.on("response", (res) => {
          const chunks = [];
          res.on("data", (c) => chunks.push(c));
          res.on("end", () => {
            const out = { status: res.statusCode, body: chunks.length === 1 ? chunks[0] : Buffer.concat(chunks) };
            const retryAfter = res.headers["retry-after"];
            if (retryAfter !== undefined) out.headers = { "retry-after": String(retryAfter) };
            finish(resolve, out);
          });
          res.on("error", (e) => finish(reject, transportError(shown, e)));
          // A connection cut mid-body may end the response with neither `end` nor `error`.
          res.on("close", () => {
            if (!res.complete) finish(reject, transportError(shown, new Error("connection closed before the response ended")));
          });
        });
        r.on("error", (e) => finish(reject, transportError(shown, e)));
        const ms = req.timeoutMs;
        if (typeof ms === "number" && Number.isFinite(ms) && ms >= 0) {
          timer = setTimeout(() => {
            finish(reject, new MantraError("timeout", `${shown} timed out after ${ms} ms`, { timeoutMs: ms }));
            r.destroy();
          }, ms);
        }
        r.end(body || undefined);
      });
    };
  };

  function transportError(shown, e) {
    // The code (ECONNREFUSED, EPROTO, …) and, when it adds something, the message.
    const code = e && e.code;
    const message = e && e.message;
    const why = code && message && !message.includes(code) ? `${code}: ${message}` : message || code || String(e);
    return new MantraError("transport", `${shown} failed: ${why}`, { cause: e });
  }
}

module.exports = { createNodeHttpTransport };
