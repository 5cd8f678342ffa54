/**
 * @module test/support/consistency
 * What "the repository is consistent" means in the durability tests: it opens, every branch and
 * tag resolves, and every object reachable from a ref exists (each snapshot of its ancestry, their
 * manifests and the native chunks those reference). Also copies a repository between storages.
 */
import { Repository, type SnapshotId, type Storage } from "@icechunk-ts/core";
import { AssetManager } from "../../packages/core/src/assets/asset-manager.js";
import { CHUNKS_PREFIX, MANIFESTS_PREFIX } from "../../packages/core/src/format/constants.js";

/** Branch and tag names → snapshot ids. */
export interface RefMap {
  branches: Record<string, string>;
  tags: Record<string, string>;
}

export async function refMap(repo: Repository): Promise<RefMap> {
  const branches: Record<string, string> = {};
  const tags: Record<string, string> = {};
  for (const b of (await repo.listBranches()).sort()) branches[b] = await repo.lookupBranch(b);
  for (const t of (await repo.listTags()).sort()) tags[t] = await repo.lookupTag(t);
  return { branches, tags };
}

/** Counts of what {@link checkConsistent} verified. */
export interface ConsistencyReport {
  specVersion: 1 | 2;
  refs: RefMap;
  snapshots: number;
  manifests: number;
  chunks: number;
}

/**
 * Opens the repository on `storage` and checks every reachable object exists; throws (with the
 * missing key) otherwise.
 */
export async function checkConsistent(storage: Storage): Promise<ConsistencyReport> {
  const repo = await Repository.open(storage);
  const refs = await refMap(repo);
  const assets = new AssetManager(storage, {
    snapshotCacheNodes: 100_000,
    manifestCacheRefs: 1,
    maxConcurrentRequests: 16,
    compressionLevel: 3,
  });
  const snapshots = new Set<string>();
  for (const tip of [...Object.values(refs.branches), ...Object.values(refs.tags)])
    for (const s of await repo.ancestry({ snapshotId: tip })) snapshots.add(s.id);
  const manifests = new Set<string>();
  const chunks = new Set<string>();
  for (const id of snapshots) {
    const snap = await assets.fetchSnapshot(id as SnapshotId);
    if (!snap) throw new Error(`snapshot ${id} is reachable but its file is missing`);
    for (const m of snap.manifestFiles) {
      if (manifests.has(m.id)) continue;
      manifests.add(m.id);
      if ((await storage.lastModified(`${MANIFESTS_PREFIX}${m.id}`)) === undefined)
        throw new Error(`manifest ${m.id} of snapshot ${id} is missing`);
      const manifest = await assets.fetchManifest(m.id, m.sizeBytes);
      for (const node of manifest.nodeIds())
        for (const [, payload] of manifest.refs(node))
          if (payload.kind === "native") chunks.add(payload.chunkId);
    }
  }
  for (const c of chunks)
    if ((await storage.lastModified(`${CHUNKS_PREFIX}${c}`)) === undefined)
      throw new Error(`chunk ${c} is reachable but missing`);
  return {
    specVersion: repo.specVersion,
    refs,
    snapshots: snapshots.size,
    manifests: manifests.size,
    chunks: chunks.size,
  };
}

/** Copies every object of `from` into `to`. */
export async function copyStorage(from: Storage, to: Storage): Promise<void> {
  for await (const e of from.list("")) {
    const got = await from.get(e.key);
    if (got) await to.put(e.key, got.data);
  }
}
