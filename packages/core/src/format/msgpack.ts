/**
 * @module format/msgpack
 * MessagePack codec for spec-1 snapshot metadata values (`rmp_serde::to_vec(&serde_json::Value)`).
 * The decoder accepts every MessagePack format except ext/timestamp, checks every length against
 * the bytes that remain before allocating, caps the nesting depth and rejects trailing bytes, so
 * corrupt input raises `CorruptObjectError`. The encoder picks the smallest format like `rmp`
 * (positive/negative fixint, (u)int 8–64, fixstr/str8–32, fixarray/array16/32, fixmap/map16/32)
 * and writes non-integers as float64.
 */

import { CorruptObjectError } from "../errors.js";
import {
  type JsonObject,
  type JsonValue,
  normalizeInteger,
  setJsonProperty,
  sortedEntries,
  UnencodableValueError,
  utf8DecodeStrict,
  utf8Encode,
} from "./json-value.js";

/** Options of {@link decodeMsgpack}. */
export interface MsgpackDecodeOptions {
  /** Names the object in error messages. */
  what?: string;
  /** Maximum nesting depth (default 512). */
  maxDepth?: number;
}

class Decoder {
  pos = 0;
  private readonly view: DataView;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly what: string,
    private readonly maxDepth: number,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  fail(detail: string): never {
    throw new CorruptObjectError(this.what, `invalid MessagePack: ${detail}`);
  }

  need(n: number): number {
    const at = this.pos;
    if (n > this.bytes.length - at)
      this.fail(`needs ${n} bytes at offset ${at}, only ${this.bytes.length - at} left`);
    this.pos += n;
    return at;
  }

  u8(): number {
    return this.view.getUint8(this.need(1));
  }
  u16(): number {
    return this.view.getUint16(this.need(2));
  }
  u32(): number {
    return this.view.getUint32(this.need(4));
  }

  str(len: number): string {
    const at = this.need(len);
    const s = utf8DecodeStrict(this.bytes.subarray(at, at + len));
    if (s === undefined) this.fail(`string at offset ${at} is not valid UTF-8`);
    return s;
  }

  bin(len: number): number[] {
    const at = this.need(len);
    return Array.from(this.bytes.subarray(at, at + len));
  }

  array(len: number, depth: number): JsonValue[] {
    // Every element takes at least one byte: reject impossible lengths before allocating.
    if (len > this.bytes.length - this.pos)
      this.fail(`array length ${len} exceeds the remaining bytes`);
    const out: JsonValue[] = new Array(len);
    for (let i = 0; i < len; i++) out[i] = this.value(depth + 1);
    return out;
  }

  map(len: number, depth: number): JsonObject {
    if (len * 2 > this.bytes.length - this.pos)
      this.fail(`map length ${len} exceeds the remaining bytes`);
    const out: JsonObject = {};
    for (let i = 0; i < len; i++) {
      const keyAt = this.pos;
      const key = this.value(depth + 1);
      if (typeof key !== "string") this.fail(`map key at offset ${keyAt} is not a string`);
      setJsonProperty(out, key, this.value(depth + 1));
    }
    return out;
  }

  value(depth: number): JsonValue {
    if (depth > this.maxDepth) this.fail(`nesting deeper than ${this.maxDepth}`);
    const at = this.pos;
    const b = this.u8();
    if (b <= 0x7f) return b;
    if (b >= 0xe0) return b - 0x100;
    if (b >= 0x80 && b <= 0x8f) return this.map(b & 0x0f, depth);
    if (b >= 0x90 && b <= 0x9f) return this.array(b & 0x0f, depth);
    if (b >= 0xa0 && b <= 0xbf) return this.str(b & 0x1f);
    const v = this.view;
    switch (b) {
      case 0xc0:
        return null;
      case 0xc2:
        return false;
      case 0xc3:
        return true;
      case 0xc4:
        return this.bin(this.u8());
      case 0xc5:
        return this.bin(this.u16());
      case 0xc6:
        return this.bin(this.u32());
      case 0xca:
        return v.getFloat32(this.need(4));
      case 0xcb:
        return v.getFloat64(this.need(8));
      case 0xcc:
        return this.u8();
      case 0xcd:
        return this.u16();
      case 0xce:
        return this.u32();
      case 0xcf:
        return normalizeInteger(v.getBigUint64(this.need(8)));
      case 0xd0:
        return v.getInt8(this.need(1));
      case 0xd1:
        return v.getInt16(this.need(2));
      case 0xd2:
        return v.getInt32(this.need(4));
      case 0xd3:
        return normalizeInteger(v.getBigInt64(this.need(8)));
      case 0xd9:
        return this.str(this.u8());
      case 0xda:
        return this.str(this.u16());
      case 0xdb:
        return this.str(this.u32());
      case 0xdc:
        return this.array(this.u16(), depth);
      case 0xdd:
        return this.array(this.u32(), depth);
      case 0xde:
        return this.map(this.u16(), depth);
      case 0xdf:
        return this.map(this.u32(), depth);
    }
    if (b === 0xc1) this.fail(`reserved byte 0xc1 at offset ${at}`);
    return this.fail(`extension type 0x${b.toString(16)} at offset ${at} is not a JSON value`);
  }
}

/**
 * Decodes one MessagePack value into a JSON value (integers beyond ±2^53 as `bigint`, bin as an
 * array of byte values). Throws `CorruptObjectError` on malformed input, ext types, non-string map
 * keys or trailing bytes.
 */
