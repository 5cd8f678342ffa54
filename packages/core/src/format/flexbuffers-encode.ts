/**
 * @module format/flexbuffers-encode
 * FlexBuffers writer that lays out values the way the Rust `flexbuffers` crate does for
 * `flexbuffers::to_vec(&serde_json::Value)`: scalars at their smallest width, homogeneous
 * UInt/Int/Float/Bool arrays as (fixed-length when 2–4 long) typed vectors, everything else as
 * untyped vectors, maps with byte-sorted keys and a shared key pool, back-references sized to
 * the smallest width that reaches them. Rust reads the output back to the same value.
 */

import {
  compareBytes,
  insertionEntries,
  type JsonObject,
  type JsonValue,
  sortedEntries,
  UnencodableValueError,
  utf8Encode,
} from "./json-value.js";

/** Options of {@link encodeFlexbuffer}. */
export interface FlexbufferEncodeOptions {
  /**
   * Order in which map entries are written to the buffer (the keys vector is always sorted):
   * `"sorted"` (default) matches a serialized `serde_json::Value` (BTreeMap order);
   * `"insertion"` follows the JS key order, which matches a serde struct when the object's keys
   * were inserted in field-declaration order.
   */
  keyOrder?: "sorted" | "insertion";
}

// Value types used by the writer (same numbering as FlexType in flexbuffers.ts).
const T_NULL = 0;
const T_INT = 1;
const T_UINT = 2;
const T_FLOAT = 3;
const T_KEY = 4;
const T_STRING = 5;
const T_MAP = 9;
const T_VECTOR = 10;
const T_VECTOR_INT = 11;
const T_VECTOR_KEY = 14;
const T_VECTOR_INT2 = 16;
const T_BOOL = 26;
const T_VECTOR_BOOL = 36;

/** A value waiting to be stored in its parent (inline scalar or back-reference). */
type Val =
  | { t: typeof T_NULL }
  | { t: typeof T_BOOL; v: boolean }
  | { t: typeof T_INT | typeof T_UINT; v: bigint }
  | { t: typeof T_FLOAT; v: number }
  | { t: typeof T_KEY; addr: number }
  | { t: number; addr: number; child: number; ref: true };

const U64_MAX = (1n << 64n) - 1n;
const I64_MIN = -(1n << 63n);

function widthU(x: bigint | number): number {
  const v = BigInt(x);
  if (v <= 0xffn) return 0;
  if (v <= 0xffffn) return 1;
  if (v <= 0xffffffffn) return 2;
  return 3;
}

function widthI(x: bigint): number {
  if (x >= -0x80n && x <= 0x7fn) return 0;
  if (x >= -0x8000n && x <= 0x7fffn) return 1;
  if (x >= -0x80000000n && x <= 0x7fffffffn) return 2;
  return 3;
}

/** f32 when exact (Rust uses an absolute-EPSILON test that loses precision for tiny values). */
function widthF(x: number): number {
  return Math.fround(x) === x ? 2 : 3;
}

function isRef(v: Val): v is { t: number; addr: number; child: number; ref: true } {
  return "ref" in v;
}

function ownWidth(v: Val): number {
  if (isRef(v)) return v.child;
  switch (v.t) {
    case T_INT:
      return widthI((v as { v: bigint }).v);
    case T_UINT:
      return widthU((v as { v: bigint }).v);
    case T_FLOAT:
      return widthF((v as { v: number }).v);
    default:
      return 0;
  }
}

class Writer {
  buf = new Uint8Array(256);
  len = 0;
  private view = new DataView(this.buf.buffer);
  private readonly keyPool = new Map<string, number>();

  constructor(private readonly keyOrder: "sorted" | "insertion") {}

  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.len + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  push(byte: number): void {
    this.reserve(1);
    this.buf[this.len++] = byte;
  }

