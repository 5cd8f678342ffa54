/**
 * @module format/flatbuffers/reader
 * A minimal, bounds-checked flatbuffers reader over a `DataView`. Tables, vectors and strings
 * are addressed by absolute byte positions (plain numbers), so lookups allocate nothing. Every
 * offset is validated before use: malformed input raises `CorruptObjectError`, never a crash,
 * hang or huge allocation. Position 0 means "absent" (no valid table, vector or string lives at 0,
 * where the root offset is).
 */

import { CorruptObjectError } from "../../errors.js";

const utf8 = new TextDecoder("utf-8", { fatal: true });
const TWO_32 = 2 ** 32;
const MAX_SAFE_HIGH = Math.floor(Number.MAX_SAFE_INTEGER / TWO_32);

/** Options of {@link FlatBufferReader}. */
export interface FlatBufferReaderOptions {
  /** What the buffer holds, e.g. "snapshot"; used in error messages. */
  what: string;
  /** Object key, for error messages. */
  path?: string;
}

/** Bounds-checked accessors over one flatbuffer. */
export class FlatBufferReader {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  readonly what: string;
  readonly path: string | undefined;
  private readonly length: number;

  constructor(bytes: Uint8Array, options: FlatBufferReaderOptions) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.length = bytes.byteLength;
    this.what = options.what;
    this.path = options.path;
  }

  /** Throws the CorruptObjectError of this buffer. */
  fail(detail: string): never {
    throw new CorruptObjectError(this.what, detail, { path: this.path });
  }

  private need(pos: number, size: number): void {
    if (pos < 0 || pos + size > this.length)
      this.fail(`offset ${pos}+${size} is outside the ${this.length}-byte buffer`);
  }

  /** Position of the root table. */
  root(): number {
    this.need(0, 8);
    return this.checkTable(this.view.getUint32(0, true), "root");
  }

  /** Validates that `pos` starts a table with an in-bounds vtable; returns `pos`. */
  checkTable(pos: number, what = "table"): number {
    if (pos < 4 || pos + 4 > this.length) this.fail(`${what} offset ${pos} is out of bounds`);
    const vt = pos - this.view.getInt32(pos, true);
    if (vt < 0 || vt + 4 > this.length) this.fail(`${what} has a vtable offset out of bounds`);
    const vtLen = this.view.getUint16(vt, true);
    const tableLen = this.view.getUint16(vt + 2, true);
    if (vtLen < 4 || vtLen % 2 !== 0 || vt + vtLen > this.length)
      this.fail(`${what} has an invalid vtable`);
    if (tableLen < 4 || pos + tableLen > this.length) this.fail(`${what} has an invalid size`);
    return pos;
  }

  /** Absolute position of field `slot` of `table` holding `size` bytes, or 0 when absent. */
  field(table: number, slot: number, size: number): number {
    const view = this.view;
    const vt = table - view.getInt32(table, true);
    const entry = 4 + 2 * slot;
    if (entry >= view.getUint16(vt, true)) return 0;
    const off = view.getUint16(vt + entry, true);
    if (off === 0) return 0;
    if (off < 4 || off + size > view.getUint16(vt + 2, true))
      this.fail(`field ${slot} lies outside its table`);
    return table + off;
  }

  /** True when field `slot` is present. */
  has(table: number, slot: number): boolean {
    return this.field(table, slot, 0) !== 0;
  }

  u8(table: number, slot: number, dflt: number): number {
    const p = this.field(table, slot, 1);
    return p === 0 ? dflt : this.view.getUint8(p);
  }
  u16(table: number, slot: number, dflt: number): number {
    const p = this.field(table, slot, 2);
    return p === 0 ? dflt : this.view.getUint16(p, true);
  }
  u32(table: number, slot: number, dflt: number): number {
    const p = this.field(table, slot, 4);
    return p === 0 ? dflt : this.view.getUint32(p, true);
  }
  i32(table: number, slot: number, dflt: number): number {
    const p = this.field(table, slot, 4);
    return p === 0 ? dflt : this.view.getInt32(p, true);
  }
  bool(table: number, slot: number, dflt: boolean): boolean {
    const p = this.field(table, slot, 1);
    return p === 0 ? dflt : this.view.getUint8(p) !== 0;
  }
  /** A u64 field as a JS number; values above `Number.MAX_SAFE_INTEGER` are corrupt. */
  u64(table: number, slot: number, dflt: number): number {
    const p = this.field(table, slot, 8);
    return p === 0 ? dflt : this.u64At(p);
  }

  /** Reads a u64 at an absolute position (caller checked bounds). */
  u64At(pos: number): number {
    const high = this.view.getUint32(pos + 4, true);
    if (high > MAX_SAFE_HIGH) this.fail(`a 64-bit value at ${pos} exceeds Number.MAX_SAFE_INTEGER`);
    return high * TWO_32 + this.view.getUint32(pos, true);
  }

  /** Position of an inline struct field of `size` bytes, or 0. */
  struct(table: number, slot: number, size: number): number {
    return this.field(table, slot, size);
  }

  /** Follows the uoffset at `pos` (bounds-checked). */
  deref(pos: number): number {
    this.need(pos, 4);
    const target = pos + this.view.getUint32(pos, true);
    if (target >= this.length) this.fail(`offset at ${pos} points outside the buffer`);
    return target;
  }

  /** Position of the sub-table in field `slot`, or 0. */
  table(table: number, slot: number): number {
    const p = this.field(table, slot, 4);
    return p === 0 ? 0 : this.checkTable(this.deref(p));
  }

  /** Position of the vector in field `slot` (pointing at its length) or 0; checks elements fit. */
  vector(table: number, slot: number, elemSize: number): number {
    const p = this.field(table, slot, 4);
    return p === 0 ? 0 : this.checkVector(this.deref(p), elemSize);
  }

  /** Validates a vector at `pos` whose elements are `elemSize` bytes each; returns `pos`. */
  checkVector(pos: number, elemSize: number): number {
    this.need(pos, 4);
    const n = this.view.getUint32(pos, true);
    if (n * elemSize > this.length - pos - 4)
      this.fail(`vector at ${pos} claims ${n} elements, more than the buffer holds`);
    return pos;
  }

  /** Number of elements of a (validated) vector; 0 for an absent vector. */
  vectorLength(vec: number): number {
    return vec === 0 ? 0 : this.view.getUint32(vec, true);
  }

  /** Table element `i` of a (validated) vector of tables. */
  vectorTable(vec: number, i: number): number {
    return this.checkTable(this.deref(vec + 4 + 4 * i));
  }

  /** String element `i` of a vector of strings. */
  vectorString(vec: number, i: number): string {
    return this.decodeString(this.deref(vec + 4 + 4 * i));
  }

  /** Bytes of a vector of bytes as a view (no copy); `undefined` when absent. */
  bytesField(table: number, slot: number): Uint8Array | undefined {
    const vec = this.vector(table, slot, 1);
    return vec === 0
      ? undefined
      : this.bytes.subarray(vec + 4, vec + 4 + this.view.getUint32(vec, true));
  }

  /** Position of a string field (its length prefix) or 0; checks the bytes fit. */
  stringPos(table: number, slot: number): number {
    return this.vector(table, slot, 1);
  }

  /** Raw UTF-8 bytes of the string at `pos` (a view). */
  stringBytesAt(pos: number): Uint8Array {
    this.checkVector(pos, 1);
    return this.bytes.subarray(pos + 4, pos + 4 + this.view.getUint32(pos, true));
  }

  /** Compares the bytes of the string at `pos` with `key` (byte order), without allocating. */
  compareStringAt(pos: number, key: Uint8Array): number {
    this.checkVector(pos, 1);
    const n = this.view.getUint32(pos, true);
    const m = Math.min(n, key.length);
    const bytes = this.bytes;
    for (let i = 0; i < m; i++) {
      const d = bytes[pos + 4 + i] - key[i];
      if (d !== 0) return d;
    }
    return n - key.length;
  }

  /** Decodes the string at `pos`, rejecting invalid UTF-8. */
  decodeString(pos: number): string {
    try {
      return utf8.decode(this.stringBytesAt(pos));
    } catch (err) {
      if (err instanceof CorruptObjectError) throw err;
      return this.fail(`string at ${pos} is not valid UTF-8`);
    }
  }

  /** A string field, or `undefined` when absent. */
  string(table: number, slot: number): string | undefined {
    const pos = this.stringPos(table, slot);
    return pos === 0 ? undefined : this.decodeString(pos);
  }

  /** A required string field. */
  requiredString(table: number, slot: number, name: string): string {
    const s = this.string(table, slot);
    return s === undefined ? this.fail(`required field '${name}' is missing`) : s;
  }

  /** A required field position (table, vector or struct); fails when absent. */
  required(pos: number, name: string): number {
    return pos === 0 ? this.fail(`required field '${name}' is missing`) : pos;
  }

  /** Checks that `size` bytes at `pos` lie inside the buffer (for callers reading `bytes` directly). */
  checkRange(pos: number, size: number): number {
    this.need(pos, size);
    return pos;
  }

  /** Copy of `size` bytes at `pos`. */
  bytesAt(pos: number, size: number): Uint8Array {
    this.need(pos, size);
    return this.bytes.slice(pos, pos + size);
  }
}
