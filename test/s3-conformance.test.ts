/**
 * The shared Storage conformance suite, run against `s3Storage` on the real S3 test server.
 * Every conformance test gets its own random prefix in this file's bucket.
 */
import { randomBytes } from "node:crypto";
import { describe } from "vitest";
import { describeStorageConformance } from "../packages/core/__tests__/storage/conformance.js";
import { s3Storage } from "../packages/s3/src/index.js";
import { s3TestConfig } from "./support/s3-server.js";

const s3 = await s3TestConfig({ name: "conformance" });

describe.skipIf(!s3)("s3Storage (Ceph RGW)", () => {
  describeStorageConformance("s3", async () => {
    const storage = s3Storage(s3!.options({ prefix: `conf/${randomBytes(6).toString("hex")}` }));
    return {
      storage,
      async cleanup() {
        const keys: string[] = [];
        for await (const entry of storage.list("")) keys.push(entry.key);
        await storage.delete(keys);
      },
    };
  });
});
