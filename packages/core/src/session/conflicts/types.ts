/**
 * @module session/conflicts/types
 * Conflicts between a session's change set and a commit it is rebased over (upstream
 * `conflicts/mod.rs`): plain data, reported by a {@link ConflictSolver}. A solver either patches
 * the change set so it applies on top of the commit, or reports the conflicts it cannot resolve.
 */
import type { NodeId } from "../../format/ids.js";
import type { TransactionLogData } from "../../format/transaction-log.js";
import type { ChangeSet } from "../change-set.js";
import type { ReadContext } from "../read.js";

/** One conflict found by the detector (icechunk-format.md §7.3). Paths are absolute node paths. */
export type Conflict =
  /** The commit moved nodes; sessions are never rebased over moves. */
  | { readonly kind: "move-operation-cannot-be-rebased" }
  /** We created a node where the commit already has one. */
  | { readonly kind: "new-node-conflicts-with-existing-node"; readonly path: string }
  /** We created a node under `path`, which is an array in the commit. */
  | { readonly kind: "new-node-in-invalid-group"; readonly path: string }
  /** We and the commit both changed this node's zarr.json. */
  | { readonly kind: "zarr-metadata-double-update"; readonly path: string }
  | { readonly kind: "zarr-metadata-update-of-deleted-array"; readonly path: string }
  | { readonly kind: "zarr-metadata-update-of-deleted-group"; readonly path: string }
  | {
      readonly kind: "chunks-updated-in-deleted-array";
      readonly path: string;
      readonly nodeId: NodeId;
    }
  /** We wrote chunks of an array whose metadata (e.g. shape) the commit changed. */
  | {
      readonly kind: "chunks-updated-in-updated-array";
      readonly path: string;
      readonly nodeId: NodeId;
    }
  /** We and the commit both wrote (or deleted) these chunks. */
  | {
      readonly kind: "chunk-double-update";
      readonly path: string;
      readonly nodeId: NodeId;
      /** Sorted. */
      readonly chunkCoordinates: readonly number[][];
    }
  | { readonly kind: "delete-of-updated-array"; readonly path: string; readonly nodeId: NodeId }
  | { readonly kind: "delete-of-updated-group"; readonly path: string; readonly nodeId: NodeId };

/** Every conflict kind, in the detector's order. */
export type ConflictKind = Conflict["kind"];

/** What a solver returns. */
export type ConflictResolution =
  | { readonly kind: "patched"; readonly changes: ChangeSet }
  | { readonly kind: "unsolvable"; readonly conflicts: readonly Conflict[] };

/** Decides how a change set applies on top of a commit made concurrently. */
export interface ConflictSolver {
  /**
   * @param previousLog the transaction log of the commit being rebased over
   * @param previous a read-only view of the repository at that commit (empty change set)
   * @param changes the session's change set; solvers must not mutate it (return a patched copy)
   * @param current the rebasing session's view: its current base snapshot with `changes` applied
   */
  solve(
    previousLog: TransactionLogData,
    previous: ReadContext,
    changes: ChangeSet,
    current: ReadContext,
    options?: { signal?: AbortSignal },
  ): Promise<ConflictResolution>;
}
