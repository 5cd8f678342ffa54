/**
 * Rebase and commit-with-rebase: racing sessions of ours, BasicConflictSolver policies, and mixed
 * races with the official implementation in both directions (it must read our transaction logs).
 */
import {
  BasicConflictSolver,
  ConflictError,
  inMemoryStorage,
  isIcechunkError,
  ReadOnlySessionError,
  RebaseFailedError,
  Repository,
  SessionModeError,
  type Storage,
} from "@icechunk-ts/core";
import { describe, expect, it } from "vitest";
import { compareRepositories } from "./support/compare.js";
import { loadOracle, oracleStorage } from "./support/oracle.js";
import { array, chunk, group } from "./support/zarr-json.js";

async function setup(specVersion: 1 | 2 = 2) {
  const storage = inMemoryStorage();
  const repo = await Repository.create(storage, { specVersion });
  const s = await repo.writableSession("main");
  await s.store.set("zarr.json", group());
  await s.store.set("a/zarr.json", array([4, 4]));
  await s.store.set("a/c/0/0", chunk(1));
  await s.store.set("b/zarr.json", array([4, 4]));
  const base = await s.commit("base");
  return { storage, repo, base };
}

async function oracleRepo(storage: Storage) {
  const oracle = await loadOracle();
  return oracle.Repository.open(await oracleStorage(storage));
}

describe("rebase between our own sessions", () => {
  for (const spec of [1, 2] as const)
    it(`spec ${spec}: the loser gets ConflictError, rebases, commits; history is a chain; the oracle agrees`, async () => {
      const { storage, repo, base } = await setup(spec);
      const s1 = await repo.writableSession("main");
      const s2 = await repo.writableSession("main");
      await s1.store.set("a/c/0/1", chunk(2, 600)); // native chunk
      await s2.store.set("a/c/1/0", chunk(3));
      await s2.store.set("b/c/1/1", chunk(4, 700));
      const results = await Promise.allSettled([s1.commit("one"), s2.commit("two")]);
      const won = results.findIndex((r) => r.status === "fulfilled");
      expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
      const lost = results[1 - won] as PromiseRejectedResult;
      expect(lost.reason).toBeInstanceOf(ConflictError);
      const loser = won === 0 ? s2 : s1;
      const winnerId = (results[won] as PromiseFulfilledResult<string>).value;
      await loser.rebase(new BasicConflictSolver());
      expect(loser.snapshotId).toBe(winnerId);
      const second = await loser.commit(won === 0 ? "two" : "one");
      const history = (await repo.ancestry({ branch: "main" })).map((s) => s.id);
      expect(history.slice(0, 3)).toEqual([second, winnerId, base]);
      const ro = await repo.readonlySession({ branch: "main" });
      expect(await ro.store.get("a/c/0/1")).toEqual(chunk(2, 600));
      expect(await ro.store.get("a/c/1/0")).toEqual(chunk(3));
      expect(await ro.store.get("b/c/1/1")).toEqual(chunk(4, 700));
      await compareRepositories(await Repository.open(storage), await oracleRepo(storage));
    });

  it("rebases over several commits, oldest first, and stops at the first unsolvable one", async () => {
    const { repo } = await setup();
    const ours = await repo.writableSession("main");
    const ids: string[] = [];
    for (const [key, v] of [
      ["a/c/0/1", 5],
      ["a/c/1/0", 6],
    ] as const) {
      const s = await repo.writableSession("main");
      await s.store.set(key, chunk(v));
      ids.push(await s.commit(`c${v}`));
    }
    const resize = await repo.writableSession("main");
    await resize.store.set("b/zarr.json", array([8, 8]));
    const c3 = await resize.commit("resize b");
    await ours.store.set("a/c/1/1", chunk(9));
    await ours.store.set("b/c/0/0", chunk(9));
    const err = await ours.rebase(new BasicConflictSolver()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RebaseFailedError);
    expect((err as RebaseFailedError).snapshotId).toBe(c3);
    expect((err as RebaseFailedError).conflicts.map((c) => c.kind)).toEqual([
      "chunks-updated-in-updated-array",
    ]);
    // the message names what conflicts where, so the user knows which edit to change
    expect((err as Error).message).toContain("chunks-updated-in-updated-array at '/b'");
    expect(ours.snapshotId).toBe(ids[1]); // the last commit it could rebase over
    await ours.store.delete("b/c/0/0");
    await ours.discardChanges();
    await ours.store.set("a/c/1/1", chunk(9));
    await ours.rebase(new BasicConflictSolver());
    expect(ours.snapshotId).toBe(c3);
    await ours.commit("ours");
    const ro = await repo.readonlySession({ branch: "main" });
    for (const [k, v] of [
      ["a/c/0/0", 1],
      ["a/c/0/1", 5],
      ["a/c/1/0", 6],
      ["a/c/1/1", 9],
    ] as const)
      expect(await ro.store.get(k), k).toEqual(chunk(v));
  });

  it("commit({ rebase }) retries and records __icechunk.rebase_attempts", async () => {
    const { repo } = await setup();
    const s1 = await repo.writableSession("main");
    const s2 = await repo.writableSession("main");
    await s1.store.set("a/c/0/1", chunk(2));
    await s1.commit("one");
    await s2.store.set("a/c/1/0", chunk(3));
    const id = await s2.commit("two", {
      rebase: new BasicConflictSolver(),
      metadata: { author: "me" },
    });
    const info = await repo.lookupSnapshot(id);
    expect(info.metadata).toEqual({ author: "me", __icechunk: { rebase_attempts: 1 } });

    const s3 = await repo.writableSession("main");
    const s4 = await repo.writableSession("main");
    await s3.store.set("a/c/1/1", chunk(4));
    await s3.commit("three");
    await s4.store.set("b/c/0/0", chunk(4));
    await expect(
      s4.commit("four", { rebase: new BasicConflictSolver(), rebaseTries: 0 }),
    ).rejects.toBeInstanceOf(ConflictError);
  });
});

