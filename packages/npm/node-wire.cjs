"use strict";
// Node only (used by node-http.cjs). A lean HTTP/1.1 client for `nodeHttpTransport`:
// keep-alive sockets per origin over node:net / node:tls, one exchange per socket at a time,
// the response parsed here (status line, headers; a Content-Length, chunked or
// read-until-close body). It exists for speed: for the client's small JSON-RPC POSTs,
// node:http's ClientRequest / IncomingMessage / Agent layers cost about four times the CPU
// of the exchange itself (BENCHMARKS.md, "npm client").
//
// It never guesses: a reply it does not understand (a malformed status line or header
// block, a bad chunk, a protocol switch, bytes nobody asked for) fails that exchange with
// a `WireError` and closes that socket. It never retries (core decides retries) and never
// follows redirects (every status goes back as it is).
const net = require("node:net");
const tls = require("node:tls");

/** Most bytes a status line and its headers may take. */
const MAX_HEAD_BYTES = 64 * 1024;
/** Most bytes a response body may take (a CometBFT block reply is tens of MB at most). */
const MAX_BODY_BYTES = 128 * 1024 * 1024;
const HEAD_END = Buffer.from("\r\n\r\n");
const CRLF = Buffer.from("\r\n");
// RFC 9110 token characters (header names) and what a header value may not contain.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const BAD_VALUE = /[^\t\x20-\x7e\x80-\xff]/;

/** A failed exchange: `code` is a Node error code (`ECONNREFUSED`, …) or one of ours. */
class WireError extends Error {
  constructor(code, message, cause) {
    super(message, cause === undefined ? undefined : { cause });
    this.code = code;
  }
}

/**
 * `request(url, method, headers, body, timeoutMs, onTimeout)` → Promise<{status, headers,
 * body}>: `url` a WHATWG URL (http: or https:), `headers` an object of request headers,
 * `body` a Buffer or null; `headers` of the result holds the response headers, lowercased
 * (repeated ones joined with ", "); `body` is a Buffer. At most `maxSockets` sockets per
 * origin; more exchanges wait for a free one. After `timeoutMs` (if a number) the promise
 * rejects with `onTimeout()` and the exchange's socket is closed.
 */
