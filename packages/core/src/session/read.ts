/**
 * @module session/read
 * Reads through a session: the change set layered over the base snapshot. Node lookup and listing,
 * chunk-ref lookup (change set first, then the manifest whose extents contain the coordinates), and
 * chunk bytes (inline, native, virtual). Mirrors upstream `Session::get_node` / `get_chunk_ref`.
 */

import type { AssetManager } from "../assets/asset-manager.js";
import { InvalidByteRangeError, NodeNotFoundError } from "../errors.js";
import type { NodeId } from "../format/ids.js";
import type { ChunkPayload } from "../format/manifest.js";
import type { DimensionShape, ManifestRef, SnapshotView } from "../format/snapshot.js";
import type { ByteRange } from "../storage/types.js";
import { compareUtf8 } from "../util/bytes.js";
import type { VirtualChunkResolver } from "../virtual/resolver.js";
import { type ArrayData, type ChangeSet, parseCoordKey } from "./change-set.js";
import { isUnder } from "./keys.js";

/** A group of the session's tree (`session.getNode(path)`); `userData` is its `zarr.json`. */
export interface GroupNode {
  readonly kind: "group";
  readonly id: NodeId;
  readonly path: string;
  readonly userData: Uint8Array;
}
/** An array of the session's tree; `userData` is its `zarr.json`, `shape` its chunk grid. */
export interface ArrayNode {
  readonly kind: "array";
  readonly id: NodeId;
  readonly path: string;
  readonly userData: Uint8Array;
  readonly shape: readonly DimensionShape[];
  readonly dimensionNames?: readonly (string | null)[];
  /** Manifest refs of the base snapshot (empty for arrays created in this session). */
  readonly manifests: readonly ManifestRef[];
}
/** A group or an array. */
export type Node = GroupNode | ArrayNode;

/** Everything a read needs: immutable base snapshot + mutable change set + I/O. */
export interface ReadContext {
  readonly snapshot: SnapshotView;
  readonly changes: ChangeSet;
  readonly assets: AssetManager;
  readonly virtual: VirtualChunkResolver;
}

function withArrayData(
  base: Omit<ArrayNode, "shape" | "dimensionNames" | "userData">,
  data: ArrayData,
): ArrayNode {
  // explicit fields, no spreads: this runs once per chunk read or write
  const node: { -readonly [K in keyof ArrayNode]: ArrayNode[K] } = {
    kind: "array",
    id: base.id,
    path: base.path,
    userData: data.userData,
    shape: data.shape,
    manifests: base.manifests,
  };
  if (data.dimensionNames) node.dimensionNames = data.dimensionNames;
  return node;
}

/** The node at `path`, or undefined. */
export function getNode(ctx: ReadContext, path: string): Node | undefined {
  const { changes } = ctx;
  const newGroup = changes.newGroups.get(path);
  if (newGroup) return { kind: "group", id: newGroup.id, path, userData: newGroup.data };
  const newArray = changes.newArrays.get(path);
  if (newArray)
    return withArrayData({ kind: "array", id: newArray.id, path, manifests: [] }, newArray.data);
  if (changes.moves.length > 0) {
    const original = changes.originalPath(path);
    const moved = ctx.snapshot.getNode(original);
    if (!moved || changes.currentPath(original) !== path) return undefined;
    return { ...overlay(ctx, moved), path };
  }
  const stored = ctx.snapshot.getNode(path);
  if (!stored || changes.isDeleted(path, stored.id)) return undefined;
  return overlay(ctx, stored);
}

function overlay(ctx: ReadContext, stored: ReturnType<SnapshotView["nodeAt"]>): Node {
  const { id, path, nodeData } = stored;
  if (nodeData.type === "group")
    return {
      kind: "group",
      id,
      path,
      userData: ctx.changes.updatedGroups.get(id) ?? stored.userData,
    };
  const update = ctx.changes.updatedArrays.get(id);
  const base = { kind: "array" as const, id, path, manifests: nodeData.manifests };
  return withArrayData(
    base,
    update ?? {
      shape: nodeData.shape,
      userData: stored.userData,
      ...(nodeData.dimensionNames ? { dimensionNames: nodeData.dimensionNames } : {}),
    },
  );
}

