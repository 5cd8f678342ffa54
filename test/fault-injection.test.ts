/**
 * Fault injection over every repository operation (commit, amend, flush, branch and tag create /
 * delete / reset, expire + GC; the upgrade has its own file, migrate-faults): for every storage
 * call N the operation makes, call N fails, hangs until the caller aborts, or (writes) loses its
 * response after landing. Afterwards the repository is consistent (it opens, every ref resolves,
 * every reachable snapshot, manifest and chunk exists), the refs the operation does not touch are
 * unchanged, and a retry of the operation succeeds.
 */
import { inMemoryStorage, isIcechunkError, Repository, type Storage } from "@icechunk-ts/core";
import { describe, expect, it } from "vitest";
import { checkConsistent, copyStorage, type RefMap } from "./support/consistency.js";
import { faultCases, faultyStorage } from "./support/faulty-storage.js";
import { array, chunk, commit, group } from "./support/ops-history.js";

interface Operation {
  name: string;
  /** Spec versions it exists in (default both). */
  specs?: Array<1 | 2>;
  /** Branches and tags the operation may change. */
  touches: string[];
  run(repo: Repository, signal: AbortSignal): Promise<unknown>;
  /** True when a run already had its effect (a retry would then be refused, e.g. "exists"). */
  done?(repo: Repository): Promise<boolean>;
}

async function edit(repo: Repository, signal: AbortSignal, v: number) {
  const s = await repo.writableSession("main", { signal });
  await s.store.set("a/c/0/0", chunk(v), { signal });
  await s.store.set("a/c/1/1", chunk(v + 1), { signal });
  return s;
}

const has = async (names: Promise<string[]>, name: string) => (await names).includes(name);

const OPERATIONS: Operation[] = [
  {
    name: "commit",
    touches: ["branch main"],
    run: async (repo, signal) => (await edit(repo, signal, 20)).commit("c", { signal }),
  },
  {
    name: "amend",
    specs: [2],
    touches: ["branch main"],
    run: async (repo, signal) => (await edit(repo, signal, 30)).amend("amended", { signal }),
  },
  {
    name: "flush",
    touches: [],
    run: async (repo, signal) => (await edit(repo, signal, 40)).flush("flushed", { signal }),
  },
  {
    name: "createBranch",
    touches: ["branch new"],
    run: async (repo, signal) =>
      repo.createBranch("new", await repo.lookupBranch("main", { signal }), { signal }),
    done: (repo) => has(repo.listBranches(), "new"),
  },
  {
    name: "deleteBranch",
    touches: ["branch dev"],
    run: (repo, signal) => repo.deleteBranch("dev", { signal }),
    done: async (repo) => !(await has(repo.listBranches(), "dev")),
  },
  {
    name: "resetBranch",
    touches: ["branch dev"],
    run: async (repo, signal) =>
      repo.resetBranch("dev", await repo.lookupBranch("main", { signal }), { signal }),
  },
  {
    name: "createTag",
    touches: ["tag t2"],
    run: async (repo, signal) =>
      repo.createTag("t2", await repo.lookupBranch("main", { signal }), { signal }),
    done: (repo) => has(repo.listTags(), "t2"),
  },
  {
    name: "deleteTag",
    touches: ["tag v1"],
    run: (repo, signal) => repo.deleteTag("v1", { signal }),
    done: async (repo) => !(await has(repo.listTags(), "v1")),
  },
  {
    name: "expire + gc",
    touches: [],
    run: async (repo, signal) => {
      await repo.expireSnapshots(new Date(), { signal });
      return repo.garbageCollect(new Date(Date.now() + 60_000), { signal });
    },
  },
];

/** main: c1 → c2 → c3, dev at c1, tag v1 at c2. */
async function template(specVersion: 1 | 2): Promise<Storage> {
  const storage = inMemoryStorage();
  const repo = await Repository.create(storage, { specVersion });
  const c1 = await commit(repo, "main", "c1", [
    ["zarr.json", group()],
    ["a/zarr.json", array()],
    ["a/c/0/0", chunk(1)],
    ["a/c/1/1", chunk(2)],
  ]);
  await repo.createBranch("dev", c1);
  const c2 = await commit(repo, "main", "c2", [["a/c/0/0", chunk(3)]]);
  await repo.createTag("v1", c2);
  await commit(repo, "main", "c3", [["a/c/0/1", chunk(4)]]);
  return storage;
}

const untouched = (refs: RefMap, touches: string[]) => {
  const out: Record<string, string> = {};
  for (const [b, id] of Object.entries(refs.branches))
    if (!touches.includes(`branch ${b}`)) out[`branch ${b}`] = id;
  for (const [t, id] of Object.entries(refs.tags))
    if (!touches.includes(`tag ${t}`)) out[`tag ${t}`] = id;
  return out;
};

let totalCases = 0;

describe.each([2, 1] as const)("spec %i", (specVersion) => {
  it.each(
    OPERATIONS.filter((op) => op.specs?.includes(specVersion) ?? true).map(
      (op) => [op.name, op] as const,
    ),
  )(
    "%s: every fault at every storage call leaves a consistent repository; a retry succeeds",
    async (_name, op) => {
      const source = await template(specVersion);
      const before = await checkConsistent(source);
      const probe = inMemoryStorage();
      await copyStorage(source, probe);
      const counter = faultyStorage(probe);
      await op.run(await Repository.open(counter), new AbortController().signal);
      const cases = faultCases(counter.trace);
      expect(cases.length).toBeGreaterThan(3);
      for (const { mode, at } of cases) {
        const label = `${op.name} ${mode} at call ${at}/${counter.trace.length}`;
        const inner = inMemoryStorage();
        await copyStorage(source, inner);
        const controller = new AbortController();
        const faulty = faultyStorage(inner, { at, mode, onHang: () => controller.abort() });
        await Repository.open(faulty, { signal: controller.signal })
          .then((repo) => op.run(repo, controller.signal))
          .then(
            () => undefined,
            (e: unknown) => {
              // the fault surfaces as a typed error (or was absorbed by a retry)
              const kind = isIcechunkError(e) ? e.kind : String(e);
              expect(["storage", "aborted"], `${label}: ${e}`).toContain(kind);
            },
          );
        const after = await checkConsistent(inner).catch((e: unknown) => {
          throw new Error(`${label}: ${e}`);
        });
        expect(untouched(after.refs, op.touches), label).toEqual(
          untouched(before.refs, op.touches),
        );
        const repo = await Repository.open(inner);
        if (!(await op.done?.(repo))) await op.run(repo, new AbortController().signal);
        if (op.done) expect(await op.done(await Repository.open(inner)), label).toBe(true);
        await checkConsistent(inner);
      }
      totalCases += cases.length;
    },
  );
});

it("prints the number of fault cases", () => {
  console.log(
    `repository fault injection: ${totalCases} cases over ${OPERATIONS.length} operations, spec 2 and spec 1`,
  );
  expect(totalCases).toBeGreaterThan(0);
});
