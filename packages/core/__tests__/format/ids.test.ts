import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { isIcechunkError } from "../../src/errors.js";
import { decodeBase32, encodeBase32, encodeBase32At } from "../../src/format/base32.js";
import { INITIAL_SNAPSHOT_ID } from "../../src/format/constants.js";
import {
  idFromBytes,
  idToBytes,
  newChunkId,
  newManifestId,
  newNodeId,
  newSnapshotId,
  parseChunkId,
  parseManifestId,
  parseNodeId,
  parseSnapshotId,
} from "../../src/format/ids.js";

const hex = (s: string) => Uint8Array.from(s.match(/../g) ?? [], (b) => Number.parseInt(b, 16));

describe("Crockford base32 ids", () => {
  test("match the upstream test vectors", () => {
    expect(encodeBase32(Uint8Array.from({ length: 12 }, (_, i) => i))).toBe("000G40R40M30E209185G");
    expect(idFromBytes(hex("0b1cc8d6787580f0e33a6534"))).toBe("1CECHNKREP0F1RSTCMT0");
    expect(idToBytes(INITIAL_SNAPSHOT_ID, 12)).toEqual(hex("0b1cc8d6787580f0e33a6534"));
  });

  test("new ids have the right length and alphabet", () => {
    for (const id of [newSnapshotId(), newManifestId(), newChunkId()])
      expect(id).toMatch(/^[0-9A-HJKMNP-TV-Z]{20}$/);
    expect(newNodeId()).toMatch(/^[0-9A-HJKMNP-TV-Z]{13}$/);
    expect(newSnapshotId()).not.toBe(newSnapshotId());
  });

  test("bytes round-trip for 12- and 8-byte ids", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 12, maxLength: 12 }), (bytes) => {
        const id = idFromBytes(bytes);
        expect(id).toHaveLength(20);
        expect(idToBytes(id, 12)).toEqual(bytes);
        expect(parseSnapshotId(id.toLowerCase())).toBe(id);
      }),
    );
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 8, maxLength: 8 }), (bytes) => {
        const id = idFromBytes(bytes);
        expect(id).toHaveLength(13);
        expect(idToBytes(id, 8)).toEqual(bytes);
        expect(parseNodeId(id)).toBe(id);
      }),
    );
  });

  test("the unrolled 12- and 8-byte encoders equal a bit-by-bit encoding, at any offset", () => {
    const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    const reference = (bytes: Uint8Array): string => {
      const bits = [...bytes].map((b) => b.toString(2).padStart(8, "0")).join("");
      const padded = bits.padEnd(Math.ceil(bits.length / 5) * 5, "0");
      return (padded.match(/.{5}/g) ?? []).map((g) => alphabet[Number.parseInt(g, 2)]).join("");
    };
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 0, maxLength: 40 }),
        fc.nat(8),
        fc.constantFrom(12, 8, 5, 3, 1),
        (pad, skip, length) => {
          const bytes = new Uint8Array(pad.length + length + 8);
          bytes.set(pad);
          crypto.getRandomValues(bytes.subarray(pad.length));
          const start = Math.min(skip, bytes.length - length);
          const want = reference(bytes.subarray(start, start + length));
          expect(encodeBase32At(bytes, start, length)).toBe(want);
          expect(encodeBase32(bytes.slice(start, start + length))).toBe(want);
        },
      ),
      { numRuns: 500 },
    );
  });

  test("string order equals byte order", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 12, maxLength: 12 }),
        fc.uint8Array({ minLength: 12, maxLength: 12 }),
        (a, b) => {
          const byBytes = Math.sign(Buffer.compare(a, b));
          const x = idFromBytes(a);
          const y = idFromBytes(b);
          expect(Math.sign(x < y ? -1 : x > y ? 1 : 0)).toBe(byBytes);
        },
      ),
    );
  });

  test("decoding is lenient about case and confusable letters", () => {
    expect(decodeBase32("oIl")).toEqual(decodeBase32("011"));
    expect(parseManifestId("1cechnkrep0f1rstcmt0")).toBe("1CECHNKREP0F1RSTCMT0");
  });

  test.each([
    ["", "snapshot"],
    ["1CECHNKREP0F1RSTCMT", "snapshot"],
    ["1CECHNKREP0F1RSTCMT00", "snapshot"],
    ["1CECHNKREP0F1RSTCMTU", "snapshot"],
    ["1CECHNKREP0F1RSTCM-0", "chunk"],
    ["37GCMVSY73AS", "node"],
    ["37GCMVSY73AS4X", "node"],
  ])("'%s' is rejected as a %s id with a typed error", (text, kind) => {
    const parse = kind === "node" ? parseNodeId : kind === "chunk" ? parseChunkId : parseSnapshotId;
    try {
      parse(text);
      expect.unreachable();
    } catch (err) {
      expect(isIcechunkError(err, "invalid-object-id")).toBe(true);
      expect((err as Error).message).toContain(kind);
    }
  });
});
