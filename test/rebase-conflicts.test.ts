/**
 * Every conflict kind of the detector (icechunk-format.md §7.3), one test each: a first session
 * commits, a second session with a concurrent edit rebases over it with ConflictDetector.
 */
import {
  type Conflict,
  ConflictDetector,
  inMemoryStorage,
  isIcechunkError,
  RebaseFailedError,
  Repository,
  type Session,
} from "@icechunk-ts/core";
import { describe, expect, it } from "vitest";
import { loadOracle, oracleStorage } from "./support/oracle.js";
import { array, chunk, group } from "./support/zarr-json.js";

async function setup(specVersion: 1 | 2 = 2) {
  const storage = inMemoryStorage();
  const repo = await Repository.create(storage, { specVersion });
  const s = await repo.writableSession("main");
  await s.store.set("zarr.json", group());
  await s.store.set("g/zarr.json", group());
  await s.store.set("g/inner/zarr.json", group());
  await s.store.set("a/zarr.json", array([4, 4]));
  await s.store.set("a/c/0/0", chunk(1));
  await s.store.set("a/c/1/1", chunk(2));
  await s.commit("base");
  return { storage, repo };
}

/** s1 commits `theirs`; s2 (opened before) does `ours` and rebases with the detector. */
async function conflictsOf(
  theirs: (s: Session) => Promise<void>,
  ours: (s: Session) => Promise<void>,
  specVersion: 1 | 2 = 2,
): Promise<Conflict[]> {
  const { repo } = await setup(specVersion);
  const s1 = await repo.writableSession("main");
  const s2 = await repo.writableSession("main");
  await theirs(s1);
  const c1 = await s1.commit("theirs");
  await ours(s2);
  const base = s2.snapshotId;
  const err = await s2.rebase(new ConflictDetector()).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(RebaseFailedError);
  expect(isIcechunkError(err, "rebase-failed")).toBe(true);
  const failed = err as RebaseFailedError;
  expect(failed.snapshotId).toBe(c1);
  expect(s2.snapshotId).toBe(base); // stays on the last good commit
  expect(s2.hasUncommittedChanges).toBe(true);
  return [...failed.conflicts];
}

