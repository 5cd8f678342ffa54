/**
 * Maintenance and administration operations, checked against the official implementation where it
 * has them (feature flags) and otherwise by the official implementation reading the result:
 * rewriteManifests (content unchanged, the official diff empty, manifests re-split),
 * chunkStorageStats (by construction: native once per chunk id, virtual once per location and
 * range, inline per manifest; unreachable snapshots excluded), default commit metadata,
 * enabled/disabled feature flags and session.config, with progress reports; on the Rust-written
 * reference repositories the native bytes equal the bytes of their chunk objects.
 */

import { readdirSync } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import {
  ConflictError,
  InvalidArgumentError,
  InvalidCommitMetadataError,
  inMemoryStorage,
  type Progress,
  Repository,
  type RepositoryConfig,
  SpecVersionRequiredError,
} from "@icechunk-ts/core";
import { localFilesystemStorage } from "@icechunk-ts/core/fs";
import { describe, expect, it } from "vitest";
import { compareRepositories } from "./support/compare.js";
import { loadOracle, oracleStorage } from "./support/oracle.js";
import { copyFixture, REFERENCE_REPOS_DIR } from "./support/tmp.js";
import { array, group } from "./support/zarr-json.js";

const normalize = (d: object) => JSON.parse(JSON.stringify(d));

/** A uint8 array of 8×8 elements in 1×1 chunks (64 possible chunk refs). */
const grid = array([8, 8], {}, [1, 1]);
const splitBy2: RepositoryConfig = {
  manifest: {
    splitting: {
      split_sizes: [[{ path_matches: { regex: ".*" } }, [{ condition: "Any", num_chunks: 2 }]]],
    },
  },
};

async function filledRepo(specVersion: 1 | 2) {
  const storage = inMemoryStorage();
  const repo = await Repository.create(storage, { specVersion });
  const s = await repo.writableSession("main");
  await s.store.set("zarr.json", group());
  for (const name of ["a", "g/b"]) {
    if (name.includes("/")) await s.store.set("g/zarr.json", group());
    await s.store.set(`${name}/zarr.json`, grid);
    for (let i = 0; i < 8; i++)
      for (let j = 0; j < 8; j += 1 + (i % 3))
        await s.store.set(`${name}/c/${i}/${j}`, Uint8Array.of(i * 8 + j));
  }
  const first = await s.commit("filled");
  return { storage, repo, first };
}

describe("rewriteManifests", () => {
  for (const specVersion of [2, 1] as const)
    it(`spec ${specVersion}: re-splits every array in one commit, content unchanged`, async () => {
      const { storage, first } = await filledRepo(specVersion);
      const repo = await Repository.open(storage, { config: splitBy2 });
      expect(await repo.lookupManifestFiles(first)).toHaveLength(2); // one per array
      const events: Progress[] = [];
      const id = await repo.rewriteManifests("re-split", {
        branch: "main",
        metadata: { reason: "split by 2" },
        onProgress: (p) => events.push(p),
      });
      const info = await repo.lookupSnapshot(id);
      expect(info.parentId).toBe(first);
      expect(info.metadata).toEqual({
        reason: "split by 2",
        __icechunk: { splitting_config: splitBy2.manifest!.splitting },
      });
      // 8×8 chunks split 2 by 2 per dimension: up to 16 manifests per array
      const files = await repo.lookupManifestFiles(id);
      expect(files.length).toBeGreaterThan(16);
      expect(files.reduce((n, f) => n + f.numChunkRefs, 0)).toBe(
        (await repo.lookupManifestFiles(first)).reduce((n, f) => n + f.numChunkRefs, 0),
      );
      expect(events.at(-1)).toEqual({ phase: "arrays", done: 2, total: 2 });

      const oracle = await loadOracle();
      const theirs = await oracle.Repository.open(await oracleStorage(storage));
      expect(normalize(await theirs.diff({ fromSnapshotId: first, toSnapshotId: id }))).toEqual(
        normalize(await repo.diff({ from: { snapshotId: first }, to: { snapshotId: id } })),
      );
      expect(await repo.diff({ from: { snapshotId: first }, to: { snapshotId: id } })).toEqual({
        newGroups: [],
        newArrays: [],
        deletedGroups: [],
        deletedArrays: [],
        updatedGroups: [],
        updatedArrays: [],
        updatedChunks: {},
        movedNodes: [],
      });
      await compareRepositories(repo, theirs);
      const theirFiles = await theirs.lookupManifestFiles(id);
      expect(theirFiles.length).toBe(files.length);

      if (specVersion === 2) {
        const amended = await repo.rewriteManifests("back to one", {
          branch: "main",
          commitMethod: "amend",
        });
        const reopened = await Repository.open(storage);
        const again = await reopened.rewriteManifests("one per array", { branch: "main" });
        expect((await reopened.lookupSnapshot(amended)).parentId).toBe(first);
        expect(await reopened.lookupManifestFiles(again)).toHaveLength(2);
        expect((await reopened.lookupSnapshot(again)).metadata).toEqual({
          __icechunk: {
            splitting_config: {
              split_sizes: [
                [{ path_matches: { regex: ".*" } }, [{ condition: "Any", num_chunks: 4294967295 }]],
              ],
            },
          },
        });
        await compareRepositories(
          reopened,
          await oracle.Repository.open(await oracleStorage(storage)),
        );
      } else
        await expect(
          repo.rewriteManifests("x", { branch: "main", commitMethod: "amend" }),
        ).rejects.toBeInstanceOf(SpecVersionRequiredError);
    });

  it("refuses a bad commit method, a missing branch and non-JSON metadata before writing", async () => {
    const { repo, first } = await filledRepo(2);
    await expect(
      repo.rewriteManifests("x", { branch: "main", commitMethod: "rebase" as never }),
    ).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(repo.rewriteManifests("x", {} as never)).rejects.toBeInstanceOf(
      InvalidArgumentError,
    );
    await expect(
      repo.rewriteManifests("x", { branch: "main", metadata: { d: new Date() } as never }),
    ).rejects.toBeInstanceOf(InvalidCommitMetadataError);
    expect(await repo.lookupBranch("main")).toBe(first);
  });
});

