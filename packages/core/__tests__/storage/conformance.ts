/**
 * @module __tests__/storage/conformance
 * Backend-neutral Storage conformance suite. Call `describeStorageConformance` from a test file
 * with a factory; every test gets a fresh storage. Read-only backends run the read subset and
 * receive their objects through `options.seed`.
 */
import { afterEach, describe, expect, it } from "vitest";
import { type IcechunkErrorKind, isIcechunkError } from "../../src/errors.js";
import type { ListEntry, Storage } from "../../src/storage/types.js";

/** What a conformance factory returns. */
export interface ConformanceInstance {
  storage: Storage;
  cleanup?(): Promise<void>;
}

/** Options of {@link describeStorageConformance}. */
export interface ConformanceOptions {
  /** The backend cannot write: run only the read tests, expect ReadOnlyStorageError on writes. */
  readOnly?: boolean;
  /**
   * Put objects into the storage most recently returned by `make` (required for read-only
   * backends; writable backends default to `storage.put`).
   */
  seed?(objects: Record<string, Uint8Array>): Promise<void>;
  /** Number of keys for the pagination test (default 1100, must exceed 1000 to paginate). */
  manyKeys?: number;
}

const enc = new TextEncoder();
const bytes = (s: string) => enc.encode(s);
const text = (b: Uint8Array | undefined) =>
  b === undefined ? undefined : new TextDecoder().decode(b);

/** Deterministic pseudo-random bytes. */
export function patternBytes(n: number, seed = 7): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** Collects an async iterable of list entries into sorted keys. */
export async function listKeys(storage: Storage, prefix: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of storage.list(prefix)) out.push(e.key);
  return out.sort();
}

async function listAll(storage: Storage, prefix: string): Promise<ListEntry[]> {
  const out: ListEntry[] = [];
  for await (const e of storage.list(prefix)) out.push(e);
  return out;
}

async function expectKind(p: Promise<unknown>, kind: IcechunkErrorKind): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, `expected a rejection of kind ${kind}`).toBeDefined();
  expect(isIcechunkError(err, kind), `expected kind ${kind}, got ${String(err)}`).toBe(true);
}

/**
 * Defines the conformance tests for one backend.
 * @param name describe-block name
 * @param make creates a fresh, empty storage (and an optional cleanup)
 */
