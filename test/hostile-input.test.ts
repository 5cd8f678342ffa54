/**
 * Hostile repositories: decompression bombs stored as `repo`, a snapshot or a transaction log, a
 * config.yaml nested 10,000 levels deep, a 100 MB ref file. Each fails with a typed error, before
 * the memory is spent (bounded allocation, generous time bound).
 */
import {
  DEFAULT_OBJECT_SIZE_LIMITS,
  IcechunkError,
  inMemoryStorage,
  Repository,
  type Storage,
} from "@icechunk-ts/core";
import { describe, expect, it } from "vitest";
import { zstdBomb } from "../packages/core/__tests__/format/zstd-helpers.js";
import { FileType } from "../packages/core/src/format/constants.js";
import { writeHeader } from "../packages/core/src/format/header.js";

/** A header plus a zstd bomb of `blocks` RLE blocks of 128 KiB (4 bytes each). */
function bomb(fileType: FileType, spec: 1 | 2, blocks = 8000): Uint8Array {
  const header = writeHeader({ specVersion: spec, fileType });
  const frame = zstdBomb(blocks);
  const out = new Uint8Array(header.length + frame.length);
  out.set(header);
  out.set(frame, header.length);
  return out;
}

/** Runs `fn`, returning its error, how long it took and how much the process's memory grew. */
async function measure(fn: () => Promise<unknown>) {
  const before = process.memoryUsage();
  const t0 = performance.now();
  let error: unknown;
  try {
    await fn();
  } catch (e) {
    error = e;
  }
  const ms = performance.now() - t0;
  const after = process.memoryUsage();
  const grewMiB =
    Math.max(after.arrayBuffers - before.arrayBuffers, after.rss - before.rss, 0) / 2 ** 20;
  return { error, ms, grewMiB };
}

function expectKind(err: unknown, kind: string) {
  expect(err, "expected a typed failure").toBeInstanceOf(IcechunkError);
  expect((err as IcechunkError).kind).toBe(kind);
}

/** The storage, counting the bytes its reads return. */
function countingReads(storage: Storage): Storage & { bytesRead: number } {
  const counting = Object.create(storage, {
    get: {
      value: async (key: string, options?: Parameters<Storage["get"]>[1]) => {
        const got = await storage.get(key, options);
        counting.bytesRead += got?.data.length ?? 0;
        return got;
      },
    },
  }) as Storage & { bytesRead: number };
  counting.bytesRead = 0;
  return counting;
}

async function put(storage: Storage, key: string, data: Uint8Array) {
  await storage.put(key, data);
}

describe("decompression bombs", () => {
  it("the bomb really is one: 32 KB that claims 1 GiB", () => {
    expect(bomb(FileType.Snapshot, 2).length).toBeLessThan(33_000);
  });

  it("a bomb stored as `repo` fails in bounded time and memory, naming the object and the limit", async () => {
    const storage = inMemoryStorage();
    await Repository.create(storage);
    await put(storage, "repo", bomb(FileType.RepoInfo, 2));
    const { error, ms, grewMiB } = await measure(() => Repository.open(storage));
    expectKind(error, "object-too-large");
    expect((error as Error).message).toContain("'repo'");
    expect((error as Error).message).toContain("objectSizeLimits");
    expect(grewMiB).toBeLessThan(200);
    expect(ms).toBeLessThan(1500); // the unbounded decoder took 1.3–2.5 s and 1–2 GB
  });

  it("a bomb stored as a snapshot (spec 1 and 2) or a transaction log is refused", async () => {
    for (const spec of [1, 2] as const) {
      const storage = inMemoryStorage();
      const repo = await Repository.create(storage, { specVersion: spec });
      const s = await repo.writableSession("main");
      await s.store.set(
        "zarr.json",
        new TextEncoder().encode('{"zarr_format":3,"node_type":"group"}'),
      );
      const id = await s.commit("one");
      await put(storage, `transactions/${id}`, bomb(FileType.TransactionLog, spec));
      const tx = await measure(async () => {
        const r = await Repository.open(storage);
        const base = (await r.ancestry({ branch: "main" }))[1]!.id;
        await r.diff({ from: { snapshotId: base }, to: { branch: "main" } });
      });
      expectKind(tx.error, "object-too-large");
      expect((tx.error as Error).message).toContain(`transactions/${id}`);
      expect(tx.grewMiB).toBeLessThan(200);

      await put(storage, `snapshots/${id}`, bomb(FileType.Snapshot, spec));
      const snap = await measure(async () => {
        const r = await Repository.open(storage);
        await r.readonlySession({ snapshotId: id });
      });
      expectKind(snap.error, "object-too-large");
      expect(snap.grewMiB).toBeLessThan(200);
    }
  });

  it("a trusted huge object opens once the limit is raised", async () => {
    const storage = inMemoryStorage();
    await Repository.create(storage);
    // 40 MiB of RLE blocks: over a 16 MiB test limit, within the raised one; not valid
    // flatbuffers, so the decoded payload then fails as corrupt (the limit no longer applies)
    await put(storage, "repo", bomb(FileType.RepoInfo, 2, 320));
    const limited = await measure(() =>
      Repository.open(storage, { objectSizeLimits: { repoInfo: 16 * 2 ** 20 } }),
    );
    expectKind(limited.error, "object-too-large");
    expect((limited.error as { limit: number }).limit).toBe(16 * 2 ** 20);
    const raised = await measure(() =>
      Repository.open(storage, {
        objectSizeLimits: { repoInfo: 64 * 2 ** 20, compressionRatio: 1_000_000 },
      }),
    );
    expectKind(raised.error, "corrupt-object");
    expect(DEFAULT_OBJECT_SIZE_LIMITS.repoInfo).toBeGreaterThan(64 * 2 ** 20);
  });
});

