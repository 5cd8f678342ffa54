/**
 * @module repo-core/v1
 * Refs and history of a spec-1 repository: one JSON file per ref under `refs/`
 * (`refs/branch.<name>/ref.json`, `refs/tag.<name>/ref.json`, a deleted tag leaves
 * `ref.json.deleted`), ancestry by following `parent_id` through snapshot files.
 */

import { type AssetManager, MAX_REF_FILE_BYTES } from "../assets/asset-manager.js";
import {
  ConflictError,
  CorruptObjectError,
  InvalidRefNameError,
  RefAlreadyExistsError,
  RefNotFoundError,
  SnapshotNotFoundError,
} from "../errors.js";
import { parseSnapshotId, type SnapshotId } from "../format/ids.js";
import type { RepoSnapshotInfo } from "../format/repo-info.js";
import type { ObjectVersion } from "../storage/types.js";
import {
  type CallOptions,
  type SnapshotInfo,
  type SnapshotPublication,
  snapshotInfo,
  type VersionControl,
} from "./types.js";

export const REFS_PREFIX = "refs";
export const branchKey = (name: string) => `refs/branch.${name}/ref.json`;
export const tagKey = (name: string) => `refs/tag.${name}/ref.json`;
export const tagTombstoneKey = (name: string) => `refs/tag.${name}/ref.json.deleted`;

export function checkRefName(name: string): void {
  if (name === "" || name.includes("/"))
    throw new InvalidRefNameError(
      name,
      "spec-1 branch and tag names must be non-empty and contain no '/'",
    );
}

/**
 * The snapshot id of a spec-1 ref file (`{"snapshot":"<id>"}`).
 * @throws {CorruptObjectError} when it is not JSON or has no snapshot field
 * @throws {InvalidObjectIdError} when the id is malformed
 */
export function parseRefFile(bytes: Uint8Array, key: string): SnapshotId {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(bytes));
  } catch (cause) {
    throw new CorruptObjectError("ref file", "not valid JSON", { path: key, cause });
  }
  const snap = (parsed as { snapshot?: unknown })?.snapshot;
  if (typeof snap !== "string")
    throw new CorruptObjectError("ref file", "no 'snapshot' field", { path: key });
  return parseSnapshotId(snap);
}

export class RefFilesVersionControl implements VersionControl {
  constructor(readonly assets: AssetManager) {}

  /** Reads a ref file: its snapshot id and storage version, or undefined. */
  async readRef(
    key: string,
    options: CallOptions = {},
  ): Promise<{ snapshotId: SnapshotId; version: ObjectVersion } | undefined> {
    const got = await this.assets.fetchBounded(key, "ref file", MAX_REF_FILE_BYTES, options);
    if (!got) return undefined;
    return { snapshotId: parseRefFile(got.data, key), version: got.version };
  }

  async #refNames(
    options: CallOptions = {},
  ): Promise<{ branches: Set<string>; tags: Set<string>; deleted: Set<string> }> {
    const branches = new Set<string>();
    const tags = new Set<string>();
    const deleted = new Set<string>();
    for await (const entry of this.assets.storage.list(REFS_PREFIX, options)) {
      const [dir, file] = entry.key.split("/");
      if (!dir || !file) continue;
      if (dir.startsWith("branch.") && file === "ref.json") branches.add(dir.slice(7));
      else if (dir.startsWith("tag.") && file === "ref.json") tags.add(dir.slice(4));
      else if (dir.startsWith("tag.") && file === "ref.json.deleted") deleted.add(dir.slice(4));
    }
    return { branches, tags, deleted };
  }

  async listBranches(options?: CallOptions): Promise<string[]> {
    return [...(await this.#refNames(options)).branches].sort();
  }

  async listTags(options?: CallOptions): Promise<string[]> {
    const { tags, deleted } = await this.#refNames(options);
    return [...tags].filter((t) => !deleted.has(t)).sort();
  }

  async listDeletedTags(options?: CallOptions): Promise<string[]> {
    return [...(await this.#refNames(options)).deleted].sort();
  }

  async lookupBranch(name: string, options?: CallOptions): Promise<SnapshotId> {
    const ref = await this.readRef(branchKey(name), options);
    if (!ref) throw new RefNotFoundError("branch", name);
    return ref.snapshotId;
  }

  async lookupTag(name: string, options?: CallOptions): Promise<SnapshotId> {
    const [ref, tomb] = await Promise.all([
      this.readRef(tagKey(name), options),
      this.assets.fetchBounded(tagTombstoneKey(name), "tag tombstone", MAX_REF_FILE_BYTES, options),
    ]);
    if (!ref || tomb) throw new RefNotFoundError("tag", name);
    return ref.snapshotId;
  }

  async lookupSnapshot(id: SnapshotId, options?: CallOptions): Promise<SnapshotInfo> {
    const s = await this.assets.fetchSnapshot(id, options);
    if (!s) throw new SnapshotNotFoundError(id);
    return snapshotInfo(s.id, s.parentId, s.flushedAt, s.message, s.metadata);
  }

  async *ancestry(id: SnapshotId, options?: CallOptions): AsyncIterable<SnapshotInfo> {
    let next: SnapshotId | undefined = id;
    const seen = new Set<string>();
    while (next) {
      if (seen.has(next))
        throw new CorruptObjectError("snapshot", `the ancestry of ${id} has a cycle`);
      seen.add(next);
      const info = await this.lookupSnapshot(next, options);
      yield info;
      next = info.parentId;
    }
  }

  async #requireSnapshot(id: SnapshotId, options?: CallOptions): Promise<void> {
    const snapshot = await this.assets.fetchSnapshot(id, options);
    if (!snapshot) throw new SnapshotNotFoundError(id);
    if (snapshot.id !== id)
      throw new CorruptObjectError("snapshot", `file holds snapshot ${snapshot.id}`, {
        path: `snapshots/${id}`,
      });
  }

  async createBranch(name: string, to: SnapshotId, options: CallOptions = {}): Promise<void> {
    await this.#requireSnapshot(to, options);
    await updateBranchV1(this.assets, name, undefined, to, options.signal);
  }

  async resetBranch(
    name: string,
    to: SnapshotId,
    from: SnapshotId | undefined,
    options: CallOptions = {},
  ): Promise<void> {
    await this.#requireSnapshot(to, options);
    const current = await this.lookupBranch(name, options);
    await updateBranchV1(this.assets, name, from ?? current, to, options.signal);
  }

  async deleteBranch(name: string, options: CallOptions = {}): Promise<void> {
    await deleteBranchV1(this.assets, name, options.signal);
  }

  async createTag(name: string, to: SnapshotId, options: CallOptions = {}): Promise<void> {
    await this.#requireSnapshot(to, options);
    await createTagV1(this.assets, name, to, options.signal);
  }

  async deleteTag(name: string, options: CallOptions = {}): Promise<void> {
    await deleteTagV1(this.assets, name, options.signal);
  }

  /** Spec 1 keeps no list of snapshots: only a commit moves its branch's ref file. */
  async publishSnapshot(
    snapshot: RepoSnapshotInfo,
    publish: SnapshotPublication,
    options: CallOptions = {},
  ): Promise<void> {
    if (publish.kind === "commit")
      await updateBranchV1(this.assets, publish.branch, publish.base, snapshot.id, options.signal);
  }
}

// ------------------------------------------------------------------------------- ref file writes

const refJson = (id: SnapshotId) => new TextEncoder().encode(JSON.stringify({ snapshot: id }));

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
