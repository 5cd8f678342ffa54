/**
 * Lost-response recovery, retries, timeouts and broken streams of `s3Storage`, on the real S3
 * test server with faults injected at the HTTP transport of the storage's own client.
 */
import { describe, expect, it } from "vitest";
import { isIcechunkError } from "../../core/src/index.js";
import { s3Storage, WRITE_ID_METADATA_KEY } from "../src/index.js";
import {
  type Fault,
  header,
  injectFaults,
  isConditionalPut,
  type SeenRequest,
} from "./support/faults.js";
import { HeadObjectCommand } from "./support/sdk.js";
import { s3TestConfig } from "./support/server.js";

const s3 = await s3TestConfig({ name: "faults" });
const bytes = (text: string) => new TextEncoder().encode(text);
const text = (data: Uint8Array | undefined) => (data ? new TextDecoder().decode(data) : undefined);
let n = 0;

/** A storage on a fresh prefix whose transport asks `decide`; retries as given. */
function faulty(decide: (request: SeenRequest) => Fault, maxAttempts = 4, timeouts = {}) {
  const storage = s3Storage(
    s3!.options({
      prefix: `faults/${++n}-${Date.now()}`,
      retries: { maxAttempts, initialBackoffMs: 5, maxBackoffMs: 50 },
      timeouts,
    }),
  );
  const seen = injectFaults(storage.client, decide);
  return { storage, seen };
}

/** Injects `fault` into the first `times` requests matching `match`, passes everything else. */
function firstN(match: (r: SeenRequest) => boolean, fault: Fault, times = 1) {
  let left = times;
  return (r: SeenRequest): Fault => {
    if (left > 0 && match(r)) {
      left--;
      return fault;
    }
    return { kind: "pass" };
  };
}

const isGet = (r: SeenRequest) => r.method === "GET" && !("list-type" in r.query);

