/**
 * @module repo/repository
 * Repository: open an Icechunk repository on a Storage, detect its spec version (spec 2 `repo`
 * object, or spec 1 `refs/`), load its persisted config, and answer history questions (branches,
 * tags, ancestry) and session requests. Names follow `@earthmover/icechunk` with options objects.
 */
import { AssetManager, MAX_REF_FILE_BYTES } from "../assets/asset-manager.js";
import {
  type AncestryGraph,
  type AncestryGraphOptions,
  buildAncestryGraph,
} from "../display/ancestry-graph.js";
import { installRepr } from "../display/repr.js";
import { repositoryFields } from "../display/reprs.js";
import {
  CannotDeleteMainBranchError,
  CorruptObjectError,
  FeatureFlagDisabledError,
  InvalidArgumentError,
  InvalidVersionError,
  NoSnapshotAsOfError,
  ReadOnlyRepositoryError,
  RepositoryNotFoundError,
  SnapshotNotFoundError,
  SpecVersionRequiredError,
  throwIfAborted,
} from "../errors.js";
import { CONFIG_PATH, OVERWRITTEN_PREFIX } from "../format/constants.js";
import { decodeFlexbuffer } from "../format/flexbuffers.js";
import { parseManifestId, parseSnapshotId, type SnapshotId } from "../format/ids.js";
import type { JsonObject } from "../format/json-value.js";
import type { ObjectSizeLimits } from "../format/object-file.js";
import type { RepoInfoData, RepoStatus, RepoUpdate } from "../format/repo-info.js";
import type { ManifestFileInfo } from "../format/snapshot.js";
import { stringifyYamlConfig } from "../format/yaml.js";
import type { ZstdCodec } from "../format/zstd/codec.js";
import { type ExpireOptions, expireV1, expireV2 } from "../ops/expire.js";
import { type GarbageCollectOptions, type GCSummary, garbageCollect } from "../ops/gc.js";
import { type RewriteManifestsOptions, rewriteManifests } from "../ops/rewrite-manifests.js";
import {
  type ChunkStorageStats,
  type ChunkStorageStatsOptions,
  chunkStorageStats,
} from "../ops/stats.js";
import {
  configFromSerde,
  configToSerde,
  DEFAULT_COMPRESSION_LEVEL,
  DEFAULT_MAX_CONCURRENT_REQUESTS,
  DEFAULT_NUM_CHUNK_REFS,
  DEFAULT_NUM_SNAPSHOT_NODES,
  mergeConfig,
  type RepositoryConfig,
} from "../repo-core/config.js";
import { type RepoInfoChange, updateRepoInfo } from "../repo-core/repo-info-update.js";
import type {
  CallOptions,
  SnapshotInfo,
  VersionControl,
  VersionSelector,
  VersionSpec,
} from "../repo-core/types.js";
import { branchKey, RefFilesVersionControl } from "../repo-core/v1.js";
import { RepoInfoVersionControl } from "../repo-core/v2.js";
import { checkCommitMetadata } from "../session/commit.js";
import { type Diff, diffSnapshots } from "../session/diff.js";
import { parseSessionJSON, type SessionJSON } from "../session/fork.js";
import { newSession, type RepoContext, restoreSession, type Session } from "../session/session.js";
import { applyStorageSettings } from "../storage/settings.js";
import type { Storage } from "../storage/types.js";
import { nowMicros } from "../util/time.js";
import { gcsAnonymousVirtualChunkFetcher } from "../virtual/gcs-http.js";
import { httpVirtualChunkFetcher } from "../virtual/http.js";
import {
  type VirtualChunkAuthorization,
  type VirtualChunkFetcher,
  VirtualChunkResolver,
} from "../virtual/resolver.js";
import { s3AnonymousVirtualChunkFetcher } from "../virtual/s3-http.js";
import { admin, type FeatureFlag, featureFlags } from "./admin.js";
import { createRepository } from "./create.js";
import type {
  ManifestInspect,
  RepoInfoInspect,
  SnapshotInspect,
  TransactionLogInspect,
} from "./inspect.js";
import * as inspect from "./inspect.js";

