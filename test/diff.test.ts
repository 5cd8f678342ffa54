/**
 * Diff and status against the official implementation: every ancestor pair of a history written
 * by us (spec 1 and 2), status of identical uncommitted edits, and the Rust-written reference
 * repositories (native oracle).
 */
import {
  BadSnapshotChainForDiffError,
  type Diff,
  inMemoryStorage,
  Repository,
  type Session,
} from "@icechunk-ts/core";
import { localFilesystemStorage } from "@icechunk-ts/core/fs";
import { afterAll, describe, expect, it } from "vitest";
import {
  loadNativeOracle,
  loadOracle,
  nativeOracleUnavailableReason,
  oracleStorage,
} from "./support/oracle.js";
import { copyFixture, listReferenceRepos } from "./support/tmp.js";
import { array, chunk, group } from "./support/zarr-json.js";

/** Store operations both implementations can run. */
type Op = ["set", string, Uint8Array] | ["delete", string];
interface AnyStore {
  set(key: string, value: Buffer): Promise<void>;
  delete(key: string): Promise<void>;
}
async function apply(store: AnyStore, ops: readonly Op[]) {
  for (const op of ops) {
    if (op[0] === "set") await store.set(op[1], Buffer.from(op[2]));
    else await store.delete(op[1]);
  }
}

const commits: Op[][] = [
  [
    ["set", "zarr.json", group()],
    ["set", "g/zarr.json", group()],
    ["set", "g/h/zarr.json", group()],
    ["set", "g/h/deep/zarr.json", array([4, 4])],
    ["set", "a/zarr.json", array([4, 4])],
    ["set", "a/c/0/0", chunk(1)],
    ["set", "a/c/1/1", chunk(2)],
    ["set", "a-b/zarr.json", array([2, 2])],
  ],
  [
    ["set", "a/c/0/1", chunk(3)],
    ["delete", "a/c/1/1"],
    ["set", "g/zarr.json", group({ v: 1 })],
    ["set", "tmp/zarr.json", group()],
    ["delete", "tmp/zarr.json"],
    ["set", "n/zarr.json", array([2, 2])],
    ["set", "n/c/0/0", chunk(4)],
  ],
  [
    ["set", "a/zarr.json", array([6, 6])],
    ["delete", "g/h/zarr.json"],
    ["delete", "a-b/zarr.json"],
    ["set", "a/c/2/2", chunk(5)],
  ],
];
const pending: Op[] = [
  ["set", "a/c/0/0", chunk(9)],
  ["delete", "a/c/0/1"],
  ["set", "n/zarr.json", array([4, 4], { resized: true })],
  ["delete", "g/zarr.json"],
  ["set", "fresh/zarr.json", group()],
  ["set", "fresh/arr/zarr.json", array([2, 2])],
  ["set", "fresh/arr/c/0/0", chunk(6)],
];

const normalize = (d: Diff | object) => JSON.parse(JSON.stringify(d));

describe("diff and status equal the official implementation's", () => {
  for (const spec of [1, 2] as const)
    it(`spec ${spec}: every ancestor pair, status, and bad chains`, async () => {
      const storage = inMemoryStorage();
      const repo = await Repository.create(storage, { specVersion: spec });
      for (const [i, ops] of commits.entries()) {
        const s = await repo.writableSession("main");
        await apply(s.store as unknown as AnyStore, ops);
        await s.commit(`c${i}`);
      }
      const oracle = await loadOracle();
      const orepo = await oracle.Repository.open(await oracleStorage(storage));
      const history = (await repo.ancestry({ branch: "main" })).map((s) => s.id).reverse();
      let compared = 0;
      for (let i = 0; i < history.length; i++)
        for (let j = i + 1; j < history.length; j++) {
          const ours = await repo.diff({
            from: { snapshotId: history[i]! },
            to: { snapshotId: history[j]! },
          });
          const theirs = await orepo.diff({
            fromSnapshotId: history[i]!,
            toSnapshotId: history[j]!,
          });
          expect(normalize(ours), `${i}→${j}`).toEqual(normalize(theirs));
          compared++;
        }
      expect(compared).toBe(6);
      const last = await repo.diff({ from: { snapshotId: history[1]! }, to: { branch: "main" } });
      expect(last.deletedArrays).toEqual(["/a-b", "/g/h/deep"]);
      expect(last.updatedChunks["/a"]).toEqual([
        [0, 1],
        [1, 1],
        [2, 2],
      ]);

      for (const [from, to] of [
        [history[2]!, history[1]!],
        [history[1]!, history[1]!],
      ] as const) {
        await expect(
          repo.diff({ from: { snapshotId: from }, to: { snapshotId: to } }),
        ).rejects.toBeInstanceOf(BadSnapshotChainForDiffError);
        await expect(orepo.diff({ fromSnapshotId: from, toSnapshotId: to })).rejects.toThrow();
      }

      const ours: Session = await repo.writableSession("main");
      const theirs = await orepo.writableSession("main");
      expect(normalize(await ours.status())).toEqual(normalize(await theirs.status()));
      await apply(ours.store as unknown as AnyStore, pending);
      await apply(theirs.store as unknown as AnyStore, pending);
      const status = await ours.status();
      expect(normalize(status)).toEqual(normalize(await theirs.status()));
      expect(status.newArrays).toEqual(["/fresh/arr"]);
      expect(status.deletedGroups).toEqual(["/g"]);
    });
});

