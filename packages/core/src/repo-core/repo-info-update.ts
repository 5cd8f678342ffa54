/**
 * @module repo-core/repo-info-update
 * The spec-2 update protocol (format notes §4.5, §4.6): every change of refs or history is a
 * read-modify-write of the single `repo` object — back the current object up under
 * `overwritten/repo.<T>.<R>` (copy conditioned on its ETag), write the new object with If-Match,
 * retry with backoff when another writer got there first — plus one ops-log entry per change with
 * strictly increasing timestamps.
 */
import type { AssetManager } from "../assets/asset-manager.js";
import {
  ClockSkewError,
  ReadOnlyRepositoryError,
  RepositoryNotFoundError,
  RepoUpdateAttemptsLimitError,
  throwIfAborted,
} from "../errors.js";
import { encodeBase32 } from "../format/base32.js";
import { OVERWRITTEN_PREFIX, REPO_INFO_PATH } from "../format/constants.js";
import type { RepoInfoData, RepoUpdate } from "../format/repo-info.js";
import { delay, nowMicros } from "../util/time.js";
import { DEFAULT_NUM_UPDATES_PER_REPO_INFO_FILE, type RepositoryConfig } from "./config.js";

/** Returned by an update function to apply `info` and log `update`. */
export interface RepoInfoChange {
  readonly info: RepoInfoData;
  readonly update: RepoUpdate;
}

/** `repo.<32503680000000 − now_ms, 14 digits>.<12 random bytes, base32>`: newest sorts first. */
export function backupName(nowMs = Date.now()): string {
  const t = String(32503680000000 - nowMs).padStart(14, "0");
  return `repo.${t}.${encodeBase32(crypto.getRandomValues(new Uint8Array(12)))}`;
}

/** Inserts an ops-log entry at the head, pointing the previous head at the backup, paging old entries out. */
export function withLogEntry(
  info: RepoInfoData,
  update: RepoUpdate,
  backup: string,
  pageSize: number,
): RepoInfoData {
  const head = info.latestUpdates[0];
  const updatedAt = nowMicros();
  if (head && updatedAt <= head.updatedAt)
    throw new ClockSkewError("repository-update", updatedAt, head.updatedAt);
  const previous = info.latestUpdates.map((e, i) => (i === 0 ? { ...e, backupPath: backup } : e));
  let entries = [{ update, updatedAt }, ...previous];
  let repoBeforeUpdates = info.repoBeforeUpdates;
  if (entries.length > pageSize) {
    // cut at the first entry past the page that has a backup path (upstream rule)
    const cut = entries.findIndex((e, i) => i >= pageSize && e.backupPath !== undefined);
    if (cut >= 0) {
      repoBeforeUpdates = entries[cut]!.backupPath;
      entries = entries.slice(0, cut);
    }
  }
  return { ...info, latestUpdates: entries, ...(repoBeforeUpdates ? { repoBeforeUpdates } : {}) };
}

/**
 * Applies `change` to the latest repo info with the backup + conditional-write protocol. `change`
 * may throw domain errors (not retried); it is re-run on fresh state after every lost race.
 */
export async function updateRepoInfo(
  assets: AssetManager,
  config: RepositoryConfig,
  change: (info: RepoInfoData) => RepoInfoChange,
  options: { signal?: AbortSignal; allowReadOnly?: boolean } = {},
): Promise<RepoInfoData> {
  if (!assets.storage.canWrite) throw new ReadOnlyRepositoryError("its storage is read-only");
  const retries = config.repoUpdateRetries?.default ?? {};
  const maxTries = retries.maxTries ?? 100;
  const initial = retries.initialBackoffMs ?? 50;
  const maxBackoff = retries.maxBackoffMs ?? 30_000;
  const pageSize = config.numUpdatesPerRepoInfoFile ?? DEFAULT_NUM_UPDATES_PER_REPO_INFO_FILE;
  for (let attempt = 0; attempt < maxTries; attempt++) {
    throwIfAborted(options.signal);
    if (attempt >= 5) {
      const backoff = Math.min(maxBackoff, initial * 2 ** (attempt - 5));
      await delay(backoff / 2 + Math.random() * (backoff / 2), options.signal);
    }
    const current = await assets.fetchRepoInfo(options);
    if (!current) throw new RepositoryNotFoundError(assets.storage.description);
    if (!options.allowReadOnly && current.info.status.availability !== "online")
      throw new ReadOnlyRepositoryError(
        current.info.status.reason ?? "its status is read-only (setStatus)",
      );
    const { info, update } = change(current.info);
    const backup = backupName();
    const next = withLogEntry(info, update, backup, pageSize);
    const copied = await assets.request(() =>
      assets.storage.copy(REPO_INFO_PATH, OVERWRITTEN_PREFIX + backup, {
        ifMatch: current.version,
        signal: options.signal,
      }),
    );
    if (copied.kind !== "written") continue;
    const written = await assets.writeRepoInfo(next, { ifMatch: current.version }, options);
    if (written.kind === "written") return next;
  }
  throw new RepoUpdateAttemptsLimitError(maxTries);
}
