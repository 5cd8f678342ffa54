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

/** Nesting depth accepted by {@link findNonJson} (deeper values are reported, not recursed into). */
export const MAX_JSON_DEPTH = 256;

const I64_MIN = -(2n ** 63n);
const U64_MAX = 2n ** 64n - 1n;

function keyPathOf(path: string, key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

function describe(value: unknown): string {
  if (value === undefined) return "undefined";
  if (typeof value === "function") return "a function";
  if (typeof value === "symbol") return "a symbol";
  if (typeof value === "number") return String(value);
  if (typeof value === "bigint") return `${value}n, outside the 64-bit integer range`;
  const name = (value as object).constructor?.name;
  return name ? `an instance of ${name}` : "an object with a non-plain prototype";
}

/**
 * The first place where `value` is not a {@link JsonValue} — `undefined`, a function, a symbol, a
 * non-finite number, a bigint beyond 64 bits, an instance of a class (Date, Map, …), an array with
 * holes or extra properties, a symbol key, a cycle, or nesting deeper than {@link MAX_JSON_DEPTH} —
 * as `{ keyPath, detail }` (paths start at `root`), or undefined when it is plain JSON.
 */
export function findNonJson(
  value: unknown,
  root = "value",
): { keyPath: string; detail: string } | undefined {
  const open = new Set<object>();
  const visit = (
    v: unknown,
    path: string,
    depth: number,
  ): { keyPath: string; detail: string } | undefined => {
    if (v === null || typeof v === "string" || typeof v === "boolean") return undefined;
    if (typeof v === "number")
      return Number.isFinite(v) ? undefined : { keyPath: path, detail: `the number ${v}` };
    if (typeof v === "bigint")
      return v >= I64_MIN && v <= U64_MAX ? undefined : { keyPath: path, detail: describe(v) };
    if (typeof v !== "object") return { keyPath: path, detail: describe(v) };
    if (open.has(v)) return { keyPath: path, detail: "a cycle (the value contains itself)" };
    if (depth >= MAX_JSON_DEPTH)
      return { keyPath: path, detail: `nesting deeper than ${MAX_JSON_DEPTH} levels` };
    const isArray = Array.isArray(v);
    const proto = Object.getPrototypeOf(v);
    if (isArray ? proto !== Array.prototype : proto !== Object.prototype && proto !== null)
      return { keyPath: path, detail: describe(v) };
    if (Object.getOwnPropertySymbols(v).length > 0)
      return { keyPath: path, detail: "an object with symbol keys" };
    open.add(v);
    try {
      if (isArray) {
        if (Object.keys(v).length > v.length)
          return { keyPath: path, detail: "an array with extra (non-index) properties" };
        for (let i = 0; i < v.length; i++) {
          if (!(i in v)) return { keyPath: `${path}[${i}]`, detail: "a hole in an array" };
          const bad = visit(v[i], `${path}[${i}]`, depth + 1);
          if (bad) return bad;
        }
      } else
        for (const key of Object.keys(v)) {
          const bad = visit((v as Record<string, unknown>)[key], keyPathOf(path, key), depth + 1);
          if (bad) return bad;
        }
    } finally {
      open.delete(v);
    }
    return undefined;
  };
  return visit(value, root, 0);
}

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
