/**
 * @module assets/asset-manager
 * Typed I/O between sessions and storage: the only module that knows both the format and the
 * Storage interface. Fetches and decodes snapshots, manifests, transaction logs and the repo info
 * object (each file by the spec byte of its own header), writes them compressed, and caches decoded
 * objects in bounded LRU caches so no object is fetched twice. Every write of a snapshot, manifest
 * or transaction log replaces the cached copy (as upstream's asset manager does): spec-1 expiration
 * rewrites snapshot files in place, and the same repository must see the new parent right away.
 * Chunks are not cached.
 */
import {
  CorruptObjectError,
  ObjectTooLargeError,
  StorageError,
  throwIfAborted,
} from "../errors.js";
import {
  CHUNKS_PREFIX,
  CONFIG_PATH,
  FileType,
  IMPLEMENTATION_NAME,
  MANIFESTS_PREFIX,
  REPO_INFO_PATH,
  SNAPSHOTS_PREFIX,
  TRANSACTIONS_PREFIX,
} from "../format/constants.js";
import type { ChunkId, ManifestId, SnapshotId } from "../format/ids.js";
import type { JsonValue } from "../format/json-value.js";
import {
  decodeManifest,
  encodeManifest,
  type LocationCompression,
  type ManifestView,
} from "../format/manifest.js";
import {
  DEFAULT_OBJECT_SIZE_LIMITS,
  decodeObjectFile,
  encodeObjectFile,
  type ObjectSizeLimits,
} from "../format/object-file.js";
import { decodeRepoInfo, encodeRepoInfo, type RepoInfoData } from "../format/repo-info.js";
import {
  decodeSnapshot,
  encodeSnapshot,
  type SnapshotData,
  type SnapshotView,
} from "../format/snapshot.js";
import {
  decodeTransactionLog,
  encodeTransactionLog,
  type TransactionLogData,
} from "../format/transaction-log.js";
import { parseYamlConfig } from "../format/yaml.js";
import type { ZstdCodec } from "../format/zstd/codec.js";
import type {
  GetResult,
  ObjectVersion,
  PutCondition,
  PutResult,
  Storage,
} from "../storage/types.js";
import { Semaphore } from "../util/concurrency.js";
import { WeightedLru } from "../util/lru.js";

export interface AssetManagerOptions {
  /** Cache capacity in snapshot nodes. */
  snapshotCacheNodes: number;
  /** Cache capacity in manifest chunk refs. */
  manifestCacheRefs: number;
  /** Storage requests in flight at most. */
  maxConcurrentRequests: number;
  /** zstd level for written metadata files. */
  compressionLevel: number;
  /** Decompression limits per metadata file type (defaults: DEFAULT_OBJECT_SIZE_LIMITS). */
  objectSizeLimits?: Partial<ObjectSizeLimits>;
  /** zstd implementation (default: Node's built-in zstd where present, else the pure-TS one). */
  zstdCodec?: ZstdCodec;
}

export interface Signal {
  signal?: AbortSignal;
}

/** A decoded repo info object with the storage version it was read at. */
export interface VersionedRepoInfo {
  readonly info: RepoInfoData;
  readonly version: ObjectVersion;
}

export class AssetManager {
  readonly #snapshots: WeightedLru<string, SnapshotView>;
  readonly #manifests: WeightedLru<string, ManifestView>;
  readonly #txLogs = new WeightedLru<string, TransactionLogData>(64);
  readonly #requests: Semaphore;
  readonly #limits: Readonly<ObjectSizeLimits>;
  /** `{ codec }` when one was injected, spread into the format calls. */
  readonly #codec: { codec?: ZstdCodec };
  #repoInfo: VersionedRepoInfo | undefined;
  #seededFreshUntil = 0;

  constructor(
    readonly storage: Storage,
    readonly options: AssetManagerOptions,
  ) {
    this.#snapshots = new WeightedLru(options.snapshotCacheNodes, (s) => s.nodeCount);
    this.#manifests = new WeightedLru(options.manifestCacheRefs, (m) => m.numRefs());
    this.#requests = new Semaphore(options.maxConcurrentRequests);
    this.#limits = { ...DEFAULT_OBJECT_SIZE_LIMITS, ...options.objectSizeLimits };
    this.#codec = options.zstdCodec ? { codec: options.zstdCodec } : {};
  }

  /** Runs a storage request under the concurrency limit. */
  request<T>(fn: () => Promise<T>): Promise<T> {
    return this.#requests.run(fn);
  }

