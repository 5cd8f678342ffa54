/**
 * `store.getPartialValues` / `setPartialValues` as upstream's store has them: each `[key, range]`
 * request of one call gives the bytes the official implementation reads for that key and range on
 * the same repository (its `get` / `getRange`), and `undefined` exactly where the official read
 * finds nothing or refuses (missing keys, invalid keys, ranges outside the value): upstream turns
 * every per-key failure into `None` (the official build panics on a range outside a metadata
 * document, so those are not asked of it; ours refuse them). The reads run at most `getPartialValuesConcurrency` at once.
 * `setPartialValues` is refused as upstream refuses it: read-only sessions first, then always
 * (`Unimplemented`), changing nothing.
 */
import {
  type ByteRange,
  inMemoryStorage,
  isIcechunkError,
  type KeyRange,
  Repository,
  type Storage,
} from "@icechunk-ts/core";
import { describe, expect, it } from "vitest";
import { loadOracle, oracleStorage } from "./support/oracle.js";
import { group, vector } from "./support/zarr-json.js";

const bytes = (n: number, seed: number) =>
  Uint8Array.from({ length: n }, (_, i) => (i * seed) & 255);

async function written(): Promise<Storage> {
  const storage = inMemoryStorage();
  const repo = await Repository.create(storage, { config: { inlineChunkThresholdBytes: 64 } });
  const s = await repo.writableSession("main");
  await s.store.set("zarr.json", group());
  await s.store.set("g/zarr.json", group());
  await s.store.set("g/a/zarr.json", vector(4));
  await s.store.set("g/a/c/0", bytes(1000, 7)); // native
  await s.store.set("g/a/c/1", bytes(40, 3)); // inline
  await s.store.set("g/a/c/2", bytes(300, 11)); // native
  await s.commit("content");
  return storage;
}

const KEYS = [
  "zarr.json",
  "g/a/zarr.json",
  "g/a/c/0",
  "g/a/c/1",
  "g/a/c/2",
  "g/a/c/3", // not written
  "g/b/c/0", // no such array
  "g/zarr.json",
  "g/a/c/x", // not a chunk index
  "g/a/c/0/0", // too many coordinates
  "g/.zarray", // Zarr v2
  "nope/zarr.json",
];
const RANGES: Array<ByteRange | undefined> = [
  undefined,
  { offset: 0, length: 1 },
  { offset: 10, length: 20 },
  { offset: 39, length: 1 },
  { offset: 35, length: 10 }, // past the end of the inline chunk
  { offset: 2000, length: 5 }, // past the end of everything
  { suffixLength: 7 },
  { suffixLength: 5000 },
  { suffixLength: 40 },
  { suffixLength: 41 },
  { offset: 40, length: 0 }, // empty, at the end: refused for chunks, fine for metadata
  { offset: 0, length: 0 },
  { offset: 53, length: 0 },
];

