import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { zstdCompress, zstdDecompress } from "../../src/format/zstd/index.js";
import { binaryWithMatches, haveZstd, randomBytes, sampleJson, zstdCli } from "./zstd-helpers.js";

const eq = (a: Uint8Array, b: Uint8Array): void => {
  expect(a.length).toBe(b.length);
  expect(Buffer.compare(Buffer.from(a), Buffer.from(b))).toBe(0);
};

const inputs: [string, Uint8Array][] = [
  ["empty", new Uint8Array(0)],
  ["one byte", Uint8Array.of(42)],
  ["short text", new TextEncoder().encode("hello, hello, hello zstd")],
  ["random 70 KB", randomBytes(70_000, 5)],
  ["random 300 KB (multi-block)", randomBytes(300_000, 9)],
  ["json 100 KB", sampleJson(1500)],
  ["json 600 KB (multi-block)", sampleJson(9000)],
  ["binary with long matches 500 KB", binaryWithMatches(500_000)],
  ["zeros 300 KB (RLE)", new Uint8Array(300_000)],
  ["high bytes", Uint8Array.from({ length: 5000 }, (_, i) => 200 + (i % 50))],
  ["256 bytes", Uint8Array.from({ length: 256 }, (_, i) => i)],
  ["65791 bytes", binaryWithMatches(65_791, 8)],
];

describe("zstdCompress", () => {
  for (const [name, data] of inputs) {
    for (const level of [1, 3, 19]) {
      it(`${name} at level ${level} round-trips through zstdDecompress`, () => {
        eq(zstdDecompress(zstdCompress(data, { level })), data);
      });
      it.skipIf(!haveZstd)(`${name} at level ${level} decodes with zstd -d`, () => {
        eq(zstdCli(["-d", "-c"], zstdCompress(data, { level })), data);
      });
    }
  }

  it("writes Frame_Content_Size (single segment) and no checksum", () => {
    const data = sampleJson(100);
    const frame = zstdCompress(data);
    expect(new DataView(frame.buffer, frame.byteOffset).getUint32(0, true)).toBe(0xfd2fb528);
    const fhd = frame[4]!;
    expect(fhd & 0x20).toBe(0x20); // single segment
    expect(fhd & 0x04).toBe(0); // no checksum
    expect(fhd >> 6).toBeGreaterThan(0); // 2- or 4-byte content size
  });

  it("compresses repetitive JSON below 30%", () => {
    const data = sampleJson(1500);
    expect(data.length).toBeGreaterThan(100_000);
    expect(zstdCompress(data).length).toBeLessThan(data.length * 0.3);
  });

  it("uses compressed blocks, not only raw ones", () => {
    const data = new TextEncoder().encode("abcdefgh".repeat(5000));
    expect(zstdCompress(data).length).toBeLessThan(100);
  });

  it.skipIf(!haveZstd)("large input (> 4 MiB, windowed frame) decodes with zstd -d", () => {
    const data = binaryWithMatches(5_000_000, 21);
    const frame = zstdCompress(data, { level: 1 });
    expect(frame[4]! & 0x20).toBe(0);
    eq(zstdCli(["-d", "-c"], frame), data);
    eq(zstdDecompress(frame), data);
  });

  it("property: arbitrary bytes round-trip", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 3000 }),
        fc.integer({ min: 1, max: 19 }),
        (data, level) => {
          eq(zstdDecompress(zstdCompress(data, { level })), data);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("property: repetitive token streams round-trip", () => {
    const token = fc.constantFrom(
      "{",
      "}",
      '"path":',
      '"s3://b/k',
      "1234",
      ",",
      "[",
      "]",
      "\u00e9\u00ff",
    );
    fc.assert(
      fc.property(fc.array(token, { maxLength: 3000 }), (parts) => {
        const data = new TextEncoder().encode(parts.join(""));
        eq(zstdDecompress(zstdCompress(data)), data);
      }),
      { numRuns: 100 },
    );
  });
});
