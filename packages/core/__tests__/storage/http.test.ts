/** @module __tests__/storage/http.test */
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHttpServer, type TestHttpServer } from "../../../../test/support/http-server.js";
import { makeTempDir } from "../../../../test/support/tmp.js";
import { isIcechunkError, StorageError } from "../../src/errors.js";
import { httpStorage } from "../../src/storage/http.js";
import { redirectStorage } from "../../src/storage/redirect.js";
import { describeStorageConformance, listKeys, patternBytes } from "./conformance.js";

async function writeTree(root: string, objects: Record<string, Uint8Array>): Promise<void> {
  for (const [k, v] of Object.entries(objects)) {
    await mkdir(dirname(join(root, k)), { recursive: true });
    await writeFile(join(root, k), v);
  }
}

let lastDir = "";
describeStorageConformance(
  "http (local server)",
  async () => {
    const tmp = await makeTempDir("icechunk-http-");
    lastDir = join(tmp.dir, "www", "repo");
    await mkdir(lastDir, { recursive: true });
    const server = await startHttpServer({ root: join(tmp.dir, "www") });
    return {
      storage: httpStorage(`${server.url}/repo`),
      cleanup: async () => {
        await server.close();
        await tmp.cleanup();
      },
    };
  },
  { readOnly: true, seed: (objects) => writeTree(lastDir, objects) },
);

const text = (b: Uint8Array | undefined) =>
  b === undefined ? undefined : new TextDecoder().decode(b);
const blob = patternBytes(1000, 3);

