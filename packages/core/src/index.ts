/**
 * Pure-TypeScript Icechunk: open, read and write Icechunk repositories (spec 1, 2 and 2.1) in
 * Node and browsers, byte-compatible with the official Rust implementation.
 *
 * @example
 * import { Repository, inMemoryStorage } from "@icechunk-ts/core";
 * const repo = await Repository.create(inMemoryStorage());
 * const session = await repo.writableSession("main");
 * await session.store.set("zarr.json", new TextEncoder().encode('{"zarr_format":3,"node_type":"group"}'));
 * const snapshotId = await session.commit("first commit");
 *
 * @module @icechunk-ts/core
 */

export {
  AncestryGraph,
  type AncestryGraphOptions,
  type AncestryNode,
  type LayoutElement,
} from "./display/ancestry-graph.js";
export type { JupyterBundle } from "./display/repr.js";
export { formatConflict } from "./display/reprs.js";
export * from "./errors.js";
export { INITIAL_SNAPSHOT_ID } from "./format/constants.js";
export type { ChunkId, ManifestId, NodeId, SnapshotId } from "./format/ids.js";
export type { JsonObject, JsonValue } from "./format/json-value.js";
export type { ChunkChecksum, ChunkPayload } from "./format/manifest.js";
export { DEFAULT_OBJECT_SIZE_LIMITS, type ObjectSizeLimits } from "./format/object-file.js";
export type { RepoStatus, RepoUpdate } from "./format/repo-info.js";
export type { DimensionShape, ManifestFileInfo, ManifestRef } from "./format/snapshot.js";
export type { MoveOperation, TransactionLogData } from "./format/transaction-log.js";
export {
  pureZstdCodec,
  type ZstdCodec,
  type ZstdCodecCompressOptions,
  type ZstdCodecDecompressOptions,
} from "./format/zstd/codec.js";
export type { ExpireOptions } from "./ops/expire.js";
export type { GarbageCollectOptions, GCSummary } from "./ops/gc.js";
export { type UpgradeOptions, upgradeRepository } from "./ops/migrate.js";
export type { RewriteManifestsOptions } from "./ops/rewrite-manifests.js";
export type { ChunkStorageStats, ChunkStorageStatsOptions } from "./ops/stats.js";
export type { WalkLimitsOptions } from "./ops/walk-limits.js";
export type {
  ManifestInspect,
  NodeInspect,
  RepoInfoInspect,
  SnapshotInspect,
  TransactionLogInspect,
} from "./repo/inspect.js";
export {
  type CreateOptions,
  type FeatureFlag,
  type OpenOptions,
  type OpsLogEntry,
  Repository,
} from "./repo/repository.js";
export type {
  ObjectStoreConfig,
  RepositoryConfig,
  S3Options,
  VirtualChunkContainer,
} from "./repo-core/config.js";
export type { CallOptions, SnapshotInfo, VersionSelector, VersionSpec } from "./repo-core/types.js";
export type { ChangeSet } from "./session/change-set.js";
export { ConflictDetector, detectConflicts } from "./session/conflicts/detect.js";
export {
  BasicConflictSolver,
  type BasicConflictSolverOptions,
  type VersionSelection,
} from "./session/conflicts/solvers.js";
export type {
  Conflict,
  ConflictKind,
  ConflictResolution,
  ConflictSolver,
} from "./session/conflicts/types.js";
export type { Diff, DiffFields, MovedNode } from "./session/diff.js";
export type { ChangeSetJSON, SessionJSON } from "./session/fork.js";
export type { ArrayNode, GroupNode, Node, ReadContext } from "./session/read.js";
export type { RebaseOptions } from "./session/rebase.js";
export type { CoordMap } from "./session/reindex.js";
export {
  type ChunkType,
  type CommitOptions,
  Session,
  type SessionMode,
} from "./session/session.js";
export {
  type KeyRange,
  SessionStore,
  type StoreCallOptions,
  type StoreGetOptions,
  type VirtualRefSpec,
} from "./session/store.js";
export * from "./storage/index.js";
export type { OnProgress, Progress, ProgressOptions } from "./util/progress.js";
export type { CoalesceOptions } from "./virtual/coalesce.js";
export {
  GCS_PUBLIC_ENDPOINT,
  gcsAnonymousVirtualChunkFetcher,
  gcsHttpUrl,
} from "./virtual/gcs-http.js";
export {
  type HttpVirtualChunkFetcherOptions,
  httpVirtualChunkFetcher,
} from "./virtual/http.js";
export { checkVirtualChunkLocation } from "./virtual/location.js";
export type { VirtualChunkAuthorization, VirtualChunkFetcher } from "./virtual/resolver.js";
export { s3AnonymousVirtualChunkFetcher, s3HttpUrl } from "./virtual/s3-http.js";
