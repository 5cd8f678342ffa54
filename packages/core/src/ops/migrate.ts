/**
 * @module ops/migrate
 * Upgrading a spec-1 repository to spec 2 (upstream `migrations/mod.rs` `migrate_1_to_2`, format
 * notes §9.6): read the refs, deleted tags and every snapshot reachable from a ref, build a repo
 * info with a synthetic ops log (initialization, commits, branch and tag events reconstructed from
 * snapshot times) and the persisted `config.yaml` re-encoded, create `repo` create-if-absent,
 * verify by reopening, then delete `refs/` (main's ref first) and `config.yaml`. The `repo` object
 * is removed again only when it does not open as spec 2 (before any spec-1 file was touched); a
 * failure or abort anywhere else leaves a repository that opens as spec 1 or spec 2 with every
 * ref, and running the upgrade again completes it. Snapshot, manifest and tx log files keep their
 * spec-1 headers. Administrative: run it while nothing else writes to the repository.
 */
import { AssetManager } from "../assets/asset-manager.js";
import {
  AbortError,
  MigrationFailedError,
  ReadOnlyRepositoryError,
  RepositoryAlreadyExistsError,
  SpecVersionRequiredError,
  StorageError,
  throwIfAborted,
} from "../errors.js";
import { CONFIG_PATH, REPO_INFO_PATH } from "../format/constants.js";
import { encodeFlexbuffer } from "../format/flexbuffers.js";
import type { SnapshotId } from "../format/ids.js";
import type {
  RepoInfoData,
  RepoSnapshotInfo,
  RepoUpdate,
  RepoUpdateEntry,
} from "../format/repo-info.js";
import { Repository } from "../repo/repository.js";
import { configFromSerde, configToSerde } from "../repo-core/config.js";
import type { CallOptions } from "../repo-core/types.js";
import { branchKey, REFS_PREFIX, RefFilesVersionControl, tagKey } from "../repo-core/v1.js";
import { compareUtf8 } from "../util/bytes.js";
import { type OnProgress, type ProgressOptions, phaseCounter } from "../util/progress.js";
import { nowMicros } from "../util/time.js";

/**
 * Options of {@link upgradeRepository}. `onProgress` reports, in order: `{ phase: "snapshots",
 * done }` per snapshot read from the refs' ancestries (the total is not known in advance), then
 * (unless `dryRun`) `{ phase: "write", done, total: 1 }` once the `repo` object is written and
 * verified, then (with `deleteUnusedV1Files`) `{ phase: "delete", done, total }` over the spec-1
 * files (the refs and `config.yaml`).
 */
export interface UpgradeOptions extends CallOptions, ProgressOptions {
  /** Plan and validate only; write nothing (default false). */
  dryRun?: boolean;
  /** Delete `refs/` and `config.yaml` after the upgrade (default true); 1.x clients stop working. */
  deleteUnusedV1Files?: boolean;
}

/** A failure that says nothing about the object written (the storage or the caller gave up). */
const transient = (e: unknown) => e instanceof StorageError || e instanceof AbortError;

/** Synthetic branch/tag events are placed 1 ms after the snapshot they point at. */
const SYNTHETIC_OFFSET_US = 1000;

interface Ancestries {
  byId: Map<string, RepoSnapshotInfo>;
  /** tip → root. */
  chain(tip: SnapshotId): RepoSnapshotInfo[];
}

async function collectSnapshots(
  assets: AssetManager,
  tips: SnapshotId[],
  signal?: AbortSignal,
  onProgress?: OnProgress,
): Promise<Ancestries> {
  const vc = new RefFilesVersionControl(assets);
  const read = phaseCounter(onProgress, "snapshots");
  const byId = new Map<string, RepoSnapshotInfo>();
  for (const tip of tips) {
    if (byId.has(tip)) continue;
    for await (const s of vc.ancestry(tip, { signal })) {
      if (byId.has(s.id)) break;
      byId.set(s.id, {
        id: s.id,
        ...(s.parentId ? { parentId: s.parentId } : {}),
        flushedAt: s.flushedAt,
        message: s.message,
        metadata: s.metadata,
      });
      read.tick();
    }
  }
  const chain = (tip: SnapshotId) => {
    const out: RepoSnapshotInfo[] = [];
    for (let s = byId.get(tip); s; s = s.parentId ? byId.get(s.parentId) : undefined) out.push(s);
    return out;
  };
  return { byId, chain };
}

