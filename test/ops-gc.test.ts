/**
 * Garbage collection after expiration, against the official implementation: the objects of
 * expired and unreachable snapshots go (spec 2 keeps the tx logs retained snapshots list as pruned
 * ancestors), a dry run deletes nothing and counts the same, an uncommitted chunk newer than the
 * cutoff survives and can still be committed, `overwritten/` is untouched, and the official
 * implementation reads every ref identically afterwards.
 */
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { INITIAL_SNAPSHOT_ID, isIcechunkError, Repository } from "@icechunk-ts/core";
import { localFilesystemStorage } from "@icechunk-ts/core/fs";
import { afterAll, describe, expect, it } from "vitest";
import type { RepoInfoData } from "../packages/core/src/format/repo-info.js";
import { planGcRepoInfo } from "../packages/core/src/ops/gc.js";
import { RepoInfoChangedSignal } from "../packages/core/src/ops/history.js";
import { compareRepositories } from "./support/compare.js";
import {
  buildHistory,
  chunk,
  commit,
  expectSameDiff,
  sleep,
  type TheirRepository,
} from "./support/ops-history.js";
import { loadOracle, oracleStorage } from "./support/oracle.js";
import { makeTempDir } from "./support/tmp.js";

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of cleanups) await c();
});

const files = async (dir: string, prefix: string) =>
  (await readdir(join(dir, prefix)).catch(() => [] as string[])).sort();

for (const specVersion of [2, 1] as const) {
  it(`spec ${specVersion}: expire + gc; the official implementation still reads every ref`, async () => {
    const { dir, cleanup } = await makeTempDir("icechunk-ops-gc-");
    cleanups.push(cleanup);
    await Repository.create(localFilesystemStorage(dir), { specVersion });
    const oracle = await loadOracle();
    const ours = () => Repository.open(localFilesystemStorage(dir));
    const theirs = async (): Promise<TheirRepository> =>
      oracle.Repository.open(await oracleStorage(localFilesystemStorage(dir)));
    const h = await buildHistory(ours, theirs);
    let repo = await ours();
    // an unreachable snapshot: a branch deleted after one commit
    await repo.createBranch("scratch", h.c1);
    const s1 = await commit(repo, "scratch", "s1", [
      ["s/zarr.json", new TextEncoder().encode('{"zarr_format":3,"node_type":"group"}')],
      ["a/c/1/0", chunk(42)],
    ]);
    await repo.deleteBranch("scratch");
    await repo.expireSnapshots(h.cutoff, { deleteExpiredBranches: true, deleteExpiredTags: true });
    const released = [h.c1, h.c2, h.c3, h.f1];

    await sleep(80); // past GC's 20 ms coarse-clock margin
    const gcCutoff = new Date();
    await sleep(80);
    // an in-flight writer: its chunk is written now, committed after the GC
    repo = await ours();
    const inflight = await repo.writableSession("main");
    const chunksBefore = await files(dir, "chunks");
    await inflight.store.set("a/c/0/0", chunk(77));
    const fresh = (await files(dir, "chunks")).filter((c) => !chunksBefore.includes(c));
    expect(fresh).toHaveLength(1);

    const snapshot = async () => ({
      snapshots: await files(dir, "snapshots"),
      transactions: await files(dir, "transactions"),
      manifests: await files(dir, "manifests"),
      chunks: await files(dir, "chunks"),
      overwritten: await files(dir, "overwritten"),
    });
    const before = await snapshot();
    const dry = await repo.garbageCollect(gcCutoff, { dryRun: true });
    expect(await snapshot()).toEqual(before);
    expect(dry.snapshots).toBe(released.length + 1);
    expect(dry.transactionLogs).toBe(specVersion === 2 ? 1 : released.length + 1); // spec 2 keeps pruned logs
    expect(dry.chunks).toBe(2); // c1's a/c/0/0 and s1's chunk (b's chunk lives on in the feature branch)
    expect(dry.manifests).toBeGreaterThan(0);
    expect(dry.bytes).toBeGreaterThan(3 * 1024);

    const summary = await repo.garbageCollect(gcCutoff);
    expect(summary).toEqual(dry);
    const after = await snapshot();
    for (const id of [...released, s1]) expect(after.snapshots).not.toContain(id);
    expect(after.snapshots.length).toBe(before.snapshots.length - summary.snapshots);
    expect(after.chunks.length).toBe(before.chunks.length - summary.chunks);
    expect(after.manifests.length).toBe(before.manifests.length - summary.manifests);
    expect(after.chunks).toContain(fresh[0]);
    // backups are never collected (spec 2 GC adds one for its own update)
    expect(after.overwritten).toEqual(expect.arrayContaining(before.overwritten));
    expect(after.overwritten.length).toBe(before.overwritten.length + (specVersion === 2 ? 1 : 0));
    if (specVersion === 2) {
      for (const id of released) expect(after.transactions).toContain(id);
      expect(after.transactions).not.toContain(s1);
      const fresh2 = await ours();
      await expect(fresh2.lookupSnapshot(s1)).rejects.toSatisfy((e: unknown) =>
        isIcechunkError(e, "snapshot-not-found"),
      );
      expect((await fresh2.opsLog()).map((e) => e.type).slice(0, 2)).toEqual([
        "gc-ran",
        "expiration-ran",
      ]);
    }

    // nothing left to collect
    expect(await (await ours()).garbageCollect(gcCutoff)).toEqual({
      chunks: 0,
      manifests: 0,
      snapshots: 0,
      transactionLogs: 0,
      bytes: 0,
    });
    const c6 = await inflight.commit("committed after gc");
    const final = await ours();
    const them = await theirs();
    await compareRepositories(final, them);
    for (const to of [h.c4, h.c5, h.f2, c6])
      await expectSameDiff(final, them, INITIAL_SNAPSHOT_ID, to);
    const read = await (await them.readonlySession({ branch: "main" })).store.get("a/c/0/0");
    expect(read && Buffer.from(read).equals(Buffer.from(chunk(77)))).toBe(true);
  });
}

