/**
 * Virtual chunks: resolved through the repository's virtual chunk containers, read only from
 * containers the caller authorized, fetched over HTTP (and file:// in Node), with the stored ETag
 * or last-modified time checked by the server on every read; `vcc://` references; typed errors.
 */
import { mkdir, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  gcsAnonymousVirtualChunkFetcher,
  gcsHttpUrl,
  inMemoryStorage,
  Repository,
  type RepositoryConfig,
} from "@icechunk-ts/core";
import { fileVirtualChunkFetcher } from "@icechunk-ts/core/fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kind } from "./support/errors.js";
import { startHttpServer, type TestHttpServer } from "./support/http-server.js";
import { makeTempDir } from "./support/tmp.js";

let server: TestHttpServer;
let dir: string;
const cleanups: Array<() => Promise<void>> = [];
const blob = Uint8Array.from({ length: 256 }, (_, i) => i);

beforeAll(async () => {
  const tmp = await makeTempDir();
  cleanups.push(tmp.cleanup);
  dir = tmp.dir;
  await writeFile(join(dir, "blob.bin"), blob);
  await mkdir(join(dir, "public-bucket", "era5"), { recursive: true });
  await writeFile(join(dir, "public-bucket", "era5", "t2m.bin"), blob);
  server = await startHttpServer({ root: dir });
});
afterAll(async () => {
  await server?.close();
  for (const c of cleanups) await c();
});

const ARRAY = new TextEncoder().encode(
  JSON.stringify({
    zarr_format: 3,
    node_type: "array",
    shape: [64],
    data_type: "uint8",
    chunk_grid: { name: "regular", configuration: { chunk_shape: [16] } },
    chunk_key_encoding: { name: "default", configuration: { separator: "/" } },
    fill_value: 0,
    codecs: [{ name: "bytes" }],
  }),
);

async function repoWith(config: RepositoryConfig, authorize: Record<string, unknown>) {
  const storage = inMemoryStorage();
  await Repository.create(storage, { config });
  const repo = await Repository.open(storage, {
    authorizeVirtualChunkAccess: authorize,
    virtualChunkFetchers: { file: fileVirtualChunkFetcher() },
  });
  const s = await repo.writableSession("main");
  await s.store.set("v/zarr.json", ARRAY);
  return { repo, s };
}

