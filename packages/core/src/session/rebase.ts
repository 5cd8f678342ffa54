/**
 * @module session/rebase
 * Rebasing a branch session over commits made since it started (upstream `Session::rebase`,
 * icechunk-format.md §7.2) and commit-with-rebase (`do_commit_rebasing`). For each new commit,
 * oldest first, the solver sees the commit's pruned-ancestor logs and then its own log; the
 * session's base moves to a commit only once all its logs were solved.
 */
import {
  ConflictError,
  MissingTransactionLogError,
  ReadOnlySessionError,
  RebaseFailedError,
  RefNotFoundError,
  SessionModeError,
  SnapshotNotFoundError,
  throwIfAborted,
} from "../errors.js";
import type { SnapshotId } from "../format/ids.js";
import type { JsonObject } from "../format/json-value.js";
import type { SnapshotView } from "../format/snapshot.js";
import { ChangeSet } from "./change-set.js";
import type { ConflictSolver } from "./conflicts/types.js";
import { commitsBetween, prunedAncestorTxLogs } from "./diff.js";
import type { ReadContext } from "./read.js";
import type { RepoContext } from "./session.js";

/** What rebasing needs of a session (the session hands it over; internal). */
export interface RebaseTarget {
  readonly repo: RepoContext;
  readonly snapshotId: SnapshotId;
  readonly readOnly: boolean;
  readonly isFork: boolean;
  readonly branch: string | undefined;
  readonly changes: ChangeSet;
  readContext(): ReadContext;
  resetBase(snapshot: SnapshotView, changes: ChangeSet): void;
}

/** Options of `session.rebase`. */
export interface RebaseOptions {
  signal?: AbortSignal;
}

/**
 * Moves the session's base to its branch tip, letting `solver` adapt the change set to every
 * commit in between. Nothing to do when the branch did not move or was deleted.
 * @throws {RebaseFailedError} at the first commit the solver cannot solve; the session then stays
 *   based on the last commit it could rebase over
 * @throws {MissingTransactionLogError} when a needed transaction log is missing
 */
export async function rebaseSession(
  session: RebaseTarget,
  solver: ConflictSolver,
  options: RebaseOptions = {},
): Promise<void> {
  const { signal } = options;
  if (session.readOnly) throw new ReadOnlySessionError("rebase");
  const branch = session.branch;
  if (session.isFork || branch === undefined)
    throw new SessionModeError(
      "rebase",
      "fork",
      "merge the fork into a branch session and rebase that",
    );
  const repo = session.repo;
  let tip: SnapshotId;
  try {
    tip = await repo.versionControl.lookupBranch(branch, { signal });
  } catch (err) {
    if (err instanceof RefNotFoundError) return;
    throw err;
  }
  const base = session.snapshotId;
  if (tip === base) return;
  const commits =
    (await commitsBetween(repo, base, tip, signal)) ?? (await allAncestors(session, tip, signal));
  const pruned = await prunedAncestorTxLogs(repo, signal);
  for (const id of commits) {
    throwIfAborted(signal);
    const snapshot = await repo.assets.fetchSnapshot(id, { signal });
    if (!snapshot) throw new SnapshotNotFoundError(id);
    const previous: ReadContext = {
      snapshot,
      changes: new ChangeSet(),
      assets: repo.assets,
      virtual: repo.virtual,
    };
    let changes = session.changes;
    for (const logId of [...(pruned.get(id) ?? []), id]) {
      const log = await repo.assets.fetchTransactionLog(logId, { signal });
      if (!log) throw new MissingTransactionLogError(logId, logId !== id);
      const current: ReadContext = { ...session.readContext(), changes };
      const resolution = await solver.solve(log, previous, changes, current, { signal });
      if (resolution.kind === "unsolvable") throw new RebaseFailedError(id, resolution.conflicts);
      changes = resolution.changes;
    }
    session.resetBase(snapshot, changes);
  }
}

/** Upstream takes the whole tip history when the base is not on it (e.g. after a branch reset). */
async function allAncestors(
  session: RebaseTarget,
  tip: SnapshotId,
  signal?: AbortSignal,
): Promise<SnapshotId[]> {
  const out: SnapshotId[] = [];
  for await (const info of session.repo.versionControl.ancestry(tip, { signal })) out.push(info.id);
  return out.reverse();
}

/** Metadata key under `__icechunk` recording how many rebases preceded the successful attempt. */
export const REBASE_ATTEMPTS_KEY = "rebase_attempts";

function withAttempts(metadata: JsonObject | undefined, attempt: number): JsonObject {
  const own = metadata?.__icechunk;
  const inner = own && typeof own === "object" && !Array.isArray(own) ? own : {};
  return { ...metadata, __icechunk: { ...inner, [REBASE_ATTEMPTS_KEY]: attempt } };
}

/** Options of {@link commitRebasing}. */
export interface CommitRebasingOptions {
  solver: ConflictSolver;
  /** Rebases before giving up (default 1000); one last commit attempt follows the last rebase. */
  rebaseTries?: number;
  metadata?: JsonObject;
  signal?: AbortSignal;
}

/**
 * Commits; when another writer won the race, rebases with `solver` and tries again. Every attempt
 * records `__icechunk.rebase_attempts` (rebases done so far) in the commit metadata.
 * @throws {ConflictError} when the branch still moved after `rebaseTries` rebases
 * @throws {RebaseFailedError} when the solver cannot resolve a conflict
 */
export async function commitRebasing(
  session: RebaseTarget,
  commitOnce: (metadata: JsonObject) => Promise<SnapshotId>,
  options: CommitRebasingOptions,
): Promise<SnapshotId> {
  const tries = options.rebaseTries ?? 1000;
  for (let attempt = 0; ; attempt++) {
    try {
      return await commitOnce(withAttempts(options.metadata, attempt));
    } catch (err) {
      if (!(err instanceof ConflictError) || attempt >= tries) throw err;
    }
    await rebaseSession(session, options.solver, { signal: options.signal });
  }
}
