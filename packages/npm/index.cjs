"use strict";
// Node entry (require). The wasm is read and compiled synchronously from dist/node at load.
// index.mjs re-exports this module, so `import` and `require` share one instance (one
// MantraError class, one cache) in a process.
const wasm = require("./dist/node/mantra_sdk_wasm.js");
const { createSdk } = require("./dist/node/sdk.cjs");
const { createNodeHttpTransport } = require("./node-http.cjs");

const { api, internals } = createSdk(wasm);
api.nodeHttpTransport = createNodeHttpTransport(api.MantraError);
module.exports = api;
Object.defineProperty(module.exports, "__internals", { value: internals });
