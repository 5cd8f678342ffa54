/**
 * @module format/flexbuffers
 * FlexBuffers reader (this file) and writer (`flexbuffers-encode.ts`), written for the values
 * Icechunk stores inside its flatbuffers: V2 metadata values (`serde_json::Value` through the Rust
 * `flexbuffers` crate) and the `Repo.config` blob (a serde struct). The reader accepts every
 * FlexBuffer type and every width 1/2/4/8 at every level (including 64-bit containers that hold
 * offsets) and treats the input as untrusted: every read is bounds-checked, offsets must point
 * inside the buffer, nesting depth and the number of decoded values are capped, so corrupt input
 * raises `CorruptObjectError` instead of crashing, hanging or allocating unboundedly.
 */

import { CorruptObjectError } from "../errors.js";
import {
  type JsonObject,
  type JsonValue,
  normalizeInteger,
  setJsonProperty,
  utf8DecodeStrict,
} from "./json-value.js";

export { encodeFlexbuffer, type FlexbufferEncodeOptions } from "./flexbuffers-encode.js";
export type { JsonValue } from "./json-value.js";

/** FlexBuffer value types (the upper 6 bits of a packed type byte). */
export const FlexType = {
  Null: 0,
  Int: 1,
  UInt: 2,
  Float: 3,
  Key: 4,
  String: 5,
  IndirectInt: 6,
  IndirectUInt: 7,
  IndirectFloat: 8,
  Map: 9,
  Vector: 10,
  VectorInt: 11,
  VectorUInt: 12,
  VectorFloat: 13,
  VectorKey: 14,
  VectorStringDeprecated: 15,
  VectorInt2: 16,
  VectorUInt2: 17,
  VectorFloat2: 18,
  VectorInt3: 19,
  VectorUInt3: 20,
  VectorFloat3: 21,
  VectorInt4: 22,
  VectorUInt4: 23,
  VectorFloat4: 24,
  Blob: 25,
  Bool: 26,
  VectorBool: 36,
} as const;

/** Options of {@link decodeFlexbuffer}. */
export interface FlexbufferDecodeOptions {
  /** Names the object in error messages (e.g. `"Repo.config"`). */
  what?: string;
  /** Maximum nesting depth (default 512). */
  maxDepth?: number;
}

const DEFAULT_MAX_DEPTH = 512;

class Reader {
  readonly view: DataView;
  private budget: number;
  private readonly strings = new Map<number, string>();

  constructor(
    readonly bytes: Uint8Array,
    readonly what: string,
    readonly maxDepth: number,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    // Without shared sub-values (the Rust writer shares only keys) every decoded value occupies
    // its own slot of at least one byte, so this bounds the work on hostile DAG-shaped input.
    this.budget = bytes.length * 2 + 16;
  }

  fail(detail: string): never {
    throw new CorruptObjectError(this.what, `invalid FlexBuffer: ${detail}`);
  }

  check(pos: number, len: number): void {
    if (pos < 0 || len < 0 || pos + len > this.bytes.length) {
      this.fail(`read of ${len} bytes at ${pos} is outside the ${this.bytes.length}-byte buffer`);
    }
  }

  /** An unsigned integer used as a size or offset; must fit a safe JS number. */
  readSize(pos: number, width: number): number {
    this.check(pos, width);
    const v = this.view;
    switch (width) {
      case 1:
        return v.getUint8(pos);
      case 2:
        return v.getUint16(pos, true);
      case 4:
        return v.getUint32(pos, true);
      case 8: {
        const big = v.getBigUint64(pos, true);
        if (big > BigInt(this.bytes.length))
          this.fail(`size/offset ${big} at ${pos} exceeds the buffer`);
        return Number(big);
      }
      default:
        return this.fail(`invalid byte width ${width}`);
    }
  }

  readInt(pos: number, width: number): number | bigint {
    this.check(pos, width);
    const v = this.view;
    switch (width) {
      case 1:
        return v.getInt8(pos);
      case 2:
        return v.getInt16(pos, true);
      case 4:
        return v.getInt32(pos, true);
      case 8:
        return normalizeInteger(v.getBigInt64(pos, true));
      default:
        return this.fail(`invalid byte width ${width}`);
    }
  }