describe("chunkStorageStats", () => {
  for (const specVersion of [2, 1] as const)
    it(`spec ${specVersion}: every reachable chunk once by kind, with progress`, async () => {
      const storage = inMemoryStorage();
      const repo = await Repository.create(storage, {
        specVersion,
        config: {
          virtualChunkContainers: {
            "https://example.com/": {
              urlPrefix: "https://example.com/",
              store: { type: "Http", field0: {} },
            },
          },
        } as RepositoryConfig,
      });
      const s1 = await repo.writableSession("main");
      await s1.store.set("zarr.json", group());
      await s1.store.set("a/zarr.json", grid);
      await s1.store.set("a/c/0/0", new Uint8Array(1000).fill(1)); // native
      await s1.store.set("a/c/0/1", new Uint8Array(600).fill(2)); // native
      await s1.store.set("a/c/0/2", new Uint8Array(10).fill(3)); // inline
      await s1.store.setVirtualRef("a/c/1/0", "https://example.com/file.nc", 0, 300);
      await s1.store.setVirtualRef("a/c/1/1", "https://example.com/file.nc", 300, 200);
      const c1 = await s1.commit("one");
      // c2 changes one chunk only: a/c/0/0 and the virtual refs are shared with c1, counted once
      const s2 = await repo.writableSession("main");
      await s2.store.set("a/c/0/1", new Uint8Array(700).fill(4)); // native
      await s2.store.setVirtualRef("a/c/1/2", "https://example.com/file.nc", 0, 300); // same range as 1/0
      const c2 = await s2.commit("two");
      await repo.createTag("t1", c1);
      // an unreachable snapshot: a branch reset away from it
      await repo.createBranch("scratch", c2);
      const s3 = await repo.writableSession("scratch");
      await s3.store.set("a/c/5/5", new Uint8Array(5000).fill(9));
      await s3.commit("dropped");
      await repo.resetBranch("scratch", c2);

      const events: Progress[] = [];
      const stats = await repo.chunkStorageStats({ onProgress: (p) => events.push(p) });
      // c1's manifest holds the inline chunk; c2 rewrote the manifest, which holds it again
      expect(stats).toEqual({
        nativeBytes: 1000 + 600 + 700,
        virtualBytes: 300 + 200,
        inlinedBytes: 10 + 10,
        totalBytes: 2300 + 500 + 20,
      });
      const manifests = events.filter((e) => e.phase === "manifests");
      expect(manifests.at(-1)).toEqual({ phase: "manifests", done: 2, total: 2 });
      expect(events.filter((e) => e.phase === "snapshots").at(-1)).toEqual({
        phase: "snapshots",
        done: 3, // the initial snapshot, one, two (not the dropped one)
        total: 3,
      });
      // the tight bounds give the same answer
      expect(
        await repo.chunkStorageStats({
          maxSnapshotsInMemory: 1,
          maxConcurrentManifestFetches: 1,
          maxCompressedManifestMemBytes: 1,
        }),
      ).toEqual(stats);
      await expect(repo.chunkStorageStats({ maxSnapshotsInMemory: 0 })).rejects.toBeInstanceOf(
        InvalidArgumentError,
      );
    });
});

