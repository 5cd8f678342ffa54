import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { CompressionError } from "../../src/errors.js";
import { parseZstdDictionary, zstdCompress, zstdDecompress } from "../../src/format/zstd/index.js";
import { haveZstd, randomBytes, sampleJson, tempDir, writeTemp, zstdCli } from "./zstd-helpers.js";

/** Decoding must either succeed or throw CompressionError, never anything else. */
function decodeOrCompressionError(
  bytes: Uint8Array,
  opts?: Parameters<typeof zstdDecompress>[1],
): void {
  try {
    zstdDecompress(bytes, { maxOutputSize: 1 << 24, ...opts });
  } catch (err) {
    if (!(err instanceof CompressionError)) throw err;
  }
}

const expectCE = (f: () => unknown): void => {
  expect(f).toThrow(CompressionError);
};

const frames: [string, Uint8Array][] = [];
const data = sampleJson(800);
frames.push(["ours", zstdCompress(data)]);
if (haveZstd) {
  frames.push(["cli -3", zstdCli(["-c", "-3"], data)]);
  frames.push(["cli -19 no-check", zstdCli(["-c", "-19", "--no-check"], data)]);
  frames.push(["cli random", zstdCli(["-c", "-1"], randomBytes(5000))]);
}

describe("zstdDecompress rejects bad input with CompressionError", () => {
  it("empty input and wrong magic", () => {
    expectCE(() => zstdDecompress(new Uint8Array(0)));
    expectCE(() => zstdDecompress(Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8)));
    expectCE(() => zstdDecompress(Uint8Array.of(0x28, 0xb5)));
  });

  for (const [name, frame] of frames) {
    it(`${name}: every truncation`, () => {
      const step = Math.max(1, Math.floor(frame.length / 300));
      for (let n = 0; n < frame.length; n += step) {
        expectCE(() => zstdDecompress(frame.subarray(0, n)));
      }
    });

    it(`${name}: flipped bits never escape as another error`, () => {
      const rnd = randomBytes(4000, 77);
      for (let k = 0; k < 1000; k++) {
        const copy = frame.slice();
        const pos = ((rnd[k * 2]! << 8) | rnd[k * 2 + 1]!) % copy.length;
        copy[pos]! ^= 1 << (rnd[k * 3]! & 7);
        decodeOrCompressionError(copy);
      }
    });
  }

  it("checksum mismatch is detected", () => {
    if (!haveZstd) return;
    const frame = zstdCli(["-c", "-3", "--check"], data);
    const copy = frame.slice();
    copy[copy.length - 1]! ^= 0xff;
    expectCE(() => zstdDecompress(copy));
  });

  it("random bytes behind a valid magic", () => {
    for (let seed = 1; seed < 300; seed++) {
      const junk = randomBytes(200 + seed, seed);
      junk.set([0x28, 0xb5, 0x2f, 0xfd], 0);
      decodeOrCompressionError(junk);
    }
  });

  it("huge declared content size and window are refused before allocation", () => {
    // FCS flag 3 (8 bytes), single segment, content size 2^40
    const big = Uint8Array.of(0x28, 0xb5, 0x2f, 0xfd, 0xe0, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0);
    expectCE(() => zstdDecompress(big));
    // window log 10 + 31 = 41
    const win = Uint8Array.of(0x28, 0xb5, 0x2f, 0xfd, 0x00, 0xf8, 1, 0, 0);
    expectCE(() => zstdDecompress(win));
    // maxOutputSize respected for known and unknown sizes
    const frame = zstdCompress(new Uint8Array(100_000));
    expectCE(() => zstdDecompress(frame, { maxOutputSize: 1000 }));
    if (haveZstd) {
      const streamed = zstdCli(["-c", "-3"], new Uint8Array(100_000));
      expect(streamed[4]! >> 6).toBe(0);
      expectCE(() => zstdDecompress(streamed, { maxOutputSize: 1000 }));
    }
    // RLE block declaring 128 KiB in a frame that says 10 bytes
    const rle = Uint8Array.of(
      0x28,
      0xb5,
      0x2f,
      0xfd,
      0x20,
      10,
      0x03 | (0xff << 3),
      0xff,
      0x1f,
      0x41,
    );
    expectCE(() => zstdDecompress(rle));
  });

  it.skipIf(!haveZstd)("missing or wrong dictionary", () => {
    const dir = tempDir();
    const samples = Array.from({ length: 300 }, (_, i) =>
      writeTemp(dir, `s${i}`, `s3://bucket/prefix-${i % 5}/file-${i}.nc#${i * 13}`),
    );
    zstdCli(["--train", "--maxdict=2048", "-o", `${dir}/d1`, ...samples]);
    zstdCli(["--train", "--maxdict=2048", "--dictID=12345", "-o", `${dir}/d2`, ...samples]);
    const frame = zstdCli(["-c", "-D", `${dir}/d1`, samples[3]!]);
    expectCE(() => zstdDecompress(frame));
    const d2 = parseZstdDictionary(readFileSync(`${dir}/d2`));
    expect(d2.id).toBe(12345);
    expectCE(() => zstdDecompress(frame, { dictionary: d2 }));
    // corrupt dictionaries
    const d1bytes = readFileSync(`${dir}/d1`);
    for (let n = 9; n < 200; n += 7) {
      try {
        parseZstdDictionary(d1bytes.subarray(0, n));
      } catch (err) {
        expect(err).toBeInstanceOf(CompressionError);
      }
    }
  });

  it("rejects non-Uint8Array input and foreign dictionaries", () => {
    expectCE(() => zstdDecompress("abc" as unknown as Uint8Array));
    expectCE(() => zstdDecompress(zstdCompress(data), { dictionary: { id: 1, contentSize: 0 } }));
  });
});
