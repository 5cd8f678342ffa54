/**
 * Credentials, anonymous access and the server's ETag rules, on the real S3 test server.
 */
import { describe, expect, it } from "vitest";
import { isIcechunkError } from "../../core/src/index.js";
import { createS3Client, S3ConfigError, s3Storage } from "../src/index.js";
import { GetObjectCommand, PutObjectCommand } from "./support/sdk.js";
import { s3TestConfig } from "./support/server.js";

const s3 = await s3TestConfig({ name: "auth" });
const pub = await s3TestConfig({ name: "public", publicRead: true });
const bytes = (text: string) => new TextEncoder().encode(text);
const text = (data: Uint8Array | undefined) => (data ? new TextDecoder().decode(data) : undefined);

describe.skipIf(!s3 || !pub)("s3Storage credentials and server rules (Ceph RGW)", () => {
  it("calls a refreshable credentials provider, and again once the credentials near expiry", async () => {
    let calls = 0;
    const storage = s3Storage(
      s3!.options({
        prefix: "refresh",
        credentials: async () => {
          calls++;
          // Inside the SDK's 5-minute refresh window: every request asks for fresh credentials.
          return { ...s3!.credentials, expiration: new Date(Date.now() + 60_000) };
        },
      }),
    );
    expect((await storage.put("a", bytes("1"))).kind).toBe("written");
    expect(calls).toBeGreaterThanOrEqual(1);
    const before = calls;
    expect(text((await storage.get("a"))?.data)).toBe("1");
    expect(calls).toBeGreaterThan(before);
  });

  it("keeps long-lived provider credentials cached", async () => {
    let calls = 0;
    const storage = s3Storage(
      s3!.options({
        prefix: "cached",
        credentials: async () => {
          calls++;
          return { ...s3!.credentials, expiration: new Date(Date.now() + 3_600_000) };
        },
      }),
    );
    await storage.put("a", bytes("1"));
    await storage.get("a");
    await storage.lastModified("a");
    expect(calls).toBe(1);
  });

  it("fails with a 403 StorageError on wrong credentials", async () => {
    const storage = s3Storage(
      s3!.options({
        credentials: { accessKeyId: "testkey", secretAccessKey: "wrong" },
        retries: { maxAttempts: 1 },
      }),
    );
    const err = await storage.get("a").catch((e) => e);
    expect(isIcechunkError(err, "storage")).toBe(true);
    expect(err.status).toBe(403);
  });

  it("reads a public-read bucket anonymously, but cannot write to it", async () => {
    const writer = s3Storage(pub!.options({ prefix: "repo" }));
    await writer.put("chunks/c1", bytes("public bytes"));
    // Object ACLs are per object on RGW: make this one readable by everyone too.
    await pub!.client.send(
      new PutObjectCommand({
        Bucket: pub!.bucket,
        Key: "repo/chunks/c2",
        Body: "public too",
        ACL: "public-read",
      }),
    );
    const reader = s3Storage({
      bucket: pub!.bucket,
      prefix: "repo",
      endpointUrl: pub!.endpointUrl,
      forcePathStyle: true,
      allowHttp: true,
      anonymous: true,
      retries: { maxAttempts: 1 },
    });
    const keys: string[] = [];
    for await (const entry of reader.list("chunks")) keys.push(entry.key);
    expect(keys.sort()).toEqual(["c1", "c2"]);
    expect(text((await reader.get("chunks/c2", { range: { offset: 7, length: 3 } }))?.data)).toBe(
      "too",
    );
    // Without its own public-read ACL, an object in a public-read bucket stays private on RGW.
    const privateObject = await reader.get("chunks/c1").catch((e) => e);
    expect(privateObject.status).toBe(403);
    const denied = await reader.put("chunks/c3", bytes("x")).catch((e) => e);
    expect(isIcechunkError(denied, "storage")).toBe(true);
    expect(denied.status).toBe(403);
  });

  it("anonymous reads of a private bucket are denied", async () => {
    await s3Storage(s3!.options({ prefix: "private" })).put("obj", bytes("secret"));
    const reader = s3Storage({
      bucket: s3!.bucket,
      prefix: "private",
      endpointUrl: s3!.endpointUrl,
      forcePathStyle: true,
      allowHttp: true,
      anonymous: true,
      retries: { maxAttempts: 1 },
    });
    const err = await reader.get("obj").catch((e) => e);
    expect(isIcechunkError(err, "storage")).toBe(true);
    expect(err.status).toBe(403);
  });

  it("Ceph accepts only the unquoted ETag in If-Match; 304 works either way", async () => {
    const client = s3!.client;
    const Bucket = s3!.bucket;
    const first = await client.send(new PutObjectCommand({ Bucket, Key: "etag/obj", Body: "v1" }));
    const quoted = first.ETag!;
    expect(quoted.startsWith('"')).toBe(true);
    const unquoted = quoted.slice(1, -1);
    const withQuotes = await client
      .send(new PutObjectCommand({ Bucket, Key: "etag/obj", Body: "v2", IfMatch: quoted }))
      .catch((e) => e);
    expect(withQuotes.$metadata?.httpStatusCode).toBe(412);
    const ok = await client.send(
      new PutObjectCommand({ Bucket, Key: "etag/obj", Body: "v2", IfMatch: unquoted }),
    );
    expect(ok.$metadata.httpStatusCode).toBe(200);
    for (const etag of [ok.ETag!, ok.ETag!.slice(1, -1)]) {
      const notModified = await client
        .send(new GetObjectCommand({ Bucket, Key: "etag/obj", IfNoneMatch: etag }))
        .catch((e) => e);
      expect(notModified.$metadata?.httpStatusCode).toBe(304);
    }
  });

  it("refuses a plain-http endpoint unless allowHttp is set", () => {
    expect(() => createS3Client({ bucket: "b", endpointUrl: "http://127.0.0.1:1" })).toThrow(
      S3ConfigError,
    );
    expect(() =>
      createS3Client({ bucket: "b", endpointUrl: "http://127.0.0.1:1", allowHttp: true }),
    ).not.toThrow();
  });
});
