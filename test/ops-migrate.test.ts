/**
 * Upgrading spec-1 repositories to spec 2: copies of the Rust-written spec-1 fixtures and our own
 * spec-1 repositories are migrated; the official implementation opens the result as spec 2 with
 * the same refs, ancestry and content; the repo info (refs, snapshots, synthetic ops log, status)
 * equals the one the Rust implementation produced for the same fixture; dry runs and
 * `deleteUnusedV1Files: false` behave; a spec-2 repository is refused.
 */
import { access, readFile } from "node:fs/promises";
import { join } from "node:path";
import {
  isIcechunkError,
  MigrationFailedError,
  type Progress,
  Repository,
  type Storage,
  upgradeRepository,
} from "@icechunk-ts/core";
import { localFilesystemStorage } from "@icechunk-ts/core/fs";
import { afterAll, describe, expect, it } from "vitest";
import { FileType } from "../packages/core/src/format/constants.js";
import { decodeObjectFile } from "../packages/core/src/format/object-file.js";
import { decodeRepoInfo, type RepoInfoData } from "../packages/core/src/format/repo-info.js";
import { compareRepositories } from "./support/compare.js";
import { buildHistory, expectSameDiff, type TheirRepository } from "./support/ops-history.js";
import {
  loadNativeOracle,
  loadOracle,
  nativeOracleUnavailableReason,
  oracleStorage,
} from "./support/oracle.js";
import { copyFixture, makeTempDir, referenceRepoPath } from "./support/tmp.js";

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of cleanups) await c();
});

const exists = (p: string) =>
  access(p).then(
    () => true,
    () => false,
  );
const readInfo = async (dir: string): Promise<RepoInfoData> =>
  decodeRepoInfo(
    decodeObjectFile(await readFile(join(dir, "repo")), FileType.RepoInfo, {}).payload,
  );

async function histories(repo: Repository) {
  const out: Record<string, string[]> = {};
  for (const b of await repo.listBranches())
    out[`branch ${b}`] = (await repo.ancestry({ branch: b })).map((s) => s.id);
  for (const t of await repo.listTags())
    out[`tag ${t}`] = (await repo.ancestry({ tag: t })).map((s) => s.id);
  return out;
}

describe("upgrading the Rust-written spec-1 fixtures", () => {
  for (const [name, migrated] of [
    ["test-repo-v1", "test-repo-v2-migrated"],
    ["split-repo-v1", "split-repo-v2-migrated"],
  ] as const) {
    it(`${name}: same refs, history and content; the repo info matches ${migrated}`, async () => {
      const oracle = await loadNativeOracle();
      expect(oracle, `native oracle unavailable: ${nativeOracleUnavailableReason}`).toBeDefined();
      const { dir, cleanup } = await copyFixture(name);
      cleanups.push(cleanup);
      const v1 = await Repository.open(localFilesystemStorage(dir));
      expect(v1.specVersion).toBe(1);
      const before = await histories(v1);
      const upgraded = await upgradeRepository(v1);
      expect(upgraded.specVersion).toBe(2);
      const leftovers: string[] = [];
      for await (const e of localFilesystemStorage(dir).list("refs")) leftovers.push(e.key);
      expect(leftovers).toEqual([]);
      expect(await exists(join(dir, "config.yaml"))).toBe(false);
      expect(await histories(upgraded)).toEqual(before);
      const theirs = await oracle!.Repository.open(await oracle!.Storage.newLocalFilesystem(dir));
      expect(theirs.specVersion).toBe(2);
      await compareRepositories(await Repository.open(localFilesystemStorage(dir)), theirs);

      const ours = await readInfo(dir);
      const rust = await readInfo(referenceRepoPath(migrated));
      const sortById = (xs: RepoInfoData["snapshots"]) =>
        [...xs].sort((a, b) => (a.id < b.id ? -1 : 1));
      expect(ours.tags).toEqual(rust.tags);
      expect(ours.branches).toEqual(rust.branches);
      expect(ours.deletedTags).toEqual(rust.deletedTags);
      expect(sortById(ours.snapshots)).toEqual(sortById(rust.snapshots));
      expect(ours.status).toEqual(rust.status);
      expect(ours.metadata).toEqual(rust.metadata);
      expect(ours.latestUpdates[0]!.update).toEqual({
        type: "repo-migrated",
        fromVersion: 1,
        toVersion: 2,
      });
      // the synthetic history is the same, entry for entry and time for time
      expect(ours.latestUpdates.slice(1)).toEqual(rust.latestUpdates.slice(1));
      expect((await upgraded.opsLog()).at(-1)!.type).toBe("repo-initialized");
    });
  }
});

