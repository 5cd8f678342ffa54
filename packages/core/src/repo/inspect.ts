/**
 * @module repo/inspect
 * Debugging views of a repository's objects as plain JSON, with upstream's keys and meaning
 * (`icechunk/src/inspect.rs`, the Python package's `inspect_snapshot`, `inspect_repo_info`,
 * `inspect_manifest`, `inspect_transaction_log`), so output compares with the Python package's:
 * snake_case keys, ids in base32, times as RFC 3339 UTC strings (chrono's: fractional seconds
 * in groups of 3 digits, none when whole), optional fields left out when absent.
 */
import type { AssetManager } from "../assets/asset-manager.js";
import {
  ManifestNotFoundError,
  MissingTransactionLogError,
  RepositoryNotFoundError,
  SnapshotNotFoundError,
  throwIfAborted,
} from "../errors.js";
import { FileType, MANIFESTS_PREFIX } from "../format/constants.js";
import type { ManifestId, SnapshotId } from "../format/ids.js";
import type { JsonObject, JsonValue } from "../format/json-value.js";
import { decodeManifest } from "../format/manifest.js";
import { decodeObjectFile } from "../format/object-file.js";
import type { RepoUpdate } from "../format/repo-info.js";
import type { NodeSnapshot } from "../format/snapshot.js";
import type { TransactionLogData } from "../format/transaction-log.js";
import type { CallOptions } from "../repo-core/types.js";
import { mergeTransactionLogs } from "../session/tx-log-merge.js";

/** `inspectSnapshot`: a snapshot file's content. */
export interface SnapshotInspect {
  id: string;
  flushed_at: string;
  commit_message: string;
  metadata: JsonObject;
  manifests: Array<{ id: string; size_bytes: number; num_chunk_refs: number }>;
  nodes: NodeInspect[];
}

/** One node of {@link SnapshotInspect}; `shape` and `manifest_refs` only for arrays. */
export interface NodeInspect {
  id: string;
  path: string;
  node_type: "group" | "array";
  shape?: Array<{ name?: string; array_length: number; num_chunks: number }>;
  manifest_refs?: Array<{ id: string; extents: Array<[number, number]> }>;
}

/** `inspectRepoInfo`: the spec-2 `repo` object. */
export interface RepoInfoInspect {
  spec_version: string;
  branches: Record<string, string>;
  tags: Record<string, string>;
  deleted_tags: string[];
  snapshots: Array<{
    id: string;
    parent_id?: string;
    flushed_at: string;
    message: string;
    metadata: JsonObject;
  }>;
  metadata: JsonObject;
  latest_updates: Array<{
    /** `type` is upstream's variant name (`NewCommitUpdate`, …), its fields beside it. */
    update_type: { type: string } & JsonObject;
    updated_at: string;
    backup_path?: string;
  }>;
  repo_before_updates?: string;
}

/** `inspectManifest`: ref counts of a manifest file. */
export interface ManifestInspect {
  id: string;
  /** Size of the decompressed manifest. */
  size_bytes: number;
  num_arrays: number;
  total_chunk_refs: number;
  total_inline: number;
  total_native: number;
  total_virtual: number;
  arrays: Array<{
    node_id: string;
    num_chunk_refs: number;
    num_inline: number;
    num_native: number;
    num_virtual: number;
  }>;
  compression: {
    uses_location_compression: boolean;
    dictionary_size_bytes?: number;
    num_compressed_refs: number;
  };
}

/** `inspectTransactionLog`: a commit's transaction log (node ids, not paths). */
export interface TransactionLogInspect {
  new_groups: string[];
  new_arrays: string[];
  deleted_groups: string[];
  deleted_arrays: string[];
  updated_groups: string[];
  updated_arrays: string[];
  updated_chunks: Array<{ node_id: string; chunks: number[][] }>;
  moved_nodes: Array<{ from: string; to: string }>;
  /** Present when expiration collapsed the snapshot's ancestry: the view merges pruned logs. */
  synthetic_composite?: {
    note: string;
    merged_pruned_ancestor_tx_logs: string[];
    missing_tx_logs: string[];
  };
}

/** Microseconds since the epoch as chrono serializes a `DateTime<Utc>` (RFC 3339, `Z`). */
export function rfc3339Micros(micros: number): string {
  const secs = Math.floor(micros / 1_000_000);
  const frac = micros - secs * 1_000_000;
  const base = new Date(secs * 1000).toISOString().slice(0, 19);
  if (frac === 0) return `${base}Z`;
  const digits = String(frac).padStart(6, "0");
  return `${base}.${digits.endsWith("000") ? digits.slice(0, 3) : digits}Z`;
}

