/**
 * Repositories written by icechunk-ts open in the official implementation with identical content:
 * groups, arrays of every zarrita dtype, attributes, fill values, codecs, deletes, inline + native +
 * virtual chunks, split manifests, resizes, branches, tags, deleted tags, amends and anonymous
 * snapshots — for spec 1 and spec 2.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { Repository, type RepositoryConfig, type Session } from "@icechunk-ts/core";
import { fileVirtualChunkFetcher, localFilesystemStorage } from "@icechunk-ts/core/fs";
import { IcechunkStore } from "@icechunk-ts/zarrita";
import { afterAll, describe, expect, it } from "vitest";
import * as zarr from "zarrita";
import { compareRepositories, compareSnapshot } from "./support/compare.js";
import { loadNativeOracle, nativeOracleUnavailableReason } from "./support/oracle.js";
import { makeTempDir } from "./support/tmp.js";

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of cleanups) await c();
});

const DTYPES = [
  "int8",
  "int16",
  "int32",
  "int64",
  "uint8",
  "uint16",
  "uint32",
  "uint64",
  "float32",
  "float64",
  "bool",
] as const;

function sampleData(dtype: (typeof DTYPES)[number], n: number) {
  switch (dtype) {
    case "int64":
      return BigInt64Array.from({ length: n }, (_, i) => BigInt(i) * -123456789n);
    case "uint64":
      return BigUint64Array.from({ length: n }, (_, i) => BigInt(i) * 987654321987n);
    case "bool":
      return new zarr.BoolArray(
        Uint8Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 1 : 0)).buffer,
      );
    case "float32":
      return Float32Array.from({ length: n }, (_, i) => i / 3);
    case "float64":
      return Float64Array.from({ length: n }, (_, i) => Math.PI * i);
    default: {
      const Ctor = {
        int8: Int8Array,
        int16: Int16Array,
        int32: Int32Array,
        uint8: Uint8Array,
        uint16: Uint16Array,
        uint32: Uint32Array,
      }[dtype];
      return (Ctor as typeof Int32Array).from(
        { length: n },
        (_: unknown, i: number) => (i * 37) % 100,
      );
    }
  }
}

const fillValue = (dtype: (typeof DTYPES)[number]) => (dtype === "bool" ? true : 7);

async function writeEverything(repo: Repository, specVersion: 1 | 2, virtualDir: string) {
  const session = await repo.writableSession("main");
  const root = zarr.root(new IcechunkStore(session));
  await zarr.create(root, {
    attributes: { title: "written by icechunk-ts", nested: { a: [1, 2, 3] } },
  });
  await zarr.create(root.resolve("g1"), { attributes: { level: 1 } });
  await zarr.create(root.resolve("g1/sub"));
  await zarr.create(root.resolve("g1/sub/deep"), { shape: [3], chunkShape: [3], dtype: "int32" });
  for (const dtype of DTYPES) {
    const arr = await zarr.create(root.resolve(`dtypes/${dtype}`), {
      shape: [10],
      chunkShape: [4],
      dtype,
      fillValue: fillValue(dtype) as never,
      attributes: { dtype },
    });
    await zarr.set(arr, [zarr.slice(0, 6)], {
      data: sampleData(dtype, 6),
      shape: [6],
      stride: [1],
    } as never);
  }
  const big = await zarr.create(root.resolve("big"), {
    shape: [64, 64],
    chunkShape: [16, 16],
    dtype: "float64",
    dimensionNames: ["y", "x"],
    codecs: [
      { name: "bytes", configuration: { endian: "little" } },
      { name: "zstd", configuration: { level: 1, checksum: false } },
    ],
  });
  await zarr.set(big, null, {
    data: Float64Array.from({ length: 4096 }, (_, i) => Math.sin(i)),
    shape: [64, 64],
    stride: [64, 1],
  });
  const split = await zarr.create(root.resolve("split"), {
    shape: [40, 8],
    chunkShape: [4, 8],
    dtype: "int32",
  });
  await zarr.set(split, null, {
    data: Int32Array.from({ length: 320 }, (_, i) => i),
    shape: [40, 8],
    stride: [8, 1],
  });
  // virtual chunks: 4 chunks of 8 bytes in a local file
  const file = join(virtualDir, "data.bin");
  await writeFile(
    file,
    Uint8Array.from({ length: 64 }, (_, i) => (i * 7) % 256),
  );
  await zarr.create(root.resolve("virtual"), { shape: [32], chunkShape: [8], dtype: "uint8" });
  for (let i = 0; i < 4; i++)
    await session.store.setVirtualRef(`virtual/c/${i}`, pathToFileURL(file).href, i * 8 + 3, 8, {
      lastModified: new Date(Date.now() + 60_000),
    });
  const first = await session.commit("first", {
    metadata: { author: "icechunk-ts", n: 2 ** 40, ok: true },
  });

  const s2 = await repo.writableSession("main");
  const r2 = zarr.root(new IcechunkStore(s2));
  await s2.store.set(
    "g1/zarr.json",
    new TextEncoder().encode('{"zarr_format":3,"node_type":"group","attributes":{"level":2}}'),
  );
  await s2.store.delete("dtypes/int8/zarr.json");
  await s2.store.delete("g1/sub/zarr.json");
  const big2 = await zarr.open.v3(r2.resolve("big"), { kind: "array" });
  await zarr.set(big2, [zarr.slice(0, 16), zarr.slice(16, 48)], -1);
  await s2.store.delete("big/c/3/3");
  // shrink /split from 40 to 18 rows: chunks past row 20 disappear
  const splitMeta = JSON.parse(new TextDecoder().decode(await s2.store.get("split/zarr.json")));
  splitMeta.shape = [18, 8];
  await s2.store.set("split/zarr.json", new TextEncoder().encode(JSON.stringify(splitMeta)));
  const second = await s2.commit("second");

  await repo.createBranch("dev", first);
  const s3 = await repo.writableSession("dev");
  await s3.store.set(
    "dev-only/zarr.json",
    new TextEncoder().encode('{"zarr_format":3,"node_type":"group"}'),
  );
  await s3.commit("on dev");
  if (specVersion === 2) {
    const s4 = await repo.writableSession("dev");
    await s4.store.set(
      "dev-only/zarr.json",
      new TextEncoder().encode(
        '{"zarr_format":3,"node_type":"group","attributes":{"amended":true}}',
      ),
    );
    await s4.amend("on dev (amended)");
  }
  await repo.createTag("v-first", first);
  await repo.createTag("v-second", second);
  await repo.createTag("gone", second);
  await repo.deleteTag("gone");
  const s5 = await repo.writableSession("main");
  await s5.store.set(
    "anon/zarr.json",
    new TextEncoder().encode('{"zarr_format":3,"node_type":"group"}'),
  );
  const anonymous = await s5.flush("anonymous");
  return { first, second, anonymous };
}

const SPLIT_CONFIG: RepositoryConfig = {
  inlineChunkThresholdBytes: 100,
  manifest: {
    splitting: {
      split_sizes: [
        [{ path_matches: { regex: "split" } }, [{ condition: { Axis: 0 }, num_chunks: 2 }]],
      ],
    },
  },
};

for (const specVersion of [1, 2] as const) {
  describe(`spec ${specVersion}: what icechunk-ts writes, the official implementation reads`, () => {
    it("groups, dtypes, codecs, deletes, inline/native/virtual chunks, split manifests, refs", async () => {
      const oracle = await loadNativeOracle();
      expect(oracle, `native oracle unavailable: ${nativeOracleUnavailableReason}`).toBeDefined();
      const { dir, cleanup } = await makeTempDir();
      cleanups.push(cleanup);
      const repoDir = join(dir, "repo");
      const virtualDir = join(dir, "virtual");
      await mkdir(virtualDir);
      const prefix = `${pathToFileURL(virtualDir).href}/`;
      const config: RepositoryConfig = {
        ...SPLIT_CONFIG,
        virtualChunkContainers: {
          [prefix]: { urlPrefix: prefix, store: { type: "LocalFileSystem", field0: virtualDir } },
        },
      };
      const repo = await Repository.create(localFilesystemStorage(repoDir), {
        specVersion,
        config,
        authorizeVirtualChunkAccess: { [prefix]: null },
        virtualChunkFetchers: { file: fileVirtualChunkFetcher() },
      });
      const { anonymous } = await writeEverything(repo, specVersion, virtualDir);

      const ours = await Repository.open(localFilesystemStorage(repoDir), {
        authorizeVirtualChunkAccess: { [prefix]: null },
        virtualChunkFetchers: { file: fileVirtualChunkFetcher() },
      });
      const theirs = await oracle!.Repository.open(
        await oracle!.Storage.newLocalFilesystem(repoDir),
        null,
        { [prefix]: null },
      );
      expect(theirs.specVersion).toBe(specVersion);
      const { snapshots } = await compareRepositories(ours, theirs);
      expect(snapshots.length).toBeGreaterThanOrEqual(specVersion === 2 ? 4 : 4);
      expect(await theirs.listTags()).toEqual(["v-first", "v-second"]);
      if (specVersion === 2)
        expect(await compareSnapshot(ours, theirs, anonymous)).toBeGreaterThan(10);

      // spot checks of content through the official implementation
      const main = await theirs.readonlySession({ branch: "main" });
      const theirRoot = zarr.root(main.store as never);
      const split = await zarr.get(
        await zarr.open.v3(theirRoot.resolve("split"), { kind: "array" }),
      );
      expect(split.shape).toEqual([18, 8]);
      expect((split.data as Int32Array)[17 * 8 + 7]).toBe(17 * 8 + 7);
      const virtual = await zarr.get(
        await zarr.open.v3(theirRoot.resolve("virtual"), { kind: "array" }),
      );
      expect(Array.from(virtual.data as Uint8Array)).toEqual(
        Array.from({ length: 32 }, (_, i) => ((i + 3) * 7) % 256),
      );
      // the binding's store and session extras answer alike
      const oursMain = await ours.readonlySession({ branch: "main" });
      const locations = await oursMain.allVirtualChunkLocations();
      expect(locations.length).toBeGreaterThan(0);
      expect([...locations].sort()).toEqual([...(await main.allVirtualChunkLocations())].sort());
      for (const path of ["/", "/split", "/virtual"])
        expect(oursMain.getNodeId(path)).toBe(await main.getNodeId(path));
      // (the official store refuses some prefixes: ours must refuse the same ones)
      const outcome = (p: Promise<unknown>) =>
        p.then(
          (v) => v,
          () => "refused",
        );
      for (const prefix of [
        "",
        "split",
        "split/c",
        "split/c/1",
        "virtual/c/0",
        "nope",
        "split/c/9",
      ]) {
        expect(await outcome(oursMain.store.isEmpty(prefix)), prefix).toBe(
          await outcome(main.store.isEmpty(prefix)),
        );
        expect(await outcome(oursMain.store.getsizePrefix(prefix)), prefix).toBe(
          await outcome(main.store.getsizePrefix(prefix)),
        );
      }
      const manifests = await theirs.lookupManifestFiles(await theirs.lookupBranch("main"));
      // one manifest per dtype array (int8 was deleted), big, virtual, and /split in 3 manifests
      // (5 chunk rows after the shrink, 2 rows per manifest)
      expect(manifests.length).toBe(DTYPES.length - 1 + 2 + 3);
      const splitNode = (await ours.readonlySession({ branch: "main" })).getNode("/split");
      expect(splitNode?.kind === "array" && splitNode.manifests.map((m) => m.extents)).toEqual([
        [
          [0, 2],
          [0, 1],
        ],
        [
          [2, 4],
          [0, 1],
        ],
        [
          [4, 5],
          [0, 1],
        ],
      ]);
    });
  });
}

describe("mixed histories", () => {
  for (const specVersion of [1, 2] as const) {
    it(`spec ${specVersion}: commits alternate between icechunk-ts and the official implementation`, async () => {
      const oracle = await loadNativeOracle();
      expect(oracle).toBeDefined();
      const { dir, cleanup } = await makeTempDir();
      cleanups.push(cleanup);
      await Repository.create(localFilesystemStorage(dir), { specVersion });
      const theirs = await oracle!.Repository.open(await oracle!.Storage.newLocalFilesystem(dir));
      const expected = new Int32Array(64);
      for (let round = 0; round < 4; round++) {
        const mine = round % 2 === 0;
        const session: Session | Awaited<ReturnType<typeof theirs.writableSession>> = mine
          ? await (await Repository.open(localFilesystemStorage(dir))).writableSession("main")
          : await theirs.writableSession("main");
        const store = mine
          ? new IcechunkStore(session as Session)
          : ((session as { store: unknown }).store as never);
        const root = zarr.root(store);
        if (round === 0) {
          await zarr.create(root, { attributes: { round } });
          await zarr.create(root.resolve("a"), { shape: [64], chunkShape: [8], dtype: "int32" });
        }
        const arr = await zarr.open.v3(root.resolve("a"), { kind: "array" });
        const start = round * 16;
        const values = Int32Array.from({ length: 16 }, (_, i) => (round + 1) * 1000 + i);
        expected.set(values, start);
        await zarr.set(arr, [zarr.slice(start, start + 16)], {
          data: values,
          shape: [16],
          stride: [1],
        });
        await (session as Session).commit(`round ${round} by ${mine ? "icechunk-ts" : "official"}`);
        // each side reads the other's latest state
        for (const reader of ["ours", "theirs"] as const) {
          const ro =
            reader === "ours"
              ? new IcechunkStore(
                  await (await Repository.open(localFilesystemStorage(dir))).readonlySession({
                    branch: "main",
                  }),
                )
              : ((
                  await (
                    await oracle!.Repository.open(await oracle!.Storage.newLocalFilesystem(dir))
                  ).readonlySession({ branch: "main" })
                ).store as never);
          const got = await zarr.get(
            await zarr.open.v3(zarr.root(ro).resolve("a"), { kind: "array" }),
          );
          expect(Array.from(got.data as Int32Array), `${reader} after round ${round}`).toEqual(
            Array.from(expected),
          );
        }
      }
      const reopened = await Repository.open(localFilesystemStorage(dir));
      const history = await reopened.ancestry({ branch: "main" });
      expect(history.map((h) => h.message)).toEqual([
        "round 3 by official",
        "round 2 by icechunk-ts",
        "round 1 by official",
        "round 0 by icechunk-ts",
        "Repository initialized",
      ]);
      await compareRepositories(
        reopened,
        await oracle!.Repository.open(await oracle!.Storage.newLocalFilesystem(dir)),
      );
    });
  }
});
