// The JS `CacheManager`: a translation layer over the wasm engine `__CacheCore`
// (bindings-wasm/src/cache.rs), where core decides expiry, LRU order, both limits and the
// stats. This file decides nothing; it
//   - interns each (type, key) to a u32 id (one Map per cache type), so a call passes two
//     small integers to wasm instead of re-encoding the key string every time;
//   - keeps each value in a JS array under its id — by reference, as lru-cache does (no JSON
//     round trip; `get` returns the object that was `put`);
//   - passes core the inputs of its weight formula: the key's UTF-8 length (once per key)
//     and the value's weight, walked as core's `JsonWeigher` defines it (the length of its
//     compact JSON text; every put) — the bytes every language charges for the same value;
//   - releases an id (its Map entry, key and value) when core's removal log reports the
//     entry gone — evicted, expired, removed or cleared — and only then reuses it;
//   - serves a hit without crossing into wasm when core's published facts allow it (caches
//     on the real clock): the entry's expiry deadline, which core sets at every put, is
//     after core's published coarse clock reading, and that reading has a read left (the
//     hit takes it). The hit is appended to core's read buffer ([type, id]); core replays
//     the buffer — recency, hit counters — before every operation that reads or changes
//     them (get, miss, put, remove, clear, cleanup, stats, resetStats), so
//     eviction order and stats are what they would be had every get crossed. Views of
//     wasm memory are re-read when a put grows the deadlines or memory grows (a grown
//     memory detaches them: reads give `undefined`, and the hit crosses instead).
import { describe, makeWeigher, utf8Length } from "./util.mjs";

