/**
 * Every repository written by the Rust implementation (../shared/fixtures/reference-repos) reads
 * identically through icechunk-ts and through the official implementation: refs, ancestry, every
 * snapshot's keys, every zarr.json and every chunk's bytes.
 */
import { Repository } from "@icechunk-ts/core";
import { localFilesystemStorage } from "@icechunk-ts/core/fs";
import { afterAll, describe, expect, it } from "vitest";
import { compareRepositories } from "./support/compare.js";
import { loadNativeOracle, nativeOracleUnavailableReason } from "./support/oracle.js";
import { copyFixture, listReferenceRepos } from "./support/tmp.js";

const fixtures = listReferenceRepos();
const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of cleanups) await c();
});

describe("reference repositories read identically to the official implementation", () => {
  it("finds the fixtures", () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(11);
  });

  for (const name of fixtures) {
    it(name, async () => {
      const oracle = await loadNativeOracle();
      expect(oracle, `native oracle unavailable: ${nativeOracleUnavailableReason}`).toBeDefined();
      const { dir, cleanup } = await copyFixture(name);
      cleanups.push(cleanup);
      const ours = await Repository.open(localFilesystemStorage(dir));
      const theirs = await oracle!.Repository.open(await oracle!.Storage.newLocalFilesystem(dir));
      expect(ours.specVersion).toBe(theirs.specVersion);
      const { snapshots } = await compareRepositories(ours, theirs);
      expect(snapshots.length).toBeGreaterThan(0);
    });
  }
});
