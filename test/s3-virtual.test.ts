/**
 * `s3://` virtual chunks on the real S3 test server (Ceph RGW): signed reads through
 * `s3VirtualChunkFetcher` (@icechunk-ts/s3) with the caller's credentials, ETag enforcement, and
 * anonymous reads of a public bucket over plain HTTPS with the core fetcher (browser-safe).
 */
import { PutObjectCommand } from "@aws-sdk/client-s3";
import {
  inMemoryStorage,
  isIcechunkError,
  Repository,
  type RepositoryConfig,
} from "@icechunk-ts/core";
import { describe, expect, it } from "vitest";
import { s3Storage, s3VirtualChunkFetcher } from "../packages/s3/src/index.js";
import { kind } from "./support/errors.js";
import { s3TestConfig } from "./support/s3-server.js";

const priv = await s3TestConfig({ name: "virtual" });
const pub = await s3TestConfig({ name: "virtual-pub", publicRead: true });
const blob = Uint8Array.from({ length: 4096 }, (_, i) => (i * 31) % 256);
const ARRAY = new TextEncoder().encode(
  JSON.stringify({
    zarr_format: 3,
    node_type: "array",
    shape: [64],
    data_type: "uint8",
    chunk_grid: { name: "regular", configuration: { chunk_shape: [16] } },
    chunk_key_encoding: { name: "default", configuration: { separator: "/" } },
    fill_value: 0,
    codecs: [{ name: "bytes" }],
  }),
);

function containerConfig(
  bucket: string,
  endpointUrl: string,
  anonymous: boolean,
): RepositoryConfig {
  const prefix = `s3://${bucket}/`;
  return {
    virtualChunkContainers: {
      [prefix]: {
        urlPrefix: prefix,
        store: {
          type: "S3Compatible",
          field0: {
            endpointUrl,
            region: "us-east-1",
            forcePathStyle: true,
            allowHttp: true,
            anonymous,
          },
        },
      },
    },
  };
}

describe.skipIf(!priv || !pub)("virtual chunks on S3 (Ceph RGW)", () => {
  it("signed reads with the authorized credentials; a stale ETag is refused; the config round-trips", async () => {
    const put = await s3Storage(priv!.options()).put("data/blob 1.bin", blob);
    if (put.kind !== "written") throw new Error("upload failed");
    const storage = inMemoryStorage();
    await Repository.create(storage, {
      config: containerConfig(priv!.bucket, priv!.endpointUrl, false),
    });
    const prefix = `s3://${priv!.bucket}/`;
    const repo = await Repository.open(storage, {
      authorizeVirtualChunkAccess: { [prefix]: priv!.credentials },
      virtualChunkFetchers: { s3: s3VirtualChunkFetcher() },
    });
    const s = await repo.writableSession("main");
    await s.store.set("v/zarr.json", ARRAY);
    await s.store.setVirtualRef("v/c/0", `${prefix}data/blob%201.bin`, 100, 16, {
      etag: put.version.etag!,
    });
    await s.store.setVirtualRef("v/c/1", `${prefix}data/blob%201.bin`, 4000, 16);
    await s.store.setVirtualRef("v/c/2", `${prefix}data/blob%201.bin`, 0, 16, {
      etag: '"0123456789abcdef0123456789abcdef"',
    });
    await s.commit("virtual on s3");
    const ro = await repo.readonlySession({ branch: "main" });
    expect(Array.from((await ro.store.get("v/c/0"))!)).toEqual(Array.from(blob.subarray(100, 116)));
    expect(Array.from((await ro.store.get("v/c/1"))!)).toEqual(
      Array.from(blob.subarray(4000, 4016)),
    );
    await expect(ro.store.get("v/c/2")).rejects.toSatisfy(kind("virtual-chunk-modified"));
    // without credentials for the (private) bucket the read fails with a typed error
    const anon = await Repository.open(storage, {
      authorizeVirtualChunkAccess: { [prefix]: null },
    });
    await expect(
      (await anon.readonlySession({ branch: "main" })).store.get("v/c/1"),
    ).rejects.toSatisfy((e) => isIcechunkError(e));
  });

  it("anonymous reads of a public bucket over plain HTTPS need no AWS SDK", async () => {
    await pub!.client.send(
      new PutObjectCommand({
        Bucket: pub!.bucket,
        Key: "blob.bin",
        Body: blob,
        ACL: "public-read",
      }),
    );
    const storage = inMemoryStorage();
    const prefix = `s3://${pub!.bucket}/`;
    const repo = await Repository.create(storage, {
      config: containerConfig(pub!.bucket, pub!.endpointUrl, true),
      authorizeVirtualChunkAccess: { [prefix]: null },
    });
    const s = await repo.writableSession("main");
    await s.store.set("v/zarr.json", ARRAY);
    await s.store.setVirtualRef("v/c/3", `${prefix}blob.bin`, 2048, 16);
    expect(Array.from((await s.store.get("v/c/3"))!)).toEqual(
      Array.from(blob.subarray(2048, 2064)),
    );
  });
});
