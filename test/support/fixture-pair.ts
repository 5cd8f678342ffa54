/**
 * @module test/support/fixture-pair
 * A copy of a reference repository opened by icechunk-ts and by the native official build.
 */
import { Repository } from "@icechunk-ts/core";
import { localFilesystemStorage } from "@icechunk-ts/core/fs";
import { expect } from "vitest";
import { loadNativeOracle, nativeOracleUnavailableReason } from "./oracle.js";
import { copyFixture } from "./tmp.js";

/** Copies fixture `name`, opens the copy with both implementations; `cleanup` removes it. */
export async function openFixturePair(name: string) {
  const oracle = await loadNativeOracle();
  expect(oracle, `native oracle unavailable: ${nativeOracleUnavailableReason}`).toBeDefined();
  const { dir, cleanup } = await copyFixture(name);
  const ours = await Repository.open(localFilesystemStorage(dir));
  const theirs = await oracle!.Repository.open(await oracle!.Storage.newLocalFilesystem(dir));
  return { dir, ours, theirs, cleanup };
}
