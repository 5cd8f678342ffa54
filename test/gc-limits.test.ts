/**
 * GC's memory and concurrency bounds (upstream's `maxSnapshotsInMemory`,
 * `maxCompressedManifestMemBytes`, `maxConcurrentManifestFetches`), measured through a storage
 * wrapper that counts the snapshot and manifest reads in flight (and the stored bytes of the
 * manifests in flight): no bound is ever exceeded, and the GC summary and the files left are the
 * same for every setting (each run collects its own copy of one repository). The tight settings
 * hold one manifest (or one snapshot) at a time; the default overlaps many, so the gauges work.
 */
import {
  InvalidArgumentError,
  inMemoryStorage,
  Repository,
  type RepositoryConfig,
  type Storage,
  type WalkLimitsOptions,
} from "@icechunk-ts/core";
import { describe, expect, it } from "vitest";
import { array, group } from "./support/zarr-json.js";

/** A uint8 array of 8×8 elements in 1×1 chunks, its manifests split every 2 chunks per axis. */
const grid = array([8, 8], {}, [1, 1]);
const config: RepositoryConfig = {
  inlineChunkThresholdBytes: 0,
  manifest: {
    splitting: {
      split_sizes: [[{ path_matches: { regex: ".*" } }, [{ condition: "Any", num_chunks: 2 }]]],
    },
  },
};

/** Reads in flight by kind, with their maxima (manifests also by stored bytes). */
interface Gauges {
  manifests: number;
  maxManifests: number;
  manifestBytes: number;
  maxManifestBytes: number;
  snapshots: number;
  maxSnapshots: number;
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 2));

/** Delegates to `inner`; snapshot and manifest reads wait a moment so overlaps show. */
function gaugedStorage(inner: Storage, manifestSizes: ReadonlyMap<string, number>) {
  const g: Gauges = {
    manifests: 0,
    maxManifests: 0,
    manifestBytes: 0,
    maxManifestBytes: 0,
    snapshots: 0,
    maxSnapshots: 0,
  };
  const storage: Storage = {
    description: inner.description,
    canWrite: inner.canWrite,
    async get(key, options) {
      if (key.startsWith("manifests/")) {
        const size = manifestSizes.get(key) ?? 0;
        g.manifests++;
        g.manifestBytes += size;
        g.maxManifests = Math.max(g.maxManifests, g.manifests);
        g.maxManifestBytes = Math.max(g.maxManifestBytes, g.manifestBytes);
        try {
          await tick();
          return await inner.get(key, options);
        } finally {
          g.manifests--;
          g.manifestBytes -= size;
        }
      }
      if (key.startsWith("snapshots/")) {
        g.snapshots++;
        g.maxSnapshots = Math.max(g.maxSnapshots, g.snapshots);
        try {
          await tick();
          return await inner.get(key, options);
        } finally {
          g.snapshots--;
        }
      }
      return inner.get(key, options);
    },
    put: (key, data, options) => inner.put(key, data, options),
    copy: (from, to, options) => inner.copy(from, to, options),
    list: (prefix, options) => inner.list(prefix, options),
    delete: (keys, options) => inner.delete(keys, options),
    lastModified: (key, options) => inner.lastModified(key, options),
  };
  return { storage, gauges: g };
}

