/**
 * @module format/repo-info
 * The spec-2 repo info object (root `Repo`, icechunk-format.md §2.5, §4.5-4.8): refs, deleted
 * tags, every snapshot with its parent link, status, repo metadata, the ops log, the persisted
 * config (raw flexbuffer, passed through) and feature flags. It is small, so it decodes to a
 * plain object. Metadata values are always flexbuffers here.
 */

import { CorruptObjectError } from "../errors.js";
import {
  type JsonObject,
  readMetadata,
  sortByUtf8,
  writeIdVector,
  writeMetadata,
} from "./common.js";
import { FLATBUFFER_IDENTIFIER, OBJECT_ID_LENGTH } from "./constants.js";
import { FlatBufferBuilder, type Offset } from "./flatbuffers/builder.js";
import { FlatBufferReader } from "./flatbuffers/reader.js";
import { idToBytes, type SnapshotId } from "./ids.js";
import {
  type RepoSnapshotInfo,
  RepoSnapshotTable,
  SNAPSHOT_INFO_SLOT as SI,
} from "./repo-snapshot-table.js";
import {
  type RepoStatus,
  type RepoUpdate,
  readStatus,
  readUpdate,
  writeStatus,
  writeUpdate,
} from "./repo-updates.js";

export type { RepoSnapshotInfo } from "./repo-snapshot-table.js";
export { RepoSnapshotTable } from "./repo-snapshot-table.js";
export type { RepoStatus, RepoUpdate } from "./repo-updates.js";

/** A branch or tag. */
export interface RepoRef {
  name: string;
  snapshotId: SnapshotId;
}

/** One ops-log entry. */
export interface RepoUpdateEntry {
  update: RepoUpdate;
  /** Microseconds since the epoch. */
  updatedAt: number;
  /** Name under `overwritten/` of the repo info written right after this update. */
  backupPath?: string;
}

/** Content of the repo info object. */
export interface RepoInfoData {
  specVersion: number;
  tags: RepoRef[];
  branches: RepoRef[];
  deletedTags: string[];
  snapshots: RepoSnapshotInfo[];
  status: RepoStatus;
  metadata: JsonObject;
  /** Newest first. */
  latestUpdates: RepoUpdateEntry[];
  repoBeforeUpdates?: string;
  /** Raw flexbuffer of the Rust `RepositoryConfig`, passed through unchanged. */
  config?: Uint8Array;
  enabledFeatureFlags: number[];
  disabledFeatureFlags: number[];
}

/** Options of {@link decodeRepoInfo}. */
export interface DecodeRepoInfoOptions {
  /** Object key, for error messages. */
  path?: string;
}

const P = {
  specVersion: 0,
  tags: 1,
  branches: 2,
  deletedTags: 3,
  snapshots: 4,
  status: 5,
  metadata: 6,
  latestUpdates: 7,
  repoBeforeUpdates: 8,
  config: 9,
  enabledFlags: 10,
  disabledFlags: 11,
} as const;

function readU16Vector(r: FlatBufferReader, vec: number): number[] {
  const out: number[] = [];
  for (let i = 0, n = r.vectorLength(vec); i < n; i++)
    out.push(r.view.getUint16(vec + 4 + 2 * i, true));
  return out;
}

/**
 * Decodes the repo info flatbuffer (payload of the `repo` object). The snapshot list is checked
 * here (ids present, parent offsets in range) but built on first access of `snapshots`, so a
 * missing message or bad metadata of a snapshot entry surfaces then.
 * @throws {CorruptObjectError} when fields are missing, indices are out of range or offsets are invalid.
 */
