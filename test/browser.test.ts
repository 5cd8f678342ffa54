/**
 * A real headless Chromium (Debian's /usr/bin/chromium via playwright-core) reads Icechunk
 * repositories served over HTTP on 127.0.0.1 through zarrita and icechunk-ts — one written by the
 * official implementation, one written by icechunk-ts — from a cross-origin page.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { inMemoryStorage, Repository } from "@icechunk-ts/core";
import { localFilesystemStorage } from "@icechunk-ts/core/fs";
import { IcechunkStore } from "@icechunk-ts/zarrita";
import { build } from "esbuild";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as zarr from "zarrita";
import { launchChromium } from "./support/chromium.js";
import { startHttpServer, type TestHttpServer } from "./support/http-server.js";
import { loadOracle, oracleStorage } from "./support/oracle.js";
import { makeTempDir } from "./support/tmp.js";

let browser: Browser;
let page: Awaited<ReturnType<Browser["newPage"]>>;
let pageServer: TestHttpServer;
let dataServer: TestHttpServer;
const cleanups: Array<() => Promise<void>> = [];
const expected = Array.from({ length: 48 }, (_, i) => i * 3);

beforeAll(async () => {
  const { dir, cleanup } = await makeTempDir();
  cleanups.push(cleanup);
  // repo 1: written by the official implementation onto our filesystem storage
  const oracle = await loadOracle();
  const theirs = await oracle.Repository.create(
    await oracleStorage(localFilesystemStorage(join(dir, "official"))),
  );
  const s = await theirs.writableSession("main");
  const arr = await zarr.create(zarr.root(s.store as never).resolve("a"), {
    shape: [6, 8],
    chunkShape: [3, 4],
    dtype: "int32",
  });
  await zarr.set(arr, null, { data: Int32Array.from(expected), shape: [6, 8], stride: [8, 1] });
  await s.commit("official commit");
  // repo 2: written by icechunk-ts
  const ours = await Repository.create(localFilesystemStorage(join(dir, "ours")));
  const w = await ours.writableSession("main");
  const a2 = await zarr.create(zarr.root(new IcechunkStore(w)).resolve("a"), {
    shape: [6, 8],
    chunkShape: [2, 8],
    dtype: "float64",
  });
  await zarr.set(a2, null, { data: Float64Array.from(expected), shape: [6, 8], stride: [8, 1] });
  await w.commit("icechunk-ts commit");
  await ours.createTag("v1", await ours.lookupBranch("main"));

  const out = await build({
    entryPoints: [join(import.meta.dirname, "browser/entry.ts")],
    bundle: true,
    format: "iife",
    globalName: "lib",
    platform: "browser",
    write: false,
    minify: true,
    conditions: ["@icechunk-ts/source", "browser"],
  });
  const pageDir = join(dir, "page");
  await import("node:fs/promises").then((fs) => fs.mkdir(pageDir));
  // the test server sends no Content-Type, so the bundle is inlined as a classic script
  const bundle = out.outputFiles[0]!.text.replaceAll("</script", "<\\/script");
  await writeFile(
    join(pageDir, "index.html"),
    `<!doctype html><meta charset="utf-8"><script>${bundle}; window.ready = true;</script>`,
  );
  pageServer = await startHttpServer({ root: pageDir });
  dataServer = await startHttpServer({ root: dir });
  // repo 3: virtual chunks pointing at the (cross-origin) data server, with ETag checksums
  const vblob = Uint8Array.from({ length: 64 }, (_, i) => i);
  await writeFile(join(dir, "vblob.bin"), vblob);
  const prefix = `${dataServer.url}/`;
  const vrepo = await Repository.create(localFilesystemStorage(join(dir, "virtual")), {
    config: {
      virtualChunkContainers: {
        [prefix]: { urlPrefix: prefix, store: { type: "Http", field0: {} } },
      },
    },
  });
  const vs = await vrepo.writableSession("main");
  const vr = zarr.root(new IcechunkStore(vs));
  await zarr.create(vr.resolve("v"), { shape: [32], chunkShape: [16], dtype: "uint8" });
  const etag = (await fetch(`${prefix}vblob.bin`, { method: "HEAD" })).headers.get("etag")!;
  await vs.store.setVirtualRef("v/c/0", `${prefix}vblob.bin`, 8, 16, { etag });
  await vs.store.setVirtualRef("v/c/1", `${prefix}vblob.bin`, 8, 16, { etag: '"stale"' });
  await vs.commit("virtual refs");
  browser = await launchChromium();
  page = await browser.newPage();
  page.on("console", (m) => console.log("[page]", m.text()));
  await page.goto(`${pageServer.url}/index.html`);
  await page.waitForFunction(() => (window as unknown as { ready?: boolean }).ready === true);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await pageServer?.close();
  await dataServer?.close();
  for (const c of cleanups) await c();
});

type Lib = typeof import("./browser/entry.js");
const call = <K extends keyof Lib>(name: K, ...args: Parameters<Lib[K]>) =>
  page.evaluate(
    ([n, a]) =>
      (window as unknown as { lib: Record<string, (...x: unknown[]) => unknown> }).lib[
        n as string
      ]!(...(a as unknown[])),
    [name, args] as const,
  ) as Promise<Awaited<ReturnType<Lib[K]>>>;

describe("headless Chromium", () => {
  it("reads a repo written by the official implementation, cross-origin, without isolation", async () => {
    const r = await call("readArray", `${dataServer.url}/official`, { branch: "main" }, "a");
    expect(r.shape).toEqual([6, 8]);
    expect(r.data).toEqual(expected);
    expect(r.history).toEqual(["official commit", "Repository initialized"]);
    expect(r.crossOriginIsolated).toBe(false);
  });

  it("reads a repo written by icechunk-ts at a tag", async () => {
    const r = await call("readArray", `${dataServer.url}/ours`, { tag: "v1" }, "a");
    expect(r.data).toEqual(expected);
    expect(r.branches).toEqual(["main"]);
  });

  it("follows a redirect to the repository's real location (redirect storage)", async () => {
    const r = await call(
      "readArray",
      `${dataServer.url}/redirect-plain/ours`,
      { branch: "main" },
      "a",
      { redirect: true },
    );
    expect(r.data).toEqual(expected);
    expect(r.history).toEqual(["icechunk-ts commit", "Repository initialized"]);
  });

  it("writes and commits in the page; the official implementation reads the files it produced", async () => {
    const r = await call("writeInPage");
    expect(r.data).toEqual(Array.from({ length: 256 }, (_, i) => i * 3));
    // copy the page's objects into a storage the official implementation opens
    const storage = inMemoryStorage();
    for (const [key, bytes] of Object.entries(r.files))
      await storage.put(key, Uint8Array.from(bytes));
    const oracle = await loadOracle();
    const theirs = await oracle.Repository.open(await oracleStorage(storage));
    expect(await theirs.lookupBranch("main")).toBe(r.id);
    const s = await theirs.readonlySession({ branch: "main" });
    const got = await zarr.get(
      await zarr.open.v3(zarr.root(s.store as never).resolve("grid"), { kind: "array" }),
    );
    expect(Array.from(got.data as Int32Array)).toEqual(r.data);
  });

  it("reads a virtual chunk cross-origin without a CORS preflight, checking its ETag", async () => {
    const before = dataServer.requests.length;
    const r = await call("readVirtual", `${dataServer.url}/virtual`, `${dataServer.url}/`, "v");
    expect(r.data).toEqual(Array.from({ length: 16 }, (_, i) => i + 8));
    // the stale ETag is caught from the response headers
    expect(r.modified).toBe("virtual-chunk-modified");
    const seen = dataServer.requests.slice(before);
    const chunkReads = seen.filter((q) => q.url === "/vblob.bin");
    // the second read of the same range may come from the browser's HTTP cache
    expect(chunkReads.length).toBeGreaterThanOrEqual(1);
    expect(chunkReads.every((q) => q.method === "GET" && q.headers.range === "bytes=8-23")).toBe(
      true,
    );
    expect(chunkReads.some((q) => q.headers["if-match"] !== undefined)).toBe(false);
    expect(seen.filter((q) => q.method === "OPTIONS")).toEqual([]);
  });

  it("honours an aborted signal", async () => {
    expect(await call("abortedRead", `${dataServer.url}/ours`)).toBe("AbortError");
  });
});
