/**
 * @module display/reprs
 * What each public object shows when printed (see display/repr): the repository's storage and
 * spec version; a session's mode, branch, base snapshot and pending changes; a snapshot's id,
 * parent, time and message; a GC summary's counts; a conflict's type and path (named as upstream's
 * `ConflictType` Display). Records (SnapshotInfo, GCSummary, conflicts) share a prototype that
 * carries the repr, so they stay equal to plain objects with the same fields.
 */
import type { GCSummary } from "../ops/gc.js";
import type { Repository } from "../repo/repository.js";
import type { SnapshotInfo } from "../repo-core/types.js";
import type { ChangeSet } from "../session/change-set.js";
import type { Conflict, ConflictKind } from "../session/conflicts/types.js";
import type { Session } from "../session/session.js";
import { installRepr, isoMicros, jsonLine, plural, type ReprField, truncate } from "./repr.js";

/** A record of `fields` whose prototype is `proto` (own fields enumerable, repr inherited). */
export function record<T extends object>(proto: object, fields: T): T {
  return Object.assign(Object.create(proto) as T, fields);
}

/** The uncommitted changes of a change set in a few words ("none" when empty). */
export function pendingChanges(changes: ChangeSet): string {
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

export function repositoryFields(repo: Repository): ReprField[] {
  return [
    ["storage", repo.storage.description],
    ["specVersion", repo.specVersion],
    ["access", repo.storage.canWrite ? "read-write" : "read-only"],
  ];
}

export function sessionFields(s: Session, changes: ChangeSet): ReprField[] {
  return [
    ["mode", s.isFork ? `${s.mode} fork` : s.mode],
    ["branch", s.branch],
    ["snapshotId", s.snapshotId],
    ["uncommitted", s.readOnly ? undefined : pendingChanges(changes)],
  ];
}

/** A store shows its session (the host is a Session in every store the library makes). */
export function storeFields(store: object): ReprField[] {
  const host = store as Partial<Session>;
  if (host.mode === undefined) return [];
  return [
    ["mode", host.mode],
    ["branch", host.branch],
    ["snapshotId", host.snapshotId],
  ];
}

/** The first line of a commit message, bounded. */
export function firstLine(message: string, max = 60): string {
  const line = message.split("\n", 1)[0] ?? "";
  return line.length <= max ? line : `${line.slice(0, max - 3)}...`;
}

/** Prototype of every SnapshotInfo the library returns. */
export const SNAPSHOT_INFO_PROTO: object = {};
installRepr<SnapshotInfo>(SNAPSHOT_INFO_PROTO, "SnapshotInfo", (s) => [
  ["id", s.id],
  ["parentId", s.parentId ?? "none"],
  ["writtenAt", isoMicros(s.flushedAt)],
  ["message", JSON.stringify(firstLine(s.message))],
  ["metadata", Object.keys(s.metadata).length ? jsonLine(s.metadata) : undefined],
]);

/** Prototype of every GCSummary the library returns. */
export const GC_SUMMARY_PROTO: object = {};
installRepr<GCSummary>(GC_SUMMARY_PROTO, "GCSummary", (g) => [
  ["snapshots", g.snapshots],
  ["transactionLogs", g.transactionLogs],
  ["manifests", g.manifests],
  ["chunks", g.chunks],
  ["bytes", g.bytes],
]);

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
