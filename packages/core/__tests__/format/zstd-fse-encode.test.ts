/**
 * @module __tests__/format/zstd-fse-encode.test
 * Per-block FSE tables of the encoder: normalized counts sum to the table size and their header
 * reads back exactly; blocks using fitted tables decode with ours and the reference `zstd -d`;
 * and a manifest flatbuffer compresses to within a bounded margin of libzstd at the same level.
 */
import { describe, expect, it } from "vitest";
import { newChunkId, newManifestId, newNodeId } from "../../src/format/ids.js";
import { type ChunkPayload, encodeManifest } from "../../src/format/manifest.js";
import { readNCount } from "../../src/format/zstd/fse.js";
import { normalizeCounts, writeNCount } from "../../src/format/zstd/fse-encode.js";
import { zstdCompress, zstdDecompress } from "../../src/format/zstd/index.js";
import { haveZstd, zstdCli } from "./zstd-helpers.js";

function lcg(seed: number) {
  let x = seed >>> 0;
  return () => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return x;
  };
}

function manifest(n: number): Uint8Array {
  const refs: Array<[number[], ChunkPayload]> = [];
  for (let i = 0; i < n; i++)
    refs.push([
      [i >> 8, i & 255],
      { kind: "native", chunkId: newChunkId(), offset: 0, length: 4000 + (i % 97) },
    ]);
  for (let i = 0; i < n; i++)
    refs.push([
      [1000 + (i >> 8), i & 255],
      {
        kind: "virtual",
        location: `s3://bucket/archive/file-${String(i >> 6).padStart(4, "0")}.nc`,
        offset: (i & 63) * 65536,
        length: 65536,
      },
    ]);
  return encodeManifest({ id: newManifestId(), arrays: [{ nodeId: newNodeId(), refs }] }, 2);
}

describe("zstd FSE tables fitted per block", () => {
  it("normalized counts sum to the table size and their header reads back", () => {
    const rnd = lcg(9);
    for (let trial = 0; trial < 300; trial++) {
      const maxSymbol = [35, 31, 52][trial % 3]!;
      const log = 5 + (trial % 5);
      const hist = new Uint32Array(maxSymbol + 1);
      const used = 1 + (rnd() % Math.min(maxSymbol + 1, 1 << (log - 1)));
      let total = 0;
      for (let k = 0; k < used; k++) {
        const s = rnd() % (maxSymbol + 1);
        const h = 1 + (rnd() % (trial % 2 ? 5 : 5000));
        hist[s]! += h;
        total += h;
      }
      let top = 0;
      for (let s = 0; s <= maxSymbol; s++) if (hist[s]) top = s;
      const counts = normalizeCounts(hist, total, top, log);
      if (counts === null) continue;
      let sum = 0;
      for (let s = 0; s <= top; s++) {
        expect(counts[s] === 0).toBe(hist[s] === 0);
        sum += counts[s] === -1 ? 1 : counts[s]!;
      }
      expect(sum).toBe(1 << log);
      const header = writeNCount(counts, top, log);
      const back = readNCount(header, 0, header.length, maxSymbol, 9);
      expect(back.log).toBe(log);
      expect(back.maxSymbol).toBe(top);
      expect(back.size).toBe(header.length);
      expect(Array.from(back.counts.subarray(0, top + 1))).toEqual(Array.from(counts));
    }
  });

  it.skipIf(!haveZstd)(
    "a manifest compresses within 25% of zstd -3 and decodes with ours and zstd -d",
    () => {
      const payload = manifest(8_000);
      const ours = zstdCompress(payload, { level: 3 });
      const same = (a: Uint8Array) => Buffer.compare(Buffer.from(a), Buffer.from(payload)) === 0;
      expect(same(zstdDecompress(ours))).toBe(true);
      expect(same(zstdCli(["-d", "-c"], ours))).toBe(true);
      const theirs = zstdCli(["-3", "-c", "--no-check"], payload);
      // predefined tables only gave ~1.43× here
      expect(ours.length / theirs.length).toBeLessThan(1.25);
    },
  );
});
