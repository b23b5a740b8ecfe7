// Helpers shared by the hand-written components: argument descriptions for TypeErrors (the
// same wording as bindings-wasm/io/src/convert.rs `describe`) and the measurements the cache
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

const hasOwn = Object.prototype.hasOwnProperty;

/** Deepest nesting a cached value may have (as the Python binding). */
const MAX_DEPTH = 128;

// A string needs the slow walk when it has a character JSON escapes (control characters,
// `"`, `\`) or one that is more than one UTF-8 byte.
const SLOW_STRING = /[\x00-\x1f"\\\u0080-\uffff]/;

/**
 * Length of the JSON string literal for `s` in UTF-8 bytes: quotes, serde_json's escapes
 * (`\"`, `\\`, `\n`, `\r`, `\t`, `\b`, `\f` two bytes; other control characters
 * `\u00XX`, six) and the UTF-8 length of everything else.
 */
export function jsonStringLength(s) {
  const len = s.length;
  if (len <= 24) {
    // Short strings (keys, denoms, amounts): a loop beats the regex call.
    let plain = true;
    for (let i = 0; i < len; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x20 || c === 0x22 || c === 0x5c || c > 0x7f) {
        plain = false;
        break;
      }
    }
    if (plain) return len + 2;
  } else if (!SLOW_STRING.test(s)) {
    return len + 2;
  }
  let extra = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20) extra += c === 8 || c === 9 || c === 10 || c === 12 || c === 13 ? 1 : 5;
    else if (c === 0x22 || c === 0x5c) extra += 1;
  }
  return utf8Length(s) + extra + 2;
}

/**
 * A weigher for cache values by core's `JsonWeigher` rule: the length in UTF-8 bytes of the
 * value's compact JSON text (`JSON.stringify` with serde_json's escapes). Safe integers
 * weigh their digits; any other number asks core (`floatWeight`, serde_json's float text).
 * Walks own enumerable keys of objects (members whose value is `undefined` are skipped, as
 * `JSON.stringify` does; array holes and `undefined` items count as null). Throws a
 * TypeError naming `what` for a value with no JSON form (a function, symbol or BigInt, a
 * top-level `undefined`), and `invalid(message)` (a MantraError from core) for non-finite
 * numbers and nesting deeper than 128 levels (or a cycle).
 */
export function makeWeigher(floatWeight, invalid) {
  function weigh(v, depth, what) {
    switch (typeof v) {
      case "string":
        return jsonStringLength(v);
      case "boolean":
        return v ? 4 : 5;
      case "number":
        if (v - v !== 0) throw invalid(`${what}: ${v} is not a JSON number`);
        if (Number.isSafeInteger(v)) return (v < 0 ? 1 : 0) + String(v < 0 ? -v : v).length;
        return floatWeight(v);
      case "undefined":
        return 4; // inside arrays only (JSON null)
      case "object": {
        if (v === null) return 4;
        if (depth >= MAX_DEPTH) throw invalid(`${what}: value nested deeper than ${MAX_DEPTH} levels (or cyclic)`);
        if (Array.isArray(v)) {
          const n = v.length;
          let total = n === 0 ? 2 : n + 1;
          for (let i = 0; i < n; i++) total += weigh(v[i], depth + 1, what);
          return total;
        }
        // Own enumerable string keys, as JSON.stringify walks them (`for…in` with an own
        // check: V8 serves it from the object's enum cache, without the array that
        // `Object.keys` allocates). Same result for every plain object, class instance and
        // null-prototype object; a Proxy sees more trap calls (and `getPrototypeOf`).
        let members = 0;
        let total = 0;
        for (const key in v) {
          if (!hasOwn.call(v, key)) continue;
          const item = v[key];
          if (item === undefined) continue;
          members++;
          total += jsonStringLength(key) + 1 + weigh(item, depth + 1, what);
        }
        return total + (members === 0 ? 2 : members + 1);
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
