/**
 * @module format/json-value
 * The JSON-like value model shared by the value codecs (FlexBuffers, MessagePack, YAML): the
 * TypeScript image of Rust's `serde_json::Value`, plus small helpers every codec needs (safe
 * property definition, UTF-8 byte ordering of keys, integer normalisation, strict UTF-8).
 */

import { UnencodableValueError } from "../errors.js";

export { UnencodableValueError };

/**
 * A JSON value as the codecs produce and accept it. Integers beyond ±2^53 are `bigint` when
 * decoded; `bigint` is accepted on input for any integer within the 64-bit range.
 */
export type JsonValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | JsonValue[]
  | { [k: string]: JsonValue };

/** A JSON object (map with string keys). */
export type JsonObject = { [k: string]: JsonValue };

/** Largest magnitude returned as a `number` by the decoders; integers beyond it become `bigint`. */
export const MAX_EXACT_INTEGER = 2 ** 53;

const MAX_EXACT_BIG = BigInt(MAX_EXACT_INTEGER);

/** Converts a decoded 64-bit integer to `number` when |x| ≤ 2^53, otherwise keeps the `bigint`. */
export function normalizeInteger(x: bigint): number | bigint {
  return x <= MAX_EXACT_BIG && x >= -MAX_EXACT_BIG ? Number(x) : x;
}

/** True for a plain JSON object (not an array, not null). */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `v` when it is a non-negative integer, otherwise `dflt` (optional counts in configs). */
export function countOr(v: JsonValue | undefined, dflt: number): number {
  return typeof v === "number" && Number.isInteger(v) && v >= 0 ? v : dflt;
}

/**
 * Sets `obj[key] = value` as an own enumerable data property, so keys such as `__proto__`
 * become ordinary entries instead of changing the prototype.
 */
export function setJsonProperty(obj: JsonObject, key: string, value: JsonValue): void {
  if (key === "__proto__") {
    Object.defineProperty(obj, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  } else {
    obj[key] = value;
  }
}

const encoder = new TextEncoder();
const strictDecoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** UTF-8 bytes of a string (lone surrogates become U+FFFD, as `TextEncoder` does). */
export function utf8Encode(s: string): Uint8Array {
  return encoder.encode(s);
}

/** Decodes UTF-8, returning `undefined` when the bytes are not valid UTF-8. */
export function utf8DecodeStrict(bytes: Uint8Array): string | undefined {
  try {
    return strictDecoder.decode(bytes);
  } catch {
    return undefined;
  }
}

/** Lexicographic comparison of two byte strings (Rust `[u8]` / `str` ordering). */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = a[i]! - b[i]!;
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

/** Object entries sorted by the UTF-8 bytes of their keys (the order of Rust's `BTreeMap<String, _>`). */
export function sortedEntries(obj: JsonObject): [string, JsonValue][] {
  return Object.keys(obj)
    .map((k) => ({ k, b: utf8Encode(k) }))
    .sort((x, y) => compareBytes(x.b, y.b))
    .map(({ k }) => [k, obj[k] as JsonValue]);
}

/** Own entries in insertion order (JS enumeration order). */
export function insertionEntries(obj: JsonObject): [string, JsonValue][] {
  return Object.keys(obj).map((k) => [k, obj[k] as JsonValue]);
}
