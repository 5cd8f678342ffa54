/**
 * The web viewer (viewer/) in a real headless Chromium: built once with Vite, served by the
 * `pnpm viewer` server with a repository written here (a 2×6×8 int32 `field`, two commits of
 * different data, a tag and a second branch). Checks what the page lists, the drawn pixels against
 * the colormap, that only the shown slice's chunks are fetched, the commit graph's links, and that
 * failures are shown in the page. Screenshots go to test-output/ (gitignored).
 */
import { execFile } from "node:child_process";
import { cp, mkdir } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { Repository } from "@icechunk-ts/core";
import { localFilesystemStorage } from "@icechunk-ts/core/fs";
import { IcechunkStore } from "@icechunk-ts/zarrita";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as zarr from "zarrita";
import { buildViewer } from "../viewer/build.js";
import { type RunningViewer, startViewer } from "../viewer/serve.js";
import { colorOf } from "../viewer/src/colormap.js";
import { launchChromium } from "./support/chromium.js";
import { makeTempDir, REFERENCE_REPOS_DIR } from "./support/tmp.js";

const ROOT = join(import.meta.dirname, "..");
const SHOTS = join(ROOT, "test-output");
const [T, R, C] = [2, 6, 8];
const first = (t: number, i: number, j: number) => t * 100 + i * C + j;
const second = (t: number, i: number, j: number) => 1000 + t * 100 + (R * C - 1 - (i * C + j));

let browser: Browser;
let page: Page;
let viewer: RunningViewer;
let noCors: Server;
let firstId: string;
let pageDir: string;
let secondId: string;
const cleanups: Array<() => Promise<void>> = [];

async function writeField(repo: Repository, value: typeof first, message: string) {
  const session = await repo.writableSession("main");
  const root = zarr.root(new IcechunkStore(session));
  const arr = await zarr.create(root.resolve("field"), {
    shape: [T, R, C],
    chunkShape: [1, 3, 4],
    dtype: "int32",
    dimensionNames: ["time", "y", "x"],
    attributes: { units: "K", long_name: "test field" },
  });
  const data = Int32Array.from({ length: T * R * C }, (_, n) =>
    value(Math.floor(n / (R * C)), Math.floor(n / C) % R, n % C),
  );
  await zarr.set(arr, null, { data, shape: [T, R, C], stride: [R * C, C, 1] });
  return session.commit(message);
}

/** Loads `query` and waits until the page has drawn (or shown an error). */
async function open(query: string): Promise<string> {
  await page.goto(`${viewer.url}/${query}`);
  await page.waitForFunction(() =>
    ["ready", "error"].includes(document.getElementById("status")?.dataset.state ?? ""),
  );
  return page.evaluate(() => document.getElementById("status")!.dataset.state!);
}

/** RGBA of the slice canvas at data row `i`, column `j`. */
const pixel = (i: number, j: number) =>
  page.evaluate(
    ([y, x]) =>
      Array.from(
        (document.getElementById("slice") as HTMLCanvasElement)
          .getContext("2d")!
          .getImageData(x!, y!, 1, 1).data,
      ),
    [i, j],
  );

/** The canvas equals the colormap of `value` at slice `t` (min/max of that slice) at some points. */
async function expectPicture(value: typeof first, t: number) {
  const values = Array.from({ length: R * C }, (_, n) => value(t, Math.floor(n / C), n % C));
  const [min, max] = [Math.min(...values), Math.max(...values)];
  for (const [i, j] of [
    [0, 0],
    [0, 7],
    [2, 3],
    [3, 4],
    [5, 0],
    [5, 7],
  ] as const)
    expect(await pixel(i, j), `pixel ${i},${j}`).toEqual(colorOf(value(t, i, j), min, max));
  expect(await page.textContent("#legend-min")).toBe(String(min));
  expect(await page.textContent("#legend-max")).toBe(String(max));
}

const chunkRequests = () => viewer.requests.filter((p) => p.startsWith("/repo/chunks/")).length;

