/**
 * @module repo-core/refs-write
 * Moving refs of a spec-2 repository: pure update functions over the repo info, applied by
 * `updateRepoInfo` (the spec-1 ref file writes are in `v1.ts`).
 */
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
import type { SnapshotPublication } from "./types.js";

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
  addSnapshot(snapshot: RepoSnapshotInfo, publish: SnapshotPublication) {
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
