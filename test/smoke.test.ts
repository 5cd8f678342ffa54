import { inMemoryStorage, Repository } from "@icechunk-ts/core";
import { IcechunkStore } from "@icechunk-ts/zarrita";
import { describe, expect, it } from "vitest";
import * as zarr from "zarrita";
import { loadOracle, oracleStorage } from "./support/oracle.js";

describe("smoke", () => {
  it("writes with zarrita, commits, and the oracle reads it back", async () => {
    const storage = inMemoryStorage();
    const repo = await Repository.create(storage);
    const session = await repo.writableSession("main");
    const store = new IcechunkStore(session);
    const root = zarr.root(store);
    await zarr.create(root, { attributes: { title: "demo" } });
    const arr = await zarr.create(root.resolve("temp"), {
      shape: [8, 8],
      chunkShape: [4, 4],
      dtype: "float32",
    });
    const data = new Float32Array(64).map((_, i) => i * 1.5);
    await zarr.set(arr, null, { data, shape: [8, 8], stride: [8, 1] });
    const id = await session.commit("first");
    expect(id).toMatch(/^[0-9A-Z]{20}$/);

    const reread = await Repository.open(storage);
    const ro = await reread.readonlySession({ branch: "main" });
    const got = await zarr.get(
      await zarr.open.v3(zarr.root(new IcechunkStore(ro)).resolve("temp"), { kind: "array" }),
    );
    expect(Array.from(got.data as Float32Array)).toEqual(Array.from(data));

    const oracle = await loadOracle();
    const orepo = await oracle.Repository.open(await oracleStorage(storage));
    expect(await orepo.listBranches()).toEqual(["main"]);
    const osession = await orepo.readonlySession({ branch: "main" });
    const oarr = await zarr.open.v3(zarr.root(osession.store as never).resolve("temp"), {
      kind: "array",
    });
    const ogot = await zarr.get(oarr);
    expect(Array.from(ogot.data as Float32Array)).toEqual(Array.from(data));
  });
});