describe("spec 2 gc repo-info update", () => {
  const id = (n: number) => `${"0".repeat(19)}${n}` as never;
  const snap = (n: number, parent?: number, pruned?: number[]) => ({
    id: id(n),
    ...(parent === undefined ? {} : { parentId: id(parent) }),
    flushedAt: n,
    message: `s${n}`,
    metadata: {},
    ...(pruned ? { prunedAncestorTxLogs: pruned.map(id) } : {}),
  });
  const info = (snapshots: ReturnType<typeof snap>[], mainTip: number): RepoInfoData => ({
    specVersion: 2,
    tags: [],
    branches: [{ name: "main", snapshotId: id(mainTip) }],
    deletedTags: [],
    snapshots,
    status: { availability: "online", setAt: 0 },
    metadata: {},
    latestUpdates: [],
    enabledFeatureFlags: [],
    disabledFeatureFlags: [],
  });

  it("re-parents a kept snapshot over a dropped run to its nearest kept ancestor, collecting pruned logs", () => {
    // 0 → 1 (main) → 2 (pruned [9]) → 3 → 4 ; main was reset to 1, 2 dropped, 3 and 4 too new
    const base = info([snap(0), snap(1, 0), snap(2, 1, [9]), snap(3, 2), snap(4, 3)], 1);
    const keep = new Set<string>([id(0), id(1), id(3), id(4)]);
    const out = planGcRepoInfo(base, keep, new Set([id(2)]));
    expect(out.snapshots.find((s) => s.id === id(3))).toEqual(snap(3, 1, [9, 2]));
    expect(out.snapshots.find((s) => s.id === id(4))).toEqual(snap(4, 3));
    expect(out.snapshots.map((s) => s.id)).not.toContain(id(2));
  });

  it("starts over when a new snapshot sits on a dropped parent or a ref points at a dropped snapshot", () => {
    const base = info([snap(0), snap(1, 0), snap(2, 1), snap(5, 2)], 1);
    expect(() => planGcRepoInfo(base, new Set([id(0), id(1)]), new Set([id(2)]))).toThrow(
      RepoInfoChangedSignal,
    );
    const moved = info([snap(0), snap(1, 0), snap(2, 1)], 2);
    expect(() => planGcRepoInfo(moved, new Set([id(0), id(1)]), new Set([id(2)]))).toThrow(
      RepoInfoChangedSignal,
    );
  });
});
