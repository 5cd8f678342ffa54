/**
 * @module commands/nodes
 * `ls`, `show`, `stats`: the node tree of one version, one node's metadata and chunks, and the
 * chunk references of a whole snapshot.
 */
import {
  type ArrayNode,
  type ChunkStorageStats,
  type JsonObject,
  type Node,
  NodeNotFoundError,
  type Session,
} from "@icechunk-ts/core";
import { type CommandContext, nodePath, type VersionFlags, versionFromFlags } from "../context.js";
import { humanBytes, table } from "../format.js";
import { mapWithProgress } from "../progress.js";

/** One row of `ls`. */
export interface NodeListing {
  path: string;
  kind: "group" | "array";
  shape?: number[];
  dimensionNames?: (string | null)[];
  dataType?: unknown;
  chunkShape?: number[];
  /** Chunks written (present in the manifests or the session). */
  chunks?: number;
}

/** A node's `zarr.json`, parsed. */
export function zarrJson(node: Node): JsonObject {
  return JSON.parse(new TextDecoder().decode(node.userData)) as JsonObject;
}

/** Opens a read-only session at the version the flags name. */
export async function sessionFor(ctx: CommandContext, flags: VersionFlags): Promise<Session> {
  const version = versionFromFlags(flags);
  const repo = await ctx.open();
  return repo.readonlySession(version, ctx.call);
}

/** The store key prefix of a node path (`/a/b` → `a/b`, `/` → ``). */
const keyPrefix = (path: string) => path.slice(1);

function chunkShapeOf(meta: JsonObject): number[] | undefined {
  const grid = meta.chunk_grid as { configuration?: { chunk_shape?: number[] } } | undefined;
  return grid?.configuration?.chunk_shape;
}

async function listing(ctx: CommandContext, session: Session, node: Node): Promise<NodeListing> {
  if (node.kind === "group") return { path: node.path, kind: "group" };
  const meta = zarrJson(node);
  const out: NodeListing = {
    path: node.path,
    kind: "array",
    shape: node.shape.map((d) => d.arrayLength),
  };
  if (node.dimensionNames) out.dimensionNames = [...node.dimensionNames];
  out.dataType = meta.data_type;
  const chunkShape = chunkShapeOf(meta);
  if (chunkShape) out.chunkShape = chunkShape;
  out.chunks = (await session.store.chunkCoordinates(keyPrefix(node.path), ctx.call)).length;
  return out;
}

const dims = (s: readonly number[] | undefined) => (s ? s.join("×") : "");
const dtype = (t: unknown) => (typeof t === "string" ? t : JSON.stringify(t));

/** `ls [path]`: the nodes under `path` (the node itself first). */
export async function ls(ctx: CommandContext, path: string | undefined, flags: VersionFlags) {
  const session = await sessionFor(ctx, flags);
  const root = nodePath(path);
  const nodes = session.listNodes(root);
  if (nodes.length === 0) throw new NodeNotFoundError(root, "nothing at or under this path");
  const rows = await mapWithProgress(ctx.io, ctx.progress, "counting chunks", nodes, (n) =>
    listing(ctx, session, n),
  );
  ctx.emit(rows, () =>
    table(
      ["KIND", "PATH", "SHAPE", "DTYPE", "CHUNKS"],
      rows.map((r) => [
        r.kind,
        r.path,
        dims(r.shape),
        r.kind === "array" ? dtype(r.dataType) : "",
        r.chunks === undefined ? "" : String(r.chunks),
      ]),
    ),
  );
}

/** Chunk statistics of an array: chunks written of the grid, and their stored bytes. */
export interface ChunkStatistics {
  written: number;
  /** Chunks the grid has (product of the per-dimension chunk counts). */
  gridChunks: number;
  /** Bytes of the written chunks (inline, native and virtual, as `getsize` reports them). */
  bytes: number;
}

/** What `show` prints. */
export interface NodeDetails {
  path: string;
  kind: "group" | "array";
  zarrJson: JsonObject;
  attributes: JsonObject;
  chunks?: ChunkStatistics;
}