  bytes(b: Uint8Array): void {
    this.reserve(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }

  align(width: number): void {
    const n = 1 << width;
    while (this.len % n !== 0) this.push(0);
  }

  writeUInt(x: bigint, bytes: number): void {
    this.reserve(bytes);
    if (bytes === 8) this.view.setBigUint64(this.len, x, true);
    else if (bytes === 4) this.view.setUint32(this.len, Number(x), true);
    else if (bytes === 2) this.view.setUint16(this.len, Number(x), true);
    else this.view.setUint8(this.len, Number(x));
    this.len += bytes;
  }

  writeInt(x: bigint, bytes: number): void {
    this.reserve(bytes);
    if (bytes === 8) this.view.setBigInt64(this.len, x, true);
    else if (bytes === 4) this.view.setInt32(this.len, Number(x), true);
    else if (bytes === 2) this.view.setInt16(this.len, Number(x), true);
    else this.view.setInt8(this.len, Number(x));
    this.len += bytes;
  }

  /** Minimum width of `v` stored at index `idx` of a vector whose prefix starts at `start`. */
  widthInVector(v: Val, start: number, idx: number): number {
    if (!isRef(v) && v.t !== T_KEY) return ownWidth(v);
    const addr = (v as { addr: number }).addr;
    for (let w = 0; w < 4; w++) {
      const bytes = 1 << w;
      const at = start + ((bytes - (start % bytes)) % bytes) + idx * bytes;
      if (widthU(at - addr) <= w) return w;
    }
    throw new Error("flexbuffers: offset wider than 64 bits");
  }

  packedType(v: Val, parentWidth: number): number {
    const inline = !isRef(v) && v.t !== T_KEY;
    const w = inline ? Math.max(parentWidth, ownWidth(v)) : ownWidth(v);
    return (v.t << 2) | w;
  }

  store(v: Val, width: number): void {
    const bytes = 1 << width;
    if (isRef(v) || v.t === T_KEY) {
      this.writeUInt(BigInt(this.len - (v as { addr: number }).addr), bytes);
      return;
    }
    switch (v.t) {
      case T_NULL:
        this.writeUInt(0n, bytes);
        return;
      case T_BOOL:
        this.writeUInt((v as { v: boolean }).v ? 1n : 0n, bytes);
        return;
      case T_UINT:
        this.writeUInt((v as { v: bigint }).v, bytes);
        return;
      case T_INT:
        this.writeInt((v as { v: bigint }).v, bytes);
        return;
      case T_FLOAT: {
        this.reserve(bytes);
        const x = (v as { v: number }).v;
        if (bytes === 8) this.view.setFloat64(this.len, x, true);
        else if (bytes === 4) this.view.setFloat32(this.len, x, true);
        else throw new Error("flexbuffers: float in a slot narrower than 32 bits");
        this.len += bytes;
        return;
      }
    }
  }

  /** Writes a vector, typed vector or (with `keys`) map of `values`; returns its reference. */
  storeVector(values: Val[], mode: "vector" | "keys" | "map", keys?: Val): Val {
    let type = T_VECTOR;
    if (mode === "map") type = T_MAP;
    else if (values.length > 0 && values.every((v) => v.t === values[0]!.t)) {
      const t = values[0]!.t;
      const n = values.length;
      if (t === T_BOOL) type = T_VECTOR_BOOL;
      else if (t === T_KEY) type = T_VECTOR_KEY;
      else if (t === T_INT || t === T_UINT || t === T_FLOAT) {
        type =
          n >= 2 && n <= 4 ? T_VECTOR_INT2 + (n - 2) * 3 + (t - T_INT) : T_VECTOR_INT + (t - T_INT);
      }
    }
    const fixed = type >= T_VECTOR_INT2 && type <= T_VECTOR_INT2 + 8;
    let width = 0;
    if (keys) width = Math.max(width, this.widthInVector(keys, this.len, 0));
    if (!fixed) width = Math.max(width, widthU(values.length));
    const prefix = fixed ? 0 : type === T_MAP ? 3 : 1;
    values.forEach((v, i) => {
      width = Math.max(width, this.widthInVector(v, this.len, i + prefix));
    });
    this.align(width);
    if (keys) {
      this.store(keys, width);
      this.writeUInt(BigInt(1 << ownWidth(keys)), 1 << width);
    }
    if (!fixed) this.writeUInt(BigInt(values.length), 1 << width);
    const addr = this.len;
    for (const v of values) this.store(v, width);
    if (type === T_VECTOR || type === T_MAP) {
      for (const v of values) this.push(this.packedType(v, width));
    }
    return { t: type, addr, child: width, ref: true };
  }

  key(k: string): Val {
    const pooled = this.keyPool.get(k);
    if (pooled !== undefined) return { t: T_KEY, addr: pooled };
    if (k.includes("\0"))
      throw new UnencodableValueError("FlexBuffer", `map key ${JSON.stringify(k)} contains NUL`);
    const addr = this.len;
    this.bytes(utf8Encode(k));
    this.push(0);
    this.keyPool.set(k, addr);
    return { t: T_KEY, addr };
  }

  string(s: string): Val {
    const b = utf8Encode(s);
    const width = widthU(b.length);
    this.align(width);
    this.writeUInt(BigInt(b.length), 1 << width);
    const addr = this.len;
    this.bytes(b);
    this.push(0);
    return { t: T_STRING, addr, child: width, ref: true };
  }

  value(v: JsonValue, depth: number): Val {
    if (depth > 512)
      throw new UnencodableValueError("FlexBuffer", "nesting deeper than 512 levels");
    if (v === null) return { t: T_NULL };
    switch (typeof v) {
      case "boolean":
        return { t: T_BOOL, v };
      case "number":
        return numberVal(v);
      case "bigint":
        if (v >= 0n && v <= U64_MAX) return { t: T_UINT, v };
        if (v < 0n && v >= I64_MIN) return { t: T_INT, v };
        throw new UnencodableValueError("FlexBuffer", `integer ${v} is outside the 64-bit range`);
      case "string":
        return this.string(v);
      case "object":
        if (Array.isArray(v)) {
          return this.storeVector(
            v.map((x) => this.value(x, depth + 1)),
            "vector",
          );
        }
        return this.map(v, depth);
      default:
        throw new UnencodableValueError("FlexBuffer", `unsupported value of type ${typeof v}`);
    }
  }

  map(obj: JsonObject, depth: number): Val {
    const entries = this.keyOrder === "sorted" ? sortedEntries(obj) : insertionEntries(obj);
    const pairs = entries.map(([k, x]) => {
      const key = this.key(k);
      return { kb: utf8Encode(k), key, val: this.value(x, depth + 1) };
    });
    pairs.sort((a, b) => compareBytes(a.kb, b.kb));
    for (let i = 1; i < pairs.length; i++) {
      if (compareBytes(pairs[i - 1]!.kb, pairs[i]!.kb) === 0) {
        throw new UnencodableValueError("FlexBuffer", "two map keys have the same UTF-8 bytes");
      }
    }
    const keys = this.storeVector(
      pairs.map((p) => p.key),
      "keys",
    );
    return this.storeVector(
      pairs.map((p) => p.val),
      "map",
      keys,
    );
  }

  finish(root: Val): Uint8Array {
    const w = this.widthInVector(root, this.len, 0);
    this.align(w);
    this.store(root, w);
    this.push(this.packedType(root, w));
    this.push(1 << w);
    return this.buf.slice(0, this.len);
  }
}

function numberVal(x: number): Val {
  if (!Number.isFinite(x))
    throw new UnencodableValueError("FlexBuffer", `${x} is not a finite number`);
  if (Number.isInteger(x) && !Object.is(x, -0)) {
    if (x >= 0 && x < 2 ** 64) return { t: T_UINT, v: BigInt(x) };
    if (x < 0 && x >= -(2 ** 63)) return { t: T_INT, v: BigInt(x) };
  }
  return { t: T_FLOAT, v: x };
}

/**
 * Encodes a JSON value as a FlexBuffer the way Rust's `flexbuffers::to_vec(&serde_json::Value)`
 * does: null → Null, boolean → Bool, non-negative integer → UInt, negative integer → Int (smallest
 * width; `bigint` accepted within the 64-bit range), other numbers → Float (32-bit only when
 * exact), string → String, array → typed or untyped vector, object → Map. Throws
 * `UnencodableValueError` for non-finite numbers, out-of-range bigints and keys containing NUL.
 */
export function encodeFlexbuffer(
  value: JsonValue,
  options: FlexbufferEncodeOptions = {},
): Uint8Array {
  const w = new Writer(options.keyOrder ?? "sorted");
  return w.finish(w.value(value, 0));
}
