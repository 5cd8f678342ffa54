/**
 * @module format/flatbuffers/builder
 * A minimal flatbuffers builder: builds back to front, aligns every scalar, vector and table
 * relative to the end of the buffer (so the finished buffer is aligned from its start),
 * de-duplicates vtables and omits scalar fields equal to their schema default, like the Rust
 * builder. Offsets returned by the builder count bytes from the end of the buffer.
 */

const utf8 = new TextEncoder();

/** Offset of a finished table, vector or string inside the builder. */
export type Offset = number;

/** Back-to-front flatbuffer builder. */
export class FlatBufferBuilder {
  private buf: Uint8Array;
  private view: DataView;
  private space: number;
  private minAlign = 1;
  /** Field offsets of the open table (reused between tables to avoid garbage). */
  private readonly vtable: number[] = [];
  private inTable = false;
  private vtableInUse = 0;
  private objectEnd = 0;
  private readonly vtables: number[] = [];
  private readonly shared = new Map<string, Offset>();

  constructor(initialSize = 1024) {
    this.buf = new Uint8Array(Math.max(initialSize, 16));
    this.view = new DataView(this.buf.buffer);
    this.space = this.buf.length;
  }

  /** Bytes written so far (= the offset of the next object). */
  offset(): Offset {
    return this.buf.length - this.space;
  }

  private grow(needed: number): void {
    let size = this.buf.length;
    while (size - this.offset() < needed) size *= 2;
    const next = new Uint8Array(size);
    const used = this.offset();
    next.set(this.buf.subarray(this.space), size - used);
    this.buf = next;
    this.view = new DataView(next.buffer);
    this.space = size - used;
  }

  /** Pads so that after `additional` bytes the next `size`-byte value is aligned. */
  prep(size: number, additional: number): void {
    if (size > this.minAlign) this.minAlign = size;
    const alignSize = (-(this.offset() + additional) & (size - 1)) >>> 0;
    if (this.space < alignSize + size + additional) this.grow(alignSize + size + additional);
    for (let i = 0; i < alignSize; i++) this.buf[--this.space] = 0;
  }