function nodeInspect(n: NodeSnapshot): NodeInspect {
  const out: NodeInspect = { id: n.id, path: n.path, node_type: n.nodeData.type };
  if (n.nodeData.type === "array") {
    const names = n.nodeData.dimensionNames;
    out.shape = n.nodeData.shape.map((d, i) => {
      const name = names?.[i];
      return {
        ...(name !== undefined && name !== null ? { name } : {}),
        array_length: d.arrayLength,
        num_chunks: d.numChunks,
      };
    });
    out.manifest_refs = n.nodeData.manifests.map((m) => ({
      id: m.objectId,
      extents: m.extents.map(([a, b]) => [a, b] as [number, number]),
    }));
  }
  return out;
}

export async function inspectSnapshot(
  assets: AssetManager,
  id: SnapshotId,
  options: CallOptions = {},
): Promise<SnapshotInspect> {
  const snap = await assets.fetchSnapshot(id, options);
  if (!snap) throw new SnapshotNotFoundError(id);
  const nodes: NodeInspect[] = [];
  for (const n of snap.nodes()) nodes.push(nodeInspect(n));
  return {
    id: snap.id,
    flushed_at: rfc3339Micros(snap.flushedAt),
    commit_message: snap.message,
    metadata: snap.metadata,
    manifests: snap.manifestFiles.map((f) => ({
      id: f.id,
      size_bytes: f.sizeBytes,
      num_chunk_refs: f.numChunkRefs,
    })),
    nodes,
  };
}

const version = (v: number) => `${v}.0`;

/** Upstream's `UpdateType` variant names and fields. */
function updateInspect(u: RepoUpdate): { type: string } & JsonObject {
  switch (u.type) {
    case "repo-initialized":
      return { type: "RepoInitializedUpdate" };
    case "repo-migrated":
      return {
        type: "RepoMigratedUpdate",
        from_version: version(u.fromVersion),
        to_version: version(u.toVersion),
      };
    case "repo-status-changed":
      return {
        type: "RepoStatusChangedUpdate",
        status: {
          availability: u.status.availability === "online" ? "Online" : "ReadOnly",
          set_at: rfc3339Micros(u.status.setAt),
          limited_availability_reason: u.status.reason ?? null,
        },
      };
    case "config-changed":
      return { type: "ConfigChangedUpdate" };
    case "metadata-changed":
      return { type: "MetadataChangedUpdate" };
    case "tag-created":
      return { type: "TagCreatedUpdate", name: u.name };
    case "tag-deleted":
      return { type: "TagDeletedUpdate", name: u.name, previous_snap_id: u.previousSnapId };
    case "branch-created":
      return { type: "BranchCreatedUpdate", name: u.name };
    case "branch-deleted":
      return { type: "BranchDeletedUpdate", name: u.name, previous_snap_id: u.previousSnapId };
    case "branch-reset":
      return { type: "BranchResetUpdate", name: u.name, previous_snap_id: u.previousSnapId };
    case "new-commit":
      return { type: "NewCommitUpdate", branch: u.branch, new_snap_id: u.newSnapId };
    case "commit-amended":
      return {
        type: "CommitAmendedUpdate",
        branch: u.branch,
        previous_snap_id: u.previousSnapId,
        new_snap_id: u.newSnapId,
      };
    case "new-detached-snapshot":
      return { type: "NewDetachedSnapshotUpdate", new_snap_id: u.newSnapId };
    case "gc-ran":
      return { type: "GCRanUpdate" };
    case "expiration-ran":
      return { type: "ExpirationRanUpdate" };
    case "feature-flag-changed": {
      const value: JsonValue = u.isSet ? u.newValue : null;
      return { type: "FeatureFlagChanged", id: u.id, new_value: value };
    }
  }
}

const byName = (refs: ReadonlyArray<{ name: string; snapshotId: string }>) =>
  Object.fromEntries(
    [...refs]
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .map((r) => [r.name, r.snapshotId]),
  );

/** @throws {RepositoryNotFoundError} when there is no `repo` object (spec-1 repositories) */
export async function inspectRepoInfo(
  assets: AssetManager,
  options: CallOptions = {},
): Promise<RepoInfoInspect> {
  const got = await assets.fetchRepoInfo(options);
  if (!got) throw new RepositoryNotFoundError(`${assets.storage.description} (no 'repo' object)`);
  const info = got.info;
  const out: RepoInfoInspect = {
    spec_version: version(info.specVersion),
    branches: byName(info.branches),
    tags: byName(info.tags),
    deleted_tags: [...info.deletedTags],
    snapshots: info.snapshots.map((s) => ({
      id: s.id,
      ...(s.parentId ? { parent_id: s.parentId } : {}),
      flushed_at: rfc3339Micros(s.flushedAt),
      message: s.message,
      metadata: s.metadata,
    })),
    metadata: info.metadata,
    latest_updates: info.latestUpdates.map((e) => ({
      update_type: updateInspect(e.update),
      updated_at: rfc3339Micros(e.updatedAt),
      ...(e.backupPath !== undefined ? { backup_path: e.backupPath } : {}),
    })),
  };
  if (info.repoBeforeUpdates !== undefined) out.repo_before_updates = info.repoBeforeUpdates;
  return out;
}