beforeAll(async () => {
  const { dir, cleanup } = await makeTempDir();
  cleanups.push(cleanup);
  // chunks as objects of their own (not inlined in manifests), so their fetches can be counted
  const repo = await Repository.create(localFilesystemStorage(join(dir, "repo")), {
    config: { inlineChunkThresholdBytes: 0 },
  });
  firstId = await writeField(repo, first, "first field");
  await repo.createTag("v1", firstId);
  await repo.createBranch("dev", firstId);
  secondId = await writeField(repo, second, "second field");
  pageDir = join(dir, "page");
  await buildViewer(pageDir);
  viewer = await startViewer({ target: join(dir, "repo"), pageDir });
  // a server that answers but sends no CORS headers: browsers refuse its responses to the page
  noCors = createServer((_, res) => res.end("{}"));
  await new Promise<void>((ok) => noCors.listen(0, "127.0.0.1", ok));
  await mkdir(SHOTS, { recursive: true });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1200, height: 1000 } });
  page.on("pageerror", (e) => console.log("[page error]", e.message));
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await viewer?.close();
  noCors?.closeAllConnections();
  await new Promise((ok) => (noCors ? noCors.close(ok) : ok(undefined)));
  for (const c of cleanups) await c();
});

describe("the web viewer", () => {
  it("lists the branches of a spec-1 repository the official implementation wrote (served listing)", async () => {
    const { dir, cleanup } = await makeTempDir();
    cleanups.push(cleanup);
    await cp(join(REFERENCE_REPOS_DIR, "test-repo-v1"), join(dir, "repo"), { recursive: true });
    const v1 = await startViewer({ target: join(dir, "repo"), pageDir });
    cleanups.push(v1.close);
    const ref = await Repository.open(localFilesystemStorage(join(dir, "repo")));
    const expected = await ref.listBranches();
    // a 1-D array of plain chunks (big_chunks points at virtual chunks in an S3 bucket)
    await page.goto(`${v1.pageUrl}&array=/group1/small_chunks`);
    await page.waitForFunction(() =>
      ["ready", "error"].includes(document.getElementById("status")?.dataset.state ?? ""),
    );
    expect(await page.isHidden("#error"), (await page.textContent("#error")) ?? "").toBe(true);
    const branches = await page.evaluate(() =>
      JSON.parse(document.getElementById("branches")!.dataset.names!),
    );
    expect(branches).toEqual(expected);
    expect(branches.length).toBeGreaterThan(1);
    expect(await page.getAttribute("#slice", "height")).toBe("1"); // drawn as one row
    expect(await page.getAttribute("#slice", "width")).toBe("5");
    // zstd-compressed chunks, decoded by icechunk-ts's TypeScript zstd (no WASM codec loaded)
    const theirs = await zarr.open.v3(
      zarr
        .root(new IcechunkStore(await ref.readonlySession({ branch: "main" })))
        .resolve("group1/small_chunks"),
      { kind: "array" },
    );
    const values = Array.from((await zarr.get(theirs)).data as Int8Array);
    const [min, max] = [Math.min(...values), Math.max(...values)];
    for (let j = 0; j < values.length; j++)
      expect(await pixel(0, j)).toEqual(colorOf(values[j]!, min, max));
    expect(await page.textContent("#legend-min")).toBe(String(min));
    expect(await page.textContent("#legend-max")).toBe(String(max));
    expect(v1.requests.filter((p) => /zstd|blosc|lz4|\.wasm/.test(p))).toEqual([]);
    await page.screenshot({ path: join(SHOTS, "viewer-spec1.png"), fullPage: true });
  });

  it("lists branches, tags and nodes, and the array's metadata and attributes", async () => {
    expect(await open(new URL(viewer.pageUrl).search)).toBe("ready");
    const names = (id: string) =>
      page.evaluate((i) => JSON.parse(document.getElementById(i)!.dataset.names!), id);
    expect(await names("branches")).toEqual(["dev", "main"]);
    expect(await names("tags")).toEqual(["v1"]);
    expect(await page.textContent("#nodes")).toContain("field");
    expect(await page.textContent("#version")).toContain(`branch main · snapshot ${secondId}`);
    const attrs = JSON.parse((await page.textContent("#attributes"))!);
    expect(attrs).toEqual({ units: "K", long_name: "test field" });
    const meta = JSON.parse((await page.textContent("#metadata"))!);
    expect(meta.shape).toEqual([T, R, C]);
    expect(meta.dimension_names).toEqual(["time", "y", "x"]);
    expect(await page.isHidden("#error")).toBe(true);
    await page.screenshot({ path: join(SHOTS, "viewer-main.png"), fullPage: true });
  });

  it("draws the slice with the colormap, reading only its chunks; a slider moves it", async () => {
    // a fresh browser context: nothing cached from the other tests
    page = await (await browser.newContext({ viewport: { width: 1200, height: 1000 } })).newPage();
    const before = chunkRequests();
    expect(await open(`?repo=/repo&branch=main&array=/field`)).toBe("ready");
    await expectPicture(second, 0);
    // 2×2 chunks per time step, 8 in the array: only the shown slice's are fetched
    expect(chunkRequests() - before).toBe(4);
    expect(await page.getAttribute("#slice", "width")).toBe(String(C));
    expect(await page.getAttribute("#slice", "height")).toBe(String(R));
    await page.fill("#sliders input[data-dim='0']", "1");
    await page.waitForFunction(
      () =>
        document.getElementById("slice")!.dataset.fixed === "1" &&
        document.getElementById("status")!.dataset.state === "ready",
    );
    await expectPicture(second, 1);
    expect(chunkRequests() - before).toBe(8);
  });

  it("opens a tag, and an older commit clicked in the graph, with that commit's data", async () => {
    expect(await open(`?repo=/repo&tag=v1`)).toBe("ready");
    await expectPicture(first, 0);
    expect(await open(`?repo=/repo`)).toBe("ready");
    await expectPicture(second, 0);
    await Promise.all([
      page.waitForURL((u) => u.searchParams.get("snapshot") === firstId),
      page.click(`#graph text[data-snapshot-id="${firstId}"]`),
    ]);
    await page.waitForFunction(() => document.getElementById("status")?.dataset.state === "ready");
    expect(await page.textContent("#version")).toContain(`snapshot ${firstId}`);
    await expectPicture(first, 0);
    await page.screenshot({ path: join(SHOTS, "viewer-older-commit.png"), fullPage: true });
  });

  it("opens a repository on another origin given by URL (pnpm viewer <url>)", async () => {
    const remote = await startViewer({ target: `${viewer.url}/repo`, pageDir });
    cleanups.push(remote.close);
    expect(new URL(remote.pageUrl).searchParams.get("repo")).toBe(`${viewer.url}/repo`);
    await page.goto(remote.pageUrl);
    await page.waitForFunction(() =>
      ["ready", "error"].includes(document.getElementById("status")?.dataset.state ?? ""),
    );
    expect(await page.isHidden("#error"), (await page.textContent("#error")) ?? "").toBe(true);
    await expectPicture(second, 0);
  });

  it("pnpm viewer: usage errors exit 2, a missing directory exits 1, both with a message", async () => {
    const run = (...args: string[]) =>
      new Promise<{ code: number | null; stderr: string }>((ok) => {
        const child = execFile(
          join(ROOT, "node_modules/.bin/tsx"),
          ["--conditions=@icechunk-ts/source", join(ROOT, "viewer/serve.ts"), ...args],
          { timeout: 60_000 },
          (_err, _stdout, stderr) => ok({ code: child.exitCode, stderr }),
        );
      });
    const [usage, missing] = await Promise.all([run(), run("/nonexistent/icechunk-repo")]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("usage: pnpm viewer <repository-directory-or-http-url>");
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("/nonexistent/icechunk-repo is not a directory");
  });

  it("shows a URL that is no repository as an error in the page", async () => {
    expect(await open(`?repo=/not-a-repository`)).toBe("error");
    expect(await page.isVisible("#error")).toBe(true);
    const text = await page.textContent("#error");
    expect(text).toMatch(/^\[repository-not-found\]: no Icechunk repository found at /);
    expect(text).toContain(`${viewer.url}/not-a-repository`);
    await page.screenshot({ path: join(SHOTS, "viewer-not-a-repo.png") });
  });

  it("shows a server that refuses cross-origin reads (CORS) as an error in the page", async () => {
    const { port } = noCors.address() as AddressInfo;
    expect(await open(`?repo=${encodeURIComponent(`http://127.0.0.1:${port}/repo`)}`)).toBe(
      "error",
    );
    expect(await page.isVisible("#error")).toBe(true);
    const text = await page.textContent("#error");
    expect(text).toMatch(/^\[storage\]: .*network error/);
    expect(text).toContain("CORS");
    await page.screenshot({ path: join(SHOTS, "viewer-cors.png") });
  });
});