describe("chunkStorageStats over the Rust-written reference repositories", () => {
  for (const name of readdirSync(REFERENCE_REPOS_DIR).sort())
    it(`${name}: native bytes are the bytes of its chunk objects (all reachable)`, async () => {
      const { dir, cleanup } = await copyFixture(name);
      try {
        const repo = await Repository.open(localFilesystemStorage(dir));
        const stats = await repo.chunkStorageStats();
        const chunkFiles = await readdir(join(dir, "chunks"));
        let onDisk = 0;
        for (const f of chunkFiles) onDisk += (await stat(join(dir, "chunks", f))).size;
        expect(stats.nativeBytes).toBe(onDisk);
        expect(stats.totalBytes).toBe(stats.nativeBytes + stats.virtualBytes + stats.inlinedBytes);
        if (name.startsWith("test-repo")) expect(stats.virtualBytes).toBeGreaterThan(0);
      } finally {
        await cleanup();
      }
    });
});

describe("default commit metadata, feature flags, session.config", () => {
  it("default metadata is merged under each commit's own (sessions opened after it)", async () => {
    const storage = inMemoryStorage();
    const repo = await Repository.create(storage);
    const before = await repo.writableSession("main");
    repo.setDefaultCommitMetadata({ team: "ocean", shared: 1 });
    expect(repo.defaultCommitMetadata).toEqual({ team: "ocean", shared: 1 });
    repo.defaultCommitMetadata.team = "mutated copy";
    expect(repo.defaultCommitMetadata.team).toBe("ocean");
    const s = await repo.writableSession("main");
    await s.store.set("zarr.json", group());
    const c1 = await s.commit("c1", { metadata: { shared: 2, own: true } });
    expect((await repo.lookupSnapshot(c1)).metadata).toEqual({
      team: "ocean",
      shared: 2,
      own: true,
    });
    const s2 = await repo.writableSession("main");
    await s2.store.set("zarr.json", group({ v: 2 }));
    const c2 = await s2.amend("c1 amended");
    expect((await repo.lookupSnapshot(c2)).metadata).toEqual({ team: "ocean", shared: 1 });
    await before.store.set("x/zarr.json", group());
    await expect(before.commit("stale")).rejects.toBeInstanceOf(ConflictError); // main moved
    expect(() => repo.setDefaultCommitMetadata({ bad: () => 1 } as never)).toThrow(
      InvalidCommitMetadataError,
    );
    expect(repo.defaultCommitMetadata).toEqual({ team: "ocean", shared: 1 });
    const oracle = await loadOracle();
    await compareRepositories(repo, await oracle.Repository.open(await oracleStorage(storage)));
  });

  it("enabledFeatureFlags / disabledFeatureFlags equal the official implementation's", async () => {
    const storage = inMemoryStorage();
    const repo = await Repository.create(storage);
    const oracle = await loadOracle();
    for (const [flag, value] of [
      ["move_node", false],
      ["create_tag", true],
      ["delete_tag", false],
      ["delete_tag", undefined],
    ] as const) {
      await repo.setFeatureFlag(flag, value);
      const theirs = await oracle.Repository.open(await oracleStorage(storage));
      // upstream keeps its flags in a HashMap: compare in id order
      const byId = (flags: Array<{ id: number }>) => normalize(flags.sort((a, b) => a.id - b.id));
      expect(byId(await repo.enabledFeatureFlags())).toEqual(
        byId(await theirs.enabledFeatureFlags()),
      );
      expect(byId(await repo.disabledFeatureFlags())).toEqual(
        byId(await theirs.disabledFeatureFlags()),
      );
    }
    expect((await repo.disabledFeatureFlags()).map((f) => f.name)).toEqual(["move_node"]);
  });

  it("session.config is the repository's configuration", async () => {
    const repo = await Repository.create(inMemoryStorage(), { config: splitBy2 });
    const s = await repo.readonlySession({ branch: "main" });
    expect(s.config).toBe(repo.config);
    expect(s.config.manifest).toEqual(splitBy2.manifest);
  });
});