/** @throws {ManifestNotFoundError} when no manifest file has this id */
export async function inspectManifest(
  assets: AssetManager,
  id: ManifestId,
  options: CallOptions = {},
): Promise<ManifestInspect> {
  const path = MANIFESTS_PREFIX + id;
  const got = await assets.storage.get(path, options);
  if (!got) throw new ManifestNotFoundError(id);
  const codec = assets.options.zstdCodec ? { codec: assets.options.zstdCodec } : {};
  const { header, payload } = decodeObjectFile(got.data, FileType.Manifest, { path, ...codec });
  const stats = decodeManifest(payload, header.specVersion as 1 | 2, { path, ...codec }).stats();
  const arrays = stats.arrays.map((a) => ({
    node_id: a.nodeId,
    num_chunk_refs: a.inline + a.native + a.virtual,
    num_inline: a.inline,
    num_native: a.native,
    num_virtual: a.virtual,
  }));
  const sum = (f: (a: (typeof arrays)[number]) => number) => arrays.reduce((n, a) => n + f(a), 0);
  const totalInline = sum((a) => a.num_inline);
  const totalNative = sum((a) => a.num_native);
  const totalVirtual = sum((a) => a.num_virtual);
  return {
    id,
    size_bytes: stats.byteLength,
    num_arrays: arrays.length,
    total_chunk_refs: totalInline + totalNative + totalVirtual,
    total_inline: totalInline,
    total_native: totalNative,
    total_virtual: totalVirtual,
    arrays,
    compression: {
      uses_location_compression: stats.usesLocationCompression,
      ...(stats.dictionarySizeBytes !== undefined
        ? { dictionary_size_bytes: stats.dictionarySizeBytes }
        : {}),
      num_compressed_refs: stats.numCompressedRefs,
    },
  };
}

function txLogInspect(log: TransactionLogData): TransactionLogInspect {
  return {
    new_groups: [...log.newGroups],
    new_arrays: [...log.newArrays],
    deleted_groups: [...log.deletedGroups],
    deleted_arrays: [...log.deletedArrays],
    updated_groups: [...log.updatedGroups],
    updated_arrays: [...log.updatedArrays],
    updated_chunks: log.updatedChunks.map((u) => ({
      node_id: u.nodeId,
      chunks: u.chunks.map((c) => [...c]),
    })),
    moved_nodes: log.movedNodes.map((m) => ({ from: m.from, to: m.to })),
  };
}

const SYNTHETIC_NOTE =
  "Synthetic composite: expiration collapsed this snapshot's ancestry; this view merges the " +
  "transaction logs of its pruned ancestors (oldest first) with its own log.";

/**
 * The transaction log of a snapshot; when expiration pruned its ancestors (spec 2.1), their kept
 * logs merged with its own, marked `synthetic_composite`.
 * @throws {MissingTransactionLogError} when the snapshot's own log is missing
 */
export async function inspectTransactionLog(
  assets: AssetManager,
  specVersion: 1 | 2,
  id: SnapshotId,
  options: CallOptions = {},
): Promise<TransactionLogInspect> {
  const own = await assets.fetchTransactionLog(id, options);
  if (!own) throw new MissingTransactionLogError(id, false);
  const info = specVersion === 2 ? (await assets.fetchRepoInfo(options))?.info : undefined;
  const pruned = info?.snapshots.find((s) => s.id === id)?.prunedAncestorTxLogs ?? [];
  if (pruned.length === 0) return txLogInspect(own);
  const merged: string[] = [];
  const missing: string[] = [];
  let log: TransactionLogData | undefined;
  for (const p of pruned) {
    throwIfAborted(options.signal);
    const l = await assets.fetchTransactionLog(p, options);
    if (!l) {
      missing.push(p);
      continue;
    }
    merged.push(p);
    log = log ? mergeTransactionLogs(log, l) : l;
  }
  const out = txLogInspect(log ? mergeTransactionLogs(log, own) : own);
  out.synthetic_composite = {
    note: SYNTHETIC_NOTE,
    merged_pruned_ancestor_tx_logs: merged,
    missing_tx_logs: missing,
  };
  return out;
}
