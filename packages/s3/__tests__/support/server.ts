/**
 * @module s3/__tests__/support/server
 * The real S3 server used by the tests (Ceph RGW started by scripts/ceph-s3/up.sh, or any
 * endpoint given through the environment): probing, one fresh bucket per test file.
 *
 * Environment: S3_ENDPOINT (default http://127.0.0.1:7480), S3_ACCESS_KEY_ID (testkey),
 * S3_SECRET_ACCESS_KEY (testsecret), S3_REGION (us-east-1). When the server is unreachable the
 * tests fail under CI (`CI` set) and are skipped with a printed reason otherwise.
 */
import { randomBytes } from "node:crypto";
import {
  CreateBucketCommand,
  ListBucketsCommand,
  PutBucketAclCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import type { S3Options, S3StaticCredentials } from "../../src/index.js";

/** Where the test server is and how to reach one fresh bucket on it. */
export interface S3TestConfig {
  readonly endpointUrl: string;
  readonly region: string;
  readonly credentials: S3StaticCredentials;
  /** The bucket created for this test file. */
  readonly bucket: string;
  /** An admin client (signed, path style, few retries) for setting up and inspecting. */
  readonly client: S3Client;
  /** `S3Options` for this bucket; `overrides` win. */
  options(overrides?: Partial<S3Options>): S3Options;
}

/** Options of `s3TestConfig`. */
export interface S3TestConfigOptions {
  /** Short tag in the bucket name (lowercase letters, digits, dashes). */
  name?: string;
  /** Make the bucket public-read (anonymous GET and LIST). */
  publicRead?: boolean;
}

/** Endpoint and credentials from the environment, with the local Ceph defaults. */
export function s3ServerEnv(): {
  endpointUrl: string;
  region: string;
  credentials: S3StaticCredentials;
} {
  return {
    endpointUrl: process.env.S3_ENDPOINT ?? "http://127.0.0.1:7480",
    region: process.env.S3_REGION ?? "us-east-1",
    credentials: {
      accessKeyId: process.env.S3_ACCESS_KEY_ID ?? "testkey",
      secretAccessKey: process.env.S3_SECRET_ACCESS_KEY ?? "testsecret",
    },
  };
}

/**
 * Probes the server and creates a fresh bucket. Returns undefined (after printing why) when no
 * server is reachable outside CI; throws under CI so a missing server can never pass silently.
 */
export async function s3TestConfig(
  options: S3TestConfigOptions = {},
): Promise<S3TestConfig | undefined> {
  const env = s3ServerEnv();
  const client = new S3Client({
    endpoint: env.endpointUrl,
    region: env.region,
    credentials: env.credentials,
    forcePathStyle: true,
    maxAttempts: 2,
    requestHandler: { connectionTimeout: 2000, requestTimeout: 10_000 },
  });
  try {
    await client.send(new ListBucketsCommand({}), { abortSignal: AbortSignal.timeout(10_000) });
  } catch (err) {
    const reason =
      `S3 test server at ${env.endpointUrl} is not reachable (${err instanceof Error ? err.message : String(err)}); ` +
      "start it with scripts/ceph-s3/install.sh && scripts/ceph-s3/up.sh, or set S3_ENDPOINT";
    if (process.env.CI) throw new Error(`${reason} [CI is set, so this is a failure]`);
    console.warn(`SKIPPING S3 tests: ${reason}`);
    client.destroy();
    return undefined;
  }
  const tag = (options.name ?? "t")
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, "-")
    .slice(0, 30);
  const bucket = `icechunk-ts-${tag}-${randomBytes(5).toString("hex")}`;
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  if (options.publicRead)
    await client.send(new PutBucketAclCommand({ Bucket: bucket, ACL: "public-read" }));
  return {
    ...env,
    bucket,
    client,
    options: (overrides) => ({
      bucket,
      endpointUrl: env.endpointUrl,
      region: env.region,
      credentials: env.credentials,
      forcePathStyle: true,
      allowHttp: true,
      retries: { maxAttempts: 5, initialBackoffMs: 20, maxBackoffMs: 500 },
      ...overrides,
    }),
  };
}
