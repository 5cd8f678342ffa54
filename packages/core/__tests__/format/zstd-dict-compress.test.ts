import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CompressionError } from "../../src/errors.js";
import { RawDictionaryCompressor } from "../../src/format/zstd/dict-compress.js";
import { parseZstdDictionary, zstdDecompress } from "../../src/format/zstd/index.js";
import { haveZstd, tempDir, writeTemp, zstdCli } from "./zstd-helpers.js";

const enc = new TextEncoder();
const urls = Array.from(
  { length: 300 },
  (_, i) => `s3://bucket/forecast/${2020 + (i % 5)}/run-${i % 17}/member_${i % 9}.nc`,
);
const dictionary = enc.encode([...new Set(urls.slice(0, 60))].join("").slice(0, 2048));

describe("compressing small inputs against a raw-content dictionary", () => {
  const c = new RawDictionaryCompressor(dictionary);
  const parsed = parseZstdDictionary(dictionary);

  it("round-trips through our decoder and shrinks typical locations", () => {
    let raw = 0;
    let packed = 0;
    for (const u of urls) {
      const z = c.compress(enc.encode(u));
      raw += u.length;
      packed += z.length;
      expect(new TextDecoder().decode(zstdDecompress(z, { dictionary: parsed }))).toBe(u);
    }
    expect(packed).toBeLessThan(raw / 2);
  });

  it("round-trips arbitrary bytes (self-matches, overlaps, empty, beyond 256 and 65,792 bytes)", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 600 }),
          fc.string({ maxLength: 300 }).map((s) => enc.encode(s.repeat(3))),
          fc.constantFrom(new Uint8Array(0), new Uint8Array(70_000).fill(7)),
        ),
        (input) => {
          const back = zstdDecompress(c.compress(input), { dictionary: parsed });
          expect(Buffer.compare(Buffer.from(back), Buffer.from(input))).toBe(0);
        },
      ),
      { numRuns: 200 },
    );
  });

  it.skipIf(!haveZstd)("writes frames the zstd CLI decodes with the same dictionary", () => {
    const dir = tempDir();
    const dictPath = writeTemp(dir, "dict", dictionary);
    for (const u of [urls[0]!, urls[123]!, "not in the dictionary at all, repeated repeated"]) {
      const out = zstdCli(["-d", "-c", "-D", dictPath], c.compress(enc.encode(u)));
      expect(new TextDecoder().decode(out)).toBe(u);
    }
  });

  it("refuses a dictionary that starts with the formatted-dictionary magic", () => {
    const bad = Uint8Array.of(0x37, 0xa4, 0x30, 0xec, 1, 2, 3, 4);
    expect(() => new RawDictionaryCompressor(bad)).toThrow(CompressionError);
  });
});
