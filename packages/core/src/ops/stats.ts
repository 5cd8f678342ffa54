/**
 * @module ops/stats
 * Chunk storage statistics (upstream `ops/stats.rs` `repo_chunks_storage`): the bytes of every
 * chunk referenced by a snapshot reachable from a branch or tag, by kind. Each manifest is read
 * once; native chunks count once per chunk id, virtual ones once per (location, offset, length),
 * inline ones at every occurrence (they are stored in every manifest holding them). Snapshots are
 * fetched `maxSnapshotsInMemory` at a time; manifests `maxConcurrentManifestFetches` at a time and
 * never more than `maxCompressedManifestMemBytes` of them (by stored size) in flight.
 */
import type { AssetManager } from "../assets/asset-manager.js";
import { InvalidArgumentError, throwIfAborted } from "../errors.js";
import type { SnapshotId } from "../format/ids.js";
import type { ManifestFileInfo } from "../format/snapshot.js";
import type { CallOptions, VersionControl } from "../repo/types.js";
import { mapConcurrent } from "../util/concurrency.js";
import { type ProgressOptions, phaseCounter } from "./progress.js";

/** Bytes of chunks by kind (upstream `ChunkStorageStats`). */
export interface ChunkStorageStats {
  /** Chunks stored as objects under `chunks/`. */
  readonly nativeBytes: number;
  /** Chunks referenced in other storage (virtual references). */
  readonly virtualBytes: number;
  /** Chunks stored inside manifests. */
  readonly inlinedBytes: number;
  /** The sum of the three. */
  readonly totalBytes: number;
}

/** Options of `Repository.chunkStorageStats` (upstream's bounds and defaults). */
export interface ChunkStorageStatsOptions extends CallOptions, ProgressOptions {
  /** Snapshots fetched at a time (default 50). */
  maxSnapshotsInMemory?: number;
  /** Stored bytes of manifests in flight at most (default 512 MiB; one larger manifest still runs alone). */
  maxCompressedManifestMemBytes?: number;
  /** Manifests fetched at a time (default 500). */
  maxConcurrentManifestFetches?: number;
}

function positive(name: string, value: number | undefined, dflt: number): number {
  if (value === undefined) return dflt;
  if (!Number.isSafeInteger(value) || value < 1)
    throw new InvalidArgumentError(name, `it must be a positive integer, got ${value}`);
  return value;
}

/** Every snapshot id in the ancestry of a branch or tag (each ancestry walk stops at a seen id). */
export async function reachableSnapshots(
  vc: VersionControl,
  options: CallOptions = {},
): Promise<SnapshotId[]> {
  const tips = [
    ...(await Promise.all(
      (await vc.listBranches(options)).map((b) => vc.lookupBranch(b, options)),
    )),
    ...(await Promise.all((await vc.listTags(options)).map((t) => vc.lookupTag(t, options)))),
  ];
  const seen = new Set<SnapshotId>();
  for (const tip of tips)
    for await (const s of vc.ancestry(tip, options)) {
      throwIfAborted(options.signal);
      if (seen.has(s.id)) break;
      seen.add(s.id);
    }
  return [...seen];
}

/** Admits work by weight while the running total stays within `budget` (one item always runs). */
class WeightBudget {
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

/** Chunk bytes by kind over every snapshot reachable from a branch or tag. */
export async function chunkStorageStats(
  assets: AssetManager,
  vc: VersionControl,
  options: ChunkStorageStatsOptions = {},
): Promise<ChunkStorageStats> {
  const { signal, onProgress } = options;
  const snapshotsAtATime = positive("maxSnapshotsInMemory", options.maxSnapshotsInMemory, 50);
  const budget = new WeightBudget(
    positive("maxCompressedManifestMemBytes", options.maxCompressedManifestMemBytes, 512 * 2 ** 20),
  );
  const fetches = positive(
    "maxConcurrentManifestFetches",
    options.maxConcurrentManifestFetches,
    500,
  );

  const ids = await reachableSnapshots(vc, { signal });
  const snapshotsDone = phaseCounter(onProgress, "snapshots", ids.length);
  const manifests = new Map<string, ManifestFileInfo>();
  await mapConcurrent(ids, snapshotsAtATime, async (id) => {
    throwIfAborted(signal);
    const snap = await assets.fetchSnapshot(id, { signal });
    for (const m of snap?.manifestFiles ?? []) manifests.set(m.id, m);
    snapshotsDone.tick();
  });

  const manifestsDone = phaseCounter(onProgress, "manifests", manifests.size);
  const seenNative = new Set<string>();
  const seenVirtual = new Set<string>();
  let nativeBytes = 0;
  let virtualBytes = 0;
  let inlinedBytes = 0;
  await mapConcurrent([...manifests.values()], fetches, (info) =>
    budget.run(info.sizeBytes, async () => {
      throwIfAborted(signal);
      const manifest = await assets.fetchManifest(info.id, info.sizeBytes, { signal });
      for (const node of manifest.nodeIds())
        for (const [, p] of manifest.refs(node)) {
          if (p.kind === "inline") inlinedBytes += p.data.length;
          else if (p.kind === "native") {
            if (seenNative.has(p.chunkId)) continue;
            seenNative.add(p.chunkId);
            nativeBytes += p.length;
          } else {
            const key = `${p.offset}:${p.length}:${p.location}`;
            if (seenVirtual.has(key)) continue;
            seenVirtual.add(key);
            virtualBytes += p.length;
          }
        }
      manifestsDone.tick();
    }),
  );
  return {
    nativeBytes,
    virtualBytes,
    inlinedBytes,
    totalBytes: nativeBytes + virtualBytes + inlinedBytes,
  };
}
