/**
 * Stalled downloads: a local HTTP server answers the first GET with headers and a few body bytes,
 * then goes silent. Ceph cannot be made to stall on demand, so this one behaviour is exercised
 * against a tiny stand-in server; `networkStreamTimeoutSeconds` must end the stalled attempt and the read
 * must be retried.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isIcechunkError } from "../../core/src/index.js";
import { s3Storage } from "../src/index.js";

const body = Buffer.from("x".repeat(1000));
let server: Server;
let endpoint: string;
let stallsLeft = 0;
let gets = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.method !== "GET") {
      res.writeHead(405).end();
      return;
    }
    gets++;
    res.writeHead(200, { "content-length": String(body.length), etag: '"0123456789abcdef"' });
    if (stallsLeft > 0) {
      stallsLeft--;
      res.write(body.subarray(0, 10)); // ...and never more
      return;
    }
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function storage(maxAttempts: number) {
  return s3Storage({
    bucket: "b",
    endpointUrl: endpoint,
    allowHttp: true,
    forcePathStyle: true,
    credentials: { accessKeyId: "k", secretAccessKey: "s" },
    retries: { maxAttempts, initialBackoffMs: 5, maxBackoffMs: 20 },
    networkStreamTimeoutSeconds: 0.3,
  });
}

describe("stalled downloads", () => {
  it("abandons a stalled body after the grace period and retries the read", async () => {
    stallsLeft = 1;
    gets = 0;
    const got = await storage(3).get("some/key");
    expect(Buffer.from(got!.data).equals(body)).toBe(true);
    expect(got!.version.etag).toBe("0123456789abcdef");
    expect(gets).toBe(2);
  });

  it("gives up with a StorageError when every attempt stalls", async () => {
    stallsLeft = 5;
    gets = 0;
    const err = await storage(2)
      .get("some/key")
      .catch((e) => e);
    expect(isIcechunkError(err, "storage")).toBe(true);
    expect(gets).toBe(2);
  });
});
