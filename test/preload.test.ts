/**
 * @module test/preload.test
 * Manifest preloading as upstream does it (`Repository::preload_manifests`): by default the
 * manifests of coordinate-like arrays with at most 1000 refs are fetched when a session opens;
 * `manifest.preload` tunes it (conditions, max_total_refs, max_arrays_to_scan) or turns it off.
 */
import { describe, expect, it } from "vitest";
import { Repository } from "../packages/core/src/repo/repository.js";
import type { RepositoryConfig } from "../packages/core/src/repo-core/config.js";
import { inMemoryStorage } from "../packages/core/src/storage/memory.js";
import type { Storage } from "../packages/core/src/storage/types.js";
import { type CountingStorage, withCounting } from "../packages/core/src/storage/wrappers.js";
import { loadOracle, oracleStorage } from "./support/oracle.js";
import { group, vector } from "./support/zarr-json.js";

/** Array path → number of chunks written (one manifest each, so one ref count each). */
const ARRAYS: Record<string, number> = {
  time: 10, // coordinate name
  lat: 20, // coordinate name
  lon: 30, // coordinate name
  "deep/level": 5, // "level" matches the vertical-coordinate pattern
  temperature: 40, // not a coordinate name
  bigtime: 3, // the time pattern is anchored
  time2: 1001, // coordinate name, but more than 1000 refs
};
const DEFAULT_PRELOADED = ["deep/level", "lat", "lon", "time"];

async function buildRepo(): Promise<Storage> {
  const storage = inMemoryStorage();
  const repo = await Repository.create(storage);
  const s = await repo.writableSession("main");
  await s.store.set("zarr.json", group());
  await s.store.set("deep/zarr.json", group());
  for (const [path, n] of Object.entries(ARRAYS)) {
    await s.store.set(`${path}/zarr.json`, vector(n));
    for (let i = 0; i < n; i++) await s.store.set(`${path}/c/${i}`, Uint8Array.of(i & 255));
  }
  await s.commit("arrays");
  return storage;
}

const shared = buildRepo();

/** Opens the repository over a fresh counting wrapper; reports manifest GETs. */
async function open(config?: RepositoryConfig) {
  const counting: CountingStorage = withCounting(await shared);
  const repo = await Repository.open(counting, config ? { config } : {});
  return { repo, manifestGets: () => counting.count({ operation: "get", prefix: "manifests" }) };
}

/** Which arrays' chunks are served without fetching a manifest after preloading. */
async function preloadedArrays(config?: RepositoryConfig, writable = false): Promise<string[]> {
  const { repo, manifestGets } = await open(config);
  const session = writable
    ? await repo.writableSession("main")
    : await repo.readonlySession({ branch: "main" });
  const loaded = await session.manifestsPreloaded;
  expect(manifestGets()).toBe(loaded);
  const out: string[] = [];
  for (const path of Object.keys(ARRAYS).sort()) {
    const before = manifestGets();
    expect(await session.store.get(`${path}/c/0`)).toEqual(Uint8Array.of(0));
    if (manifestGets() === before) out.push(path);
  }
  return out;
}

describe("manifest preloading", () => {
  it("by default loads the manifests of coordinate-like arrays with at most 1000 refs", async () => {
    expect(await preloadedArrays()).toEqual(DEFAULT_PRELOADED);
    expect(await preloadedArrays(undefined, true)).toEqual(DEFAULT_PRELOADED);
  });

  it("follows a configured condition, and the literal false turns it off", async () => {
    const withCondition = (preload_if: unknown) =>
      preloadedArrays({ manifest: { preload: { preload_if } } } as RepositoryConfig);
    expect(await withCondition({ path_matches: { regex: "^/temp" } })).toEqual(["temperature"]);
    expect(
      await withCondition({
        and: [
          { name_matches: { regex: "time" } },
          { num_refs: { from: { Excluded: 3 }, to: "Unbounded" } },
        ],
      }),
    ).toEqual(["time", "time2"]);
    expect(
      await withCondition({ num_refs: { from: { Included: 20 }, to: { Excluded: 40 } } }),
    ).toEqual(["lat", "lon"]);
    expect(await withCondition({ name_matches: { regex: "(?i)^LAT$" } })).toEqual(["lat"]);
    expect(await withCondition("false")).toEqual([]);
    // conditions the official implementation could not open (an unknown variant) or that never
    // match there (an uncompilable regex) are refused before anything is written
    await expect(withCondition({ path_matches: { regex: "(unclosed" } })).rejects.toMatchObject({
      kind: "invalid-config",
      field: "manifest.preload.preload_if.path_matches.regex",
    });
    await expect(withCondition({ no_such_condition: {} })).rejects.toMatchObject({
      kind: "invalid-config",
      field: "manifest.preload.preload_if",
    });
  });

  it("stops at max_total_refs and max_arrays_to_scan (arrays in path order)", async () => {
    const all = "true";
    // path order: bigtime(3) deep/level(5) lat(20) lon(30) temperature(40) time(10) time2(1001)
    expect(
      await preloadedArrays({
        manifest: { preload: { preload_if: all, max_total_refs: 30 } },
      } as RepositoryConfig),
    ).toEqual(["bigtime", "deep/level", "lat"]);
    expect(
      await preloadedArrays({
        manifest: { preload: { preload_if: all, max_arrays_to_scan: 2 } },
      } as RepositoryConfig),
    ).toEqual(["bigtime", "deep/level"]);
    expect(
      await preloadedArrays({
        manifest: { preload: { max_total_refs: 0 } },
      } as RepositoryConfig),
    ).toEqual([]);
  });

  it("loads the same manifests as the official implementation does by default", async () => {
    const storage = await shared;
    const fetched = new Set<string>();
    const recording: Storage = {
      ...storage,
      get: (key, options) => {
        if (key.startsWith("manifests/")) fetched.add(key);
        return storage.get(key, options);
      },
    };
    const oracle = await loadOracle();
    const theirs = await oracle.Repository.open(await oracleStorage(recording, { oracle }));
    await theirs.readonlySession({ branch: "main" });
    // Their preloading runs in the background with no handle: wait until it has settled.
    for (let stable = 0, last = -1, i = 0; stable < 5 && i < 100; i++) {
      await new Promise((r) => setTimeout(r, 100));
      stable = fetched.size === last ? stable + 1 : 0;
      last = fetched.size;
    }
    const theirFetches = [...fetched].sort();
    fetched.clear();
    const ours = await Repository.open(recording);
    const session = await ours.readonlySession({ branch: "main" });
    expect(await session.manifestsPreloaded).toBe(DEFAULT_PRELOADED.length);
    expect([...fetched].sort()).toEqual(theirFetches);
  });

  it("never fails a session: a missing manifest is just not preloaded", async () => {
    const storage = await shared;
    const broken = inMemoryStorage();
    for (const key of await listAll(storage))
      if (!key.startsWith("manifests/")) {
        const got = await storage.get(key);
        await broken.put(key, got!.data);
      }
    const repo = await Repository.open(broken);
    const session = await repo.readonlySession({ branch: "main" });
    expect(await session.manifestsPreloaded).toBe(0);
    expect(await session.store.get("zarr.json")).toBeDefined();
  });
});

async function listAll(storage: Storage): Promise<string[]> {
  const out: string[] = [];
  for await (const entry of storage.list("")) out.push(entry.key);
  return out;
}