describe("conflict detection (one test per kind)", () => {
  it("new-node-conflicts-with-existing-node", async () => {
    const c = await conflictsOf(
      (s) => s.store.set("n/zarr.json", group({ by: 1 })),
      (s) => s.store.set("n/zarr.json", group({ by: 2 })),
    );
    expect(c).toEqual([{ kind: "new-node-conflicts-with-existing-node", path: "/n" }]);
  });

  it("new-node-in-invalid-group", async () => {
    const c = await conflictsOf(
      (s) => s.store.set("x/zarr.json", array([2, 2])),
      (s) => s.store.set("x/y/zarr.json", group()),
    );
    expect(c).toEqual([{ kind: "new-node-in-invalid-group", path: "/x" }]);
  });

  it("zarr-metadata-double-update", async () => {
    const c = await conflictsOf(
      (s) => s.store.set("g/zarr.json", group({ v: 1 })),
      (s) => s.store.set("g/zarr.json", group({ v: 2 })),
    );
    expect(c).toEqual([{ kind: "zarr-metadata-double-update", path: "/g" }]);
  });

  it("zarr-metadata-update-of-deleted-array", async () => {
    const c = await conflictsOf(
      (s) => s.store.delete("a/zarr.json"),
      (s) => s.store.set("a/zarr.json", array([4, 4], { v: 2 })),
    );
    expect(c).toEqual([{ kind: "zarr-metadata-update-of-deleted-array", path: "/a" }]);
  });

  it("zarr-metadata-update-of-deleted-group", async () => {
    const c = await conflictsOf(
      (s) => s.store.delete("g/zarr.json"),
      (s) => s.store.set("g/zarr.json", group({ v: 2 })),
    );
    expect(c).toEqual([{ kind: "zarr-metadata-update-of-deleted-group", path: "/g" }]);
  });

  it("chunks-updated-in-deleted-array", async () => {
    const c = await conflictsOf(
      (s) => s.store.delete("a/zarr.json"),
      (s) => s.store.set("a/c/1/0", chunk(9)),
    );
    expect(c).toEqual([
      {
        kind: "chunks-updated-in-deleted-array",
        path: "/a",
        nodeId: expect.stringMatching(/^[0-9A-Z]{13}$/),
      },
    ]);
  });

  it("chunks-updated-in-updated-array (a concurrent resize)", async () => {
    const c = await conflictsOf(
      (s) => s.store.set("a/zarr.json", array([6, 6])),
      (s) => s.store.set("a/c/1/0", chunk(9)),
    );
    expect(c.map((x) => x.kind)).toEqual(["chunks-updated-in-updated-array"]);
    expect(c[0]).toMatchObject({ path: "/a" });
  });

  it("chunk-double-update (writes and deletes both count)", async () => {
    const c = await conflictsOf(
      async (s) => {
        await s.store.set("a/c/0/0", chunk(5));
        await s.store.delete("a/c/1/1");
        await s.store.set("a/c/0/1", chunk(5));
      },
      async (s) => {
        await s.store.set("a/c/1/1", chunk(6));
        await s.store.set("a/c/0/0", chunk(6));
        await s.store.set("a/c/1/0", chunk(6));
      },
    );
    expect(c).toEqual([
      {
        kind: "chunk-double-update",
        path: "/a",
        nodeId: expect.any(String),
        chunkCoordinates: [
          [0, 0],
          [1, 1],
        ],
      },
    ]);
  });

  it("delete-of-updated-array", async () => {
    const c = await conflictsOf(
      (s) => s.store.set("a/c/1/0", chunk(9)),
      (s) => s.store.delete("a/zarr.json"),
    );
    expect(c).toEqual([
      { kind: "delete-of-updated-array", path: "/a", nodeId: expect.any(String) },
    ]);
  });

  it("delete-of-updated-group (the updated group itself)", async () => {
    const c = await conflictsOf(
      (s) => s.store.set("g/zarr.json", group({ v: 1 })),
      (s) => s.store.delete("g/zarr.json"),
    );
    expect(c).toEqual([
      { kind: "delete-of-updated-group", path: "/g", nodeId: expect.any(String) },
    ]);
  });

  it("move-operation-cannot-be-rebased (the official implementation commits a move)", async () => {
    const { storage, repo } = await setup(2);
    const ours = await repo.writableSession("main");
    await ours.store.set("a/c/1/0", chunk(7));
    const oracle = await loadOracle();
    const orepo = await oracle.Repository.open(await oracleStorage(storage));
    const rearrange = await orepo.rearrangeSession("main");
    await rearrange.moveNode("/g", "/moved");
    const moveCommit = await rearrange.commit("move");
    const err = await ours.rebase(new ConflictDetector()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RebaseFailedError);
    expect((err as RebaseFailedError).snapshotId).toBe(moveCommit);
    expect((err as RebaseFailedError).conflicts).toEqual([
      { kind: "move-operation-cannot-be-rebased" },
    ]);
  });

  it("disjoint edits produce no conflicts and rebasing moves the base (spec 1 too)", async () => {
    for (const spec of [1, 2] as const) {
      const { repo } = await setup(spec);
      const s1 = await repo.writableSession("main");
      const s2 = await repo.writableSession("main");
      await s1.store.set("a/c/0/1", chunk(3));
      await s1.store.set("g/zarr.json", group({ v: 1 }));
      const c1 = await s1.commit("theirs");
      await s2.store.set("a/c/1/0", chunk(4));
      await s2.store.set("h/zarr.json", group());
      await s2.rebase(new ConflictDetector());
      expect(s2.snapshotId).toBe(c1);
      const c2 = await s2.commit("ours");
      const ro = await repo.readonlySession({ snapshotId: c2 });
      expect(await ro.store.get("a/c/0/1")).toEqual(chunk(3));
      expect(await ro.store.get("a/c/1/0")).toEqual(chunk(4));
      expect(ro.getNode("/h")?.kind).toBe("group");
      expect((await repo.ancestry({ branch: "main" })).map((s) => s.id).slice(0, 2)).toEqual([
        c2,
        c1,
      ]);
    }
  });
});