describe("rebase preconditions", () => {
  it("honours an aborted signal, needs a branch session, and is a no-op when the branch did not move", async () => {
    const { repo, base } = await setup();
    const s = await repo.writableSession("main");
    await s.store.set("a/c/1/1", chunk(1));
    const other = await repo.writableSession("main");
    await other.store.set("a/c/0/1", chunk(2));
    await other.commit("move the branch");
    const ac = new AbortController();
    ac.abort();
    await expect(s.rebase(new BasicConflictSolver(), { signal: ac.signal })).rejects.toSatisfy(
      (e: unknown) => isIcechunkError(e, "aborted"),
    );
    expect(s.snapshotId).toBe(base);
    const ro = await repo.readonlySession({ branch: "main" });
    await expect(ro.rebase(new BasicConflictSolver())).rejects.toBeInstanceOf(ReadOnlySessionError);
    const fork = await s.fork();
    await expect(fork.rebase(new BasicConflictSolver())).rejects.toBeInstanceOf(SessionModeError);
    await s.rebase(new BasicConflictSolver());
    const at = s.snapshotId;
    await s.rebase(new BasicConflictSolver());
    expect(s.snapshotId).toBe(at);
    expect(s.hasUncommittedChanges).toBe(true);
  });
});

describe("BasicConflictSolver policies on overlapping chunks", () => {
  async function race(solver: BasicConflictSolver) {
    const { repo } = await setup();
    const theirs = await repo.writableSession("main");
    const ours = await repo.writableSession("main");
    await theirs.store.set("a/c/0/0", Buffer.from(chunk(10)));
    await theirs.store.set("a/c/0/1", Buffer.from(chunk(11)));
    await theirs.commit("theirs");
    await ours.store.set("a/c/0/0", chunk(20));
    await ours.store.delete("a/c/0/1");
    await ours.store.set("a/c/1/1", chunk(21));
    const result = await ours.commit("ours", { rebase: solver }).catch((e: unknown) => e);
    const ro = await repo.readonlySession({ branch: "main" });
    const read = async (k: string) => (await ro.store.get(k))?.[0];
    return {
      result,
      values: [await read("a/c/0/0"), await read("a/c/0/1"), await read("a/c/1/1")],
    };
  }

  it("use-ours (the default) keeps our writes and deletes", async () => {
    const { values } = await race(new BasicConflictSolver());
    expect(values).toEqual([20, undefined, 21]);
  });

  it("use-theirs drops our changes to the conflicting chunks only", async () => {
    const { values } = await race(new BasicConflictSolver({ onChunkConflict: "use-theirs" }));
    expect(values).toEqual([10, 11, 21]);
  });

  it("fail reports the chunk conflicts", async () => {
    const { result, values } = await race(new BasicConflictSolver({ onChunkConflict: "fail" }));
    expect(result).toBeInstanceOf(RebaseFailedError);
    expect((result as RebaseFailedError).conflicts).toEqual([
      expect.objectContaining({
        kind: "chunk-double-update",
        path: "/a",
        chunkCoordinates: [
          [0, 0],
          [0, 1],
        ],
      }),
    ]);
    expect(values).toEqual([10, 11, undefined]);
  });

  it("delete of an updated array: our delete wins unless failOnDeleteOfUpdatedArray", async () => {
    for (const fail of [false, true]) {
      const { repo } = await setup();
      const theirs = await repo.writableSession("main");
      const ours = await repo.writableSession("main");
      await theirs.store.set("a/c/1/1", Buffer.from(chunk(7)));
      await theirs.commit("theirs");
      await ours.store.delete("a/zarr.json");
      const solver = new BasicConflictSolver({ failOnDeleteOfUpdatedArray: fail });
      const res = await ours.commit("ours", { rebase: solver }).catch((e: unknown) => e);
      const ro = await repo.readonlySession({ branch: "main" });
      if (fail) {
        expect(res).toBeInstanceOf(RebaseFailedError);
        expect(ro.getNode("/a")).toBeDefined();
      } else expect(ro.getNode("/a")).toBeUndefined();
    }
  });
});

