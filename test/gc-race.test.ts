/**
 * Garbage collection racing a writer, deterministically: expiration and GC run on a storage that
 * pauses them before each of their storage calls in turn, and at that pause a commit that
 * overwrites chunks lands. For every pause point, every snapshot reachable afterwards has every
 * object. Two writers: one that starts after the cutoff (as the docs ask), and one whose chunks
 * were written before the cutoff, which GC must still keep when the commit lands before GC's last
 * look at the repository (GC re-reads the refs after listing each prefix). Also: an object's time
 * reported just before the cutoff (Linux stamps files from a coarse clock) never counts as older.
 */
import { writeFileSync } from "node:fs";
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { inMemoryStorage, Repository, type Session, type Storage } from "@icechunk-ts/core";
import { afterAll, describe, expect, it } from "vitest";
import { createdBefore, TIMESTAMP_MARGIN_MS } from "../packages/core/src/ops/gc.js";

import { checkConsistent, copyStorage } from "./support/consistency.js";
import { faultyStorage } from "./support/faulty-storage.js";
import { array, chunk, commit, group, sleep } from "./support/ops-history.js";
import { makeTempDir } from "./support/tmp.js";

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of cleanups) await c();
});

async function template(specVersion: 1 | 2): Promise<Storage> {
  const storage = inMemoryStorage();
  const repo = await Repository.create(storage, { specVersion });
  await commit(repo, "main", "c1", [
    ["zarr.json", group()],
    ["a/zarr.json", array()],
    ["a/c/0/0", chunk(1)],
    ["a/c/0/1", chunk(2)],
    ["a/c/1/0", chunk(3)],
  ]);
  await commit(repo, "main", "c2", [["a/c/0/0", chunk(4)]]);
  await commit(repo, "main", "c3", [["a/c/0/1", chunk(5)]]);
  return storage;
}

/** A writer's session on main with chunks overwritten (uncommitted). */
async function writer(storage: Storage, v: number): Promise<Session> {
  const s = await (await Repository.open(storage)).writableSession("main");
  await s.store.set("a/c/0/0", chunk(v));
  await s.store.set("a/c/1/0", chunk(v + 1));
  return s;
}

/**
 * Runs expire(now) + GC(cutoff) on `storage` paused before storage call `pauseAt`, where `land`
 * runs; returns the calls made and the number of the last `repo`/refs read.
 */
async function pausedGc(
  storage: Storage,
  cutoff: () => Date,
  pauseAt: number,
  land: () => Promise<void>,
): Promise<{ calls: number; lastLook: number }> {
  let lastLook = 0;
  const paused = faultyStorage(storage);
  const repo = await Repository.open(paused);
  paused.arm({
    beforeCall: async (n, _op, key) => {
      if (n === pauseAt) await land();
      // the last read of main's tip: the `repo` object (spec 2) or main's ref file (spec 1)
      if (key === "repo" || key === "refs/branch.main/ref.json") lastLook = n;
    },
  });
  await repo.expireSnapshots(new Date());
  await repo.garbageCollect(cutoff());
  return { calls: paused.calls, lastLook };
}

describe.each([2, 1] as const)(
  "spec %i: a commit landing at every pause point of expire + GC",
  (specVersion) => {
    it("a writer that started after the cutoff loses nothing, at any pause point", async () => {
      const source = await template(specVersion);
      const probe = inMemoryStorage();
      await copyStorage(source, probe);
      await sleep(TIMESTAMP_MARGIN_MS + 5);
      const { calls } = await pausedGc(
        probe,
        () => new Date(),
        0,
        async () => {},
      );
      let landed = 0;
      for (let p = 1; p <= calls; p++) {
        const inner = inMemoryStorage();
        await copyStorage(source, inner);
        await sleep(TIMESTAMP_MARGIN_MS + 5); // the copied objects are older than the cutoff
        const cutoff = new Date();
        await pausedGc(
          inner,
          () => cutoff,
          p,
          async () => {
            await (await writer(inner, 10 + p)).commit(`landed at ${p}`);
            landed += 1;
          },
        );
        const report = await checkConsistent(inner);
        expect(report.chunks, `pause ${p}`).toBeGreaterThanOrEqual(3);
      }
      // a run may make one storage call fewer than the probe (see below): its last point never lands
      expect(landed).toBeGreaterThanOrEqual(calls - 1);
      console.log(`gc race (spec ${specVersion}, writer after the cutoff): ${calls} pause points`);
    });

    it("a commit of chunks older than the cutoff is kept when it lands before GC's last look", async () => {
      const source = await template(specVersion);
      const probe = inMemoryStorage();
      await copyStorage(source, probe);
      await writer(probe, 1);
      const future = new Date(Date.now() + 60_000);
      const { calls, lastLook } = await pausedGc(
        probe,
        () => future,
        0,
        async () => {},
      );
      expect(lastLook).toBeGreaterThan(calls / 2);
      let beyond = 0;
      for (let p = 1; p <= lastLook; p++) {
        const inner = inMemoryStorage();
        await copyStorage(source, inner);
        const session = await writer(inner, 10 + p);
        // the writer's chunks (and everything it writes at the pause) count as older than the cutoff
        const cutoff = new Date(Date.now() + 60_000);
        const run = await pausedGc(
          inner,
          () => cutoff,
          p,
          async () => {
            await session.commit(`landed at ${p}`);
          },
        );
        // the number of storage calls can vary by one between runs (a cached repo object is
        // reused only within a second of opening, so a loaded machine makes one more read): the
        // promise holds for commits that land before this run's own last look at the refs
        if (p > run.lastLook) {
          beyond += 1;
          continue;
        }
        const report = await checkConsistent(inner).catch((e: unknown) => {
          throw new Error(`pause ${p} of ${calls}: ${e}`);
        });
        expect(report.chunks, `pause ${p}`).toBeGreaterThanOrEqual(3);
        const tip = await (await Repository.open(inner)).readonlySession({ branch: "main" });
        expect((await tip.store.get("a/c/1/0"))?.[0], `pause ${p}`).toBe(11 + p);
      }
      expect(beyond).toBeLessThanOrEqual(2);
      console.log(
        `gc race (spec ${specVersion}, writer before the cutoff): ${lastLook - beyond} of ${calls} pause points (up to GC's last look)`,
      );
    });
  },
);

it("a time reported up to one coarse-clock tick before the cutoff is not older than the cutoff", async () => {
  const cutoff = new Date(1_700_000_000_123);
  expect(createdBefore(new Date(cutoff.getTime() - 10), cutoff)).toBe(false);
  expect(createdBefore(new Date(cutoff.getTime() - TIMESTAMP_MARGIN_MS - 1), cutoff)).toBe(true);
  // real files: written right after the cutoff was taken, never older than it
  const { dir, cleanup } = await makeTempDir("icechunk-gc-mtime-");
  cleanups.push(cleanup);
  let early = 0;
  for (let i = 0; i < 300; i++) {
    const taken = new Date();
    const path = join(dir, `f${i}`);
    writeFileSync(path, "x");
    const { mtimeMs } = await stat(path);
    if (mtimeMs < taken.getTime()) early += 1;
    expect(createdBefore(new Date(mtimeMs), taken), `file ${i}`).toBe(false);
  }
  console.log(`files stamped before the cutoff they followed: ${early} of 300`);
});
