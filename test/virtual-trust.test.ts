/**
 * Reading only what was authorized. Virtual chunk locations must be in normal form before the
 * container match (a property over generated hostile locations, real files and a real HTTP
 * server: nothing outside the authorized prefix is ever read), at write time and when a hostile
 * manifest holds them; HTTP virtual chunk fetches keep to the official binding's transport rules
 * (exact Range, 206 + Content-Range, exact length, no cookies, redirects only inside the prefix,
 * safe ranges, timeouts); redirect storage refuses unsafe targets.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  type FetchLike,
  httpVirtualChunkFetcher,
  IcechunkError,
  type IcechunkErrorKind,
  inMemoryStorage,
  isIcechunkError,
  Repository,
  type RepositoryConfig,
  resolveRedirect,
} from "@icechunk-ts/core";
import { fileVirtualChunkFetcher } from "@icechunk-ts/core/fs";
import fc from "fast-check";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { VirtualChunkResolver } from "../packages/core/src/virtual/resolver.js";
import { startHttpServer, type TestHttpServer } from "./support/http-server.js";
import { makeTempDir } from "./support/tmp.js";
import { vector } from "./support/zarr-json.js";

let server: TestHttpServer;
let other: TestHttpServer;
let root: string;
let cleanup: () => Promise<void>;
const A = 0x41; // every byte inside allowed/
const fill = (byte: number) => new Uint8Array(64).fill(byte);
const kind = (k: IcechunkErrorKind) => (e: unknown) => isIcechunkError(e, k);

beforeAll(async () => {
  ({ dir: root, cleanup } = await makeTempDir());
  await mkdir(join(root, "allowed", "sub"), { recursive: true });
  await mkdir(join(root, "allowed-sibling"), { recursive: true });
  await writeFile(join(root, "allowed", "data.bin"), fill(A));
  await writeFile(join(root, "allowed", "data2.bin"), fill(A));
  await writeFile(join(root, "allowed", "sub", "data.bin"), fill(A));
  await writeFile(join(root, "secret.bin"), fill(0x53));
  await writeFile(join(root, "allowed-sibling", "data.bin"), fill(0x42));
  server = await startHttpServer({ root });
  other = await startHttpServer({ root });
});
afterAll(async () => {
  await server?.close();
  await other?.close();
  await cleanup?.();
});
beforeEach(() => {
  server.setFault(undefined);
  other.requests.length = 0;
});

const filePrefix = () => `file://${root}/allowed/`;
const httpPrefix = () => `${server.url}/allowed/`;
const containers = () => ({
  [filePrefix()]: {
    urlPrefix: filePrefix(),
    store: { type: "LocalFileSystem" as const, field0: root },
  },
  [httpPrefix()]: {
    name: "Web_Data",
    urlPrefix: httpPrefix(),
    store: { type: "Http" as const, field0: {} },
  },
});

function resolver(fetchOptions: Parameters<typeof httpVirtualChunkFetcher>[0] = {}) {
  const http = httpVirtualChunkFetcher({ retries: { maxAttempts: 1 }, ...fetchOptions });
  return new VirtualChunkResolver(
    containers(),
    { [filePrefix()]: null, [httpPrefix()]: null },
    { file: fileVirtualChunkFetcher(), http, https: http },
  );
}

const ARRAY = vector(64, 4);

async function session() {
  const storage = inMemoryStorage();
  const config: RepositoryConfig = { virtualChunkContainers: containers() };
  await Repository.create(storage, { config });
  const repo = await Repository.open(storage, {
    authorizeVirtualChunkAccess: { [filePrefix()]: null, [httpPrefix()]: null },
    virtualChunkFetchers: { file: fileVirtualChunkFetcher() },
  });
  const s = await repo.writableSession("main");
  await s.store.set("v/zarr.json", ARRAY);
  return { repo, s, storage };
}

describe("virtual chunk locations are normalized before authorization", () => {
  it("refuses file:///dir/../../etc/passwd when written and when read from a hostile manifest", async () => {
    const { repo, s } = await session();
    const escapes = [
      `${filePrefix()}../../etc/passwd`,
      `${filePrefix()}../secret.bin`,
      `${filePrefix()}%2e%2e/secret.bin`,
      `${filePrefix()}%2E./secret.bin`,
      `${filePrefix()}sub/..%2fsecret.bin`,
    ];
    for (const location of escapes) {
      await expect(s.store.setVirtualRef("v/c/0", location, 0, 4)).rejects.toSatisfy(
        kind("invalid-virtual-chunk-location"),
      );
    }
    // a manifest written by someone else can hold anything: commit one through the raw writer
    escapes.forEach((location, i) => {
      s.setChunkRef("/v", [i], { kind: "virtual", location, offset: 0, length: 4 });
    });
    // the normal form is written and read
    await s.store.setVirtualRef("v/c/9", `${filePrefix()}data.bin`, 0, 4);
    await s.commit("hostile manifest");
    const ro = await repo.readonlySession({ branch: "main" });
    for (let i = 0; i < escapes.length; i++)
      await expect(ro.store.get(`v/c/${i}`)).rejects.toSatisfy(
        kind("invalid-virtual-chunk-location"),
      );
    expect(Array.from((await ro.store.get("v/c/9"))!)).toEqual([A, A, A, A]);
  });

  it("property: no generated location reads a byte outside the authorized prefix", async () => {
    const pieces = [
      "data.bin",
      "sub",
      "..",
      ".",
      "%2e%2e",
      "%2E%2e",
      ".%2E",
      "%2e",
      "",
      "%2f",
      "%2F",
      "%5c",
      "\\",
      "%00",
      "\u0000",
      "secret.bin",
      "allowed",
      "allowed-sibling",
      "a b",
      "?",
      "#",
      "%252e%252e",
      "..;",
      "%c0%ae%c0%ae",
      "%",
      "%zz",
    ];
    const path = fc
      .array(fc.constantFrom(...pieces), { minLength: 1, maxLength: 6 })
      .chain((segs) =>
        fc
          .array(fc.constantFrom("/", "\\", "//", "/./"), {
            minLength: segs.length - 1,
            maxLength: segs.length - 1,
          })
          .map((seps) => segs.map((s, i) => (i === 0 ? s : seps[i - 1] + s)).join("")),
      );
    const mutate = fc.constantFrom<(prefix: string) => string>(
      (p) => p,
      (p) => p.replace("file://", "file://localhost"),
      (p) => p.replace("file://", "FILE://"),
      (p) => p.replace("://", "://user:pw@"),
      (p) => p.replace("127.0.0.1", "127.0.0.1.").replace("file:///", "file:////"),
      (p) => p.replace(/allowed\/$/, "allowed/sub/../"),
      (p) => p.replace(/allowed\/$/, "allowed-sibling/"),
      (p) => p.replace("http://", "HTTP://"),
    );
    let reads = 0;
    const r = resolver();
    await fc.assert(
      fc.asyncProperty(fc.boolean(), mutate, path, async (useFile, m, p) => {
        const location = m(useFile ? filePrefix() : httpPrefix()) + p;
        let bytes: Uint8Array;
        try {
          bytes = await r.fetch(location, 0, 4, undefined);
        } catch (err) {
          // refused or failed with a typed error, never an untyped one
          expect(err).toBeInstanceOf(IcechunkError);
          return;
        }
        reads++;
        expect(Array.from(bytes)).toEqual([A, A, A, A]);
      }),
      { numRuns: 400, seed: 20261204 },
    );
    // the property is not vacuous: the plain forms did read
    expect(reads).toBeGreaterThan(0);
    for (const location of [`${filePrefix()}data.bin`, `${httpPrefix()}sub/data.bin`])
      expect(Array.from(await r.fetch(location, 0, 4, undefined))).toEqual([A, A, A, A]);
  }, 60_000);

  it("checks vcc:// references after expansion (container names are free text)", async () => {
    const { s } = await session();
    await s.store.setVirtualRef("v/c/0", "vcc://Web_Data/data.bin", 0, 4);
    expect(Array.from((await s.store.get("v/c/0"))!)).toEqual([A, A, A, A]);
    for (const validateContainer of [true, false])
      await expect(
        s.store.setVirtualRef("v/c/1", "vcc://Web_Data/%2e%2e/secret.bin", 0, 4, {
          validateContainer,
        }),
      ).rejects.toSatisfy(kind("invalid-virtual-chunk-location"));
  });

  it("checks every part: userinfo, empty host, case, ports, queries, fragments", async () => {
    const r = resolver();
    for (const location of [
      `http://user@${server.url.slice(7)}/allowed/data.bin`,
      "http:///allowed/data.bin",
      `${httpPrefix().replace("127.0.0.1", "LOCALHOST")}data.bin`,
      `${httpPrefix()}data.bin#frag`,
      `file://host${root}/allowed/data.bin`,
      `${filePrefix()}data.bin?x=1`,
      "s3://bucket..name/key",
      "s3://bucket/a//b",
      "gs://bucket/a/%2e%2e/b",
      "http://127.0.0.1:80/allowed/data.bin",
      `${httpPrefix()}data.bin/`,
    ])
      await expect(r.fetch(location, 0, 4, undefined)).rejects.toSatisfy(
        kind("invalid-virtual-chunk-location"),
      );
  });
});

describe("HTTP virtual chunk fetches", () => {
  const location = () => `${httpPrefix()}data.bin`;

  it("send one exact Range, no conditional headers, no credentials, manual redirects", async () => {
    const seen: RequestInit[] = [];
    const recording: FetchLike = (url, init) => {
      seen.push(init ?? {});
      return fetch(url, init);
    };
    const head = await fetch(location(), { method: "HEAD" });
    const etag = head.headers.get("etag")!;
    const before = server.requests.length;
    const bytes = await resolver({ fetch: recording }).fetch(location(), 4, 4, { etag });
    expect(Array.from(bytes)).toEqual([A, A, A, A]);
    const req = server.requests.slice(before);
    expect(req.length).toBe(1);
    expect(req[0]!.headers.range).toBe("bytes=4-7");
    expect(req[0]!.headers["if-match"]).toBeUndefined();
    expect(req[0]!.headers["if-unmodified-since"]).toBeUndefined();
    expect(req[0]!.headers.cookie).toBeUndefined();
    expect(seen[0]!.credentials).toBe("omit");
    expect(seen[0]!.redirect).toBe("manual");
    // the checksum is verified from the response: a different ETag is a modified object
    await expect(
      resolver().fetch(location(), 4, 4, { etag: '"some-other-version"' }),
    ).rejects.toSatisfy(kind("virtual-chunk-modified"));
    // the conditional form is opt-in
    const n = server.requests.length;
    await expect(
      resolver({ conditionalHeaders: true }).fetch(location(), 4, 4, { etag: '"other"' }),
    ).rejects.toSatisfy(kind("virtual-chunk-modified"));
    expect(server.requests[n]!.headers["if-match"]).toBe('"other"');
  });

  it("refuse 200, other statuses, a wrong Content-Range and a truncated body", async () => {
    const ignoring = await startHttpServer({ root, ignoreRange: true });
    try {
      const prefix = `${ignoring.url}/allowed/`;
      const http = httpVirtualChunkFetcher({ retries: { maxAttempts: 1 } });
      const r = new VirtualChunkResolver(
        { [prefix]: { urlPrefix: prefix, store: { type: "Http", field0: {} } } },
        { [prefix]: null },
        { http },
      );
      await expect(r.fetch(`${prefix}data.bin`, 0, 64, undefined)).rejects.toThrow(
        /requires HTTP 206.*answered 200/,
      );
    } finally {
      await ignoring.close();
    }
    const r = resolver();
    for (const [status, contentRange, body, message] of [
      [404, "bytes 4-7/64", "", /answered 404/],
      [416, "bytes */64", "", /answered 416/],
      [206, "", "AAAA", /Content-Range/],
      [206, "bytes 0-3/64", "AAAA", /Content-Range/],
      [206, "bytes 4-8/64", "AAAAA", /Content-Range/],
      [206, "bytes 4-7/64", "A", /response length/],
    ] as const) {
      const headers: Record<string, string> = contentRange ? { "Content-Range": contentRange } : {};
      server.setFault(() => ({ status, headers, body }));
      const err = await r.fetch(location(), 4, 4, undefined).catch((e: unknown) => e);
      expect(isIcechunkError(err, "virtual-chunk-fetch")).toBe(true);
      expect((err as Error).message).toMatch(message);
    }
  });

  it("refuse unsafe offsets and lengths before any request", async () => {
    const r = resolver();
    const before = server.requests.length;
    for (const [offset, length] of [
      [2 ** 53, 4],
      [-1, 4],
      [0, -4],
      [1.5, 4],
      [2 ** 53 - 2, 4],
      [Number.NaN, 4],
    ])
      await expect(r.fetch(location(), offset!, length!, undefined)).rejects.toSatisfy(
        kind("invalid-byte-range"),
      );
    expect(server.requests.length).toBe(before);
    const { s } = await session();
    await expect(s.store.setVirtualRef("v/c/0", location(), -1, 4)).rejects.toSatisfy(
      kind("invalid-byte-range"),
    );
  });

  it("follow redirects only inside the authorized prefix", async () => {
    const r = resolver();
    server.setFault(({ url }) =>
      url === "/allowed/data.bin"
        ? { status: 302, headers: { Location: "/allowed/data2.bin" } }
        : undefined,
    );
    expect(Array.from(await r.fetch(location(), 0, 4, undefined))).toEqual([A, A, A, A]);
    for (const target of [
      `${other.url}/allowed/data.bin`,
      "/secret.bin",
      "/allowed/../secret.bin",
      "/allowed-sibling/data.bin",
    ]) {
      server.setFault(({ url }) =>
        url === "/allowed/data.bin" ? { status: 302, headers: { Location: target } } : undefined,
      );
      await expect(r.fetch(location(), 0, 4, undefined)).rejects.toSatisfy(
        kind("virtual-chunk-fetch"),
      );
    }
    expect(other.requests.length).toBe(0);
    // a loop ends at the hop limit
    server.setFault(({ url }) =>
      url === "/allowed/data.bin"
        ? { status: 302, headers: { Location: "/allowed/data.bin" } }
        : undefined,
    );
    await expect(r.fetch(location(), 0, 4, undefined)).rejects.toThrow(/more than 10 redirects/);
  });

  it("honour the container's timeout option and refuse transport options fetch cannot apply", async () => {
    const http = httpVirtualChunkFetcher({ retries: { maxAttempts: 2, initialBackoffMs: 1 } });
    const make = (field0: Record<string, string>) =>
      new VirtualChunkResolver(
        { [httpPrefix()]: { urlPrefix: httpPrefix(), store: { type: "Http", field0 } } },
        { [httpPrefix()]: null },
        { http },
      );
    let n = 0;
    server.setFault(({ url }) => {
      if (!url.startsWith("/allowed/")) return undefined;
      n++;
      return { stallAfterBytes: 0 };
    });
    const err = await make({ timeout: "300ms" })
      .fetch(location(), 0, 4, undefined)
      .catch((e: unknown) => e);
    expect(isIcechunkError(err, "virtual-chunk-fetch")).toBe(true);
    expect((err as Error).message).toMatch(/timed out after 300 ms/);
    expect(n).toBe(2);
    server.setFault(undefined);
    await expect(
      make({ proxy_url: "http://proxy" }).fetch(location(), 0, 4, undefined),
    ).rejects.toThrow(/proxy_url/);
  });
});

