/**
 * Storage behaviour of `s3Storage` against the real S3 test server (Ceph RGW).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { isIcechunkError } from "../packages/core/src/index.js";
import { type S3Storage, s3Storage } from "../packages/s3/src/index.js";
import { s3TestConfig } from "./support/s3-server.js";

const s3 = await s3TestConfig({ name: "storage" });
const bytes = (text: string) => new TextEncoder().encode(text);
const text = (data: Uint8Array) => new TextDecoder().decode(data);

describe.skipIf(!s3)("s3Storage on the S3 test server", () => {
  let storage: S3Storage;
  beforeAll(() => {
    storage = s3Storage(s3!.options({ prefix: "repo-a/" }));
  });

  it("stores objects under <prefix>/<key> and reads them back whole and in ranges", async () => {
    const put = await storage.put("chunks/abc", bytes("0123456789"));
    expect(put.kind).toBe("written");
    const got = await storage.get("chunks/abc");
    expect(text(got!.data)).toBe("0123456789");
    expect(got!.version.etag).toMatch(/^[0-9a-f]{32}$/); // unquoted
    if (put.kind === "written") expect(put.version.etag).toBe(got!.version.etag);
    expect(text((await storage.get("chunks/abc", { range: { offset: 2, length: 3 } }))!.data)).toBe(
      "234",
    );
    expect(text((await storage.get("chunks/abc", { range: { offset: 7 } }))!.data)).toBe("789");
    expect(text((await storage.get("chunks/abc", { range: { suffixLength: 4 } }))!.data)).toBe(
      "6789",
    );
    expect(
      (await storage.get("chunks/abc", { range: { offset: 3, length: 0 } }))!.data.length,
    ).toBe(0);
    const raw = s3!.client;
    const { HeadObjectCommand } = await import("../packages/s3/__tests__/support/sdk.js");
    const head = await raw.send(
      new HeadObjectCommand({ Bucket: s3!.bucket, Key: "repo-a/chunks/abc" }),
    );
    expect(head.ContentLength).toBe(10);
  });

  it("answers undefined for missing objects", async () => {
    expect(await storage.get("nope/missing")).toBeUndefined();
    expect(await storage.get("nope/missing", { range: { suffixLength: 3 } })).toBeUndefined();
    expect(await storage.lastModified("nope/missing")).toBeUndefined();
    expect(await storage.getIfModified("nope/missing", { etag: "x" })).toBeUndefined();
  });

  it("create-if-absent and if-match conditions", async () => {
    const first = await storage.put("repo", bytes("v1"), { condition: { ifNoneMatch: "*" } });
    expect(first.kind).toBe("written");
    const again = await storage.put("repo", bytes("v1b"), { condition: { ifNoneMatch: "*" } });
    expect(again).toEqual({ kind: "version-mismatch" });
    if (first.kind !== "written") throw new Error("unreachable");
    const second = await storage.put("repo", bytes("v2"), {
      condition: { ifMatch: first.version },
    });
    expect(second.kind).toBe("written");
    const stale = await storage.put("repo", bytes("v3"), { condition: { ifMatch: first.version } });
    expect(stale).toEqual({ kind: "version-mismatch" });
    // A quoted ETag from a caller is unquoted before it is sent (Ceph rejects the quoted form).
    if (second.kind !== "written") throw new Error("unreachable");
    const quoted = await storage.put("repo", bytes("v4"), {
      condition: { ifMatch: { etag: `"${second.version.etag}"` } },
    });
    expect(quoted.kind).toBe("written");
    expect(text((await storage.get("repo"))!.data)).toBe("v4");
    const missing = await storage.put("nope/x", bytes("x"), {
      condition: { ifMatch: { etag: "abc" } },
    });
    expect(missing).toEqual({ kind: "version-mismatch" });
  });

  it("getIfModified answers not-modified for the current etag", async () => {
    const put = await storage.put("config.yaml", bytes("a: 1"));
    if (put.kind !== "written") throw new Error("unreachable");
    expect(await storage.getIfModified("config.yaml", put.version)).toBe("not-modified");
    expect(await storage.getIfModified("config.yaml", { etag: `"${put.version.etag}"` })).toBe(
      "not-modified",
    );
    const changed = await storage.getIfModified("config.yaml", { etag: "0".repeat(32) });
    expect(changed).not.toBe("not-modified");
    expect(text((changed as { data: Uint8Array }).data)).toBe("a: 1");
  });

  it("copies, conditionally on the source etag", async () => {
    const put = await storage.put("src/one", bytes("one"));
    if (put.kind !== "written") throw new Error("unreachable");
    expect((await storage.copy("src/one", "dst/one")).kind).toBe("written");
    expect(text((await storage.get("dst/one"))!.data)).toBe("one");
    expect((await storage.copy("src/one", "dst/two", { ifMatch: put.version })).kind).toBe(
      "written",
    );
    const wrong = await storage.copy("src/one", "dst/three", { ifMatch: { etag: "0".repeat(32) } });
    expect(wrong).toEqual({ kind: "version-mismatch" });
    expect(await storage.get("dst/three")).toBeUndefined();
  });

  it("lists relative keys under a prefix segment, paginating past 1000, and deletes in batches", async () => {
    const keys = Array.from({ length: 1105 }, (_, i) => `many/k${String(i).padStart(5, "0")}`);
    for (let i = 0; i < keys.length; i += 50) {
      await Promise.all(keys.slice(i, i + 50).map((key) => storage.put(key, bytes("x"))));
    }
    await storage.put("many-not/k", bytes("x"));
    const listed: string[] = [];
    for await (const entry of storage.list("many")) {
      listed.push(entry.key);
      expect(entry.size).toBe(1);
      expect(entry.lastModified).toBeInstanceOf(Date);
    }
    expect(listed.sort()).toEqual(keys.map((k) => k.slice("many/".length)));
    const result = await storage.delete([...keys, "many/not-there"]);
    expect(result.deletedObjects).toBeGreaterThanOrEqual(keys.length);
    const after: string[] = [];
    for await (const entry of storage.list("many")) after.push(entry.key);
    expect(after).toEqual([]);
    const all: string[] = [];
    for await (const entry of storage.list("")) all.push(entry.key);
    expect(all).toContain("many-not/k");
    expect(all).toContain("repo");
  });

  it("reports lastModified close to now", async () => {
    await storage.put("snapshots/s1", bytes("s"));
    const at = await storage.lastModified("snapshots/s1");
    expect(Math.abs(at!.getTime() - Date.now())).toBeLessThan(600_000);
  });

  it("20 concurrent create-if-absent writers: exactly one wins", async () => {
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        storage.put("race/create", bytes(`w${i}`), { condition: { ifNoneMatch: "*" } }),
      ),
    );
    expect(results.filter((r) => r.kind === "written")).toHaveLength(1);
    expect(results.filter((r) => r.kind === "version-mismatch")).toHaveLength(19);
  });

  it("20 concurrent if-match writers: exactly one wins", async () => {
    const base = await storage.put("race/update", bytes("base"));
    if (base.kind !== "written") throw new Error("unreachable");
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        storage.put("race/update", bytes(`w${i}`), { condition: { ifMatch: base.version } }),
      ),
    );
    expect(results.filter((r) => r.kind === "written")).toHaveLength(1);
  });

  it("rejects an aborted call with AbortError and bad keys with InvalidKeyError", async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(storage.get("repo", { signal: controller.signal })).rejects.toSatisfy((e) =>
      isIcechunkError(e, "aborted"),
    );
    await expect(storage.get("/abs")).rejects.toSatisfy((e) => isIcechunkError(e, "invalid-key"));
    await expect(storage.put("a//b", bytes("x"))).rejects.toSatisfy((e) =>
      isIcechunkError(e, "invalid-key"),
    );
  });

  it("fails with a StorageError carrying the status on a missing bucket", async () => {
    const other = s3Storage(
      s3!.options({ bucket: `${s3!.bucket}-missing`, retries: { maxAttempts: 1 } }),
    );
    const err = await other.put("k", bytes("x")).catch((e: unknown) => e);
    expect(isIcechunkError(err, "storage")).toBe(true);
    expect((err as { status?: number }).status).toBe(404);
    // Reads and conditional writes must not mistake a missing bucket for a missing object.
    const read = await other.get("k").catch((e: unknown) => e);
    expect(isIcechunkError(read, "storage")).toBe(true);
    const conditional = await other
      .put("k", bytes("x"), { condition: { ifMatch: { etag: "abc" } } })
      .catch((e: unknown) => e);
    expect(isIcechunkError(conditional, "storage")).toBe(true);
  });
});
