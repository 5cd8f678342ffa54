/**
 * session.chunkType on chunks the official implementation wrote (native build: inline below the
 * threshold, native above, virtual from setVirtualRef), the store capabilities as the official
 * binding's store reports them, and progress reports of commits and expiration.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import {
  InvalidKeyError,
  inMemoryStorage,
  NodeNotFoundError,
  type Progress,
  Repository,
} from "@icechunk-ts/core";
import { localFilesystemStorage } from "@icechunk-ts/core/fs";
import { IcechunkStore } from "@icechunk-ts/zarrita";
import { afterAll, describe, expect, it } from "vitest";
import {
  loadNativeOracle,
  loadOracle,
  nativeOracleUnavailableReason,
  oracleStorage,
} from "./support/oracle.js";
import { makeTempDir } from "./support/tmp.js";
import { array, chunk, group } from "./support/zarr-json.js";

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of cleanups) await c();
});

describe("session.chunkType", () => {
  it("names how the official implementation stored each chunk", async () => {
    const oracle = await loadNativeOracle();
    expect(oracle, `native oracle unavailable: ${nativeOracleUnavailableReason}`).toBeDefined();
    const { dir, cleanup } = await makeTempDir();
    cleanups.push(cleanup);
    const vdir = join(dir, "virtual");
    await mkdir(vdir);
    await writeFile(join(vdir, "blob.bin"), new Uint8Array(64).fill(5));
    const prefix = `${pathToFileURL(vdir).href}/`;
    const theirs = await oracle!.Repository.create(
      await oracle!.Storage.newLocalFilesystem(join(dir, "repo")),
      {
        inlineChunkThresholdBytes: 16,
        virtualChunkContainers: {
          [prefix]: { urlPrefix: prefix, store: { type: "LocalFileSystem", field0: vdir } },
        },
      },
      2,
      { [prefix]: null },
    );
    const s = await theirs.writableSession("main");
    await s.store.set("zarr.json", Buffer.from(group()));
    await s.store.set("a/zarr.json", Buffer.from(array([4, 4])));
    await s.store.set("a/c/0/0", Buffer.from(chunk(1, 8))); // inline (≤ 16 bytes)
    await s.store.set("a/c/0/1", Buffer.from(chunk(2, 100))); // native
    await s.store.setVirtualRef("a/c/1/0", `${prefix}blob.bin`, 0, 4, null, null, false);
    await s.commit("three kinds");

    const repo = await Repository.open(localFilesystemStorage(join(dir, "repo")));
    const session = await repo.readonlySession({ branch: "main" });
    expect(await session.chunkType("a/c/0/0")).toBe("inline");
    expect(await session.chunkType("a/c/0/1")).toBe("native");
    expect(await session.chunkType("a/c/1/0")).toBe("virtual");
    expect(await session.chunkType("a/c/1/1")).toBe("uninitialized");
    expect(await session.chunkType("/a/c/9/9")).toBe("uninitialized"); // outside the grid
    await expect(session.chunkType("a/zarr.json")).rejects.toBeInstanceOf(InvalidKeyError);
    await expect(session.chunkType("nope/c/0/0")).rejects.toBeInstanceOf(NodeNotFoundError);
    await expect(session.chunkType("c/0")).rejects.toBeInstanceOf(NodeNotFoundError); // root is a group

    // this session's own writes count too
    const w = await repo.writableSession("main");
    await w.store.set("a/c/1/1", chunk(3, 100));
    await w.store.delete("a/c/0/0");
    expect(await w.chunkType("a/c/1/1")).toBe("native");
    expect(await w.chunkType("a/c/0/0")).toBe("uninitialized");
  });
});

describe("store capabilities", () => {
  it("match the official binding's store for read-only, writable and rearrange sessions", async () => {
    const storage = inMemoryStorage();
    const repo = await Repository.create(storage);
    const oracle = await loadOracle();
    const orepo = await oracle.Repository.open(await oracleStorage(storage));
    const pairs = [
      [
        await repo.readonlySession({ branch: "main" }),
        await orepo.readonlySession({ branch: "main" }),
      ],
      [await repo.writableSession("main"), await orepo.writableSession("main")],
      [await repo.rearrangeSession("main"), await orepo.rearrangeSession("main")],
    ] as const;
    for (const [ours, theirs] of pairs) {
      const o = ours.store;
      const t = theirs.store;
      expect(
        [o.supportsWrites, o.supportsDeletes, o.supportsListing, o.readOnly],
        ours.mode,
      ).toEqual([t.supportsWrites, t.supportsDeletes, t.supportsListing, await t.readOnly]);
      expect(o.session).toBe(ours);
      const z = new IcechunkStore(ours);
      expect([z.readOnly, z.supportsWrites]).toEqual([ours.readOnly, true]);
    }
    const w = await repo.writableSession("main");
    await w.store.set("zarr.json", group());
    await w.commit("c");
    expect(w.store.readOnly).toBe(true);
  });
});

describe("progress reports", () => {
  it("commit reports arrays flushed; expiration and GC report their steps (spec 1 and 2)", async () => {
    for (const specVersion of [1, 2] as const) {
      const repo = await Repository.create(inMemoryStorage(), { specVersion });
      const s = await repo.writableSession("main");
      await s.store.set("zarr.json", group());
      for (const name of ["a", "b", "c"]) {
        await s.store.set(`${name}/zarr.json`, array([2, 2]));
        await s.store.set(`${name}/c/0/0`, chunk(1));
      }
      const events: Progress[] = [];
      await s.commit("three arrays", { onProgress: (p) => events.push(p) });
      expect(events).toEqual([0, 1, 2, 3].map((done) => ({ phase: "arrays", done, total: 3 })));
      await repo.createBranch("other", await repo.lookupBranch("main"));
      const expiring: Progress[] = [];
      await repo.expireSnapshots(new Date(), { onProgress: (p) => expiring.push(p) });
      expect(expiring.at(-1), `spec ${specVersion}`).toEqual(
        specVersion === 2
          ? { phase: "repo-info", done: 1, total: 1 }
          : { phase: "refs", done: 2, total: 2 },
      );
      const collecting: Progress[] = [];
      await repo.garbageCollect(new Date(), {
        dryRun: true,
        onProgress: (p) => collecting.push(p),
      });
      expect(collecting).toEqual(
        [0, 1, 2, 3, 4].map((done) => ({ phase: "delete", done, total: 4 })),
      );
    }
  });
});