describe("getPartialValues / setPartialValues against the official implementation", () => {
  it("every request gives the official read's bytes, or undefined where it has none or refuses", async () => {
    const storage = await written();
    const oracle = await loadOracle();
    const theirs = await (
      await oracle.Repository.open(await oracleStorage(storage))
    ).readonlySession({ branch: "main" });
    const ours = await (await Repository.open(storage)).readonlySession("main");
    /** The official build panics (its runtime dies) on a range outside a metadata document. */
    const panicsOfficially = async (key: string, range: ByteRange | undefined) => {
      if (!range || !key.endsWith("zarr.json")) return false;
      const whole = await theirs.store.get(key).catch(() => null);
      if (whole === null) return false;
      const size = whole.length;
      if ("suffixLength" in range) return range.suffixLength > size;
      return range.offset + (range.length ?? 0) > size;
    };

    const requests: KeyRange[] = [];
    for (const key of KEYS) for (const range of RANGES) requests.push([key, range]);
    requests.push(["g/a/c/0", { offset: 3, length: 4 }], ["g/a/c/0", { offset: 3, length: 4 }]);
    const got = await ours.store.getPartialValues(requests);
    expect(got).toHaveLength(requests.length);

    let values = 0;
    let nones = 0;
    for (const [i, [key, range]] of requests.entries()) {
      let expected: Uint8Array | undefined;
      if (await panicsOfficially(key, range))
        expected = undefined; // no value upstream either
      else
        try {
          const r = range
            ? await theirs.store.getRange(key, range as never)
            : await theirs.store.get(key);
          expected = r === null ? undefined : new Uint8Array(r);
        } catch {
          expected = undefined; // upstream's get_partial_values yields None for a failed read
        }
      const label = `${key} ${JSON.stringify(range)}`;
      if (expected === undefined) {
        nones++;
        expect(got[i], label).toBeUndefined();
      } else {
        values++;
        expect(got[i] && Array.from(got[i]!), label).toEqual(Array.from(expected));
      }
    }
    // both outcomes are exercised
    expect(values).toBeGreaterThan(20);
    expect(nones).toBeGreaterThan(20);
    // the same through a writable session (reads of the change set once written)
    const w = await (await Repository.open(storage)).writableSession("main");
    await w.store.set("g/a/c/3", bytes(200, 5));
    const [fresh, old] = await w.store.getPartialValues([
      ["g/a/c/3", { offset: 190, length: 10 }],
      ["g/a/c/2", { suffixLength: 3 }],
    ]);
    expect(Array.from(fresh!)).toEqual(Array.from(bytes(200, 5).subarray(190)));
    expect(Array.from(old!)).toEqual(Array.from(bytes(300, 11).subarray(297)));
  });

  it("an abort rejects the call (it is not a missing value)", async () => {
    const session = await (await Repository.open(await written())).readonlySession("main");
    const controller = new AbortController();
    controller.abort();
    await expect(
      session.store.getPartialValues([["g/a/c/0"]], { signal: controller.signal }),
    ).rejects.toSatisfy((e: unknown) => isIcechunkError(e, "aborted"));
  });

  it("runs at most getPartialValuesConcurrency reads at once", async () => {
    const inner = await written();
    let inFlight = 0;
    let max = 0;
    const gauged: Storage = {
      ...inner,
      description: inner.description,
      canWrite: inner.canWrite,
      get: async (key, options) => {
        if (!key.startsWith("chunks/")) return inner.get(key, options);
        inFlight++;
        max = Math.max(max, inFlight);
        try {
          await new Promise((resolve) => setTimeout(resolve, 2));
          return await inner.get(key, options);
        } finally {
          inFlight--;
        }
      },
      put: (k, d, o) => inner.put(k, d, o),
      copy: (f, t, o) => inner.copy(f, t, o),
      list: (p, o) => inner.list(p, o),
      delete: (k, o) => inner.delete(k, o),
      lastModified: (k, o) => inner.lastModified(k, o),
    };
    const requests: KeyRange[] = Array.from({ length: 30 }, (_, i) => [
      `g/a/c/${i % 2 === 0 ? 0 : 2}`,
      { offset: i, length: 1 },
    ]);
    for (const [limit, expectedMax] of [
      [2, 2],
      [undefined, 10], // upstream's default
    ] as const) {
      max = 0;
      const repo = await Repository.open(gauged, {
        config: limit === undefined ? {} : { getPartialValuesConcurrency: limit },
      });
      const s = await repo.readonlySession("main");
      const got = await s.store.getPartialValues(requests);
      expect(got.every((v) => v?.length === 1)).toBe(true);
      expect(max).toBe(expectedMax);
    }
  });

  it("setPartialValues is refused as upstream refuses it, and changes nothing", async () => {
    const storage = await written();
    const repo = await Repository.open(storage);
    const edits = [["g/a/c/0", 0, Uint8Array.of(1, 2, 3)] as const];
    const ro = await repo.readonlySession("main");
    expect(ro.store.supportsPartialWrites).toBe(false);
    await expect(ro.store.setPartialValues(edits)).rejects.toSatisfy((e: unknown) =>
      isIcechunkError(e, "read-only-session"),
    );
    const w = await repo.writableSession("main");
    await expect(w.store.setPartialValues(edits)).rejects.toSatisfy(
      (e: unknown) =>
        isIcechunkError(e, "unimplemented-store-method") && /set\(\)/.test((e as Error).message),
    );
    expect(w.hasUncommittedChanges).toBe(false);
    expect(Array.from((await w.store.get("g/a/c/0"))!.subarray(0, 3))).toEqual([0, 7, 14]);
  });
});
