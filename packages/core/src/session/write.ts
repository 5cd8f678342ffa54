/**
 * @module session/write
 * Edits of a writable session (upstream `Session::add_*`/`update_*`/`delete_*`/`set_chunk_ref` and
 * `store.rs` `set`/`delete`): everything lands in the change set; chunks larger than the inline
 * threshold are uploaded right away to `chunks/<new id>` and only their ref is kept.
 */
import {
  InvalidChunkIndexError,
  NodeAlreadyExistsError,
  NodeNotFoundError,
  ZeroLengthChunkError,
} from "../errors.js";
import { newChunkId, newNodeId } from "../format/ids.js";
import type { ChunkPayload } from "../format/manifest.js";
import { bytesEqual } from "../util/bytes.js";
import type { ArrayData } from "./change-set.js";
import { chunkKey } from "./keys.js";
import {
  type ArrayNode,
  getNode,
  isValidCoord,
  listNodes,
  type Node,
  type ReadContext,
} from "./read.js";
import { parseZarrMetadata } from "./zarr-metadata.js";

export interface WriteContext extends ReadContext {
  readonly specVersion: 1 | 2;
  readonly inlineThreshold: number;
}

/** Stores a node's zarr.json: creates the node, updates it, or does nothing when the bytes are identical. */
export function setMetadata(ctx: WriteContext, key: string, path: string, bytes: Uint8Array): void {
  const meta = parseZarrMetadata(key, bytes, ctx.specVersion);
  const existing = getNode(ctx, path);
  const userData = bytes.slice();
  if (existing && existing.kind !== meta.nodeType)
    throw new NodeAlreadyExistsError(
      path,
      `it is ${existing.kind === "array" ? "an array" : "a group"}, not ${meta.nodeType === "array" ? "an array" : "a group"}`,
    );
  if (existing && bytesEqual(existing.userData, userData)) return;
  const { changes } = ctx;
  if (meta.nodeType === "group") {
    if (!existing) changes.newGroups.set(path, { id: newNodeId(), data: userData });
    else if (changes.newGroups.has(path))
      changes.newGroups.set(path, { id: existing.id, data: userData });
    else changes.updatedGroups.set(existing.id, userData);
    return;
  }
  const data: ArrayData = {
    shape: meta.shape,
    userData,
    ...(meta.dimensionNames ? { dimensionNames: meta.dimensionNames } : {}),
  };
  if (!existing) changes.newArrays.set(path, { id: newNodeId(), data });
  else if (changes.newArrays.has(path)) changes.newArrays.set(path, { id: existing.id, data });
  else changes.updatedArrays.set(existing.id, data);
}

function requireArrayForChunk(ctx: ReadContext, path: string): ArrayNode {
  const node = getNode(ctx, path);
  if (!node) throw new NodeNotFoundError(path, "write the array's zarr.json before its chunks");
  if (node.kind !== "array")
    throw new NodeNotFoundError(path, "it is a group; chunks belong to arrays");
  return node;
}

/**
 * A chunk written must have the array's rank and lie in its grid. Stricter than upstream, which
 * checks only the dimensions both have, accepts `a/c/0` for a 2-D array and then, for an array
 * already committed, drops that chunk at commit; chunk keys of another rank already stored (after
 * a change of rank) stay readable, listed and deletable, as upstream.
 */
function checkCoords(node: ArrayNode, coords: readonly number[]): void {
  if (coords.length !== node.shape.length)
    throw new InvalidChunkIndexError(
      node.path,
      coords,
      `the array has ${node.shape.length} dimension(s); write a key with one index per dimension`,
    );
  if (!isValidCoord(node.shape, coords))
    throw new InvalidChunkIndexError(
      node.path,
      coords,
      `the chunk grid is [${node.shape.map((s) => s.numChunks).join(", ")}] chunks`,
    );
}

/** Sets a chunk ref directly (used for virtual refs and by `setChunk`). */
export function setChunkRef(
  ctx: WriteContext,
  path: string,
  coords: number[],
  payload: ChunkPayload,
): void {
  const node = requireArrayForChunk(ctx, path);
  checkCoords(node, coords);
  const len = payload.kind === "inline" ? payload.data.length : payload.length;
  if (len === 0) throw new ZeroLengthChunkError(chunkKey(path, coords));
  ctx.changes.setChunk(node.id, coords, payload);
}

/** Writes chunk bytes: inline when at most the threshold, else uploaded as a native chunk. */
export async function setChunk(
  ctx: WriteContext,
  path: string,
  coords: number[],
  bytes: Uint8Array,
  signal?: AbortSignal,
): Promise<void> {
  const node = requireArrayForChunk(ctx, path);
  checkCoords(node, coords);
  if (bytes.length === 0) throw new ZeroLengthChunkError(chunkKey(path, coords));
  let payload: ChunkPayload;
  if (bytes.length <= ctx.inlineThreshold) payload = { kind: "inline", data: bytes.slice() };
  else {
    const chunkId = newChunkId();
    await ctx.assets.writeChunk(chunkId, bytes, { signal });
    payload = { kind: "native", chunkId, offset: 0, length: bytes.length };
  }
  // the array may have been deleted or resized while the upload ran
  const after = getNode(ctx, path);
  if (after?.kind === "array" && after.id === node.id && isValidCoord(after.shape, coords))
    ctx.changes.setChunk(node.id, coords, payload);
}

/** Deletes a chunk (a tombstone); missing arrays and out-of-grid coordinates are a no-op. */
export function deleteChunk(ctx: WriteContext, path: string, coords: number[]): void {
  const node = getNode(ctx, path);
  if (node?.kind !== "array" || !isValidCoord(node.shape, coords)) return;
  ctx.changes.setChunk(node.id, coords, null);
}

function deleteOne(ctx: WriteContext, node: Node): void {
  const { changes } = ctx;
  if (node.kind === "group") {
    if (changes.newGroups.has(node.path)) changes.newGroups.delete(node.path);
    else {
      changes.updatedGroups.delete(node.id);
      changes.deletedGroups.set(node.path, node.id);
    }
    return;
  }
  const isNew = changes.newArrays.has(node.path);
  changes.dropArray(node.path, node.id);
  if (!isNew) changes.deletedArrays.set(node.path, node.id);
}

/** Deletes a node (a group with everything under it); missing nodes are a no-op. */
export function deleteNode(ctx: WriteContext, path: string): void {
  const node = getNode(ctx, path);
  if (!node) return;
  if (node.kind === "array") deleteOne(ctx, node);
  else for (const n of listNodes(ctx, path)) deleteOne(ctx, n);
}