  readUInt(pos: number, width: number): number | bigint {
    if (width === 8) {
      this.check(pos, 8);
      return normalizeInteger(this.view.getBigUint64(pos, true));
    }
    return this.readSize(pos, width);
  }

  readFloat(pos: number, width: number): number {
    this.check(pos, width);
    if (width === 4) return this.view.getFloat32(pos, true);
    if (width === 8) return this.view.getFloat64(pos, true);
    return this.fail(`a float cannot be ${width} bytes wide`);
  }

  /** Follows the offset stored in the `width`-byte slot at `slot`. */
  deref(slot: number, width: number): number {
    const off = this.readSize(slot, width);
    const target = slot - off;
    if (target < 0 || target >= this.bytes.length)
      this.fail(`offset ${off} at ${slot} points outside the buffer`);
    return target;
  }

  spend(n: number): void {
    this.budget -= n;
    if (this.budget < 0)
      this.fail("more values than the buffer can hold (shared or cyclic offsets)");
  }

  key(pos: number): string {
    const cached = this.strings.get(pos);
    if (cached !== undefined) return cached;
    const end = this.bytes.indexOf(0, pos);
    if (end < 0) this.fail(`key at ${pos} has no NUL terminator`);
    return this.utf8(pos, end, pos);
  }

  sized(pos: number, width: number, kind: string): number {
    if (pos - width < 0) this.fail(`${kind} at ${pos} has no room for its length`);
    const len = this.readSize(pos - width, width);
    this.check(pos, len);
    return len;
  }

  string(pos: number, width: number): string {
    const cached = this.strings.get(pos);
    if (cached !== undefined) return cached;
    const len = this.sized(pos, width, "string");
    return this.utf8(pos, pos + len, pos);
  }

  utf8(start: number, end: number, cacheAt: number): string {
    const s = utf8DecodeStrict(this.bytes.subarray(start, end));
    if (s === undefined) this.fail(`string at ${start} is not valid UTF-8`);
    this.strings.set(cacheAt, s);
    return s;
  }

  /**
   * Decodes the value of type `type` (child width `childWidth`) whose slot, `slotWidth` bytes
   * wide, starts at `slot`.
   */
  value(
    slot: number,
    slotWidth: number,
    type: number,
    childWidth: number,
    depth: number,
  ): JsonValue {
    this.spend(1);
    if (depth > this.maxDepth) this.fail(`nesting deeper than ${this.maxDepth}`);
    switch (type) {
      case FlexType.Null:
        this.check(slot, slotWidth);
        return null;
      case FlexType.Bool: {
        const b = this.readUInt(slot, slotWidth);
        return b !== 0 && b !== 0n;
      }
      case FlexType.Int:
        return this.readInt(slot, slotWidth);
      case FlexType.UInt:
        return this.readUInt(slot, slotWidth);
      case FlexType.Float:
        return this.readFloat(slot, slotWidth);
    }
    const pos = this.deref(slot, slotWidth);
    switch (type) {
      case FlexType.IndirectInt:
        return this.readInt(pos, childWidth);
      case FlexType.IndirectUInt:
        return this.readUInt(pos, childWidth);
      case FlexType.IndirectFloat:
        return this.readFloat(pos, childWidth);
      case FlexType.Key:
        return this.key(pos);
      case FlexType.String:
        return this.string(pos, childWidth);
      case FlexType.Blob: {
        const len = this.sized(pos, childWidth, "blob");
        this.spend(len);
        return Array.from(this.bytes.subarray(pos, pos + len));
      }
      case FlexType.Map:
        return this.map(pos, childWidth, depth);
      case FlexType.Vector:
        return this.untypedVector(pos, childWidth, depth);
      case FlexType.VectorBool:
        return this.typedVector(
          pos,
          childWidth,
          FlexType.Bool,
          this.vectorLength(pos, childWidth),
          depth,
        );
    }
    if (type >= FlexType.VectorInt && type <= FlexType.VectorStringDeprecated) {
      const elem = type - FlexType.VectorInt + FlexType.Int;
      return this.typedVector(pos, childWidth, elem, this.vectorLength(pos, childWidth), depth);
    }
    if (type >= FlexType.VectorInt2 && type <= FlexType.VectorFloat4) {
      const k = type - FlexType.VectorInt2;
      const elem = (k % 3) + FlexType.Int;
      const len = Math.floor(k / 3) + 2;
      return this.typedVector(pos, childWidth, elem, len, depth);
    }
    return this.fail(`unknown value type ${type}`);
  }

