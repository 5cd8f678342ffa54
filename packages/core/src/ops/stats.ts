/**
 * @module ops/stats
 * Chunk storage statistics (upstream `ops/stats.rs` `repo_chunks_storage`): the bytes of every
 * chunk referenced by a snapshot reachable from a branch or tag, by kind. Each manifest is read
 * once; native chunks count once per chunk id, virtual ones once per (location, offset, length),
 * inline ones at every occurrence (they are stored in every manifest holding them). Bounded by
 * upstream's options (see ops/walk-limits).
 */
import type { AssetManager } from "../assets/asset-manager.js";
import { throwIfAborted } from "../errors.js";
import type { SnapshotId } from "../format/ids.js";
import type { ManifestFileInfo } from "../format/snapshot.js";
import type { CallOptions, VersionControl } from "../repo-core/types.js";
import { mapConcurrent } from "../util/concurrency.js";
import { type ProgressOptions, phaseCounter } from "../util/progress.js";
import { forEachManifest, type WalkLimitsOptions, walkLimits } from "./walk-limits.js";

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
export interface ChunkStorageStatsOptions extends CallOptions, ProgressOptions, WalkLimitsOptions {}

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

/** Chunk bytes by kind over every snapshot reachable from a branch or tag. */
export async function chunkStorageStats(
  assets: AssetManager,
  vc: VersionControl,
  options: ChunkStorageStatsOptions = {},
): Promise<ChunkStorageStats> {
  const { signal, onProgress } = options;
  const limits = walkLimits(options);

  const ids = await reachableSnapshots(vc, { signal });
  const snapshotsDone = phaseCounter(onProgress, "snapshots", ids.length);
  const manifests = new Map<string, ManifestFileInfo>();
  await mapConcurrent(ids, limits.snapshotsAtATime, async (id) => {
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
  await forEachManifest(
    assets,
    [...manifests.values()],
    limits,
    (_info, manifest) => {
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
    },
    signal,
  );
  return {
    nativeBytes,
    virtualBytes,
    inlinedBytes,
    totalBytes: nativeBytes + virtualBytes + inlinedBytes,
  };
}