describe("httpStorage specifics", () => {
  let tmp: { dir: string; cleanup(): Promise<void> };
  let server: TestHttpServer;
  beforeAll(async () => {
    tmp = await makeTempDir("icechunk-http-");
    await writeTree(join(tmp.dir, "prefix", "repo"), {
      blob,
      "refs/a": new Uint8Array([1]),
      "refs/b": new Uint8Array([2]),
      "refs/c": new Uint8Array([3]),
      "odd name/k&y": new Uint8Array([4]),
    });
    server = await startHttpServer({ root: tmp.dir, maxKeys: 2 });
  });
  afterAll(async () => {
    await server.close();
    await tmp.cleanup();
  });

  it("sends bounded and suffix Range headers", async () => {
    const s = httpStorage(`${server.url}/prefix/repo/`);
    server.requests.length = 0;
    expect((await s.get("blob", { range: { offset: 10, length: 5 } }))?.data).toEqual(
      blob.slice(10, 15),
    );
    expect((await s.get("blob", { range: { suffixLength: 4 } }))?.data).toEqual(blob.slice(-4));
    expect(server.requests.map((r) => r.headers.range)).toEqual(["bytes=10-14", "bytes=-4"]);
  });

  it("returns empty data for a range past the end (416)", async () => {
    const s = httpStorage(`${server.url}/prefix/repo`);
    const got = await s.get("blob", { range: { offset: 5000, length: 10 } });
    expect(got?.data.length).toBe(0);
  });

  it("slices locally when the server ignores Range", async () => {
    const plain = await startHttpServer({ root: tmp.dir, ignoreRange: true });
    try {
      const s = httpStorage(`${plain.url}/prefix/repo`);
      expect((await s.get("blob", { range: { offset: 100, length: 7 } }))?.data).toEqual(
        blob.slice(100, 107),
      );
      expect((await s.get("blob", { range: { suffixLength: 3 } }))?.data).toEqual(blob.slice(-3));
    } finally {
      await plain.close();
    }
  });

  it("paginates S3 listings with continuation tokens and escaped keys", async () => {
    const s = httpStorage(`${server.url}/prefix/repo`);
    server.requests.length = 0;
    expect(await listKeys(s, "refs")).toEqual(["a", "b", "c"]);
    expect(server.requests.filter((r) => r.url.includes("list-type=2")).length).toBe(2);
    expect(server.requests.some((r) => r.url.includes("continuation-token="))).toBe(true);
    expect(await listKeys(s, "odd name")).toEqual(["k&y"]);
    expect(text((await s.get("odd name/k&y"))?.data)).toBe("\u0004");
  });

  it("explains that listing is unavailable when the server has no S3 listing", async () => {
    const nolist = await startHttpServer({ root: tmp.dir, listing: false });
    try {
      const err = await listKeys(httpStorage(`${nolist.url}/prefix/repo`), "refs").catch(
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(StorageError);
      expect(String((err as Error).message)).toMatch(/listing is unavailable/);
    } finally {
      await nolist.close();
    }
  });

  it("maps 403 to a StorageError about credentials, and sends configured headers", async () => {
    const auth = await startHttpServer({ root: tmp.dir, requireAuthorization: "Bearer t0ken" });
    try {
      const err = await httpStorage(`${auth.url}/prefix/repo`)
        .get("blob")
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StorageError);
      expect((err as StorageError).status).toBe(403);
      expect((err as Error).message).toMatch(/credentials/);
      expect((err as Error).message).toMatch(/public/);
      const ok = httpStorage(`${auth.url}/prefix/repo`, {
        headers: { Authorization: "Bearer t0ken" },
      });
      expect((await ok.get("blob"))?.data).toEqual(blob);
    } finally {
      await auth.close();
    }
  });

  it("maps network failures to a StorageError mentioning CORS", async () => {
    const dead = await startHttpServer({ root: tmp.dir });
    const url = dead.url;
    await dead.close();
    const err = await httpStorage(url)
      .get("x")
      .catch((e: unknown) => e);
    expect(isIcechunkError(err, "storage")).toBe(true);
    expect((err as Error).message).toMatch(/CORS/);
    expect((err as Error).message).toMatch(/Content-Range/);
  });

  it("uses If-None-Match for conditional reads and strips quotes from ETags", async () => {
    const s = httpStorage(`${server.url}/prefix/repo`);
    const first = await s.get("blob");
    expect(first?.version.etag).not.toMatch(/"/);
    server.requests.length = 0;
    expect(await s.getIfModified!("blob", first!.version)).toBe("not-modified");
    expect(server.requests[0]?.headers["if-none-match"]).toBe(`"${first!.version.etag}"`);
  });

  it("aborts an in-flight request with AbortError", async () => {
    const slow = await startHttpServer({ root: tmp.dir, latencyMs: 10_000 });
    try {
      const ac = new AbortController();
      const p = httpStorage(`${slow.url}/prefix/repo`).get("blob", { signal: ac.signal });
      setTimeout(() => ac.abort(), 20);
      await expect(p).rejects.toSatisfy((e) => isIcechunkError(e, "aborted"));
    } finally {
      await slow.close();
    }
  });
});

describe("redirectStorage", () => {
  let tmp: { dir: string; cleanup(): Promise<void> };
  let server: TestHttpServer;
  beforeAll(async () => {
    tmp = await makeTempDir("icechunk-redirect-");
    await writeTree(join(tmp.dir, "data", "repo"), { repo: new TextEncoder().encode("hello") });
    server = await startHttpServer({ root: tmp.dir });
  });
  afterAll(async () => {
    await server.close();
    await tmp.cleanup();
  });

  it("resolves an http+icechunk:// Location and delegates", async () => {
    const s = redirectStorage(`${server.url}/redirect/data/repo`);
    expect(s.canWrite).toBe(false);
    expect(text((await s.get("repo"))?.data)).toBe("hello");
    expect(await s.get("missing")).toBeUndefined();
    expect(await s.lastModified("repo")).toBeInstanceOf(Date);
    const lookups = server.requests.filter((r) => r.url.startsWith("/redirect/")).length;
    await s.get("repo");
    expect(server.requests.filter((r) => r.url.startsWith("/redirect/")).length).toBe(lookups);
    await expect(s.put("repo", new Uint8Array(1))).rejects.toSatisfy((e) =>
      isIcechunkError(e, "read-only-storage"),
    );
  });

  it("follows plain hops first, and plain http final locations", async () => {
    expect(
      text((await redirectStorage(`${server.url}/redirect-chain/3/data/repo`).get("repo"))?.data),
    ).toBe("hello");
    expect(
      text((await redirectStorage(`${server.url}/redirect-plain/data/repo`).get("repo"))?.data),
    ).toBe("hello");
  });

  it("fails with 'bad redirect' without Location, or after too many hops", async () => {
    const noLoc = await redirectStorage(`${server.url}/redirect-broken`)
      .get("repo")
      .catch((e: unknown) => e);
    expect(isIcechunkError(noLoc, "storage")).toBe(true);
    expect((noLoc as Error).message).toMatch(/bad redirect/);
    const loop = await redirectStorage(`${server.url}/redirect-chain/12/data/repo`)
      .get("repo")
      .catch((e: unknown) => e);
    expect((loop as Error).message).toMatch(/bad redirect: more than 10 redirects/);
  });

  it("maps s3://bucket/prefix?region=R to public S3 over HTTPS", async () => {
    const seen: string[] = [];
    const fakeFetch = async (input: string, init?: RequestInit) => {
      seen.push(input);
      if (input === "https://stable.example/repo") {
        return new Response(null, {
          status: 302,
          headers: { Location: "s3://my-bucket/some/prefix?region=eu-west-1" },
        });
      }
      if (init?.method === "HEAD") return new Response(null, { status: 404 });
      return new Response(new TextEncoder().encode("s3 data"), {
        status: 200,
        headers: { ETag: '"abc"' },
      });
    };
    const s = redirectStorage("https://stable.example/repo", { fetch: fakeFetch });
    const got = await s.get("repo");
    expect(text(got?.data)).toBe("s3 data");
    expect(got?.version.etag).toBe("abc");
    expect(seen[1]).toBe("https://my-bucket.s3.eu-west-1.amazonaws.com/some/prefix/repo");
  });
});
