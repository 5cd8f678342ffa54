/**
 * The 1→2 upgrade under faults: for every storage call N of an upgrade, on memory and filesystem
 * storage, call N fails, hangs until the caller aborts, or loses its response (the call lands, the
 * caller sees an error). After each, the repository opens (as spec 1 or spec 2) with every ref;
 * running the upgrade again (on a fresh instance, or on the spec-1 instance the interrupted run
 * started from) completes it (spec 2, the same refs, no spec-1 files left) and the official
 * implementation opens the result.
 */
import {
  inMemoryStorage,
  isIcechunkError,
  Repository,
  type Storage,
  upgradeRepository,
} from "@icechunk-ts/core";
import { localFilesystemStorage } from "@icechunk-ts/core/fs";
import { afterAll, expect, it } from "vitest";
import { checkConsistent, copyStorage, type RefMap, refMap } from "./support/consistency.js";
import { faultCases, faultyStorage } from "./support/faulty-storage.js";
import { array, chunk, commit, group } from "./support/ops-history.js";
import { loadOracle, oracleStorage } from "./support/oracle.js";
import { makeTempDir } from "./support/tmp.js";

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of cleanups) await c();
});

/** A spec-1 repository with two branches, two tags and a deleted tag. */
async function template(): Promise<{ storage: Storage; refs: RefMap }> {
  const storage = inMemoryStorage();
  const repo = await Repository.create(storage, { specVersion: 1 });
  const c1 = await commit(repo, "main", "c1", [
    ["zarr.json", group()],
    ["a/zarr.json", array()],
    ["a/c/0/0", chunk(1)],
  ]);
  await repo.createBranch("feature", c1);
  await commit(repo, "feature", "f1", [["a/c/0/1", chunk(2)]]);
  await repo.createTag("v1", c1);
  const c2 = await commit(repo, "main", "c2", [["a/c/0/0", chunk(3)]]);
  await repo.createTag("v2", c2);
  await repo.createTag("gone", c2);
  await repo.deleteTag("gone");
  return { storage, refs: await refMap(repo) };
}

const backends: Array<[string, () => Promise<Storage>]> = [
  ["memory", async () => inMemoryStorage()],
  [
    "fs",
    async () => {
      const { dir, cleanup } = await makeTempDir("icechunk-migrate-faults-");
      cleanups.push(cleanup);
      return localFilesystemStorage(dir);
    },
  ],
];

it("every fault at every storage call of an upgrade leaves a repository that opens with every ref; a re-run completes", async () => {
  const { storage: source, refs } = await template();
  const oracle = await loadOracle();
  // how many storage calls a clean upgrade makes
  const probe = inMemoryStorage();
  await copyStorage(source, probe);
  const counter = faultyStorage(probe);
  await upgradeRepository(await Repository.open(counter));
  const total = counter.calls;
  expect(total).toBeGreaterThan(10);
  let cases = 0;
  const outcomes: Record<string, number> = {};
  for (const [name, make] of backends) {
    for (const { mode, at } of faultCases(counter.trace)) {
      const inner = await make();
      await copyStorage(source, inner);
      const controller = new AbortController();
      const faulty = faultyStorage(inner, { at, mode, onHang: () => controller.abort() });
      const label = `${name} ${mode} at call ${at}/${total}`;
      let before: Repository | undefined; // the spec-1 instance the upgrade started from
      const result = await Repository.open(faulty, { signal: controller.signal })
        .then((repo) => {
          before = repo;
          return upgradeRepository(repo, { signal: controller.signal });
        })
        .then(
          () => "completed",
          (e: unknown) => {
            const kind = isIcechunkError(e) ? e.kind : String(e);
            expect(["storage", "aborted", "migration-failed"], `${label}: ${e}`).toContain(kind);
            return kind;
          },
        );
      outcomes[result] = (outcomes[result] ?? 0) + 1;
      // the repository opens, as spec 1 or spec 2, with every ref and every reachable object
      const after = await checkConsistent(inner);
      expect(after.refs, label).toEqual(refs);
      // a re-run completes the upgrade, from a fresh instance or (every other case) the old one
      const rerun = at % 2 === 0 && before ? before : await Repository.open(inner);
      const done = await upgradeRepository(rerun).catch(async (e: unknown) => {
        // the fault hit the very last call (config.yaml) of an otherwise finished upgrade
        if (isIcechunkError(e, "spec-version-required") && result !== "completed")
          return Repository.open(inner);
        throw new Error(`${label}: the re-run failed: ${e}`);
      });
      expect(done.specVersion, label).toBe(2);
      expect(await refMap(done), label).toEqual(refs);
      const leftovers: string[] = [];
      for await (const e of inner.list("refs")) leftovers.push(e.key);
      expect(leftovers, label).toEqual([]);
      expect(await inner.get("config.yaml"), label).toBeUndefined();
      const theirs = await oracle.Repository.open(await oracleStorage(inner));
      expect(theirs.specVersion, label).toBe(2);
      expect((await theirs.listBranches()).sort(), label).toEqual(Object.keys(refs.branches));
      cases += 1;
    }
  }
  console.log(
    `migration fault injection: ${cases} cases (${total} storage calls: fail, hang and, for writes, lost response; ${backends.length} storages), outcomes ${JSON.stringify(outcomes)}`,
  );
  expect(cases).toBe(faultCases(counter.trace).length * backends.length);
});
