/**
 * The shared retry policy against a real local HTTP server that resets connections, stalls
 * bodies and answers 503 / 429: httpStorage, redirect storage and virtual chunk reads retry,
 * honour Retry-After and AbortSignal, and stop at the attempt limit, all counted at the server.
 * `config.storage` settings (retries, timeouts) change that behaviour, or are refused by name.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  httpStorage,
  type IcechunkErrorKind,
  isIcechunkError,
  Repository,
  type RetryOptions,
  redirectStorage,
} from "@icechunk-ts/core";
import { localFilesystemStorage } from "@icechunk-ts/core/fs";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Fault, startHttpServer, type TestHttpServer } from "./support/http-server.js";
import { makeTempDir } from "./support/tmp.js";
import { vector } from "./support/zarr-json.js";

let server: TestHttpServer;
let dir: string;
let cleanup: () => Promise<void>;
const blob = Uint8Array.from({ length: 4096 }, (_, i) => i % 251);
const fast: RetryOptions = { maxAttempts: 5, initialBackoffMs: 1, maxBackoffMs: 5 };
const kind = (k: IcechunkErrorKind) => (e: unknown) => isIcechunkError(e, k);

beforeAll(async () => {
  ({ dir, cleanup } = await makeTempDir());
  await writeFile(join(dir, "blob.bin"), blob);
  server = await startHttpServer({ root: dir });
});
afterAll(async () => {
  await server?.close();
  await cleanup?.();
});
beforeEach(() => server.setFault(undefined));

/** Faults for the first requests to `path`, then normal answers; counts requests to `path`. */
function failFirst(path: string, faults: Fault[]): () => number {
  let seen = 0;
  server.setFault(({ url }) => {
    if (!url.startsWith(path)) return undefined;
    return faults[seen++];
  });
  return () => seen;
}

