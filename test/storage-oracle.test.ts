/**
 * @module test/storage-oracle.test
 * Proves the oracle bridge: the official implementation (WASI build) creates, commits and reopens
 * repositories on our memory and filesystem storages, and opens the Rust-written reference repos.
 */
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import * as zarr from "zarrita";
import { localFilesystemStorage } from "../packages/core/src/storage/fs.js";
import { inMemoryStorage } from "../packages/core/src/storage/memory.js";
import type { Storage } from "../packages/core/src/storage/types.js";
import {
  loadNativeOracle,
  loadOracle,
  nativeOracleUnavailableReason,
  oracleStorage,
} from "./support/oracle.js";
import { copyFixture, listReferenceRepos, makeTempDir } from "./support/tmp.js";

/** The oracle session store duck-types a zarrita store. */
// biome-ignore lint/suspicious/noExplicitAny: the oracle store is structurally compatible.
type AnyStore = any;

async function writeAndCommit(storage: Storage): Promise<string> {
  const ic = await loadOracle();
  const repo = await ic.Repository.create(await oracleStorage(storage));
  const session = await repo.writableSession("main");
  const root = zarr.root(session.store as AnyStore);
  await zarr.create(root, { attributes: { title: "oracle bridge" } });
  const arr = await zarr.create(root.resolve("temps"), {
    shape: [4, 6],
    chunkShape: [2, 3],
    dtype: "int32",
  });
  const data = Int32Array.from({ length: 24 }, (_, i) => i * 7 - 20);
  await zarr.set(arr, null, { data, shape: [4, 6], stride: [6, 1] });
  const big = await zarr.create(root.resolve("big"), {
    shape: [1000],
    chunkShape: [500],
    dtype: "float64",
  });
  await zarr.set(big, null, {
    data: Float64Array.from({ length: 1000 }, (_, i) => i / 3),
    shape: [1000],
    stride: [1],
  });
  return session.commit("write two arrays");
}

async function readBack(storage: Storage, snapshotId: string): Promise<void> {
  const ic = await loadOracle();
  const repo = await ic.Repository.open(await oracleStorage(storage));
  expect(await repo.listBranches()).toEqual(["main"]);
  expect(await repo.lookupBranch("main")).toBe(snapshotId);
  const session = await repo.readonlySession({ branch: "main" });
  const root = zarr.root(session.store as AnyStore);
  const group = await zarr.open(root, { kind: "group" });
  expect(group.attrs).toEqual({ title: "oracle bridge" });
  const arr = await zarr.open(root.resolve("temps"), { kind: "array" });
  const got = await zarr.get(arr);
  expect(Array.from(got.data as Int32Array)).toEqual(
    Array.from({ length: 24 }, (_, i) => i * 7 - 20),
  );
  const big = await zarr.open(root.resolve("big"), { kind: "array" });
  const bigGot = await zarr.get(big, [zarr.slice(495, 505)]);
  expect(Array.from(bigGot.data as Float64Array)).toEqual(
    Array.from({ length: 10 }, (_, i) => (495 + i) / 3),
  );
  const history = await repo.ancestry({ branch: "main" });
  expect(history.map((h) => h.message)).toEqual(["write two arrays", "Repository initialized"]);
}

async function keysOf(storage: Storage, prefix: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of storage.list(prefix)) out.push(e.key);
  return out.sort();
}

