/**
 * @module test/zstd-helpers
 * Shared helpers for the zstd tests: running the reference `zstd` CLI and building inputs.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Path of the reference CLI. */
export const ZSTD = "/usr/bin/zstd";
/**
 * True when the reference CLI is installed. In CI (where scripts/test.sh installs it) a missing CLI
 * is an error, never a silent skip.
 */
export const haveZstd = existsSync(ZSTD);
if (!haveZstd && process.env.CI)
  throw new Error(`${ZSTD} is missing: scripts/test.sh installs the Debian zstd package`);

/** Runs `zstd args...` with `input` on stdin and returns stdout. */
export function zstdCli(args: string[], input?: Uint8Array): Uint8Array {
  const out = execFileSync(ZSTD, ["-q", ...args], {
    input: input ?? new Uint8Array(0),
    maxBuffer: 1 << 30,
  });
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/** A fresh temporary directory. */
export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "zstd-test-"));
}

/** Writes bytes into `dir/name` and returns the path. */
export function writeTemp(dir: string, name: string, data: Uint8Array | string): string {
  const p = join(dir, name);
  writeFileSync(p, data);
  return p;
}

/** Deterministic pseudo-random bytes. */
export function randomBytes(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** Repetitive JSON resembling Icechunk metadata. */
export function sampleJson(records: number, seed = 7): Uint8Array {
  const rnd = randomBytes(records * 4, seed);
  const rows = [];
  for (let i = 0; i < records; i++) {
    rows.push({
      id: i,
      path: `s3://bucket/path/to/file-${i}.nc`,
      offset: rnd[i * 4]! * 1024 + rnd[i * 4 + 1]!,
      length: 4096 + rnd[i * 4 + 2]!,
      kind: i % 3 === 0 ? "virtual" : "native",
    });
  }
  return new TextEncoder().encode(JSON.stringify(rows));
}

/** Binary data with long repeats at varying distances (flatbuffer-like). */
export function binaryWithMatches(n: number, seed = 3): Uint8Array {
  const out = new Uint8Array(n);
  const rnd = randomBytes(n, seed);
  let i = 0;
  while (i < n) {
    const r = rnd[i]!;
    if (i > 1024 && r < 160) {
      const len = 8 + (rnd[i + 1 === n ? i : i + 1]! % 200);
      const dist = 1 + ((rnd[i]! * 257 + rnd[Math.max(0, i - 1)]!) % Math.min(i, 60000));
      for (let k = 0; k < len && i < n; k++, i++) out[i] = out[i - dist]!;
    } else {
      out[i] = rnd[i]!;
      i++;
    }
  }
  return out;
}

/**
 * A decompression bomb: one zstd frame without a declared size holding `blocks` RLE blocks of
 * 128 KiB each (4 bytes per block: 32 KB of input claim 1 GiB at the default 8000 blocks).
 */
export function zstdBomb(blocks = 8000): Uint8Array {
  const frame = new Uint8Array(4 + 2 + blocks * 4);
  frame.set([0x28, 0xb5, 0x2f, 0xfd, 0x00, (17 - 10) << 3]); // no content size, 128 KiB window
  for (let i = 0; i < blocks; i++) {
    const last = i === blocks - 1 ? 1 : 0;
    const bh = ((1 << 17) << 3) | (1 << 1) | last;
    frame.set([bh & 0xff, (bh >> 8) & 0xff, (bh >> 16) & 0xff, 0x41], 6 + i * 4);
  }
  return frame;
}
