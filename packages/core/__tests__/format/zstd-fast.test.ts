/**
 * @module __tests__/format/zstd-fast.test
 * The fast match finder used at levels ≤ 3: large manifest-like inputs (multi-block, beyond the
 * single-segment window, long repeats, overlapping matches, repeat offsets) must round-trip through
 * our decoder and the reference `zstd -d`, and still compress.
 */
import { describe, expect, it } from "vitest";
import { zstdCompress, zstdDecompress } from "../../src/format/zstd/index.js";
import { binaryWithMatches, haveZstd, randomBytes, zstdCli } from "./zstd-helpers.js";

/** Fixed-size records with a random 12-byte field, like manifest chunk refs. */
function records(count: number, seed: number): Uint8Array {
  const rnd = randomBytes(count * 12, seed);
  const out = new Uint8Array(count * 44);
  const view = new DataView(out.buffer);
  for (let i = 0; i < count; i++) {
    const o = i * 44;
    view.setUint32(o, 12, true);
    view.setUint32(o + 4, i >>> 10, true);
    view.setUint32(o + 8, i & 1023, true);
    out.set(rnd.subarray(i * 12, i * 12 + 12), o + 12);
    view.setUint32(o + 24, 4096, true);
    view.setUint32(o + 32, 0x0a0b0c0d, true);
  }
  return out;
}

const same = (a: Uint8Array, b: Uint8Array) =>
  a.length === b.length && Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;

const inputs: Array<[string, () => Uint8Array]> = [
  ["manifest-like records 1 MB", () => records(24_000, 3)],
  ["manifest-like records 5 MB (beyond one segment)", () => records(120_000, 4)],
  ["long matches 2 MB", () => binaryWithMatches(2_000_000, 11)],
  [
    "period-3 run (overlapping matches)",
    () => Uint8Array.from({ length: 200_000 }, (_, i) => i % 3),
  ],
  [
    "random then repeated",
    () => {
      const r = randomBytes(100_000, 7);
      const out = new Uint8Array(300_000);
      out.set(r);
      out.set(r, 100_000);
      out.set(r.subarray(0, 50_000), 200_000);
      return out;
    },
  ],
  ["tiny inputs", () => Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 1, 2, 3, 4, 5, 6, 7, 8, 9)],
];

describe("zstd fast match finder (levels 1-3)", () => {
  for (const [name, make] of inputs) {
    for (const level of [1, 3]) {
      it(`${name} at level ${level} round-trips (ours${haveZstd ? " and zstd -d" : ""})`, () => {
        const data = make();
        const frame = zstdCompress(data, { level });
        expect(same(zstdDecompress(frame), data)).toBe(true);
        if (haveZstd) expect(same(zstdCli(["-d", "-c"], frame), data)).toBe(true);
      });
    }
  }

  it("still compresses manifest-like data", () => {
    const data = records(24_000, 5);
    expect(zstdCompress(data, { level: 3 }).length).toBeLessThan(data.length * 0.7);
  });
});
