/**
 * Damaged repositories fail with typed errors that say what to do — never a hang, a crash or an
 * unbounded allocation: truncated and bit-flipped metadata files, wrong magic, wrong file type,
 * random bytes, garbage ref files, a missing manifest, a chunk file cut short.
 */
import { readdir, readFile, truncate, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { IcechunkError, Repository } from "@icechunk-ts/core";
import { localFilesystemStorage } from "@icechunk-ts/core/fs";
import { afterAll, describe, expect, it } from "vitest";
import { copyFixture } from "./support/tmp.js";

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of cleanups) await c();
});

/** Opens the repo and reads everything on main; returns the error thrown (or undefined). */
async function readAll(dir: string): Promise<unknown> {
  try {
    const repo = await Repository.open(localFilesystemStorage(dir));
    await repo.listBranches();
    await repo.ancestry({ branch: "main" });
    const s = await repo.readonlySession({ branch: "main" });
    for (const key of await s.store.list()) {
      try {
        await s.store.get(key);
      } catch (e) {
        // virtual chunks of the fixture point at an unreachable server: not what we test here
        if (
          (e as IcechunkError).kind?.startsWith("virtual-chunk") ||
          (e as IcechunkError).kind === "unauthorized-virtual-chunk-container"
        )
          continue;
        throw e;
      }
    }
    return undefined;
  } catch (e) {
    return e;
  }
}

async function fixture(name = "test-repo-v2") {
  const f = await copyFixture(name);
  cleanups.push(f.cleanup);
  return f.dir;
}

function expectTyped(err: unknown, ...kinds: string[]) {
  expect(err, "expected a failure").toBeInstanceOf(IcechunkError);
  if (kinds.length) expect(kinds).toContain((err as IcechunkError).kind);
  expect((err as Error).message.length).toBeGreaterThan(30);
}

describe("corrupt repositories", () => {
  it("the untouched fixture reads fine (control)", async () => {
    expect(await readAll(await fixture())).toBeUndefined();
  });

  for (const [what, mutate] of [
    ["truncated to 20 bytes", (b: Buffer) => b.subarray(0, 20)],
    ["truncated in the zstd frame", (b: Buffer) => b.subarray(0, Math.floor(b.length * 0.6))],
    ["wrong magic", (b: Buffer) => Buffer.concat([Buffer.from("NOTICECHUNK!"), b.subarray(12)])],
    [
      "unsupported spec version",
      (b: Buffer) => {
        const c = Buffer.from(b);
        c[36] = 9;
        return c;
      },
    ],
    [
      "wrong file type",
      (b: Buffer) => {
        const c = Buffer.from(b);
        c[37] = 2;
        return c;
      },
    ],
    [
      "no compression byte",
      (b: Buffer) => {
        const c = Buffer.from(b);
        c[38] = 0;
        return c;
      },
    ],
    [
      "random payload",
      (b: Buffer) =>
        Buffer.concat([
          b.subarray(0, 39),
          Buffer.from(Array.from({ length: 500 }, (_, i) => (i * 97 + 13) % 256)),
        ]),
    ],
  ] as const) {
    it(`repo object ${what}`, async () => {
      const dir = await fixture();
      await writeFile(join(dir, "repo"), mutate(await readFile(join(dir, "repo"))));
      const err = await readAll(dir);
      if (
        what === "wrong magic" ||
        what === "truncated to 20 bytes" ||
        what === "random payload" ||
        what === "truncated in the zstd frame"
      )
        expectTyped(err, "corrupt-object", "compression");
      else if (what === "unsupported spec version") expectTyped(err, "unsupported-spec-version");
      else if (what === "wrong file type") expectTyped(err, "file-type-mismatch");
      else expectTyped(err, "corrupt-object");
    });

    it(`snapshot ${what}`, async () => {
      const dir = await fixture();
      const repo = await Repository.open(localFilesystemStorage(dir));
      const tip = await repo.lookupBranch("main");
      const path = join(dir, "snapshots", tip);
      await writeFile(path, mutate(await readFile(path)));
      expectTyped(await readAll(dir));
    });
  }

  it("bit flips anywhere in every manifest fail cleanly or read (never crash)", async () => {
    const dir = await fixture("split-repo-v2");
    const manifests = await readdir(join(dir, "manifests"));
    let failures = 0;
    for (const [i, name] of manifests.slice(0, 8).entries()) {
      const path = join(dir, "manifests", name);
      const original = await readFile(path);
      for (let k = 0; k < 8; k++) {
        const damaged = Buffer.from(original);
        const at = 39 + ((i * 131 + k * 977) % (damaged.length - 39));
        damaged[at] = damaged[at]! ^ (1 << (k % 8));
        await writeFile(path, damaged);
        const err = await readAll(dir);
        if (err !== undefined) {
          expectTyped(err);
          failures++;
        }
      }
      await writeFile(path, original);
    }
    expect(failures).toBeGreaterThan(0);
  });

  it("a garbage spec-1 ref file", async () => {
    const dir = await fixture("test-repo-v1");
    await writeFile(join(dir, "refs", "branch.main", "ref.json"), "{not json");
    expectTyped(await readAll(dir), "corrupt-object");
  });

  it("a missing manifest", async () => {
    const dir = await fixture("split-repo-v2");
    const names = await readdir(join(dir, "manifests"));
    for (const n of names) await writeFile(join(dir, "manifests", n), "");
    expectTyped(await readAll(dir));
  });

  it("a chunk file cut short", async () => {
    const dir = await fixture("split-repo-v2");
    for (const n of await readdir(join(dir, "chunks"))) await truncate(join(dir, "chunks", n), 1);
    expectTyped(await readAll(dir), "corrupt-object");
  });

  it("no repository at all", async () => {
    const dir = await fixture();
    expectTyped(await readAll(join(dir, "nothing-here")), "repository-not-found");
  });
});
