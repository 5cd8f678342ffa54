/**
 * Moving nodes (rearrange sessions, spec 2): subtrees keep their node ids, metadata and manifests;
 * the official implementation reads the moved repository identically and reports the same diff;
 * invalid moves are refused like upstream; other edits are refused in a rearrange session.
 */
import { inMemoryStorage, Repository } from "@icechunk-ts/core";
import { IcechunkStore } from "@icechunk-ts/zarrita";
import { describe, expect, it } from "vitest";
import * as zarr from "zarrita";
import { compareRepositories } from "./support/compare.js";
import { kind } from "./support/errors.js";
import { loadOracle, oracleStorage } from "./support/oracle.js";

async function setup() {
  const storage = inMemoryStorage();
  const repo = await Repository.create(storage);
  const s = await repo.writableSession("main");
  const root = zarr.root(new IcechunkStore(s));
  await zarr.create(root);
  await zarr.create(root.resolve("a"));
  await zarr.create(root.resolve("a/b"));
  await zarr.create(root.resolve("other"));
  const arr = await zarr.create(root.resolve("a/b/data"), {
    shape: [20],
    chunkShape: [5],
    dtype: "int32",
  });
  await zarr.set(arr, null, {
    data: Int32Array.from({ length: 20 }, (_, i) => i * i),
    shape: [20],
    stride: [1],
  });
  await zarr.create(root.resolve("a-b"));
  const base = await s.commit("tree");
  return { storage, repo, base };
}

describe("rearrange sessions", () => {
  it("moves a subtree; the official implementation reads it and agrees on the diff", async () => {
    const { storage, repo, base } = await setup();
    const before = (await repo.readonlySession({ branch: "main" })).getNode("/a/b/data")!;
    const r = await repo.rearrangeSession("main");
    r.moveNode("/a", "/other/moved");
    r.moveNode("/other/moved/b/data", "/renamed");
    expect(r.getNode("/a")).toBeUndefined();
    expect(r.getNode("/other/moved/b")?.kind).toBe("group");
    expect(r.getNode("/renamed")?.id).toBe(before.id);
    expect(r.listNodes("/").map((n) => n.path)).toEqual([
      "/",
      "/a-b",
      "/other",
      "/other/moved",
      "/other/moved/b",
      "/renamed",
    ]);
    const status = await r.status();
    expect(status.movedNodes).toEqual([
      { from: "/a", to: "/other/moved" },
      { from: "/a/b", to: "/other/moved/b" },
      { from: "/a/b/data", to: "/renamed" },
    ]);
    const moved = await r.commit("rearrange");
    const ro = await repo.readonlySession({ branch: "main" });
    const data = await zarr.get(
      await zarr.open.v3(zarr.root(new IcechunkStore(ro)).resolve("renamed"), { kind: "array" }),
    );
    expect(Array.from(data.data as Int32Array)).toEqual(
      Array.from({ length: 20 }, (_, i) => i * i),
    );
    const node = ro.getNode("/renamed");
    expect(node?.kind === "array" && node.manifests).toEqual(
      before.kind === "array" && before.manifests,
    );

    const oracle = await loadOracle();
    const theirs = await oracle.Repository.open(await oracleStorage(storage));
    await compareRepositories(await Repository.open(storage), theirs);
    const theirDiff = await theirs.diff({ fromSnapshotId: base, toSnapshotId: moved });
    const ourDiff = await repo.diff({ from: { snapshotId: base }, to: { snapshotId: moved } });
    expect(ourDiff.movedNodes).toEqual(
      theirDiff.movedNodes.map((m: { from: string; to: string }) => ({ from: m.from, to: m.to })),
    );
    expect(ourDiff.movedNodes.length).toBe(3);
  });

  it("refuses what upstream refuses", async () => {
    const { repo } = await setup();
    const r = await repo.rearrangeSession("main");
    expect(() => r.moveNode("/nope", "/x")).toThrow(
      expect.objectContaining({ kind: "node-not-found" }),
    );
    expect(() => r.moveNode("/a", "/a/b/inside")).toThrow(
      expect.objectContaining({ kind: "invalid-move" }),
    );
    expect(() => r.moveNode("/a", "/other")).toThrow(
      expect.objectContaining({ kind: "node-already-exists" }),
    );
    expect(() => r.moveNode("/a", "/missing/parent")).toThrow(
      expect.objectContaining({ kind: "node-not-found" }),
    );
    expect(() => r.moveNode("/other", "/a/b/data/x")).toThrow(
      expect.objectContaining({ kind: "invalid-move" }),
    );
    await expect(
      r.store.set("x/zarr.json", new TextEncoder().encode('{"zarr_format":3,"node_type":"group"}')),
    ).rejects.toSatisfy(kind("session-mode"));
    const w = await repo.writableSession("main");
    expect(() => w.moveNode("/a", "/z")).toThrow(expect.objectContaining({ kind: "session-mode" }));
    const v1 = await Repository.create(inMemoryStorage(), { specVersion: 1 });
    await expect(v1.rearrangeSession("main")).rejects.toSatisfy(kind("spec-version-required"));
  });

  it("the official implementation's sessions cannot rebase over our move (as upstream)", async () => {
    const { storage, repo } = await setup();
    const oracle = await loadOracle();
    const theirs = await oracle.Repository.open(await oracleStorage(storage));
    const edit = await theirs.writableSession("main");
    await edit.store.set(
      "a-b/zarr.json",
      Buffer.from('{"zarr_format":3,"node_type":"group","attributes":{"x":1}}'),
    );
    const r = await repo.rearrangeSession("main");
    r.moveNode("/a", "/a2");
    await r.commit("move");
    await expect(edit.commit("edit")).rejects.toBeDefined();
    await expect(edit.rebase()).rejects.toBeDefined();
  });
});