  addU8(v: number): void {
    this.prep(1, 0);
    this.buf[--this.space] = v;
  }
  addU16(v: number): void {
    if (!Number.isInteger(v) || v < 0 || v > 0xffff)
      throw new RangeError(`flatbuffers: u16 value ${v} is out of range`);
    this.prep(2, 0);
    this.space -= 2;
    this.view.setUint16(this.space, v, true);
  }
  addU32(v: number): void {
    // never wrap (a chunk index of -1 must not become 4294967295 in a manifest or transaction log)
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff)
      throw new RangeError(`flatbuffers: u32 value ${v} is out of range`);
    this.prep(4, 0);
    this.space -= 4;
    this.view.setUint32(this.space, v, true);
  }
  addI32(v: number): void {
    this.prep(4, 0);
    this.space -= 4;
    this.view.setInt32(this.space, v, true);
  }
  /** A u64 given as a non-negative safe integer (RangeError otherwise: a caller bug). */
  addU64(v: number): void {
    if (!Number.isSafeInteger(v) || v < 0)
      throw new RangeError(`flatbuffers: u64 value ${v} is not a non-negative safe integer`);
    this.prep(8, 0);
    this.space -= 8;
    this.view.setUint32(this.space, v % 2 ** 32, true);
    this.view.setUint32(this.space + 4, Math.floor(v / 2 ** 32), true);
  }
  /** Raw bytes with no alignment (for byte structs such as ObjectId12). */
  addRaw(bytes: Uint8Array): void {
    if (this.space < bytes.length) this.grow(bytes.length);
    this.space -= bytes.length;
    this.buf.set(bytes, this.space);
  }
  /** A uoffset pointing at `target`. */
  addOffset(target: Offset): void {
    this.prep(4, 0);
    this.addI32(this.offset() - target + 4);
  }
  /** Zero padding. */
  pad(n: number): void {
    for (let i = 0; i < n; i++) this.addU8(0);
  }

  /** Starts a table with `numFields` slots. */
  startTable(numFields: number): void {
    if (this.inTable) throw new Error("flatbuffers: nested table construction");
    for (let i = 0; i < numFields; i++) this.vtable[i] = 0;
    this.inTable = true;
    this.vtableInUse = numFields;
    this.objectEnd = this.offset();
  }

  private slot(slot: number): void {
    if (!this.inTable || slot >= this.vtableInUse)
      throw new Error("flatbuffers: field outside a table");
    this.vtable[slot] = this.offset();
  }

  fieldU8(slot: number, v: number, dflt: number | null): void {
    if (v === dflt) return;
    this.addU8(v);
    this.slot(slot);
  }
  fieldBool(slot: number, v: boolean, dflt: boolean | null): void {
    if (v === dflt) return;
    this.addU8(v ? 1 : 0);
    this.slot(slot);
  }
  fieldU16(slot: number, v: number, dflt: number | null): void {
    if (v === dflt) return;
    this.addU16(v);
    this.slot(slot);
  }
  fieldU32(slot: number, v: number, dflt: number | null): void {
    if (v === dflt) return;
    this.addU32(v);
    this.slot(slot);
  }
  fieldI32(slot: number, v: number, dflt: number | null): void {
    if (v === dflt) return;
    this.addI32(v);
    this.slot(slot);
  }
  fieldU64(slot: number, v: number, dflt: number | null): void {
    if (v === dflt) return;
    this.addU64(v);
    this.slot(slot);
  }
  /** An offset field (table, vector or string); skipped when `target` is undefined. */
  fieldOffset(slot: number, target: Offset | undefined): void {
    if (target === undefined) return;
    this.addOffset(target);
    this.slot(slot);
  }
  /** An inline struct of raw bytes (alignment `align`). */
  fieldStruct(slot: number, bytes: Uint8Array | undefined, align = 1): void {
    if (bytes === undefined) return;
    this.prep(align, bytes.length);
    this.addRaw(bytes);
    this.slot(slot);
  }

  /** Ends the table and writes (or reuses) its vtable. */
  endTable(): Offset {
    const vtable = this.vtable;
    if (!this.inTable) throw new Error("flatbuffers: endTable without startTable");
    this.addI32(0);
    const objectOffset = this.offset();
    let n = this.vtableInUse;
    while (n > 0 && vtable[n - 1] === 0) n--;
    // Turn recorded field positions into offsets from the table start, in place.
    for (let i = 0; i < n; i++) vtable[i] = vtable[i] === 0 ? 0 : objectOffset - vtable[i];
    const entries = vtable;
    const vtLen = 4 + 2 * n;
    const objLen = objectOffset - this.objectEnd;
    let existing = 0;
    outer: for (const candidate of this.vtables) {
      const pos = this.buf.length - candidate;
      if (this.view.getUint16(pos, true) !== vtLen || this.view.getUint16(pos + 2, true) !== objLen)
        continue;
      for (let i = 0; i < n; i++) {
        if (this.view.getUint16(pos + 4 + 2 * i, true) !== entries[i]) continue outer;
      }
      existing = candidate;
      break;
    }
    if (existing !== 0) {
      this.view.setInt32(this.buf.length - objectOffset, existing - objectOffset, true);
    } else {
      for (let i = n - 1; i >= 0; i--) this.addU16(entries[i]);
      this.addU16(objLen);
      this.addU16(vtLen);
      const vtOffset = this.offset();
      this.vtables.push(vtOffset);
      this.view.setInt32(this.buf.length - objectOffset, vtOffset - objectOffset, true);
    }
    this.inTable = false;
    return objectOffset;
  }

  /** Starts a vector of `count` elements of `elemSize` bytes aligned to `align`; push in reverse. */
  startVector(elemSize: number, count: number, align: number): void {
    if (this.inTable) throw new Error("flatbuffers: vector inside a table");
    this.prep(4, elemSize * count);
    this.prep(align, elemSize * count);
  }
  /** Ends a vector started with {@link startVector}. */
  endVector(count: number): Offset {
    this.prep(4, 0);
    this.space -= 4;
    this.view.setUint32(this.space, count, true);
    return this.offset();
  }

  /** A vector of offsets (tables or strings), in the given order. */
  createOffsetVector(offsets: readonly Offset[]): Offset {
    this.startVector(4, offsets.length, 4);
    for (let i = offsets.length - 1; i >= 0; i--) this.addOffset(offsets[i]);
    return this.endVector(offsets.length);
  }
  /** A `[ubyte]` vector. */
  createBytes(bytes: Uint8Array): Offset {
    this.startVector(1, bytes.length, 1);
    this.addRaw(bytes);
    return this.endVector(bytes.length);
  }
  /** A `[uint32]` vector. */
  createU32Vector(values: readonly number[]): Offset {
    this.startVector(4, values.length, 4);
    for (let i = values.length - 1; i >= 0; i--) this.addU32(values[i]);
    return this.endVector(values.length);
  }
  /** A `[uint16]` vector. */
  createU16Vector(values: readonly number[]): Offset {
    this.startVector(2, values.length, 2);
    for (let i = values.length - 1; i >= 0; i--) this.addU16(values[i]);
    return this.endVector(values.length);
  }
  /** A vector of fixed-size structs given as raw bytes each (`size` bytes, alignment `align`). */
  createStructVector(structs: readonly Uint8Array[], size: number, align: number): Offset {
    this.startVector(size, structs.length, align);
    for (let i = structs.length - 1; i >= 0; i--) this.addRaw(structs[i]);
    return this.endVector(structs.length);
  }
  /** A NUL-terminated UTF-8 string. */
  createString(s: string): Offset {
    const bytes = utf8.encode(s);
    this.prep(4, bytes.length + 1);
    this.addU8(0);
    this.addRaw(bytes);
    return this.endVector(bytes.length);
  }
  /** A string written once per distinct value (Rust `create_shared_string`). */
  createSharedString(s: string): Offset {
    const found = this.shared.get(s);
    if (found !== undefined) return found;
    const off = this.createString(s);
    this.shared.set(s, off);
    return off;
  }

  /** Finishes the buffer with `root` and a 4-character file identifier; returns the bytes. */
  finish(root: Offset, identifier?: string): Uint8Array {
    const idLen = identifier === undefined ? 0 : 4;
    this.prep(this.minAlign, 4 + idLen);
    if (identifier !== undefined) {
      if (identifier.length !== 4) throw new Error("flatbuffers: identifier must be 4 characters");
      for (let i = 3; i >= 0; i--) this.addU8(identifier.charCodeAt(i));
    }
    this.addOffset(root);
    return this.buf.slice(this.space);
  }
}
