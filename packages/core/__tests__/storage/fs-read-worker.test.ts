/**
 * @module __tests__/storage/fs-read-worker.test
 * Bursts of chunk reads on the filesystem backend go to the shared read worker: same bytes, same
 * missing/directory/symlink answers and abort behaviour as the thread-pool path, and a fallback to
 * the thread pool when the worker is gone.
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { makeTempDir } from "../../../../test/support/tmp.js";
import { isIcechunkError } from "../../src/errors.js";
import { localFilesystemStorage } from "../../src/storage/fs.js";
import { ReadWorker, sharedReadWorker, WorkerReadError } from "../../src/storage/fs-read-worker.js";
import type { Storage } from "../../src/storage/types.js";

async function withTmp(fn: (dir: string) => Promise<void>): Promise<void> {
  const tmp = await makeTempDir("icechunk-fs-worker-");
  try {
    await fn(tmp.dir);
  } finally {
    await tmp.cleanup();
  }
}

/** Bytes as hex (cheap to compare; vitest compares typed arrays element by element). */
const hex = (b: Uint8Array | undefined) =>
  b === undefined ? undefined : Buffer.from(b).toString("hex");

const bounded = (s: Storage, key: string, offset: number, length: number, signal?: AbortSignal) =>
  s.get(key, { range: { offset, length }, needVersion: false, ...(signal ? { signal } : {}) });

/** Writes `n` chunk files of random sizes (0..9000 bytes); returns their contents by key. */
async function writeChunks(s: Storage, n: number): Promise<Map<string, Uint8Array>> {
  const files = new Map<string, Uint8Array>();
  for (let i = 0; i < n; i++) {
    const data = new Uint8Array(randomBytes((i * 7919) % 9001));
    files.set(`chunks/c${i}`, data);
    await s.put(`chunks/c${i}`, data, { unpublishedKey: true });
  }
  return files;
}

