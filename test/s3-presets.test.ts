/**
 * R2 and Tigris presets over the S3 package (`r2Storage`, `tigrisStorage`, as the official
 * binding's `Storage.newR2` / `Storage.newTigris`): the resolved configuration (endpoint, region,
 * path style, consistency headers, read-only weak consistency), and real requests to the S3 test
 * server through a recording proxy on 127.0.0.1 that shows what each request carried.
 */
import { createServer, request as httpRequest, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { isIcechunkError, ReadOnlyStorageError, Repository } from "@icechunk-ts/core";
import {
  r2Storage,
  resolveR2Options,
  resolveTigrisOptions,
  S3ConfigError,
  TIGRIS_ENDPOINT,
  tigrisStorage,
} from "@icechunk-ts/s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { s3TestConfig } from "./support/s3-server.js";
import { array, chunk, group } from "./support/zarr-json.js";

const credentials = { accessKeyId: "k", secretAccessKey: "s" };

describe("resolved configuration", () => {
  it("R2: account endpoint, region auto, path style; bucket from the prefix; config errors", () => {
    expect(
      resolveR2Options({ bucket: "data", prefix: "era5", accountId: "abc123", credentials }),
    ).toEqual({
      bucket: "data",
      prefix: "era5",
      region: "auto",
      endpointUrl: "https://abc123.r2.cloudflarestorage.com",
      forcePathStyle: true,
      credentials,
    });
    const fromPrefix = resolveR2Options({ prefix: "data/a/b", accountId: "abc123" });
    expect([fromPrefix.bucket, fromPrefix.prefix]).toEqual(["data", "a/b"]);
    const bucketOnly = resolveR2Options({ prefix: "data", accountId: "abc123" });
    expect([bucketOnly.bucket, bucketOnly.prefix]).toEqual(["data", undefined]);
    // an explicit endpoint and region win; no account id needed then
    const own = resolveR2Options({
      bucket: "b",
      endpointUrl: "https://eu.example",
      region: "weur",
    });
    expect([own.endpointUrl, own.region, own.forcePathStyle]).toEqual([
      "https://eu.example",
      "weur",
      true,
    ]);
    const configError = (f: () => unknown, option: string) => {
      try {
        f();
      } catch (err) {
        expect(isIcechunkError(err, "s3-config")).toBe(true);
        expect((err as S3ConfigError).option).toBe(option);
        return;
      }
      throw new Error("expected an S3ConfigError");
    };
    configError(() => resolveR2Options({ accountId: "abc" }), "bucket");
    configError(() => resolveR2Options({ bucket: "b" }), "accountId");
    configError(() => resolveR2Options({ bucket: "b", accountId: "x.evil.com/" }), "accountId");
    expect(() => r2Storage({ bucket: "b" })).toThrow(S3ConfigError);
  });

  it("Tigris: global endpoint, consistency headers (required names win), weak = read-only", () => {
    const strong = resolveTigrisOptions({
      bucket: "data",
      region: "iad",
      extraReadHeaders: { "x-amz-meta-reader": "r", "cache-control": "max-age=60" },
      extraWriteHeaders: { "x-tigris-regions": "hijacked", "x-amz-acl": "private" },
    });
    expect(strong.endpointUrl).toBe(TIGRIS_ENDPOINT);
    expect(TIGRIS_ENDPOINT).toBe("https://t3.storage.dev");
    expect(strong.readOnly).toBeUndefined();
    expect(strong.extraReadHeaders).toEqual({
      "x-amz-meta-reader": "r",
      "X-Tigris-Regions": "iad",
      "X-Tigris-Consistent": "true",
      "Cache-Control": "no-cache",
    });
    expect(strong.extraWriteHeaders).toEqual({
      "x-amz-acl": "private",
      "X-Tigris-Regions": "iad",
      "X-Tigris-Consistent": "true",
    });
    const fly = resolveTigrisOptions({
      bucket: "d",
      region: "iad",
      endpointUrl: "https://fly.storage.tigris.dev",
    });
    expect(fly.endpointUrl).toBe("https://fly.storage.tigris.dev");
    const weak = resolveTigrisOptions({ bucket: "d", useWeakConsistency: true });
    expect(weak).toEqual({ bucket: "d", endpointUrl: TIGRIS_ENDPOINT, readOnly: true });
    expect(() => resolveTigrisOptions({ bucket: "d" })).toThrow(/needs the bucket's region/);
    expect(tigrisStorage({ bucket: "d", useWeakConsistency: true }).canWrite).toBe(false);
    expect(tigrisStorage({ bucket: "d", region: "iad" }).canWrite).toBe(true);
  });
});

interface Seen {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
}

/** A pass-through HTTP proxy to the S3 test server that records every request. */
async function recordingProxy(target: string) {
  const seen: Seen[] = [];
  const upstream = new URL(target);
  const server = createServer((req, res) => {
    seen.push({ method: req.method ?? "", path: req.url ?? "", headers: req.headers });
    const out = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: req.headers, // Host unchanged: the SigV4 signature covers it
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    out.on("error", () => res.destroy());
    req.pipe(out);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, seen, close: () => new Promise<void>((r) => server.close(() => r())) };
}

const s3 = await s3TestConfig({ name: "presets" });

describe.skipIf(!s3)("presets against the S3 test server (through a recording proxy)", () => {
  let proxy: Awaited<ReturnType<typeof recordingProxy>>;
  beforeAll(async () => {
    proxy = await recordingProxy(s3!.endpointUrl);
  });
  afterAll(async () => {
    await proxy?.close();
  });

  /** Tigris options pointing at the proxy (path style: the bucket cannot be a host name there). */
  const tigrisOnProxy = () => ({
    bucket: s3!.bucket,
    prefix: "tigris-repo",
    region: s3!.region,
    endpointUrl: proxy.url,
    forcePathStyle: true,
    allowHttp: true,
    credentials: s3!.credentials,
  });

  async function roundTrip(storage: Parameters<typeof Repository.create>[0]) {
    const repo = await Repository.create(storage);
    const s = await repo.writableSession("main");
    await s.store.set("zarr.json", group());
    await s.store.set("a/zarr.json", array([4, 4]));
    await s.store.set("a/c/0/0", chunk(7, 2000));
    const id = await s.commit("first");
    const again = await Repository.open(storage);
    const ro = await again.readonlySession({ branch: "main" });
    expect(ro.snapshotId).toBe(id);
    expect(await ro.store.get("a/c/0/0")).toEqual(chunk(7, 2000));
  }

  it("r2Storage: path-style requests signed for region auto; a repository round-trips", async () => {
    proxy.seen.length = 0;
    const storage = r2Storage({
      prefix: `${s3!.bucket}/r2-repo`, // the bucket named by the prefix, as newR2 allows
      endpointUrl: proxy.url,
      allowHttp: true,
      credentials: s3!.credentials,
    });
    expect([storage.bucket, storage.prefix]).toEqual([s3!.bucket, "r2-repo"]);
    await roundTrip(storage);
    expect(proxy.seen.length).toBeGreaterThan(5);
    for (const r of proxy.seen) {
      expect(r.path.startsWith(`/${s3!.bucket}/`) || r.path.startsWith(`/${s3!.bucket}?`)).toBe(
        true,
      );
      expect(r.headers.authorization).toMatch(/Credential=[^/]+\/\d{8}\/auto\/s3\/aws4_request/);
      expect(r.headers["x-tigris-consistent"]).toBeUndefined();
    }
  });

  it("tigrisStorage: consistency headers on every read and write; a repository round-trips", async () => {
    proxy.seen.length = 0;
    const storage = tigrisStorage(tigrisOnProxy());
    await roundTrip(storage);
    const methods = new Set(proxy.seen.map((r) => r.method));
    expect(methods.has("GET") && methods.has("PUT")).toBe(true);
    for (const r of proxy.seen) {
      expect(r.headers["x-tigris-consistent"], `${r.method} ${r.path}`).toBe("true");
      expect(r.headers["x-tigris-regions"]).toBe(s3!.region);
      const read = r.method === "GET" || r.method === "HEAD";
      expect(r.headers["cache-control"]).toBe(read ? "no-cache" : undefined);
      // signed, so a proxy on the way cannot strip them unnoticed
      expect(r.headers.authorization).toMatch(/SignedHeaders=[^,]*x-tigris-consistent/);
    }
  });

  it("tigrisStorage with weak consistency reads without the headers and refuses writes", async () => {
    proxy.seen.length = 0;
    const weak = tigrisStorage({ ...tigrisOnProxy(), useWeakConsistency: true });
    const repo = await Repository.open(weak);
    const ro = await repo.readonlySession({ branch: "main" });
    expect(await ro.store.get("a/c/0/0")).toEqual(chunk(7, 2000));
    expect(proxy.seen.length).toBeGreaterThan(0);
    for (const r of proxy.seen) expect(r.headers["x-tigris-consistent"]).toBeUndefined();
    const before = proxy.seen.length;
    await expect(weak.put("x", new Uint8Array([1]))).rejects.toBeInstanceOf(ReadOnlyStorageError);
    await expect(weak.delete(["x"])).rejects.toBeInstanceOf(ReadOnlyStorageError);
    await expect(weak.copy("a", "b")).rejects.toBeInstanceOf(ReadOnlyStorageError);
    expect(proxy.seen.length).toBe(before); // refused before any request
  });
});
