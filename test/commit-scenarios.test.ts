/**
 * Scenarios of the upstream Python test suite, translated to our API, where icechunk-ts differed:
 * a rebasing commit whose solver drops every change still commits (upstream keeps the emptied
 * array in its change set), `asOf: info.writtenAt` selects that very snapshot, and commit metadata
 * that is not JSON is refused with a typed error naming the key path. Results are read back by the
 * official implementation (the 2.2.2 binding has no solver argument, no asOf and no metadata).
 */
import {
  BasicConflictSolver,
  InvalidArgumentError,
  InvalidCommitMetadataError,
  inMemoryStorage,
  isIcechunkError,
  NoSnapshotAsOfError,
  Repository,
} from "@icechunk-ts/core";
import { describe, expect, it } from "vitest";
import { compareRepositories } from "./support/compare.js";
import { loadOracle, oracleStorage } from "./support/oracle.js";
import { array, chunk, group } from "./support/zarr-json.js";

const normalize = (d: object) => JSON.parse(JSON.stringify(d));

async function baseRepo(specVersion: 1 | 2) {
  const storage = inMemoryStorage();
  const repo = await Repository.create(storage, { specVersion });
  const s = await repo.writableSession("main");
  await s.store.set("zarr.json", group());
  await s.store.set("a/zarr.json", array([4, 4]));
  await s.store.set("a/c/0/0", chunk(1));
  await s.store.set("a/c/1/1", chunk(1));
  const base = await s.commit("base");
  return { storage, repo, base };
}

describe("a rebasing commit whose solver drops every change", () => {
  for (const specVersion of [2, 1] as const)
    it(`spec ${specVersion}: commits (theirs kept), logging the array with no chunks`, async () => {
      const { storage, repo, base } = await baseRepo(specVersion);
      const ours = await repo.writableSession("main");
      const theirs = await repo.writableSession("main");
      await theirs.store.set("a/c/0/0", chunk(7));
      const theirCommit = await theirs.commit("theirs");
      await ours.store.set("a/c/0/0", chunk(9));
      const solver = new BasicConflictSolver({ onChunkConflict: "use-theirs" });
      const ourCommit = await ours.commit("ours, dropped", { rebase: solver });

      expect(await repo.lookupBranch("main")).toBe(ourCommit);
      const info = await repo.lookupSnapshot(ourCommit);
      expect(info.parentId).toBe(theirCommit);
      expect(info.metadata).toEqual({ __icechunk: { rebase_attempts: 1 } });
      const read = await repo.readonlySession({ branch: "main" });
      expect([...((await read.store.get("a/c/0/0")) ?? [])]).toEqual([...chunk(7)]);
      const diff = await repo.diff({
        from: { snapshotId: theirCommit },
        to: { snapshotId: ourCommit },
      });
      expect(diff.updatedChunks).toEqual({ "/a": [] });

      const oracle = await loadOracle();
      const orepo = await oracle.Repository.open(await oracleStorage(storage));
      await compareRepositories(repo, orepo);
      for (const [from, to] of [
        [theirCommit, ourCommit],
        [base, ourCommit],
      ] as const)
        expect(
          normalize(await repo.diff({ from: { snapshotId: from }, to: { snapshotId: to } })),
        ).toEqual(normalize(await orepo.diff({ fromSnapshotId: from, toSnapshotId: to })));
    });

  it("the emptied change set still counts as uncommitted changes, as upstream's", async () => {
    const { repo } = await baseRepo(2);
    const ours = await repo.writableSession("main");
    const theirs = await repo.writableSession("main");
    await theirs.store.set("a/c/1/1", chunk(3));
    await theirs.commit("theirs");
    await ours.store.set("a/c/1/1", chunk(4));
    await ours.rebase(new BasicConflictSolver({ onChunkConflict: "use-theirs" }));
    expect(ours.hasUncommittedChanges).toBe(true);
    expect((await ours.status()).updatedChunks).toEqual({ "/a": [] });
  });
});

