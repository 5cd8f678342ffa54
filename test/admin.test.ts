/**
 * Repository administration, checked against the official implementation where its binding has
 * the call: time travel with `asOf`, persisted config (`saveConfig`/`fetchConfig`), feature flags,
 * repository metadata and the read-only status (spec 2).
 */
import { inMemoryStorage, Repository } from "@icechunk-ts/core";
import { describe, expect, it } from "vitest";
import { kind } from "./support/errors.js";
import { loadOracle, oracleStorage } from "./support/oracle.js";

const group = (n: number) =>
  new TextEncoder().encode(`{"zarr_format":3,"node_type":"group","attributes":{"n":${n}}}`);

async function commit(repo: Repository, n: number) {
  const s = await repo.writableSession("main");
  await s.store.set("zarr.json", group(n));
  return s.commit(`c${n}`);
}

describe("administration", () => {
  it("readonlySession({ branch, asOf }) picks the newest snapshot written at or before the time", async () => {
    const repo = await Repository.create(inMemoryStorage());
    const c1 = await commit(repo, 1);
    await new Promise((r) => setTimeout(r, 20));
    const between = new Date();
    await new Promise((r) => setTimeout(r, 20));
    await commit(repo, 2);
    const s = await repo.readonlySession({ branch: "main", asOf: between });
    expect(s.snapshotId).toBe(c1);
    expect(new TextDecoder().decode(await s.store.get("zarr.json"))).toContain('"n":1');
    await expect(repo.readonlySession({ branch: "main", asOf: new Date(0) })).rejects.toSatisfy(
      kind("no-snapshot-as-of"),
    );
  });

  for (const specVersion of [1, 2] as const) {
    it(`spec ${specVersion}: saveConfig persists what the official implementation reads back`, async () => {
      const storage = inMemoryStorage();
      const repo = await Repository.create(storage, { specVersion });
      const changed = await repo.reopen({
        config: { inlineChunkThresholdBytes: 7, compression: { level: 5 } },
      });
      await changed.saveConfig();
      expect((await Repository.fetchConfig(storage))?.inlineChunkThresholdBytes).toBe(7);
      const oracle = await loadOracle();
      const theirs = await oracle.Repository.open(await oracleStorage(storage));
      expect(theirs.config.inlineChunkThresholdBytes).toBe(7);
      expect(theirs.config.compression?.level).toBe(5);
      // and the threshold is honoured: an 8-byte chunk is no longer inline
      const s = await changed.writableSession("main");
      await s.store.set(
        "a/zarr.json",
        new TextEncoder().encode(
          JSON.stringify({
            zarr_format: 3,
            node_type: "array",
            shape: [8],
            data_type: "uint8",
            chunk_grid: { name: "regular", configuration: { chunk_shape: [8] } },
            chunk_key_encoding: { name: "default", configuration: { separator: "/" } },
            fill_value: 0,
            codecs: [{ name: "bytes" }],
          }),
        ),
      );
      await s.store.set("a/c/0", new Uint8Array(8).fill(3));
      await s.commit("native chunk");
      let chunks = 0;
      for await (const _ of storage.list("chunks")) chunks++;
      expect(chunks).toBe(1);
    });
  }

  it("feature flags match the official implementation and gate tag operations", async () => {
    const storage = inMemoryStorage();
    const repo = await Repository.create(storage);
    const c1 = await commit(repo, 1);
    await repo.setFeatureFlag("create_tag", false);
    const oracle = await loadOracle();
    const theirs = await oracle.Repository.open(await oracleStorage(storage));
    const strip = (flags: Array<{ name: string; enabled: boolean; setting?: boolean | null }>) =>
      flags
        .map((f) => ({ name: f.name, enabled: f.enabled, setting: f.setting ?? null }))
        .sort((a, b) => a.name.localeCompare(b.name));
    expect(strip(await repo.featureFlags())).toEqual(strip(await theirs.featureFlags()));
    await expect(repo.createTag("t", c1)).rejects.toSatisfy(kind("feature-flag-disabled"));
    await expect(theirs.createTag("t", c1)).rejects.toBeDefined();
    await theirs.setFeatureFlag("create_tag", null);
    expect(
      (await (await Repository.open(storage)).featureFlags()).find((f) => f.name === "create_tag"),
    ).toEqual({
      id: 4,
      name: "create_tag",
      defaultEnabled: true,
      enabled: true,
    });
    await (await Repository.open(storage)).createTag("t", c1);
    await expect(repo.setFeatureFlag("no_such_flag", true)).rejects.toSatisfy(
      kind("unknown-feature-flag"),
    );
  });

  it("repository metadata and the read-only status", async () => {
    const storage = inMemoryStorage();
    const repo = await Repository.create(storage);
    await repo.setMetadata({ owner: "forecast-team", big: 2 ** 40 });
    expect(await repo.updateMetadata({ region: "eu" })).toEqual({
      owner: "forecast-team",
      big: 2 ** 40,
      region: "eu",
    });
    await repo.setStatus("read-only", { reason: "maintenance" });
    expect((await repo.getStatus()).availability).toBe("read-only");
    await expect(repo.writableSession("main")).rejects.toSatisfy(kind("read-only-repository"));
    await expect(repo.createBranch("x", await repo.lookupBranch("main"))).rejects.toSatisfy(
      kind("read-only-repository"),
    );
    const oracle = await loadOracle();
    const theirs = await oracle.Repository.open(await oracleStorage(storage));
    await expect(theirs.writableSession("main")).rejects.toBeDefined();
    await repo.setStatus("online");
    await commit(repo, 5);
    const log = (await repo.opsLog()).map((e) => e.type);
    expect(log.slice(0, 5)).toEqual([
      "new-commit",
      "repo-status-changed",
      "repo-status-changed",
      "metadata-changed",
      "metadata-changed",
    ]);
    await expect(
      (await Repository.create(inMemoryStorage(), { specVersion: 1 })).getMetadata(),
    ).rejects.toSatisfy(kind("spec-version-required"));
  });
});
