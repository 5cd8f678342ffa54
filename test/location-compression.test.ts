/**
 * @module test/location-compression.test
 * Writing dictionary-compressed virtual chunk locations, as upstream does for manifests with many
 * virtual refs (`manifest.virtual_chunk_location_compression`): a raw-content dictionary of
 * sampled locations, every location a zstd frame against it. The official implementation reads
 * them back identically; the config's threshold keeps small manifests plain.
 */
import { describe, expect, it } from "vitest";
import { FileType } from "../packages/core/src/format/constants.js";
import { decodeManifest } from "../packages/core/src/format/manifest.js";
import { decodeObjectFile } from "../packages/core/src/format/object-file.js";
import { pureZstdCodec, type ZstdCodec } from "../packages/core/src/format/zstd/codec.js";
import { localFilesystemStorage } from "../packages/core/src/fs.js";
import { Repository } from "../packages/core/src/repo/repository.js";
import type { RepositoryConfig } from "../packages/core/src/repo-core/config.js";
import { inMemoryStorage } from "../packages/core/src/storage/memory.js";
import type { Storage } from "../packages/core/src/storage/types.js";
import { loadNativeOracle, nativeOracleUnavailableReason } from "./support/oracle.js";
import { makeTempDir } from "./support/tmp.js";
import { group, vector } from "./support/zarr-json.js";

const PREFIX = "http://example.invalid/";
const N = 1500;
const location = (i: number) => `${PREFIX}archive/run-${i % 37}/member_${i % 11}.nc`;

async function writeVirtual(manifest?: RepositoryConfig["manifest"], storage = inMemoryStorage()) {
  const config: RepositoryConfig = {
    virtualChunkContainers: {
      [PREFIX]: { name: "web", urlPrefix: PREFIX, store: { type: "Http", field0: {} } },
    },
    ...(manifest ? { manifest } : {}),
  };
  const repo = await Repository.create(storage, { config });
  const s = await repo.writableSession("main");
  await s.store.set("zarr.json", group());
  await s.store.set("v/zarr.json", vector(N));
  await s.store.setVirtualRefs(
    "v",
    Array.from({ length: N }, (_, i) => ({
      index: [i],
      location: location(i),
      offset: i * 100,
      length: 100 + (i % 7),
    })),
  );
  await s.commit("virtual refs");
  return { storage, repo };
}

/** The uncompressed flatbuffer of the repository's only manifest. */
async function manifestPayload(storage: Storage): Promise<Uint8Array> {
  const keys: string[] = [];
  for await (const e of storage.list("manifests/")) keys.push(e.key);
  expect(keys).toHaveLength(1);
  const got = await storage.get(`manifests/${keys[0]!}`);
  return decodeObjectFile(got!.data, FileType.Manifest).payload;
}

/** The pure-TS codec, counting the calls that use a (location) dictionary. */
function countingCodec() {
  const calls = { decompress: 0, compress: 0 };
  const counting: ZstdCodec = {
    decompress(frame, options) {
      if (options.dictionary) calls.decompress++;
      return pureZstdCodec.decompress(frame, options);
    },
    compress(bytes, options) {
      if (options.dictionary) calls.compress++;
      return pureZstdCodec.compress(bytes, options);
    },
  };
  return { calls, counting };
}

const occurrences = (bytes: Uint8Array, text: string) =>
  Buffer.from(bytes).toString("latin1").split(text).length - 1;

