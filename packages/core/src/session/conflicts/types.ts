/**
 * @module session/conflicts/types
 * Conflicts between a session's change set and a commit it is rebased over (upstream
 * `conflicts/mod.rs`): plain data, reported by a {@link ConflictSolver}. A solver either patches
 * the change set so it applies on top of the commit, or reports the conflicts it cannot resolve.
 */
import type { TransactionLogData } from "../../format/transaction-log.js";
import type { ChangeSet } from "../change-set.js";
import type { ReadContext } from "../read.js";
import type { Conflict } from "./conflict.js";

export type { Conflict, ConflictKind } from "./conflict.js";

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