/**
 * The synthetic ops log of a migrated repository, newest first, without backup paths: repo
 * initialized at the root's time, a commit per main snapshot, per other branch a creation 1 ms
 * after its tip and a commit per snapshot not seen before, a creation per tag and a creation +
 * deletion per deleted tag; times bumped by 1 µs to be strictly increasing.
 */
export function syntheticOpsLog(input: {
  main: RepoSnapshotInfo[];
  branches: Array<{ name: string; chain: RepoSnapshotInfo[] }>;
  tags: Array<{ name: string; snapshotId: SnapshotId }>;
  deletedTags: Array<{ name: string; snapshotId: SnapshotId }>;
  times: ReadonlyMap<string, number>;
}): RepoUpdateEntry[] {
  const root = input.main.at(-1);
  if (!root) return [];
  const rootTime = root.flushedAt;
  const entries: Array<{ update: RepoUpdate; updatedAt: number }> = [
    { update: { type: "repo-initialized" }, updatedAt: rootTime },
  ];
  const emitted = new Set(input.main.map((s) => s.id));
  for (const s of input.main.slice(0, -1).reverse())
    entries.push({
      update: { type: "new-commit", branch: "main", newSnapId: s.id },
      updatedAt: s.flushedAt,
    });
  for (const b of input.branches) {
    entries.push({
      update: { type: "branch-created", name: b.name },
      updatedAt: (b.chain[0]?.flushedAt ?? rootTime) + SYNTHETIC_OFFSET_US,
    });
    for (const s of [...b.chain].reverse())
      if (!emitted.has(s.id)) {
        emitted.add(s.id);
        entries.push({
          update: { type: "new-commit", branch: b.name, newSnapId: s.id },
          updatedAt: s.flushedAt,
        });
      }
  }
  for (const t of input.tags)
    entries.push({
      update: { type: "tag-created", name: t.name },
      updatedAt: (input.times.get(t.snapshotId) ?? rootTime) + SYNTHETIC_OFFSET_US,
    });
  for (const t of input.deletedTags) {
    const at = (input.times.get(t.snapshotId) ?? rootTime) + SYNTHETIC_OFFSET_US;
    entries.push({ update: { type: "tag-created", name: t.name }, updatedAt: at });
    entries.push({
      update: { type: "tag-deleted", name: t.name, previousSnapId: t.snapshotId },
      updatedAt: at + SYNTHETIC_OFFSET_US,
    });
  }
  entries.sort((a, b) => a.updatedAt - b.updatedAt); // stable: ties keep insertion order
  for (let i = 1; i < entries.length; i++)
    if (entries[i]!.updatedAt <= entries[i - 1]!.updatedAt)
      entries[i]!.updatedAt = entries[i - 1]!.updatedAt + 1;
  return entries.reverse();
}