describe("upgrading our own spec-1 repositories", () => {
  async function ownV1() {
    const { dir, cleanup } = await makeTempDir("icechunk-ops-migrate-");
    cleanups.push(cleanup);
    await Repository.create(localFilesystemStorage(dir), {
      specVersion: 1,
      config: { inlineChunkThresholdBytes: 100 },
    });
    const oracle = await loadOracle();
    const ours = () => Repository.open(localFilesystemStorage(dir));
    const theirs = async (): Promise<TheirRepository> =>
      oracle.Repository.open(await oracleStorage(localFilesystemStorage(dir)));
    const h = await buildHistory(ours, theirs);
    const repo = await ours();
    await repo.createTag("gone", h.c4);
    await repo.deleteTag("gone");
    return { dir, ours, theirs, h };
  }

  it("a dry run changes nothing; then the upgrade keeps every ref, snapshot and diff", async () => {
    const { dir, ours, theirs, h } = await ownV1();
    const v1 = await ours();
    const before = await histories(v1);
    const dry: Progress[] = [];
    expect(await upgradeRepository(v1, { dryRun: true, onProgress: (p) => dry.push(p) })).toBe(v1);
    expect(await exists(join(dir, "repo"))).toBe(false);
    expect((await ours()).specVersion).toBe(1);
    const refFiles: string[] = [];
    for await (const e of localFilesystemStorage(dir).list("refs")) refFiles.push(e.key);

    const events: Progress[] = [];
    const upgraded = await upgradeRepository(await ours(), { onProgress: (p) => events.push(p) });
    expect(await histories(upgraded)).toEqual(before);
    // progress: every snapshot read, the repo object written, each spec-1 file deleted
    const snapshots = (await readInfo(dir)).snapshots.length;
    const phase = (ps: Progress[], name: string) => ps.filter((p) => p.phase === name);
    expect(phase(events, "snapshots").map((p) => p.done)).toEqual(
      Array.from({ length: snapshots + 1 }, (_, i) => i),
    );
    expect(phase(events, "write")).toEqual([
      { phase: "write", done: 0, total: 1 },
      { phase: "write", done: 1, total: 1 },
    ]);
    const deletes = phase(events, "delete");
    expect(deletes[0]).toEqual({ phase: "delete", done: 0, total: refFiles.length + 1 });
    expect(deletes.at(-1)).toEqual({
      phase: "delete",
      done: refFiles.length + 1,
      total: refFiles.length + 1,
    });
    expect([...new Set(events.map((p) => p.phase))]).toEqual(["snapshots", "write", "delete"]);
    // a dry run reads the same snapshots and writes nothing
    expect(dry).toEqual(phase(events, "snapshots"));
    expect(upgraded.config.inlineChunkThresholdBytes).toBe(100);
    const them = await theirs();
    expect(them.specVersion).toBe(2);
    await compareRepositories(upgraded, them);
    await expectSameDiff(upgraded, them, h.c1, h.c5);
    await expectSameDiff(upgraded, them, h.c2, h.f2);
    await expect(them.createTag("gone", h.c5)).rejects.toBeDefined();
    const log = await upgraded.opsLog();
    expect(log[0]!.type).toBe("repo-migrated");
    expect(log.filter((e) => e.type === "tag-deleted")).toEqual([
      expect.objectContaining({ name: "gone", previousSnapId: h.c4 }),
    ]);
    for (let i = 1; i < log.length; i++)
      expect(log[i - 1]!.updatedAt).toBeGreaterThan(log[i]!.updatedAt);
    // the upgraded repository takes new commits from both implementations
    const s = await upgraded.writableSession("main");
    await s.store.set(
      "n/zarr.json",
      new TextEncoder().encode('{"zarr_format":3,"node_type":"group"}'),
    );
    await s.commit("after the upgrade");
    await compareRepositories(await ours(), await theirs());
    // and cannot be upgraded twice
    await expect(upgradeRepository(await ours())).rejects.toSatisfy((e: unknown) =>
      isIcechunkError(e, "spec-version-required"),
    );
  });

  it("deleteUnusedV1Files: false keeps refs/ and config.yaml; the repo object wins", async () => {
    const { dir, ours, theirs } = await ownV1();
    await upgradeRepository(await ours(), { deleteUnusedV1Files: false });
    expect(await exists(join(dir, "refs", "branch.main", "ref.json"))).toBe(true);
    expect(await exists(join(dir, "config.yaml"))).toBe(true);
    const repo = await ours();
    expect(repo.specVersion).toBe(2);
    await compareRepositories(repo, await theirs());
  });
  it("keeps the new repo object when removing refs/ fails; a re-run finishes", async () => {
    const { dir } = await ownV1();
    const real = localFilesystemStorage(dir);
    // storage whose listing of refs/ fails once the upgrade started deleting them
    let deleting = false;
    const flaky: Storage = {
      description: real.description,
      canWrite: true,
      get: (k, o) => real.get(k, o),
      put: (k, d, o) => real.put(k, d, o),
      copy: (a, b, o) => real.copy(a, b, o),
      delete: (k, o) => {
        if (k.some((x) => x.startsWith("refs/"))) deleting = true;
        return real.delete(k, o);
      },
      lastModified: (k, o) => real.lastModified(k, o),
      list: (prefix, o) => {
        if (deleting && prefix.startsWith("refs")) throw new Error("listing refused");
        return real.list(prefix, o);
      },
    };
    const err = await upgradeRepository(await Repository.open(flaky)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MigrationFailedError);
    expect((err as MigrationFailedError).rolledBack).toBe(false);
    expect(await exists(join(dir, "repo"))).toBe(true);
    const half = await Repository.open(real);
    expect(half.specVersion).toBe(2);
    expect((await half.listBranches()).sort()).toEqual(["doomed", "feature", "main", "old-branch"]);
    const done = await upgradeRepository(half);
    expect(done.specVersion).toBe(2);
    const leftovers: string[] = [];
    for await (const e of real.list("refs")) leftovers.push(e.key);
    expect(leftovers).toEqual([]);
    expect(await exists(join(dir, "config.yaml"))).toBe(false);
  });
});
