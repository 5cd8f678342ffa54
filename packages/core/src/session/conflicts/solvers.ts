/**
 * @module session/conflicts/solvers
 * `BasicConflictSolver` (upstream `basic_solver.rs`, icechunk-format.md §7.4): resolves chunk
 * conflicts by picking a side and keeps deletes of nodes the other commit updated; every other
 * conflict kind leaves the rebase step unsolvable.
 */
import type { TransactionLogData } from "../../format/transaction-log.js";
import type { ChangeSet } from "../change-set.js";
import { coordKey } from "../change-set.js";
import { cloneChangeSet } from "../fork.js";
import type { ReadContext } from "../read.js";
import { detectConflicts } from "./detect.js";
import type { Conflict, ConflictResolution, ConflictSolver } from "./types.js";

/** Which side wins when both wrote the same chunk: ours, theirs, or neither (fail). */
export type VersionSelection = "use-ours" | "use-theirs" | "fail";

/** Options of {@link BasicConflictSolver}. */
export interface BasicConflictSolverOptions {
  /** Default `"use-ours"`. */
  onChunkConflict?: VersionSelection;
  /** Refuse to delete an array the other commit updated (default false: our delete wins). */
  failOnDeleteOfUpdatedArray?: boolean;
  /** Refuse to delete a group the other commit updated (default false: our delete wins). */
  failOnDeleteOfUpdatedGroup?: boolean;
}

/**
 * The standard solver for concurrent writers of disjoint or overlapping chunks.
 * @example
 * await session.commit("append", { rebase: new BasicConflictSolver({ onChunkConflict: "use-theirs" }) });
 */
export class BasicConflictSolver implements ConflictSolver {
  /** Whose chunk wins when both sides wrote it (`use-ours`, the default), or `fail`. */
  readonly onChunkConflict: VersionSelection;
  /** Fail instead of keeping our deletion of an array the commit updated. */
  readonly failOnDeleteOfUpdatedArray: boolean;
  /** Fail instead of keeping our deletion of a group the commit updated. */
  readonly failOnDeleteOfUpdatedGroup: boolean;

  constructor(options: BasicConflictSolverOptions = {}) {
    this.onChunkConflict = options.onChunkConflict ?? "use-ours";
    this.failOnDeleteOfUpdatedArray = options.failOnDeleteOfUpdatedArray ?? false;
    this.failOnDeleteOfUpdatedGroup = options.failOnDeleteOfUpdatedGroup ?? false;
  }

  #solvable(c: Conflict): boolean {
    switch (c.kind) {
      case "chunk-double-update":
        return this.onChunkConflict !== "fail";
      case "delete-of-updated-array":
        return !this.failOnDeleteOfUpdatedArray;
      case "delete-of-updated-group":
        return !this.failOnDeleteOfUpdatedGroup;
      default:
        return false;
    }
  }

  /** Resolves the conflicts its options allow; reports the others as unsolvable. */
  async solve(
    previousLog: TransactionLogData,
    previous: ReadContext,
    changes: ChangeSet,
    current: ReadContext,
    _options: { signal?: AbortSignal } = {},
  ): Promise<ConflictResolution> {
    const conflicts = detectConflicts(previousLog, previous, changes, current);
    if (conflicts.length === 0) return { kind: "patched", changes };
    if (!conflicts.every((c) => this.#solvable(c))) return { kind: "unsolvable", conflicts };
    if (this.onChunkConflict !== "use-theirs") return { kind: "patched", changes };
    const patched = cloneChangeSet(changes);
    for (const c of conflicts) {
      if (c.kind !== "chunk-double-update") continue;
      const m = patched.setChunks.get(c.nodeId);
      if (!m) continue;
      // as upstream's `drop_chunk_changes`: the array stays in the change set even when emptied,
      // so the rebased commit still happens (with an empty chunk list for it in its log)
      for (const coords of c.chunkCoordinates) m.delete(coordKey(coords));
    }
    return { kind: "patched", changes: patched };
  }
}