/** Options of `Repository.open` (and `reopen`). */
export interface OpenOptions extends CallOptions {
  /** Overrides merged over the persisted config (field by field). */
  config?: RepositoryConfig;
  /** Virtual chunk containers the caller allows reading from: URL prefix → credentials (null = anonymous). */
  authorizeVirtualChunkAccess?: VirtualChunkAuthorization;
  /** Fetchers for virtual chunk URL schemes; `http` and `https` are built in. */
  virtualChunkFetchers?: Record<string, VirtualChunkFetcher>;
  /**
   * Largest decompressed metadata objects accepted, per file type, in bytes (defaults in
   * `DEFAULT_OBJECT_SIZE_LIMITS`); raise them only for trusted repositories with huge objects.
   */
  objectSizeLimits?: Partial<ObjectSizeLimits>;
  /**
   * The zstd implementation for metadata files (like hyparquet's `compressors`): Node's built-in
   * zstd where the runtime has it, else the pure-TypeScript codec. Size limits apply to any codec.
   */
  zstdCodec?: ZstdCodec;
}

export type { FeatureFlag } from "./admin.js";
/** One entry of the operations log: the update's fields plus when it happened (µs). */
export type OpsLogEntry = RepoUpdate & { updatedAt: number; backupPath?: string };

/** Feature flag id of `move_node` (upstream feature_flags.rs). */
const MOVE_NODE_FEATURE_FLAG = 3;

/** Options of `Repository.create` and `Repository.openOrCreate`. */
export interface CreateOptions extends OpenOptions {
  /** 2 (default) or 1. */
  specVersion?: 1 | 2;
  /** Refuse to create unless the location is empty (default true). */
  checkCleanRoot?: boolean;
}

/**
 * An Icechunk repository on a {@link Storage}: its refs (branches, tags), history and config, and
 * the sessions that read and write its versions. Open one with {@link Repository.open},
 * {@link Repository.create} or {@link Repository.openOrCreate}.
 * @example
 * import { Repository } from "@icechunk-ts/core";
 * import { localFilesystemStorage } from "@icechunk-ts/core/fs";
 * const repo = await Repository.openOrCreate(localFilesystemStorage("./my-repo"));
 * console.log(await repo.listBranches()); // ["main"]
 */
export class Repository {
  /** The storage the repository lives on. */
  readonly storage: Storage;
  /** The repository's format: spec 1 (ref files) or spec 2 (the `repo` object). */
  readonly specVersion: 1 | 2;
  /** The effective config: the persisted one with this instance's overrides merged over it. */
  readonly config: RepositoryConfig;
  readonly #ctx: RepoContext;
  readonly #openOptions: OpenOptions;
  /** The config as persisted in the repository (without this instance's overrides). */
  #persistedConfig: RepositoryConfig | undefined;
  #defaultCommitMetadata: JsonObject = {};

  private constructor(
    storage: Storage,
    specVersion: 1 | 2,
    config: RepositoryConfig,
    ctx: RepoContext,
    openOptions: OpenOptions,
    persistedConfig: RepositoryConfig,
  ) {
    this.storage = storage;
    this.specVersion = specVersion;
    this.config = config;
    this.#ctx = ctx;
    this.#openOptions = openOptions;
    this.#persistedConfig = persistedConfig;
  }

  /** The spec version of the repository at `storage` (1 or 2), or undefined when there is none. */
  static async fetchSpecVersion(
    storage: Storage,
    options: CallOptions = {},
  ): Promise<1 | 2 | undefined> {
    const assets = newAssets(storage, {});
    return (await detect(assets, options))?.specVersion;
  }

  /** True when an Icechunk repository exists at `storage`. Needs no LIST permission. */
  static async exists(storage: Storage, options: CallOptions = {}): Promise<boolean> {
    return (await Repository.fetchSpecVersion(storage, options)) !== undefined;
  }

