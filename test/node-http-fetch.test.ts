/**
 * nodeHttpFetch: the node:http keep-alive transport behind httpStorage and the HTTP virtual chunk
 * fetcher gives the same answers as fetch against the local server (ranges, 404, HEAD, conditional
 * GETs), survives the retry faults (503, resets, stalled and truncated bodies), and honours aborts.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { httpStorage, type IcechunkErrorKind, isIcechunkError } from "@icechunk-ts/core";
import { nodeHttpFetch } from "@icechunk-ts/core/fs";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startHttpServer, type TestHttpServer } from "./support/http-server.js";
import { makeTempDir } from "./support/tmp.js";

let server: TestHttpServer;
let cleanup: () => Promise<void>;
const blob = new Uint8Array(3 << 20).map((_, i) => (i * 31) % 251); // above the buffer limit
const small = blob.slice(0, 4096);
const kind = (k: IcechunkErrorKind) => (e: unknown) => isIcechunkError(e, k);
/** Byte equality without vitest's element-wise diff (slow on megabytes). */
const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));
const transport = nodeHttpFetch({ idleTimeoutMs: 500 });

beforeAll(async () => {
  let dir: string;
  ({ dir, cleanup } = await makeTempDir());
  await writeFile(join(dir, "blob.bin"), blob);
  await writeFile(join(dir, "small.bin"), small);
  server = await startHttpServer({ root: dir });
});
afterAll(async () => {
  await server?.close();
  await cleanup?.();
});
beforeEach(() => server.setFault(undefined));

describe("nodeHttpFetch", () => {
  it("answers as fetch does: whole objects, ranges, 404, conditional GETs", async () => {
    const ours = httpStorage(server.url, { fetch: transport });
    const ref = httpStorage(server.url);
    for (const key of ["small.bin", "blob.bin"]) {
      const a = await ours.get(key);
      expect(same(a!.data, (await ref.get(key))!.data)).toBe(true);
      const r = await ours.get(key, { range: { offset: 1000, length: 77 } });
      expect(r!.data).toEqual(blob.slice(1000, 1077));
      if (ours.getIfModified) {
        const same = await ours.getIfModified(key, a!.version);
        expect(same).toEqual(await ref.getIfModified!(key, a!.version));
      }
    }
    expect(await ours.get("missing.bin")).toBeUndefined();
  });

  it("retries 503, resets, stalled and truncated bodies, then returns the right bytes", async () => {
    const storage = httpStorage(server.url, {
      fetch: transport,
      retries: { maxAttempts: 5, initialBackoffMs: 1, maxBackoffMs: 5 },
      stalledStreamTimeoutMs: 500,
    });
    for (const key of ["small.bin", "blob.bin"]) {
      let seen = 0;
      const faults = [
        { status: 503 },
        "reset",
        { stallAfterBytes: 10 },
        { truncateTo: 100 },
      ] as const;
      server.setFault(({ url }) => (url.startsWith(`/${key}`) ? faults[seen++] : undefined));
      const got = await storage.get(key);
      expect(same(got!.data, key === "small.bin" ? small : blob)).toBe(true);
      expect(seen).toBe(5);
    }
  });

  it("an abort ends the request with an aborted error", async () => {
    server.setLatency(2000);
    try {
      const storage = httpStorage(server.url, { fetch: transport });
      const controller = new AbortController();
      const p = storage.get("small.bin", { signal: controller.signal });
      setTimeout(() => controller.abort(), 20);
      await expect(p).rejects.toSatisfy(kind("aborted"));
    } finally {
      server.setLatency(0);
    }
  });
});
