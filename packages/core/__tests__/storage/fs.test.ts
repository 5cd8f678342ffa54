/** @module __tests__/storage/fs.test */
import { mkdir, readdir, readFile, symlink, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { makeTempDir } from "../../../../test/support/tmp.js";
import { isIcechunkError } from "../../src/errors.js";
import { localFilesystemStorage } from "../../src/storage/fs.js";
import { describeStorageConformance, listKeys } from "./conformance.js";

describeStorageConformance("local filesystem", async () => {
  const tmp = await makeTempDir("icechunk-fs-");
  return { storage: localFilesystemStorage(join(tmp.dir, "repo")), cleanup: tmp.cleanup };
});

const bytes = (s: string) => new TextEncoder().encode(s);
const invalid = (e: unknown) => isIcechunkError(e, "invalid-key");

describe("localFilesystemStorage specifics", () => {
  it("uses the Rust layout: key a/b/c is the file <root>/a/b/c, no leftovers", async () => {
    const tmp = await makeTempDir();
    try {
      const s = localFilesystemStorage(tmp.dir);
      await s.put("refs/branch.main/ref.json", bytes("{}"));
      await s.put("repo", bytes("r"), { condition: { ifNoneMatch: "*" } });
      const v = await s.get("repo");
      await s.put("repo", bytes("r2"), { condition: { ifMatch: v!.version } });
      expect(await readFile(join(tmp.dir, "refs/branch.main/ref.json"), "utf8")).toBe("{}");
      expect(await readFile(join(tmp.dir, "repo"), "utf8")).toBe("r2");
      expect((await readdir(tmp.dir)).sort()).toEqual(["refs", "repo"]);
      expect(s.description).toBe(`file://${tmp.dir}`);
    } finally {
      await tmp.cleanup();
    }
  });

  it("rejects keys that could escape the root", async () => {
    const tmp = await makeTempDir();
    try {
      const s = localFilesystemStorage(join(tmp.dir, "root"));
      for (const key of [
        "../x",
        "a/../../x",
        ".",
        "a/./b",
        "/etc/passwd",
        "a//b",
        "a\\b",
        "a\0b",
        "",
        "x.lock",
      ]) {
        await expect(s.put(key, bytes("x")), key).rejects.toSatisfy(invalid);
        await expect(s.get(key), key).rejects.toSatisfy(invalid);
      }
    } finally {
      await tmp.cleanup();
    }
  });

  it("refuses symlinks that lead outside the root but follows ones inside", async () => {
    const tmp = await makeTempDir();
    try {
      const root = join(tmp.dir, "root");
      const outside = join(tmp.dir, "outside");
      await mkdir(join(root, "inner"), { recursive: true });
      await mkdir(outside);
      await writeFile(join(outside, "secret"), "s3cret");
      await writeFile(join(root, "inner", "ok"), "fine");
      await symlink(outside, join(root, "escape"));
      await symlink(join(root, "inner"), join(root, "alias"));
      const s = localFilesystemStorage(root);
      await expect(s.get("escape/secret")).rejects.toSatisfy(invalid);
      await expect(s.put("escape/new", bytes("x"))).rejects.toSatisfy(invalid);
      expect(await readdir(outside)).toEqual(["secret"]);
      expect(new TextDecoder().decode((await s.get("alias/ok"))?.data)).toBe("fine");
      const all = await listKeys(s, "");
      expect(all).toContain("inner/ok");
      expect(all.some((k) => k.startsWith("escape"))).toBe(false);
    } finally {
      await tmp.cleanup();
    }
  });

  it("skips temp and lock files when listing", async () => {
    const tmp = await makeTempDir();
    try {
      const s = localFilesystemStorage(tmp.dir);
      await s.put("refs/a", bytes("a"));
      await writeFile(join(tmp.dir, "refs", "a.lock"), "1");
      await writeFile(join(tmp.dir, "refs", ".a.0123.icechunk-tmp"), "partial");
      expect(await listKeys(s, "refs")).toEqual(["a"]);
    } finally {
      await tmp.cleanup();
    }
  });

  it("breaks a stale lock but waits for a fresh one", async () => {
    const tmp = await makeTempDir();
    try {
      const s = localFilesystemStorage(tmp.dir, { lockStaleMs: 60_000, lockTimeoutMs: 300 });
      const w = await s.put("repo", bytes("1"));
      if (w.kind !== "written") throw new Error("setup");
      const lock = join(tmp.dir, "repo.lock");
      await writeFile(lock, "999999\n");
      await expect(
        s.put("repo", bytes("2"), { condition: { ifMatch: w.version } }),
      ).rejects.toSatisfy((e) => isIcechunkError(e, "storage"));
      const old = new Date(Date.now() - 3_600_000);
      await utimes(lock, old, old);
      const r = await s.put("repo", bytes("2"), { condition: { ifMatch: w.version } });
      expect(r.kind).toBe("written");
      expect(await readdir(tmp.dir)).toEqual(["repo"]);
    } finally {
      await tmp.cleanup();
    }
  });

  it("gives every rewrite of a key a new etag, even in quick succession", async () => {
    const tmp = await makeTempDir();
    try {
      const s = localFilesystemStorage(tmp.dir);
      const seen = new Set<string>();
      for (let i = 0; i < 50; i++) {
        const r = await s.put("k", bytes("same"));
        if (r.kind !== "written") throw new Error("unexpected");
        seen.add(r.version.etag!);
      }
      expect(seen.size).toBe(50);
    } finally {
      await tmp.cleanup();
    }
  });
});