  /**
   * Opens an existing repository.
   * @throws {RepositoryNotFoundError} when there is no repository at `storage`
   * @example
   * const repo = await Repository.open(httpStorage("https://example.com/repo"));
   * const session = await repo.readonlySession({ branch: "main" });
   * const bytes = await session.store.get("zarr.json");
   */
  static async open(storage: Storage, options: OpenOptions = {}): Promise<Repository> {
    if (options.config) configToSerde(options.config); // validates the overrides before any I/O
    // the caller's settings already govern the reads that find the persisted config
    applyStorageSettings(storage, options.config?.storage);
    const probe = newAssets(storage, options.config ?? {}, options);
    const found = await detect(probe, options);
    if (!found) throw new RepositoryNotFoundError(storage.description);
    let persisted: RepositoryConfig = {};
    if (found.specVersion === 2) {
      const raw = (probe.cachedRepoInfo ?? (await probe.fetchRepoInfo(options)))?.info.config;
      if (raw && raw.length > 0) persisted = configFromSerde(decodeFlexbuffer(raw));
    } else {
      const yaml = await probe.fetchConfigYaml(options);
      if (yaml !== undefined) persisted = configFromSerde(yaml);
    }
    const config = mergeConfig(persisted, options.config);
    const assets = newAssets(storage, config, options);
    assets.seedRepoInfo(probe.cachedRepoInfo);
    return new Repository(
      storage,
      found.specVersion,
      config,
      repoContext(assets, found.specVersion, config, options),
      options,
      persisted,
    );
  }

