/**
 * @module display/reprs
 * What each public object shows when printed (see display/repr): the repository's storage and
 * spec version; a session's mode, branch, base snapshot and pending changes; a snapshot's id,
 * parent, time and message; a GC summary's counts; a conflict's type and path (named as upstream's
 * `ConflictType` Display). Records (SnapshotInfo, GCSummary, conflicts) share a prototype that
 * carries the repr, so they stay equal to plain objects with the same fields.
 */
import type { Conflict, ConflictKind } from "../session/conflicts/conflict.js";
import { installRepr, plural, type ReprField, truncate } from "./repr.js";

/** The parts of a change set `pendingChanges` counts (structural, so display needs no session). */
interface ChangeCounts {
  readonly setChunks: { values(): Iterable<{ readonly size: number }> };
  readonly newGroups: { readonly size: number };
  readonly newArrays: { readonly size: number };
  readonly updatedGroups: { readonly size: number };
  readonly updatedArrays: { readonly size: number };
  readonly deletedGroups: { readonly size: number };
  readonly deletedArrays: { readonly size: number };
  readonly moves: { readonly length: number };
}

/** What a repository shows. */
interface RepositoryView {
  readonly storage: { readonly description: string; readonly canWrite: boolean };
  readonly specVersion: number;
}

/** What a session (and a store over one) shows. */
interface SessionView {
  readonly isFork: boolean;
  readonly mode: string;
  readonly branch: string | undefined;
  readonly snapshotId: string;
  readonly readOnly: boolean;
}

/** The uncommitted changes of a change set in a few words ("none" when empty). */
export function pendingChanges(changes: ChangeCounts): string {
  let chunks = 0;
  for (const m of changes.setChunks.values()) chunks += m.size;
  const created = changes.newGroups.size + changes.newArrays.size;
  const updated = changes.updatedGroups.size + changes.updatedArrays.size;
  const deleted = changes.deletedGroups.size + changes.deletedArrays.size;
  const parts = [
    created ? `${plural(created, "node")} created` : "",
    updated ? `${plural(updated, "node")} updated` : "",
    deleted ? `${plural(deleted, "node")} deleted` : "",
    chunks ? `${plural(chunks, "chunk")} written or deleted` : "",
    changes.moves.length ? plural(changes.moves.length, "move") : "",
  ].filter((p) => p !== "");
  return parts.length === 0 ? "none" : parts.join(", ");
}

export function repositoryFields(repo: RepositoryView): ReprField[] {
  return [
    ["storage", repo.storage.description],
    ["specVersion", repo.specVersion],
    ["access", repo.storage.canWrite ? "read-write" : "read-only"],
  ];
}

export function sessionFields(s: SessionView, changes: ChangeCounts): ReprField[] {
  return [
    ["mode", s.isFork ? `${s.mode} fork` : s.mode],
    ["branch", s.branch],
    ["snapshotId", s.snapshotId],
    ["uncommitted", s.readOnly ? undefined : pendingChanges(changes)],
  ];
}

/** A store shows its session (the host is a Session in every store the library makes). */
export function storeFields(store: object): ReprField[] {
  const host = store as Partial<SessionView>;
  if (host.mode === undefined) return [];
  return [
    ["mode", host.mode],
    ["branch", host.branch],
    ["snapshotId", host.snapshotId],
  ];
}

/** Upstream's human names of the conflict types (`ConflictType` Display). */
const CONFLICT_NAMES: Record<ConflictKind, string> = {
  "new-node-conflicts-with-existing-node": "New node conflicts with existing node",
  "new-node-in-invalid-group": "New node in invalid group",
  "zarr-metadata-double-update": "Zarr metadata double update",
  "zarr-metadata-update-of-deleted-array": "Zarr metadata update of deleted array",
  "zarr-metadata-update-of-deleted-group": "Zarr metadata update of deleted group",
  "chunk-double-update": "Chunk double update",
  "chunks-updated-in-deleted-array": "Chunks updated in deleted array",
  "chunks-updated-in-updated-array": "Chunks updated in updated array",
  "delete-of-updated-array": "Delete of updated array",
  "delete-of-updated-group": "Delete of updated group",
  "move-operation-cannot-be-rebased": "Move operation cannot be rebased",
};

function conflictChunks(c: Conflict): string | undefined {
  if (c.kind !== "chunk-double-update") return undefined;
  const coords = c.chunkCoordinates;
  const listed = coords
    .slice(0, 5)
    .map((xs) => `[${xs.join(", ")}]`)
    .join(", ");
  return coords.length > 5 ? `${listed}, … ${coords.length - 5} more` : listed;
}

/** A conflict in one line, e.g. `Chunk double update: /a (chunks [0, 1], [0, 2])`. */
export function formatConflict(c: Conflict): string {
  const name = CONFLICT_NAMES[c.kind] ?? c.kind;
  if (!("path" in c)) return name;
  const chunks = conflictChunks(c);
  return `${name}: ${truncate(c.path)}${chunks ? ` (chunks ${chunks})` : ""}`;
}

/** Prototype of the conflicts the detector reports. */
export const CONFLICT_PROTO: object = {};
installRepr<Conflict>(CONFLICT_PROTO, "Conflict", (c) => [
  ["type", CONFLICT_NAMES[c.kind] ?? c.kind],
  ["path", "path" in c ? c.path : undefined],
  ["chunks", conflictChunks(c)],
]);
Object.defineProperty(CONFLICT_PROTO, "toString", {
  value(this: Conflict) {
    return formatConflict(this);
  },
  writable: true,
  configurable: true,
});
