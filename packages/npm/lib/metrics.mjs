// The JS `MetricsCollector`: a translation layer over the wasm engine `__MetricsCore`
// (bindings-wasm/src/metrics.rs); core records, caps cardinality, aggregates and exports.
// The only thing this file adds is a memo of core handle ids per label pair, so a repeated
// recording passes an integer and a number to wasm instead of two strings; core hands out a
// handle only for pairs it keeps in series of their own (see metrics.rs).
import { describe } from "./util.mjs";

export function createMetricsCollector(wasm, rt) {
  const { MantraError, state } = rt;
  const Core = wasm.__MetricsCore;
  const INTERNAL = Symbol("MetricsCollector.internal");

  function need(cond, message) {
    if (!cond) throw new TypeError(message);
  }

  /** Counters, gauges and histograms of the SDK with Prometheus/OTLP export; see index.d.ts. */
  class MetricsCollector {
    #core;
    #ops = new Map(); // protocol → Map(operation → handle id)
    #mcp = new Map(); // transport → handle id

    constructor(config, internal, core) {
      try {
        if (state.fatal) throw rt.unusable();
        this.#core = internal === INTERNAL ? core : new Core(config);
      } catch (err) {
        throw rt.translate(err);
      }
    }

    /** A collector on a `ManualClock` (virtual time). */
    static withClock(config, clock) {
      let core;
      try {
        if (state.fatal) throw rt.unusable();
        core = Core.withClock(config, clock);
      } catch (err) {
        throw rt.translate(err);
      }
      return new MetricsCollector(undefined, INTERNAL, core);
    }

    #live(what) {
      if (state.fatal) throw rt.unusable();
      if (this.#core === undefined) {
        throw new MantraError("closed", `MetricsCollector.${what}: the object was freed (free() or Symbol.dispose)`);
      }
      return this.#core;
    }

    #call(what, f) {
      const core = this.#live(what);
      try {
        return f(core);
      } catch (err) {
        throw rt.translate(err);
      }
    }

    recordProtocolOperation(protocol, operation, latencyMs, success, error) {
      const core = this.#live("recordProtocolOperation");
      if (success === true) {
        const byOp = this.#ops.get(protocol);
        const id = byOp === undefined ? undefined : byOp.get(operation);
        if (id !== undefined && typeof latencyMs === "number") {
          try {
            if (core.recordOp(id, latencyMs)) return;
          } catch (err) {
            throw rt.translate(err);
          }
        }
      }
      const what = "MetricsCollector.recordProtocolOperation";
      need(typeof protocol === "string", `${what}: protocol must be a string, got ${describe(protocol)}`);
      need(typeof operation === "string", `${what}: operation must be a string, got ${describe(operation)}`);
      need(typeof latencyMs === "number", `${what}: latencyMs must be a number of milliseconds, got ${describe(latencyMs)}`);
      need(typeof success === "boolean", `${what}: success must be a boolean, got ${describe(success)}`);
      need(error == null || typeof error === "string", `${what}: error must be a string, got ${describe(error)}`);
      let id;
      try {
        id = core.recordProtocol(protocol, operation, latencyMs, success, error ?? undefined);
      } catch (err) {
        throw rt.translate(err);
      }
      if (id >= 0) {
        let byOp = this.#ops.get(protocol);
        if (byOp === undefined) this.#ops.set(protocol, (byOp = new Map()));
        byOp.set(operation, id);
      }
    }

    recordMcpRequest(latencyMs, success, transport) {
      const core = this.#live("recordMcpRequest");
      const id = this.#mcp.get(transport);
      if (id !== undefined && typeof latencyMs === "number" && typeof success === "boolean") {
        try {
          if (core.recordMcpId(id, latencyMs, success)) return;
        } catch (err) {
          throw rt.translate(err);
        }
      }
      const what = "MetricsCollector.recordMcpRequest";
      need(typeof latencyMs === "number", `${what}: latencyMs must be a number of milliseconds, got ${describe(latencyMs)}`);
      need(typeof success === "boolean", `${what}: success must be a boolean, got ${describe(success)}`);
      need(typeof transport === "string", `${what}: transport must be a string, got ${describe(transport)}`);
      let next;
      try {
        next = core.recordMcp(latencyMs, success, transport);
      } catch (err) {
        throw rt.translate(err);
      }
      if (next >= 0) this.#mcp.set(transport, next);
    }

    recordCustomMetric(category, name, value, type) {
      const what = "MetricsCollector.recordCustomMetric";
      need(typeof category === "string", `${what}: category must be a string, got ${describe(category)}`);
      need(typeof name === "string", `${what}: name must be a string, got ${describe(name)}`);
      need(typeof value === "number", `${what}: value must be a number, got ${describe(value)}`);
      need(typeof type === "string", `${what}: type must be "counter", "gauge" or "histogram", got ${describe(type)}`);
      this.#call("recordCustomMetric", (core) => core.recordCustom(category, name, value, type));
    }

    recordResourceUsage(usage) {
      this.#call("recordResourceUsage", (core) => core.recordResourceUsage(usage));
    }

    getAllMetrics() {
      return this.#call("getAllMetrics", (core) => core.getAllMetrics());
    }

    prometheus() {
      return this.#call("prometheus", (core) => core.prometheus());
    }

    otlpJson() {
      return this.#call("otlpJson", (core) => core.otlpJson());
    }

    initialize() {
      this.#call("initialize", (core) => core.initialize());
    }

    aggregateNow() {
      this.#call("aggregateNow", (core) => core.aggregateNow());
    }

    get isRunning() {
      return this.#call("isRunning", (core) => core.isRunning);
    }

    close() {
      this.#call("close", (core) => core.close());
    }

    free() {
      const core = this.#core;
      if (core === undefined) return;
      this.#core = undefined;
      this.#ops = new Map();
      this.#mcp = new Map();
      if (!state.fatal && core.__wbg_ptr !== 0) {
        try {
          core.free();
        } catch (err) {
          throw rt.translate(err);
        }
      }
    }

    [Symbol.dispose]() {
      this.free();
    }
  }
  if (typeof Symbol.dispose !== "symbol") delete MetricsCollector.prototype[Symbol.dispose];
  // For `client.metrics` (lib/sdk.mjs): a collector over an engine on a client's collector.
  rt.metricsFromCore = (core) => new MetricsCollector(undefined, INTERNAL, core);
  return MetricsCollector;
}