describe("bounded small objects and nesting", () => {
  it("a config.yaml nested 10,000 levels deep is a typed error, not a RangeError", async () => {
    const storage = inMemoryStorage();
    await Repository.create(storage, { specVersion: 1 });
    const yaml = `a:\n${"- ".repeat(10_000)}x\n`; // compact nested sequences, 20 KB
    await put(storage, "config.yaml", new TextEncoder().encode(yaml));
    const { error } = await measure(() => Repository.open(storage));
    expectKind(error, "corrupt-object");
    expect((error as Error).message).toContain("nested deeper than 128");
  });

  it("a 100 MB ref.json is refused after reading at most 64 KiB of it", async () => {
    const storage = inMemoryStorage();
    await Repository.create(storage, { specVersion: 1 });
    const huge = new Uint8Array(100 * 2 ** 20).fill(0x20);
    await put(storage, "refs/branch.main/ref.json", huge);
    const counting = countingReads(storage);
    const { error } = await measure(async () => {
      const r = await Repository.open(counting);
      await r.lookupBranch("main");
    });
    expectKind(error, "object-too-large");
    expect(counting.bytesRead).toBeLessThan(1 << 20);
  });

  it("an oversized `repo` object is refused after a read bounded by the repo info limit", async () => {
    const storage = inMemoryStorage();
    await Repository.create(storage);
    const huge = new Uint8Array(20 * 2 ** 20);
    huge.set(writeHeader({ specVersion: 2, fileType: FileType.RepoInfo }));
    await put(storage, "repo", huge);
    const counting = countingReads(storage);
    const { error } = await measure(() =>
      Repository.open(counting, { objectSizeLimits: { repoInfo: 2 ** 20 } }),
    );
    expectKind(error, "object-too-large");
    expect(counting.bytesRead).toBeLessThan(3 * 2 ** 20);
  });

  it("an oversized snapshot file is refused after a read bounded by the snapshot limit", async () => {
    const storage = inMemoryStorage();
    const repo = await Repository.create(storage);
    const id = (await repo.ancestry({ branch: "main" }))[0]!.id;
    const huge = new Uint8Array(20 * 2 ** 20);
    huge.set(writeHeader({ specVersion: 2, fileType: FileType.Snapshot }));
    await put(storage, `snapshots/${id}`, huge);
    const counting = countingReads(storage);
    const r = await Repository.open(counting, { objectSizeLimits: { snapshot: 2 ** 20 } });
    const { error } = await measure(() => r.readonlySession({ snapshotId: id }));
    expectKind(error, "object-too-large");
    expect((error as Error).message).toContain("objectSizeLimits.snapshot");
    expect(counting.bytesRead).toBeLessThan(3 * 2 ** 20);
  });

  it("a serialized session that is not JSON is invalid-argument, not a SyntaxError", async () => {
    const repo = await Repository.create(inMemoryStorage());
    const { error } = await measure(() => repo.sessionFromJSON('{"format": "icechunk-ts-se'));
    expectKind(error, "invalid-argument");
  });
});
