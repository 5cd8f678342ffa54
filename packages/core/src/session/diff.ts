/**
 * @module session/diff
 * Differences between versions, computed from transaction logs (upstream `diff.rs`,
 * icechunk-format.md §7.5): `diffSnapshots` unions the logs of every commit after `from` up to
 * `to`; `sessionStatus` does the same for a session's uncommitted change set. Node ids become
 * paths through the node lists of both ends (ids with no path are dropped). The result has the
 * shape of the official binding's `DiffResult`.
 */

import {
  BadSnapshotChainForDiffError,
  MissingTransactionLogError,
  SnapshotNotFoundError,
  throwIfAborted,
} from "../errors.js";
import type { SnapshotId } from "../format/ids.js";
import { comparePathsComponentWise, type TransactionLogData } from "../format/transaction-log.js";
import { makeDiff } from "./diff-text.js";
import { transactionLogFor } from "./flush.js";
import { listNodes, type ReadContext } from "./read.js";
import type { RepoContext } from "./session.js";
import { compareCoords, mergeTransactionLogs } from "./tx-log-merge.js";

/** A node moved by a rearrange session. */
export interface MovedNode {
  from: string;
  to: string;
}

/** The fields of a Diff (paths sorted; same shape as the official `DiffResult`). */
export interface DiffFields {
  newGroups: string[];
  newArrays: string[];
  deletedGroups: string[];
  deletedArrays: string[];
  updatedGroups: string[];
  updatedArrays: string[];
  /** Array path → sorted coordinates of every chunk written or deleted. */
  updatedChunks: Record<string, number[][]>;
  movedNodes: MovedNode[];
}

/** What changed between two versions, with upstream's text form (`toString()`). */
export interface Diff extends DiffFields {
  /** True when nothing changed. */
  isEmpty(): boolean;
  /** Upstream's text form ("Groups created:", …, "Nodes moved/renamed:"); "" when empty. */
  toString(): string;
}

type NodeLike = { readonly id: string; readonly path: string };

/** Translates a (merged) transaction log to paths; `to` nodes win over `from` nodes. */
export function diffFromTransactionLog(
  log: TransactionLogData,
  from: Iterable<NodeLike>,
  to: Iterable<NodeLike>,
): Diff {
  const paths = new Map<string, string>();
  for (const n of from) paths.set(n.id, n.path);
  for (const n of to) paths.set(n.id, n.path);
  const toPaths = (ids: readonly string[]) =>
    [...new Set(ids.flatMap((id) => (paths.has(id) ? [paths.get(id)!] : [])))].sort(
      comparePathsComponentWise,
    );
  const chunks = new Map<string, Map<string, number[]>>();
  for (const { nodeId, chunks: cs } of log.updatedChunks) {
    const path = paths.get(nodeId);
    if (path === undefined) continue;
    let m = chunks.get(path);
    if (!m) {
      m = new Map();
      chunks.set(path, m);
    }
    for (const c of cs) m.set(c.join(","), [...c]);
  }
  const updatedChunks: Record<string, number[][]> = {};
  for (const path of [...chunks.keys()].sort(comparePathsComponentWise))
    updatedChunks[path] = [...chunks.get(path)!.values()].sort(compareCoords);
  return makeDiff({
    newGroups: toPaths(log.newGroups),
    newArrays: toPaths(log.newArrays),
    deletedGroups: toPaths(log.deletedGroups),
    deletedArrays: toPaths(log.deletedArrays),
    updatedGroups: toPaths(log.updatedGroups),
    updatedArrays: toPaths(log.updatedArrays),
    updatedChunks,
    movedNodes: log.movedNodes.map((m) => ({ from: m.from, to: m.to })),
  });
}

/** Spec 2.1: snapshot id → ids of expired ancestors' tx logs it carries (oldest first). */
export async function prunedAncestorTxLogs(
  repo: RepoContext,
  signal?: AbortSignal,
): Promise<Map<string, SnapshotId[]>> {
  const out = new Map<string, SnapshotId[]>();
  if (repo.specVersion < 2) return out;
  const info = await repo.assets.fetchRepoInfo({ signal });
  for (const s of info?.info.snapshots ?? [])
    if (s.prunedAncestorTxLogs?.length) out.set(s.id, s.prunedAncestorTxLogs);
  return out;
}

/** Snapshot ids after `from` up to and including `to`, oldest first; undefined when `from` is not an ancestor. */
export async function commitsBetween(
  repo: RepoContext,
  from: SnapshotId,
  to: SnapshotId,
  signal?: AbortSignal,
): Promise<SnapshotId[] | undefined> {
  const out: SnapshotId[] = [];
  for await (const info of repo.versionControl.ancestry(to, { signal })) {
    throwIfAborted(signal);
    if (info.id === from) return out.reverse();
    out.push(info.id);
  }
  return undefined;
}

/**
 * What changed from `from` to `to`.
 * @throws {BadSnapshotChainForDiffError} unless `from` is a strict ancestor of `to`
 * @throws {MissingTransactionLogError} when a commit's own transaction log is missing
 */
export async function diffSnapshots(
  repo: RepoContext,
  from: SnapshotId,
  to: SnapshotId,
  options: { signal?: AbortSignal } = {},
): Promise<Diff> {
  const { signal } = options;
  const commits = from === to ? undefined : await commitsBetween(repo, from, to, signal);
  if (!commits) throw new BadSnapshotChainForDiffError(from, to);
  const pruned = await prunedAncestorTxLogs(repo, signal);
  let merged: TransactionLogData | undefined;
  for (const id of commits)
    for (const logId of [...(pruned.get(id) ?? []), id]) {
      const log = await repo.assets.fetchTransactionLog(logId, { signal });
      if (!log) {
        if (logId !== id) continue; // upstream tolerates a missing pruned log (with a warning)
        throw new MissingTransactionLogError(logId, false);
      }
      merged = merged ? mergeTransactionLogs(merged, log) : log;
    }
  const [a, b] = await Promise.all([
    repo.assets.fetchSnapshot(from, { signal }),
    repo.assets.fetchSnapshot(to, { signal }),
  ]);
  if (!a) throw new SnapshotNotFoundError(from);
  if (!b) throw new SnapshotNotFoundError(to);
  return diffFromTransactionLog(merged!, a.nodes(), b.nodes());
}

/** The uncommitted changes of a session, as a Diff against its base snapshot. */
export function sessionStatus(ctx: ReadContext): Diff {
  const log = transactionLogFor(ctx, ctx.snapshot.id);
  return diffFromTransactionLog(log, ctx.snapshot.nodes(), listNodes(ctx, "/"));
}
