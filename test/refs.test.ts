/**
 * Repository creation, branches and tags for spec 1 and 2 — compare-and-swap resets, `main` is
 * never deleted, tags are immutable and a deleted tag's name never comes back — with the official
 * implementation reading the same refs; the spec-2 update protocol (backups under `overwritten/`,
 * one ops-log entry per change, strictly increasing timestamps, paging, concurrent writers).
 */
import { inMemoryStorage, Repository } from "@icechunk-ts/core";
import { describe, expect, it } from "vitest";
import { compareRepositories } from "./support/compare.js";
import { kind } from "./support/errors.js";
import { loadOracle, oracleStorage } from "./support/oracle.js";

const GROUP = new TextEncoder().encode('{"zarr_format":3,"node_type":"group"}');

async function commitSomething(repo: Repository, branch: string, attr: number) {
  const s = await repo.writableSession(branch);
  await s.store.set(
    "zarr.json",
    new TextEncoder().encode(`{"zarr_format":3,"node_type":"group","attributes":{"n":${attr}}}`),
  );
  return s.commit(`commit ${attr} on ${branch}`);
}

for (const specVersion of [1, 2] as const) {
  describe(`spec ${specVersion} refs`, () => {
    it("create refuses a non-empty location; openOrCreate opens it", async () => {
      const storage = inMemoryStorage();
      await storage.put("something-else", GROUP);
      await expect(Repository.create(storage, { specVersion })).rejects.toSatisfy(
        kind("repository-already-exists"),
      );
      const fresh = inMemoryStorage();
      const a = await Repository.openOrCreate(fresh, { specVersion });
      const first = await commitSomething(a, "main", 1);
      const b = await Repository.openOrCreate(fresh, { specVersion });
      expect(b.specVersion).toBe(specVersion);
      expect(await b.lookupBranch("main")).toBe(first);
      await expect(Repository.create(fresh, { specVersion })).rejects.toSatisfy(
        kind("repository-already-exists"),
      );
    });

    it("branches: create, compare-and-swap reset, delete (never main); tags: immutable, never reused", async () => {
      const storage = inMemoryStorage();
      const repo = await Repository.create(storage, { specVersion });
      const c1 = await commitSomething(repo, "main", 1);
      const c2 = await commitSomething(repo, "main", 2);
      await repo.createBranch("dev", c1);
      await expect(repo.createBranch("dev", c2)).rejects.toSatisfy(kind("ref-already-exists"));
      await expect(repo.createBranch("ghost", "0000000000000000000G")).rejects.toSatisfy(
        kind("snapshot-not-found"),
      );
      await repo.resetBranch("dev", c2, { fromSnapshotId: c1 });
      expect(await repo.lookupBranch("dev")).toBe(c2);
      await expect(repo.resetBranch("dev", c1, { fromSnapshotId: c1 })).rejects.toSatisfy(
        kind("commit-conflict"),
      );
      expect(await repo.lookupBranch("dev")).toBe(c2);
      await repo.resetBranch("dev", c1);
      expect(await repo.lookupBranch("dev")).toBe(c1);
      await repo.createBranch("tmp", c1);
      await repo.deleteBranch("tmp");
      await expect(repo.lookupBranch("tmp")).rejects.toSatisfy(kind("ref-not-found"));
      await expect(repo.deleteBranch("main")).rejects.toSatisfy(kind("cannot-delete-main-branch"));
      await expect(repo.deleteBranch("nope")).rejects.toSatisfy(kind("ref-not-found"));

      await repo.createTag("v1", c1);
      await expect(repo.createTag("v1", c2)).rejects.toSatisfy(kind("ref-already-exists"));
      await repo.createTag("old", c2);
      await repo.deleteTag("old");
      await expect(repo.lookupTag("old")).rejects.toSatisfy(kind("ref-not-found"));
      await expect(repo.createTag("old", c1)).rejects.toSatisfy(kind("ref-already-exists"));
      await expect(repo.deleteTag("never")).rejects.toSatisfy(kind("ref-not-found"));
      expect(await repo.listBranches()).toEqual(["dev", "main"]);
      expect(await repo.listTags()).toEqual(["v1"]);

      const oracle = await loadOracle();
      const theirs = await oracle.Repository.open(await oracleStorage(storage));
      await compareRepositories(await Repository.open(storage), theirs);
      // the official implementation also refuses to reuse the deleted tag name
      await expect(theirs.createTag("old", c1)).rejects.toBeDefined();
    });
  });
}

describe("spec 2 repo object updates", () => {
  it("every change is backed up and logged, newest first, with strictly increasing times", async () => {
    const storage = inMemoryStorage();
    const repo = await Repository.create(storage);
    const c1 = await commitSomething(repo, "main", 1);
    await repo.createBranch("dev", c1);
    await repo.createTag("t", c1);
    await repo.deleteTag("t");
    await repo.resetBranch("dev", c1);
    await repo.deleteBranch("dev");
    const log = await repo.opsLog();
    expect(log.map((e) => e.type)).toEqual([
      "branch-deleted",
      "branch-reset",
      "tag-deleted",
      "tag-created",
      "branch-created",
      "new-commit",
      "repo-initialized",
    ]);
    for (let i = 1; i < log.length; i++)
      expect(log[i - 1]!.updatedAt).toBeGreaterThan(log[i]!.updatedAt);
    expect(log[0]!.backupPath).toBeUndefined();
    const backups = new Set<string>();
    for await (const e of storage.list("overwritten")) backups.add(e.key);
    for (const e of log.slice(1)) expect(backups.has(e.backupPath!)).toBe(true);
    expect(new Set(log.slice(1).map((e) => e.backupPath)).size).toBe(log.length - 1);
  });

  it("pages the ops log past numUpdatesPerRepoInfoFile and the official implementation still reads the repo", async () => {
    const storage = inMemoryStorage();
    const repo = await Repository.create(storage, { config: { numUpdatesPerRepoInfoFile: 4 } });
    const c = await commitSomething(repo, "main", 0);
    for (let i = 0; i < 9; i++) await repo.createBranch(`b${i}`, c);
    const log = await repo.opsLog();
    expect(log).toHaveLength(11);
    expect(log.at(-1)!.type).toBe("repo-initialized");
    const oracle = await loadOracle();
    await compareRepositories(
      await Repository.open(storage),
      await oracle.Repository.open(await oracleStorage(storage)),
    );
  });

  it("concurrent writers on the repo object all land (retry on lost races)", async () => {
    const storage = inMemoryStorage();
    const repo = await Repository.create(storage);
    const c = await commitSomething(repo, "main", 0);
    const writers = await Promise.all(Array.from({ length: 8 }, () => Repository.open(storage)));
    await Promise.all(writers.map((w, i) => w.createBranch(`w${i}`, c)));
    const after = await Repository.open(storage);
    expect(await after.listBranches()).toEqual([
      "main",
      ...Array.from({ length: 8 }, (_, i) => `w${i}`),
    ]);
    expect((await after.opsLog()).filter((e) => e.type === "branch-created")).toHaveLength(8);
  });
});