describe("dictionary-compressed virtual chunk locations", () => {
  it("are written for a manifest with ≥ 1000 virtual refs and read back alike by both implementations", async () => {
    const tmp = await makeTempDir();
    const { storage } = await writeVirtual(undefined, localFilesystemStorage(tmp.dir));
    const compressed = await manifestPayload(storage);
    // the URLs live only in the (≤ 2 KiB) dictionary now
    expect(occurrences(compressed, PREFIX)).toBeLessThanOrEqual(100);
    const plain = await manifestPayload(
      (await writeVirtual({ virtual_chunk_location_compression: { min_num_chunks: 5000 } }))
        .storage,
    );
    expect(occurrences(plain, PREFIX)).toBe(N);
    expect(compressed.length).toBeLessThan(plain.length * 0.75);

    const expected = Array.from({ length: N }, (_, i) => location(i)).sort();
    // a fresh open: the manifest is decoded from storage, not taken from the writer's cache
    const ours = await (await Repository.open(storage)).readonlySession({ branch: "main" });
    expect([...(await ours.allVirtualChunkLocations())].sort()).toEqual(expected);
    expect(await ours.store.getsize("v/c/1499")).toBe(100 + (1499 % 7));

    const oracle = await loadNativeOracle();
    expect(oracle, `native oracle unavailable: ${nativeOracleUnavailableReason}`).toBeDefined();
    const theirs = await oracle!.Repository.open(await oracle!.Storage.newLocalFilesystem(tmp.dir));
    const session = await theirs.readonlySession({ branch: "main" });
    expect([...(await session.allVirtualChunkLocations())].sort()).toEqual(expected);
    for (const i of [0, 1, 736, 1499])
      expect(await session.store.getsize(`v/c/${i}`)).toBe(100 + (i % 7));
    await tmp.cleanup();
  });

  it("are carried over unchanged when one chunk changes, and both implementations read the rewrite alike", async () => {
    const tmp = await makeTempDir();
    const storage = localFilesystemStorage(tmp.dir);
    await writeVirtual(undefined, storage);
    const { calls, counting } = countingCodec();
    const repo = await Repository.open(storage, { zstdCodec: counting });
    const s = await repo.writableSession("main");
    await s.store.set("v/c/3", Uint8Array.of(9));
    const moved = `${PREFIX}archive/new/member.nc`;
    await s.store.setVirtualRefs("v", [{ index: [4], location: moved, offset: 7, length: 8 }]);
    await s.commit("two refs replaced");
    // untouched locations are copied as compressed bytes: only the new one is compressed
    expect(calls).toEqual({ decompress: 0, compress: 1 });

    const expected = Array.from({ length: N }, (_, i) => location(i));
    expected[4] = moved;
    expected.splice(3, 1);
    expected.sort();
    const ours = await (await Repository.open(storage)).readonlySession({ branch: "main" });
    expect([...(await ours.allVirtualChunkLocations())].sort()).toEqual(expected);
    const oracle = await loadNativeOracle();
    expect(oracle, `native oracle unavailable: ${nativeOracleUnavailableReason}`).toBeDefined();
    const theirs = await oracle!.Repository.open(await oracle!.Storage.newLocalFilesystem(tmp.dir));
    const session = await theirs.readonlySession({ branch: "main" });
    expect([...(await session.allVirtualChunkLocations())].sort()).toEqual(expected);
    for (const i of [0, 4, 736, 1499])
      expect(await session.store.getsize(`v/c/${i}`)).toBe(i === 4 ? 8 : 100 + (i % 7));
    expect(await session.store.get("v/c/3")).toEqual(Uint8Array.of(9));
    await tmp.cleanup();
  });

  it("move with shiftArray without being decompressed; the official build reads the shifted array alike", async () => {
    const tmp = await makeTempDir();
    const storage = localFilesystemStorage(tmp.dir);
    await writeVirtual(undefined, storage);
    // a ref read for rewriting still looks like a plain payload (forks serialize change sets)
    const view = decodeManifest(await manifestPayload(storage), 2);
    const [, first] = [...view.refsForRewrite(view.nodeIds()[0]!)][0]!;
    const plain = { kind: "virtual", location: location(0), offset: 0, length: 100 };
    expect(JSON.parse(JSON.stringify(first))).toEqual(plain);
    expect({ ...first }).toMatchObject(plain);
    const { calls, counting } = countingCodec();
    const repo = await Repository.open(storage, { zstdCodec: counting });
    const s = await repo.writableSession("main");
    await s.shiftArray("/v", [1]);
    await s.commit("shifted by one chunk");
    expect(calls).toEqual({ decompress: 0, compress: 0 });
    const oracle = await loadNativeOracle();
    expect(oracle, `native oracle unavailable: ${nativeOracleUnavailableReason}`).toBeDefined();
    const theirs = await oracle!.Repository.open(await oracle!.Storage.newLocalFilesystem(tmp.dir));
    const session = await theirs.readonlySession({ branch: "main" });
    const expected = Array.from({ length: N - 1 }, (_, i) => location(i)).sort();
    expect([...(await session.allVirtualChunkLocations())].sort()).toEqual(expected);
    for (const i of [1, 737, 1499])
      expect(await session.store.getsize(`v/c/${i}`)).toBe(100 + ((i - 1) % 7));
    expect(await session.store.get("v/c/0")).toBeNull();
    await tmp.cleanup();
  });

  it("stay plain below the configured threshold, and a re-commit keeps reading them", async () => {
    const { storage, repo } = await writeVirtual({
      virtual_chunk_location_compression: { min_num_chunks: 1501 },
    });
    expect(occurrences(await manifestPayload(storage), PREFIX)).toBe(N);
    const s = await repo.writableSession("main");
    await s.store.set("v/c/3", Uint8Array.of(9));
    await s.commit("one chunk replaced");
    const ro = await repo.readonlySession({ branch: "main" });
    expect(await ro.allVirtualChunkLocations()).toHaveLength(N - 1);
  });
});
