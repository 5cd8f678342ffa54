/**
 * The zstd codec seam: the default choice (Node's built-in zstd where this Node has it, else
 * ours), injected codecs used for every metadata file, size limits held for any codec, and
 * repositories written through either codec read by the official implementation.
 */
import { execFileSync } from "node:child_process";
import * as zlib from "node:zlib";
import {
  CorruptObjectError,
  inMemoryStorage,
  ObjectTooLargeError,
  pureZstdCodec,
  Repository,
  type ZstdCodec,
} from "@icechunk-ts/core";
import { localFilesystemStorage, nodeZstdCodec } from "@icechunk-ts/core/fs";
import { IcechunkStore } from "@icechunk-ts/zarrita";
import { afterAll, describe, expect, it } from "vitest";
import * as zarr from "zarrita";
import { FileType } from "../packages/core/src/format/constants.js";
import { writeHeader } from "../packages/core/src/format/header.js";
import { decodeObjectFile, encodeObjectFile } from "../packages/core/src/format/object-file.js";
import { OutputLimitError } from "../packages/core/src/format/zstd/context.js";
import { loadNativeOracle, nativeOracleUnavailableReason } from "./support/oracle.js";
import { makeTempDir } from "./support/tmp.js";

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of cleanups) await c();
});

const builtin = nodeZstdCodec();
const hasBuiltin =
  typeof (zlib as { zstdDecompressSync?: unknown }).zstdDecompressSync === "function";

/** Some compressible, flatbuffer-like bytes. */
function sample(n: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = 12345;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out[i] = i % 16 < 8 ? (x >>> 24) & 15 : i & 0xff;
  }
  return out;
}

function counting(inner: ZstdCodec) {
  const calls = { decompress: 0, compress: 0 };
  const codec: ZstdCodec = {
    decompress(frame, options) {
      calls.decompress++;
      return inner.decompress(frame, options);
    },
    compress(bytes, options) {
      calls.compress++;
      return inner.compress(bytes, options);
    },
  };
  return { codec, calls };
}

/** Limits that only let snapshots of up to `bytes` through. */
const snapshotLimit = (bytes: number) => ({
  snapshot: bytes,
  manifest: 1,
  transactionLog: 1,
  repoInfo: 1,
  compressionRatio: 1000,
});

function fileWith(frame: Uint8Array): Uint8Array {
  const header = writeHeader({ specVersion: 2, fileType: FileType.Snapshot });
  const out = new Uint8Array(header.length + frame.length);
  out.set(header);
  out.set(frame, header.length);
  return out;
}

async function writeAndRead(codec: ZstdCodec | undefined, storage = inMemoryStorage()) {
  const opts = codec ? { zstdCodec: codec } : {};
  const repo = await Repository.create(storage, opts);
  const session = await repo.writableSession("main");
  const root = zarr.root(new IcechunkStore(session));
  await zarr.create(root, { attributes: { written: "through a codec" } });
  const arr = await zarr.create(root.resolve("a"), {
    shape: [64],
    chunkShape: [16],
    dtype: "int32",
  });
  await zarr.set(arr, null, {
    data: Int32Array.from({ length: 64 }, (_, i) => i * 3),
    shape: [64],
    stride: [1],
  });
  await session.commit("codec write");
  const again = await Repository.open(storage, opts);
  const read = await again.readonlySession({ branch: "main" });
  const got = await zarr.get(
    await zarr.open.v3(zarr.root(new IcechunkStore(read)).resolve("a"), { kind: "array" }),
  );
  return Array.from(got.data as Int32Array);
}

