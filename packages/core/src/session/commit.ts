/**
 * @module session/commit
 * Publishing a session's changes (upstream `do_commit`): flush the change set into manifests, a
 * snapshot and a transaction log, check the clocks, then move the branch — a compare-and-swap on
 * the spec-1 ref file or a `repo` object update in spec 2. Also `amend` (replace the branch tip)
 * and `flush` (an anonymous snapshot that no branch points at). Write order: chunks (already
 * uploaded) → manifests → snapshot ∥ transaction log → ref; nothing is visible before the last step.
 */

import {
  AmendInitialCommitError,
  ClockSkewError,
  InvalidArgumentError,
  InvalidCommitMetadataError,
  NoChangesToCommitError,
  SpecVersionRequiredError,
  StorageError,
} from "../errors.js";
import type { SnapshotId } from "../format/ids.js";
import { findNonJson, type JsonObject } from "../format/json-value.js";
import type { SnapshotView } from "../format/snapshot.js";
import type { TransactionLogData } from "../format/transaction-log.js";
import type { OnProgress } from "../util/progress.js";
import { flushChanges } from "./flush.js";
import { locationCompressionSettings } from "./location-compression.js";
import type { ReadContext } from "./read.js";
import type { RepoContext } from "./session.js";
import { mergeTransactionLogs } from "./tx-log-merge.js";

const MAX_CLOCK_DRIFT_MICROS = 600 * 1_000_000;

export type PublishMode =
  | { kind: "commit"; branch: string }
  | { kind: "amend"; branch: string }
  | { kind: "detached" };

export interface PublishOptions {
  message: string;
  metadata?: JsonObject;
  allowEmpty?: boolean;
  signal?: AbortSignal;
  /** Rewrite every array's manifests under the current splitting config. */
  rewriteManifests?: boolean;
  /** Progress of the flush (`{ phase: "arrays", done, total }`). */
  onProgress?: OnProgress;
}

/**
 * Refuses commit metadata that is not a plain JSON object (upstream's `SnapshotProperties` is a
 * `serde_json` map), naming the first offending key path, before anything is written.
 * @throws {InvalidCommitMetadataError}
 */
export function checkCommitMetadata(metadata: unknown): asserts metadata is JsonObject | undefined {
  if (metadata === undefined) return;
  if (typeof metadata !== "object" || metadata === null || Array.isArray(metadata))
    throw new InvalidCommitMetadataError(
      "metadata",
      `expected an object of keys and values, got ${Array.isArray(metadata) ? "an array" : String(metadata)}`,
    );
  const bad = findNonJson(metadata, "metadata");
  if (bad) throw new InvalidCommitMetadataError(bad.keyPath, bad.detail);
}

/** Writes the session's changes as a new snapshot and publishes it; returns the new snapshot. */
export async function publish(
  repo: RepoContext,
  read: ReadContext,
  mode: PublishMode,
  options: PublishOptions,
): Promise<SnapshotView> {
  const { signal } = options;
  checkCommitMetadata(options.metadata);
  const base = read.snapshot;
  if (read.changes.isEmpty() && !options.allowEmpty && mode.kind !== "detached")
    throw new NoChangesToCommitError();
  if (typeof options.message !== "string")
    throw new InvalidArgumentError("commit message", "it must be a string");
  let parentId: SnapshotId | undefined = base.id;
  let parentFlushedAt = base.flushedAt;
  let previousLog: TransactionLogData | undefined;
  let pruned: SnapshotId[] | undefined;
  if (mode.kind === "amend") {
    if (repo.specVersion < 2) throw new SpecVersionRequiredError("amend", 2, repo.specVersion);
    const info = await repo.versionControl.lookupSnapshot(base.id, { signal });
    if (!info.parentId) throw new AmendInitialCommitError(base.id);
    parentId = info.parentId;
    parentFlushedAt = (await repo.versionControl.lookupSnapshot(parentId, { signal })).flushedAt;
    previousLog = await repo.assets.fetchTransactionLog(base.id, { signal });
    const repoInfo = await repo.assets.fetchRepoInfo({ signal });
    pruned = repoInfo?.info.snapshots.find((s) => s.id === base.id)?.prunedAncestorTxLogs;
  }
  const flushed = await flushChanges(
    {
      ...read,
      specVersion: repo.specVersion,
      splitting: repo.config.manifest?.splitting,
      locationCompression: locationCompressionSettings(repo.config.manifest),
      ...(options.rewriteManifests ? { rewriteManifests: true } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    },
    {
      message: options.message,
      metadata: options.metadata ?? {},
      signal,
      parentId,
      parentFlushedAt,
    },
  );
  const snapshot = flushed.snapshot;
  const txLog = previousLog
    ? mergeTransactionLogs(previousLog, flushed.transactionLog)
    : flushed.transactionLog;
  await Promise.all([
    repo.assets.writeSnapshot(snapshot, repo.specVersion, { signal }),
    repo.assets.writeTransactionLog({ ...txLog, id: snapshot.id }, repo.specVersion, { signal }),
  ]);
  const lastModified = await repo.assets.storage.lastModified(`snapshots/${snapshot.id}`, {
    signal,
  });
  if (
    lastModified &&
    Math.abs(lastModified.getTime() * 1000 - snapshot.flushedAt) > MAX_CLOCK_DRIFT_MICROS
  )
    throw new ClockSkewError("storage", snapshot.flushedAt, lastModified.getTime() * 1000);
  const info = {
    id: snapshot.id,
    ...(parentId ? { parentId } : {}),
    flushedAt: snapshot.flushedAt,
    message: snapshot.message,
    metadata: snapshot.metadata,
    ...(pruned && pruned.length > 0 ? { prunedAncestorTxLogs: pruned } : {}),
  };
  const how =
    mode.kind === "detached"
      ? ({ kind: "detached" } as const)
      : { kind: mode.kind, branch: mode.branch, base: base.id };
  await repo.versionControl.publishSnapshot(info, how, { signal });
  const view = await repo.assets.fetchSnapshot(snapshot.id, { signal });
  if (!view)
    throw new StorageError(
      "read",
      `snapshots/${snapshot.id}`,
      "the snapshot vanished right after it was written; check that nothing else deletes objects in this repository",
    );
  return view;
}
