/**
 * @module session/flush
 * Turns a session's change set into new immutable files (upstream `do_flush`): manifests (sorted,
 * split by the splitting config, unchanged manifests reused verbatim), the snapshot and its
 * transaction log. Nothing becomes visible here; publishing (moving a branch) is commit's job.
 */

import { ClockSkewError, CorruptObjectError } from "../errors.js";
import {
  idToBytes,
  type NodeId,
  newManifestId,
  newSnapshotId,
  type SnapshotId,
} from "../format/ids.js";
import type { JsonObject, JsonValue } from "../format/json-value.js";
import type { ChunkPayload, LocationCompression } from "../format/manifest.js";
import type {
  ManifestFileInfo,
  ManifestRef,
  NodeSnapshot,
  SnapshotData,
} from "../format/snapshot.js";
import { comparePathsComponentWise, type TransactionLogData } from "../format/transaction-log.js";
import { compareBytes } from "../util/bytes.js";
import { mapConcurrent } from "../util/concurrency.js";
import { type OnProgress, phaseCounter } from "../util/progress.js";
import { nowMicros } from "../util/time.js";
import { parseCoordKey } from "./change-set.js";
import { type ArrayNode, isValidCoord, listNodes, manifestSize, type ReadContext } from "./read.js";
import {
  extentsInside,
  extentsOverlap,
  inRegion,
  type Region,
  splitRegions,
  splitSizes,
} from "./splitting.js";

export interface FlushContext extends ReadContext {
  readonly specVersion: 1 | 2;
  /** `manifest.splitting` of the repo config (serde form). */
  readonly splitting: JsonValue | undefined;
  /** How new manifests compress virtual chunk locations (none: plain locations). */
  readonly locationCompression?: LocationCompression;
  /** Rewrite every array's manifests under `splitting`, changed or not (upstream `rewrite_manifests`). */
  readonly rewriteManifests?: boolean;
  /** Reports `{ phase: "arrays", done, total }` as arrays are flushed. */
  readonly onProgress?: OnProgress;
}

export interface FlushResult {
  readonly snapshot: SnapshotData;
  readonly transactionLog: TransactionLogData;
}

type Ref = [coords: number[], payload: ChunkPayload];

/**
 * The bounding box of refs (upstream `aggregate_extents`). Refs normally have the array's rank.
 * After a change of rank a manifest can hold refs of several ranks: its extents then get a rank
 * other than the array's (the smallest, or the largest when the smallest is the array's), which
 * keeps reads right (extents are matched on shared dimensions) and tells the next flush it cannot
 * know the manifest's content from its extents (see `coveredByChanges`).
 */
function boundingBox(refs: readonly Ref[], arrayRank: number): Array<[number, number]> {
  let min = Number.POSITIVE_INFINITY;
  let max = 0;
  for (const [c] of refs) {
    min = Math.min(min, c.length);
    max = Math.max(max, c.length);
  }
  const rank = min === max || min !== arrayRank ? min : max;
  const box: Array<[number, number]> = Array.from({ length: rank }, () => [
    Number.MAX_SAFE_INTEGER,
    0,
  ]);
  for (const [c] of refs)
    for (let i = 0; i < Math.min(rank, c.length); i++) {
      const b = box[i]!;
      if (c[i]! < b[0]) b[0] = c[i]!;
      if (c[i]! + 1 > b[1]) b[1] = c[i]! + 1;
    }
  return box;
}

class ManifestWriter {
  readonly files = new Map<string, ManifestFileInfo>();
  constructor(
    readonly ctx: FlushContext,
    readonly signal: AbortSignal | undefined,
  ) {
    for (const f of ctx.snapshot.manifestFiles) this.files.set(f.id, f);
  }

  reuse(ref: ManifestRef): ManifestRef {
    if (!this.files.has(ref.objectId))
      throw new CorruptObjectError(
        "snapshot",
        `manifest ${ref.objectId} is referenced but not listed`,
      );
    return ref;
  }

  async write(node: ArrayNode, refs: Ref[]): Promise<ManifestRef> {
    const nodeId = node.id;
    const id = newManifestId();
    const sizeBytes = await this.ctx.assets.writeManifest(
      { id, arrays: [{ nodeId, refs }] },
      this.ctx.specVersion,
      {
        signal: this.signal,
        ...(this.ctx.locationCompression
          ? { locationCompression: this.ctx.locationCompression }
          : {}),
      },
    );
    this.files.set(id, { id, sizeBytes, numChunkRefs: refs.length });
    return { objectId: id, extents: boundingBox(refs, node.shape.length) };
  }
}