/** Builds the spec-2 repo info of a spec-1 repository (nothing is written). */
export async function planUpgrade(
  assets: AssetManager,
  options: CallOptions & ProgressOptions = {},
): Promise<RepoInfoData> {
  const { signal, onProgress } = options;
  const vc = new RefFilesVersionControl(assets);
  const branchNames = (await vc.listBranches(options)).sort(compareUtf8);
  const tagNames = (await vc.listTags(options)).sort(compareUtf8);
  const deletedNames = (await vc.listDeletedTags(options)).sort(compareUtf8);
  const branches = await Promise.all(
    branchNames.map(async (name) => ({ name, snapshotId: await vc.lookupBranch(name, options) })),
  );
  const tags = await Promise.all(
    tagNames.map(async (name) => ({ name, snapshotId: await vc.lookupTag(name, options) })),
  );
  const deletedTags: Array<{ name: string; snapshotId: SnapshotId }> = [];
  for (const name of deletedNames) {
    const ref = await vc.readRef(tagKey(name), options).catch((e: unknown) => {
      if (transient(e)) throw e; // an unreadable ref file is skipped, a failed read is not
      return undefined;
    });
    if (ref) deletedTags.push({ name, snapshotId: ref.snapshotId });
  }
  const history = await collectSnapshots(
    assets,
    [...tags, ...branches].map((r) => r.snapshotId),
    signal,
    onProgress,
  );
  const mainTip = branches.find((b) => b.name === "main")?.snapshotId;
  const main = mainTip ? history.chain(mainTip) : [];
  const times = new Map([...history.byId.values()].map((s) => [s.id as string, s.flushedAt]));
  const synthetic = syntheticOpsLog({
    main,
    branches: branches
      .filter((b) => b.name !== "main")
      .map((b) => ({ name: b.name, chain: history.chain(b.snapshotId) })),
    tags,
    deletedTags,
    times,
  });
  let migratedAt = nowMicros();
  if (synthetic[0] && migratedAt <= synthetic[0].updatedAt) migratedAt = synthetic[0].updatedAt + 1;
  const yaml = await assets.fetchConfigYaml({ signal });
  const config =
    yaml !== undefined ? encodeFlexbuffer(configToSerde(configFromSerde(yaml))) : undefined;
  const rootTime = main.at(-1)?.flushedAt ?? migratedAt;
  return {
    specVersion: 2,
    tags,
    branches,
    deletedTags: deletedNames,
    snapshots: [...history.byId.values()],
    status: { availability: "online", setAt: rootTime },
    metadata: {},
    latestUpdates: [
      { update: { type: "repo-migrated", fromVersion: 1, toVersion: 2 }, updatedAt: migratedAt },
      ...synthetic,
    ],
    ...(config ? { config } : {}),
    enabledFeatureFlags: [],
    disabledFeatureFlags: [],
  };
}

/** Reopens the storage; `undefined` when that fails (the reason is returned too). */
async function reopen(
  storage: Repository["storage"],
  signal?: AbortSignal,
): Promise<{ repo?: Repository; error?: unknown }> {
  try {
    return { repo: await Repository.open(storage, { signal }) };
  } catch (error) {
    return { error };
  }
}

/** True when the spec-2 repository was produced by an upgrade (its ops log starts with it). */
async function isUpgradeResult(repo: Repository, signal?: AbortSignal): Promise<boolean> {
  const log = await repo.opsLog({ signal });
  return log.some((e) => e.type === "repo-migrated");
}

/** Spec-1 files an interrupted upgrade left behind. */
async function leftoverV1Files(storage: Repository["storage"], signal?: AbortSignal) {
  const refs: string[] = [];
  for await (const e of storage.list(REFS_PREFIX, { signal })) refs.push(`${REFS_PREFIX}/${e.key}`);
  const config = (await storage.get(CONFIG_PATH, { signal })) !== undefined;
  return { refs, config };
}

/**
 * Deletes `refs/` (main's ref first, so 1.x clients stop seeing a repository at once), checks
 * nothing is left, then `config.yaml`. Only ever called once the `repo` object is in place and
 * opens: from then on the spec-2 repository has every ref whatever remains of the spec-1 files,
 * so an interruption here needs no rollback, and a re-run finishes the job.
 */
async function deleteV1Files(
  repo: Repository,
  signal?: AbortSignal,
  onProgress?: OnProgress,
): Promise<void> {
  const storage = repo.storage;
  const fail = (detail: string, cause?: unknown): never => {
    throw new MigrationFailedError(detail, false, { cause });
  };
  try {
    const { refs, config } = await leftoverV1Files(storage, signal);
    const deleted = phaseCounter(onProgress, "delete", refs.length + (config ? 1 : 0));
    const main = branchKey("main");
    if (refs.includes(main)) {
      await storage.delete([main], { signal });
      deleted.tick();
    }
    const rest = refs.filter((k) => k !== main);
    if (rest.length > 0) {
      await storage.delete(rest, { signal });
      deleted.tick(rest.length);
    }
    for await (const e of storage.list(REFS_PREFIX, { signal }))
      fail(`could not delete ${REFS_PREFIX}/${e.key}`);
    await storage.delete([CONFIG_PATH], { signal });
    if (config) deleted.tick();
  } catch (e) {
    if (e instanceof MigrationFailedError || e instanceof AbortError) throw e;
    fail(`deleting the spec-1 files failed (${(e as Error).message})`, e);
  }
}