export function createCacheManager(wasm, rt) {
  const { MantraError, state } = rt;
  const Core = wasm.__CacheCore;
  const TYPES = wasm.__cacheTypes();
  const DEFAULT_TYPE = TYPES.indexOf(wasm.__cacheDefaultType());
  const TYPE_INDEX = Object.create(null);
  TYPES.forEach((name, i) => {
    TYPE_INDEX[name] = i;
  });
  const INTERNAL = Symbol("CacheManager.internal");
  const memory = wasm.__wasmMemory();
  const NO_DEADLINES = new Float64Array(0);
  const NO_READS = new Uint32Array(0);
  const STALE_CLOCK = new Float64Array([NaN, 0]);
  const jsonBytes = makeWeigher(
    (v) => wasm.__jsonFloatWeight(v),
    (message) => wasm.__invalidArgument(message),
  );

  function typeIndex(type, what) {
    if (type === undefined) return DEFAULT_TYPE;
    if (typeof type === "string") {
      const i = TYPE_INDEX[type];
      if (i !== undefined) return i;
      throw wasm.__cacheTypeError(type);
    }
    throw new TypeError(`${what}: type must be a string (${TYPES.join(", ")}), got ${describe(type)}`);
  }

  function keyError(what, key) {
    return new TypeError(`${what}: key must be a string, got ${describe(key)}`);
  }

  /**
   * LRU + TTL cache of JSON-compatible values under (type, key); see index.d.ts.
   */
  class CacheManager {
    #core;
    #maps = TYPES.map(() => new Map()); // per type: key → id
    #defaultMap = this.#maps[DEFAULT_TYPE];
    #keys = []; // id → key
    #keyBytes = []; // id → UTF-8 length of the key
    #types = []; // id → type index
    #vals = []; // id → value
    #free = []; // released ids
    #next = 0;
    // The hit path's views of core's memory (see the file comment); for a cache on a
    // ManualClock they stay empty and every get crosses into core.
    #deadlines = NO_DEADLINES; // id → expiry, performance.now() ms
    #clock = STALE_CLOCK; // [coarse reading ms | NaN, reads left]
    #reads = NO_READS; // [type, id] pairs
    #readCount = NO_READS; // [pairs written]
    #readsCap = 0; // 0: no hit path (ManualClock, or freed)

    constructor(config, internal, core) {
      try {
        if (state.fatal) throw rt.unusable();
        this.#core = internal === INTERNAL ? core : new Core(config);
        this.#attach(this.#core);
      } catch (err) {
        throw rt.translate(err);
      }
      // A forgotten manager is collected with its engine; the glue's finalizer frees that.
    }

    // (Re-)reads where core's hit-path data lives (see the file comment).
    #attach(core) {
      const l = core.fastLayout();
      if (l.length === 0) return;
      const buf = memory.buffer;
      this.#deadlines = new Float64Array(buf, l[0], l[1]);
      this.#reads = new Uint32Array(buf, l[2], 2 * l[3]);
      this.#readsCap = l[3];
      this.#readCount = new Uint32Array(buf, l[4], 1);
      this.#clock = new Float64Array(buf, l[5], 2);
    }

    /** A cache reading virtual time from `clock` (a `ManualClock`). */
    static withClock(config, clock) {
      let core;
      try {
        if (state.fatal) throw rt.unusable();
        core = Core.withClock(config, clock);
      } catch (err) {
        throw rt.translate(err);
      }
      return new CacheManager(undefined, INTERNAL, core);
    }

    /** Core's charge for an entry (bytes against `maxMemoryBytes`). */
    static entryWeight(key, value) {
      if (typeof key !== "string") throw keyError("CacheManager.entryWeight", key);
      const vb = jsonBytes(value, "CacheManager.entryWeight(key, value): value");
      return wasm.__cacheEntryWeight(utf8Length(key), vb);
    }

    #live(what) {
      if (state.fatal) throw rt.unusable();
      if (this.#core === undefined) {
        throw new MantraError("closed", `CacheManager.${what}: the object was freed (free() or Symbol.dispose)`);
      }
      return this.#core;
    }

    #release(id) {
      const key = this.#keys[id];
      if (key === undefined) return;
      this.#maps[this.#types[id]].delete(key);
      this.#keys[id] = undefined;
      this.#vals[id] = undefined;
      this.#free.push(id);
    }

    #drain(core) {
      const ids = core.takeRemoved();
      for (let i = 0; i < ids.length; i++) this.#release(ids[i]);
    }

    get(key, type) {
      // The hot path reads the engine and the default type's map directly; `#live` only
      // runs (and throws) when the manager is unusable.
      let core = this.#core;
      if (core === undefined || state.fatal) core = this.#live("get");
      let t = DEFAULT_TYPE;
      let map = this.#defaultMap;
      if (type !== undefined) {
        t = typeIndex(type, "CacheManager.get");
        map = this.#maps[t];
      }
      const id = map.get(key);
      if (id !== undefined) {
        // Served here while core's deadline is after core's reading and a read is left
        // (a detached view reads `undefined`, and the comparison fails).
        const clock = this.#clock;
        if (this.#deadlines[id] > clock[0] && clock[1] >= 1) {
          const count = this.#readCount;
          const n = count[0];
          if (n < this.#readsCap) {
            const reads = this.#reads;
            reads[2 * n] = t;
            reads[2 * n + 1] = id;
            count[0] = n + 1;
            clock[1] -= 1;
            return this.#vals[id];
          }
        }
      }
      try {
        if (id === undefined) {
          if (typeof key !== "string") throw keyError("CacheManager.get", key);
          if (core.miss(t) !== 0) this.#drain(core);
          return undefined;
        }
        const r = core.get(t, id);
        if (this.#readsCap !== 0 && this.#reads.length === 0) this.#attach(core);
        if (r === 1) return this.#vals[id];
        const value = (r & 1) === 1 ? this.#vals[id] : undefined;
        if ((r & 2) !== 0) this.#drain(core);
        return value;
      } catch (err) {
        throw rt.translate(err);
      }
    }

    has(key, type) {
      const core = this.#live("has");
      const t = type === undefined ? DEFAULT_TYPE : typeIndex(type, "CacheManager.has");
      const id = this.#maps[t].get(key);
      if (id === undefined) {
        if (typeof key !== "string") throw keyError("CacheManager.has", key);
        return false;
      }
      // As in `get` (no recency or counter to record).
      const clock = this.#clock;
      if (this.#deadlines[id] > clock[0] && clock[1] >= 1) {
        clock[1] -= 1;
        return true;
      }
      try {
        const live = core.contains(t, id);
        if (this.#readsCap !== 0 && this.#reads.length === 0) this.#attach(core);
        return live;
      } catch (err) {
        throw rt.translate(err);
      }
    }

    put(key, value, type, options) {
      const core = this.#live("put");
      const t = type === undefined ? DEFAULT_TYPE : typeIndex(type, "CacheManager.put");
      const valueBytes = jsonBytes(value, "CacheManager.put(key, value): value");
      if (options !== undefined) {
        if (options === null || typeof options !== "object") {
          throw new TypeError(`CacheManager.put: options must be an object, got ${describe(options)}`);
        }
        for (const k in options) {
          if (k !== "ttlMs") throw new TypeError(`CacheManager.put options has no option \`${k}\` (options: ttlMs)`);
        }
      }
      const map = this.#maps[t];
      let id = map.get(key);
      const fresh = id === undefined;
      if (fresh) {
        if (typeof key !== "string") throw keyError("CacheManager.put", key);
        id = this.#free.length > 0 ? this.#free.pop() : this.#next++;
        map.set(key, id);
        this.#keys[id] = key;
        this.#keyBytes[id] = utf8Length(key);
        this.#types[id] = t;
      }
      const previous = this.#vals[id];
      this.#vals[id] = value;
      let r;
      try {
        r =
          options === undefined || options.ttlMs === undefined
            ? core.put(t, id, this.#keyBytes[id], valueBytes)
            : core.putWithTtl(t, id, this.#keyBytes[id], valueBytes, options.ttlMs);
        // The put may have grown the deadlines past the view, or grown memory (detaching it).
        if (this.#readsCap !== 0 && id >= this.#deadlines.length) this.#attach(core);
      } catch (err) {
        throw rt.translate(err);
      }
      if (r === -1) return;
      if (r >= 0) {
        this.#release(r);
        return;
      }
      if (r === -2) {
        this.#drain(core);
        return;
      }
      // Refused. Core's log has the old entry if the refusal removed it (too heavy); a
      // refused TTL leaves core's old entry, and so its value here.
      const err = core.takeError();
      this.#drain(core);
      if (fresh) this.#release(id);
      else if (this.#keys[id] !== undefined) this.#vals[id] = previous;
      throw err;
    }

    remove(key, type) {
      const core = this.#live("remove");
      const t = type === undefined ? DEFAULT_TYPE : typeIndex(type, "CacheManager.remove");
      const id = this.#maps[t].get(key);
      if (id === undefined) {
        if (typeof key !== "string") throw keyError("CacheManager.remove", key);
        return false;
      }
      try {
        const r = core.remove(t, id);
        if ((r & 2) !== 0) this.#drain(core);
        return (r & 1) === 1;
      } catch (err) {
        throw rt.translate(err);
      }
    }

    clear() {
      const core = this.#live("clear");
      try {
        core.clear();
        this.#drain(core);
      } catch (err) {
        throw rt.translate(err);
      }
    }

    clearType(type) {
      const core = this.#live("clearType");
      if (type === undefined) throw new TypeError(`CacheManager.clearType: type is required (${TYPES.join(", ")})`);
      const t = typeIndex(type, "CacheManager.clearType");
      try {
        const n = core.clearType(t);
        this.#drain(core);
        return n;
      } catch (err) {
        throw rt.translate(err);
      }
    }

    cleanup() {
      const core = this.#live("cleanup");
      try {
        const n = core.cleanup();
        this.#drain(core);
        return n;
      } catch (err) {
        throw rt.translate(err);
      }
    }

    len() {
      const core = this.#live("len");
      try {
        return core.len();
      } catch (err) {
        throw rt.translate(err);
      }
    }

    get size() {
      return this.len();
    }

    stats() {
      const core = this.#live("stats");
      try {
        return core.stats();
      } catch (err) {
        throw rt.translate(err);
      }
    }

    resetStats() {
      const core = this.#live("resetStats");
      try {
        core.resetStats();
      } catch (err) {
        throw rt.translate(err);
      }
    }

    ttlMs(type) {
      const core = this.#live("ttlMs");
      const t = type === undefined ? DEFAULT_TYPE : typeIndex(type, "CacheManager.ttlMs");
      try {
        return core.typeTtlMs(t);
      } catch (err) {
        throw rt.translate(err);
      }
    }

    getOrFetch(key, type, fetcher) {
      let core;
      let t;
      try {
        core = this.#live("getOrFetch");
        t = type === undefined || type === null ? DEFAULT_TYPE : typeIndex(type, "CacheManager.getOrFetch");
        if (typeof key !== "string") throw keyError("CacheManager.getOrFetch", key);
        if (typeof fetcher !== "function") {
          throw new TypeError(`CacheManager.getOrFetch: fetcher must be a function, got ${describe(fetcher)}`);
        }
        const hit = this.get(key, TYPES[t]);
        if (hit !== undefined) return Promise.resolve(hit);
      } catch (err) {
        return Promise.reject(err);
      }
      // Core's single-flight runs this for the first caller only.
      const leader = () => {
        const id = this.#maps[t].get(key);
        if (id !== undefined && this.#core !== undefined && this.#core.contains(t, id)) {
          return this.#vals[id]; // a flight that ended between our miss and now stored it
        }
        return Promise.resolve()
          .then(fetcher)
          .then((value) => {
            try {
              this.put(key, value, TYPES[t]);
            } catch (err) {
              // Too heavy to cache: still returned (counted in stats().rejected).
              if (!(err instanceof MantraError && err.code === "capacity_exceeded")) throw err;
            }
            return value;
          });
      };
      try {
        return core.fetchOnce(t, key, leader);
      } catch (err) {
        return Promise.reject(rt.translate(err));
      }
    }

    close() {
      const core = this.#live("close");
      try {
        core.close();
      } catch (err) {
        throw rt.translate(err);
      }
    }

    free() {
      const core = this.#core;
      if (core === undefined) return;
      this.#core = undefined;
      this.#maps = TYPES.map(() => new Map());
      this.#defaultMap = this.#maps[DEFAULT_TYPE];
      this.#keys = [];
      this.#keyBytes = [];
      this.#types = [];
      this.#vals = [];
      this.#free = [];
      this.#deadlines = NO_DEADLINES;
      this.#clock = STALE_CLOCK;
      this.#reads = NO_READS;
      this.#readCount = NO_READS;
      this.#readsCap = 0;
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
  if (typeof Symbol.dispose !== "symbol") delete CacheManager.prototype[Symbol.dispose];
  return CacheManager;
}