export function describeStorageConformance(
  name: string,
  make: () => Promise<ConformanceInstance>,
  options: ConformanceOptions = {},
): void {
  describe(`storage conformance: ${name}`, () => {
    let cleanups: Array<() => Promise<void>> = [];
    afterEach(async () => {
      const pending = cleanups;
      cleanups = [];
      for (const c of pending) await c();
    });

    const fresh = async (objects?: Record<string, Uint8Array>): Promise<Storage> => {
      const inst = await make();
      if (inst.cleanup) cleanups.push(inst.cleanup.bind(inst));
      if (objects && Object.keys(objects).length > 0) {
        if (options.seed) await options.seed(objects);
        else for (const [k, v] of Object.entries(objects)) await inst.storage.put(k, v);
      }
      return inst.storage;
    };

    const blob = patternBytes(3000);

    describe("reads", () => {
      it("reads whole objects, bounded ranges, open ranges and suffixes", async () => {
        const s = await fresh({ "chunks/blob": blob, "nested/deep/obj": bytes("hello") });
        const whole = await s.get("chunks/blob");
        expect(whole?.data).toEqual(blob);
        expect(whole?.version.etag).toBeTypeOf("string");
        expect((await s.get("chunks/blob", { range: { offset: 100, length: 50 } }))?.data).toEqual(
          blob.slice(100, 150),
        );
        expect((await s.get("chunks/blob", { range: { offset: 2990 } }))?.data).toEqual(
          blob.slice(2990),
        );
        expect((await s.get("chunks/blob", { range: { offset: 0, length: 1 } }))?.data).toEqual(
          blob.slice(0, 1),
        );
        expect((await s.get("chunks/blob", { range: { suffixLength: 17 } }))?.data).toEqual(
          blob.slice(-17),
        );
        expect(
          (await s.get("chunks/blob", { range: { offset: 2990, length: 100 } }))?.data,
        ).toEqual(blob.slice(2990));
        expect(text((await s.get("nested/deep/obj"))?.data)).toBe("hello");
      });

      it("returns undefined for missing objects", async () => {
        const s = await fresh({ "a/b": bytes("x") });
        expect(await s.get("missing")).toBeUndefined();
        expect(await s.get("a/missing")).toBeUndefined();
        expect(
          await s.get("missing/deeper/key", { range: { offset: 0, length: 4 } }),
        ).toBeUndefined();
        expect(await s.lastModified("missing")).toBeUndefined();
      });

      it("reports lastModified as a valid Date", async () => {
        const s = await fresh({ snap: bytes("s") });
        const d = await s.lastModified("snap");
        expect(d).toBeInstanceOf(Date);
        expect(Number.isFinite(d!.getTime())).toBe(true);
      });

      it("lists by whole path segments", async () => {
        const s = await fresh({
          "refs/branch.main/ref.json": bytes("1"),
          "refs/tag.v1/ref.json": bytes("22"),
          "refsX/other": bytes("3"),
          "refs.json": bytes("4"),
          repo: bytes("5"),
        });
        expect(await listKeys(s, "refs")).toEqual(["branch.main/ref.json", "tag.v1/ref.json"]);
        expect(await listKeys(s, "refs/")).toEqual(["branch.main/ref.json", "tag.v1/ref.json"]);
        expect(await listKeys(s, "refs/branch.main")).toEqual(["ref.json"]);
        expect(await listKeys(s, "nothing-here")).toEqual([]);
        const all = await listAll(s, "");
        expect(all.map((e) => e.key).sort()).toEqual([
          "refs.json",
          "refs/branch.main/ref.json",
          "refs/tag.v1/ref.json",
          "refsX/other",
          "repo",
        ]);
        const tag = all.find((e) => e.key === "refs/tag.v1/ref.json")!;
        expect(tag.size).toBe(2);
        expect(tag.lastModified).toBeInstanceOf(Date);
      });

      it("answers conditional reads with not-modified for the current version", async () => {
        const s = await fresh({ repo: bytes("info") });
        if (!s.getIfModified) return;
        const first = await s.get("repo");
        expect(await s.getIfModified("repo", first!.version)).toBe("not-modified");
        const other = await s.getIfModified("repo", { etag: "definitely-not-the-etag" });
        expect(other !== "not-modified" && text(other?.data)).toBe("info");
        expect(await s.getIfModified("missing", { etag: "x" })).toBeUndefined();
      });

      it("rejects with AbortError when the signal is already aborted", async () => {
        const s = await fresh({ obj: bytes("x") });
        const ac = new AbortController();
        ac.abort();
        await expectKind(s.get("obj", { signal: ac.signal }), "aborted");
        await expectKind(s.lastModified("obj", { signal: ac.signal }), "aborted");
        await expectKind(
          (async () => {
            for await (const _ of s.list("", { signal: ac.signal })) {
              /* drain */
            }
          })(),
          "aborted",
        );
      });

      if (options.readOnly) {
        it("is read-only", async () => {
          const s = await fresh({ obj: bytes("x") });
          expect(s.canWrite).toBe(false);
          await expectKind(s.put("obj", bytes("y")), "read-only-storage");
          await expectKind(s.copy("obj", "obj2"), "read-only-storage");
          await expectKind(s.delete(["obj"]), "read-only-storage");
          expect(text((await s.get("obj"))?.data)).toBe("x");
        });
      }
    });

    if (options.readOnly) return;

    describe("writes", () => {
      it("puts, overwrites and changes the version whenever the content changes", async () => {
        const s = await fresh();
        expect(s.canWrite).toBe(true);
        const a = await s.put("snapshots/ABC", bytes("one"));
        expect(a.kind).toBe("written");
        const got = await s.get("snapshots/ABC");
        expect(text(got?.data)).toBe("one");
        if (a.kind === "written") expect(got?.version.etag).toBe(a.version.etag);
        const b = await s.put("snapshots/ABC", bytes("one"));
        const c = await s.put("snapshots/ABC", bytes("three"));
        expect(b.kind === "written" && c.kind === "written").toBe(true);
        if (a.kind === "written" && b.kind === "written" && c.kind === "written") {
          // S3 ETags are content hashes: rewriting identical bytes may keep the version
          expect(c.version.etag).not.toBe(a.version.etag);
          expect(c.version.etag).not.toBe(b.version.etag);
        }
        expect(text((await s.get("snapshots/ABC"))?.data)).toBe("three");
        const empty = await s.put("empty", new Uint8Array(0));
        expect(empty.kind).toBe("written");
        expect((await s.get("empty"))?.data.length).toBe(0);
      });

      it("create-if-absent fails on an existing object", async () => {
        const s = await fresh();
        expect((await s.put("repo", bytes("a"), { condition: { ifNoneMatch: "*" } })).kind).toBe(
          "written",
        );
        expect((await s.put("repo", bytes("b"), { condition: { ifNoneMatch: "*" } })).kind).toBe(
          "version-mismatch",
        );
        expect(text((await s.get("repo"))?.data)).toBe("a");
      });

      it("create-if-absent race: exactly one of 20 writers wins", async () => {
        const s = await fresh();
        const results = await Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            s.put("race/create", bytes(`writer-${i}`), { condition: { ifNoneMatch: "*" } }),
          ),
        );
        const winners = results.flatMap((r, i) => (r.kind === "written" ? [i] : []));
        expect(winners).toHaveLength(1);
        expect(text((await s.get("race/create"))?.data)).toBe(`writer-${winners[0]}`);
      });

      it("if-match race: exactly one of 20 writers wins", async () => {
        const s = await fresh();
        const first = await s.put("race/update", bytes("base"));
        if (first.kind !== "written") throw new Error("setup failed");
        const results = await Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            s.put("race/update", bytes(`writer-${i}`), { condition: { ifMatch: first.version } }),
          ),
        );
        const winners = results.flatMap((r, i) => (r.kind === "written" ? [i] : []));
        expect(winners).toHaveLength(1);
        const now = await s.get("race/update");
        expect(text(now?.data)).toBe(`writer-${winners[0]}`);
        const won = results[winners[0]!]!;
        if (won.kind === "written") expect(now?.version.etag).toBe(won.version.etag);
      });

      it("if-match with a stale or missing version is a version-mismatch", async () => {
        const s = await fresh();
        const v1 = await s.put("ref", bytes("v1"));
        const v2 = await s.put("ref", bytes("v2"));
        if (v1.kind !== "written" || v2.kind !== "written") throw new Error("setup failed");
        expect((await s.put("ref", bytes("x"), { condition: { ifMatch: v1.version } })).kind).toBe(
          "version-mismatch",
        );
        expect(text((await s.get("ref"))?.data)).toBe("v2");
        expect(
          (await s.put("absent", bytes("x"), { condition: { ifMatch: v1.version } })).kind,
        ).toBe("version-mismatch");
        expect(await s.get("absent")).toBeUndefined();
        const v3 = await s.put("ref", bytes("v3"), { condition: { ifMatch: v2.version } });
        expect(v3.kind).toBe("written");
        if (v3.kind === "written") {
          expect(
            (await s.put("ref", bytes("v4"), { condition: { ifMatch: v3.version } })).kind,
          ).toBe("written");
        }
      });

      it("copies with and without ifMatch", async () => {
        const s = await fresh();
        const src = await s.put("repo", bytes("repo-v1"));
        if (src.kind !== "written") throw new Error("setup failed");
        const plain = await s.copy("repo", "overwritten/repo.1");
        expect(plain.kind).toBe("written");
        expect(text((await s.get("overwritten/repo.1"))?.data)).toBe("repo-v1");
        expect((await s.copy("repo", "overwritten/repo.2", { ifMatch: src.version })).kind).toBe(
          "written",
        );
        expect(text((await s.get("overwritten/repo.2"))?.data)).toBe("repo-v1");
        await s.put("repo", bytes("repo-v2"));
        expect((await s.copy("repo", "overwritten/repo.3", { ifMatch: src.version })).kind).toBe(
          "version-mismatch",
        );
        expect(await s.get("overwritten/repo.3")).toBeUndefined();
        expect(text((await s.get("repo"))?.data)).toBe("repo-v2");
        await expect(s.copy("missing", "elsewhere")).rejects.toSatisfy((e) => isIcechunkError(e));
      });

      it("lists more than 1000 keys (pagination)", async () => {
        const s = await fresh();
        const n = options.manyKeys ?? 1100;
        const keys = Array.from({ length: n }, (_, i) => `chunks/c${String(i).padStart(5, "0")}`);
        for (let i = 0; i < keys.length; i += 50) {
          await Promise.all(keys.slice(i, i + 50).map((k) => s.put(k, bytes("c"))));
        }
        await s.put("manifests/m1", bytes("m"));
        const listed = await listKeys(s, "chunks");
        expect(listed).toHaveLength(n);
        expect(listed).toEqual(keys.map((k) => k.slice("chunks/".length)));
        expect(new Set(listed).size).toBe(n);
        expect((await listKeys(s, "")).length).toBe(n + 1);
      });

      it("deletes in batches, ignoring missing keys", async () => {
        const s = await fresh();
        await s.put("chunks/a", bytes("aaaa"));
        await s.put("chunks/b", bytes("bb"));
        await s.put("chunks/c", bytes("c"));
        const res = await s.delete(["chunks/a", "chunks/b", "chunks/missing"]);
        expect(res.deletedObjects).toBeGreaterThanOrEqual(2);
        expect(await s.get("chunks/a")).toBeUndefined();
        expect(await s.get("chunks/b")).toBeUndefined();
        expect(text((await s.get("chunks/c"))?.data)).toBe("c");
        expect(await listKeys(s, "chunks")).toEqual(["c"]);
        expect((await s.delete([])).deletedObjects).toBe(0);
      });

      it("reports lastModified after a write", async () => {
        const s = await fresh();
        await s.put("snapshots/S", bytes("s"));
        const d = await s.lastModified("snapshots/S");
        expect(d).toBeInstanceOf(Date);
        const listed = (await listAll(s, "snapshots"))[0]!;
        expect(listed.key).toBe("S");
        expect(Number.isFinite(listed.lastModified.getTime())).toBe(true);
      });

      it("does not write when the signal is already aborted", async () => {
        const s = await fresh();
        const ac = new AbortController();
        ac.abort();
        await expectKind(s.put("aborted", bytes("x"), { signal: ac.signal }), "aborted");
        await expectKind(s.delete(["aborted"], { signal: ac.signal }), "aborted");
        await expectKind(s.copy("aborted", "aborted2", { signal: ac.signal }), "aborted");
        expect(await s.get("aborted")).toBeUndefined();
      });
    });
  });
}
