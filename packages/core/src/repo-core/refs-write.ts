/**
 * @module repo-core/refs-write
 * Moving refs, for both spec versions. Spec 1: conditional writes of the ref files under `refs/`
 * (create-if-absent, If-Match on update, a `ref.json.deleted` tombstone for tags). Spec 2: pure
 * update functions over the repo info, applied by `updateRepoInfo`.
 */
import type { AssetManager } from "../assets/asset-manager.js";
import {
  CannotDeleteMainBranchError,
  ConflictError,
  FeatureFlagDisabledError,
  RefAlreadyExistsError,
  RefNotFoundError,
  SnapshotNotFoundError,
} from "../errors.js";
import type { SnapshotId } from "../format/ids.js";
import type { RepoInfoData, RepoSnapshotInfo } from "../format/repo-info.js";
import { compareUtf8 } from "../util/bytes.js";
import type { RepoInfoChange } from "./repo-info-update.js";
import { branchKey, checkRefName, RefFilesVersionControl, tagKey, tagTombstoneKey } from "./v1.js";

const refJson = (id: SnapshotId) => new TextEncoder().encode(JSON.stringify({ snapshot: id }));

// ------------------------------------------------------------------------------------------ spec 1

/** Moves a spec-1 branch from `expected` to `to` (compare-and-swap); creates it when `expected` is undefined. */
export async function updateBranchV1(
  assets: AssetManager,
  branch: string,
  expected: SnapshotId | undefined,
  to: SnapshotId,
  signal?: AbortSignal,
): Promise<void> {
  checkRefName(branch);
  const vc = new RefFilesVersionControl(assets);
  const key = branchKey(branch);
  const current = await vc.readRef(key, { signal });
  if (expected === undefined) {
    if (current) throw new RefAlreadyExistsError("branch", branch);
    const r = await assets.request(() =>
      assets.storage.put(key, refJson(to), {
        condition: { ifNoneMatch: "*" },
        contentType: "application/json",
        signal,
      }),
    );
    if (r.kind !== "written") throw new RefAlreadyExistsError("branch", branch);
    return;
  }
  if (!current || current.snapshotId !== expected)
    throw new ConflictError(branch, expected, current?.snapshotId);
  const r = await assets.request(() =>
    assets.storage.put(key, refJson(to), {
      condition: { ifMatch: current.version },
      contentType: "application/json",
      signal,
    }),
  );
  if (r.kind !== "written") {
    const now = await vc.readRef(key, { signal });
    throw new ConflictError(branch, expected, now?.snapshotId);
  }
}

export async function createTagV1(
  assets: AssetManager,
  name: string,
  to: SnapshotId,
  signal?: AbortSignal,
): Promise<void> {
  checkRefName(name);
  const r = await assets.request(() =>
    assets.storage.put(tagKey(name), refJson(to), {
      condition: { ifNoneMatch: "*" },
      contentType: "application/json",
      signal,
    }),
  );
  if (r.kind !== "written")
    throw new RefAlreadyExistsError("tag", name, "(or was deleted: tag names are never reused)");
}

export async function deleteTagV1(
  assets: AssetManager,
  name: string,
  signal?: AbortSignal,
): Promise<void> {
  await new RefFilesVersionControl(assets).lookupTag(name, { signal });
  await assets.request(() =>
    assets.storage.put(tagTombstoneKey(name), new TextEncoder().encode("{}"), {
      condition: { ifNoneMatch: "*" },
      signal,
    }),
  );
}

export async function deleteBranchV1(
  assets: AssetManager,
  name: string,
  signal?: AbortSignal,
): Promise<void> {
  await new RefFilesVersionControl(assets).lookupBranch(name, { signal });
  await assets.request(() => assets.storage.delete([branchKey(name)], { signal }));
}

// ------------------------------------------------------------------------------------------ spec 2

const byName = (a: { name: string }, b: { name: string }) => compareUtf8(a.name, b.name);

function requireSnapshot(info: RepoInfoData, id: SnapshotId): RepoSnapshotInfo {
  const s = info.snapshots.find((x) => x.id === id);
  if (!s) throw new SnapshotNotFoundError(id);
  return s;
}