function createWireClient(maxSockets) {
  const origins = new Map();

  function originOf(url) {
    const secure = url.protocol === "https:";
    const host = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
    const port = Number(url.port) || (secure ? 443 : 80);
    const key = `${secure ? "s" : ""}${host}:${port}`;
    let o = origins.get(key);
    if (o === undefined) {
      o = { secure, host, port, idle: [], open: 0, waiting: [] };
      origins.set(key, o);
    }
    return o;
  }

  function connect(o) {
    const s = o.secure
      ? tls.connect({ host: o.host, port: o.port, servername: net.isIP(o.host) ? undefined : o.host, ALPNProtocols: ["http/1.1"] })
      : net.connect({ host: o.host, port: o.port });
    s.setNoDelay(true);
    o.open++;
    s._wire = { o, ex: null, err: null };
    s.on("data", (chunk) => onData(s, chunk));
    s.on("error", (e) => {
      s._wire.err = e;
    });
    s.on("close", () => onClose(s));
    return s;
  }

  function start(o, ex) {
    let s = o.idle.pop();
    // A socket the server just closed may not have reported `close` yet.
    while (s !== undefined && (s.destroyed || !s.writable)) s = o.idle.pop();
    if (s !== undefined) s.ref();
    else if (o.open < maxSockets) s = connect(o);
    else {
      o.waiting.push(ex);
      return;
    }
    send(s, ex);
  }

  /** `start`, failing the exchange if opening a socket throws (never expected). */
  function startOrFail(o, ex) {
    try {
      start(o, ex);
    } catch (e) {
      if (settle(ex)) ex.reject(new WireError(e && e.code ? e.code : "ECONNREFUSED", String(e && e.message), e));
    }
  }

  function send(s, ex) {
    ex.sock = s;
    const w = s._wire;
    w.ex = ex;
    w.buf = null; // received bytes not parsed yet
    w.need = 0; // > 0: bytes `buf` must hold before parsing goes on (gathered in `parts`)
    w.parts = null;
    w.have = 0;
    w.bodyBytes = 0;
    w.phase = 0; // 0 head, 1 length, 2 chunked, 3 until close
    s.cork();
    s.write(ex.head);
    if (ex.body !== null) s.write(ex.body);
    s.uncork();
  }

  function settle(ex) {
    if (ex.done) return false;
    ex.done = true;
    if (ex.timer !== null) clearTimeout(ex.timer);
    return true;
  }

  function finish(s, reusable) {
    const w = s._wire;
    const ex = w.ex;
    const out = { status: w.status, headers: w.headers, body: w.body };
    w.ex = null;
    w.buf = null;
    w.parts = null;
    w.body = null;
    w.headers = null;
    if (settle(ex)) ex.resolve(out);
    if (!reusable || s.destroyed) {
      s.destroy();
      return;
    }
    const next = w.o.waiting.shift();
    if (next !== undefined) {
      send(s, next);
    } else {
      s.unref();
      w.o.idle.push(s);
    }
  }

  function fail(s, err) {
    const ex = s._wire.ex;
    s._wire.ex = null;
    if (ex !== null && settle(ex)) ex.reject(err);
    s.destroy();
  }

  function onClose(s) {
    const w = s._wire;
    const o = w.o;
    o.open--;
    const i = o.idle.indexOf(s);
    if (i >= 0) o.idle.splice(i, 1);
    if (w.ex !== null) {
      if (w.phase === 3 && w.err === null) {
        w.body = Buffer.concat(w.parts, w.have);
        finish(s, false);
      } else {
        const ex = w.ex;
        w.ex = null;
        const err = w.err !== null
          ? new WireError(w.err.code || "ECONNRESET", w.err.message, w.err)
          : new WireError("ECONNRESET", "connection closed before the response ended");
        if (settle(ex)) ex.reject(err);
      }
    }
    // A socket left: one waiting exchange may open a new one.
    const next = o.waiting.shift();
    if (next !== undefined) startOrFail(o, next);
  }

  function onData(s, chunk) {
    const w = s._wire;
    if (w.ex === null) {
      // Bytes on an idle socket: nothing was asked.
      s.destroy();
      return;
    }
    try {
      if (w.need > 0 || w.phase === 3) {
        // A body (or chunk) of known length, or one read until close: gather the pieces and
        // join them once, not once per piece.
        w.parts.push(chunk);
        w.have += chunk.length;
        if (w.have > MAX_BODY_BYTES + MAX_HEAD_BYTES) throw new WireError("EPROTO", "response body too large");
        if (w.phase === 3 || w.have < w.need) return;
        w.buf = Buffer.concat(w.parts, w.have);
        w.parts = null;
        w.need = 0;
      } else {
        w.buf = w.buf === null ? chunk : Buffer.concat([w.buf, chunk]);
      }
      parse(s, w);
    } catch (e) {
      fail(s, e instanceof WireError ? e : new WireError("EPROTO", String(e && e.message)));
    }
  }

  /** Parsing waits until `buf` holds `n` bytes (see `onData`). */
  function waitFor(w, n) {
    w.need = n;
    w.parts = [w.buf];
    w.have = w.buf.length;
    w.buf = null;
  }

  function parse(s, w) {
    for (;;) {
      const buf = w.buf;
      if (w.phase === 0) {
        const end = buf.indexOf(HEAD_END);
        if (end < 0) {
          if (buf.length > MAX_HEAD_BYTES) throw new WireError("EPROTO", "response headers too large");
          return;
        }
        if (end > MAX_HEAD_BYTES) throw new WireError("EPROTO", "response headers too large");
        const lines = buf.toString("latin1", 0, end).split("\r\n");
        const m = /^HTTP\/1\.([01]) (\d{3})(?: |$)/.exec(lines[0]);
        if (m === null) throw new WireError("EPROTO", "malformed response status line");
        const status = Number(m[2]);
        w.buf = buf.subarray(end + 4);
        if (status >= 100 && status < 200) {
          if (status === 101) throw new WireError("EPROTO", "unexpected protocol switch (101)");
          continue; // an interim response (100 Continue, 103 Early Hints): the real one follows
        }
        const headers = Object.create(null);
        for (let i = 1; i < lines.length; i++) {
          const line = lines[i];
          const colon = line.indexOf(":");
          if (colon <= 0) throw new WireError("EPROTO", "malformed response header");
          const name = line.slice(0, colon).toLowerCase();
          if (!TOKEN.test(name)) throw new WireError("EPROTO", "malformed response header name");
          const value = line.slice(colon + 1).trim();
          if (headers[name] === undefined) headers[name] = value;
          // A repeated header is a list (as node:http joins them), except Retry-After: the
          // first one counts (as node:http keeps it).
          else if (name !== "retry-after") headers[name] = `${headers[name]}, ${value}`;
        }
        w.status = status;
        w.headers = headers;
        const connection = (headers.connection || "").toLowerCase();
        w.keepAlive = m[1] === "1" ? !/(^|,)\s*close\s*(,|$)/.test(connection) : /(^|,)\s*keep-alive\s*(,|$)/.test(connection);
        const te = headers["transfer-encoding"];
        if (w.ex.method === "HEAD" || status === 204 || status === 304) {
          w.body = Buffer.alloc(0);
          finish(s, w.keepAlive && w.buf.length === 0);
          return;
        }
        if (te !== undefined) {
          if (!/(^|,)\s*chunked\s*$/i.test(te)) {
            w.phase = 3;
            w.parts = [w.buf];
            w.have = w.buf.length;
            w.buf = null;
            return;
          } else {
            w.phase = 2;
            w.chunks = [];
          }
        } else if (headers["content-length"] !== undefined) {
          const cl = headers["content-length"];
          if (!/^\d+$/.test(cl)) throw new WireError("EPROTO", "malformed Content-Length");
          w.length = Number(cl);
          if (w.length > MAX_BODY_BYTES) throw new WireError("EPROTO", "response body too large");
          w.phase = 1;
          if (w.buf.length < w.length) {
            waitFor(w, w.length);
            return;
          }
        } else {
          w.phase = 3;
          w.parts = [w.buf];
          w.have = w.buf.length;
          w.buf = null;
          return;
        }
      } else if (w.phase === 1) {
        w.body = buf.length === w.length ? buf : buf.subarray(0, w.length);
        finish(s, w.keepAlive && buf.length === w.length);
        return;
      } else if (w.phase === 2) {
        const eol = buf.indexOf(CRLF);
        if (eol < 0) {
          if (buf.length > 1024) throw new WireError("EPROTO", "malformed chunk size");
          return;
        }
        const sizeText = buf.toString("latin1", 0, eol).split(";")[0].trim();
        if (!/^[0-9a-fA-F]{1,8}$/.test(sizeText)) throw new WireError("EPROTO", "malformed chunk size");
        const size = parseInt(sizeText, 16);
        if (size === 0) {
          // Trailers (ignored) end with an empty line.
          const rest = buf.subarray(eol + 2);
          let done;
          if (rest.length >= 2 && rest[0] === 13 && rest[1] === 10) done = 2;
          else {
            const t = rest.indexOf(HEAD_END);
            if (t < 0) {
              if (rest.length > MAX_HEAD_BYTES) throw new WireError("EPROTO", "response trailers too large");
              return;
            }
            done = t + 4;
          }
          w.body = w.chunks.length === 1 ? w.chunks[0] : Buffer.concat(w.chunks);
          w.chunks = null;
          finish(s, w.keepAlive && rest.length === done);
          return;
        }
        w.bodyBytes += size;
        if (w.bodyBytes > MAX_BODY_BYTES) throw new WireError("EPROTO", "response body too large");
        const start = eol + 2;
        if (buf.length < start + size + 2) {
          w.bodyBytes -= size; // counted again when the chunk is complete
          waitFor(w, start + size + 2);
          return;
        }
        if (buf[start + size] !== 13 || buf[start + size + 1] !== 10) throw new WireError("EPROTO", "malformed chunk");
        w.chunks.push(buf.subarray(start, start + size));
        w.buf = buf.subarray(start + size + 2);
      } else {
        return; // until close: onClose finishes
      }
    }
  }

  return function request(url, method, headers, body, timeoutMs, onTimeout) {
    return new Promise((resolve, reject) => {
      let head = `${method} ${url.pathname}${url.search} HTTP/1.1\r\n`;
      const given = new Set(Object.keys(headers).map((k) => k.toLowerCase()));
      if (!given.has("host")) head += `Host: ${url.host}\r\n`;
      if ((url.username || url.password) && !given.has("authorization")) {
        // As node:http does for credentials in the URL.
        const user = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
        head += `Authorization: Basic ${Buffer.from(user, "utf8").toString("base64")}\r\n`;
      }
      for (const name of Object.keys(headers)) {
        const value = String(headers[name]);
        if (!TOKEN.test(name) || BAD_VALUE.test(value)) {
          reject(new WireError("ERR_INVALID_HTTP_TOKEN", `invalid request header ${JSON.stringify(name)}`));
          return;
        }
        head += `${name}: ${value}\r\n`;
      }
      const o = originOf(url);
      const ex = { method, head: Buffer.from(`${head}\r\n`, "latin1"), body, resolve, reject, timer: null, done: false, sock: null };
      if (typeof timeoutMs === "number" && Number.isFinite(timeoutMs) && timeoutMs >= 0) {
        ex.timer = setTimeout(() => {
          ex.timer = null;
          if (!settle(ex)) return;
          reject(onTimeout());
          if (ex.sock !== null) {
            if (ex.sock._wire.ex === ex) ex.sock._wire.ex = null;
            ex.sock.destroy();
          } else {
            const i = o.waiting.indexOf(ex);
            if (i >= 0) o.waiting.splice(i, 1);
          }
        }, timeoutMs);
      }
      startOrFail(o, ex);
    });
  };
}

module.exports = { createWireClient, WireError };
