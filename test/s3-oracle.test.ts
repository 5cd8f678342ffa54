/**
 * End to end on S3: the official implementation (WASI oracle) creates, writes (zarrita), commits
 * and reopens an Icechunk repository stored through our `s3Storage` on the real S3 test server.
 */
import { describe, expect, it } from "vitest";
import * as zarr from "zarrita";
import { s3Storage } from "../packages/s3/src/index.js";
import { loadOracle, oracleStorage } from "./support/oracle.js";
import { s3TestConfig } from "./support/s3-server.js";

const s3 = await s3TestConfig({ name: "oracle" });
// biome-ignore lint/suspicious/noExplicitAny: the oracle session store duck-types a zarrita store.
type AnyStore = any;

describe.skipIf(!s3)("official implementation on our s3Storage (Ceph RGW)", () => {
  it("creates a repo, writes an array via zarrita, commits, and a fresh storage reads it back", async () => {
    const ic = await loadOracle();
    const prefix = `repos/e2e-${Date.now()}`;
    const repo = await ic.Repository.create(
      await oracleStorage(s3Storage(s3!.options({ prefix }))),
    );
    const session = await repo.writableSession("main");
    const root = zarr.root(session.store as AnyStore);
    await zarr.create(root, { attributes: { on: "ceph" } });
    const arr = await zarr.create(root.resolve("grid"), {
      shape: [64, 64],
      chunkShape: [16, 16],
      dtype: "float32",
    });
    const data = Float32Array.from({ length: 64 * 64 }, (_, i) => Math.sin(i));
    await zarr.set(arr, null, { data, shape: [64, 64], stride: [64, 1] });
    const snapshot = await session.commit("grid on s3");

    // Reopen through a brand-new client and storage object.
    const again = await ic.Repository.open(await oracleStorage(s3Storage(s3!.options({ prefix }))));
    expect(await again.lookupBranch("main")).toBe(snapshot);
    const readSession = await again.readonlySession({ branch: "main" });
    const readRoot = zarr.root(readSession.store as AnyStore);
    expect((await zarr.open(readRoot, { kind: "group" })).attrs).toEqual({ on: "ceph" });
    const got = await zarr.get(await zarr.open(readRoot.resolve("grid"), { kind: "array" }));
    expect(got.data).toEqual(data);

    const storage = s3Storage(s3!.options({ prefix }));
    const top = new Set<string>();
    for await (const entry of storage.list("")) top.add(entry.key.split("/")[0]!);
    expect([...top].sort()).toEqual(
      expect.arrayContaining(["chunks", "manifests", "repo", "snapshots"]),
    );
  });

  it("lets exactly one of two concurrent commits to main win", async () => {
    const ic = await loadOracle();
    const prefix = `repos/race-${Date.now()}`;
    const repo = await ic.Repository.create(
      await oracleStorage(s3Storage(s3!.options({ prefix }))),
    );
    const sessions = await Promise.all([
      repo.writableSession("main"),
      repo.writableSession("main"),
    ]);
    await Promise.all(
      sessions.map(async (session, i) => {
        const root = zarr.root(session.store as AnyStore);
        await zarr.create(root.resolve(`a${i}`), { shape: [4], chunkShape: [4], dtype: "int8" });
      }),
    );
    const results = await Promise.allSettled(sessions.map((s, i) => s.commit(`commit ${i}`)));
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const failed = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect(String(failed.reason)).toMatch(/conflict/i);
  });
});
