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
export const parseCoordKey = (key: string): number[] => (key === "" ? [] : key.split(",").map(Number));

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

  isEmpty(): boolean {
    return (
      this.newGroups.size === 0 &&
      this.newArrays.size === 0 &&
      this.updatedGroups.size === 0 &&
      this.updatedArrays.size === 0 &&
      this.deletedGroups.size === 0 &&
      this.deletedArrays.size === 0 &&
      [...this.setChunks.values()].every((m) => m.size === 0)
    );
  }

  isDeleted(path: string, id: NodeId): boolean {
    return this.deletedGroups.get(path) === id || this.deletedArrays.get(path) === id;
  }

  setChunk(nodeId: NodeId, coords: readonly number[], payload: ChunkPayload | null): void {
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
  }
}
