/**
 * zarrita's sharding codec reads through the adapter (it needs `getRange` with suffix and offset
 * ranges): shards stored natively and inline, an empty inner chunk, and the same bytes written
 * through the official implementation read identically through both stores.
 */
import { inMemoryStorage, Repository } from "@icechunk-ts/core";
import { IcechunkStore } from "@icechunk-ts/zarrita";
import { describe, expect, it } from "vitest";
import * as zarr from "zarrita";
import { loadOracle, oracleStorage } from "./support/oracle.js";

const EMPTY = 0xffffffffffffffffn;

/** One shard of `shardShape` made of `inner`-shaped uint16 chunks (bytes codec), index at the end. */
function buildShard(
  origin: [number, number],
  shardShape: number,
  inner: number,
  value: (y: number, x: number) => number,
  skip?: [number, number],
) {
  const per = shardShape / inner;
  const chunks: Uint8Array[] = [];
  const index = new BigUint64Array(per * per * 2);
  let offset = 0;
  for (let cy = 0; cy < per; cy++)
    for (let cx = 0; cx < per; cx++) {
      const slot = (cy * per + cx) * 2;
      if (skip && skip[0] === cy && skip[1] === cx) {
        index[slot] = EMPTY;
        index[slot + 1] = EMPTY;
        continue;
      }
      const data = new Uint16Array(inner * inner);
      for (let y = 0; y < inner; y++)
        for (let x = 0; x < inner; x++)
          data[y * inner + x] = value(origin[0] + cy * inner + y, origin[1] + cx * inner + x);
      const bytes = new Uint8Array(data.buffer);
      index[slot] = BigInt(offset);
      index[slot + 1] = BigInt(bytes.length);
      chunks.push(bytes);
      offset += bytes.length;
    }
  const out = new Uint8Array(offset + index.byteLength);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  out.set(new Uint8Array(index.buffer), at);
  return out;
}

function metadata(size: number, shard: number, inner: number) {
  return JSON.stringify({
    zarr_format: 3,
    node_type: "array",
    shape: [size, size],
    data_type: "uint16",
    chunk_grid: { name: "regular", configuration: { chunk_shape: [shard, shard] } },
    chunk_key_encoding: { name: "default", configuration: { separator: "/" } },
    fill_value: 65535,
    codecs: [
      {
        name: "sharding_indexed",
        configuration: {
          chunk_shape: [inner, inner],
          codecs: [{ name: "bytes", configuration: { endian: "little" } }],
          index_codecs: [{ name: "bytes", configuration: { endian: "little" } }],
          index_location: "end",
        },
      },
    ],
  });
}

const value = (y: number, x: number) => (y * 131 + x * 7) % 65000;

async function writeSharded(
  set: (k: string, v: Uint8Array) => Promise<void>,
  name: string,
  size: number,
  shard: number,
  inner: number,
) {
  await set(`${name}/zarr.json`, new TextEncoder().encode(metadata(size, shard, inner)));
  const n = size / shard;
  for (let sy = 0; sy < n; sy++)
    for (let sx = 0; sx < n; sx++)
      await set(
        `${name}/c/${sy}/${sx}`,
        buildShard(
          [sy * shard, sx * shard],
          shard,
          inner,
          value,
          sy === 0 && sx === 1 ? [1, 0] : undefined,
        ),
      );
}

function expected(size: number, shard: number, inner: number) {
  return Array.from({ length: size * size }, (_, i) => {
    const y = Math.floor(i / size);
    const x = i % size;
    // shard (0, 1), inner chunk (1, 0) is empty → fill value
    if (
      Math.floor(y / shard) === 0 &&
      Math.floor(x / shard) === 1 &&
      Math.floor((y % shard) / inner) === 1 &&
      Math.floor((x % shard) / inner) === 0
    )
      return 65535;
    return value(y, x);
  });
}

describe("sharded arrays through the adapter", () => {
  it("reads native (large) and inline (small) shards, before and after commit, like the official store", async () => {
    const oracle = await loadOracle();
    const theirRepo = await oracle.Repository.create(await oracle.Storage.newInMemory());
    const theirs = await theirRepo.writableSession("main");
    const storage = inMemoryStorage();
    const repo = await Repository.create(storage);
    const ours = await repo.writableSession("main");
    for (const set of [
      (k: string, v: Uint8Array) => ours.store.set(k, v),
      (k: string, v: Uint8Array) => theirs.store.set(k, Buffer.from(v)),
    ]) {
      await writeSharded(set, "big", 64, 32, 16); // 2 KiB shards: native chunks
      await writeSharded(set, "small", 16, 8, 4); // 192-byte shards: inline
    }
    const read = async (store: zarr.Readable, name: string) =>
      Array.from(
        (await zarr.get(await zarr.open.v3(zarr.root(store).resolve(name), { kind: "array" })))
          .data as Uint16Array,
      );
    for (const [name, size, shard, inner] of [
      ["big", 64, 32, 16],
      ["small", 16, 8, 4],
    ] as const) {
      const want = expected(size, shard, inner);
      expect(await read(new IcechunkStore(ours), name)).toEqual(want);
      expect(await read(theirs.store as never, name)).toEqual(want);
    }
    await ours.commit("sharded");
    const ro = await (await Repository.open(storage)).readonlySession({ branch: "main" });
    const node = ro.getNode("/big");
    expect(node?.kind).toBe("array");
    expect(await read(new IcechunkStore(ro), "big")).toEqual(expected(64, 32, 16));
    // a partial read (one inner chunk) only touches the index and that chunk
    const arr = await zarr.open.v3(zarr.root(new IcechunkStore(ro)).resolve("big"), {
      kind: "array",
    });
    const part = await zarr.get(arr, [zarr.slice(16, 32), zarr.slice(0, 16)]);
    expect((part.data as Uint16Array)[0]).toBe(value(16, 0));
    // the official implementation reads our committed shards identically
    const reopened = await oracle.Repository.open(await oracleStorage(storage));
    const session = await reopened.readonlySession({ branch: "main" });
    expect(await read(session.store as never, "small")).toEqual(expected(16, 8, 4));
  });
});
