/**
 * Repositories generated here by the official implementation read identically through icechunk-ts:
 * many chunks, several manifests per array (manifest splitting), inline + native + virtual chunks,
 * >= 1000 virtual refs (zstd-dictionary-compressed locations), branches and tags, moved nodes,
 * spec 1 and spec 2.
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { Repository } from "@icechunk-ts/core";
import { fileVirtualChunkFetcher, localFilesystemStorage } from "@icechunk-ts/core/fs";
import { afterAll, describe, expect, it } from "vitest";
import * as zarr from "zarrita";
import { FileType } from "../packages/core/src/format/constants.js";
import { decodeObjectFile } from "../packages/core/src/format/object-file.js";
import { compareRepositories } from "./support/compare.js";
import { loadNativeOracle, nativeOracleUnavailableReason } from "./support/oracle.js";
import { makeTempDir } from "./support/tmp.js";

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of cleanups) await c();
});

const enc = (o: unknown) => Buffer.from(JSON.stringify(o));

for (const specVersion of [1, 2] as const) {
  describe(`spec ${specVersion}: repos the official implementation writes`, () => {
    it("many chunks, split manifests, inline/native/virtual, 1200 virtual refs, refs, moves", async () => {
      const oracle = await loadNativeOracle();
      expect(oracle, `native oracle unavailable: ${nativeOracleUnavailableReason}`).toBeDefined();
      const { dir, cleanup } = await makeTempDir();
      cleanups.push(cleanup);
      const repoDir = join(dir, "repo");
      const vdir = join(dir, "virtual");
      await mkdir(vdir);
      const blob = Uint8Array.from({ length: 1200 * 4 }, (_, i) => (i * 13) % 251);
      await writeFile(join(vdir, "blob.bin"), blob);
      const prefix = `${pathToFileURL(vdir).href}/`;
      const theirs = await oracle!.Repository.create(
        await oracle!.Storage.newLocalFilesystem(repoDir),
        {
          inlineChunkThresholdBytes: 64,
          manifest: {
            splitting: {
              split_sizes: [
                [{ name_matches: { regex: "^split" } }, [{ condition: "Any", num_chunks: 3 }]],
              ],
            },
          },
          virtualChunkContainers: {
            [prefix]: { urlPrefix: prefix, store: { type: "LocalFileSystem", field0: vdir } },
          },
        },
        specVersion,
        { [prefix]: null },
      );
      const s1 = await theirs.writableSession("main");
      const root = zarr.root(s1.store as never);
      await zarr.create(root, { attributes: { written_by: "official" } });
      await zarr.create(root.resolve("group"));
      const many = await zarr.create(root.resolve("group/many"), {
        shape: [100, 100],
        chunkShape: [5, 5],
        dtype: "int16",
      });
      await zarr.set(many, null, {
        data: Int16Array.from({ length: 10000 }, (_, i) => i % 3000),
        shape: [100, 100],
        stride: [100, 1],
      });
      const split = await zarr.create(root.resolve("group/split2d"), {
        shape: [30, 30],
        chunkShape: [5, 5],
        dtype: "float64",
      });
      await zarr.set(split, null, {
        data: Float64Array.from({ length: 900 }, (_, i) => i / 7),
        shape: [30, 30],
        stride: [30, 1],
      });
      await s1.store.set(
        "virt/zarr.json",
        enc({
          zarr_format: 3,
          node_type: "array",
          shape: [4800],
          data_type: "uint8",
          chunk_grid: { name: "regular", configuration: { chunk_shape: [4] } },
          chunk_key_encoding: { name: "default", configuration: { separator: "/" } },
          fill_value: 0,
          codecs: [{ name: "bytes" }],
        }),
      );
      const failed = await s1.store.setVirtualRefs(
        "virt",
        Array.from({ length: 1200 }, (_, i) => ({
          index: [i],
          location: `${prefix}blob.bin`,
          offset: i * 4,
          length: 4,
        })),
        true,
      );
      expect(failed).toBeNull();
      const first = await s1.commit("first by official");
      await theirs.createBranch("dev", first);
      const s2 = await theirs.writableSession("dev");
      const many2 = await zarr.open.v3(zarr.root(s2.store as never).resolve("group/many"), {
        kind: "array",
      });
      await zarr.set(many2, [zarr.slice(10, 20), null], 7);
      await s2.store.delete("group/split2d/c/0/0");
      await s2.commit("edit on dev");
      await theirs.createTag("release", first);
      if (specVersion === 2) {
        const r = await theirs.rearrangeSession("main");
        await r.moveNode("/group", "/moved");
        await r.commit("move group");
      }

      const ours = await Repository.open(localFilesystemStorage(repoDir), {
        authorizeVirtualChunkAccess: { [prefix]: null },
        virtualChunkFetchers: { file: fileVirtualChunkFetcher() },
      });
      expect(ours.specVersion).toBe(specVersion);
      const reopened = await oracle!.Repository.open(
        await oracle!.Storage.newLocalFilesystem(repoDir),
        null,
        { [prefix]: null },
      );
      const { snapshots } = await compareRepositories(ours, reopened);
      expect(snapshots.length).toBe(specVersion === 2 ? 4 : 3);
      const main = await ours.readonlySession({ branch: "main" });
      const base = specVersion === 2 ? "/moved" : "/group";
      const splitNode = main.getNode(`${base}/split2d`);
      expect(splitNode?.kind === "array" && splitNode.manifests.length).toBe(4);
      const virt = await zarr.get(
        await zarr.open.v3(zarr.root(main.store as never).resolve("virt"), { kind: "array" }),
      );
      expect(Buffer.from(virt.data as Uint8Array).equals(Buffer.from(blob))).toBe(true);
      // spec 2 writers compress >= 1000 virtual locations with a zstd dictionary (magic 0xEC30A437)
      const virtNode = main.getNode("/virt");
      if (virtNode?.kind !== "array") throw new Error("no /virt array");
      const manifestId = virtNode.manifests[0]!.objectId;
      const raw = await readFile(join(repoDir, "manifests", manifestId));
      const { payload } = decodeObjectFile(raw, FileType.Manifest);
      const hasDictionary = Buffer.from(payload).includes(Buffer.from([0x37, 0xa4, 0x30, 0xec]));
      expect(hasDictionary).toBe(specVersion === 2);
    });
  });
}
