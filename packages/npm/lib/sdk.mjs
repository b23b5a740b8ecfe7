// The hand-written JS layer over the wasm-bindgen glue, shared by every entry (Node CJS,
// Node ESM, browsers). It translates and guards; it decides nothing (core does).
//
// - defines `MantraError` and registers it with the wasm module, which builds every error
//   from it (`bindings-wasm/io/src/error.rs`);
// - wraps every exported function, method, getter and constructor so that
//   * a `WebAssembly.RuntimeError` (a trap) becomes `MantraError("internal")`,
//   * after a Rust panic or a trap the instance is poisoned: pending promises reject (wasm
//     keeps each export promise's reject function in `pending` while it runs) and
//     every later call throws `MantraError("internal")` instead of running on broken state,
//   * a method called on a freed object throws `MantraError("closed")`;
// - makes `Symbol.dispose` free objects (`using clock = new ManualClock()`).
//
// The components whose hot paths are written in JS over an internal wasm engine (the cache,
// the metrics recorder) live in their own files and share this file's guards through `rt`.
// scripts/npm-build.sh derives the CommonJS copies (dist/node/*.cjs) from lib/*.mjs: only
// `export function x(` and one-line `import { .. } from "./y.mjs";` are allowed.
import { createCacheManager } from "./cache.mjs";
import { createMetricsCollector } from "./metrics.mjs";