describe("httpStorage retries", () => {
  it("retries 503, connection resets and stalled bodies, then returns the right bytes", async () => {
    const storage = httpStorage(server.url, { retries: fast, stalledStreamTimeoutMs: 1000 });
    const count = failFirst("/blob.bin", [
      { status: 503 },
      "reset",
      { stallAfterBytes: 10 },
      { truncateTo: 100 },
    ]);
    const got = await storage.get("blob.bin");
    expect(Array.from(got!.data)).toEqual(Array.from(blob));
    expect(count()).toBe(5);
  });

  it("honours Retry-After on 429", async () => {
    const storage = httpStorage(server.url, {
      retries: { maxAttempts: 3, initialBackoffMs: 1, maxBackoffMs: 60_000 },
    });
    const count = failFirst("/blob.bin", [{ status: 429, headers: { "Retry-After": "1" } }]);
    const started = Date.now();
    const got = await storage.get("blob.bin", { range: { offset: 5, length: 3 } });
    expect(Array.from(got!.data)).toEqual([5, 6, 7]);
    expect(count()).toBe(2);
    // the wait is the server's one second, not the 1 ms backoff (a lower bound only)
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it("stops at maxAttempts with the last status, and never retries 403 or 404", async () => {
    const storage = httpStorage(server.url, { retries: { ...fast, maxAttempts: 3 } });
    let count = failFirst("/blob.bin", Array(10).fill({ status: 503 }));
    const err = await storage.get("blob.bin").catch((e: unknown) => e);
    expect(isIcechunkError(err, "storage")).toBe(true);
    expect((err as { status?: number }).status).toBe(503);
    expect(count()).toBe(3);
    count = failFirst("/blob.bin", Array(10).fill({ status: 403 }));
    await expect(storage.get("blob.bin")).rejects.toSatisfy(kind("storage"));
    expect(count()).toBe(1);
    const before = server.requests.length;
    expect(await storage.get("missing.bin")).toBeUndefined();
    expect(server.requests.length - before).toBe(1);
  });

  it("an abort ends the backoff wait", async () => {
    const storage = httpStorage(server.url, {
      retries: { maxAttempts: 10, initialBackoffMs: 60_000, maxBackoffMs: 60_000 },
    });
    const count = failFirst("/blob.bin", Array(10).fill({ status: 503 }));
    const controller = new AbortController();
    const pending = storage.get("blob.bin", { signal: controller.signal });
    while (count() === 0) await new Promise((r) => setTimeout(r, 5));
    controller.abort();
    await expect(pending).rejects.toSatisfy(kind("aborted"));
    expect(count()).toBe(1);
  });

  it("retries a listing page", async () => {
    const storage = httpStorage(server.url, { retries: fast });
    const count = failFirst("/?list-type=2", [{ status: 500 }, "reset"]);
    const keys: string[] = [];
    for await (const e of storage.list("")) keys.push(e.key);
    expect(keys).toContain("blob.bin");
    expect(count()).toBe(3);
  });
});

describe("redirect storage and virtual chunks share the policy", () => {
  it("retries the redirect lookup", async () => {
    const storage = redirectStorage(`${server.url}/redirect/`, { retries: fast });
    const count = failFirst("/redirect/", [{ status: 503 }, "reset"]);
    const got = await storage.get("blob.bin");
    expect(got?.data.length).toBe(blob.length);
    expect(count()).toBe(3);
  });

  it("retries virtual chunk reads (503, reset, 429) through the repository", async () => {
    const prefix = `${server.url}/`;
    const repoDir = join(dir, "vrepo");
    const repo = await Repository.create(localFilesystemStorage(repoDir), {
      config: {
        virtualChunkContainers: {
          [prefix]: { urlPrefix: prefix, store: { type: "Http", field0: {} } },
        },
      },
    });
    const s = await repo.writableSession("main");
    await s.store.set("v/zarr.json", vector(16, 16));
    await s.store.setVirtualRef("v/c/0", `${prefix}blob.bin`, 100, 16);
    await s.commit("virtual");
    const reopened = await Repository.open(localFilesystemStorage(repoDir), {
      authorizeVirtualChunkAccess: { [prefix]: null },
    });
    const ro = await reopened.readonlySession({ branch: "main" });
    const count = failFirst("/blob.bin", [{ status: 503 }, "reset", { status: 429 }]);
    const got = await ro.store.get("v/c/0");
    expect(Array.from(got!)).toEqual(Array.from(blob.subarray(100, 116)));
    expect(count()).toBe(4);
  }, 20_000);
});

describe("config.storage is applied or refused", () => {
  /** A repository with one 4 KiB native chunk at `a/c/0`, served at `<server>/<name>`. */
  async function publish(name: string, storage: object) {
    const repo = await Repository.create(localFilesystemStorage(join(dir, name)), {
      config: { storage: storage as never },
    });
    const s = await repo.writableSession("main");
    await s.store.set("a/zarr.json", vector(4096, 4096));
    await s.store.set("a/c/0", blob);
    await s.commit("one chunk");
    return `${server.url}/${name}`;
  }

  /** Reads `a/c/0` over HTTP; resolves the bytes or the error. */
  async function readChunk(url: string) {
    const repo = await Repository.open(httpStorage(url));
    const ro = await repo.readonlySession({ branch: "main" });
    return ro.store.get("a/c/0").catch((e: unknown) => e);
  }

  it("retries.max_tries bounds the attempts (counted at the server)", async () => {
    const url = await publish("r2", {
      retries: { max_tries: 2, initial_backoff_ms: 1, max_backoff_ms: 2 },
    });
    const count = failFirst("/r2/chunks/", Array(20).fill({ status: 503 }));
    expect(isIcechunkError(await readChunk(url), "storage")).toBe(true);
    // the default policy would have tried 10 times
    expect(count()).toBe(2);
    const again = failFirst("/r2/repo", Array(20).fill({ status: 503 }));
    const err = await Repository.open(
      httpStorage(url, { retries: { initialBackoffMs: 1, maxBackoffMs: 2 } }),
    ).catch((e: unknown) => e);
    expect(isIcechunkError(err, "storage")).toBe(true);
    // opening reads `repo` before the config is known: the default of 10 tries applies there
    expect(again()).toBe(10);
  }, 30_000);

  it("timeouts.operation_attempt_timeout_ms ends a stalled attempt and is retried", async () => {
    const url = await publish("t1", {
      retries: { max_tries: 6, initial_backoff_ms: 1, max_backoff_ms: 2 },
      timeouts: { operation_attempt_timeout_ms: 1000 },
    });
    const count = failFirst("/t1/chunks/", [{ stallAfterBytes: 1 }, { stallAfterBytes: 1 }]);
    const got = await readChunk(url);
    expect(Array.from(got as Uint8Array)).toEqual(Array.from(blob));
    // two attempts ended by the timeout (a stalled body never ends by itself), then success
    expect(count()).toBeGreaterThanOrEqual(3);
  }, 30_000);

  it("concurrency splits a large read into parallel ranged GETs of the ideal size", async () => {
    const url = await publish("s1", {
      concurrency: { ideal_concurrent_request_size: 1000, max_concurrent_requests_for_object: 2 },
    });
    const before = server.requests.length;
    const got = await readChunk(url);
    expect(Array.from(got as Uint8Array)).toEqual(Array.from(blob));
    const ranges = server.requests
      .slice(before)
      .filter((r) => r.url.startsWith("/s1/chunks/") && r.method === "GET")
      .map((r) => r.headers.range)
      .sort();
    expect(ranges).toEqual([
      "bytes=0-999",
      "bytes=1000-1999",
      "bytes=2000-2999",
      "bytes=3000-3999",
      "bytes=4000-4095",
    ]);
  });

  it("concurrency clips a range that passes the object's end before splitting it", async () => {
    const url = await publish("s2", {
      concurrency: { ideal_concurrent_request_size: 1000, max_concurrent_requests_for_object: 2 },
    });
    await readChunk(url);
    const chunkUrl = server.requests.filter((r) => r.url.startsWith("/s2/chunks/")).at(-1)!.url;
    const storage = httpStorage(url);
    await Repository.open(storage); // applies the repository's config.storage to the storage
    const before = server.requests.length;
    // a bounded read whose cap is 1 GB past the end, as metadata reads are capped
    const got = await storage.get(chunkUrl.slice("/s2/".length), {
      range: { offset: 0, length: 2 ** 30 },
    });
    expect(Array.from(got!.data)).toEqual(Array.from(blob));
    const gets = server.requests.slice(before).filter((r) => r.method === "GET");
    expect(gets.length).toBe(5);
  });

  it("a setting the backend cannot honour: refused when the caller passes it, ignored when persisted", async () => {
    const unsupported = { timeouts: { connect_timeout_ms: 1000 } };
    const url = await publish("c1", unsupported);
    // the caller's own setting is refused by name, before any request
    const before = server.requests.length;
    const err = await Repository.open(httpStorage(url), {
      config: { storage: unsupported as never },
    }).catch((e: unknown) => e);
    expect(isIcechunkError(err, "unsupported-storage-setting")).toBe(true);
    expect((err as Error).message).toContain("timeouts.connect_timeout_ms");
    expect(server.requests.length).toBe(before);
    // a repository written elsewhere with that setting persisted still opens and reads (as upstream)
    expect(Array.from((await readChunk(url)) as Uint8Array)).toEqual(Array.from(blob));
    // local backends have nothing to apply them to (as upstream): the repository opens
    await Repository.open(localFilesystemStorage(join(dir, "c1")));
  });
});