describe("virtual chunks over HTTP", () => {
  const prefix = () => `${server.url}/`;
  const config = (): RepositoryConfig => ({
    virtualChunkContainers: {
      [prefix()]: { name: "local", urlPrefix: prefix(), store: { type: "Http", field0: {} } },
    },
  });

  it("reads ranges, with a matching ETag, through vcc:// names, and after a commit", async () => {
    const { repo, s } = await repoWith(config(), { [prefix()]: null });
    const head = await fetch(`${server.url}/blob.bin`, { method: "HEAD" });
    const etag = head.headers.get("etag")!;
    await s.store.setVirtualRef("v/c/0", `${server.url}/blob.bin`, 10, 16);
    await s.store.setVirtualRef("v/c/1", `${server.url}/blob.bin`, 100, 16, { etag });
    await s.store.setVirtualRef("v/c/2", "vcc://local/blob.bin", 200, 16);
    expect(Array.from((await s.store.get("v/c/0"))!)).toEqual(Array.from(blob.subarray(10, 26)));
    expect(Array.from((await s.store.get("v/c/1"))!)).toEqual(Array.from(blob.subarray(100, 116)));
    expect(Array.from((await s.store.get("v/c/2"))!)).toEqual(Array.from(blob.subarray(200, 216)));
    expect(Array.from((await s.store.getRange("v/c/1", { offset: 4, length: 2 }))!)).toEqual([
      104, 105,
    ]);
    expect(await s.store.getsize("v/c/2")).toBe(16);
    const blobUrl = `${server.url}/blob.bin`;
    // uncommitted refs count, vcc:// names are expanded, one entry per chunk
    expect(await s.allVirtualChunkLocations()).toEqual([blobUrl, blobUrl, blobUrl]);
    await s.commit("virtual refs");
    const ro = await repo.readonlySession({ branch: "main" });
    expect(Array.from((await ro.store.get("v/c/2"))!)).toEqual(Array.from(blob.subarray(200, 216)));
    expect(await ro.allVirtualChunkLocations()).toEqual([blobUrl, blobUrl, blobUrl]);
    // a deleted or overwritten chunk no longer counts
    const w = await repo.writableSession("main");
    await w.store.delete("v/c/0");
    await w.store.set("v/c/1", new Uint8Array(16));
    expect(await w.allVirtualChunkLocations()).toEqual([blobUrl]);
    expect(await w.store.isEmpty("v")).toBe(false);
    expect(await w.store.getsizePrefix("v")).toBe((await w.store.getsize("v/zarr.json")) + 32);
  });

  it("a stale ETag or a newer object is a VirtualChunkModifiedError", async () => {
    const { s } = await repoWith(config(), { [prefix()]: null });
    await s.store.setVirtualRef("v/c/0", `${server.url}/blob.bin`, 0, 16, {
      etag: '"not-the-etag"',
    });
    await expect(s.store.get("v/c/0")).rejects.toSatisfy(kind("virtual-chunk-modified"));
    await s.store.setVirtualRef("v/c/1", `${server.url}/blob.bin`, 0, 16, {
      lastModified: new Date(Date.now() - 3_600_000),
    });
    await expect(s.store.get("v/c/1")).rejects.toSatisfy(kind("virtual-chunk-modified"));
    await s.store.setVirtualRef("v/c/2", `${server.url}/blob.bin`, 0, 16, {
      lastModified: new Date(Date.now() + 3_600_000),
    });
    expect((await s.store.get("v/c/2"))?.length).toBe(16);
  });

  it("needs explicit authorization of the container", async () => {
    const { s } = await repoWith(config(), {});
    await s.store.setVirtualRef("v/c/0", `${server.url}/blob.bin`, 0, 16);
    await expect(s.store.get("v/c/0")).rejects.toSatisfy(
      kind("unauthorized-virtual-chunk-container"),
    );
  });

  it("refuses locations that match no container (unless validation is off, then reading fails)", async () => {
    const { s } = await repoWith(config(), { [prefix()]: null });
    await expect(
      s.store.setVirtualRef("v/c/0", "https://elsewhere.example/blob.bin", 0, 16),
    ).rejects.toSatisfy(kind("virtual-chunk-container-not-found"));
    await s.store.setVirtualRef("v/c/0", "https://elsewhere.example/blob.bin", 0, 16, {
      validateContainer: false,
    });
    await expect(s.store.get("v/c/0")).rejects.toSatisfy(kind("virtual-chunk-container-not-found"));
    const failed = await s.store.setVirtualRefs("v", [
      { index: [1], location: `${server.url}/blob.bin`, offset: 0, length: 16 },
      { index: [2], location: "https://elsewhere.example/x", offset: 0, length: 16 },
    ]);
    expect(failed).toEqual([[2]]);
    expect(await s.store.exists("v/c/1")).toBe(true);
    expect(await s.store.exists("v/c/2")).toBe(false);
  });

  it("refuses locations with dot segments when the reference is written", async () => {
    const { s } = await repoWith(config(), { [prefix()]: null });
    for (const location of [`${server.url}/sub/../blob.bin`, `${server.url}/sub/%2E%2e/blob.bin`])
      await expect(
        s.store.setVirtualRef("v/c/0", location, 0, 16, { validateContainer: false }),
      ).rejects.toSatisfy(kind("invalid-virtual-chunk-location"));
    expect(await s.store.exists("v/c/0")).toBe(false);
  });

  it("a server that cuts the range short is an error, not silent corruption", async () => {
    const { s } = await repoWith(config(), { [prefix()]: null });
    await s.store.setVirtualRef("v/c/0", `${server.url}/blob.bin`, 250, 16);
    await expect(s.store.get("v/c/0")).rejects.toSatisfy(kind("virtual-chunk-fetch"));
  });
});

