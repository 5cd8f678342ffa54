/**
 * Corrupted input must raise typed errors only: truncated payloads, random bytes and flipped
 * bytes of real Rust-written files, decoded and then fully walked (views are lazy).
 */
import { describe, expect, test } from "vitest";
import { isIcechunkError } from "../../src/errors.js";
import type { FileType } from "../../src/format/constants.js";
import { decodeObjectFile } from "../../src/format/object-file.js";
import { cliDecompress, fixtureFiles, KIND_FILE_TYPE, walkPayload } from "./fixtures.js";

function expectTypedOrOk(f: () => void): "ok" | "error" {
  try {
    f();
    return "ok";
  } catch (err) {
    if (!isIcechunkError(err)) throw new Error(`untyped error: ${String(err)}`, { cause: err });
    return "error";
  }
}

/** Small deterministic PRNG (mulberry32) so failures are reproducible. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const samples = (["snapshots", "manifests", "transactions", "repo"] as const).map((kind) => {
  const files = fixtureFiles(kind);
  // The largest file of each spec per kind gives the richest structure to damage.
  const picked = [1, 2]
    .map(
      (spec) =>
        files
          .filter((f) => f.header.specVersion === spec)
          .sort((a, b) => b.bytes.length - a.bytes.length)[0],
    )
    .filter((f) => f !== undefined);
  return { kind, files: picked.map((f) => ({ ...f, payload: cliDecompress(f.bytes) })) };
});

describe("corrupted flatbuffers raise typed errors only", () => {
  for (const { kind, files } of samples) {
    for (const f of files) {
      test(`${kind} ${f.repo}/${f.key}: every truncation`, () => {
        const p = f.payload;
        let errors = 0;
        for (let n = 0; n < p.length; n += Math.max(1, Math.floor(p.length / 400))) {
          if (
            expectTypedOrOk(() => walkPayload(kind, p.slice(0, n), f.header.specVersion)) ===
            "error"
          )
            errors++;
        }
        expect(errors).toBeGreaterThan(0);
        expect(expectTypedOrOk(() => walkPayload(kind, p, f.header.specVersion))).toBe("ok");
      });

      test(`${kind} ${f.repo}/${f.key}: 600 random byte flips`, () => {
        const random = rng(f.payload.length);
        let errors = 0;
        for (let i = 0; i < 600; i++) {
          const p = f.payload.slice();
          const flips = 1 + Math.floor(random() * 4);
          for (let k = 0; k < flips; k++)
            p[Math.floor(random() * p.length)] = Math.floor(random() * 256);
          if (expectTypedOrOk(() => walkPayload(kind, p, f.header.specVersion)) === "error")
            errors++;
        }
        expect(errors).toBeGreaterThan(0);
      });
    }

    test(`${kind}: 500 random buffers`, () => {
      const random = rng(kind.length * 7919);
      for (let i = 0; i < 500; i++) {
        const p = new Uint8Array(Math.floor(random() * 600));
        for (let k = 0; k < p.length; k++) p[k] = Math.floor(random() * 256);
        // Make some of them look like flatbuffers with a plausible root offset.
        if (p.length > 8 && i % 2 === 0)
          new DataView(p.buffer).setUint32(0, 8 + Math.floor(random() * (p.length - 8)), true);
        expectTypedOrOk(() => walkPayload(kind, p, i % 2 === 0 ? 1 : 2));
      }
    });
  }
});

describe("corrupted object files raise typed errors only", () => {
  for (const { kind, files } of samples) {
    for (const f of files) {
      test(`${kind} ${f.repo}/${f.key}: 300 byte flips in the compressed file`, () => {
        const random = rng(f.bytes.length + 17);
        for (let i = 0; i < 300; i++) {
          const b = f.bytes.slice();
          b[Math.floor(random() * b.length)] = Math.floor(random() * 256);
          expectTypedOrOk(() => {
            const { header, payload } = decodeObjectFile(b, KIND_FILE_TYPE[kind] as FileType, {
              path: f.key,
            });
            walkPayload(kind, payload, header.specVersion);
          });
        }
      });
    }
  }
});