  vectorLength(pos: number, width: number): number {
    if (pos - width < 0) this.fail(`vector at ${pos} has no room for its length`);
    const len = this.readSize(pos - width, width);
    // Each element needs `width` bytes: check before allocating anything.
    if (len > (this.bytes.length - pos) / width)
      this.fail(`vector length ${len} at ${pos} exceeds the buffer`);
    return len;
  }

  typedVector(
    pos: number,
    width: number,
    elemType: number,
    len: number,
    depth: number,
  ): JsonValue[] {
    this.check(pos, len * width);
    this.spend(len);
    const out: JsonValue[] = new Array(len);
    for (let i = 0; i < len; i++) {
      // Elements of typed vectors have the vector's width, also as the child width of
      // (deprecated) string elements, as the Rust reader does.
      out[i] = this.value(pos + i * width, width, elemType, width, depth + 1);
    }
    return out;
  }

  elementType(pos: number, width: number, len: number, i: number): [number, number] {
    const packed = this.bytes[pos + len * width + i];
    if (packed === undefined)
      this.fail(`type byte of element ${i} of the vector at ${pos} is missing`);
    return [packed >> 2, 1 << (packed & 3)];
  }

  untypedVector(pos: number, width: number, depth: number): JsonValue[] {
    const len = this.vectorLength(pos, width);
    this.check(pos, len * width + len);
    this.spend(len);
    const out: JsonValue[] = new Array(len);
    for (let i = 0; i < len; i++) {
      const [t, w] = this.elementType(pos, width, len, i);
      out[i] = this.value(pos + i * width, width, t, w, depth + 1);
    }
    return out;
  }

  map(pos: number, width: number, depth: number): JsonObject {
    const len = this.vectorLength(pos, width);
    this.check(pos, len * width + len);
    if (pos - 3 * width < 0) this.fail(`map at ${pos} has no room for its keys prefix`);
    const keysPos = this.deref(pos - 3 * width, width);
    const keyWidth = this.readSize(pos - 2 * width, width);
    if (keyWidth !== 1 && keyWidth !== 2 && keyWidth !== 4 && keyWidth !== 8) {
      this.fail(`map at ${pos} has an invalid key width ${keyWidth}`);
    }
    const keysLen = this.vectorLength(keysPos, keyWidth);
    if (keysLen !== len) this.fail(`map at ${pos} has ${len} values but ${keysLen} keys`);
    this.check(keysPos, len * keyWidth);
    this.spend(len);
    const out: JsonObject = {};
    for (let i = 0; i < len; i++) {
      const key = this.key(this.deref(keysPos + i * keyWidth, keyWidth));
      const [t, w] = this.elementType(pos, width, len, i);
      setJsonProperty(out, key, this.value(pos + i * width, width, t, w, depth + 1));
    }
    return out;
  }
}

/**
 * Decodes a FlexBuffer into a JSON value: Null → null, Bool → boolean, Int/UInt (direct or
 * indirect) → number, or bigint beyond ±2^53, Float → number, Key/String → string, Map → object,
 * any vector → array, Blob → array of byte values. Throws `CorruptObjectError` on malformed input.
 */
export function decodeFlexbuffer(
  bytes: Uint8Array,
  options: FlexbufferDecodeOptions = {},
): JsonValue {
  const r = new Reader(
    bytes,
    options.what ?? "FlexBuffer value",
    options.maxDepth ?? DEFAULT_MAX_DEPTH,
  );
  if (bytes.length < 3) r.fail(`${bytes.length} bytes is too short`);
  const rootWidth = bytes[bytes.length - 1]!;
  if (rootWidth !== 1 && rootWidth !== 2 && rootWidth !== 4 && rootWidth !== 8) {
    r.fail(`invalid root width ${rootWidth}`);
  }
  const packed = bytes[bytes.length - 2]!;
  const slot = bytes.length - 2 - rootWidth;
  if (slot < 0) r.fail("buffer too short for its root value");
  // Inline scalars are read with the slot width, as the C++ reader does.
  return r.value(slot, rootWidth, packed >> 2, 1 << (packed & 3), 0);
}