describe("oracle bridge (WASI build)", () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const c of cleanups) await c();
  });

  it("creates, commits and reopens a repository on our in-memory storage", async () => {
    const storage = inMemoryStorage();
    const snap = await writeAndCommit(storage);
    expect(await keysOf(storage, "")).toContain("repo");
    expect(await keysOf(storage, "snapshots")).toContain(snap);
    expect((await keysOf(storage, "chunks")).length).toBeGreaterThan(0);
    await readBack(storage, snap);
  });

  it("creates, commits and reopens a repository on our filesystem storage (Rust layout)", async () => {
    const tmp = await makeTempDir();
    cleanups.push(tmp.cleanup);
    const root = join(tmp.dir, "repo");
    const snap = await writeAndCommit(localFilesystemStorage(root));
    expect((await stat(join(root, "repo"))).isFile()).toBe(true);
    expect(await readdir(join(root, "snapshots"))).toContain(snap);
    // Everything visible on disk is an object: no temp or lock files left behind.
    expect((await readdir(root)).sort()).toEqual([
      "chunks",
      "manifests",
      "overwritten",
      "repo",
      "snapshots",
      "transactions",
    ]);
    await readBack(localFilesystemStorage(root), snap);
  });

  it("a second commit through a fresh repository object updates repo with if-match", async () => {
    const storage = inMemoryStorage();
    await writeAndCommit(storage);
    const ic = await loadOracle();
    const repo = await ic.Repository.open(await oracleStorage(storage));
    const session = await repo.writableSession("main");
    const arr = await zarr.open(zarr.root(session.store as AnyStore).resolve("temps"), {
      kind: "array",
    });
    await zarr.set(arr, [zarr.slice(0, 2), zarr.slice(0, 3)], 12345);
    expect(session.hasUncommittedChanges).toBe(true);
    const snap2 = await session.commit("second");
    expect((await keysOf(storage, "overwritten")).length).toBeGreaterThan(0);
    const again = await ic.Repository.open(await oracleStorage(storage));
    expect(await again.lookupBranch("main")).toBe(snap2);
    const ro = await again.readonlySession({ branch: "main" });
    const got = await zarr.get(
      await zarr.open(zarr.root(ro.store as AnyStore).resolve("temps"), { kind: "array" }),
      [0, 0],
    );
    expect(got).toBe(12345);
  });
});

const WASI_UNSUPPORTED = new Set(["test-repo-v1", "test-repo-v2-migrated"]);
const fixtures = listReferenceRepos();

describe("oracle opens the reference repositories through our filesystem storage", () => {
  for (const name of fixtures) {
    if (WASI_UNSUPPORTED.has(name)) {
      // a known limit of the WASI build (its config decoder lacks the cloud store variants these
      // fixtures name); the native oracle reads them (test/read-fixtures.test.ts)
      it(`WASI: ${name} is refused by the WASI build`, async () => {
        const fx = await copyFixture(name);
        try {
          const ic = await loadOracle();
          await expect(
            ic.Repository.open(await oracleStorage(localFilesystemStorage(fx.dir))),
          ).rejects.toBeDefined();
        } finally {
          await fx.cleanup();
        }
      });
      continue;
    }
    it(`WASI: ${name}`, async () => {
      const fx = await copyFixture(name);
      try {
        const ic = await loadOracle();
        const repo = await ic.Repository.open(await oracleStorage(localFilesystemStorage(fx.dir)));
        const branches = await repo.listBranches();
        expect(branches).toContain("main");
        const history = await repo.ancestry({ branch: "main" });
        expect(history.length).toBeGreaterThan(0);
        const session = await repo.readonlySession({ branch: "main" });
        expect(await session.store.exists("zarr.json")).toBeTypeOf("boolean");
      } finally {
        await fx.cleanup();
      }
    });
  }
});

const native = await loadNativeOracle();

describe("native oracle (glibc shim)", () => {
  it.skipIf(process.platform !== "linux" || process.arch !== "x64")("loads on linux-x64", () => {
    expect(nativeOracleUnavailableReason).toBeUndefined();
    expect(typeof native?.Storage.newLocalFilesystem).toBe("function");
  });

  for (const name of fixtures) {
    it.skipIf(native === undefined)(
      `native: ${name} reads the same through newLocalFilesystem and our fs storage`,
      async () => {
        const ic = native!;
        const fx = await copyFixture(name);
        try {
          const viaRust = await ic.Repository.open(await ic.Storage.newLocalFilesystem(fx.dir));
          const viaOurs = await ic.Repository.open(
            await oracleStorage(localFilesystemStorage(fx.dir), { oracle: ic }),
          );
          const a = await viaRust.ancestry({ branch: "main" });
          const b = await viaOurs.ancestry({ branch: "main" });
          expect(a.length).toBeGreaterThan(0);
          expect(b.map((s) => s.id)).toEqual(a.map((s) => s.id));
          expect((await viaOurs.listBranches()).sort()).toEqual(
            (await viaRust.listBranches()).sort(),
          );
          expect((await viaOurs.listTags()).sort()).toEqual((await viaRust.listTags()).sort());
        } finally {
          await fx.cleanup();
        }
      },
    );
  }
});