describe("virtual chunks in public GCS buckets (anonymous, over HTTPS)", () => {
  const open = async (credentials: unknown, store: object = { type: "Gcs", field0: {} }) => {
    const storage = inMemoryStorage();
    const config = {
      virtualChunkContainers: {
        "gs://public-bucket/": { name: "era5", urlPrefix: "gs://public-bucket/", store },
        "gcs://public-bucket/": { urlPrefix: "gcs://public-bucket/", store },
      },
    } as RepositoryConfig;
    await Repository.create(storage, { config });
    const repo = await Repository.open(storage, {
      authorizeVirtualChunkAccess: {
        "gs://public-bucket/": credentials,
        "gcs://public-bucket/": credentials,
      },
      // the local test server stands in for storage.googleapis.com
      virtualChunkFetchers: {
        gs: gcsAnonymousVirtualChunkFetcher({ endpoint: server.url }),
        gcs: gcsAnonymousVirtualChunkFetcher({ endpoint: server.url }),
      },
    });
    const s = await repo.writableSession("main");
    await s.store.set("v/zarr.json", ARRAY);
    return s;
  };

  it("maps gs:// and gcs:// locations to the bucket's HTTPS URL and reads ranges with ETag checks", async () => {
    expect(gcsHttpUrl("gs://public-bucket/era5/t2m.bin")).toBe(
      "https://storage.googleapis.com/public-bucket/era5/t2m.bin",
    );
    const s = await open(null);
    const head = await fetch(`${server.url}/public-bucket/era5/t2m.bin`, { method: "HEAD" });
    const etag = head.headers.get("etag")!;
    await s.store.setVirtualRef("v/c/0", "gs://public-bucket/era5/t2m.bin", 32, 16, { etag });
    await s.store.setVirtualRef("v/c/1", "gcs://public-bucket/era5/t2m.bin", 64, 16);
    await s.store.setVirtualRef("v/c/2", "vcc://era5/era5/t2m.bin", 96, 16);
    await s.store.setVirtualRef("v/c/3", "gs://public-bucket/era5/t2m.bin", 0, 16, {
      etag: '"stale"',
    });
    expect(Array.from((await s.store.get("v/c/0"))!)).toEqual(Array.from(blob.subarray(32, 48)));
    expect(Array.from((await s.store.get("v/c/1"))!)).toEqual(Array.from(blob.subarray(64, 80)));
    expect(Array.from((await s.store.get("v/c/2"))!)).toEqual(Array.from(blob.subarray(96, 112)));
    await expect(s.store.get("v/c/3")).rejects.toSatisfy(kind("virtual-chunk-modified"));
  });

  it("refuses signed access and containers of another store type with typed errors", async () => {
    const signed = await open({ type: "gcs", token: "x" });
    await signed.store.setVirtualRef("v/c/0", "gs://public-bucket/era5/t2m.bin", 0, 16);
    await expect(signed.store.get("v/c/0")).rejects.toSatisfy(kind("virtual-chunk-fetch"));
    // a gs:// container must be a GCS store (as upstream validates it)
    await expect(open(null, { type: "Http", field0: {} })).rejects.toSatisfy(
      kind("invalid-config"),
    );
    expect(() => gcsHttpUrl("gs://bucket-only")).toThrow(/gs:\/\/<bucket>\/<key>/);
  });
});

describe("virtual chunks in local files", () => {
  it("checks last-modified against the file", async () => {
    const prefix = `file://${dir}/`;
    const { s } = await repoWith(
      {
        virtualChunkContainers: {
          [prefix]: { urlPrefix: prefix, store: { type: "LocalFileSystem", field0: dir } },
        },
      },
      { [prefix]: null },
    );
    await writeFile(join(dir, "local.bin"), blob);
    await s.store.setVirtualRef("v/c/0", `${prefix}local.bin`, 5, 16, { lastModified: new Date() });
    expect(Array.from((await s.store.get("v/c/0"))!)).toEqual(Array.from(blob.subarray(5, 21)));
    const later = new Date(Date.now() + 120_000);
    await utimes(join(dir, "local.bin"), later, later);
    await expect(s.store.get("v/c/0")).rejects.toSatisfy(kind("virtual-chunk-modified"));
  });
});