export function decodeMsgpack(bytes: Uint8Array, options: MsgpackDecodeOptions = {}): JsonValue {
  const d = new Decoder(bytes, options.what ?? "MessagePack value", options.maxDepth ?? 512);
  const value = d.value(0);
  if (d.pos !== bytes.length) d.fail(`${bytes.length - d.pos} trailing bytes after the value`);
  return value;
}

class Encoder {
  buf = new Uint8Array(64);
  len = 0;
  private view = new DataView(this.buf.buffer);

  reserve(n: number): number {
    if (this.len + n > this.buf.length) {
      let cap = this.buf.length * 2;
      while (cap < this.len + n) cap *= 2;
      const next = new Uint8Array(cap);
      next.set(this.buf.subarray(0, this.len));
      this.buf = next;
      this.view = new DataView(next.buffer);
    }
    const at = this.len;
    this.len += n;
    return at;
  }

  byte(b: number): void {
    const at = this.reserve(1);
    this.buf[at] = b;
  }

  head(tag: number, n: number, size: 1 | 2 | 4 | 8): void {
    this.byte(tag);
    const at = this.reserve(size);
    if (size === 1) this.view.setUint8(at, n);
    else if (size === 2) this.view.setUint16(at, n);
    else if (size === 4) this.view.setUint32(at, n);
    else this.view.setFloat64(at, n);
  }

  uint(x: bigint): void {
    if (x <= 0x7fn) this.byte(Number(x));
    else if (x <= 0xffn) this.head(0xcc, Number(x), 1);
    else if (x <= 0xffffn) this.head(0xcd, Number(x), 2);
    else if (x <= 0xffffffffn) this.head(0xce, Number(x), 4);
    else {
      this.byte(0xcf);
      {
        const at = this.reserve(8);
        this.view.setBigUint64(at, x);
      }
    }
  }

  int(x: bigint): void {
    if (x >= -32n) {
      this.byte(Number(x) & 0xff);
      return;
    }
    if (x >= -0x80n) {
      this.byte(0xd0);
      {
        const at = this.reserve(1);
        this.view.setInt8(at, Number(x));
      }
    } else if (x >= -0x8000n) {
      this.byte(0xd1);
      {
        const at = this.reserve(2);
        this.view.setInt16(at, Number(x));
      }
    } else if (x >= -0x80000000n) {
      this.byte(0xd2);
      {
        const at = this.reserve(4);
        this.view.setInt32(at, Number(x));
      }
    } else {
      this.byte(0xd3);
      const at = this.reserve(8);
      this.view.setBigInt64(at, x);
    }
  }

  length(
    n: number,
    fix: number,
    fixMax: number,
    t8: number | undefined,
    t16: number,
    t32: number,
  ): void {
    if (n <= fixMax) this.byte(fix | n);
    else if (t8 !== undefined && n <= 0xff) this.head(t8, n, 1);
    else if (n <= 0xffff) this.head(t16, n, 2);
    else if (n <= 0xffffffff) this.head(t32, n, 4);
    else throw new UnencodableValueError("MessagePack", `length ${n} exceeds 2^32 - 1`);
  }

  value(v: JsonValue, depth: number): void {
    if (depth > 512)
      throw new UnencodableValueError("MessagePack", "nesting deeper than 512 levels");
    if (v === null) {
      this.byte(0xc0);
      return;
    }
    switch (typeof v) {
      case "boolean":
        this.byte(v ? 0xc3 : 0xc2);
        return;
      case "number":
        if (!Number.isFinite(v))
          throw new UnencodableValueError("MessagePack", `${v} is not a finite number`);
        if (Number.isInteger(v) && !Object.is(v, -0)) {
          if (v >= 0 && v < 2 ** 64) {
            this.uint(BigInt(v));
            return;
          }
          if (v < 0 && v >= -(2 ** 63)) {
            this.int(BigInt(v));
            return;
          }
        }
        this.head(0xcb, v, 8);
        return;
      case "bigint":
        if (v >= 0n && v < 1n << 64n) {
          this.uint(v);
          return;
        }
        if (v < 0n && v >= -(1n << 63n)) {
          this.int(v);
          return;
        }
        throw new UnencodableValueError("MessagePack", `integer ${v} is outside the 64-bit range`);
      case "string": {
        const b = utf8Encode(v);
        this.length(b.length, 0xa0, 31, 0xd9, 0xda, 0xdb);
        const at = this.reserve(b.length);
        this.buf.set(b, at);
        return;
      }
      case "object":
        if (Array.isArray(v)) {
          this.length(v.length, 0x90, 15, undefined, 0xdc, 0xdd);
          for (const x of v) this.value(x, depth + 1);
          return;
        }
        {
          const entries = sortedEntries(v);
          this.length(entries.length, 0x80, 15, undefined, 0xde, 0xdf);
          for (const [k, x] of entries) {
            this.value(k, depth + 1);
            this.value(x, depth + 1);
          }
        }
        return;
      default:
        throw new UnencodableValueError("MessagePack", `unsupported value of type ${typeof v}`);
    }
  }
}

/**
 * Encodes a JSON value as MessagePack like `rmp_serde::to_vec(&serde_json::Value)`: smallest
 * integer format, float64 for other numbers, map keys in UTF-8 byte order (BTreeMap order).
 */
export function encodeMsgpack(value: JsonValue): Uint8Array {
  const e = new Encoder();
  e.value(value, 0);
  return e.buf.slice(0, e.len);
}