  get #versionControl(): VersionControl {
    return this.#ctx.versionControl;
  }

  /** The names of all branches, sorted. */
  listBranches(options: CallOptions = {}): Promise<string[]> {
    return this.#versionControl.listBranches(options);
  }
  /** The names of all tags, sorted. */
  listTags(options: CallOptions = {}): Promise<string[]> {
    return this.#versionControl.listTags(options);
  }
  /** The snapshot a branch points at. @throws {RefNotFoundError} */
  lookupBranch(name: string, options: CallOptions = {}): Promise<SnapshotId> {
    return this.#versionControl.lookupBranch(name, options);
  }
  /** The snapshot a tag points at. @throws {RefNotFoundError} */
  lookupTag(name: string, options: CallOptions = {}): Promise<SnapshotId> {
    return this.#versionControl.lookupTag(name, options);
  }
  /** A snapshot's id, parent, time, message and metadata. @throws {SnapshotNotFoundError} */
  lookupSnapshot(snapshotId: string, options: CallOptions = {}): Promise<SnapshotInfo> {
    return this.#versionControl.lookupSnapshot(parseSnapshotId(snapshotId), options);
  }

  /**
   * Resolves a version to its snapshot id: a branch name (`"main"`, as the official binding's
   * positional branch), `{ branch }`, `{ tag }` or `{ snapshotId }`.
   * @throws {InvalidVersionError} for anything else
   */
  async resolveVersion(version: VersionSpec, options: CallOptions = {}): Promise<SnapshotId> {
    if (typeof version === "string") return this.lookupBranch(version, options);
    if (typeof version === "object" && version !== null) {
      const v = version as Partial<Record<"branch" | "tag" | "snapshotId", unknown>>;
      if (typeof v.branch === "string") return this.lookupBranch(v.branch, options);
      if (typeof v.tag === "string") return this.lookupTag(v.tag, options);
      if (typeof v.snapshotId === "string") return parseSnapshotId(v.snapshotId);
    }
    throw new InvalidVersionError(version);
  }

  /** The history of a version, newest first, ending at the repository's first snapshot. */
  async ancestry(version: VersionSpec, options: CallOptions = {}): Promise<SnapshotInfo[]> {
    const id = await this.resolveVersion(version, options);
    if (this.#versionControl.ancestryList) return this.#versionControl.ancestryList(id, options);
    const out: SnapshotInfo[] = [];
    for await (const info of this.#versionControl.ancestry(id, options)) {
      throwIfAborted(options.signal);
      out.push(info);
    }
    return out;
  }

  /**
   * Creates a repository (spec 2 unless `specVersion: 1`).
   * @throws {RepositoryAlreadyExistsError} when the location is not empty
   * @example
   * const repo = await Repository.create(inMemoryStorage());
   * const session = await repo.writableSession("main");
   */
  static async create(storage: Storage, options: CreateOptions = {}): Promise<Repository> {
    if (!storage.canWrite)
      throw new ReadOnlyRepositoryError(
        `cannot create a repository on read-only storage ${storage.description}`,
      );
    const specVersion = options.specVersion ?? 2;
    if (specVersion !== 1 && specVersion !== 2)
      throw new InvalidArgumentError("specVersion", `it must be 1 or 2, got ${specVersion}`);
    const config = options.config ?? {};
    configToSerde(config); // validates before anything is written
    // refuse settings the backend cannot honour before anything is written
    applyStorageSettings(storage, config.storage);
    const assets = newAssets(storage, config, options);
    await createRepository(assets, specVersion, config, options);
    return new Repository(
      storage,
      specVersion,
      config,
      repoContext(assets, specVersion, config, options),
      options,
      config,
    );
  }

  /**
   * Opens the repository at `storage`, creating it when there is none.
   * @example
   * const repo = await Repository.openOrCreate(localFilesystemStorage("./my-repo"));
   * const session = await repo.writableSession("main");
   */
  static async openOrCreate(storage: Storage, options: CreateOptions = {}): Promise<Repository> {
    if (await Repository.exists(storage, options)) return Repository.open(storage, options);
    return Repository.create(storage, options);
  }

  /**
   * A writable session on a branch; commit it with `session.commit(message)`.
   * @throws {RefNotFoundError} when the branch does not exist
   * @throws {ReadOnlyRepositoryError} on read-only storage or a repository marked read-only
   * @example
   * const session = await repo.writableSession("main");
   * await session.store.set("zarr.json", new TextEncoder().encode('{"zarr_format":3,"node_type":"group"}'));
   * await session.commit("create the root group", { metadata: { author: "me" } });
   */
  async writableSession(branch: string, options: CallOptions = {}): Promise<Session> {
    if (!this.storage.canWrite)
      throw new ReadOnlyRepositoryError(`storage ${this.storage.description} is read-only`);
    const id = await this.lookupBranch(branch, options);
    if (this.specVersion === 2) {
      const info = await this.#ctx.assets.fetchRepoInfo(options);
      if (info && info.info.status.availability !== "online")
        throw new ReadOnlyRepositoryError(info.info.status.reason ?? "its status is read-only");
    }
    const snapshot = await this.#snapshot(id, options);
    return newSession(this.#ctx, snapshot, {
      mode: "writable",
      branch,
      preload: true,
      defaultCommitMetadata: this.#defaultCommitMetadata,
    });
  }

  /**
   * A session that can only move and rename nodes (spec 2; the `move_node` feature flag must be on).
   * Moves touch no chunk: node ids and manifests keep, only paths change.
   */
  async rearrangeSession(branch: string, options: CallOptions = {}): Promise<Session> {
    if (this.specVersion !== 2)
      throw new SpecVersionRequiredError("moving nodes", 2, this.specVersion);
    const session = await this.writableSession(branch, options);
    const info = (await this.#ctx.assets.fetchRepoInfo(options))?.info;
    if (info?.disabledFeatureFlags.includes(MOVE_NODE_FEATURE_FLAG))
      throw new FeatureFlagDisabledError("move_node");
    return newSession(this.#ctx, await this.#snapshot(session.snapshotId, options), {
      mode: "rearrange",
      branch,
      preload: session.manifestsPreloaded,
      defaultCommitMetadata: this.#defaultCommitMetadata,
    });
  }

  async #snapshot(id: SnapshotId, options: CallOptions) {
    const snapshot = await this.#ctx.assets.fetchSnapshot(id, options);
    if (!snapshot) throw new SnapshotNotFoundError(id);
    if (snapshot.id !== id)
      throw new CorruptObjectError("snapshot", `file holds snapshot ${snapshot.id}`, {
        path: `snapshots/${id}`,
      });
    return snapshot;
  }

  async #update(
    change: (info: RepoInfoData) => RepoInfoChange,
    options: CallOptions,
  ): Promise<void> {
    await updateRepoInfo(this.#ctx.assets, this.config, change, options);
  }

  /** Creates a branch pointing at a snapshot. @throws {RefAlreadyExistsError} */
  async createBranch(name: string, snapshotId: string, options: CallOptions = {}): Promise<void> {
    const id = parseSnapshotId(snapshotId);
    await this.#versionControl.createBranch(name, id, options);
  }

  /**
   * Points a branch at another snapshot. With `fromSnapshotId` it is a compare-and-swap: it fails
   * with ConflictError unless the branch is still there.
   */
  async resetBranch(
    name: string,
    toSnapshotId: string,
    options: CallOptions & { fromSnapshotId?: string } = {},
  ): Promise<void> {
    const to = parseSnapshotId(toSnapshotId);
    const from =
      options.fromSnapshotId === undefined ? undefined : parseSnapshotId(options.fromSnapshotId);
    await this.#versionControl.resetBranch(name, to, from, options);
  }

  /** Deletes a branch (never `main`). */
  async deleteBranch(name: string, options: CallOptions = {}): Promise<void> {
    if (name === "main") throw new CannotDeleteMainBranchError();
    await this.#versionControl.deleteBranch(name, options);
  }

  /** Creates an immutable tag. A deleted tag's name can never be reused. */
  async createTag(name: string, snapshotId: string, options: CallOptions = {}): Promise<void> {
    const id = parseSnapshotId(snapshotId);
    await this.#versionControl.createTag(name, id, options);
  }

  /** Deletes a tag; its name can never be used again (as upstream). @throws {RefNotFoundError} */
  async deleteTag(name: string, options: CallOptions = {}): Promise<void> {
    await this.#versionControl.deleteTag(name, options);
  }

  /**
   * What changed from one version to a later one, from transaction logs (same shape as the
   * official binding's `DiffResult`).
   * @throws {BadSnapshotChainForDiffError} unless `from` is a strict ancestor of `to`
   */
  async diff(options: CallOptions & { from: VersionSpec; to: VersionSpec }): Promise<Diff> {
    const [from, to] = await Promise.all([
      this.resolveVersion(options.from, options),
      this.resolveVersion(options.to, options),
    ]);
    return diffSnapshots(this.#ctx, from, to, options);
  }

  /** Rebuilds a session (typically a fork sent to a worker) from `session.toJSON()` output. */
  async sessionFromJSON(json: SessionJSON | string, options: CallOptions = {}): Promise<Session> {
    const parsed = parseSessionJSON(json);
    if (parsed.mode === "writable" && !this.storage.canWrite)
      throw new ReadOnlyRepositoryError(`storage ${this.storage.description} is read-only`);
    return restoreSession(this.#ctx, await this.#snapshot(parsed.snapshotId, options), parsed);
  }

  /** The manifests a snapshot references (id, exact size, number of chunk refs). */
  async lookupManifestFiles(
    snapshotId: string,
    options: CallOptions = {},
  ): Promise<ManifestFileInfo[]> {
    return [...(await this.#snapshot(parseSnapshotId(snapshotId), options)).manifestFiles];
  }

  /**
   * The operations log of a spec-2 repository, newest first: every ref and history change with its
   * time (µs) and the `overwritten/` backup that captured the state right after it. Follows the
   * chain of backups past the current page.
   */
  async opsLog(options: CallOptions = {}): Promise<OpsLogEntry[]> {
    if (this.specVersion !== 2)
      throw new SpecVersionRequiredError("the operations log", 2, this.specVersion);
    const out: OpsLogEntry[] = [];
    let info = (await this.#ctx.assets.fetchRepoInfo(options))?.info;
    let fileName: string | undefined;
    const seen = new Set<string>();
    while (info) {
      throwIfAborted(options.signal);
      for (const e of info.latestUpdates)
        out.push({
          ...e.update,
          updatedAt: e.updatedAt,
          ...((e.backupPath ?? fileName) ? { backupPath: e.backupPath ?? fileName } : {}),
        });
      const next = info.repoBeforeUpdates;
      if (!next || seen.has(next)) break;
      seen.add(next);
      fileName = next;
      info = await this.#ctx.assets.fetchRepoInfoAt(`${OVERWRITTEN_PREFIX}${next}`, options);
    }
    return out;
  }

  /**
   * A read-only session at a branch tip, a tag or a snapshot; with `asOf`, at the newest snapshot
   * of that version's history written at or before that time.
   * @throws {RefNotFoundError} when the branch or tag does not exist
   * @throws {InvalidVersionError} when `version` names no version
   * @example
   * const session = await repo.readonlySession("main"); // or { branch: "main" }
   * const old = await repo.readonlySession({ tag: "v1" });
   * const yesterday = await repo.readonlySession({ branch: "main", asOf: new Date(Date.now() - 86_400_000) });
   */
  async readonlySession(
    version: VersionSpec | (VersionSelector & { asOf?: Date }),
    options: CallOptions = {},
  ): Promise<Session> {
    let id = await this.resolveVersion(version, options);
    const asOf = typeof version === "object" && "asOf" in version ? version.asOf : undefined;
    if (asOf !== undefined) {
      if (!(asOf instanceof Date) || Number.isNaN(asOf.getTime()))
        throw new InvalidArgumentError(
          "asOf",
          "it must be a valid Date (e.g. snapshotInfo.writtenAt)",
        );
      // upstream `AsOf`: the newest ancestor written at or before the given time. A Date has
      // milliseconds, snapshots microseconds (`writtenAt` is their time rounded down): the instant
      // given stands for its whole millisecond, so a snapshot's own `writtenAt` selects it.
      const at = asOf.getTime() * 1000 + 999;
      const found = (await this.ancestry({ snapshotId: id }, options)).find(
        (s) => s.flushedAt <= at,
      );
      if (!found) throw new NoSnapshotAsOfError(id, asOf);
      id = found.id;
    }
    const snapshot = await this.#snapshot(id, options);
    return newSession(this.#ctx, snapshot, { mode: "readonly", preload: true });
  }

  // ---------------------------------------------------------------------------- inspection

  /**
   * The history drawn as a graph: with no version every branch as a tree, else one branch, tag or
   * snapshot's line. `String(graph)` is the terminal rendering, `graph.toSVG()` an SVG document.
   */
  ancestryGraph(options: AncestryGraphOptions = {}): Promise<AncestryGraph> {
    return buildAncestryGraph(this, options);
  }

  /** A snapshot file as plain JSON, with upstream's keys (`inspect_snapshot`). */
  async inspectSnapshot(snapshotId: string, options: CallOptions = {}): Promise<SnapshotInspect> {
    return inspect.inspectSnapshot(this.#ctx.assets, parseSnapshotId(snapshotId), options);
  }
  /** The spec-2 `repo` object as plain JSON, with upstream's keys (`inspect_repo_info`). */
  async inspectRepoInfo(options: CallOptions = {}): Promise<RepoInfoInspect> {
    this.#requireV2("inspectRepoInfo");
    return inspect.inspectRepoInfo(this.#ctx.assets, options);
  }
  /** Ref counts of a manifest file, with upstream's keys (`inspect_manifest`). */
  async inspectManifest(manifestId: string, options: CallOptions = {}): Promise<ManifestInspect> {
    return inspect.inspectManifest(this.#ctx.assets, parseManifestId(manifestId), options);
  }
  /** A snapshot's transaction log, with upstream's keys (`inspect_transaction_log`). */
  async inspectTransactionLog(
    snapshotId: string,
    options: CallOptions = {},
  ): Promise<TransactionLogInspect> {
    const id = parseSnapshotId(snapshotId);
    return inspect.inspectTransactionLog(this.#ctx.assets, this.specVersion, id, options);
  }

  // ---------------------------------------------------------------------------- administration

  #requireV2(what: string): void {
    if (this.specVersion !== 2) throw new SpecVersionRequiredError(what, 2, this.specVersion);
  }

  async #info(options: CallOptions): Promise<RepoInfoData> {
    const got = await this.#ctx.assets.fetchRepoInfo(options);
    if (!got) throw new RepositoryNotFoundError(this.storage.description);
    return got.info;
  }

  /** The persisted config of the repository at `storage` (without opening it), or undefined. */
  static async fetchConfig(
    storage: Storage,
    options: CallOptions = {},
  ): Promise<RepositoryConfig | undefined> {
    if (!(await Repository.exists(storage, options))) return undefined;
    const repo = await Repository.open(storage, options);
    return repo.#persistedConfig;
  }

  /** Persists this instance's config (spec 2: in the `repo` object; spec 1: `config.yaml`). */
  async saveConfig(options: CallOptions = {}): Promise<void> {
    if (this.specVersion === 2) await this.#update(admin.saveConfig(this.config), options);
    else
      await this.storage.put(
        CONFIG_PATH,
        new TextEncoder().encode(stringifyYamlConfig(configToSerde(this.config))),
        {
          contentType: "application/yaml",
          ...options,
        },
      );
    this.#persistedConfig = this.config;
  }

  /** A new instance on the same storage with another config or authorization. */
  reopen(options: OpenOptions = {}): Promise<Repository> {
    return Repository.open(this.storage, { ...this.#openOptions, ...options });
  }

  /** Repository-level metadata (spec 2). */
  async getMetadata(options: CallOptions = {}): Promise<JsonObject> {
    this.#requireV2("repository metadata");
    return (await this.#info(options)).metadata;
  }
  /** `await repo.metadata`: the repository metadata, like `getMetadata()` (spec 2). */
  get metadata(): Promise<JsonObject> {
    return this.getMetadata();
  }
  /** Replaces the repository metadata (spec 2). */
  async setMetadata(metadata: JsonObject, options: CallOptions = {}): Promise<void> {
    this.#requireV2("repository metadata");
    await this.#update(admin.setMetadata(metadata), options);
  }
  /** Merges top-level keys into the repository metadata and returns the result (spec 2). */
  async updateMetadata(patch: JsonObject, options: CallOptions = {}): Promise<JsonObject> {
    this.#requireV2("repository metadata");
    await this.#update(admin.updateMetadata(patch), options);
    return this.getMetadata(options);
  }

  /** Online or read-only (spec 2). */
  async getStatus(options: CallOptions = {}): Promise<RepoStatus> {
    this.#requireV2("repository status");
    return (await this.#info(options)).status;
  }
  /** Marks the repository read-only (every update then fails) or online again (spec 2). */
  async setStatus(
    availability: "online" | "read-only",
    options: CallOptions & { reason?: string } = {},
  ): Promise<void> {
    this.#requireV2("repository status");
    await updateRepoInfo(
      this.#ctx.assets,
      this.config,
      admin.setStatus(availability, options.reason, nowMicros()),
      {
        ...options,
        allowReadOnly: true,
      },
    );
  }

  /** The feature flags with their effective values (spec 2). */
  async featureFlags(options: CallOptions = {}): Promise<FeatureFlag[]> {
    this.#requireV2("feature flags");
    return featureFlags(await this.#info(options));
  }
  /** The feature flags that are on (spec 2). */
  async enabledFeatureFlags(options: CallOptions = {}): Promise<FeatureFlag[]> {
    return (await this.featureFlags(options)).filter((f) => f.enabled);
  }
  /** The feature flags that are off (spec 2). */
  async disabledFeatureFlags(options: CallOptions = {}): Promise<FeatureFlag[]> {
    return (await this.featureFlags(options)).filter((f) => !f.enabled);
  }
  /** Sets a flag on or off, or back to its default with `undefined` (spec 2). */
  async setFeatureFlag(
    name: string,
    value: boolean | undefined,
    options: CallOptions = {},
  ): Promise<void> {
    this.#requireV2("feature flags");
    await this.#update(admin.setFeatureFlag(name, value), options);
  }

  /**
   * Metadata merged under the metadata of every commit (amend, flush) of sessions opened after
   * this call; a commit's own keys win. Held by this Repository object only, as upstream's.
   * @throws {InvalidCommitMetadataError} when it is not JSON
   */
  setDefaultCommitMetadata(metadata: JsonObject): void {
    checkCommitMetadata(metadata);
    this.#defaultCommitMetadata = structuredClone(metadata);
  }
  /** The metadata set with {@link setDefaultCommitMetadata} (a copy; `{}` by default). */
  get defaultCommitMetadata(): JsonObject {
    return structuredClone(this.#defaultCommitMetadata);
  }

  // ---------------------------------------------------------------------------- maintenance

  /**
   * Bytes of the chunks of every snapshot reachable from a branch or tag, by kind (native chunks
   * once per chunk id, virtual ones once per location and range, inline ones per manifest holding
   * them). Snapshots left unreachable by resets or expiration are not counted (collect them with
   * `garbageCollect`). Bounded like upstream's: `maxSnapshotsInMemory`,
   * `maxCompressedManifestMemBytes`, `maxConcurrentManifestFetches`; reports `onProgress`.
   */
  chunkStorageStats(options: ChunkStorageStatsOptions = {}): Promise<ChunkStorageStats> {
    return chunkStorageStats(this.#ctx.assets, this.#versionControl, options);
  }

  /**
   * Rewrites every array's manifests under the current `manifest.splitting` config in one commit
   * on `branch` (or, with `commitMethod: "amend"`, replacing its tip; spec 2), content unchanged;
   * the commit metadata records the config under `__icechunk.splitting_config`.
   * @returns the new snapshot id
   */
  rewriteManifests(message: string, options: RewriteManifestsOptions): Promise<SnapshotId> {
    return rewriteManifests(
      (branch, o) => this.writableSession(branch, o),
      this.config.manifest?.splitting,
      message,
      options,
    );
  }

  /**
   * Removes snapshots written before `olderThan` from the history (no object is deleted; run
   * `garbageCollect` afterwards). Roots and the `main` tip are never expired; other ref tips only
   * when their ref is deleted (`deleteExpiredBranches` / `deleteExpiredTags`). Spec 2: one update
   * of the `repo` object; retained snapshots are re-parented to the root and keep their expired
   * ancestors' transaction logs (`prunedAncestorTxLogs`). Spec 1: rewrites the oldest retained
   * snapshot file of each ref (reopen other instances afterwards).
   * @returns the ids of the released snapshots, sorted
   */
  async expireSnapshots(olderThan: Date, options: ExpireOptions = {}): Promise<SnapshotId[]> {
    const result =
      this.specVersion === 2
        ? await expireV2(this.#ctx.assets, this.config, olderThan, options)
        : await expireV1(this.#ctx.assets, olderThan, options);
    return result.releasedSnapshots;
  }

  /**
   * Deletes objects unreachable from every branch and tag that storage reports as written before
   * `deleteObjectsOlderThan` (by more than 20 ms, for coarse file clocks). Pick a cutoff older than
   * the start of every writer still running (their uncommitted chunks are unreachable too); commits
   * that land while GC runs, before it last reads the refs, keep everything they reference.
   * `dryRun` only counts.
   */
  garbageCollect(
    deleteObjectsOlderThan: Date,
    options: GarbageCollectOptions = {},
  ): Promise<GCSummary> {
    return garbageCollect(
      this.#ctx.assets,
      this.specVersion,
      this.config,
      deleteObjectsOlderThan,
      options,
    );
  }
}

installRepr(Repository.prototype, "Repository", repositoryFields);

function newAssets(
  storage: Storage,
  config: RepositoryConfig,
  options: Pick<OpenOptions, "objectSizeLimits" | "zstdCodec"> = {},
): AssetManager {
  return new AssetManager(storage, {
    ...(options.objectSizeLimits ? { objectSizeLimits: options.objectSizeLimits } : {}),
    ...(options.zstdCodec ? { zstdCodec: options.zstdCodec } : {}),
    snapshotCacheNodes: config.caching?.numSnapshotNodes ?? DEFAULT_NUM_SNAPSHOT_NODES,
    manifestCacheRefs: config.caching?.numChunkRefs ?? DEFAULT_NUM_CHUNK_REFS,
    maxConcurrentRequests: config.maxConcurrentRequests ?? DEFAULT_MAX_CONCURRENT_REQUESTS,
    compressionLevel: config.compression?.level ?? DEFAULT_COMPRESSION_LEVEL,
  });
}

/** Internal: what every session of a repository shares. */
function repoContext(
  assets: AssetManager,
  specVersion: 1 | 2,
  config: RepositoryConfig,
  options: OpenOptions,
): RepoContext {
  // the caller's own settings were refused already if unsupported; persisted ones apply leniently
  applyStorageSettings(assets.storage, config.storage, { strict: false });
  const http = httpVirtualChunkFetcher();
  const gcs = gcsAnonymousVirtualChunkFetcher();
  const virtual = new VirtualChunkResolver(
    config.virtualChunkContainers,
    options.authorizeVirtualChunkAccess ?? {},
    {
      http,
      https: http,
      s3: s3AnonymousVirtualChunkFetcher(),
      gs: gcs,
      gcs,
      ...options.virtualChunkFetchers,
    },
  );
  const versionControl =
    specVersion === 2
      ? new RepoInfoVersionControl(assets, config)
      : new RefFilesVersionControl(assets);
  return { assets, specVersion, config, virtual, versionControl };
}

/** Upstream `fetch_spec_version`: the `repo` object means spec 2, else `refs/branch.main/ref.json` spec 1. */
async function detect(
  assets: AssetManager,
  options: CallOptions,
): Promise<{ specVersion: 1 | 2 } | undefined> {
  const [info, mainRef] = await Promise.all([
    assets.fetchRepoInfo(options),
    assets.fetchBounded(branchKey("main"), "ref file", MAX_REF_FILE_BYTES, options),
  ]);
  if (info) return { specVersion: 2 };
  if (mainRef) return { specVersion: 1 };
  return undefined;
}
