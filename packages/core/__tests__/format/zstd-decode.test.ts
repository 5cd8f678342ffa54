import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REFERENCE_REPOS_DIR } from "../../../../test/support/tmp.js";
import { CompressionError } from "../../src/errors.js";
import { parseZstdDictionary, zstdDecompress } from "../../src/format/zstd/index.js";
import {
  binaryWithMatches,
  haveZstd,
  randomBytes,
  sampleJson,
  tempDir,
  writeTemp,
  zstdCli,
} from "./zstd-helpers.js";

const eq = (a: Uint8Array, b: Uint8Array): void => {
  expect(a.length).toBe(b.length);
  expect(Buffer.compare(Buffer.from(a), Buffer.from(b))).toBe(0);
};

describe.skipIf(!haveZstd)("zstdDecompress vs the zstd CLI", () => {
  const inputs: [string, Uint8Array][] = [
    ["json", sampleJson(3000)],
    ["random", randomBytes(200_000)],
    ["binary", binaryWithMatches(300_000)],
    [
      "text",
      new TextEncoder().encode("the quick brown fox jumps over the lazy dog. ".repeat(3000)),
    ],
    ["zeros", new Uint8Array(400_000)],
    ["small", Uint8Array.of(1, 2, 3)],
  ];
  const variants: string[][] = [
    ["-1"],
    ["-3"],
    ["-19"],
    ["--ultra", "-22"],
    ["-3", "--no-check"],
    ["-5", "--no-content-size"],
    ["-3", "--content-size"],
    ["-9", "--long=24"],
    ["--fast=5"],
  ];
  for (const [name, data] of inputs) {
    for (const args of variants) {
      it(`${name} ${args.join(" ")}`, () => {
        eq(zstdDecompress(zstdCli(["-c", ...args], data)), data);
      });
    }
  }

  it("streamed input without content size", () => {
    const data = sampleJson(2000);
    // stdin → no content size is known up front
    const frame = zstdCli(["-c", "-3", "--no-check"], data);
    expect(frame[4]! >> 6).toBe(0);
    eq(zstdDecompress(frame), data);
  });

  it("streamed multi-block input: allocated once from the block headers, little left unused", () => {
    const data = binaryWithMatches(5_000_000, 3);
    const frame = zstdCli(["-c", "-3"], data); // from stdin: no content size
    expect(frame[4]! >> 6).toBe(0);
    const out = zstdDecompress(frame);
    eq(out, data);
    expect(out.buffer.byteLength - out.length).toBeLessThanOrEqual(out.length / 16);
    // small outputs are copied out rather than pinning a mostly empty buffer
    const small = zstdDecompress(zstdCli(["-c", "-3"], sampleJson(50)));
    expect(small.buffer.byteLength).toBe(small.length);
  });

  it("a frame of empty block headers is refused without trusting their size bound", () => {
    // 8000 'compressed' block headers of size 0 bound the content at ~1 GB
    const frame = new Uint8Array(4 + 2 + 3 * 8000);
    new DataView(frame.buffer).setUint32(0, 0xfd2fb528, true);
    frame[4] = 0; // no content size, not single segment
    frame[5] = (17 - 10) << 3; // window 128 KiB
    for (let i = 0; i < 8000; i++) frame[6 + 3 * i] = (2 << 1) | (i === 7999 ? 1 : 0);
    expect(() => zstdDecompress(frame)).toThrow(CompressionError);
  });

  it("matches reaching more than 2^26 bytes back (offset codes wider than 25 bits)", () => {
    // 1 MiB of random bytes, 70 MiB of zeros, the same random bytes again: with a 2^27 window the
    // repeat is one match whose offset needs 26 extra bits (the decoder's wide-read path).
    const head = randomBytes(1 << 20);
    const data = new Uint8Array((1 << 20) * 72);
    data.set(head, 0);
    data.set(head, data.length - head.length);
    const frame = zstdCli(["-c", "-3", "--long=27"], data);
    expect(frame.length).toBeLessThan(head.length * 1.2);
    eq(zstdDecompress(frame), data);
  });

  it("empty input", () => {
    const frame = zstdCli(["-c", "-3"], new Uint8Array(0));
    eq(zstdDecompress(frame), new Uint8Array(0));
    // every result owns its buffer (transferring one must not break the next)
    const a = zstdDecompress(frame);
    structuredClone(a, { transfer: [a.buffer] });
    eq(zstdDecompress(zstdCli(["-c", "-3"], new Uint8Array(0))), new Uint8Array(0));
    eq(zstdDecompress(zstdCli(["-c", "-3"], Uint8Array.of(1, 2))), Uint8Array.of(1, 2));
  });

  it("several MB of mixed input, multiple concatenated frames and skippable frames", () => {
    const a = binaryWithMatches(3_000_000, 11);
    const b = sampleJson(20000);
    const fa = zstdCli(["-c", "-3"], a);
    const fb = zstdCli(["-c", "-1", "--no-check"], b);
    const skip = new Uint8Array(8 + 5);
    new DataView(skip.buffer).setUint32(0, 0x184d2a53, true);
    new DataView(skip.buffer).setUint32(4, 5, true);
    const all = Buffer.concat([fa, skip, fb, fa]);
    eq(zstdDecompress(all), Buffer.concat([a, b, a]));
  });

  it("dictionary trained with zstd --train (formatted) and a raw-content dictionary", () => {
    const dir = tempDir();
    const samples: string[] = [];
    for (let i = 0; i < 400; i++) {
      samples.push(
        writeTemp(
          dir,
          `s${i}`,
          `s3://bucket/path/to/dataset-${i % 7}/file-${i}.nc?version=${i * 37}`,
        ),
      );
    }
    const dictPath = join(dir, "dict");
    zstdCli(["--train", "--maxdict=2048", "-o", dictPath, ...samples]);
    const dictBytes = readFileSync(dictPath);
    const dict = parseZstdDictionary(dictBytes);
    expect(dict.id).not.toBe(0);
    for (const i of [0, 5, 123, 399]) {
      const sample = readFileSync(samples[i]!);
      const frame = zstdCli(["-c", "-3", "-D", dictPath, samples[i]!]);
      eq(zstdDecompress(frame, { dictionary: dict }), sample);
      // Icechunk-style: content size + dict id, no checksum
      const frame2 = zstdCli(["-c", "-19", "--no-check", "-D", dictPath, samples[i]!]);
      eq(zstdDecompress(frame2, { dictionary: dict }), sample);
    }
    // raw content dictionary (no magic)
    const raw = new TextEncoder().encode(
      Array.from({ length: 50 }, (_, i) => `s3://bucket/path/to/file-${i}.nc`).join("\n"),
    );
    const rawPath = writeTemp(dir, "rawdict", raw);
    const sample = new TextEncoder().encode(
      "s3://bucket/path/to/file-17.nc s3://bucket/path/to/file-42.nc",
    );
    const samplePath = writeTemp(dir, "sample", sample);
    const frame = zstdCli(["-c", "-3", "-D", rawPath, samplePath]);
    const rawDict = parseZstdDictionary(raw);
    expect(rawDict.id).toBe(0);
    eq(zstdDecompress(frame, { dictionary: rawDict }), sample);
  });
});

describe.skipIf(!haveZstd)("Icechunk reference repository files", () => {
  const root = REFERENCE_REPOS_DIR;
  const files: string[] = [];
  for (const repo of readdirSync(root)) {
    for (const sub of ["snapshots", "manifests", "transactions"]) {
      const d = join(root, repo, sub);
      try {
        for (const f of readdirSync(d)) files.push(join(d, f));
      } catch {
        // directory absent in this fixture
      }
    }
    const repoFile = join(root, repo, "repo");
    try {
      if (statSync(repoFile).isFile()) files.push(repoFile);
    } catch {
      // V1 repos have no repo file
    }
  }
  it("finds fixture files", () => {
    expect(files.length).toBeGreaterThan(10);
  });
  it("decodes every metadata file like zstd -d", () => {
    for (const f of files) {
      const payload = readFileSync(f).subarray(39);
      const expected = zstdCli(["-d", "-c"], payload);
      eq(zstdDecompress(payload), expected);
    }
  });
});
