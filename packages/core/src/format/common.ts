/**
 * @module format/common
 * Pieces shared by the snapshot, manifest, transaction-log and repo-info codecs: object-id
 * structs, byte comparison, and `MetadataItem` maps (icechunk-format.md §2.1, Appendix A.1) whose
 * values are MessagePack in spec-1 files and FlexBuffers in spec-2 files and in the repo info.
 */

import { CorruptObjectError, isIcechunkError } from "../errors.js";
import { encodeBase32At } from "./base32.js";
import { NODE_ID_LENGTH, OBJECT_ID_LENGTH } from "./constants.js";
import type { FlatBufferBuilder, Offset } from "./flatbuffers/builder.js";
import type { FlatBufferReader } from "./flatbuffers/reader.js";
import { decodeFlexbuffer, encodeFlexbuffer } from "./flexbuffers.js";
import { idToBytes, type NodeId, type ObjectId } from "./ids.js";
import type { JsonObject, JsonValue } from "./json-value.js";
import { decodeMsgpack, encodeMsgpack } from "./msgpack.js";

export type { JsonObject } from "./json-value.js";

/** Which encoding metadata values use. */
export type MetadataEncoding = "msgpack" | "flexbuffers";

/** Compares byte strings lexicographically (shorter prefix first). */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a[i] !== b[i]) return a[i] - b[i];
  }
  return a.length - b.length;
}

const utf8 = new TextEncoder();

/** Compares strings by their UTF-8 bytes (differs from JS `<` for astral vs. BMP characters). */
export function compareUtf8(a: string, b: string): number {
  return compareBytes(utf8.encode(a), utf8.encode(b));
}

/** Sorts a copy of `items` by the UTF-8 bytes of `key(item)`. */
export function sortByUtf8<T>(items: readonly T[], key: (item: T) => string): T[] {
  const keyed = items.map((item) => ({ item, k: utf8.encode(key(item)) }));
  keyed.sort((x, y) => compareBytes(x.k, y.k));
  return keyed.map((x) => x.item);
}

/** Reads a 12-byte id struct at `pos`. */
export function readId12<T extends ObjectId>(r: FlatBufferReader, pos: number): T {
  return encodeBase32At(r.bytes, r.checkRange(pos, OBJECT_ID_LENGTH), OBJECT_ID_LENGTH) as T;
}

/** Reads an 8-byte node id struct at `pos`. */
export function readNodeId(r: FlatBufferReader, pos: number): NodeId {
  return encodeBase32At(r.bytes, r.checkRange(pos, NODE_ID_LENGTH), NODE_ID_LENGTH) as NodeId;
}

/** Reads a required 12-byte id struct field. */
export function requiredId12<T extends ObjectId>(
  r: FlatBufferReader,
  table: number,
  slot: number,
  name: string,
): T {
  return readId12<T>(r, r.required(r.struct(table, slot, OBJECT_ID_LENGTH), name));
}

/** Reads a required 8-byte node id struct field. */
export function requiredNodeId(
  r: FlatBufferReader,
  table: number,
  slot: number,
  name: string,
): NodeId {
  return readNodeId(r, r.required(r.struct(table, slot, NODE_ID_LENGTH), name));
}

/** Reads an optional 12-byte id struct field. */
export function optionalId12<T extends ObjectId>(
  r: FlatBufferReader,
  table: number,
  slot: number,
): T | undefined {
  const pos = r.struct(table, slot, OBJECT_ID_LENGTH);
  return pos === 0 ? undefined : readId12<T>(r, pos);
}

/** Reads a vector of 8-byte node ids. */
export function readNodeIdVector(r: FlatBufferReader, vec: number): NodeId[] {
  const n = r.vectorLength(vec);
  const out: NodeId[] = [];
  for (let i = 0; i < n; i++) out.push(readNodeId(r, vec + 4 + NODE_ID_LENGTH * i));
  return out;
}

/** Reads a vector of 12-byte ids. */
export function readId12Vector<T extends ObjectId>(r: FlatBufferReader, vec: number): T[] {
  const n = r.vectorLength(vec);
  const out: T[] = [];
  for (let i = 0; i < n; i++) out.push(readId12<T>(r, vec + 4 + OBJECT_ID_LENGTH * i));
  return out;
}

/** Writes a vector of id structs (ids given as strings, written in the given order). */
export function writeIdVector(
  b: FlatBufferBuilder,
  ids: readonly string[],
  length: 12 | 8,
): Offset {
  return b.createStructVector(
    ids.map((id) => idToBytes(id, length)),
    length,
    1,
  );
}

/** Decodes a metadata value, turning codec failures into CorruptObjectError. */
function decodeValue(
  r: FlatBufferReader,
  bytes: Uint8Array,
  encoding: MetadataEncoding,
  name: string,
): JsonValue {
  try {
    return encoding === "msgpack" ? decodeMsgpack(bytes) : decodeFlexbuffer(bytes);
  } catch (err) {
    if (isIcechunkError(err) && !(err instanceof CorruptObjectError)) throw err;
    throw new CorruptObjectError(r.what, `metadata value '${name}' is not valid ${encoding}`, {
      path: r.path,
      cause: err,
    });
  }
}

/** Reads a `[MetadataItem]` vector at `vec` (0 = absent = empty). */
export function readMetadata(
  r: FlatBufferReader,
  vec: number,
  encoding: MetadataEncoding,
): JsonObject {
  const out: JsonObject = {};
  const n = r.vectorLength(vec);
  for (let i = 0; i < n; i++) {
    const item = r.vectorTable(vec, i);
    const name = r.requiredString(item, 0, "MetadataItem.name");
    const value = r.bytesField(item, 1);
    if (value === undefined) r.fail("required field 'MetadataItem.value' is missing");
    Object.defineProperty(out, name, {
      value: decodeValue(r, value, encoding, name),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

/** Writes a `[MetadataItem]` vector, names sorted by bytes (Rust iterates a BTreeMap). */
export function writeMetadata(
  b: FlatBufferBuilder,
  metadata: JsonObject,
  encoding: MetadataEncoding,
): Offset {
  const items: Offset[] = [];
  for (const name of sortByUtf8(Object.keys(metadata), (k) => k)) {
    const value = metadata[name];
    const nameOff = b.createSharedString(name);
    const valueOff = b.createBytes(
      encoding === "msgpack" ? encodeMsgpack(value) : encodeFlexbuffer(value),
    );
    b.startTable(2);
    b.fieldOffset(1, valueOff);
    b.fieldOffset(0, nameOff);
    items.push(b.endTable());
  }
  return b.createOffsetVector(items);
}
