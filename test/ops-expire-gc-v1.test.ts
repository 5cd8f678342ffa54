/**
 * Spec 1: garbage collection right after expiration on the same Repository. Expiry rewrites the
 * oldest retained snapshot file of each ref in place; the repository's cached copy must be the
 * rewritten one (a write replaces the cached copy, as upstream's asset manager does), so GC sees the
 * new parents and collects the released snapshots. Checked on a Rust-written fixture: the summary
 * equals that of a run that reopens the repository between the two steps, both leave the same
 * files, and the official implementation reads every ref of the result as we do.
 */
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { Repository } from "@icechunk-ts/core";
import { localFilesystemStorage } from "@icechunk-ts/core/fs";
import { afterAll, describe, expect, it } from "vitest";
import { compareRepositories } from "./support/compare.js";
import { sleep } from "./support/ops-history.js";
import { loadNativeOracle, nativeOracleUnavailableReason } from "./support/oracle.js";
import { copyFixture } from "./support/tmp.js";

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of cleanups) await c();
});

async function listing(dir: string): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const prefix of ["snapshots", "transactions", "manifests", "chunks"])
    out[prefix] = (await readdir(join(dir, prefix)).catch(() => [] as string[])).sort();
  return out;
}

describe("spec 1: expireSnapshots then garbageCollect on one Repository", () => {
  it("collects the released snapshots as a reopened repository does (split-repo-v1)", async () => {
    const oracle = await loadNativeOracle();
    expect(oracle, `native oracle unavailable: ${nativeOracleUnavailableReason}`).toBeDefined();
    const same = await copyFixture("split-repo-v1");
    const reopened = await copyFixture("split-repo-v1");
    cleanups.push(same.cleanup, reopened.cleanup);
    // between "write data" (41.906) and "write data again" (41.919)
    const expireBefore = new Date("2025-04-15T18:40:41.910Z");
    // well past GC's 20 ms margin for coarse file clocks, so every copied file is older than the cutoff
    await sleep(150);
    const gcBefore = new Date(); // after the copies were written

    const a = await Repository.open(localFilesystemStorage(same.dir));
    const historyBefore = await a.ancestry({ branch: "main" }); // caches every snapshot
    expect(historyBefore).toHaveLength(5);
    const releasedA = await a.expireSnapshots(expireBefore);
    expect(await a.ancestry({ branch: "main" }), "the same repository sees the new parent").toEqual(
      await (await a.reopen()).ancestry({ branch: "main" }),
    );
    const summaryA = await a.garbageCollect(gcBefore);

    let b = await Repository.open(localFilesystemStorage(reopened.dir));
    await b.ancestry({ branch: "main" });
    const releasedB = await b.expireSnapshots(expireBefore);
    b = await b.reopen();
    const summaryB = await b.garbageCollect(gcBefore);

    expect(releasedA).toEqual(releasedB);
    expect(releasedA).toHaveLength(2);
    expect(summaryA).toEqual(summaryB);
    expect(summaryA.snapshots).toBe(2);
    expect(summaryA.transactionLogs).toBe(2);
    expect(summaryA.bytes).toBeGreaterThan(0);
    expect(await listing(same.dir)).toEqual(await listing(reopened.dir));

    const ancestry = (await a.ancestry({ branch: "main" })).map((s) => s.message);
    expect(ancestry).toEqual([
      "write data again with more splits",
      "write data again",
      "Repository initialized",
    ]);
    const theirs = await oracle!.Repository.open(
      await oracle!.Storage.newLocalFilesystem(same.dir),
    );
    await compareRepositories(await a.reopen(), theirs);
  });
});