describe("readonlySession({ asOf })", () => {
  it("a snapshot's own writtenAt selects it (milliseconds vs microseconds)", async () => {
    const { repo } = await baseRepo(2);
    const ids: string[] = [];
    for (const v of [2, 3, 4]) {
      const s = await repo.writableSession("main");
      await s.store.set("a/c/0/1", chunk(v));
      ids.push(await s.commit(`v${v}`));
    }
    const history = await repo.ancestry({ branch: "main" });
    for (const info of history) {
      const at = await repo.readonlySession({ branch: "main", asOf: info.writtenAt });
      // several snapshots can share a millisecond: the newest of them is the one at that time
      const newestInThatMs = history.find((h) => h.writtenAt.getTime() <= info.writtenAt.getTime());
      expect(at.snapshotId, info.message).toBe(newestInThatMs!.id);
    }
    const last = history[0]!;
    expect((await repo.readonlySession({ branch: "main", asOf: last.writtenAt })).snapshotId).toBe(
      ids[2],
    );
    const before = new Date(history.at(-1)!.writtenAt.getTime() - 1);
    await expect(repo.readonlySession({ branch: "main", asOf: before })).rejects.toBeInstanceOf(
      NoSnapshotAsOfError,
    );
    await expect(
      repo.readonlySession({ branch: "main", asOf: new Date(Number.NaN) }),
    ).rejects.toBeInstanceOf(InvalidArgumentError);
  });
});

describe("commit metadata that is not JSON", () => {
  class Author {
    constructor(readonly name: string) {}
  }
  const cyclic: Record<string, unknown> = { a: 1 };
  cyclic.self = cyclic;
  const sparse: number[] = [1];
  sparse[2] = 3; // index 1 is a hole
  const cases: Array<[string, unknown, string]> = [
    ["a class instance", { author: new Author("me") }, "metadata.author"],
    ["a Date", { when: { at: new Date(0) } }, "metadata.when.at"],
    ["a Map", { m: new Map() }, "metadata.m"],
    ["a function", { f: () => 1 }, "metadata.f"],
    ["a symbol", { s: Symbol("x") }, "metadata.s"],
    ["undefined", { u: undefined }, "metadata.u"],
    ["NaN", { list: [1, Number.NaN] }, "metadata.list[1]"],
    ["Infinity", { "odd key": Number.POSITIVE_INFINITY }, 'metadata["odd key"]'],
    ["a bigint beyond 64 bits", { big: 2n ** 64n }, "metadata.big"],
    ["a cycle", { c: cyclic }, "metadata.c.self"],
    ["an array hole", { h: sparse }, "metadata.h[1]"],
    ["a symbol key", { k: { [Symbol("k")]: 1 } }, "metadata.k"],
    ["an array at the top", [1], "metadata"],
    ["a class instance at the top", new Author("me"), "metadata"],
    ["too deep", { d: JSON.parse(`${"[".repeat(300)}${"]".repeat(300)}`) }, "metadata.d"],
  ];
  for (const specVersion of [2, 1] as const)
    it(`spec ${specVersion}: commit, amend and flush refuse it before writing, naming the key path`, async () => {
      const { storage, repo, base } = await baseRepo(specVersion);
      const keysBefore = [];
      for await (const e of storage.list("")) keysBefore.push(e.key);
      for (const [what, metadata, keyPath] of cases) {
        const s = await repo.writableSession("main");
        await s.store.set("a/c/0/1", chunk(5));
        const attempts = [
          () => s.commit("c", { metadata: metadata as never }),
          () => s.commit("c", { metadata: metadata as never, rebase: new BasicConflictSolver() }),
          () => s.flush("f", { metadata: metadata as never }),
          ...(specVersion === 2 ? [() => s.amend("a", { metadata: metadata as never })] : []),
        ];
        for (const attempt of attempts) {
          const err = await attempt().catch((e: unknown) => e);
          expect(err, what).toBeInstanceOf(InvalidCommitMetadataError);
          expect(isIcechunkError(err, "invalid-commit-metadata")).toBe(true);
          expect((err as InvalidCommitMetadataError).keyPath, what).toEqual(
            keyPath.startsWith("metadata.d")
              ? expect.stringMatching(/^metadata\.d(\[0\])+$/)
              : keyPath,
          );
          expect((err as Error).message).toContain("commit metadata is not JSON");
        }
      }
      const keysAfter = [];
      for await (const e of storage.list("")) keysAfter.push(e.key);
      // nothing but chunks may have been written; no snapshot, no ref moved
      expect(keysAfter.filter((k) => !k.startsWith("chunks/")).sort()).toEqual(
        keysBefore.filter((k) => !k.startsWith("chunks/")).sort(),
      );
      expect(await repo.lookupBranch("main")).toBe(base);

      // plain JSON (nested, unicode, 64-bit integers as bigint) still commits
      const ok = await repo.writableSession("main");
      await ok.store.set("a/c/0/1", chunk(6));
      const metadata = { author: "me", n: [1, 2.5, null, true], deep: { é: "ü" }, big: 2n ** 60n };
      const id = await ok.commit("ok", { metadata });
      expect((await repo.lookupSnapshot(id)).metadata).toEqual(metadata);
    });
});