describe("oracle reads through our read-only HTTP and redirect storages", () => {
  it("opens test-repo-v2 served over HTTP, directly and via a redirect", async () => {
    const { startHttpServer } = await import("./support/http-server.js");
    const { httpStorage } = await import("../packages/core/src/storage/http.js");
    const { redirectStorage } = await import("../packages/core/src/storage/redirect.js");
    const fx = await copyFixture("test-repo-v2");
    const server = await startHttpServer({ root: join(fx.dir, "..") });
    try {
      const ic = await loadOracle();
      const viaFs = await ic.Repository.open(await oracleStorage(localFilesystemStorage(fx.dir)));
      const expected = (await viaFs.ancestry({ branch: "main" })).map((s) => s.id);
      for (const storage of [
        httpStorage(`${server.url}/test-repo-v2`),
        redirectStorage(`${server.url}/redirect/test-repo-v2`),
      ]) {
        const repo = await ic.Repository.open(await oracleStorage(storage));
        expect((await repo.ancestry({ branch: "main" })).map((s) => s.id)).toEqual(expected);
        const session = await repo.readonlySession({ branch: "main" });
        expect(await session.store.exists("zarr.json")).toBe(
          await (await viaFs.readonlySession({ branch: "main" })).store.exists("zarr.json"),
        );
      }
    } finally {
      await server.close();
      await fx.cleanup();
    }
  });
});

describe("oracleBackend callback mapping", () => {
  it("maps previous versions to overwrite / create-only / if-match and misses to ObjectNotFound", async () => {
    const { oracleBackend } = await import("./support/oracle.js");
    const storage = inMemoryStorage();
    const b = oracleBackend(storage);
    const put = (previousVersion?: { etag?: string }) =>
      b.putObject(null, { path: "repo", data: Buffer.from("x"), metadata: [], previousVersion });
    const created = await put({});
    expect(created.kind).toBe("updated");
    expect((await put({})).kind).toBe("not_on_latest_version");
    const etag = (created as { newVersion: { etag: string } }).newVersion.etag;
    const updated = await put({ etag });
    expect(updated.kind).toBe("updated");
    expect((await put({ etag })).kind).toBe("not_on_latest_version");
    expect((await put(undefined)).kind).toBe("updated");
    const range = await b.getObjectRange(null, { path: "repo", rangeStart: 0, rangeEnd: 1 });
    expect(Buffer.from(range.data).toString()).toBe("x");
    await expect(b.getObjectRange(null, { path: "nope" })).rejects.toThrow(/ObjectNotFound/);
    await expect(b.getObjectLastModified(null, "nope")).rejects.toThrow(/ObjectNotFound/);
    await expect(b.getObjectConditional(null, { path: "nope" })).rejects.toThrow(/ObjectNotFound/);
    await expect(b.copyObject(null, { from: "nope", to: "x", version: {} })).rejects.toThrow(
      /ObjectNotFound/,
    );
    const current = await storage.get("repo");
    expect(
      (await b.getObjectConditional(null, { path: "repo", previousVersion: current!.version }))
        .kind,
    ).toBe("on_latest_version");
    await storage.put("chunks/a", Buffer.from("aa"));
    expect(await b.deleteBatch(null, { prefix: "chunks/", batch: [{ id: "a", size: 2 }] })).toEqual(
      {
        deletedObjects: 1,
        deletedBytes: 2,
      },
    );
    expect(await b.listObjects(null, "chunks")).toEqual([]);
  });
});