describe("zstd codec", () => {
  it("without an injected codec, metadata is written by Node's zstd where it has one, else ours", () => {
    const payload = sample(50_000);
    const body = encodeObjectFile(FileType.Snapshot, 2, payload).subarray(39);
    expect(builtin !== undefined).toBe(hasBuiltin);
    const expected = (builtin ?? pureZstdCodec).compress(payload, { level: 3 });
    expect(body).toEqual(expected);
    // and the other codec reads it
    expect(pureZstdCodec.decompress(body, { maxSize: payload.length })).toEqual(payload);
  });

  it("an injected codec reads and writes every metadata file of a repository", async () => {
    const { codec, calls } = counting(pureZstdCodec);
    expect(await writeAndRead(codec)).toEqual(Array.from({ length: 64 }, (_, i) => i * 3));
    // repo info, snapshots, manifest, transaction log: each written and read through it
    expect(calls.compress).toBeGreaterThanOrEqual(4);
    expect(calls.decompress).toBeGreaterThanOrEqual(3);
  });

  it("a frame declaring more than the limit is refused before the codec runs", () => {
    const file = encodeObjectFile(FileType.Snapshot, 2, sample(100_000), { codec: pureZstdCodec });
    const { codec, calls } = counting(pureZstdCodec);
    const limits = snapshotLimit(10_000);
    expect(() => decodeObjectFile(file, FileType.Snapshot, { limits, codec })).toThrow(
      ObjectTooLargeError,
    );
    expect(calls.decompress).toBe(0);
  });

  it("a codec that ignores maxSize cannot return more than the limit", () => {
    const file = encodeObjectFile(FileType.Snapshot, 2, sample(100), { codec: pureZstdCodec });
    const liar: ZstdCodec = {
      decompress: (_frame, { maxSize }) => new Uint8Array(maxSize + 1),
      compress: () => new Uint8Array(0),
    };
    const limits = snapshotLimit(1000);
    try {
      decodeObjectFile(file, FileType.Snapshot, { limits, codec: liar, path: "snapshots/x" });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ObjectTooLargeError);
      expect((err as Error).message).toContain("snapshots/x");
    }
  });

  it("a codec's own failure surfaces as a CorruptObjectError with the cause", () => {
    const file = encodeObjectFile(FileType.Snapshot, 2, sample(100), { codec: pureZstdCodec });
    const broken = new Error("codec exploded");
    const failing: ZstdCodec = {
      decompress: () => {
        throw broken;
      },
      compress: () => new Uint8Array(0),
    };
    try {
      decodeObjectFile(file, FileType.Snapshot, { codec: failing });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(CorruptObjectError);
      expect((err as Error).cause).toBe(broken);
    }
  });

  describe.skipIf(!hasBuiltin)("Node's built-in zstd", () => {
    it("reads our frames and ours reads its frames", () => {
      for (const n of [0, 1, 300, 70_000, 300_000]) {
        const payload = sample(n);
        const theirs = builtin!.compress(payload, { level: 3 });
        const ours = pureZstdCodec.compress(payload, { level: 3 });
        expect(pureZstdCodec.decompress(theirs, { maxSize: n })).toEqual(payload);
        expect(builtin!.decompress(ours, { maxSize: n })).toEqual(payload);
      }
    });

    it("stops at maxSize on a frame without a content size, as an ObjectTooLargeError", () => {
      // the zstd CLI as a streaming writer (Rust's kind): no content size in the frame header
      const frame = new Uint8Array(
        execFileSync("zstd", ["-q", "-c", "-3", "--no-content-size"], { input: sample(200_000) }),
      );
      expect(frame[4]! >> 6).toBe(0);
      expect(() => builtin!.decompress(frame, { maxSize: 1000 })).toThrow(OutputLimitError);
      const limits = snapshotLimit(1000);
      expect(() => decodeObjectFile(fileWith(frame), FileType.Snapshot, { limits })).toThrow(
        ObjectTooLargeError,
      );
    });

    it("corrupt input is a CorruptObjectError", () => {
      const frame = builtin!.compress(sample(5000), { level: 3 }).slice();
      frame[frame.length - 5]! ^= 0xff;
      frame[20]! ^= 0x55;
      expect(() => decodeObjectFile(fileWith(frame), FileType.Snapshot)).toThrow(
        CorruptObjectError,
      );
    });
  });

  const codecs: Array<[string, ZstdCodec | undefined]> = [
    ["ours", pureZstdCodec],
    ["Node's built-in", builtin],
  ];
  for (const [name, codec] of codecs) {
    it.skipIf(codec === undefined)(
      `a repository written with ${name} zstd is read by the official implementation`,
      async () => {
        const oracle = await loadNativeOracle();
        expect(oracle, `native oracle unavailable: ${nativeOracleUnavailableReason}`).toBeDefined();
        const { dir, cleanup } = await makeTempDir();
        cleanups.push(cleanup);
        expect(await writeAndRead(codec, localFilesystemStorage(dir))).toHaveLength(64);
        const theirs = await oracle!.Repository.open(await oracle!.Storage.newLocalFilesystem(dir));
        const main = await theirs.readonlySession({ branch: "main" });
        const root = zarr.root(main.store as never);
        const got = await zarr.get(await zarr.open.v3(root.resolve("a"), { kind: "array" }));
        expect(Array.from(got.data as Int32Array)).toEqual(
          Array.from({ length: 64 }, (_, i) => i * 3),
        );
      },
    );
  }
});