async function chunkStatistics(
  ctx: CommandContext,
  session: Session,
  node: ArrayNode,
): Promise<ChunkStatistics> {
  const meta = `${keyPrefix(node.path) === "" ? "" : `${keyPrefix(node.path)}/`}zarr.json`;
  const keys = (await session.store.listPrefix(keyPrefix(node.path), ctx.call)).filter(
    (k) => k !== meta,
  );
  const sizes = await mapWithProgress(ctx.io, ctx.progress, "sizing chunks", keys, (k) =>
    session.store.getsize(k, ctx.call),
  );
  return {
    written: keys.length,
    gridChunks: node.shape.reduce((p, d) => p * d.numChunks, 1),
    bytes: sizes.reduce((a, b) => a + b, 0),
  };
}

/** `show <path>`: a node's zarr.json, attributes and (arrays) chunk statistics. */
export async function show(ctx: CommandContext, path: string, flags: VersionFlags) {
  const session = await sessionFor(ctx, flags);
  const p = nodePath(path);
  const node = session.getNode(p);
  if (!node) throw new NodeNotFoundError(p, "list the nodes with `icechunk-ts ls`");
  const meta = zarrJson(node);
  const details: NodeDetails = {
    path: node.path,
    kind: node.kind,
    zarrJson: meta,
    attributes: (meta.attributes as JsonObject | undefined) ?? {},
  };
  if (node.kind === "array") details.chunks = await chunkStatistics(ctx, session, node);
  ctx.emit(details, () => {
    const lines = [`${node.kind} ${node.path}`, "", "zarr.json:", JSON.stringify(meta, null, 2)];
    lines.push("", "attributes:", JSON.stringify(details.attributes, null, 2));
    const c = details.chunks;
    if (c)
      lines.push(
        "",
        `chunks: ${c.written} of ${c.gridChunks} written, ${humanBytes(c.bytes)} (${c.bytes} bytes)`,
      );
    return lines.join("\n");
  });
}

/** What `stats` prints: the chunk references of one snapshot, by kind, from its manifests. */
export interface ChunkStorageSummary {
  snapshotId: string;
  manifests: number;
  /** Stored (compressed) size of the manifests, as the snapshot records it. */
  manifestBytes: number;
  arrays: number;
  chunkRefs: number;
  nativeChunkRefs: number;
  inlineChunkRefs: number;
  virtualChunkRefs: number;
  /** Bytes of chunk storage over every snapshot reachable from a branch or tag (`repo.chunkStorageStats()`). */
  storage: ChunkStorageStats;
}

/** `stats`: chunk references of a version by kind (native, inline, virtual). */
export async function stats(ctx: CommandContext, flags: VersionFlags) {
  const repo = await ctx.open();
  const snapshotId = await repo.resolveVersion(versionFromFlags(flags), ctx.call);
  const snap = await repo.inspectSnapshot(snapshotId, ctx.call);
  const manifests = await mapWithProgress(
    ctx.io,
    ctx.progress,
    "reading manifests",
    snap.manifests,
    (m) => repo.inspectManifest(m.id, ctx.call),
  );
  const sum = (f: (m: (typeof manifests)[number]) => number) =>
    manifests.reduce((a, m) => a + f(m), 0);
  const summary: ChunkStorageSummary = {
    snapshotId,
    manifests: manifests.length,
    manifestBytes: snap.manifests.reduce((a, m) => a + m.size_bytes, 0),
    arrays: snap.nodes.filter((n) => n.node_type === "array").length,
    chunkRefs: sum((m) => m.total_chunk_refs),
    nativeChunkRefs: sum((m) => m.total_native),
    inlineChunkRefs: sum((m) => m.total_inline),
    virtualChunkRefs: sum((m) => m.total_virtual),
    storage: await repo.chunkStorageStats(ctx.call),
  };
  ctx.emit(summary, () =>
    table(
      [],
      [
        ["snapshot", summary.snapshotId],
        ["arrays", String(summary.arrays)],
        ["manifests", `${summary.manifests} (${humanBytes(summary.manifestBytes)})`],
        ["chunk refs", String(summary.chunkRefs)],
        ["  native", String(summary.nativeChunkRefs)],
        ["  inline", String(summary.inlineChunkRefs)],
        ["  virtual", String(summary.virtualChunkRefs)],
        ["chunk bytes (all refs)", humanBytes(summary.storage.totalBytes)],
        ["  native", humanBytes(summary.storage.nativeBytes)],
        ["  inline", humanBytes(summary.storage.inlinedBytes)],
        ["  virtual", humanBytes(summary.storage.virtualBytes)],
      ],
    ),
  );
}