export function tipOf(info: RepoInfoData, branch: string): SnapshotId | undefined {
  return info.branches.find((b) => b.name === branch)?.snapshotId;
}

function setBranch(info: RepoInfoData, name: string, id: SnapshotId): RepoInfoData["branches"] {
  return [...info.branches.filter((b) => b.name !== name), { name, snapshotId: id }].sort(byName);
}

function requireFlag(info: RepoInfoData, id: number, name: string): void {
  if (info.disabledFeatureFlags.includes(id)) throw new FeatureFlagDisabledError(name);
}

export const v2 = {
  createBranch(name: string, to: SnapshotId) {
    return (info: RepoInfoData): RepoInfoChange => {
      requireSnapshot(info, to);
      if (tipOf(info, name)) throw new RefAlreadyExistsError("branch", name);
      return {
        info: { ...info, branches: setBranch(info, name, to) },
        update: { type: "branch-created", name },
      };
    };
  },
  resetBranch(name: string, to: SnapshotId, from: SnapshotId | undefined) {
    return (info: RepoInfoData): RepoInfoChange => {
      const tip = tipOf(info, name);
      if (!tip) throw new RefNotFoundError("branch", name);
      requireSnapshot(info, to);
      if (from !== undefined && tip !== from) throw new ConflictError(name, from, tip);
      return {
        info: { ...info, branches: setBranch(info, name, to) },
        update: { type: "branch-reset", name, previousSnapId: tip },
      };
    };
  },
  deleteBranch(name: string) {
    return (info: RepoInfoData): RepoInfoChange => {
      if (name === "main") throw new CannotDeleteMainBranchError();
      const tip = tipOf(info, name);
      if (!tip) throw new RefNotFoundError("branch", name);
      return {
        info: { ...info, branches: info.branches.filter((b) => b.name !== name) },
        update: { type: "branch-deleted", name, previousSnapId: tip },
      };
    };
  },
  createTag(name: string, to: SnapshotId) {
    return (info: RepoInfoData): RepoInfoChange => {
      requireFlag(info, 4, "create_tag");
      if (info.tags.some((t) => t.name === name)) throw new RefAlreadyExistsError("tag", name);
      if (info.deletedTags.includes(name))
        throw new RefAlreadyExistsError(
          "tag",
          name,
          "was deleted before, and tag names are never reused",
        );
      requireSnapshot(info, to);
      return {
        info: { ...info, tags: [...info.tags, { name, snapshotId: to }].sort(byName) },
        update: { type: "tag-created", name },
      };
    };
  },
  deleteTag(name: string) {
    return (info: RepoInfoData): RepoInfoChange => {
      requireFlag(info, 5, "delete_tag");
      const tag = info.tags.find((t) => t.name === name);
      if (!tag) throw new RefNotFoundError("tag", name);
      return {
        info: {
          ...info,
          tags: info.tags.filter((t) => t.name !== name),
          deletedTags: [...info.deletedTags, name].sort(compareUtf8),
        },
        update: { type: "tag-deleted", name, previousSnapId: tag.snapshotId },
      };
    };
  },
  /** Records a new snapshot and (for commits) moves the branch from `base` to it. */
  addSnapshot(
    snapshot: RepoSnapshotInfo,
    publish:
      | { kind: "commit"; branch: string; base: SnapshotId }
      | { kind: "amend"; branch: string; base: SnapshotId }
      | { kind: "detached" },
  ) {
    return (info: RepoInfoData): RepoInfoChange => {
      const snapshots = [...info.snapshots, snapshot];
      if (publish.kind === "detached")
        return {
          info: { ...info, snapshots },
          update: { type: "new-detached-snapshot", newSnapId: snapshot.id },
        };
      const tip = tipOf(info, publish.branch);
      if (tip !== publish.base) throw new ConflictError(publish.branch, publish.base, tip);
      const branches = setBranch(info, publish.branch, snapshot.id);
      return publish.kind === "commit"
        ? {
            info: { ...info, snapshots, branches },
            update: { type: "new-commit", branch: publish.branch, newSnapId: snapshot.id },
          }
        : {
            info: { ...info, snapshots, branches },
            update: {
              type: "commit-amended",
              branch: publish.branch,
              previousSnapId: publish.base,
              newSnapId: snapshot.id,
            },
          };
    };
  },
};
