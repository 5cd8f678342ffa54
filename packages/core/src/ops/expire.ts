/**
 * @module ops/expire
 * Snapshot expiration (upstream `ops/gc.rs` `expire_v2`, `ops/expiration_v1.rs`; format notes
 * §9.4). Spec 2: one repo-info update (`expiration-ran`) that drops old snapshots from the history,
 * re-parents each retained snapshot whose parent was dropped onto the root of its tree and records
 * the dropped ancestors' transaction logs in its `prunedAncestorTxLogs` (spec 2.1), so diff and
 * rebase still see its full delta from the root. Spec 1: the oldest non-expired snapshot file of
 * every ref is rewritten in place with the root as parent. No object is deleted here (see gc).
 */
import type { AssetManager } from "../assets/asset-manager.js";
import {
  ReadOnlyRepositoryError,
  RepoUpdateAttemptsLimitError,
  throwIfAborted,
} from "../errors.js";
import { INITIAL_SNAPSHOT_ID } from "../format/constants.js";
import type { SnapshotId } from "../format/ids.js";
import type { RepoInfoData, RepoSnapshotInfo } from "../format/repo-info.js";
import type { SnapshotView } from "../format/snapshot.js";
import type { RepositoryConfig } from "../repo-core/config.js";
import { updateRepoInfo } from "../repo-core/repo-info-update.js";
import type { CallOptions } from "../repo-core/types.js";
import { deleteBranchV1, deleteTagV1, RefFilesVersionControl } from "../repo-core/v1.js";
import { compareUtf8 } from "../util/bytes.js";
import { type ProgressOptions, phaseCounter } from "../util/progress.js";
import {
  ancestryInInfo,
  dateToMicros,
  indexById,
  RepoInfoChangedSignal,
  reparentAndPrune,
  sameVersion,
  withParent,
} from "./history.js";

/** Options of `Repository.expireSnapshots`. */
export interface ExpireOptions extends CallOptions, ProgressOptions {
  /** Delete branches (never `main`) whose tip is expired (default false: they keep their tip). */
  deleteExpiredBranches?: boolean;
  /** Delete tags whose snapshot is expired (default false); deleted names are never reused. */
  deleteExpiredTags?: boolean;
}

/** What an expiration did. */
export interface ExpireResult {
  /** Snapshots removed from the history (their objects stay until garbage collection). */
  releasedSnapshots: SnapshotId[];
  /** Retained snapshots that got a new parent. */
  editedSnapshots: SnapshotId[];
  deletedBranches: string[];
  deletedTags: string[];
}

/** The planned spec-2 expiration: the new repo info (before the ops-log entry) and the result. */
export interface ExpirePlan {
  info: RepoInfoData;
  result: ExpireResult;
}

const sorted = <T extends string>(xs: Iterable<T>): T[] => [...xs].sort(compareUtf8);

/**
 * Pure spec-2 expiration over one repo info (`olderThan` in µs, exclusive). Roots are never
 * expired, nor the `main` tip; other ref tips only when their ref is deleted.
 */
export function planExpireV2(
  info: RepoInfoData,
  olderThanMicros: number,
  options: { deleteExpiredBranches?: boolean; deleteExpiredTags?: boolean } = {},
): ExpirePlan {
  const deleteBranches = options.deleteExpiredBranches ?? false;
  const deleteTags = options.deleteExpiredTags ?? false;
  const byId = indexById(info);
  // every non-root snapshot reachable from a ref → the root of its tree
  const rootOf = new Map<string, SnapshotId>();
  for (const ref of [...info.tags, ...info.branches]) {
    const chain = ancestryInInfo(byId, ref.snapshotId);
    const root = chain.find((s) => s.parentId === undefined)?.id ?? INITIAL_SNAPSHOT_ID;
    for (const s of chain)
      if (s.parentId !== undefined && !rootOf.has(s.id)) rootOf.set(s.id, root);
  }
  const tagTips = new Set(info.tags.map((t) => t.snapshotId));
  const branchTips = new Set(info.branches.map((b) => b.snapshotId));
  const mainTip = info.branches.find((b) => b.name === "main")?.snapshotId;
  const expired = new Set(
    info.snapshots
      .filter((s) => s.flushedAt < olderThanMicros && s.parentId !== undefined)
      .map((s) => s.id),
  );
  const released = new Set(
    [...expired].filter(
      (id) =>
        !(
          (!deleteTags && tagTips.has(id)) ||
          ((!deleteBranches || id === mainTip) && branchTips.has(id))
        ),
    ),
  );
  const edited: SnapshotId[] = [];
  const retained: RepoSnapshotInfo[] = [];
  for (const s of info.snapshots) {
    if (released.has(s.id)) continue;
    if (s.parentId !== undefined && released.has(s.parentId)) {
      // re-parent to the root of its tree, collecting every ancestor's tx log on the way
      const { pruned } = reparentAndPrune(byId, s, (a) => a.parentId === undefined);
      retained.push(withParent(s, rootOf.get(s.id) ?? INITIAL_SNAPSHOT_ID, pruned));
      edited.push(s.id);
    } else retained.push(s);
  }
  const deletedTags = deleteTags
    ? info.tags.filter((t) => expired.has(t.snapshotId)).map((t) => t.name)
    : [];
  const deletedBranches = deleteBranches
    ? info.branches.filter((b) => b.name !== "main" && expired.has(b.snapshotId)).map((b) => b.name)
    : [];
  return {
    info: {
      ...info,
      tags: info.tags.filter((t) => !deletedTags.includes(t.name)),
      branches: info.branches.filter((b) => !deletedBranches.includes(b.name)),
      deletedTags: sorted(new Set([...info.deletedTags, ...deletedTags])),
      snapshots: retained,
    },
    result: {
      releasedSnapshots: sorted(released),
      editedSnapshots: sorted(edited),
      deletedBranches: sorted(deletedBranches),
      deletedTags: sorted(deletedTags),
    },
  };
}

