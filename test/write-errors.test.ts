/**
 * Bad writes are refused with typed errors wherever the official implementation refuses them, and
 * accepted wherever it accepts them: invalid keys, out-of-grid and zero-length chunks, invalid
 * metadata, chunks of missing arrays, Zarr v2 keys, writes to read-only sessions, node type clashes.
 */
import {
  type IcechunkErrorKind,
  inMemoryStorage,
  isIcechunkError,
  Repository,
} from "@icechunk-ts/core";
import { describe, expect, it } from "vitest";
import { loadOracle } from "./support/oracle.js";

const enc = (s: string) => new TextEncoder().encode(s);
const ARRAY = JSON.stringify({
  zarr_format: 3,
  node_type: "array",
  shape: [10, 10],
  data_type: "uint8",
  chunk_grid: { name: "regular", configuration: { chunk_shape: [5, 5] } },
  chunk_key_encoding: { name: "default", configuration: { separator: "/" } },
  fill_value: 0,
  codecs: [{ name: "bytes" }],
});
const GROUP = '{"zarr_format":3,"node_type":"group"}';

type Case = { name: string; key: string; value: Uint8Array; kind: IcechunkErrorKind | null };
const CASES: Case[] = [
  { name: "valid chunk", key: "arr/c/1/1", value: enc("x"), kind: null },
  {
    name: "chunk outside the grid",
    key: "arr/c/2/0",
    value: enc("x"),
    kind: "invalid-chunk-index",
  },
  {
    name: "zero-length chunk",
    key: "arr/c/0/0",
    value: new Uint8Array(0),
    kind: "zero-length-chunk",
  },
  { name: "chunk of a missing array", key: "nope/c/0/0", value: enc("x"), kind: "node-not-found" },
  { name: "chunk of a group", key: "grp/c/0", value: enc("x"), kind: "node-not-found" },
  { name: "not a zarr key", key: "arr/data.bin", value: enc("x"), kind: "invalid-key" },
  {
    name: "invalid JSON metadata",
    key: "bad/zarr.json",
    value: enc("{nope"),
    kind: "bad-metadata",
  },
  {
    name: "unknown node_type",
    key: "bad/zarr.json",
    value: enc('{"node_type":"table"}'),
    kind: "bad-metadata",
  },
  {
    name: "array without chunk grid",
    key: "bad/zarr.json",
    value: enc('{"node_type":"array","shape":[3]}'),
    kind: "bad-metadata",
  },
  {
    name: "unsupported chunk grid",
    key: "bad/zarr.json",
    value: enc('{"node_type":"array","shape":[3],"chunk_grid":{"name":"hexagonal"}}'),
    kind: "bad-metadata",
  },
  { name: "zarr v2 metadata", key: "v2/.zarray", value: enc("{}"), kind: "invalid-key" },
  {
    name: "group over an array",
    key: "arr/zarr.json",
    value: enc(GROUP),
    kind: "node-already-exists",
  },
];

describe("write validation matches the official implementation", () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const oracle = await loadOracle();
      const theirs = await (
        await oracle.Repository.create(await oracle.Storage.newInMemory())
      ).writableSession("main");
      const ours = await (await Repository.create(inMemoryStorage())).writableSession("main");
      for (const s of [theirs.store, ours.store]) {
        await s.set("arr/zarr.json", Buffer.from(ARRAY));
        await s.set("grp/zarr.json", Buffer.from(GROUP));
      }
      let theirError: unknown;
      try {
        await theirs.store.set(c.key, Buffer.from(c.value));
      } catch (e) {
        theirError = e;
      }
      let ourError: unknown;
      try {
        await ours.store.set(c.key, c.value);
      } catch (e) {
        ourError = e;
      }
      if (c.kind === null) {
        expect(theirError).toBeUndefined();
        expect(ourError).toBeUndefined();
      } else {
        expect(theirError, "the official implementation refuses this too").toBeDefined();
        expect(isIcechunkError(ourError, c.kind), String(ourError)).toBe(true);
        expect((ourError as Error).message.length).toBeGreaterThan(20);
      }
    });
  }

  it("a chunk key of the wrong rank is refused (upstream accepts it, then drops it at commit for a committed array)", async () => {
    const ours = await (await Repository.create(inMemoryStorage())).writableSession("main");
    await ours.store.set("arr/zarr.json", enc(ARRAY));
    await expect(ours.store.set("arr/c/0", enc("x"))).rejects.toSatisfy((e) =>
      isIcechunkError(e, "invalid-chunk-index"),
    );
    await expect(ours.store.set("arr/c/0/0/0", enc("x"))).rejects.toSatisfy((e) =>
      isIcechunkError(e, "invalid-chunk-index"),
    );
    // why refusing is right: the official implementation accepts the write and loses it at commit
    const oracle = await loadOracle();
    const repo = await oracle.Repository.create(await oracle.Storage.newInMemory());
    const first = await repo.writableSession("main");
    await first.store.set("arr/zarr.json", Buffer.from(enc(ARRAY)));
    await first.commit("array");
    const theirs = await repo.writableSession("main");
    await theirs.store.set("arr/c/0", Buffer.from(enc("x")));
    expect(await theirs.store.list()).toContain("arr/c/0");
    await theirs.commit("lower-rank chunk");
    const after = await repo.readonlySession({ branch: "main" });
    expect(await after.store.list()).not.toContain("arr/c/0");
  });

  it("read-only sessions refuse every write", async () => {
    const repo = await Repository.create(inMemoryStorage());
    const ro = await repo.readonlySession({ branch: "main" });
    await expect(ro.store.set("zarr.json", enc(GROUP))).rejects.toSatisfy((e) =>
      isIcechunkError(e, "read-only-session"),
    );
    // as upstream, deleting a key that cannot exist is a no-op, in read-only sessions too
    await expect(ro.store.delete("zarr.json")).resolves.toBeUndefined();
    await expect(ro.commit("x")).rejects.toSatisfy((e) => isIcechunkError(e, "read-only-session"));
  });

  it("a commit with no changes is refused, as upstream does", async () => {
    const oracle = await loadOracle();
    const theirs = await (
      await oracle.Repository.create(await oracle.Storage.newInMemory())
    ).writableSession("main");
    await expect(theirs.commit("empty")).rejects.toBeDefined();
    const ours = await (await Repository.create(inMemoryStorage())).writableSession("main");
    await expect(ours.commit("empty")).rejects.toSatisfy((e) =>
      isIcechunkError(e, "no-changes-to-commit"),
    );
  });

  it("deleting missing nodes and chunks is a no-op, as upstream", async () => {
    const ours = await (await Repository.create(inMemoryStorage())).writableSession("main");
    await ours.store.set("arr/zarr.json", enc(ARRAY));
    await ours.store.delete("missing/zarr.json");
    await ours.store.delete("arr/c/9/9");
    await ours.store.delete("missing/c/0/0");
    expect(await ours.store.list()).toEqual(["arr/zarr.json"]);
  });
});
