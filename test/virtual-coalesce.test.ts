/**
 * Request coalescing of HTTP virtual chunks: nearby ranges of one remote file read together through
 * zarrita become fewer Range requests (counted at the server) with identical bytes; far ranges,
 * different files and `coalesce: false` are not merged; the merged range is still verified
 * (Content-Range, ETag) and one caller's abort leaves the others' reads intact.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  httpVirtualChunkFetcher,
  type IcechunkErrorKind,
  inMemoryStorage,
  isIcechunkError,
  Repository,
  type RepositoryConfig,
} from "@icechunk-ts/core";
import { IcechunkStore } from "@icechunk-ts/zarrita";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import * as zarr from "zarrita";
import { VirtualChunkResolver } from "../packages/core/src/virtual/resolver.js";
import { startHttpServer, type TestHttpServer } from "./support/http-server.js";
import { makeTempDir } from "./support/tmp.js";
import { vector } from "./support/zarr-json.js";

const N = 32; // chunks of 16 bytes
const SIZE = 16;
const FILE = new Uint8Array(1 << 20).map((_, i) => (i * 7 + 3) & 0xff);
let server: TestHttpServer;
let root: string;
let cleanup: () => Promise<void>;
const kind = (k: IcechunkErrorKind) => (e: unknown) => isIcechunkError(e, k);

beforeAll(async () => {
  ({ dir: root, cleanup } = await makeTempDir());
  await mkdir(join(root, "data"), { recursive: true });
  await writeFile(join(root, "data", "a.bin"), FILE);
  await writeFile(join(root, "data", "b.bin"), FILE);
  server = await startHttpServer({ root });
});
afterAll(async () => {
  await server?.close();
  await cleanup?.();
});
beforeEach(() => {
  server.setFault(undefined);
  server.requests.length = 0;
});

const prefix = () => `${server.url}/data/`;
const containers = () => ({
  [prefix()]: { urlPrefix: prefix(), store: { type: "Http" as const, field0: {} } },
});
const rangeRequests = () => server.requests.filter((r) => r.headers.range !== undefined);

/** A repo whose array `v` holds N virtual chunks of SIZE bytes at `offsetOf(i)` in `fileOf(i)`. */
async function repoWith(
  offsetOf: (i: number) => number,
  fileOf: (i: number) => string = () => "a.bin",
  fetcherOptions: Parameters<typeof httpVirtualChunkFetcher>[0] = {},
) {
  const storage = inMemoryStorage();
  const config: RepositoryConfig = { virtualChunkContainers: containers() };
  await Repository.create(storage, { config });
  const http = httpVirtualChunkFetcher({ retries: { maxAttempts: 1 }, ...fetcherOptions });
  const repo = await Repository.open(storage, {
    authorizeVirtualChunkAccess: { [prefix()]: null },
    virtualChunkFetchers: { http },
  });
  const s = await repo.writableSession("main");
  await s.store.set("v/zarr.json", vector(N * SIZE, SIZE));
  for (let i = 0; i < N; i++)
    await s.store.setVirtualRef(`v/c/${i}`, `${prefix()}${fileOf(i)}`, offsetOf(i), SIZE);
  await s.commit("virtual refs");
  return repo;
}

async function readAll(repo: Repository): Promise<Uint8Array> {
  const store = new IcechunkStore(await repo.readonlySession({ branch: "main" }));
  const arr = await zarr.open.v3(zarr.root(store).resolve("v"), { kind: "array" });
  const { data } = await zarr.get(arr, null);
  return data as Uint8Array;
}

function expected(offsetOf: (i: number) => number): Uint8Array {
  const out = new Uint8Array(N * SIZE);
  for (let i = 0; i < N; i++) out.set(FILE.subarray(offsetOf(i), offsetOf(i) + SIZE), i * SIZE);
  return out;
}

