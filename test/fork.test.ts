/**
 * Fork sessions: forks flush a detached snapshot, travel as JSON / structured clones, write
 * disjoint chunks, merge back into the branch session, and the official implementation reads
 * the union. Merge refuses conflicting edits.
 */
import {
  inMemoryStorage,
  isIcechunkError,
  ReadOnlySessionError,
  Repository,
  SessionMergeError,
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
  await s.store.set("old/zarr.json", array([4, 4]));
  await s.store.set("old/c/0/0", chunk(1));
  await s.commit("base");
  return { storage, repo };
}

async function oracleRepo(storage: Storage) {
  const oracle = await loadOracle();
  return oracle.Repository.open(await oracleStorage(storage));
}

describe("fork, serialize, merge, commit", () => {
  for (const spec of [1, 2] as const)
    it(`spec ${spec}: forks write disjoint chunks in "workers"; the merged commit holds the union`, async () => {
      const { storage, repo } = await setup(spec);
      const session = await repo.writableSession("main");
      await session.store.set("big/zarr.json", array([8, 8])); // uncommitted: forks see it through the fork snapshot
      await session.store.set("big/c/0/0", chunk(100));
      const forks = await Promise.all([session.fork(), session.fork(), session.fork()]);
      expect(new Set(forks.map((f) => f.snapshotId)).size).toBe(3);
      for (const f of forks) {
        expect(f.isFork).toBe(true);
        expect(f.branch).toBeUndefined();
        expect(f.readOnly).toBe(false);
        expect((await repo.lookupSnapshot(f.snapshotId)).message).toBe("fork");
      }
      expect(await repo.lookupBranch("main")).toBe(session.snapshotId); // no branch moved

      // "send to workers": JSON text for one, structured clone for the others, a fresh Repository each
      const payloads = [
        JSON.stringify(forks[0]),
        structuredClone(forks[1]!.toJSON()),
        structuredClone(forks[2]!.toJSON()),
      ];
      const workerResults = await Promise.all(
        payloads.map(async (payload, w) => {
          const workerRepo = await Repository.open(storage);
          const fork = await workerRepo.sessionFromJSON(
            typeof payload === "string" ? JSON.parse(payload) : payload,
          );
          expect(await fork.store.get("big/c/0/0")).toEqual(chunk(100));
          for (let j = 0; j < 4; j++)
            await fork.store.set(`big/c/${w + 1}/${j}`, chunk(10 * w + j, j % 2 ? 700 : 4));
          await expect(fork.commit("nope")).rejects.toBeInstanceOf(SessionModeError);
          return JSON.stringify(fork);
        }),
      );
      const back = await Promise.all(
        workerResults.map((json) => repo.sessionFromJSON(JSON.parse(json))),
      );
      session.merge(...back);
      await session.store.set("old/c/1/1", chunk(2));
      const id = await session.commit("merged");

      const expected = new Map<string, Uint8Array>([["big/c/0/0", chunk(100)]]);
      for (let w = 0; w < 3; w++)
        for (let j = 0; j < 4; j++)
          expected.set(`big/c/${w + 1}/${j}`, chunk(10 * w + j, j % 2 ? 700 : 4));
      const ro = await (await Repository.open(storage)).readonlySession({ snapshotId: id });
      const oracleSession = await (await oracleRepo(storage)).readonlySession({ branch: "main" });
      for (const [key, bytes] of expected) {
        expect(await ro.store.get(key), key).toEqual(bytes);
        expect(Array.from((await oracleSession.store.get(key))!), key).toEqual(Array.from(bytes));
      }
      expect(await oracleSession.store.get("big/c/0/1")).toBeNull();
      await compareRepositories(await Repository.open(storage), await oracleRepo(storage));
    });

  it("a fork of a fork works, read-only sessions cannot fork, forks cannot absorb branch sessions", async () => {
    const { repo } = await setup();
    const ro = await repo.readonlySession({ branch: "main" });
    await expect(ro.fork()).rejects.toBeInstanceOf(ReadOnlySessionError);
    const session = await repo.writableSession("main");
    const fork = await session.fork();
    await fork.store.set("old/c/1/0", chunk(5));
    const grandchild = await fork.fork();
    expect(await grandchild.store.get("old/c/1/0")).toEqual(chunk(5));
    await grandchild.store.set("old/c/0/1", chunk(6));
    expect(() => fork.merge(session)).toThrow(SessionModeError);
    fork.merge(grandchild);
    session.merge(fork);
    const status = await session.status();
    expect(status.updatedChunks).toEqual({
      "/old": [
        [0, 1],
        [1, 0],
      ],
    });
    await session.commit("nested forks");
    const check = await repo.readonlySession({ branch: "main" });
    expect(await check.store.get("old/c/0/1")).toEqual(chunk(6));
    expect(await check.store.get("old/c/1/0")).toEqual(chunk(5));
  });
});

describe("merge rules", () => {
  async function twoForks() {
    const { repo } = await setup();
    const session = await repo.writableSession("main");
    const [f1, f2] = await Promise.all([session.fork(), session.fork()]);
    return { repo, session, f1: f1!, f2: f2! };
  }

  it("the same chunk in two forks: the later one wins", async () => {
    const { repo, session, f1, f2 } = await twoForks();
    await f1.store.set("old/c/0/0", chunk(7));
    await f2.store.set("old/c/0/0", chunk(8));
    session.merge(f1, f2);
    await session.commit("other wins");
    expect(await (await repo.readonlySession({ branch: "main" })).store.get("old/c/0/0")).toEqual(
      chunk(8),
    );
  });

  it("identical creations merge; different ones fail", async () => {
    const { session, f1, f2 } = await twoForks();
    await f1.store.set("x/zarr.json", group({ a: 1 }));
    await f2.store.set("x/zarr.json", group({ a: 2 }));
    session.merge(f1);
    const before = JSON.stringify(session.toJSON());
    const err = (() => {
      try {
        session.merge(f2);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(SessionMergeError);
    expect(isIcechunkError(err, "session-merge")).toBe(true);
    expect((err as SessionMergeError).path).toBe("/x");
    expect(JSON.stringify(session.toJSON())).toBe(before); // nothing half-merged
  });

  it("conflicting updates and delete-versus-modify fail", async () => {
    {
      const { session, f1, f2 } = await twoForks();
      await f1.store.set("zarr.json", group({ v: 1 }));
      await f2.store.set("zarr.json", group({ v: 2 }));
      expect(() => session.merge(f1, f2)).toThrow(SessionMergeError);
    }
    {
      const { session, f1, f2 } = await twoForks();
      await f1.store.delete("old/zarr.json");
      await f2.store.set("old/c/1/1", chunk(3));
      expect(() => session.merge(f1, f2)).toThrow(/deleted this node while the other wrote chunks/);
    }
    {
      const { session, f1 } = await twoForks();
      await f1.store.delete("old/zarr.json");
      await session.store.set("old/zarr.json", array([6, 6]));
      expect(() => session.merge(f1)).toThrow(SessionMergeError);
    }
  });

  it("rejects values that are not serialized sessions", async () => {
    const { repo } = await setup();
    await expect(repo.sessionFromJSON({ hello: 1 } as never)).rejects.toSatisfy((e: unknown) =>
      isIcechunkError(e, "invalid-argument"),
    );
  });
});
