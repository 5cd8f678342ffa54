/**
 * @module format/ids
 * Branded object ids (icechunk-format.md §3). Ids travel as their Crockford base32 string form
 * (the object key); raw bytes exist only at the flatbuffer boundary (`idToBytes`/`idFromBytes`).
 * A `ManifestId` is not assignable to a `SnapshotId`.
 */

import { InvalidObjectIdError } from "../errors.js";
import { decodeBase32, encodeBase32 } from "./base32.js";
import { NODE_ID_LENGTH, OBJECT_ID_LENGTH } from "./constants.js";

export type { ChunkId, ManifestId, NodeId, ObjectId, SnapshotId } from "./id-types.js";

import type { ChunkId, ManifestId, NodeId, ObjectId, SnapshotId } from "./id-types.js";

const OBJECT_ID_CHARS = Math.ceil((OBJECT_ID_LENGTH * 8) / 5);
const NODE_ID_CHARS = Math.ceil((NODE_ID_LENGTH * 8) / 5);

/** Random bytes drawn in bulk (one getRandomValues call per 4 KiB instead of one per id). */
const pool = new Uint8Array(4096);
let poolPos = pool.length;

function randomId(length: number): string {
  if (poolPos + length > pool.length) {
    crypto.getRandomValues(pool);
    poolPos = 0;
  }
  const bytes = pool.subarray(poolPos, poolPos + length);
  poolPos += length;
  return encodeBase32(bytes);
}

/** A fresh random snapshot id. */
export function newSnapshotId(): SnapshotId {
  return randomId(OBJECT_ID_LENGTH) as SnapshotId;
}
/** A fresh random manifest id. */
export function newManifestId(): ManifestId {
  return randomId(OBJECT_ID_LENGTH) as ManifestId;
}
/** A fresh random chunk id. */
export function newChunkId(): ChunkId {
  return randomId(OBJECT_ID_LENGTH) as ChunkId;
}
/** A fresh random node id. */
export function newNodeId(): NodeId {
  return randomId(NODE_ID_LENGTH) as NodeId;
}

/**
 * Raw bytes of an id.
 * @throws {InvalidObjectIdError} when `id` is not base32 of exactly `length` bytes.
 */
export function idToBytes(id: string, length: 12 | 8): Uint8Array {
  const chars = length === OBJECT_ID_LENGTH ? OBJECT_ID_CHARS : NODE_ID_CHARS;
  const bytes = id.length === chars ? decodeBase32(id) : undefined;
  if (bytes === undefined || bytes.length !== length) {
    throw new InvalidObjectIdError(id, length === NODE_ID_LENGTH ? "node" : "object", length);
  }
  return bytes;
}

const scratch12 = new Uint8Array(OBJECT_ID_LENGTH);
const scratch8 = new Uint8Array(NODE_ID_LENGTH);

/**
 * Like {@link idToBytes} but returns a shared scratch buffer, valid only until the next call.
 * For encoders that copy the bytes immediately.
 * @throws {InvalidObjectIdError} when `id` is not base32 of exactly `length` bytes.
 */
export function idToScratchBytes(id: string, length: 12 | 8): Uint8Array {
  const chars = length === OBJECT_ID_LENGTH ? OBJECT_ID_CHARS : NODE_ID_CHARS;
  const bytes =
    id.length === chars
      ? decodeBase32(id, length === OBJECT_ID_LENGTH ? scratch12 : scratch8)
      : undefined;
  if (bytes === undefined || bytes.length !== length) {
    throw new InvalidObjectIdError(id, length === NODE_ID_LENGTH ? "node" : "object", length);
  }
  return bytes;
}

/** String form of raw id bytes (upper-case Crockford base32). */
export function idFromBytes<T extends ObjectId = ObjectId>(bytes: Uint8Array): T {
  return encodeBase32(bytes) as T;
}

function parseId<T extends ObjectId>(text: string, length: 12 | 8, kind: string): T {
  const chars = length === OBJECT_ID_LENGTH ? OBJECT_ID_CHARS : NODE_ID_CHARS;
  const bytes = text.length === chars ? decodeBase32(text) : undefined;
  if (bytes === undefined || bytes.length !== length) {
    throw new InvalidObjectIdError(text, kind, length);
  }
  return encodeBase32(bytes) as T;
}

/**
 * Validates and normalizes (upper case) a snapshot id.
 * @throws {InvalidObjectIdError} when the string is not a 12-byte id.
 */
export function parseSnapshotId(text: string): SnapshotId {
  return parseId<SnapshotId>(text, OBJECT_ID_LENGTH, "snapshot");
}
/**
 * Validates and normalizes a manifest id.
 * @throws {InvalidObjectIdError} when the string is not a 12-byte id.
 */
export function parseManifestId(text: string): ManifestId {
  return parseId<ManifestId>(text, OBJECT_ID_LENGTH, "manifest");
}
/**
 * Validates and normalizes a chunk id.
 * @throws {InvalidObjectIdError} when the string is not a 12-byte id.
 */
export function parseChunkId(text: string): ChunkId {
  return parseId<ChunkId>(text, OBJECT_ID_LENGTH, "chunk");
}
/**
 * Validates and normalizes a node id.
 * @throws {InvalidObjectIdError} when the string is not an 8-byte id.
 */
export function parseNodeId(text: string): NodeId {
  return parseId<NodeId>(text, NODE_ID_LENGTH, "node");
}

/** Compares two ids of the same kind by their raw bytes (base32 order equals byte order). */
export function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
