/**
 * @module repo-core/types
 * Public value types of the repository layer and the VersionControl interface that spec-1 (ref
 * files) and spec-2 (the `repo` object) repositories implement.
 */

import { firstLine, installRepr, isoMicros, jsonLine } from "../display/repr.js";
import type { SnapshotId } from "../format/ids.js";
import type { JsonObject } from "../format/json-value.js";
import type { RepoSnapshotInfo } from "../format/repo-info.js";

/** One commit (or anonymous snapshot) of the history. */
export interface SnapshotInfo {
  readonly id: SnapshotId;
  /** Absent for the repository's first snapshot. */
  readonly parentId?: SnapshotId;
  /** When the snapshot was written, in microseconds since the Unix epoch (exact). */
  readonly flushedAt: number;
  /** `flushedAt` as a Date (millisecond precision). */
  readonly writtenAt: Date;
  readonly message: string;
  readonly metadata: JsonObject;
}

/** A version written as an object: a branch tip, a tag, or a snapshot id. */
export type VersionSelector = { branch: string } | { tag: string } | { snapshotId: string };

/**
 * Which version to read: a branch name (`"main"`, as the official binding takes it), or
 * `{ branch }`, `{ tag }`, `{ snapshotId }`.
 */
export type VersionSpec = string | VersionSelector;

/** Options every async call takes: `signal` aborts it (with an `AbortError`). */
export interface CallOptions {
  signal?: AbortSignal;
}

/** History and refs, implemented for spec 1 and spec 2. */
export interface VersionControl {
  listBranches(options?: CallOptions): Promise<string[]>;
  listTags(options?: CallOptions): Promise<string[]>;
  lookupBranch(name: string, options?: CallOptions): Promise<SnapshotId>;
  lookupTag(name: string, options?: CallOptions): Promise<SnapshotId>;
  lookupSnapshot(id: SnapshotId, options?: CallOptions): Promise<SnapshotInfo>;
  ancestry(id: SnapshotId, options?: CallOptions): AsyncIterable<SnapshotInfo>;
  /** The whole ancestry as one list, where the backend has it in memory (spec 2). */
  ancestryList?(id: SnapshotId, options?: CallOptions): Promise<SnapshotInfo[]>;
  /** Creates a branch at an existing snapshot. @throws {RefAlreadyExistsError} */
  createBranch(name: string, to: SnapshotId, options?: CallOptions): Promise<void>;
  /** Points a branch at `to`; with `from`, only while the branch is still at `from`. */
  resetBranch(
    name: string,
    to: SnapshotId,
    from: SnapshotId | undefined,
    options?: CallOptions,
  ): Promise<void>;
  deleteBranch(name: string, options?: CallOptions): Promise<void>;
  createTag(name: string, to: SnapshotId, options?: CallOptions): Promise<void>;
  deleteTag(name: string, options?: CallOptions): Promise<void>;
  /**
   * Publishes a written snapshot: records it (spec 2) and, for a commit or an amend, moves the
   * branch from `base` to it (a compare-and-swap).
   */
  publishSnapshot(
    snapshot: RepoSnapshotInfo,
    publish: SnapshotPublication,
    options?: CallOptions,
  ): Promise<void>;
}

/** How a new snapshot is published: onto a branch whose tip is `base`, or detached. */
export type SnapshotPublication =
  | { kind: "commit"; branch: string; base: SnapshotId }
  | { kind: "amend"; branch: string; base: SnapshotId }
  | { kind: "detached" };

/** Prototype of every SnapshotInfo the library returns. */
const SNAPSHOT_INFO_PROTO: object = {};
installRepr<SnapshotInfo>(SNAPSHOT_INFO_PROTO, "SnapshotInfo", (s) => [
  ["id", s.id],
  ["parentId", s.parentId ?? "none"],
  ["writtenAt", isoMicros(s.flushedAt)],
  ["message", JSON.stringify(firstLine(s.message))],
  ["metadata", Object.keys(s.metadata).length ? jsonLine(s.metadata) : undefined],
]);

export function snapshotInfo(
  id: SnapshotId,
  parentId: SnapshotId | undefined,
  flushedAt: number,
  message: string,
  metadata: JsonObject,
): SnapshotInfo {
  const info: { -readonly [K in keyof SnapshotInfo]: SnapshotInfo[K] } =
    Object.create(SNAPSHOT_INFO_PROTO);
  info.id = id;
  info.flushedAt = flushedAt;
  info.writtenAt = new Date(Math.floor(flushedAt / 1000));
  info.message = message;
  info.metadata = metadata;
  if (parentId) info.parentId = parentId;
  return info;
}
