/**
 * End to end on S3 with icechunk-ts's own Repository: create, write via zarrita, commit, reopen
 * and read on `s3Storage` over the real S3 test server — and cross-checked with the official
 * implementation (WASI oracle) reading what we wrote and writing what we read.
 */
import { Repository } from "@icechunk-ts/core";
import { IcechunkStore } from "@icechunk-ts/zarrita";
import { describe, expect, it } from "vitest";
import * as zarr from "zarrita";
import { s3Storage } from "../packages/s3/src/index.js";
import { loadOracle, oracleStorage } from "./support/oracle.js";
import { s3TestConfig } from "./support/s3-server.js";

const s3 = await s3TestConfig({ name: "repository" });
// biome-ignore lint/suspicious/noExplicitAny: the oracle session store duck-types a zarrita store.
type AnyStore = any;
const grid = () => Float64Array.from({ length: 32 * 32 }, (_, i) => Math.cos(i) * 100);

describe.skipIf(!s3)("icechunk-ts Repository on s3Storage (Ceph RGW)", () => {
  it("creates, writes, commits, reopens and reads; the official implementation reads it too", async () => {
    const prefix = `ours/${Date.now()}`;
    const repo = await Repository.create(s3Storage(s3!.options({ prefix })));
    const session = await repo.writableSession("main");
    const root = zarr.root(new IcechunkStore(session));
    await zarr.create(root, { attributes: { written: "icechunk-ts on ceph" } });
    const arr = await zarr.create(root.resolve("grid"), {
      shape: [32, 32],
      chunkShape: [8, 8],
      dtype: "float64",
    });
    await zarr.set(arr, null, { data: grid(), shape: [32, 32], stride: [32, 1] });
    const snapshot = await session.commit("grid");

    const reopened = await Repository.open(s3Storage(s3!.options({ prefix })));
    const read = await reopened.readonlySession({ branch: "main" });
    const readRoot = zarr.root(new IcechunkStore(read));
    expect((await zarr.open.v3(readRoot, { kind: "group" })).attrs).toEqual({
      written: "icechunk-ts on ceph",
    });
    const got = await zarr.get(await zarr.open.v3(readRoot.resolve("grid"), { kind: "array" }));
    expect(got.data).toEqual(grid());

    const ic = await loadOracle();
    const theirs = await ic.Repository.open(
      await oracleStorage(s3Storage(s3!.options({ prefix }))),
    );
    expect(await theirs.lookupBranch("main")).toBe(snapshot);
    const theirSession = await theirs.readonlySession({ branch: "main" });
    const theirRoot = zarr.root(theirSession.store as AnyStore);
    const theirGrid = await zarr.get(await zarr.open(theirRoot.resolve("grid"), { kind: "array" }));
    expect(theirGrid.data).toEqual(grid());
  });

  it("reads a repository the official implementation wrote on S3, then commits on top of it", async () => {
    const prefix = `theirs/${Date.now()}`;
    const ic = await loadOracle();
    const theirs = await ic.Repository.create(
      await oracleStorage(s3Storage(s3!.options({ prefix }))),
    );
    const session = await theirs.writableSession("main");
    const root = zarr.root(session.store as AnyStore);
    await zarr.create(root, {});
    const arr = await zarr.create(root.resolve("v"), {
      shape: [10],
      chunkShape: [5],
      dtype: "int32",
    });
    await zarr.set(arr, null, {
      data: Int32Array.from({ length: 10 }, (_, i) => i * i),
      shape: [10],
      stride: [1],
    });
    await session.commit("from rust");

    const repo = await Repository.open(s3Storage(s3!.options({ prefix })));
    const ours = await repo.writableSession("main");
    const ourRoot = zarr.root(new IcechunkStore(ours));
    const v = await zarr.open.v3(ourRoot.resolve("v"), { kind: "array" });
    expect(Array.from((await zarr.get(v)).data as Int32Array)).toEqual(
      Array.from({ length: 10 }, (_, i) => i * i),
    );
    await zarr.set(v, [zarr.slice(0, 5)], 0);
    await ours.commit("from typescript");

    const again = await ic.Repository.open(await oracleStorage(s3Storage(s3!.options({ prefix }))));
    const history = await again.ancestry({ branch: "main" });
    expect(history.map((h) => h.message)).toEqual([
      "from typescript",
      "from rust",
      "Repository initialized",
    ]);
    const readRoot = zarr.root((await again.readonlySession({ branch: "main" })).store as AnyStore);
    const back = await zarr.get(await zarr.open(readRoot.resolve("v"), { kind: "array" }));
    expect(Array.from(back.data as Int32Array)).toEqual([0, 0, 0, 0, 0, 25, 36, 49, 64, 81]);
  });

  it("lets exactly one of two concurrent icechunk-ts commits to main win", async () => {
    const repo = await Repository.create(s3Storage(s3!.options({ prefix: `race/${Date.now()}` })));
    const sessions = await Promise.all([
      repo.writableSession("main"),
      repo.writableSession("main"),
    ]);
    await Promise.all(
      sessions.map((session, i) =>
        zarr.create(zarr.root(new IcechunkStore(session)).resolve(`a${i}`), {
          shape: [4],
          chunkShape: [4],
          dtype: "int8",
        }),
      ),
    );
    const results = await Promise.allSettled(sessions.map((s, i) => s.commit(`commit ${i}`)));
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
  });
});