export function createSdk(wasm) {
  /** Every error raised by the SDK; `code` is core's `Error::code()`. */
  class MantraError extends Error {
    constructor(code, message, props) {
      const cause = props && props.cause;
      super(String(message), cause === undefined ? undefined : { cause });
      this.code = String(code);
      this.retryable = false;
      if (props) {
        for (const key of Object.keys(props)) {
          if (key !== "cause") this[key] = props[key];
        }
      }
    }
  }
  // Names survive minification (a bundler renames classes; messages and stacks show these).
  named("MantraError", MantraError);
  Object.defineProperty(MantraError.prototype, "name", {
    value: "MantraError",
    writable: true,
    configurable: true,
  });

  const state = { fatal: null }; // fatal: the MantraError that poisoned this instance
  const pending = new Set(); // reject functions of promises still in flight

  function poison(err) {
    if (state.fatal) return;
    state.fatal = err;
    for (const reject of pending) reject(err);
    pending.clear();
  }

  function unusable() {
    return new MantraError(
      "internal",
      `mantra-sdk can no longer be used after an internal error: ${state.fatal.message}`,
      { cause: state.fatal },
    );
  }

  function translate(err) {
    // wasm-bindgen's glue checks class arguments with plain `Error`s: a wrong object is a
    // TypeError, a freed one `closed`, as for this package's other arguments.
    if (err instanceof Error && err.constructor === Error) {
      const wrong = /^expected instance of (\w+)$/.exec(err.message);
      if (wrong) return new TypeError(`expected a ${wrong[1]} of mantra-sdk as argument`, { cause: err });
      if (err.message === "null pointer passed to rust") {
        return new MantraError("closed", "an object passed as argument was freed (free() or Symbol.dispose)", { cause: err });
      }
    }
    if (!(err instanceof WebAssembly.RuntimeError)) return err;
    const internal = new MantraError(
      "internal",
      `mantra-sdk internal error (a bug, please report it): WebAssembly trap "${err.message}". ` +
        "This SDK instance can no longer be used; reload the module.",
      { cause: err },
    );
    poison(internal);
    return internal;
  }

  // A promise an export returns is wasm's own: its reject function waits in `pending` while
  // it runs (bindings-wasm/io/src/host.rs `promise`), so a panic or trap rejects it.
  function guarded(fn, self, args) {
    if (state.fatal) throw unusable();
    try {
      return fn.apply(self, args);
    } catch (err) {
      throw translate(err);
    }
  }

  function named(name, fn) {
    Object.defineProperty(fn, "name", { value: name, configurable: true });
    return fn;
  }

  function guardFn(name, fn) {
    return named(name, function (...args) {
      return guarded(fn, undefined, args);
    });
  }

  function live(cls, key, self) {
    if (self === null || typeof self !== "object" || !("__wbg_ptr" in self)) {
      throw new TypeError(`${cls.name}.${key} called on an object that is not a ${cls.name}`);
    }
    if (self.__wbg_ptr === 0) {
      throw new MantraError(
        "closed",
        `${cls.name}.${key}: the object was freed (free() or Symbol.dispose)`,
      );
    }
  }

  // `name`: the class's public name. Its own `name` is set to it, so messages and
  // `constructor.name` stay right after a minifier renames the glue's classes.
  function guardClass(cls, name) {
    named(name, cls);
    const proto = cls.prototype;
    for (const key of Reflect.ownKeys(proto)) {
      if (key === "constructor" || key === "__destroy_into_raw" || typeof key === "symbol") {
        continue;
      }
      const desc = Object.getOwnPropertyDescriptor(proto, key);
      if (key === "free") {
        const free = desc.value;
        desc.value = named("free", function () {
          // Idempotent, and a no-op once poisoned (nothing left to free safely).
          if (this.__wbg_ptr === 0 || state.fatal) return;
          guarded(free, this, []);
        });
      } else {
        for (const part of ["value", "get", "set"]) {
          const fn = desc[part];
          if (typeof fn !== "function") continue;
          desc[part] = named(key, function (...args) {
            live(cls, key, this);
            return guarded(fn, this, args);
          });
        }
      }
      Object.defineProperty(proto, key, desc);
    }
    if (typeof Symbol.dispose === "symbol" && typeof proto.free === "function") {
      Object.defineProperty(proto, Symbol.dispose, {
        value: proto.free,
        writable: true,
        configurable: true,
      });
    }
    for (const key of Object.getOwnPropertyNames(cls)) {
      const desc = Object.getOwnPropertyDescriptor(cls, key);
      if (key.startsWith("__") || typeof desc.value !== "function") continue;
      desc.value = guardFn(key, desc.value);
      Object.defineProperty(cls, key, desc);
    }
    return new Proxy(cls, {
      construct(target, args, newTarget) {
        return guarded(() => Reflect.construct(target, args, newTarget), undefined, []);
      },
    });
  }

  const isClass = (fn) => /^class\b/.test(Function.prototype.toString.call(fn));

  // AbortSignals of client calls (bindings-wasm/io/src/call_options.rs): one `abort`
  // listener per signal, calling every waiting call's callback, however many calls share
  // the signal (Node warns past ten listeners on one EventTarget).
  const aborts = new WeakMap(); // signal → Set of callbacks, with the listener as `.fire`
  function onAbort(signal, f) {
    let waiting = aborts.get(signal);
    if (waiting === undefined) {
      waiting = new Set();
      waiting.fire = () => {
        aborts.delete(signal);
        for (const g of waiting) g();
        signal.removeEventListener("abort", waiting.fire);
      };
      signal.addEventListener("abort", waiting.fire);
      aborts.set(signal, waiting);
    }
    waiting.add(f);
  }
  function offAbort(signal, f) {
    const waiting = aborts.get(signal);
    if (waiting === undefined || !waiting.delete(f) || waiting.size > 0) return;
    aborts.delete(signal);
    signal.removeEventListener("abort", waiting.fire);
  }

  wasm.__init(MantraError, poison, pending, onAbort, offAbort);

  const api = { MantraError };
  for (const [name, value] of Object.entries(wasm)) {
    if (name.startsWith("__") || name === "default" || name === "initSync") continue;
    if (typeof value !== "function") continue;
    api[name] = isClass(value) ? guardClass(value, name) : guardFn(name, value);
  }

  // Shared with the hand-written components (lib/cache.mjs, ...).
  const rt = { MantraError, state, unusable, translate };
  api.CacheManager = named("CacheManager", createCacheManager(wasm, rt));
  api.MetricsCollector = named("MetricsCollector", createMetricsCollector(wasm, rt));

  // `client.cache`, `client.metrics`, `client.health`: handles on the client's own
  // components (core's), one of each per client, made on first use (again after a free()).
  // The response cache's class is internal (not constructible from JS) but guarded alike.
  guardClass(wasm.__ResponseCache, "ResponseCache");
  const Client = wasm.MantraClient;
  const parts = new WeakMap(); // client → { key: [handle, its wasm object] }
  const accessors = {
    cache: (client) => {
      const cache = client.__cache();
      return [cache ?? null, cache];
    },
    metrics: (client) => {
      const core = wasm.__MetricsCore.fromClient(client);
      return [rt.metricsFromCore(core), core];
    },
    health: (client) => {
      const health = client.__health();
      return [health, health];
    },
  };
  for (const [key, make] of Object.entries(accessors)) {
    Object.defineProperty(Client.prototype, key, {
      configurable: true,
      get: named(key, function () {
        live(Client, key, this);
        let mine = parts.get(this);
        if (mine === undefined) parts.set(this, (mine = {}));
        const held = mine[key];
        if (held === undefined || (held[1] !== undefined && held[1].__wbg_ptr === 0)) {
          mine[key] = guarded(() => make(this), undefined, []);
        }
        return mine[key][0];
      }),
    });
  }
  // An explicit free() (and Symbol.dispose) of these classes ends what the object started
  // first; the garbage collector only frees memory (what is still pending keeps running).
  function beforeFree(cls, end) {
    const free = cls.prototype.free;
    const wrapped = named("free", function () {
      if (this !== null && typeof this === "object" && this.__wbg_ptr !== 0 && !state.fatal) end(this);
      return free.call(this);
    });
    Object.defineProperty(cls.prototype, "free", { value: wrapped, writable: true, configurable: true });
    if (typeof Symbol.dispose === "symbol") {
      Object.defineProperty(cls.prototype, Symbol.dispose, { value: wrapped, writable: true, configurable: true });
    }
  }
  // The client closes and frees the handles its accessors made: they hold its components
  // (its health checks hold the pool), which would keep a freed client's loops running.
  beforeFree(Client, (client) => {
    const mine = parts.get(client);
    parts.delete(client);
    client.close();
    for (const [handle] of Object.values(mine ?? {})) {
      if (handle !== null) handle.free();
    }
  });
  // A batch manager closes: its queued operations fail with `closed` (and its delay timer
  // stops keeping Node alive).
  beforeFree(wasm.BatchManager, (manager) => manager.close());
  // A manual clock rejects the sleeps it started with `closed`: nothing could fire them.
  beforeFree(wasm.ManualClock, (clock) => clock.__rejectSleeps());
  // Test hooks, not part of the public API (test/panic.test.mjs, test/host.test.mjs).
  const internals = {
    testPanic: guardFn("testPanic", wasm.__testPanic),
    testHostCall: guardFn("testHostCall", wasm.__testHostCall),
    pendingCount: () => pending.size,
  };
  return { api, internals };
}
