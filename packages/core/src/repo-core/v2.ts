/**
 * @module repo-core/v2
 * Refs and history of a spec-2 repository, read from the single `repo` object (repo info):
 * branches, tags, deleted tags and every snapshot with its parent link.
 */

import type { AssetManager } from "../assets/asset-manager.js";
import { CorruptObjectError, RefNotFoundError, SnapshotNotFoundError } from "../errors.js";
import type { SnapshotId } from "../format/ids.js";
import {
  type RepoInfoData,
  type RepoSnapshotInfo,
  type RepoSnapshotTable,
  snapshotTableOf,
} from "../format/repo-info.js";
import type { RepositoryConfig } from "./config.js";
import { v2 } from "./refs-write.js";
import { type RepoInfoChange, updateRepoInfo } from "./repo-info-update.js";
import {
  type CallOptions,
  type SnapshotInfo,
  type SnapshotPublication,
  snapshotInfo,
  type VersionControl,
} from "./types.js";

type RepoSnapshot = RepoInfoData["snapshots"][number];

export class RepoInfoVersionControl implements VersionControl {
  constructor(
    readonly assets: AssetManager,
    readonly config: RepositoryConfig,
  ) {}

  async #update(change: (info: RepoInfoData) => RepoInfoChange, options: CallOptions = {}) {
    await updateRepoInfo(this.assets, this.config, change, options);
  }

  createBranch(name: string, to: SnapshotId, options?: CallOptions): Promise<void> {
    return this.#update(v2.createBranch(name, to), options);
  }

  resetBranch(
    name: string,
    to: SnapshotId,
    from: SnapshotId | undefined,
    options?: CallOptions,
  ): Promise<void> {
    return this.#update(v2.resetBranch(name, to, from), options);
  }

  deleteBranch(name: string, options?: CallOptions): Promise<void> {
    return this.#update(v2.deleteBranch(name), options);
  }

  createTag(name: string, to: SnapshotId, options?: CallOptions): Promise<void> {
    return this.#update(v2.createTag(name, to), options);
  }

  deleteTag(name: string, options?: CallOptions): Promise<void> {
    return this.#update(v2.deleteTag(name), options);
  }

  publishSnapshot(
    snapshot: RepoSnapshotInfo,
    publish: SnapshotPublication,
    options?: CallOptions,
  ): Promise<void> {
    return this.#update(v2.addSnapshot(snapshot, publish), options);
  }

  async info(options: CallOptions = {}): Promise<RepoInfoData> {
    const got = await this.assets.fetchRepoInfo(options);
    if (!got)
      throw new CorruptObjectError("repo info", "the 'repo' object disappeared", { path: "repo" });
    return got.info;
  }

  async listBranches(options?: CallOptions): Promise<string[]> {
    return (await this.info(options)).branches.map((b) => b.name).sort();
  }

  async listTags(options?: CallOptions): Promise<string[]> {
    return (await this.info(options)).tags.map((t) => t.name).sort();
  }

  async lookupBranch(name: string, options?: CallOptions): Promise<SnapshotId> {
    const ref = (await this.info(options)).branches.find((b) => b.name === name);
    if (!ref) throw new RefNotFoundError("branch", name);
    return ref.snapshotId;
  }

  async lookupTag(name: string, options?: CallOptions): Promise<SnapshotId> {
    const ref = (await this.info(options)).tags.find((t) => t.name === name);
    if (!ref) throw new RefNotFoundError("tag", name);
    return ref.snapshotId;
  }

  async lookupSnapshot(id: SnapshotId, options?: CallOptions): Promise<SnapshotInfo> {
    const info = await this.info(options);
    const table = snapshotTableOf(info);
    if (table) {
      const i = table.indexOf(id);
      if (i < 0) throw new SnapshotNotFoundError(id);
      return tableInfo(table, i);
    }
    const s = indexSnapshots(info).get(id);
    if (!s) throw new SnapshotNotFoundError(id);
    return toInfo(s);
  }

  async *ancestry(id: SnapshotId, options?: CallOptions): AsyncIterable<SnapshotInfo> {
    yield* await this.ancestryList(id, options);
  }

  /** The whole ancestry at once (the repo object holds it all: no per-entry async step). */
  async ancestryList(id: SnapshotId, options?: CallOptions): Promise<SnapshotInfo[]> {
    const info = await this.info(options);
    const table = snapshotTableOf(info);
    if (table) return tableAncestry(table, id);
    const byId = indexSnapshots(info);
    let current = byId.get(id);
    if (!current) throw new SnapshotNotFoundError(id);
    const seen = new Set<string>();
    const out: SnapshotInfo[] = [];
    while (current) {
      if (seen.has(current.id))
        throw new CorruptObjectError("repo info", `the ancestry of ${id} has a cycle`, {
          path: "repo",
        });
      seen.add(current.id);
      out.push(toInfo(current));
      if (!current.parentId) break;
      const parent = byId.get(current.parentId);
      if (!parent) throw new SnapshotNotFoundError(current.parentId);
      current = parent;
    }
    return out;
  }
}

/** Walks parent indices in the decoded repo object: one object per listed entry, nothing else. */
function tableAncestry(table: RepoSnapshotTable, id: SnapshotId): SnapshotInfo[] {
  let i = table.indexOf(id);
  if (i < 0) throw new SnapshotNotFoundError(id);
  const out: SnapshotInfo[] = [];
  // Every step moves to an in-range parent index, so more steps than entries means a cycle.
  for (let steps = 0; ; steps++) {
    if (steps === table.count)
      throw new CorruptObjectError("repo info", `the ancestry of ${id} has a cycle`, {
        path: "repo",
      });
    out.push(tableInfo(table, i));
    const parent = table.parentIndex(i);
    if (parent < 0) return out;
    i = parent;
  }
}

function tableInfo(table: RepoSnapshotTable, i: number): SnapshotInfo {
  const parent = table.parentIndex(i);
  return snapshotInfo(
    table.idAt(i),
    parent < 0 ? undefined : table.idAt(parent),
    table.flushedAt(i),
    table.message(i),
    table.metadata(i),
  );
}

const indexCache = new WeakMap<RepoInfoData, Map<string, RepoSnapshot>>();
function indexSnapshots(info: RepoInfoData): Map<string, RepoSnapshot> {
  let m = indexCache.get(info);
  if (!m) {
    m = new Map(info.snapshots.map((s) => [s.id, s]));
    indexCache.set(info, m);
  }
  return m;
}

function toInfo(s: RepoSnapshot): SnapshotInfo {
  return snapshotInfo(s.id, s.parentId, s.flushedAt, s.message, s.metadata);
}