export function decodeRepoInfo(
  payload: Uint8Array,
  options: DecodeRepoInfoOptions = {},
): RepoInfoData {
  const r = new FlatBufferReader(payload, { what: "repo info", path: options.path });
  const root = r.root();
  const snapVec = r.required(r.vector(root, P.snapshots, 4), "Repo.snapshots");
  // Validated now (cheap, no allocation per entry); turned into objects only when `snapshots` is
  // first read: opening a repository with a long history needs just the branches and tags, and
  // ancestry walks read the table in place (snapshotTableOf).
  const table = new RepoSnapshotTable(r, snapVec);
  const count = table.count;
  const idAt = (i: number): SnapshotId => table.idAt(i);
  const refs = (slot: number, name: string): RepoRef[] => {
    const vec = r.required(r.vector(root, slot, 4), name);
    const out: RepoRef[] = [];
    for (let i = 0, n = r.vectorLength(vec); i < n; i++) {
      const t = r.vectorTable(vec, i);
      const index = r.u32(t, 1, 0);
      if (index >= count) r.fail(`${name} entry points at snapshot index ${index} of ${count}`);
      out.push({ name: r.requiredString(t, 0, "Ref.name"), snapshotId: idAt(index) });
    }
    return out;
  };
  const deletedVec = r.required(r.vector(root, P.deletedTags, 4), "Repo.deleted_tags");
  const deletedTags: string[] = [];
  for (let i = 0, n = r.vectorLength(deletedVec); i < n; i++)
    deletedTags.push(r.vectorString(deletedVec, i));
  const updatesVec = r.required(r.vector(root, P.latestUpdates, 4), "Repo.latest_updates");
  const latestUpdates: RepoUpdateEntry[] = [];
  for (let i = 0, n = r.vectorLength(updatesVec); i < n; i++) {
    const t = r.vectorTable(updatesVec, i);
    const entry: RepoUpdateEntry = {
      update: readUpdate(r, r.u8(t, 0, 0), r.table(t, 1)),
      updatedAt: r.u64(t, 2, 0),
    };
    const backup = r.string(t, 3);
    if (backup !== undefined) entry.backupPath = backup;
    latestUpdates.push(entry);
  }
  const out: RepoInfoData = {
    specVersion: r.u8(root, P.specVersion, 0),
    tags: refs(P.tags, "Repo.tags"),
    branches: refs(P.branches, "Repo.branches"),
    deletedTags,
    snapshots: [],
    status: readStatus(r, r.required(r.table(root, P.status), "Repo.status")),
    metadata: readMetadata(r, r.vector(root, P.metadata, 4), "flexbuffers"),
    latestUpdates,
    enabledFeatureFlags: readU16Vector(r, r.vector(root, P.enabledFlags, 2)),
    disabledFeatureFlags: readU16Vector(r, r.vector(root, P.disabledFlags, 2)),
  };
  const before = r.string(root, P.repoBeforeUpdates);
  if (before !== undefined) out.repoBeforeUpdates = before;
  const config = r.bytesField(root, P.config);
  if (config !== undefined) out.config = config.slice();
  let snapshots: RepoSnapshotInfo[] | undefined;
  Object.defineProperty(out, "snapshots", {
    enumerable: true,
    configurable: true,
    get: () => {
      snapshots ??= table.entries();
      return snapshots;
    },
    set: (value: RepoSnapshotInfo[]) => {
      snapshots = value;
      tables.delete(out);
    },
  });
  tables.set(out, table);
  return out;
}

const tables = new WeakMap<RepoInfoData, RepoSnapshotTable>();

/**
 * The in-place snapshot table of a repo info decoded by {@link decodeRepoInfo} (`undefined` for one
 * built in memory, or once its `snapshots` were replaced). Entry objects are not shared with
 * `snapshots`, so a caller that edits that array in place must not use the table afterwards.
 */
export function snapshotTableOf(info: RepoInfoData): RepoSnapshotTable | undefined {
  return tables.get(info);
}

/**
 * Builds the repo info flatbuffer. Sorts tags, branches, deleted tags and snapshots by bytes and
 * computes ref indices and parent offsets.
 * @throws {CorruptObjectError} when `main` is missing or a ref or parent names an unknown snapshot.
 */