describe.skipIf(!s3)("s3Storage fault handling (Ceph RGW)", () => {
  it("recovers a create-if-absent PUT whose response was lost (the SDK retry sees 412)", async () => {
    const { storage, seen } = faulty(firstN(isConditionalPut, { kind: "drop-response" }));
    const result = await storage.put("repo", bytes("mine"), { condition: { ifNoneMatch: "*" } });
    expect(result.kind).toBe("written");
    const puts = seen.filter(isConditionalPut);
    expect(puts).toHaveLength(2); // the dropped one and the retry that got 412
    expect(seen.some((r) => r.method === "HEAD")).toBe(true);
    const got = await storage.get("repo");
    expect(text(got?.data)).toBe("mine");
    if (result.kind === "written") expect(result.version.etag).toBe(got?.version.etag);
  });

  it("recovers a lost response without any SDK retry (maxAttempts 1): HEAD finds our write id", async () => {
    const { storage, seen } = faulty(firstN(isConditionalPut, { kind: "drop-response" }), 1);
    const base = await storage.put("ref.json", bytes("v1"));
    if (base.kind !== "written") throw new Error("setup failed");
    const result = await storage.put("ref.json", bytes("v2"), {
      condition: { ifMatch: base.version },
    });
    expect(result.kind).toBe("written");
    expect(seen.filter(isConditionalPut)).toHaveLength(1);
    expect(text((await storage.get("ref.json"))?.data)).toBe("v2");
    const head = await s3!.client.send(
      new HeadObjectCommand({ Bucket: s3!.bucket, Key: `${storage.prefix}/ref.json` }),
    );
    // Ceph returns the metadata name with '-' for '_'.
    const id = head.Metadata?.[WRITE_ID_METADATA_KEY] ?? head.Metadata?.["icechunk-write-id"];
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("still reports a genuine conflict as version-mismatch when another writer's id is there", async () => {
    const { storage } = faulty(() => ({ kind: "pass" }));
    const other = s3Storage(s3!.options({ prefix: storage.prefix }));
    expect(
      (await other.put("repo", bytes("theirs"), { condition: { ifNoneMatch: "*" } })).kind,
    ).toBe("written");
    expect(await storage.put("repo", bytes("mine"), { condition: { ifNoneMatch: "*" } })).toEqual({
      kind: "version-mismatch",
    });
    expect(text((await storage.get("repo"))?.data)).toBe("theirs");
  });

  it("a lost response with no landed write stays an error", async () => {
    // The request never reaches the server (reset before sending) and retries are off.
    const { storage } = faulty(firstN(isConditionalPut, { kind: "reset" }), 1);
    const err = await storage
      .put("never", bytes("x"), { condition: { ifNoneMatch: "*" } })
      .catch((e) => e);
    expect(isIcechunkError(err, "storage")).toBe(true);
    expect(await storage.get("never")).toBeUndefined();
  });

  it("retries injected 503s on reads and writes", async () => {
    const { storage, seen } = faulty(firstN(isGet, { kind: "status", status: 503 }, 2), 4);
    await storage.put("obj", bytes("payload"));
    expect(text((await storage.get("obj"))?.data)).toBe("payload");
    expect(seen.filter(isGet)).toHaveLength(3);

    const isPut = (r: SeenRequest) => r.method === "PUT";
    const w = faulty(firstN(isPut, { kind: "status", status: 503 }, 2), 4);
    expect((await w.storage.put("obj", bytes("again"))).kind).toBe("written");
    expect(w.seen.filter(isPut)).toHaveLength(3);
  });

  it("gives up after maxAttempts with a StorageError carrying the status", async () => {
    const { storage, seen } = faulty(firstN(isGet, { kind: "status", status: 503 }, 10), 3);
    const err = await storage.get("obj").catch((e) => e);
    expect(isIcechunkError(err, "storage")).toBe(true);
    expect(err.status).toBe(503);
    expect(seen.filter(isGet)).toHaveLength(3);
  });

  it("applies config.storage retries (max_tries) and refuses settings it cannot honour", async () => {
    const storage = s3Storage(
      s3!.options({ prefix: `faults/${++n}-${Date.now()}`, retries: { maxAttempts: 6 } }),
    );
    const unapplied = storage.applySettings!({
      retries: { maxTries: 2, initialBackoffMs: 1, maxBackoffMs: 2 },
      unsafeUseConditionalUpdate: true,
      storageClass: "GLACIER",
    });
    expect(unapplied).toEqual(["storage_class"]);
    // the rebuilt client carries the settings' policy: 2 attempts instead of 6
    const seen = injectFaults(storage.client, firstN(isGet, { kind: "status", status: 503 }, 10));
    const err = await storage.get("obj").catch((e) => e);
    expect(err.status).toBe(503);
    expect(seen.filter(isGet)).toHaveLength(2);
  });

  it("retries 408, 429 and 499 and connection resets, but not 403", async () => {
    for (const fault of [
      { kind: "status", status: 408, code: "RequestTimeout" },
      { kind: "status", status: 429, code: "SlowDown" },
      { kind: "status", status: 499, code: "ClientClosed" },
      { kind: "reset" },
    ] as Fault[]) {
      const { storage, seen } = faulty(
        firstN((r) => r.method === "HEAD", fault, 1),
        3,
      );
      await storage.put("o", bytes("x"));
      expect(await storage.lastModified("o")).toBeInstanceOf(Date);
      expect(seen.filter((r) => r.method === "HEAD")).toHaveLength(2);
    }
    const { storage, seen } = faulty(
      firstN((r) => r.method === "HEAD", { kind: "status", status: 403, code: "AccessDenied" }, 1),
      3,
    );
    const err = await storage.lastModified("o").catch((e) => e);
    expect(isIcechunkError(err, "storage")).toBe(true);
    expect(err.status).toBe(403);
    expect(seen.filter((r) => r.method === "HEAD")).toHaveLength(1);
  });

  it("retries a read whose body stream broke half way", async () => {
    const { storage, seen } = faulty(firstN(isGet, { kind: "break-body", bytes: 3 }, 1), 3);
    const payload = bytes("0123456789".repeat(100));
    await storage.put("blob", payload);
    expect((await storage.get("blob"))?.data).toEqual(payload);
    expect(seen.filter(isGet)).toHaveLength(2);
  });

  it("times out a hanging operation with a StorageError (timeouts.operationMs)", async () => {
    const { storage } = faulty((r) => (isGet(r) ? { kind: "hang" } : { kind: "pass" }), 2, {
      operationMs: 300,
    });
    const err = await storage.get("anything").catch((e) => e);
    expect(isIcechunkError(err, "storage")).toBe(true);
    expect(String(err.message)).toMatch(/timed out/);
  });

  it("aborts a hanging request through the caller's signal with AbortError", async () => {
    const { storage } = faulty((r) => (isGet(r) ? { kind: "hang" } : { kind: "pass" }));
    const controller = new AbortController();
    const pending = storage.get("anything", { signal: controller.signal }).catch((e) => e);
    setTimeout(() => controller.abort(), 50);
    expect(isIcechunkError(await pending, "aborted")).toBe(true);
  });

  it("sends the user agent, the unquoted If-Match and both copy precondition headers", async () => {
    const { storage, seen } = faulty(() => ({ kind: "pass" }));
    const put = await storage.put("repo", bytes("a"));
    if (put.kind !== "written") throw new Error("setup failed");
    await storage.put("repo", bytes("b"), {
      condition: { ifMatch: { etag: `"${put.version.etag}"` } },
    });
    const ifMatch = seen.map((r) => header(r, "if-match")).find((v) => v !== undefined);
    expect(ifMatch).toBeDefined();
    expect(ifMatch).not.toContain('"');
    const current = await storage.get("repo");
    await storage.copy("repo", "overwritten/repo.1", { ifMatch: current!.version });
    const copy = seen.find((r) => header(r, "x-amz-copy-source") !== undefined)!;
    expect(header(copy, "x-amz-copy-source-if-match")).toBe(current!.version.etag);
    expect(header(copy, "x-amz-copy-if-match")).toBe(current!.version.etag);
    const agent = `${header(copy, "user-agent") ?? ""} ${header(copy, "x-amz-user-agent") ?? ""}`;
    expect(agent).toContain("icechunk-ts/0.1.0");
  });
});

describe.skipIf(!s3)("s3Storage request headers", () => {
  it("adds x-amz-request-payer when requesterPays is set", async () => {
    const storage = s3Storage(s3!.options({ prefix: "payer", requesterPays: true }));
    const seen = injectFaults(storage.client, () => ({ kind: "pass" }));
    await storage.put("k", bytes("v"));
    expect(text((await storage.get("k"))?.data)).toBe("v");
    expect(seen.length).toBeGreaterThanOrEqual(2);
    for (const request of seen) expect(header(request, "x-amz-request-payer")).toBe("requester");
  });
});
