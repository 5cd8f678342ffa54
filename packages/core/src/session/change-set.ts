/**
 * @module session/change-set
 * The uncommitted edits of a session, as upstream's `EditChanges`: nodes created, updated and
 * deleted, and chunk refs set or deleted (a `null` payload is a tombstone). Pure data, no I/O.
 * Serialisable to JSON (for `fork()` sessions sent to workers).
 */
import type { NodeId } from "../format/ids.js";
import type { ChunkPayload } from "../format/manifest.js";
import type { DimensionShape } from "../format/snapshot.js";

/** Array metadata as the snapshot stores it, plus the verbatim zarr.json bytes. */
export interface ArrayData {
  readonly shape: readonly DimensionShape[];
  readonly dimensionNames?: readonly (string | null)[];
  readonly userData: Uint8Array;
}

export interface NewNode<T> {
  readonly id: NodeId;
  readonly data: T;
}

/** Coordinates as a map key. */
export const coordKey = (coords: readonly number[]): string => coords.join(",");
export const parseCoordKey = (key: string): number[] =>
  key === "" ? [] : key.split(",").map(Number);

/** `path` with its `from` prefix replaced by `to` (component-wise), or unchanged. */
export function rebasePath(path: string, from: string, to: string): string {
  if (path === from) return to;
  if (from === "/") return to === "/" ? path : `${to}${path}`;
  if (path.startsWith(`${from}/`)) return `${to === "/" ? "" : to}${path.slice(from.length)}`;
  return path;
}

/**
 * A session's uncommitted changes (new, updated and deleted nodes, written chunks, moves). Conflict
 * solvers receive it and return a patched copy; treat it as read-only.
 */
export class ChangeSet {
  readonly newGroups = new Map<string, NewNode<Uint8Array>>();
  readonly newArrays = new Map<string, NewNode<ArrayData>>();
  readonly updatedGroups = new Map<NodeId, Uint8Array>();
  readonly updatedArrays = new Map<NodeId, ArrayData>();
  /** node id → coord key → payload (null = deleted). */
  readonly setChunks = new Map<NodeId, Map<string, ChunkPayload | null>>();
  /** Nodes of the base snapshot deleted in this session: path → id. */
  readonly deletedGroups = new Map<string, NodeId>();
  readonly deletedArrays = new Map<string, NodeId>();
  /** Moves of a rearrange session, in order (paths as they were when each move was made). */
  readonly moves: Array<{ from: string; to: string }> = [];
  /**
   * True once a chunk ref was set or deleted, even if its array was deleted afterwards: as
   * upstream (whose change set counts chunk edits), the change set then stays non-empty and a
   * commit writes a snapshot.
   */
  chunksEdited = false;

  /** The base-snapshot path of a node now at `path` (undoing moves, newest first). */
  originalPath(path: string): string {
    let p = path;
    for (let i = this.moves.length - 1; i >= 0; i--)
      p = rebasePath(p, this.moves[i]!.to, this.moves[i]!.from);
    return p;
  }

  /** Where a base-snapshot node at `path` is now (applying moves in order). */
  currentPath(path: string): string {
    let p = path;
    for (const m of this.moves) p = rebasePath(p, m.from, m.to);
    return p;
  }

  isEmpty(): boolean {
    return (
      this.newGroups.size === 0 &&
      this.newArrays.size === 0 &&
      this.updatedGroups.size === 0 &&
      this.updatedArrays.size === 0 &&
      this.deletedGroups.size === 0 &&
      this.deletedArrays.size === 0 &&
      this.moves.length === 0 &&
      // chunk edits count even when they cancel out; an array whose chunk changes were all dropped
      // (a rebase choosing theirs) still counts, as upstream
      !this.chunksEdited &&
      this.setChunks.size === 0
    );
  }

  isDeleted(path: string, id: NodeId): boolean {
    return this.deletedGroups.get(path) === id || this.deletedArrays.get(path) === id;
  }

  setChunk(nodeId: NodeId, coords: readonly number[], payload: ChunkPayload | null): void {
    this.chunksEdited = true;
    let m = this.setChunks.get(nodeId);
    if (!m) {
      m = new Map();
      this.setChunks.set(nodeId, m);
    }
    m.set(coordKey(coords), payload);
  }

  /** `undefined`: not changed in this session; `null`: deleted; else the new payload. */
  getChunk(nodeId: NodeId, coords: readonly number[]): ChunkPayload | null | undefined {
    return this.setChunks.get(nodeId)?.get(coordKey(coords));
  }

  chunkChanges(nodeId: NodeId): ReadonlyMap<string, ChunkPayload | null> | undefined {
    return this.setChunks.get(nodeId);
  }

  /** Drops every change of an array (when it is deleted). */
  dropArray(path: string, id: NodeId): void {
    this.newArrays.delete(path);
    this.updatedArrays.delete(id);
    this.setChunks.delete(id);
  }

  clear(): void {
    this.newGroups.clear();
    this.newArrays.clear();
    this.updatedGroups.clear();
    this.updatedArrays.clear();
    this.setChunks.clear();
    this.deletedGroups.clear();
    this.deletedArrays.clear();
    this.moves.length = 0;
    this.chunksEdited = false;
  }
}
