/**
 * Snapshot expiration against the official implementation: histories written by icechunk-ts and
 * by the official implementation are expired with a cutoff between an old and a new part; the
 * official implementation then sees the same re-parented ancestry for every ref, reads every
 * retained snapshot identically, and computes the same diffs from the root (which proves the
 * pruned ancestor transaction logs are right). The spec-2 plan reproduces the Rust-expired fixture
 * exactly from its pre-expiration backups. Spec 1 rewrites the oldest retained snapshot file.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { INITIAL_SNAPSHOT_ID, isIcechunkError, Repository } from "@icechunk-ts/core";
import { localFilesystemStorage } from "@icechunk-ts/core/fs";
import { afterAll, describe, expect, it } from "vitest";
import { FileType } from "../packages/core/src/format/constants.js";
import { decodeObjectFile } from "../packages/core/src/format/object-file.js";
import { decodeRepoInfo, type RepoInfoData } from "../packages/core/src/format/repo-info.js";
import { planExpireV2 } from "../packages/core/src/ops/expire.js";
import { compareRepositories } from "./support/compare.js";
import { buildHistory, expectSameDiff, type TheirRepository } from "./support/ops-history.js";
import { loadOracle, oracleStorage } from "./support/oracle.js";
import { copyFixture, makeTempDir, referenceRepoPath } from "./support/tmp.js";

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of cleanups) await c();
});

async function setup(specVersion: 1 | 2) {
  const { dir, cleanup } = await makeTempDir("icechunk-ops-expire-");
  cleanups.push(cleanup);
  await Repository.create(localFilesystemStorage(dir), { specVersion });
  const oracle = await loadOracle();
  const ours = () => Repository.open(localFilesystemStorage(dir));
  const theirs = async (): Promise<TheirRepository> =>
    oracle.Repository.open(await oracleStorage(localFilesystemStorage(dir)));
  return { dir, ours, theirs };
}

const ids = (xs: Array<{ id: string }>) => xs.map((x) => x.id);

for (const specVersion of [2, 1] as const) {
  describe(`spec ${specVersion} expiration`, () => {
    it("re-parents retained snapshots to the root; the official implementation reads the same history", async () => {
      const { ours, theirs } = await setup(specVersion);
      const h = await buildHistory(ours, theirs);
      const repo = await ours();
      await repo.deleteBranch("doomed");
      const released = await repo.expireSnapshots(h.cutoff);
      if (specVersion === 2) {
        // c1 and c2 are ref tips (old-branch, t-old): c3 and f1 go
        expect(released).toEqual([h.c3, h.f1].sort());
      } else {
        // upstream spec 1: everything expired between the edited snapshot and the root
        expect(released).toEqual(expect.arrayContaining([h.c1, h.c2, h.c3, h.f1]));
      }
      const after = await ours();
      expect(ids(await after.ancestry({ branch: "main" }))).toEqual([
        h.c5,
        h.c4,
        INITIAL_SNAPSHOT_ID,
      ]);
      expect(ids(await after.ancestry({ branch: "feature" }))).toEqual([h.f2, INITIAL_SNAPSHOT_ID]);
      // spec 2 keeps the tag's own history; spec 1 re-parents the tag's (expired) tip to the root
      expect(ids(await after.ancestry({ tag: "t-old" }))).toEqual(
        specVersion === 2 ? [h.c2, h.c1, INITIAL_SNAPSHOT_ID] : [h.c2, INITIAL_SNAPSHOT_ID],
      );
      const them = await theirs();
      await compareRepositories(after, them);
      for (const to of [h.c4, h.c5, h.f2, h.c2])
        await expectSameDiff(after, them, INITIAL_SNAPSHOT_ID, to);
      await expectSameDiff(after, them, h.c4, h.c5);
      if (specVersion === 2) {
        const d = await after.diff({
          from: { snapshotId: INITIAL_SNAPSHOT_ID },
          to: { snapshotId: h.c4 },
        });
        expect(d.newArrays).toEqual(["/a"]);
        expect(d.newGroups).toEqual(["/", "/g", "/g/h"]);
        expect((await after.opsLog())[0]!.type).toBe("expiration-ran");
        const info = (await after.lookupSnapshot(h.c4)) as { parentId?: string };
        expect(info.parentId).toBe(INITIAL_SNAPSHOT_ID);
      }
    });

    it("deletes expired branches and tags when asked (never main), and names stay retired", async () => {
      const { ours, theirs } = await setup(specVersion);
      const h = await buildHistory(ours);
      const repo = await ours();
      await repo.expireSnapshots(h.cutoff, {
        deleteExpiredBranches: true,
        deleteExpiredTags: true,
      });
      const after = await ours();
      expect(await after.listBranches()).toEqual(["feature", "main"]);
      expect(await after.listTags()).toEqual([]);
      await expect(after.createTag("t-old", h.c5)).rejects.toSatisfy((e: unknown) =>
        isIcechunkError(e, "ref-already-exists"),
      );
      const them = await theirs();
      await compareRepositories(after, them);
      for (const to of [h.c4, h.c5, h.f2])
        await expectSameDiff(after, them, INITIAL_SNAPSHOT_ID, to);
      if (specVersion === 2) {
        // the full delta from the root, although c1..c3 are gone from the history
        const d = await after.diff({
          from: { snapshotId: INITIAL_SNAPSHOT_ID },
          to: { snapshotId: h.c4 },
        });
        expect(d.newArrays).toEqual(["/a"]);
        expect(d.updatedChunks["/a"]).toEqual([
          [0, 0],
          [0, 1],
          [1, 1],
        ]);
      }
      // a second run finds nothing more to release
      expect(
        await after.expireSnapshots(h.cutoff, {
          deleteExpiredBranches: true,
          deleteExpiredTags: true,
        }),
      ).toEqual([]);
      await compareRepositories(await ours(), await theirs());
    });
  });
}

describe("spec 2 expiration under concurrent writers", () => {
  it("retries on a changed repo object; every concurrent change lands", async () => {
    const { ours, theirs } = await setup(2);
    const h = await buildHistory(ours);
    const writers = await Promise.all(Array.from({ length: 4 }, () => ours()));
    const [released] = await Promise.all([
      (await ours()).expireSnapshots(h.cutoff),
      ...writers.map((w, i) => w.createBranch(`w${i}`, h.c5)),
    ]);
    expect(released).toEqual([h.f1]);
    const after = await ours();
    expect(await after.listBranches()).toEqual(expect.arrayContaining(["w0", "w1", "w2", "w3"]));
    const log = await after.opsLog();
    expect(log.filter((e) => e.type === "expiration-ran")).toHaveLength(1);
    expect(log.filter((e) => e.type === "branch-created" && e.name.startsWith("w"))).toHaveLength(
      4,
    );
    await compareRepositories(after, await theirs());
  });
});

describe("spec 2 expiration matches the Rust implementation", () => {
  async function backup(dir: string, name: string): Promise<RepoInfoData> {
    const bytes = await readFile(join(dir, "overwritten", name));
    return decodeRepoInfo(decodeObjectFile(bytes, FileType.RepoInfo, {}).payload);
  }

  it("replays both expirations of expire-repo-v2-by-working-copy from their backups", async () => {
    const dir = referenceRepoPath("expire-repo-v2-by-working-copy");
    const current = decodeRepoInfo(
      decodeObjectFile(await readFile(join(dir, "repo")), FileType.RepoInfo, {}).payload,
    );
    // every expiration-ran entry: the state before is the previous entry's backup, after is its own
    const runs = current.latestUpdates.flatMap((e, i) =>
      e.update.type === "expiration-ran"
        ? [{ after: e.backupPath!, before: current.latestUpdates[i + 1]!.backupPath! }]
        : [],
    );
    expect(runs).toHaveLength(2);
    for (const run of runs) {
      const before = await backup(dir, run.before);
      const after = await backup(dir, run.after);
      // the cutoff lay between the old history and the snapshots that survived untouched
      const survivors = after.snapshots.filter(
        (s) => s.parentId !== undefined && !s.prunedAncestorTxLogs?.length,
      );
      const edited = after.snapshots.filter(
        (s) =>
          s.prunedAncestorTxLogs?.length &&
          !before.snapshots.find((b) => b.id === s.id)?.prunedAncestorTxLogs,
      );
      const cutoff = Math.min(
        ...[...survivors, ...edited]
          .filter((s) => !after.tags.some((t) => t.snapshotId === s.id))
          .map((s) => s.flushedAt),
      );
      const plan = planExpireV2(before, cutoff, { deleteExpiredBranches: true });
      const norm = (info: RepoInfoData) => ({
        tags: info.tags,
        branches: [...info.branches].sort((a, b) => a.name.localeCompare(b.name)),
        deletedTags: info.deletedTags,
        snapshots: [...info.snapshots].sort((a, b) => (a.id < b.id ? -1 : 1)),
      });
      expect(norm(plan.info)).toEqual(norm(after));
    }
  });

  it("the official implementation diffs a copy expired by Rust the same way we do", async () => {
    const { dir, cleanup } = await copyFixture("expire-repo-v2-by-working-copy");
    cleanups.push(cleanup);
    const ours = await Repository.open(localFilesystemStorage(dir));
    const oracle = await loadOracle();
    const theirs = await oracle.Repository.open(await oracleStorage(localFilesystemStorage(dir)));
    for (const b of await ours.listBranches())
      await expectSameDiff(ours, theirs, INITIAL_SNAPSHOT_ID, await ours.lookupBranch(b));
  });
});