export function encodeRepoInfo(data: RepoInfoData): Uint8Array {
  if (!data.branches.some((b) => b.name === "main")) {
    throw new CorruptObjectError("repo info", "it has no branch 'main'", { path: "repo" });
  }
  const b = new FlatBufferBuilder(1024);
  const snapshots = [...data.snapshots].sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
  const index = new Map<string, number>(snapshots.map((s, i) => [s.id, i]));
  const indexOf = (id: SnapshotId, what: string): number => {
    const i = index.get(id);
    if (i === undefined)
      throw new CorruptObjectError(
        "repo info",
        `${what} points at snapshot ${id}, which is not in its snapshot list`,
        { path: "repo" },
      );
    return i;
  };
  const writeRefs = (refs: readonly RepoRef[], kind: string): Offset => {
    const tables = sortByUtf8(refs, (x) => x.name).map((ref) => {
      const i = indexOf(ref.snapshotId, `${kind} '${ref.name}'`);
      const name = b.createString(ref.name);
      b.startTable(2);
      b.fieldU32(1, i, 0);
      b.fieldOffset(0, name);
      return b.endTable();
    });
    return b.createOffsetVector(tables);
  };
  const tags = writeRefs(data.tags, "tag");
  const branches = writeRefs(data.branches, "branch");
  const deletedTags = b.createOffsetVector(
    sortByUtf8(data.deletedTags, (x) => x).map((t) => b.createString(t)),
  );
  const snapshotTables = snapshots.map((s) => {
    const metadata = writeMetadata(b, s.metadata, "flexbuffers");
    const pruned =
      s.prunedAncestorTxLogs !== undefined && s.prunedAncestorTxLogs.length > 0
        ? writeIdVector(b, s.prunedAncestorTxLogs, OBJECT_ID_LENGTH)
        : undefined;
    const message = b.createString(s.message);
    const parent =
      s.parentId === undefined ? -1 : indexOf(s.parentId, `the parent of snapshot ${s.id}`);
    b.startTable(6);
    b.fieldU64(SI.flushedAt, s.flushedAt, 0);
    b.fieldOffset(SI.pruned, pruned);
    b.fieldOffset(SI.metadata, metadata);
    b.fieldOffset(SI.message, message);
    b.fieldI32(SI.parentOffset, parent, 0);
    b.fieldStruct(SI.id, idToBytes(s.id, OBJECT_ID_LENGTH));
    return b.endTable();
  });
  const snapshotsVec = b.createOffsetVector(snapshotTables);
  const status = writeStatus(b, data.status);
  const metadata = writeMetadata(b, data.metadata, "flexbuffers");
  // Absent means "none set"; Rust leaves empty flag lists out.
  const flags = (ids: readonly number[]) =>
    ids.length === 0 ? undefined : b.createU16Vector([...ids].sort((x, y) => x - y));
  const enabled = flags(data.enabledFeatureFlags);
  const disabled = flags(data.disabledFeatureFlags);
  const updates = data.latestUpdates.map((entry) => {
    const { code, offset } = writeUpdate(b, entry.update);
    const backup = entry.backupPath === undefined ? undefined : b.createString(entry.backupPath);
    b.startTable(4);
    b.fieldU64(2, entry.updatedAt, 0);
    b.fieldOffset(3, backup);
    b.fieldOffset(1, offset);
    b.fieldU8(0, code, 0);
    return b.endTable();
  });
  const updatesVec = b.createOffsetVector(updates);
  const before =
    data.repoBeforeUpdates === undefined ? undefined : b.createString(data.repoBeforeUpdates);
  const config = data.config === undefined ? undefined : b.createBytes(data.config);
  // Field order of the flatc-generated Rust builder (4-byte fields in reverse slot order, then
  // bytes), so the buffer matches Rust's byte for byte.
  b.startTable(12);
  b.fieldOffset(P.disabledFlags, disabled);
  b.fieldOffset(P.enabledFlags, enabled);
  b.fieldOffset(P.config, config);
  b.fieldOffset(P.repoBeforeUpdates, before);
  b.fieldOffset(P.latestUpdates, updatesVec);
  b.fieldOffset(P.metadata, metadata);
  b.fieldOffset(P.status, status);
  b.fieldOffset(P.snapshots, snapshotsVec);
  b.fieldOffset(P.deletedTags, deletedTags);
  b.fieldOffset(P.branches, branches);
  b.fieldOffset(P.tags, tags);
  b.fieldU8(P.specVersion, data.specVersion, 0);
  return b.finish(b.endTable(), FLATBUFFER_IDENTIFIER);
}