async function oldRefs(
  ctx: FlushContext,
  node: ArrayNode,
  ref: ManifestRef,
  signal?: AbortSignal,
): Promise<Ref[]> {
  const m = await ctx.assets.fetchManifest(ref.objectId, manifestSize(ctx.snapshot, ref.objectId), {
    signal,
  });
  return [...m.refsForRewrite(node.id)];
}

/** Manifest refs of one array after this session's changes. */
async function flushArray(
  ctx: FlushContext,
  node: ArrayNode,
  writer: ManifestWriter,
  signal?: AbortSignal,
): Promise<ManifestRef[]> {
  const changes = ctx.changes.chunkChanges(node.id);
  const isNew = ctx.changes.newArrays.has(node.path);
  const updated = ctx.changes.updatedArrays.has(node.id);
  const rewrite = ctx.rewriteManifests === true;
  if (!rewrite && !isNew && !updated && (!changes || changes.size === 0))
    return node.manifests.map((r) => writer.reuse(r));
  const regions = splitRegions(
    node.shape,
    splitSizes(ctx.splitting, node.path, node.shape, node.dimensionNames),
  );
  const changed: Ref[] = [];
  const changedKeys = new Set<string>();
  /** Coordinates of every change inside the grid (writes and deletes), parsed once. */
  const changedCoords: number[][] = [];
  if (changes)
    for (const [k, p] of changes) {
      const coords = parseCoordKey(k);
      if (!isValidCoord(node.shape, coords)) continue;
      changedKeys.add(k);
      changedCoords.push(coords);
      if (p) changed.push([coords, p]);
    }
  const out: ManifestRef[] = [];
  for (const region of regions) {
    const inThisRegion =
      regions.length === 1 ? changedCoords : changedCoords.filter((c) => inRegion(region, c));
    const regionChanged = rewrite || inThisRegion.length > 0;
    const overlapping = node.manifests.filter((r) => extentsOverlap(r.extents, region));
    if (!regionChanged) {
      for (const r of overlapping) {
        if (extentsInside(r.extents, region) && extentsInside(r.extents, gridRegion(node)))
          out.push(writer.reuse(r));
        else {
          const kept = (await oldRefs(ctx, node, r, signal)).filter(
            ([c]) => inRegion(region, c) && isValidCoord(node.shape, c),
          );
          if (kept.length > 0) out.push(await writer.write(node, kept));
        }
      }
      continue;
    }
    const refs: Ref[] = changed.filter(([c]) => inRegion(region, c));
    for (const r of overlapping) {
      // every ref this manifest could contribute here is overwritten or deleted: skip reading it
      if (coveredByChanges(r.extents, region, inThisRegion)) continue;
      for (const entry of await oldRefs(ctx, node, r, signal)) {
        const c = entry[0];
        if (inRegion(region, c) && isValidCoord(node.shape, c) && !changedKeys.has(c.join(",")))
          refs.push(entry);
      }
    }
    if (refs.length > 0) out.push(await writer.write(node, refs));
  }
  return out;
}

/**
 * True when every coordinate of `extents` ∩ `region` is among `coords` (distinct coordinates, all
 * inside `region`), i.e. a manifest with these extents has nothing left to contribute there.
 */
function coveredByChanges(
  extents: readonly (readonly [number, number])[],
  region: Region,
  coords: readonly number[][],
): boolean {
  // extents of another rank than the grid's: the manifest may hold refs the box cannot account for
  if (extents.length !== region.length) return false;
  let volume = 1;
  const box: Array<[number, number]> = [];
  for (let i = 0; i < extents.length; i++) {
    const lo = Math.max(extents[i]![0], region[i]![0]);
    const hi = Math.min(extents[i]![1], region[i]![1]);
    if (hi <= lo) return true;
    volume *= hi - lo;
    box.push([lo, hi]);
  }
  if (volume > coords.length) return false;
  let inside = 0;
  for (const c of coords) if (c.length === box.length && inRegion(box, c)) inside++;
  return inside === volume;
}

function gridRegion(node: ArrayNode): Region {
  return node.shape.map((d) => [0, Math.max(d.numChunks, 1)] as [number, number]);
}