/**
 * Upgrades a spec-1 repository to spec 2 in place and returns it reopened (the same instance on a
 * dry run). Run it while no other process uses the repository. Safe under failures and aborts:
 * the `repo` object is written (create-if-absent) and verified before any spec-1 file is deleted,
 * so at every point the repository opens, as spec 1 or spec 2, with every ref. Running it again
 * after an interruption finishes the upgrade (a spec-2 repository produced by an upgrade that
 * still has spec-1 files gets them deleted, also after an earlier `deleteUnusedV1Files: false`).
 * @throws {SpecVersionRequiredError} when the repository is neither spec 1 nor an unfinished upgrade
 * @throws {MigrationFailedError} when writing or verifying failed; `rolledBack` tells whether the
 *   new `repo` object was removed (it is only when it was written but does not open as spec 2)
 */
export async function upgradeRepository(
  repo: Repository,
  options: UpgradeOptions = {},
): Promise<Repository> {
  const { signal, onProgress } = options;
  const storage = repo.storage;
  const deleteV1 = options.deleteUnusedV1Files ?? true;
  if (repo.specVersion !== 1) {
    const unfinished =
      !options.dryRun &&
      deleteV1 &&
      storage.canWrite &&
      (await isUpgradeResult(repo, signal)) &&
      (await leftoverV1Files(storage, signal).then((l) => l.refs.length > 0 || l.config));
    if (!unfinished) throw new SpecVersionRequiredError("upgrading", 1, repo.specVersion);
    await deleteV1Files(repo, signal, onProgress);
    return Repository.open(storage, { signal });
  }
  if (!storage.canWrite)
    throw new ReadOnlyRepositoryError(
      `storage ${storage.description} is read-only; the upgrade must write`,
    );
  // an instance opened before an interrupted upgrade: the storage holds its `repo` object now
  if ((await storage.lastModified(REPO_INFO_PATH, { signal })) !== undefined)
    return upgradeRepository(await Repository.open(storage, { signal }), options);
  const assets = new AssetManager(storage, {
    snapshotCacheNodes: 500_000,
    manifestCacheRefs: 1,
    maxConcurrentRequests: 64,
    compressionLevel: repo.config.compression?.level ?? 3,
  });
  const info = await planUpgrade(assets, options);
  if (options.dryRun) return repo;
  throwIfAborted(signal);
  const writing = phaseCounter(onProgress, "write", 1);
  let written: Awaited<ReturnType<AssetManager["writeRepoInfo"]>>;
  try {
    written = await assets.writeRepoInfo(info, { ifNoneMatch: "*" }, { signal });
  } catch (e) {
    if (e instanceof AbortError) throw e;
    // the write may or may not have landed: either way every ref is readable, a re-run decides
    const detail = `writing the 'repo' object failed (${(e as Error).message})`;
    throw new MigrationFailedError(detail, false, { cause: e });
  }
  const opened = await reopen(storage, signal);
  const v2 = opened.repo?.specVersion === 2 ? opened.repo : undefined;
  if (written.kind !== "written") {
    // a 'repo' object exists already: an earlier upgrade whose answer was lost, or a real spec-2
    // repository (then the refs files are stale and must not be touched)
    if (!v2 && transient(opened.error))
      throw new MigrationFailedError("reading the existing 'repo' object failed", false, {
        cause: opened.error,
      });
    if (!v2 || !(await isUpgradeResult(v2, signal)))
      throw new RepositoryAlreadyExistsError(
        storage.description,
        "a 'repo' object already exists and is not the result of an upgrade: this storage holds a spec-2 repository beside stale spec-1 files",
      );
  } else if (!v2) {
    if (transient(opened.error))
      throw new MigrationFailedError("verifying the new 'repo' object failed", false, {
        cause: opened.error,
      });
    // the object we wrote does not open: remove it, the spec-1 files were not touched
    await storage.delete([REPO_INFO_PATH], { signal });
    throw new MigrationFailedError("the upgraded repository does not open as spec 2", true, {
      cause: opened.error,
    });
  }
  writing.tick();
  if (deleteV1) await deleteV1Files(v2, signal, onProgress);
  return Repository.open(storage, { signal });
}
