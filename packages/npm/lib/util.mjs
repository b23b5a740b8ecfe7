// Helpers shared by the hand-written components: argument descriptions for TypeErrors (the
// same wording as bindings-wasm/src/convert.rs `describe`) and the two measurements the
// cache passes to core's weight formula (UTF-8 bytes of a key, of a value's JSON text).

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
  if (!NON_ASCII.test(s)) return s.length;
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
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

/**
 * Bytes of `value`'s JSON text (`JSON.stringify`, UTF-8) — what core's
 * `estimate_json_weight` counts for the same value. Throws a TypeError naming `what` for a
 * value that has no JSON text (undefined, a function, a symbol, a BigInt, a cycle).
 */
export function jsonBytes(value, what) {
  let text;
  try {
    text = JSON.stringify(value);
  } catch (err) {
    throw new TypeError(`${what} must be a JSON-compatible value: ${err && err.message}`, { cause: err });
  }
  if (text === undefined) {
    throw new TypeError(`${what} must be a JSON-compatible value, got ${describe(value)}`);
  }
  return utf8Length(text);
}
