/**
 * A Node service using every entry point: write and commit on the local filesystem, open S3
 * storage. Type-checked (never run) in the consumer project under every configuration.
 */
import { isIcechunkError, Repository } from "@icechunk-ts/core";
import { localFilesystemStorage } from "@icechunk-ts/core/fs";
import { s3Storage } from "@icechunk-ts/s3";
import { IcechunkStore } from "@icechunk-ts/zarrita";
import * as zarr from "zarrita";
import { readArray } from "./browser.js";

/** Fills a new array and commits; returns the new snapshot id. */
export async function writeOnce(dir: string): Promise<string> {
  const repo = await Repository.openOrCreate(localFilesystemStorage(dir));
  const session = await repo.writableSession("main");
  const root = zarr.root(new IcechunkStore(session));
  const a = await zarr.create(root.resolve("a"), {
    shape: [100],
    chunkShape: [10],
    dtype: "int32",
  });
  await zarr.set(a, null, 42);
  try {
    return await session.commit("fill a with 42", { metadata: { author: "me" } });
  } catch (err) {
    if (isIcechunkError(err)) console.error(err.kind);
    throw err;
  }
}

/** Opens a repository in a bucket. */
export async function openS3(bucket: string): Promise<Repository> {
  const storage = s3Storage({ bucket, prefix: "repos/weather", region: "eu-west-1" });
  return Repository.open(storage);
}

export { readArray };