/** Spec-2 expiration: plans on the current repo info and writes it, starting over if it changed. */
export async function expireV2(
  assets: AssetManager,
  config: RepositoryConfig,
  olderThan: Date,
  options: ExpireOptions = {},
): Promise<ExpireResult> {
  if (!assets.storage.canWrite)
    throw new ReadOnlyRepositoryError("its storage is read-only; cannot expire snapshots");
  const maxTries = config.repoUpdateRetries?.default?.maxTries ?? 100;
  const progress = phaseCounter(options.onProgress, "repo-info", 1);
  for (let attempt = 0; attempt < maxTries; attempt++) {
    throwIfAborted(options.signal);
    const start = await assets.fetchRepoInfo(options);
    if (!start) throw new ReadOnlyRepositoryError("the 'repo' object is missing");
    if (start.info.status.availability !== "online")
      throw new ReadOnlyRepositoryError(
        start.info.status.reason ?? "its status is read-only; cannot expire snapshots",
      );
    const plan = planExpireV2(start.info, dateToMicros(olderThan), options);
    try {
      await updateRepoInfo(
        assets,
        config,
        (current) => {
          const cached = assets.cachedRepoInfo;
          const unchanged =
            current === start.info ||
            (cached?.info === current && sameVersion(cached.version, start.version));
          if (!unchanged) throw new RepoInfoChangedSignal();
          return { info: plan.info, update: { type: "expiration-ran" } };
        },
        options,
      );
      progress.tick();
      return plan.result;
    } catch (e) {
      if (!(e instanceof RepoInfoChangedSignal)) throw e;
    }
  }
  throw new RepoUpdateAttemptsLimitError(maxTries);
}

/**
 * Spec-1 expiration (upstream `expiration_v1::expire`): for every ref (tags, then branches, by
 * name) find the oldest non-expired snapshot of its ancestry and rewrite its file with the root as
 * parent (`Snapshot::adopt`); delete expired refs when asked. The rewrite replaces the cached copy,
 * so this repository (its garbage collection, its sessions) sees the new parents at once; other
 * open instances holding the old copy should be reopened.
 */
export async function expireV1(
  assets: AssetManager,
  olderThan: Date,
  options: ExpireOptions = {},
): Promise<ExpireResult> {
  const { signal } = options;
  if (!assets.storage.canWrite)
    throw new ReadOnlyRepositoryError("its storage is read-only; cannot expire snapshots");
  const cutoff = dateToMicros(olderThan);
  const refs = new RefFilesVersionControl(assets);
  const tagNames = await refs.listTags(options);
  const branchNames = await refs.listBranches(options);
  const released = new Set<SnapshotId>();
  const edited = new Set<SnapshotId>();
  const deletedTags: string[] = [];
  const deletedBranches: string[] = [];
  const work = [
    ...sorted(tagNames).map((name) => ({ name, tag: true })),
    ...sorted(branchNames).map((name) => ({ name, tag: false })),
  ];
  const progress = phaseCounter(options.onProgress, "refs", work.length);
  for (const ref of work) {
    throwIfAborted(signal);
    // files rewritten for earlier refs are read as rewritten: a write replaces the cached copy
    const tip = ref.tag
      ? await refs.lookupTag(ref.name, options)
      : await refs.lookupBranch(ref.name, options);
    const chain: SnapshotView[] = [];
    for (let id: SnapshotId | undefined = tip; id !== undefined; ) {
      const snap = await assets.fetchSnapshot(id, options);
      if (!snap) break;
      chain.push(snap);
      id = snap.parentId;
      if (chain.length > 1_000_000) break;
    }
    const refExpired = (chain[0]?.flushedAt ?? Number.POSITIVE_INFINITY) < cutoff;
    let editable: SnapshotView | undefined = chain[0];
    let root: SnapshotId = tip;
    const releasedHere = new Set<SnapshotId>();
    for (const snap of chain) {
      if (snap.flushedAt >= cutoff) editable = snap;
      else {
        releasedHere.add(snap.id);
        root = snap.id;
      }
    }
    releasedHere.delete(root);
    const nothingToDo =
      !editable || editable.id === root || editable.parentId === root || root === tip;
    if (!nothingToDo && editable) {
      await assets.writeSnapshot(
        {
          id: editable.id,
          parentId: root,
          flushedAt: editable.flushedAt,
          message: editable.message,
          metadata: editable.metadata,
          manifestFiles: [...editable.manifestFiles],
          nodes: [...editable.nodes()],
        },
        1,
        options,
      );
      for (const id of releasedHere) released.add(id);
      edited.add(editable.id);
    }
    if (refExpired && ref.tag && options.deleteExpiredTags) {
      await deleteTagV1(assets, ref.name, signal);
      deletedTags.push(ref.name);
    } else if (refExpired && !ref.tag && options.deleteExpiredBranches && ref.name !== "main") {
      await deleteBranchV1(assets, ref.name, signal);
      deletedBranches.push(ref.name);
    }
    progress.tick();
  }
  return {
    releasedSnapshots: sorted(released),
    editedSnapshots: sorted(edited),
    deletedBranches: sorted(deletedBranches),
    deletedTags: sorted(deletedTags),
  };
}
