/**
 * @module __tests__/storage/fs-fast-paths.test
 * The filesystem backend's cheap paths for chunks: `unpublishedKey` writes in place,
 * `needVersion: false` skips the version, and bounded reads without a version skip fstat — with
 * the same results and the same symlink protection as the checked paths.
 */
import { mkdir, readdir, readFile, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { makeTempDir } from "../../../../test/support/tmp.js";
import { isIcechunkError } from "../../src/errors.js";
import { localFilesystemStorage } from "../../src/storage/fs.js";

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array | undefined) =>
  b === undefined ? undefined : new TextDecoder().decode(b);

async function withTmp(fn: (dir: string) => Promise<void>): Promise<void> {
  const tmp = await makeTempDir("icechunk-fs-fast-");
  try {
    await fn(tmp.dir);
  } finally {
    await tmp.cleanup();
  }
}

describe("filesystem storage fast paths", () => {
  it("writes an unpublished key in place (directory created, no temp file left, version when asked)", () =>
    withTmp(async (dir) => {
      const s = localFilesystemStorage(join(dir, "repo"));
      const a = await s.put("chunks/AAAA", bytes("hello"), {
        unpublishedKey: true,
        needVersion: false,
      });
      expect(a).toEqual({ kind: "written", version: {} });
      const b = await s.put("chunks/BBBB", bytes("world"), { unpublishedKey: true });
      expect(b.kind === "written" && typeof b.version.etag).toBe("string");
      expect((await readdir(join(dir, "repo/chunks"))).sort()).toEqual(["AAAA", "BBBB"]);
      expect(await readFile(join(dir, "repo/chunks/AAAA"), "utf8")).toBe("hello");
      const got = await s.get("chunks/BBBB");
      expect(got?.version.etag).toBe(b.kind === "written" ? b.version.etag : "");
    }));

  it("an existing key marked unpublished is still replaced atomically with a new version", () =>
    withTmp(async (dir) => {
      const s = localFilesystemStorage(dir);
      const first = await s.put("chunks/X", bytes("one"));
      const second = await s.put("chunks/X", bytes("two"), { unpublishedKey: true });
      expect(text((await s.get("chunks/X"))?.data)).toBe("two");
      expect(first.kind === "written" && second.kind === "written").toBe(true);
      if (first.kind === "written" && second.kind === "written")
        expect(second.version.etag).not.toBe(first.version.etag);
      expect(await readdir(join(dir, "chunks"))).toEqual(["X"]);
    }));

  it("needVersion: false on a plain put returns {} and writes the bytes", () =>
    withTmp(async (dir) => {
      const s = localFilesystemStorage(dir);
      expect(await s.put("a/b", bytes("x"), { needVersion: false })).toEqual({
        kind: "written",
        version: {},
      });
      expect(text((await s.get("a/b"))?.data)).toBe("x");
    }));

  for (const [mode, options] of [
    ["thread pool", {}],
    ["synchronous small reads", { syncReadMaxBytes: 65536 }],
  ] as const) {
    it(`bounded reads without a version: same bytes, clamped at the end, missing is undefined (${mode})`, () =>
      withTmp(async (dir) => {
        const s = localFilesystemStorage(dir, options);
        await s.put("chunks/C", bytes("0123456789"));
        const fast = (offset: number, length: number) =>
          s.get("chunks/C", { range: { offset, length }, needVersion: false });
        expect(text((await fast(2, 3))?.data)).toBe("234");
        expect((await fast(0, 3))?.version).toEqual({});
        expect(text((await fast(8, 10))?.data)).toBe("89");
        expect((await fast(20, 5))?.data.length).toBe(0);
        expect(
          await s.get("chunks/missing", { range: { offset: 0, length: 1 }, needVersion: false }),
        ).toBeUndefined();
        expect(
          await s.get("nodir/missing", { range: { offset: 0, length: 1 }, needVersion: false }),
        ).toBeUndefined();
        await mkdir(join(dir, "chunks/adir"));
        expect(
          await s.get("chunks/adir", { range: { offset: 0, length: 1 }, needVersion: false }),
        ).toBeUndefined();
      }));

    it(`bounded reads without a version follow symlinks inside the root and refuse ones leaving it (${mode})`, () =>
      withTmp(async (dir) => {
        const root = join(dir, "root");
        const s = localFilesystemStorage(root, options);
        await s.put("chunks/real", bytes("inside"));
        await writeFile(join(dir, "secret"), "outside");
        await symlink(join(root, "chunks/real"), join(root, "chunks/link-in"));
        await symlink(join(dir, "secret"), join(root, "chunks/link-out"));
        const opts = { range: { offset: 0, length: 100 }, needVersion: false } as const;
        expect(text((await s.get("chunks/link-in", opts))?.data)).toBe("inside");
        const err = await s.get("chunks/link-out", opts).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(isIcechunkError(err, "invalid-key")).toBe(true);
        // a directory symlinked out of the root is refused as well
        await mkdir(join(dir, "elsewhere"));
        await writeFile(join(dir, "elsewhere/c"), "outside");
        await symlink(join(dir, "elsewhere"), join(root, "outdir"));
        const err2 = await s.get("outdir/c", opts).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(isIcechunkError(err2, "invalid-key")).toBe(true);
      }));
  }
});
