/**
 * Rebase over a spec-2.1 commit that carries the transaction logs of expired ancestors
 * (`pruned_ancestor_tx_logs`): the solver sees them oldest first, then the commit's own log; a
 * missing pruned log aborts with MissingTransactionLogError. Uses a Rust-written fixture.
 */
import { rm } from "node:fs/promises";
import { join } from "node:path";
import {
  ConflictDetector,
  type ConflictSolver,
  INITIAL_SNAPSHOT_ID,
  isIcechunkError,
  MissingTransactionLogError,
  Repository,
} from "@icechunk-ts/core";
import { localFilesystemStorage } from "@icechunk-ts/core/fs";
import { afterAll, describe, expect, it } from "vitest";
import { loadOracle, oracleStorage } from "./support/oracle.js";
import { copyFixture } from "./support/tmp.js";

const FIXTURE = "expire-repo-v2-by-working-copy";
/** A commit whose parent is the initial snapshot after expiration, with two pruned ancestor logs. */
const COMMIT = "EXAZ38YX7CBT5Y067VQG";
const PRUNED = ["JBEK67R42G7WXQ2GF2Q0", "T6VX5XDCDKDDVKWS8NMG"];

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of cleanups) await c();
});

async function sessionBehind(dir: string) {
  const repo = await Repository.open(localFilesystemStorage(dir));
  await repo.createBranch("rb", INITIAL_SNAPSHOT_ID);
  const session = await repo.writableSession("rb");
  await session.store.set(
    "other/zarr.json",
    new TextEncoder().encode('{"zarr_format":3,"node_type":"group"}'),
  );
  await repo.resetBranch("rb", COMMIT);
  return { repo, session };
}

describe("rebase over pruned ancestor transaction logs", () => {
  it("the solver sees the pruned logs, oldest first, then the commit's own", async () => {
    const { dir, cleanup } = await copyFixture(FIXTURE);
    cleanups.push(cleanup);
    const { repo, session } = await sessionBehind(dir);
    const seen: string[] = [];
    const detector = new ConflictDetector();
    const recording: ConflictSolver = {
      solve(log, previous, changes, current, options) {
        seen.push(log.id);
        expect(previous.snapshot.id).toBe(COMMIT);
        return detector.solve(log, previous, changes, current, options);
      },
    };
    await session.rebase(recording);
    expect(seen).toEqual([...PRUNED, COMMIT]);
    expect(session.snapshotId).toBe(COMMIT);
    const id = await session.commit("on top of an expired history");
    const oracle = await loadOracle();
    const orepo = await oracle.Repository.open(await oracleStorage(localFilesystemStorage(dir)));
    const osession = await orepo.readonlySession({ branch: "rb" });
    expect(osession.snapshotId).toBe(id);
    expect((await osession.store.list()).sort()).toEqual(
      (await (await repo.readonlySession({ branch: "rb" })).store.list()).sort(),
    );
  });

  it("a missing pruned log aborts the rebase with a typed error", async () => {
    const { dir, cleanup } = await copyFixture(FIXTURE);
    cleanups.push(cleanup);
    await rm(join(dir, "transactions", PRUNED[1]!));
    const { session } = await sessionBehind(dir);
    const err = await session.rebase(new ConflictDetector()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MissingTransactionLogError);
    expect(isIcechunkError(err, "missing-transaction-log")).toBe(true);
    expect((err as MissingTransactionLogError).snapshotId).toBe(PRUNED[1]);
    expect((err as MissingTransactionLogError).pruned).toBe(true);
    expect(session.snapshotId).toBe(INITIAL_SNAPSHOT_ID);
  });
});