describe("HTTP virtual chunk request coalescing", () => {
  it("merges nearby ranges of one file into fewer requests, bytes identical", async () => {
    // chunks 100 bytes apart, out of order in the file
    const offsetOf = (i: number) => ((i * 13) % N) * 100;
    const got = await readAll(await repoWith(offsetOf));
    expect(got).toEqual(expected(offsetOf));
    const ranges = rangeRequests();
    expect(ranges.length).toBeGreaterThan(0);
    expect(ranges.length).toBeLessThan(N / 4);
    // the same read without coalescing: one request per chunk
    server.requests.length = 0;
    const plain = await readAll(await repoWith(offsetOf, undefined, { coalesce: false }));
    expect(plain).toEqual(got);
    expect(rangeRequests().length).toBe(N);
  });

  it("does not merge ranges farther apart than maxGap, nor ranges of different files", async () => {
    const far = (i: number) => i * 20_000; // 20 KB holes
    expect(await readAll(await repoWith(far, undefined, { coalesce: { maxGap: 1000 } }))).toEqual(
      expected(far),
    );
    expect(rangeRequests().length).toBe(N);
    server.requests.length = 0;
    // within the default gap: merged
    await readAll(await repoWith(far));
    expect(rangeRequests().length).toBeLessThan(N / 4);
    server.requests.length = 0;
    // alternate files: each file's ranges merge on their own, never across files
    const near = (i: number) => i * SIZE;
    await readAll(await repoWith(near, (i) => (i % 2 ? "b.bin" : "a.bin")));
    const urls = new Set(rangeRequests().map((r) => r.url));
    expect(urls).toEqual(new Set(["/data/a.bin", "/data/b.bin"]));
    expect(rangeRequests().length).toBeLessThan(N / 4);
  });

  it("caps a merged request at maxRequestSize", async () => {
    const near = (i: number) => i * SIZE; // contiguous: N * SIZE = 512 bytes in all
    await readAll(await repoWith(near, undefined, { coalesce: { maxRequestSize: 4 * SIZE } }));
    const ranges = rangeRequests();
    expect(ranges.length).toBeGreaterThanOrEqual(N / 4);
    for (const r of ranges) {
      const [a, b] = /bytes=(\d+)-(\d+)/.exec(String(r.headers.range))!.slice(1).map(Number);
      expect(b! - a! + 1).toBeLessThanOrEqual(4 * SIZE);
    }
  });

  it("verifies the merged range: a wrong Content-Range or ETag fails every read in it", async () => {
    const http = httpVirtualChunkFetcher({ retries: { maxAttempts: 1 } });
    const r = new VirtualChunkResolver(containers(), { [prefix()]: null }, { http });
    const url = `${prefix()}a.bin`;
    server.setFault(() => ({
      status: 206,
      headers: { "Content-Range": "bytes 0-15/1048576" },
      body: "x".repeat(16),
    }));
    const results = await Promise.allSettled([
      r.fetch(url, 0, 16, undefined),
      r.fetch(url, 32, 16, undefined),
    ]);
    expect(rangeRequests().length).toBe(1);
    expect(rangeRequests()[0]!.headers.range).toBe("bytes=0-47");
    for (const res of results) {
      expect(res.status).toBe("rejected");
      expect(kind("virtual-chunk-fetch")((res as PromiseRejectedResult).reason)).toBe(true);
    }
    server.setFault(undefined);
    const modified = await Promise.allSettled([
      r.fetch(url, 0, 16, { etag: '"another-version"' }),
      r.fetch(url, 32, 16, { etag: '"another-version"' }),
    ]);
    for (const res of modified)
      expect(kind("virtual-chunk-modified")((res as PromiseRejectedResult).reason)).toBe(true);
  });

  it("an aborted caller rejects alone; the others in its merged request get their bytes", async () => {
    const http = httpVirtualChunkFetcher({ retries: { maxAttempts: 1 } });
    const r = new VirtualChunkResolver(containers(), { [prefix()]: null }, { http });
    const url = `${prefix()}a.bin`;
    const controller = new AbortController();
    const a = r.fetch(url, 0, 16, undefined, controller.signal);
    const b = r.fetch(url, 64, 16, undefined);
    controller.abort();
    await expect(a).rejects.toSatisfy(kind("aborted"));
    expect(await b).toEqual(FILE.slice(64, 80));
  });

  it("refuses invalid options with a typed error", () => {
    for (const coalesce of [{ maxRequestSize: 0 }, { maxGap: -1 }, { windowMs: 0.5 }]) {
      let err: unknown;
      try {
        httpVirtualChunkFetcher({ coalesce });
      } catch (e) {
        err = e;
      }
      expect(kind("invalid-argument")(err)).toBe(true);
    }
  });
});
