/**
 * @module ops/history
 * Helpers shared by expiration, garbage collection and migration: ancestry walks inside one repo
 * info object, re-parenting a snapshot over dropped ancestors while collecting their transaction
 * log ids (`pruned_ancestor_tx_logs`, spec 2.1), the "repo info changed under us" retry signal
 * and date conversions.
 */
import { CorruptObjectError } from "../errors.js";
import type { SnapshotId } from "../format/ids.js";
import type { RepoInfoData, RepoSnapshotInfo } from "../format/repo-info.js";
import type { ObjectVersion } from "../storage/types.js";

/** Snapshot infos of a repo info, by id. */
export function indexById(info: RepoInfoData): Map<string, RepoSnapshotInfo> {
  return new Map(info.snapshots.map((s) => [s.id, s]));
}

/** `id` and its ancestors (newest first) as recorded in the repo info; stops at a missing parent. */
export function ancestryInInfo(
  byId: ReadonlyMap<string, RepoSnapshotInfo>,
  id: SnapshotId,
): RepoSnapshotInfo[] {
  const out: RepoSnapshotInfo[] = [];
  const seen = new Set<string>();
  let current = byId.get(id);
  while (current) {
    if (seen.has(current.id))
      throw new CorruptObjectError("repo info", `the ancestry of ${id} has a cycle`, {
        path: "repo",
      });
    seen.add(current.id);
    out.push(current);
    current = current.parentId === undefined ? undefined : byId.get(current.parentId);
  }
  return out;
}

/**
 * Walks up from `edited` until an ancestor satisfies `isBoundary`; every ancestor passed on the way
 * is collapsed. Returns the boundary (the new parent, undefined when none) and the pruned tx log
 * ids, oldest first: each collapsed ancestor's own pruned list, then the ancestor, and finally
 * `edited`'s previous pruned list (newer than the collapsed run).
 */
export function reparentAndPrune(
  byId: ReadonlyMap<string, RepoSnapshotInfo>,
  edited: RepoSnapshotInfo,
  isBoundary: (s: RepoSnapshotInfo) => boolean,
): { newParent: SnapshotId | undefined; pruned: SnapshotId[] } {
  const collapsed: RepoSnapshotInfo[] = [];
  let newParent: SnapshotId | undefined;
  for (const ancestor of ancestryInInfo(byId, edited.id).slice(1)) {
    if (isBoundary(ancestor)) {
      newParent = ancestor.id;
      break;
    }
    collapsed.push(ancestor);
  }
  const pruned: SnapshotId[] = [];
  for (const a of collapsed.reverse()) pruned.push(...(a.prunedAncestorTxLogs ?? []), a.id);
  pruned.push(...(edited.prunedAncestorTxLogs ?? []));
  return { newParent, pruned };
}

/** A snapshot info with a new parent and pruned list (the list left out when empty). */
export function withParent(
  s: RepoSnapshotInfo,
  parentId: SnapshotId,
  pruned: SnapshotId[],
): RepoSnapshotInfo {
  const { prunedAncestorTxLogs: _old, ...rest } = s;
  return { ...rest, parentId, ...(pruned.length > 0 ? { prunedAncestorTxLogs: pruned } : {}) };
}

/**
 * Internal signal: the repo info changed since the operation planned its update, so the whole
 * operation must start over on fresh state (upstream `RepoInfoUpdated`). Never escapes `ops/`.
 */
export class RepoInfoChangedSignal extends Error {
  constructor() {
    super("the repo info changed while the operation ran; retrying");
  }
}

/** True when two storage versions name the same object version (both empty: unknown → false). */
export function sameVersion(a: ObjectVersion, b: ObjectVersion): boolean {
  if (a.etag === undefined && a.generation === undefined) return false;
  return a.etag === b.etag && a.generation === b.generation;
}

/** Micro-seconds since the epoch of a Date. */
export const dateToMicros = (d: Date): number => d.getTime() * 1000;
