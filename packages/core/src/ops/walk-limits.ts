/**
 * @module ops/walk-limits
 * The memory and concurrency bounds of the operations that walk every snapshot and manifest of a
 * repository (`garbageCollect`, `chunkStorageStats`), with upstream's names, types and defaults
 * (Python `garbage_collect` / `chunk_storage_stats`: 50 snapshots, 512 MiB, 500 fetches; the
 * counts are `NonZeroU16`, the bytes `NonZeroUsize`). Snapshots are fetched and processed in
 * batches of `maxSnapshotsInMemory`; a batch's manifests `maxConcurrentManifestFetches` at a time
 * and never more than `maxCompressedManifestMemBytes` of them (by stored size) in flight; a single
 * larger manifest still runs, alone.
 */
import type { AssetManager } from "../assets/asset-manager.js";
import { InvalidArgumentError, throwIfAborted } from "../errors.js";
import type { ManifestView } from "../format/manifest.js";
import type { ManifestFileInfo } from "../format/snapshot.js";
import { mapConcurrent } from "../util/concurrency.js";

/** Bounds of a walk over every snapshot and manifest (upstream's options and defaults). */
export interface WalkLimitsOptions {
  /** Snapshots fetched and processed at a time (default 50, at most 65535). */
  maxSnapshotsInMemory?: number;
  /** Stored bytes of manifests in flight at most (default 512 MiB; one larger manifest still runs alone). */
  maxCompressedManifestMemBytes?: number;
  /** Manifests fetched at a time (default 500, at most 65535). */
  maxConcurrentManifestFetches?: number;
}

/** The parsed bounds (internal). */
export interface WalkLimits {
  readonly snapshotsAtATime: number;
  readonly manifestFetches: number;
  /** Admits manifest fetches by stored size. */
  readonly manifestBytes: WeightBudget;
}

const U16_MAX = 0xffff;

function bounded(name: string, value: number | undefined, dflt: number, max: number): number {
  if (value === undefined) return dflt;
  if (!Number.isSafeInteger(value) || value < 1 || value > max)
    throw new InvalidArgumentError(
      name,
      `it must be an integer from 1 to ${max}, got ${String(value)}`,
    );
  return value;
}

/**
 * Checks and defaults the bounds.
 * @throws {InvalidArgumentError} for a bound that is not a positive integer (or past upstream's range)
 */
export function walkLimits(options: WalkLimitsOptions): WalkLimits {
  return {
    snapshotsAtATime: bounded("maxSnapshotsInMemory", options.maxSnapshotsInMemory, 50, U16_MAX),
    manifestFetches: bounded(
      "maxConcurrentManifestFetches",
      options.maxConcurrentManifestFetches,
      500,
      U16_MAX,
    ),
    manifestBytes: new WeightBudget(
      bounded(
        "maxCompressedManifestMemBytes",
        options.maxCompressedManifestMemBytes,
        512 * 2 ** 20,
        Number.MAX_SAFE_INTEGER,
      ),
    ),
  };
}

/** Admits work by weight while the running total stays within `budget` (one item always runs). */
export class WeightBudget {
  #used = 0;
  readonly #waiters: Array<() => void> = [];
  constructor(readonly budget: number) {}
  async run<T>(weight: number, fn: () => Promise<T>): Promise<T> {
    while (this.#used > 0 && this.#used + weight > this.budget)
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    this.#used += weight;
    try {
      return await fn();
    } finally {
      this.#used -= weight;
      for (const wake of this.#waiters.splice(0)) wake();
    }
  }
}

/**
 * Fetches every manifest of `infos` within the bounds and hands each to `visit` (called once per
 * manifest, as it arrives).
 */
export async function forEachManifest(
  assets: AssetManager,
  infos: readonly ManifestFileInfo[],
  limits: WalkLimits,
  visit: (info: ManifestFileInfo, manifest: ManifestView) => void,
  signal?: AbortSignal,
): Promise<void> {
  await mapConcurrent(infos, limits.manifestFetches, (info) =>
    limits.manifestBytes.run(info.sizeBytes, async () => {
      throwIfAborted(signal);
      visit(info, await assets.fetchManifest(info.id, info.sizeBytes, { signal }));
    }),
  );
}
