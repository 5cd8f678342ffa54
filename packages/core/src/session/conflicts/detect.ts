/**
 * @module session/conflicts/detect
 * The conflict detector (upstream `detector.rs`, icechunk-format.md §7.3): compares a session's
 * change set with the transaction log of a commit made concurrently and lists every conflict, in
 * the upstream order. `ConflictDetector` is the solver that patches nothing.
 */
import { record } from "../../display/repr.js";
import { CONFLICT_PROTO } from "../../display/reprs.js";
import type { NodeId } from "../../format/ids.js";
import type { TransactionLogData } from "../../format/transaction-log.js";
import type { ChangeSet } from "../change-set.js";
import { parseCoordKey } from "../change-set.js";
import { getNode, type ReadContext } from "../read.js";
import { compareCoords } from "../tx-log-merge.js";
import type { Conflict, ConflictResolution, ConflictSolver } from "./types.js";

/** Ancestor paths of a node path, nearest first, ending at `/` (excluding the path itself). */
function ancestors(path: string): string[] {
  const out: string[] = [];
  let p = path;
  while (p !== "/") {
    const i = p.lastIndexOf("/");
    p = i <= 0 ? "/" : p.slice(0, i);
    out.push(p);
  }
  return out;
}

/** Resolves node ids to paths through our session (base snapshot, new nodes, deleted nodes). */
function pathFinder(
  current: ReadContext,
  changes: ChangeSet,
  previous: ReadContext,
): (id: NodeId) => string {
  let index: Map<string, string> | undefined;
  return (id) => {
    if (!index) {
      index = new Map();
      for (const n of previous.snapshot.nodes()) index.set(n.id, n.path);
      for (const n of current.snapshot.nodes()) index.set(n.id, n.path);
      for (const [path, id2] of [...changes.deletedGroups, ...changes.deletedArrays])
        index.set(id2, path);
      for (const [path, n] of [...changes.newGroups, ...changes.newArrays]) index.set(n.id, path);
    }
    return index.get(id) ?? `<node ${id}>`;
  };
}

/**
 * Every conflict between `ourChanges` and the commit described by `previousLog` (whose state is
 * `previous`). An empty list means the change set applies unchanged.
 */
export function detectConflicts(
  previousLog: TransactionLogData,
  previous: ReadContext,
  ourChanges: ChangeSet,
  current: ReadContext,
): Conflict[] {
  if (previousLog.movedNodes.length > 0)
    return [record(CONFLICT_PROTO, { kind: "move-operation-cannot-be-rebased" })];
  const out: Conflict[] = [];
  const pathOf = pathFinder(current, ourChanges, previous);
  const theirs = {
    updatedArrays: new Set<string>(previousLog.updatedArrays),
    updatedGroups: new Set<string>(previousLog.updatedGroups),
    deletedArrays: new Set<string>(previousLog.deletedArrays),
    deletedGroups: new Set<string>(previousLog.deletedGroups),
    chunks: new Map<string, Set<string>>(
      previousLog.updatedChunks.map((u) => [u.nodeId, new Set(u.chunks.map((c) => c.join(",")))]),
    ),
  };
  const newPaths = [...ourChanges.newGroups.keys(), ...ourChanges.newArrays.keys()];
  for (const path of newPaths) {
    const recreated = ourChanges.deletedGroups.has(path) || ourChanges.deletedArrays.has(path);
    if (!recreated && getNode(previous, path))
      out.push({ kind: "new-node-conflicts-with-existing-node", path });
  }
  const invalid = new Set<string>();
  for (const path of newPaths)
    for (const parent of ancestors(path))
      if (!invalid.has(parent) && getNode(previous, parent)?.kind === "array") {
        invalid.add(parent);
        out.push({ kind: "new-node-in-invalid-group", path: parent });
      }
  for (const id of ourChanges.updatedArrays.keys())
    if (theirs.updatedArrays.has(id))
      out.push({ kind: "zarr-metadata-double-update", path: pathOf(id) });
  for (const id of ourChanges.updatedGroups.keys())
    if (theirs.updatedGroups.has(id))
      out.push({ kind: "zarr-metadata-double-update", path: pathOf(id) });
  for (const id of ourChanges.updatedArrays.keys())
    if (theirs.deletedArrays.has(id))
      out.push({ kind: "zarr-metadata-update-of-deleted-array", path: pathOf(id) });
  for (const id of ourChanges.updatedGroups.keys())
    if (theirs.deletedGroups.has(id))
      out.push({ kind: "zarr-metadata-update-of-deleted-group", path: pathOf(id) });
  const withChunks = [...ourChanges.setChunks].filter(([, m]) => m.size > 0);
  for (const [nodeId] of withChunks)
    if (theirs.deletedArrays.has(nodeId))
      out.push({ kind: "chunks-updated-in-deleted-array", path: pathOf(nodeId), nodeId });
  for (const [nodeId] of withChunks)
    if (theirs.updatedArrays.has(nodeId))
      out.push({ kind: "chunks-updated-in-updated-array", path: pathOf(nodeId), nodeId });
  for (const [nodeId, m] of withChunks) {
    const touched = theirs.chunks.get(nodeId);
    if (!touched) continue;
    const both = [...m.keys()].filter((k) => touched.has(k));
    if (both.length > 0)
      out.push({
        kind: "chunk-double-update",
        path: pathOf(nodeId),
        nodeId,
        chunkCoordinates: both.map(parseCoordKey).sort(compareCoords),
      });
  }
  for (const [path, nodeId] of ourChanges.deletedArrays)
    if (theirs.updatedArrays.has(nodeId) || theirs.chunks.has(nodeId))
      out.push({ kind: "delete-of-updated-array", path, nodeId });
  for (const [path, nodeId] of ourChanges.deletedGroups)
    if (theirs.updatedGroups.has(nodeId))
      out.push({ kind: "delete-of-updated-group", path, nodeId });
  return out.map((c) => record(CONFLICT_PROTO, c));
}

/** A solver that reports every conflict and resolves none (upstream `ConflictDetector`). */
export class ConflictDetector implements ConflictSolver {
  /** Reports every conflict (unsolvable), or returns the change set unchanged when there is none. */
  async solve(
    previousLog: TransactionLogData,
    previous: ReadContext,
    changes: ChangeSet,
    current: ReadContext,
    _options: { signal?: AbortSignal } = {},
  ): Promise<ConflictResolution> {
    const conflicts = detectConflicts(previousLog, previous, changes, current);
    return conflicts.length === 0
      ? { kind: "patched", changes }
      : { kind: "unsolvable", conflicts };
  }
}