/** Builds the transaction log of a change set (upstream `transaction_log_from_change_set`). */
export function transactionLogFor(ctx: ReadContext, id: SnapshotId): TransactionLogData {
  const c = ctx.changes;
  const byBytes = (a: NodeId, b: NodeId) => compareBytes(idToBytes(a, 8), idToBytes(b, 8));
  const sortCoords = (a: number[], b: number[]) => {
    for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
    return a.length - b.length;
  };
  const deletedArrays = new Set(c.deletedArrays.values());
  const updatedChunks = [...c.setChunks]
    // an emptied entry (every change dropped by a rebase) is logged with no chunks, as upstream
    .filter(([nodeId]) => !deletedArrays.has(nodeId))
    .map(([nodeId, m]) => ({ nodeId, chunks: [...m.keys()].map(parseCoordKey).sort(sortCoords) }))
    .sort((a, b) => byBytes(a.nodeId, b.nodeId));
  return {
    id,
    newGroups: [...c.newGroups.values()].map((n) => n.id).sort(byBytes),
    newArrays: [...c.newArrays.values()].map((n) => n.id).sort(byBytes),
    deletedGroups: [...c.deletedGroups.values()].sort(byBytes),
    deletedArrays: [...deletedArrays].sort(byBytes),
    updatedGroups: [...c.updatedGroups.keys()].sort(byBytes),
    updatedArrays: [...c.updatedArrays.keys()].sort(byBytes),
    updatedChunks,
    movedNodes: movedNodes(ctx),
  };
}

/** One entry per node whose path changed (descendants included), sorted by `to` component-wise. */
function movedNodes(ctx: ReadContext): TransactionLogData["movedNodes"] {
  if (ctx.changes.moves.length === 0) return [];
  const out: TransactionLogData["movedNodes"] = [];
  for (const stored of ctx.snapshot.nodes()) {
    const to = ctx.changes.currentPath(stored.path);
    if (to !== stored.path)
      out.push({ from: stored.path, to, nodeId: stored.id, nodeType: stored.nodeData.type });
  }
  return out.sort((a, b) => comparePathsComponentWise(a.to, b.to));
}

export interface FlushOptions {
  message: string;
  metadata: JsonObject;
  signal?: AbortSignal;
  /** The snapshot's parent (spec 1 stores it in the file). */
  parentId: SnapshotId | undefined;
  /** Write the parent's flushed_at check against this value. */
  parentFlushedAt: number;
}

/**
 * Arrays flushed at once. Each writes its own manifest(s); the asset manager's request limit still
 * bounds storage calls, so this only keeps enough writes in flight for many small arrays.
 */
const FLUSH_CONCURRENCY = 32;

/** Writes manifests for every changed array and builds the new snapshot and transaction log (not yet written). */
export async function flushChanges(ctx: FlushContext, options: FlushOptions): Promise<FlushResult> {
  const writer = new ManifestWriter(ctx, options.signal);
  const nodes = listNodes(ctx, "/");
  const arrays = nodes.filter((n): n is ArrayNode => n.kind === "array");
  const progress = phaseCounter(ctx.onProgress, "arrays", arrays.length);
  const manifests = await mapConcurrent(arrays, FLUSH_CONCURRENCY, async (n) => {
    const refs = await flushArray(ctx, n, writer, options.signal);
    progress.tick();
    return refs;
  });
  const manifestsById = new Map(arrays.map((a, i) => [a.id, manifests[i]!]));
  const snapshotNodes: NodeSnapshot[] = nodes.map((n) =>
    n.kind === "group"
      ? { id: n.id, path: n.path, userData: n.userData, nodeData: { type: "group" } }
      : {
          id: n.id,
          path: n.path,
          userData: n.userData,
          nodeData: {
            type: "array",
            shape: [...n.shape],
            ...(n.dimensionNames ? { dimensionNames: [...n.dimensionNames] } : {}),
            manifests: manifestsById.get(n.id)!,
          },
        },
  );
  const used = new Set(manifests.flat().map((r) => r.objectId as string));
  const manifestFiles = [...writer.files.values()]
    .filter((f) => used.has(f.id))
    .sort((a, b) => compareBytes(idToBytes(a.id, 12), idToBytes(b.id, 12)));
  const flushedAt = nowMicros();
  if (flushedAt <= options.parentFlushedAt)
    throw new ClockSkewError("parent-snapshot", flushedAt, options.parentFlushedAt);
  const id = newSnapshotId();
  const snapshot: SnapshotData = {
    id,
    ...(options.parentId && ctx.specVersion === 1 ? { parentId: options.parentId } : {}),
    flushedAt,
    message: options.message,
    metadata: options.metadata,
    manifestFiles,
    nodes: snapshotNodes,
  };
  return { snapshot, transactionLog: transactionLogFor(ctx, id) };
}