describe("diff over commits with moves (written by the official implementation)", () => {
  it("moved nodes and later edits translate to the same paths", async () => {
    const storage = inMemoryStorage();
    const repo = await Repository.create(storage);
    const s = await repo.writableSession("main");
    await apply(s.store as unknown as AnyStore, commits[0]!);
    const first = await s.commit("c0");
    const oracle = await loadOracle();
    const orepo = await oracle.Repository.open(await oracleStorage(storage));
    const rearrange = await orepo.rearrangeSession("main");
    await rearrange.moveNode("/g", "/moved");
    await rearrange.moveNode("/a", "/moved/a2");
    await rearrange.commit("moves");
    const edit = await repo.writableSession("main");
    await apply(edit.store as unknown as AnyStore, [
      ["set", "moved/a2/c/1/0", chunk(8)],
      ["set", "moved/zarr.json", group({ after: "move" })],
    ]);
    const last = await edit.commit("edit after move");
    const history = (await repo.ancestry({ branch: "main" })).map((x) => x.id).reverse();
    for (let i = 1; i < history.length; i++)
      for (let j = i + 1; j < history.length; j++) {
        const ours = await repo.diff({
          from: { snapshotId: history[i]! },
          to: { snapshotId: history[j]! },
        });
        const theirs = await orepo.diff({ fromSnapshotId: history[i]!, toSnapshotId: history[j]! });
        expect(normalize(ours), `${i}→${j}`).toEqual(normalize(theirs));
      }
    const d = await repo.diff({ from: { snapshotId: first }, to: { snapshotId: last } });
    expect(d.movedNodes.length).toBeGreaterThan(0);
    expect(d.updatedChunks).toEqual({ "/moved/a2": [[1, 0]] });
  });
});

const fixtures = listReferenceRepos();
const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of cleanups) await c();
});

describe("diff over the reference repositories (native oracle)", () => {
  for (const name of fixtures)
    it(name, async () => {
      const oracle = await loadNativeOracle();
      expect(oracle, `native oracle unavailable: ${nativeOracleUnavailableReason}`).toBeDefined();
      const { dir, cleanup } = await copyFixture(name);
      cleanups.push(cleanup);
      const ours = await Repository.open(localFilesystemStorage(dir));
      const theirs = await oracle!.Repository.open(await oracle!.Storage.newLocalFilesystem(dir));
      let compared = 0;
      let agreedOk = 0;
      for (const branch of await ours.listBranches()) {
        const history = (await ours.ancestry({ branch })).map((s) => s.id).reverse();
        const pairs: Array<[number, number]> = [];
        for (let j = 1; j < history.length; j++) pairs.push([j - 1, j], [0, j]);
        for (const [i, j] of pairs) {
          const from = history[i]!;
          const to = history[j]!;
          const t = await theirs.diff({ fromSnapshotId: from, toSnapshotId: to }).then(
            (d) => ({ ok: normalize(d) }),
            (e: unknown) => ({ err: String(e) }),
          );
          const o = await ours.diff({ from: { snapshotId: from }, to: { snapshotId: to } }).then(
            (d) => ({ ok: normalize(d) }),
            (e: unknown) => ({ err: String(e) }),
          );
          if ("ok" in t) {
            expect(o, `${branch} ${from}→${to}`).toEqual(t);
            agreedOk++;
          } else
            expect("err" in o, `${branch} ${from}→${to}: oracle failed with ${t.err}`).toBe(true);
          compared++;
        }
      }
      expect(compared).toBeGreaterThan(0);
      expect(agreedOk).toBeGreaterThan(0);
    });
});