describe("redirect storage validates every target", () => {
  const redirectTo = (target: string) =>
    server.setFault(({ url }) =>
      url === "/start" ? { status: 302, headers: { Location: target } } : undefined,
    );

  it("refuses link-local / metadata hosts, userinfo, bad buckets and unknown schemes", async () => {
    for (const target of [
      "http+icechunk://169.254.169.254/latest/meta-data",
      "http+icechunk://2852039166/repo",
      "http://[fe80::1]/repo",
      "https+ic://[::ffff:169.254.169.254]/repo",
      "http://metadata.google.internal/computeMetadata",
      "http+icechunk://user:pw@127.0.0.1/repo",
      "s3://../prefix?region=us-east-1",
      "s3://Bad_Bucket/prefix?region=us-east-1",
      "s3://bucket/prefix?region=../x",
      "ftp://example.com/repo",
      "javascript:alert(1)",
    ]) {
      redirectTo(target);
      const err = await resolveRedirect(`${server.url}/start`).catch((e: unknown) => e);
      expect(isIcechunkError(err, "unsafe-redirect"), `${target}: ${String(err)}`).toBe(true);
    }
  });

  it("stops at the hop limit", async () => {
    const before = server.requests.length;
    await expect(
      resolveRedirect(`${server.url}/redirect-chain/12/repo`, { maxRedirects: 3 }),
    ).rejects.toThrow(/more than 3 redirects/);
    expect(server.requests.length - before).toBe(4);
    const s = await resolveRedirect(`${server.url}/redirect-chain/2/repo`, { maxRedirects: 3 });
    expect(s.description).toBe(`${server.url}/repo`);
  });

  it("allows link-local targets when asked, and valid targets", async () => {
    redirectTo("http+icechunk://169.254.169.254/repo");
    const s = await resolveRedirect(`${server.url}/start`, { allowLinkLocal: true });
    expect(s.description).toBe("http://169.254.169.254/repo");
    redirectTo("s3://my-bucket/prefix?region=eu-west-1");
    const s3 = await resolveRedirect(`${server.url}/start`);
    expect(s3.description).toBe("https://my-bucket.s3.eu-west-1.amazonaws.com/prefix");
  });
});