/** Every node at or under `prefix` (a node path), sorted by path bytes. */
export function listNodes(ctx: ReadContext, prefix = "/"): Node[] {
  const out: Node[] = [];
  if (ctx.changes.moves.length > 0) {
    for (const stored of ctx.snapshot.nodes()) {
      const path = ctx.changes.currentPath(stored.path);
      if (isUnder(path, prefix)) out.push({ ...overlay(ctx, stored), path });
    }
    return out.sort((a, b) => compareUtf8(a.path, b.path));
  }
  for (const stored of ctx.snapshot.nodesUnder(prefix)) {
    if (ctx.changes.isDeleted(stored.path, stored.id)) continue;
    if (ctx.changes.newGroups.has(stored.path) || ctx.changes.newArrays.has(stored.path)) continue;
    out.push(overlay(ctx, stored));
  }
  for (const [path, n] of ctx.changes.newGroups)
    if (isUnder(path, prefix)) out.push({ kind: "group", id: n.id, path, userData: n.data });
  for (const [path, n] of ctx.changes.newArrays)
    if (isUnder(path, prefix))
      out.push(withArrayData({ kind: "array", id: n.id, path, manifests: [] }, n.data));
  return out.sort((a, b) => compareUtf8(a.path, b.path));
}

/**
 * Upstream `ArrayShape::valid_chunk_coord` over u32 indices: each an integer ≥ 0 below
 * max(num_chunks, 1), dimensions paired
 * from the first (upstream zips them, so a coordinate of another rank is checked on the dimensions
 * both have: after a change of rank the old chunk keys stay listed and readable, as upstream).
 */
export function isValidCoord(shape: readonly DimensionShape[], coords: readonly number[]): boolean {
  for (let i = 0; i < Math.min(coords.length, shape.length); i++) {
    const c = coords[i]!;
    if (!Number.isInteger(c) || c < 0 || c >= Math.max(shape[i]!.numChunks, 1)) return false;
  }
  return true;
}

function containsCoords(extents: ManifestRef["extents"], coords: readonly number[]): boolean {
  for (let i = 0; i < Math.min(extents.length, coords.length); i++) {
    const [from, to] = extents[i]!;
    if (coords[i]! < from || coords[i]! >= to) return false;
  }
  return true;
}

const sizeIndex = new WeakMap<SnapshotView, Map<string, number>>();
/** Exact stored size of a manifest listed by the snapshot (for a bounded ranged GET). */
export function manifestSize(snapshot: SnapshotView, id: string): number | undefined {
  let m = sizeIndex.get(snapshot);
  if (!m) {
    m = new Map(snapshot.manifestFiles.map((f) => [f.id as string, f.sizeBytes]));
    sizeIndex.set(snapshot, m);
  }
  return m.get(id);
}

/**
 * The chunk ref at `coords` of an array, or undefined when absent or out of the grid.
 * `forRewrite`: the ref is written to a new manifest (see `ManifestView.refsForRewrite`).
 */
export async function getChunkRef(
  ctx: ReadContext,
  node: ArrayNode,
  coords: readonly number[],
  signal?: AbortSignal,
  forRewrite = false,
): Promise<ChunkPayload | undefined> {
  if (!isValidCoord(node.shape, coords)) return undefined;
  const changed = ctx.changes.getChunk(node.id, coords);
  if (changed !== undefined) return changed ?? undefined;
  for (const ref of node.manifests) {
    if (!containsCoords(ref.extents, coords)) continue;
    const manifest = await ctx.assets.fetchManifest(
      ref.objectId,
      manifestSize(ctx.snapshot, ref.objectId),
      { signal },
    );
    const payload = manifest.getChunkRef(node.id, coords, { forRewrite });
    if (payload) return payload;
  }
  return undefined;
}

export function payloadLength(p: ChunkPayload): number {
  return p.kind === "inline" ? p.data.length : p.length;
}

/**
 * Resolves a requested range inside a value of `size` bytes to `[start, end)`, refusing what
 * upstream refuses. Chunks (upstream `construct_valid_byte_range`): a range must start inside the
 * chunk (`offset < size`) and end at most at its end; a suffix may not be longer than the chunk.
 * Metadata documents (upstream slices them and fails on anything outside): the range must lie
 * within the document (an empty range at its end is fine); a suffix may not be longer than it.
 * @throws {InvalidByteRangeError} for a range outside the value
 */