describe("mixed races with the official implementation", () => {
  it("the oracle commits while our session is open; we rebase and commit; the oracle reads it", async () => {
    const { storage, repo } = await setup();
    const ours = await repo.writableSession("main");
    await ours.store.set("a/c/1/1", chunk(30, 800));
    await ours.store.set("n/zarr.json", group({ mine: true }));
    const orepo = await oracleRepo(storage);
    const theirs = await orepo.writableSession("main");
    await theirs.store.set("a/c/0/1", Buffer.from(chunk(31, 900)));
    await theirs.store.set("b/c/0/0", Buffer.from(chunk(32)));
    const theirId = await theirs.commit("oracle commit");
    await expect(ours.commit("ours")).rejects.toBeInstanceOf(ConflictError);
    await ours.rebase(new BasicConflictSolver());
    expect(ours.snapshotId).toBe(theirId);
    const id = await ours.commit("ours");
    const check = await (await oracleRepo(storage)).readonlySession({ branch: "main" });
    expect(check.snapshotId).toBe(id);
    expect(Array.from((await check.store.get("a/c/1/1"))!)).toEqual(Array.from(chunk(30, 800)));
    expect(Array.from((await check.store.get("a/c/0/1"))!)).toEqual(Array.from(chunk(31, 900)));
    expect(Array.from((await check.store.get("b/c/0/0"))!)).toEqual(Array.from(chunk(32)));
    await compareRepositories(await Repository.open(storage), await oracleRepo(storage));
  });

  it("an oracle session rebases over our commit (reading our transaction log)", async () => {
    const { storage, repo } = await setup();
    const orepo = await oracleRepo(storage);
    const theirs = await orepo.writableSession("main");
    await theirs.store.set("a/c/1/0", Buffer.from(chunk(40)));
    const ours = await repo.writableSession("main");
    await ours.store.set("a/c/0/0", chunk(42));
    await ours.store.set("b/c/1/1", chunk(43));
    const ourId = await ours.commit("ours");
    await expect(theirs.commit("theirs")).rejects.toThrow();
    await theirs.rebase();
    expect(theirs.snapshotId).toBe(ourId);
    const theirId = await theirs.commit("theirs");
    const ro = await (await Repository.open(storage)).readonlySession({ branch: "main" });
    expect(ro.snapshotId).toBe(theirId);
    expect(await ro.store.get("a/c/0/0")).toEqual(chunk(42));
    expect(await ro.store.get("a/c/1/0")).toEqual(chunk(40));
    expect(await ro.store.get("b/c/1/1")).toEqual(chunk(43));
    await compareRepositories(await Repository.open(storage), await oracleRepo(storage));
  });

  it("the oracle's rebase sees conflicts recorded in our transaction log", async () => {
    for (const ourEdit of ["delete-array", "same-chunk", "chunk-delete"] as const) {
      const { storage, repo } = await setup();
      const orepo = await oracleRepo(storage);
      const theirs = await orepo.writableSession("main");
      await theirs.store.set("a/c/0/0", Buffer.from(chunk(50)));
      const ours = await repo.writableSession("main");
      if (ourEdit === "delete-array") await ours.store.delete("a/zarr.json");
      else if (ourEdit === "same-chunk") await ours.store.set("a/c/0/0", chunk(51));
      else await ours.store.delete("a/c/0/0");
      await ours.commit(ourEdit);
      await expect(theirs.rebase(), ourEdit).rejects.toThrow(/rebase/);
    }
  });
});