  /**
   * The largest file of a type that can decompress within its limit: zstd never grows data by more
   * than a block header per 128 KiB (plus the frame and file headers).
   */
  #maxFileBytes(limit: keyof ObjectSizeLimits): number {
    return this.#limits[limit] + Math.ceil(this.#limits[limit] / 4096) + 1024;
  }

  async #fetchObject(
    path: string,
    what: string,
    limit: keyof ObjectSizeLimits,
    signal?: AbortSignal,
    size?: number,
  ): Promise<Uint8Array | undefined> {
    throwIfAborted(signal);
    const maxBytes = this.#maxFileBytes(limit);
    if (size !== undefined && size > maxBytes)
      throw new ObjectTooLargeError(what, path, maxBytes, size, limitSetting(limit));
    const got = await this.request(() =>
      this.storage.get(path, { signal, range: { offset: 0, length: size ?? maxBytes + 1 } }),
    );
    if (got === undefined) return undefined;
    if (got.data.length > maxBytes)
      throw new ObjectTooLargeError(what, path, maxBytes, got.data.length, limitSetting(limit));
    if (size !== undefined && got.data.length !== size && got.data.length < size)
      throw new CorruptObjectError(
        what,
        `expected ${size} bytes, storage returned ${got.data.length}`,
        { path },
      );
    return got.data;
  }

  /**
   * A small object read whole (ref files, `config.yaml`), but never more than `maxBytes`: one
   * bounded ranged GET, so a hostile 100 MB ref file costs `maxBytes + 1` bytes, not 100 MB.
   * @throws {ObjectTooLargeError} when the object is larger than `maxBytes`
   */
  async fetchBounded(
    path: string,
    what: string,
    maxBytes: number,
    { signal }: Signal = {},
  ): Promise<GetResult | undefined> {
    throwIfAborted(signal);
    const got = await this.request(() =>
      this.storage.get(path, { signal, range: { offset: 0, length: maxBytes + 1 } }),
    );
    if (got && got.data.length > maxBytes)
      throw new ObjectTooLargeError(what, path, maxBytes, got.data.length);
    return got;
  }

  /** The spec-1 `config.yaml` parsed (serde form), or undefined when there is none. */
  async fetchConfigYaml({ signal }: Signal = {}): Promise<JsonValue | undefined> {
    const got = await this.fetchBounded(CONFIG_PATH, "config.yaml", MAX_CONFIG_YAML_BYTES, {
      signal,
    });
    return got ? parseYamlConfig(new TextDecoder().decode(got.data)) : undefined;
  }

  /** The `repo` object (spec 2), revalidated with a conditional GET when cached. */
  async fetchRepoInfo({ signal }: Signal = {}): Promise<VersionedRepoInfo | undefined> {
    throwIfAborted(signal);
    const cached = this.#repoInfo;
    // The copy handed over by Repository.open answers the first lookup right after the open
    // (one use, within a second): revalidating an object read a moment ago costs a round trip.
    const freshUntil = this.#seededFreshUntil;
    this.#seededFreshUntil = 0;
    if (cached && performance.now() < freshUntil) return cached;
    if (cached && this.storage.getIfModified && cached.version.etag) {
      const got = await this.request(() =>
        this.storage.getIfModified!(REPO_INFO_PATH, cached.version, { signal }),
      );
      if (got === "not-modified") return cached;
      if (got === undefined) return undefined;
      return this.#acceptRepoInfo(got.data, got.version);
    }
    const maxBytes = this.#maxFileBytes("repoInfo");
    const got = await this.request(() =>
      this.storage.get(REPO_INFO_PATH, { signal, range: { offset: 0, length: maxBytes + 1 } }),
    );
    if (got === undefined) return undefined;
    if (got.data.length > maxBytes)
      throw new ObjectTooLargeError(
        "repo info",
        REPO_INFO_PATH,
        maxBytes,
        got.data.length,
        limitSetting("repoInfo"),
      );
    return this.#acceptRepoInfo(got.data, got.version);
  }

  #acceptRepoInfo(bytes: Uint8Array, version: ObjectVersion): VersionedRepoInfo {
    const { payload } = decodeObjectFile(bytes, FileType.RepoInfo, {
      path: REPO_INFO_PATH,
      limits: this.#limits,
      ...this.#codec,
    });
    const info = decodeRepoInfo(payload, { path: REPO_INFO_PATH });
    this.#repoInfo = { info, version };
    return this.#repoInfo;
  }

  /** Decodes a repo info file at any path (used for `overwritten/` backups in the ops log). */
  async fetchRepoInfoAt(path: string, { signal }: Signal = {}): Promise<RepoInfoData | undefined> {
    const bytes = await this.#fetchObject(path, "repo info", "repoInfo", signal);
    if (!bytes) return undefined;
    const { payload } = decodeObjectFile(bytes, FileType.RepoInfo, {
      path,
      limits: this.#limits,
      ...this.#codec,
    });
    return decodeRepoInfo(payload, { path });
  }

  /** Writes the `repo` object conditionally. */
  async writeRepoInfo(
    info: RepoInfoData,
    condition: PutCondition,
    { signal }: Signal = {},
  ): Promise<PutResult> {
    const bytes = encodeObjectFile(FileType.RepoInfo, 2, encodeRepoInfo(info), {
      level: this.options.compressionLevel,
      ...this.#codec,
    });
    const result = await this.request(() =>
      this.storage.put(REPO_INFO_PATH, bytes, {
        condition,
        signal,
        metadata: metadataFor(2, "repo-info"),
      }),
    );
    if (result.kind === "written") this.#repoInfo = { info, version: result.version };
    return result;
  }

  async fetchSnapshot(id: SnapshotId, { signal }: Signal = {}): Promise<SnapshotView | undefined> {
    const path = SNAPSHOTS_PREFIX + id;
    return this.#loadOptional(this.#snapshots, id, async () => {
      const bytes = await this.#fetchObject(path, "snapshot", "snapshot", signal);
      if (!bytes) return undefined;
      const { header, payload } = decodeObjectFile(bytes, FileType.Snapshot, {
        path,
        limits: this.#limits,
        ...this.#codec,
      });
      return decodeSnapshot(payload, header.specVersion as 1 | 2, { path });
    });
  }

  /** Cached load of an object that may be missing (undefined is returned, not cached). */
  async #loadOptional<V>(
    cache: WeightedLru<string, V>,
    id: string,
    load: () => Promise<V | undefined>,
  ): Promise<V | undefined> {
    try {
      return await cache.getOrLoad(id, async () => {
        const value = await load();
        if (value === undefined) throw new NotFound();
        return value;
      });
    } catch (e) {
      if (e instanceof NotFound) return undefined;
      throw e;
    }
  }

  async writeSnapshot(
    data: SnapshotData,
    specVersion: 1 | 2,
    { signal }: Signal = {},
  ): Promise<void> {
    const path = SNAPSHOTS_PREFIX + data.id;
    const payload = encodeSnapshot(data, specVersion);
    await this.#writeFile(path, FileType.Snapshot, specVersion, payload, "snapshot", signal);
    this.#snapshots.set(data.id, decodeSnapshot(payload, specVersion, { path }));
  }

  async fetchManifest(
    id: ManifestId,
    sizeBytes: number | undefined,
    { signal }: Signal = {},
  ): Promise<ManifestView> {
    const path = MANIFESTS_PREFIX + id;
    return this.#manifests.getOrLoad(id, async () => {
      // size_bytes is the exact object size, so a bounded ranged GET is safe (upstream does the same);
      // 0 means unknown (older writers).
      const bytes = await this.#fetchObject(
        path,
        "manifest",
        "manifest",
        signal,
        sizeBytes ? sizeBytes : undefined,
      );
      if (!bytes)
        throw new CorruptObjectError(
          "manifest",
          "the snapshot references it but it does not exist",
          { path },
        );
      const { header, payload } = decodeObjectFile(bytes, FileType.Manifest, {
        path,
        limits: this.#limits,
        ...this.#codec,
      });
      return decodeManifest(payload, header.specVersion as 1 | 2, { path, ...this.#codec });
    });
  }

  /** Writes a manifest and returns its exact stored size (ManifestFileInfo.size_bytes). */
  async writeManifest(
    data: Parameters<typeof encodeManifest>[0],
    specVersion: 1 | 2,
    { signal, locationCompression }: Signal & { locationCompression?: LocationCompression } = {},
  ): Promise<number> {
    const path = MANIFESTS_PREFIX + data.id;
    const payload = encodeManifest(data, specVersion, {
      ...(locationCompression ? { locationCompression } : {}),
      ...this.#codec,
    });
    const size = await this.#writeFile(
      path,
      FileType.Manifest,
      specVersion,
      payload,
      "manifest",
      signal,
    );
    this.#manifests.set(data.id, decodeManifest(payload, specVersion, { path, ...this.#codec }));
    return size;
  }

  async fetchTransactionLog(
    id: SnapshotId,
    { signal }: Signal = {},
  ): Promise<TransactionLogData | undefined> {
    const path = TRANSACTIONS_PREFIX + id;
    return this.#loadOptional(this.#txLogs, id, async () => {
      const bytes = await this.#fetchObject(path, "transaction log", "transactionLog", signal);
      if (!bytes) return undefined;
      const { header, payload } = decodeObjectFile(bytes, FileType.TransactionLog, {
        path,
        limits: this.#limits,
        ...this.#codec,
      });
      return decodeTransactionLog(payload, header.specVersion as 1 | 2);
    });
  }

  async writeTransactionLog(
    data: TransactionLogData,
    specVersion: 1 | 2,
    { signal }: Signal = {},
  ): Promise<void> {
    const path = TRANSACTIONS_PREFIX + data.id;
    const payload = encodeTransactionLog(data, specVersion);
    await this.#writeFile(
      path,
      FileType.TransactionLog,
      specVersion,
      payload,
      "transaction-log",
      signal,
    );
    // the decoded form (sorted as stored), not the caller's object
    this.#txLogs.set(data.id, decodeTransactionLog(payload, specVersion, { path }));
  }

  /** Bytes `[offset, offset+length)` of a native chunk object. */
  async fetchChunk(
    id: ChunkId,
    offset: number,
    length: number,
    { signal }: Signal = {},
  ): Promise<Uint8Array> {
    const path = CHUNKS_PREFIX + id;
    throwIfAborted(signal);
    const got = await this.request(() =>
      this.storage.get(path, { signal, range: { offset, length }, needVersion: false }),
    );
    if (!got)
      throw new StorageError(
        "get",
        path,
        "the chunk object is missing (was it garbage-collected?)",
      );
    if (got.data.length !== length)
      throw new CorruptObjectError("chunk", `expected ${length} bytes, got ${got.data.length}`, {
        path,
      });
    return got.data;
  }

  async writeChunk(id: ChunkId, data: Uint8Array, { signal }: Signal = {}): Promise<void> {
    throwIfAborted(signal);
    await this.request(() =>
      this.storage.put(CHUNKS_PREFIX + id, data, {
        signal,
        needVersion: false,
        unpublishedKey: true,
      }),
    );
  }

  /** Compresses `payload` into an object file and writes it; returns the stored size. */
  async #writeFile(
    path: string,
    fileType: FileType,
    spec: 1 | 2,
    payload: Uint8Array,
    metadataType: string,
    signal?: AbortSignal,
  ): Promise<number> {
    const bytes = encodeObjectFile(fileType, spec, payload, {
      level: this.options.compressionLevel,
      ...this.#codec,
    });
    await this.#mustWrite(path, bytes, spec, metadataType, signal);
    return bytes.length;
  }

  async #mustWrite(
    path: string,
    bytes: Uint8Array,
    spec: 1 | 2,
    fileType: string,
    signal?: AbortSignal,
  ): Promise<void> {
    throwIfAborted(signal);
    // Snapshots, manifests and transaction logs get fresh random ids that nothing refers to until a
    // commit publishes them, so backends may write them in place; an existing file (a rewritten
    // spec-1 snapshot, the fixed initial snapshot id) still takes the atomic path.
    const r = await this.request(() =>
      this.storage.put(path, bytes, {
        signal,
        metadata: metadataFor(spec, fileType),
        needVersion: false,
        unpublishedKey: true,
      }),
    );
    if (r.kind !== "written")
      throw new StorageError("put", path, "unconditional write was refused");
  }

  /** The repo info this manager last read or wrote (to hand over to another manager without a refetch). */
  get cachedRepoInfo(): VersionedRepoInfo | undefined {
    return this.#repoInfo;
  }
  seedRepoInfo(value: VersionedRepoInfo | undefined): void {
    this.#repoInfo = value;
    this.#seededFreshUntil = value ? performance.now() + SEEDED_REPO_INFO_FRESH_MS : 0;
  }

  /** Drops the cached repo info so the next fetch reads it fresh. */
  invalidateRepoInfo(): void {
    this.#repoInfo = undefined;
    this.#seededFreshUntil = 0;
  }
}

class NotFound extends Error {}

const limitSetting = (limit: keyof ObjectSizeLimits) =>
  `objectSizeLimits.${limit} in Repository.open options`;

/** Largest ref file read (a real one is ~40 bytes). */
export const MAX_REF_FILE_BYTES = 64 * 1024;
/** Largest spec-1 `config.yaml` read (a real one is a few KiB). */
export const MAX_CONFIG_YAML_BYTES = 4 * 2 ** 20;

/** How long a repo info handed over by Repository.open may answer one lookup unrevalidated. */
const SEEDED_REPO_INFO_FRESH_MS = 1000;

function metadataFor(spec: 1 | 2, fileType: string): Record<string, string> {
  return {
    ic_spec_ver: String(spec),
    ic_client: IMPLEMENTATION_NAME,
    ic_file_type: fileType,
    ic_comp_alg: "zstd",
  };
}