async function keys(storage: Storage): Promise<Array<[string, number]>> {
  const out: Array<[string, number]> = [];
  for await (const e of storage.list("")) out.push([e.key, e.size]);
  return out.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

async function copyOf(source: Storage): Promise<Storage> {
  const copy = inMemoryStorage();
  for (const [key] of await keys(source)) {
    const got = await source.get(key);
    if (got) await copy.put(key, got.data);
  }
  return copy;
}

/** Main with four commits; a deleted branch with three more (their snapshots, manifests and chunks are garbage). */
async function buildRepository(specVersion: 1 | 2): Promise<Storage> {
  const storage = inMemoryStorage();
  const repo = await Repository.create(storage, { specVersion, config });
  const s = await repo.writableSession("main");
  await s.store.set("zarr.json", group());
  for (const name of ["a", "b"]) {
    await s.store.set(`${name}/zarr.json`, grid);
    for (let i = 0; i < 8; i++)
      for (let j = 0; j < 8; j++) await s.store.set(`${name}/c/${i}/${j}`, Uint8Array.of(i, j));
  }
  const base = await s.commit("filled");
  for (let k = 1; k <= 3; k++) {
    const w = await repo.writableSession("main");
    for (let i = 0; i < 8; i += k) await w.store.set(`a/c/${i}/${k}`, Uint8Array.of(k, i, 1));
    await w.commit(`main ${k}`);
  }
  await repo.createBranch("scratch", base);
  for (let k = 1; k <= 3; k++) {
    const w = await repo.writableSession("scratch");
    for (let i = 0; i < 8; i++) await w.store.set(`b/c/${i}/${k}`, Uint8Array.of(k, i, 2));
    await w.commit(`scratch ${k}`);
  }
  await repo.deleteBranch("scratch");
  return storage;
}

const SETTINGS: WalkLimitsOptions[] = [
  {},
  { maxConcurrentManifestFetches: 1 },
  { maxConcurrentManifestFetches: 3, maxSnapshotsInMemory: 2 },
  { maxSnapshotsInMemory: 1, maxCompressedManifestMemBytes: 1 },
  { maxCompressedManifestMemBytes: 0 }, // replaced below by twice the median manifest size
];

describe("garbageCollect memory and concurrency bounds", () => {
  for (const specVersion of [2, 1] as const)
    it(`spec ${specVersion}: no bound is exceeded; the same summary and files for every setting`, async () => {
      const original = await buildRepository(specVersion);
      const listed = await keys(original);
      const manifestSizes = new Map(listed.filter(([k]) => k.startsWith("manifests/")));
      expect(manifestSizes.size).toBeGreaterThan(40);
      const sizes = [...manifestSizes.values()].sort((a, b) => a - b);
      const largest = sizes.at(-1) ?? 0;
      const median = sizes[sizes.length >> 1] ?? 0;
      const settings = SETTINGS.map((s) =>
        s.maxCompressedManifestMemBytes === 0 ? { maxCompressedManifestMemBytes: 2 * median } : s,
      );

      const results: unknown[] = [];
      for (const limits of settings) {
        const { storage, gauges } = gaugedStorage(await copyOf(original), manifestSizes);
        const repo = await Repository.open(storage, { config });
        Object.assign(gauges, { maxManifests: 0, maxManifestBytes: 0, maxSnapshots: 0 });
        const summary = await repo.garbageCollect(new Date(Date.now() + 3_600_000), limits);
        const fetches = limits.maxConcurrentManifestFetches ?? 500;
        const bytes = limits.maxCompressedManifestMemBytes ?? 512 * 2 ** 20;
        const snapshots = limits.maxSnapshotsInMemory ?? 50;
        expect(gauges.maxManifests, JSON.stringify(limits)).toBeLessThanOrEqual(fetches);
        expect(gauges.maxManifestBytes, JSON.stringify(limits)).toBeLessThanOrEqual(
          Math.max(bytes, largest),
        );
        expect(gauges.maxSnapshots, JSON.stringify(limits)).toBeLessThanOrEqual(snapshots);
        if (Object.keys(limits).length === 0) {
          // unbounded by the options, the walk does overlap reads (so the gauges can see a breach)
          expect(gauges.maxManifests).toBeGreaterThan(3);
          // (spec 1 reads the snapshots earlier, one by one, walking the ancestry of each ref)
          if (specVersion === 2) expect(gauges.maxSnapshots).toBeGreaterThan(1);
        }
        if (limits.maxCompressedManifestMemBytes === 2 * median)
          expect(gauges.maxManifests).toBeGreaterThan(1);
        // the files GC keeps (the `repo` object's bytes and its `overwritten/` backups carry times)
        const files = (await keys(storage))
          .filter(([k]) => !k.startsWith("overwritten/"))
          .map(([k, size]) => (k === "repo" ? [k] : [k, size]));
        results.push({ summary: { ...summary }, files });
      }
      const first = results[0] as { summary: Record<string, number> };
      expect(first.summary.snapshots).toBe(3);
      expect(first.summary.manifests).toBeGreaterThan(0);
      expect(first.summary.chunks).toBe(24);
      for (const r of results.slice(1)) expect(r).toEqual(results[0]);
    });

  it("refuses bounds upstream refuses, before deleting anything", async () => {
    const storage = await buildRepository(2);
    const before = await keys(storage);
    const repo = await Repository.open(storage, { config });
    const later = new Date(Date.now() + 3_600_000);
    for (const bad of [
      { maxConcurrentManifestFetches: 0 },
      { maxSnapshotsInMemory: 65_536 },
      { maxCompressedManifestMemBytes: 1.5 },
      { maxSnapshotsInMemory: Number.NaN },
    ])
      await expect(repo.garbageCollect(later, bad), JSON.stringify(bad)).rejects.toBeInstanceOf(
        InvalidArgumentError,
      );
    expect(await keys(storage)).toEqual(before);
  });
});
