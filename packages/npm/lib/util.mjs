// Helpers shared by the hand-written components: argument descriptions for TypeErrors (the
// same wording as bindings-wasm/src/convert.rs `describe`) and the measurements the cache
// passes to core's weight formula (UTF-8 bytes of a key; a value walked the way core's
// `JsonWeigher` defines).

/** `string "x"`, `number NaN`, `null`, `array`, `object`, `undefined`, … */
export function describe(value) {
  if (value === null) return "null";
  if (typeof value === "string") {
    const shown = value.length > 40 ? `${JSON.stringify(value.slice(0, 40))}…` : JSON.stringify(value);
    return `string ${shown}`;
  }
  if (typeof value === "number") return `number ${String(value)}`;
  if (Array.isArray(value)) return "array";
  return typeof value;
}

const NON_ASCII = /[^\x00-\x7f]/;

/** Length in bytes of `s` encoded as UTF-8 (a lone surrogate counts as U+FFFD: 3 bytes). */
export function utf8Length(s) {
  const len = s.length;
  if (len > 32) {
    if (!NON_ASCII.test(s)) return len;
  } else {
    let ascii = true;
    for (let i = 0; i < len; i++) {
      if (s.charCodeAt(i) > 0x7f) {
        ascii = false;
        break;
      }
    }
    if (ascii) return len;
  }
  let n = len;
  for (let i = 0; i < len; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) {
      n += 1;
    } else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 2; // the pair: 2 UTF-16 units, 4 UTF-8 bytes
        i++;
      } else {
        n += 2;
      }
    } else {
      n += 2;
    }
  }
  return n;
}

/** Deepest nesting a cached value may have (as the Python binding). */
const MAX_DEPTH = 128;

/**
 * A weigher for cache values following core's `JsonWeigher` definition (constants from
 * core): `node` bytes per JSON value + the UTF-8 bytes of every string + per object member
 * `member` bytes + its key's UTF-8 bytes. Walks own enumerable keys of objects (members
 * whose value is `undefined` are skipped, as `JSON.stringify` does; array holes and
 * `undefined` items count as null). Throws a TypeError naming `what` for a value with no
 * JSON form (a function, symbol or BigInt, a top-level `undefined`), and
 * `invalid(message)` (a MantraError from core) for non-finite numbers and nesting deeper
 * than 128 levels (or a cycle).
 */
export function makeWeigher(node, member, invalid) {
  function weigh(v, depth, what) {
    switch (typeof v) {
      case "string":
        return node + utf8Length(v);
      case "boolean":
        return node;
      case "number":
        if (v - v !== 0) throw invalid(`${what}: ${v} is not a JSON number`);
        return node;
      case "undefined":
        return node; // inside arrays only (JSON null)
      case "object": {
        if (v === null) return node;
        if (depth >= MAX_DEPTH) throw invalid(`${what}: value nested deeper than ${MAX_DEPTH} levels (or cyclic)`);
        let total = node;
        if (Array.isArray(v)) {
          for (let i = 0; i < v.length; i++) total += weigh(v[i], depth + 1, what);
          return total;
        }
        const keys = Object.keys(v);
        for (let i = 0; i < keys.length; i++) {
          const item = v[keys[i]];
          if (item === undefined) continue;
          total += member + utf8Length(keys[i]) + weigh(item, depth + 1, what);
        }
        return total;
      }
      default:
        throw new TypeError(`${what} must be a JSON-compatible value, got ${describe(v)}`);
    }
  }
  return function weighValue(value, what) {
    if (value === undefined) {
      throw new TypeError(`${what} must be a JSON-compatible value, got undefined`);
    }
    return weigh(value, 0, what);
  };
}
