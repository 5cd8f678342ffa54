import fc from "fast-check";
import { describe, expect, test } from "vitest";
import pkg from "../../package.json" with { type: "json" };
import { isIcechunkError, UnsupportedSpecVersionError } from "../../src/errors.js";
import {
  FILE_TYPE_OFFSET,
  HEADER_LENGTH,
  MAGIC_BYTES,
  SPEC_VERSION_OFFSET,
} from "../../src/format/constants.js";
import { parseHeader, writeHeader } from "../../src/format/header.js";
import { fixtureFiles } from "./fixtures.js";

describe("file header", () => {
  test("is 39 bytes starting with the magic", () => {
    const h = writeHeader({ specVersion: 2, fileType: 1 });
    expect(h.length).toBe(HEADER_LENGTH);
    expect(new TextDecoder().decode(h.subarray(0, MAGIC_BYTES.length))).toBe("ICE🧊CHUNK");
    expect(new TextDecoder().decode(h.subarray(12, 36))).toBe(`icts-${pkg.version}`.padEnd(24));
    expect([...h.subarray(36)]).toEqual([2, 1, 1]);
  });

  test("round-trips", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(1 as const, 2 as const),
        fc.constantFrom(1 as const, 2 as const, 3 as const, 4 as const, 5 as const, 6 as const),
        fc.constantFrom(0, 1),
        fc.stringMatching(/^[a-z0-9.-]{0,24}$/),
        (specVersion, fileType, compression, implementation) => {
          const bytes = writeHeader({ specVersion, fileType, compression, implementation });
          expect(parseHeader(bytes)).toEqual({
            specVersion,
            fileType,
            compression,
            implementation,
          });
        },
      ),
    );
  });

  test("parses every reference-repo header written by Rust", () => {
    for (const kind of ["snapshots", "manifests", "transactions", "repo"] as const) {
      for (const f of fixtureFiles(kind)) {
        expect(f.header.implementation).toMatch(/^ic-\d/);
        expect(f.header.compression).toBe(1);
      }
    }
  });

  test("rejects short buffers, wrong magic, unknown types and compression with typed errors", () => {
    const good = writeHeader({ specVersion: 2, fileType: 2 });
    const cases: Array<[Uint8Array, string]> = [
      [good.subarray(0, 38), "corrupt-object"],
      [new Uint8Array(0), "corrupt-object"],
      [Uint8Array.from(good, (b, i) => (i === 3 ? 0 : b)), "corrupt-object"],
      [Uint8Array.from(good, (b, i) => (i === FILE_TYPE_OFFSET ? 7 : b)), "corrupt-object"],
      [Uint8Array.from(good, (b, i) => (i === FILE_TYPE_OFFSET ? 0 : b)), "corrupt-object"],
      [Uint8Array.from(good, (b, i) => (i === HEADER_LENGTH - 1 ? 2 : b)), "corrupt-object"],
      [
        Uint8Array.from(good, (b, i) => (i === SPEC_VERSION_OFFSET ? 3 : b)),
        "unsupported-spec-version",
      ],
      [
        Uint8Array.from(good, (b, i) => (i === SPEC_VERSION_OFFSET ? 0 : b)),
        "unsupported-spec-version",
      ],
    ];
    for (const [bytes, kind] of cases) {
      expect(() => parseHeader(bytes, { path: "manifests/X" })).toThrow(
        expect.objectContaining({ kind, message: expect.stringContaining("manifests/X") }),
      );
    }
    try {
      parseHeader(Uint8Array.from(good, (b, i) => (i === SPEC_VERSION_OFFSET ? 9 : b)));
    } catch (err) {
      expect(err).toBeInstanceOf(UnsupportedSpecVersionError);
      expect(isIcechunkError(err)).toBe(true);
      expect((err as UnsupportedSpecVersionError).found).toBe(9);
    }
  });
});
