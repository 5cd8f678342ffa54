/**
 * `azureBlobStorage` against Azurite started by this test on 127.0.0.1: the storage conformance
 * suite (conditional writes with If-None-Match: * / If-Match, races, pagination, copy, delete),
 * racing repository writers, and the configuration errors.
 */
import { randomBytes } from "node:crypto";
import { AzureConfigError, azureBlobStorage, createContainerClient } from "@icechunk-ts/azure";
import { BasicConflictSolver, isIcechunkError, Repository } from "@icechunk-ts/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeStorageConformance } from "../packages/core/__tests__/storage/conformance.js";
import { AZURITE_ACCOUNT, AZURITE_KEY, type Azurite, startAzurite } from "./support/azurite.js";
import { loadNativeOracle } from "./support/oracle.js";
import { array, chunk, group } from "./support/zarr-json.js";

const azurite: Azurite = await startAzurite();
const container = `icechunk-${randomBytes(4).toString("hex")}`;
await createContainerClient({ connectionString: azurite.connectionString, container }).create();
afterAll(() => azurite.stop());

const storageAt = (prefix: string) =>
  azureBlobStorage({
    account: AZURITE_ACCOUNT,
    accountKey: AZURITE_KEY,
    endpointUrl: azurite.endpointUrl,
    allowHttp: true,
    container,
    prefix,
  });

describeStorageConformance("azure blob (Azurite)", async () => {
  const storage = storageAt(`conf/${randomBytes(6).toString("hex")}`);
  return {
    storage,
    async cleanup() {
      const keys: string[] = [];
      for await (const entry of storage.list("")) keys.push(entry.key);
      await storage.delete(keys);
    },
  };
});

describe("azureBlobStorage repositories", () => {
  let prefix: string;
  beforeAll(() => {
    prefix = `repo/${randomBytes(6).toString("hex")}`;
  });

  it("two racing writers on one branch: one commit wins, the other rebases onto it", async () => {
    const storage = storageAt(prefix);
    const repo = await Repository.create(storage);
    const base = await repo.writableSession("main");
    await base.store.set("zarr.json", group());
    await base.store.set("a/zarr.json", array([4, 4]));
    await base.commit("base");
    const [r1, r2] = await Promise.all([Repository.open(storage), Repository.open(storage)]);
    const [s1, s2] = await Promise.all([r1.writableSession("main"), r2.writableSession("main")]);
    await s1.store.set("a/c/0/0", chunk(1));
    await s2.store.set("a/c/1/1", chunk(2));
    const results = await Promise.allSettled([s1.commit("one"), s2.commit("two")]);
    const won = results.filter((r) => r.status === "fulfilled");
    const lost = results.filter((r) => r.status === "rejected");
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(isIcechunkError((lost[0] as PromiseRejectedResult).reason, "commit-conflict")).toBe(
      true,
    );
    const loser = results[0]!.status === "rejected" ? s1 : s2;
    await loser.rebase(new BasicConflictSolver());
    await loser.commit("after rebase");
    const ro = await (await Repository.open(storage)).readonlySession({ branch: "main" });
    expect(await ro.store.get("a/c/0/0")).toEqual(chunk(1));
    expect(await ro.store.get("a/c/1/1")).toEqual(chunk(2));
  });

  it("the official implementation reads what we wrote, and we read its commit on top", async () => {
    const storage = storageAt(`${prefix}-oracle`);
    const repo = await Repository.create(storage);
    const s = await repo.writableSession("main");
    await s.store.set("zarr.json", group());
    await s.store.set("a/zarr.json", array([4, 4]));
    await s.store.set("a/c/0/0", chunk(5, 3000));
    const ours = await s.commit("ours");
    const oracle = await loadNativeOracle();
    expect(oracle).toBeDefined();
    const theirs = await oracle!.Repository.open(
      await oracle!.Storage.newAzureBlob(
        AZURITE_ACCOUNT,
        container,
        `${prefix}-oracle`,
        { type: "Static", field0: { type: "AccessKey", field0: AZURITE_KEY } },
        { azure_storage_endpoint: azurite.endpointUrl, azure_allow_http: "true" },
      ),
    );
    expect((await theirs.ancestry({ branch: "main" }))[0]!.id).toBe(ours);
    const ts = await theirs.writableSession("main");
    expect(await ts.store.get("a/c/0/0")).toEqual(chunk(5, 3000));
    await ts.store.set("a/c/1/0", Buffer.from(chunk(6, 2500)));
    const next = await ts.commit("theirs");
    const ro = await (await Repository.open(storage)).readonlySession({ branch: "main" });
    expect(ro.snapshotId).toBe(next);
    expect(await ro.store.get("a/c/1/0")).toEqual(chunk(6, 2500));
    expect(await ro.store.get("a/c/0/0")).toEqual(chunk(5, 3000));
  });

  it("refuses incomplete configuration with AzureConfigError", () => {
    expect(() => azureBlobStorage({ container: "c" })).toThrow(AzureConfigError);
    expect(() =>
      azureBlobStorage({ account: "a", container: "c", endpointUrl: "http://127.0.0.1:1" }),
    ).toThrow(/plain http/);
    try {
      azureBlobStorage({ account: "a", container: "c" });
    } catch (err) {
      expect(isIcechunkError(err, "azure-config")).toBe(true);
      expect((err as AzureConfigError).option).toBe("credentials");
    }
    expect(azureBlobStorage({ account: "a", container: "c", accountKey: "eA==" }).description).toBe(
      "az://c/",
    );
  });
});