export function resolveRange(
  key: string,
  size: number,
  range: ByteRange | undefined,
  kind: "chunk" | "metadata" = "chunk",
): [number, number] {
  if (!range) return [0, size];
  if ("suffixLength" in range) {
    if (!(range.suffixLength >= 0) || range.suffixLength > size)
      throw new InvalidByteRangeError(
        key,
        `a suffix of ${range.suffixLength} bytes does not fit the ${size}-byte value`,
      );
    return [size - range.suffixLength, size];
  }
  const end = range.length === undefined ? size : range.offset + range.length;
  const startOutside = kind === "chunk" ? range.offset >= size : range.offset > size;
  if (!(range.offset >= 0) || startOutside || end > size || range.offset > end)
    throw new InvalidByteRangeError(
      key,
      `range ${range.offset}..${end} is outside the ${size}-byte value`,
    );
  return [range.offset, end];
}

/** Bytes of a chunk payload (optionally a range of it). */
export async function readPayload(
  ctx: ReadContext,
  key: string,
  payload: ChunkPayload,
  range: ByteRange | undefined,
  signal?: AbortSignal,
): Promise<Uint8Array> {
  const [start, end] = resolveRange(key, payloadLength(payload), range);
  switch (payload.kind) {
    case "inline":
      return payload.data.subarray(start, end);
    case "native":
      return ctx.assets.fetchChunk(payload.chunkId, payload.offset + start, end - start, {
        signal,
      });
    case "virtual":
      return ctx.virtual.fetch(
        payload.location,
        payload.offset + start,
        end - start,
        payload.checksum,
        signal,
      );
  }
}

/**
 * Calls `visit` for every live chunk of an array: committed refs not overridden by the change set
 * (the first manifest listing a coordinate wins), then the change set's writes; tombstones and
 * out-of-grid coordinates excluded.
 */
async function forEachChunk(
  ctx: ReadContext,
  node: ArrayNode,
  signal: AbortSignal | undefined,
  visit: (coords: number[], payload: ChunkPayload) => void,
): Promise<void> {
  const changes = ctx.changes.chunkChanges(node.id);
  const seen = new Set<string>();
  for (const ref of node.manifests) {
    const manifest = await ctx.assets.fetchManifest(
      ref.objectId,
      manifestSize(ctx.snapshot, ref.objectId),
      { signal },
    );
    // locations decompress only for visitors that read them
    for (const [coords, payload] of manifest.refsForRewrite(node.id)) {
      const k = coords.join(",");
      if (seen.has(k) || changes?.has(k) || !isValidCoord(node.shape, coords)) continue;
      seen.add(k);
      visit(coords, payload);
    }
  }
  if (changes)
    for (const [k, p] of changes) {
      const coords = parseCoordKey(k);
      if (p !== null && isValidCoord(node.shape, coords)) visit(coords, p);
    }
}

/** Coordinates of every chunk of an array: manifests and change set, tombstones and out-of-grid excluded. */
export async function chunkCoordinates(
  ctx: ReadContext,
  node: ArrayNode,
  signal?: AbortSignal,
): Promise<number[][]> {
  const out: number[][] = [];
  await forEachChunk(ctx, node, signal, (coords) => out.push(coords));
  return out;
}

/**
 * The location of every virtual chunk (committed refs and this session's changes, `vcc://`
 * expanded), one entry per chunk, array by array in path order (upstream
 * `all_virtual_chunk_locations`).
 */
export async function virtualChunkLocations(
  ctx: ReadContext,
  signal?: AbortSignal,
): Promise<string[]> {
  const out: string[] = [];
  for (const node of listNodes(ctx, "/"))
    if (node.kind === "array")
      await forEachChunk(ctx, node, signal, (_coords, payload) => {
        if (payload.kind === "virtual") out.push(ctx.virtual.resolveLocation(payload.location));
      });
  return out;
}

export function requireArray(ctx: ReadContext, path: string): ArrayNode {
  const node = getNode(ctx, path);
  if (!node) throw new NodeNotFoundError(path);
  if (node.kind !== "array") throw new NodeNotFoundError(path, "it is a group, not an array");
  return node;
}