describe("the filesystem read worker", () => {
  it("answers a burst of bounded reads with the bytes a lone read returns", () =>
    withTmp(async (dir) => {
      const s = localFilesystemStorage(dir);
      const files = await writeChunks(s, 300);
      await mkdir(join(dir, "chunks/adir"));
      const requests: Array<[string, number, number]> = [];
      for (const [key, data] of files) {
        requests.push([key, 0, data.length]);
        requests.push([key, Math.floor(data.length / 3), 1000]); // may run past the end
      }
      requests.push(["chunks/missing", 0, 10], ["nodir/missing", 0, 10], ["chunks/adir", 0, 10]);
      const one = [];
      for (const [key, offset, length] of requests) one.push(await bounded(s, key, offset, length));
      const before = sharedReadWorker().answered;
      const burst = await Promise.all(requests.map(([k, o, l]) => bounded(s, k, o, l)));
      expect(sharedReadWorker().answered - before).toBeGreaterThan(requests.length - 10);
      expect(burst.map((r) => r && { ...r, data: hex(r.data) })).toEqual(
        one.map((r) => r && { ...r, data: hex(r.data) }),
      );
      for (const [i, [key, offset, length]] of requests.entries()) {
        const data = files.get(key);
        expect(hex(burst[i]?.data)).toBe(hex(data?.subarray(offset, offset + length)));
      }
    }));

  it("answers a burst of multi-megabyte reads (split into several messages) correctly", () =>
    withTmp(async (dir) => {
      const s = localFilesystemStorage(dir);
      const big = Array.from({ length: 12 }, (_, i) => {
        const b = new Uint8Array(3 * 1024 * 1024 + i);
        b.fill(i + 1);
        b[b.length - 1] = 200;
        return b;
      });
      for (const [i, b] of big.entries())
        await s.put(`chunks/big${i}`, b, { unpublishedKey: true });
      const before = sharedReadWorker().answered;
      const got = await Promise.all(big.map((b, i) => bounded(s, `chunks/big${i}`, 0, b.length)));
      expect(sharedReadWorker().answered - before).toBeGreaterThanOrEqual(8);
      for (const [i, r] of got.entries()) {
        expect(r?.data.length).toBe(big[i]!.length);
        expect(r?.data[0]).toBe(i + 1);
        expect(r?.data[big[i]!.length - 1]).toBe(200);
        expect(Buffer.compare(Buffer.from(r!.data), Buffer.from(big[i]!))).toBe(0);
      }
    }));

  it("reads a FIFO in a burst as missing instead of hanging the worker", () =>
    withTmp(async (dir) => {
      const s = localFilesystemStorage(dir);
      const files = await writeChunks(s, 16);
      execFileSync("mkfifo", [join(dir, "chunks/fifo")]);
      const keys = [...files.keys(), "chunks/fifo"];
      const got = await Promise.all(keys.map((k) => bounded(s, k, 0, 10_000)));
      expect(got.at(-1)).toBeUndefined();
      expect(got.slice(0, -1).map((r) => hex(r?.data))).toEqual([...files.values()].map(hex));
      const again = await Promise.all([...files.keys()].map((k) => bounded(s, k, 0, 10_000)));
      expect(again.map((r) => hex(r?.data))).toEqual([...files.values()].map(hex));
    }));

  it("a burst sharing one signal adds one abort listener, not one per read", () =>
    withTmp(async (dir) => {
      const s = localFilesystemStorage(dir);
      const files = await writeChunks(s, 60);
      const warnings: string[] = [];
      const onWarning = (w: Error) => warnings.push(w.name);
      process.on("warning", onWarning);
      try {
        const signal = new AbortController().signal;
        await Promise.all([...files.keys()].map((k) => bounded(s, k, 0, 10_000, signal)));
        await new Promise((r) => setImmediate(r));
      } finally {
        process.off("warning", onWarning);
      }
      expect(warnings).not.toContain("MaxListenersExceededWarning");
    }));

  it("keeps the root's symlink rules in a burst", () =>
    withTmp(async (dir) => {
      const root = join(dir, "root");
      const s = localFilesystemStorage(root);
      const files = await writeChunks(s, 20);
      await writeFile(join(dir, "secret"), "outside");
      await symlink(join(root, "chunks/c3"), join(root, "chunks/link-in"));
      await symlink(join(dir, "secret"), join(root, "chunks/link-out"));
      const before = sharedReadWorker().answered;
      const got = await Promise.all(
        [...files.keys(), "chunks/link-in", "chunks/link-out"].map((k) =>
          bounded(s, k, 0, 100_000).then(
            (r) => r?.data,
            (e: unknown) => e,
          ),
        ),
      );
      expect(sharedReadWorker().answered).toBeGreaterThan(before);
      expect(hex(got[20] as Uint8Array)).toBe(hex(files.get("chunks/c3")));
      expect(isIcechunkError(got[21], "invalid-key")).toBe(true);
    }));

  it("rejects reads whose signal aborts while they wait for the worker", () =>
    withTmp(async (dir) => {
      const s = localFilesystemStorage(dir);
      const files = await writeChunks(s, 50);
      const controller = new AbortController();
      const reads = [...files.keys()].map((k) =>
        bounded(s, k, 0, 10_000, controller.signal).then(
          () => "read",
          (e: unknown) => e,
        ),
      );
      controller.abort();
      const outcomes = await Promise.all(reads);
      expect(outcomes.every((o) => isIcechunkError(o, "aborted"))).toBe(true);
      // the storage still works afterwards
      const again = await Promise.all([...files.keys()].map((k) => bounded(s, k, 0, 10_000)));
      expect(again.map((r) => hex(r?.data))).toEqual([...files.values()].map(hex));
    }));

  it("readWorker: false keeps every read on the thread pool", () =>
    withTmp(async (dir) => {
      const s = localFilesystemStorage(dir, { readWorker: false });
      const files = await writeChunks(s, 40);
      const before = sharedReadWorker().answered;
      const got = await Promise.all([...files.keys()].map((k) => bounded(s, k, 0, 10_000)));
      expect(got.map((r) => hex(r?.data))).toEqual([...files.values()].map(hex));
      expect(sharedReadWorker().answered).toBe(before);
    }));

  it("a closed worker fails its waiting reads with EWORKER; storage reads then use the thread pool", () =>
    withTmp(async (dir) => {
      const s = localFilesystemStorage(dir);
      const files = await writeChunks(s, 40);
      const own = new ReadWorker();
      const paths = [...files.keys()].map((k) => join(dir, k));
      const first = await own.read(paths[0]!, 0, 10_000);
      expect(hex(first)).toBe(hex(files.get("chunks/c0")));
      const pending = paths.map((p) =>
        own.read(p, 0, 10_000).then(
          () => "read",
          (e: unknown) => e,
        ),
      );
      await own.close();
      const outcomes = await Promise.all(pending);
      expect(outcomes.every((o) => o instanceof WorkerReadError && o.code === "EWORKER")).toBe(
        true,
      );
      expect(own.usable).toBe(false);

      const shared = sharedReadWorker();
      await shared.close();
      const got = await Promise.all([...files.keys()].map((k) => bounded(s, k, 0, 10_000)));
      expect(got.map((r) => hex(r?.data))).toEqual([...files.values()].map(hex));
    }));
});
