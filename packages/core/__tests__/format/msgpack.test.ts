import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CorruptObjectError, isIcechunkError } from "../../src/errors.js";
import {
  type JsonValue,
  MAX_EXACT_INTEGER,
  UnencodableValueError,
} from "../../src/format/json-value.js";
import { decodeMsgpack, encodeMsgpack } from "../../src/format/msgpack.js";
import { fixtureSnapshotFiles, metadataItems, readFlatbuffer, Table } from "./value-fixtures.js";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const unhex = (s: string) => new Uint8Array(Buffer.from(s.replaceAll(" ", ""), "hex"));

function normalized(v: JsonValue): JsonValue {
  if (typeof v === "bigint")
    return v >= -BigInt(MAX_EXACT_INTEGER) && v <= BigInt(MAX_EXACT_INTEGER) ? Number(v) : v;
  if (
    typeof v === "number" &&
    Number.isInteger(v) &&
    Math.abs(v) > MAX_EXACT_INTEGER &&
    (v >= 0 ? v < 2 ** 64 : v >= -(2 ** 63))
  ) {
    return BigInt(v);
  }
  if (Array.isArray(v)) return v.map(normalized);
  if (v !== null && typeof v === "object") {
    const out: Record<string, JsonValue> = {};
    for (const k of Object.keys(v)) {
      Object.defineProperty(out, k, {
        value: normalized(v[k]!),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }
  return v;
}

const scalar: fc.Arbitrary<JsonValue> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.bigInt({ min: -(1n << 63n), max: (1n << 64n) - 1n }),
  fc.string({ unit: "binary", maxLength: 40 }),
);
const jsonArb: fc.Arbitrary<JsonValue> = fc.letrec<{ v: JsonValue }>((tie) => ({
  v: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    scalar,
    fc.array(tie("v"), { maxLength: 20 }),
    fc.dictionary(fc.string({ unit: "binary", maxLength: 10 }), tie("v"), { maxKeys: 20 }),
  ),
})).v;

describe("decodeMsgpack on Rust-written V1 snapshots", () => {
  it("reads __root → true (c3) from the spec-1 root snapshot", () => {
    const found: [string, string, JsonValue][] = [];
    for (const path of fixtureSnapshotFiles("test-repo-v1")) {
      const snap = Table.root(readFlatbuffer(path));
      // Snapshot slot 5 is metadata: [MetadataItem].
      for (const [name, bytes] of metadataItems(snap.tables(5)))
        found.push([name, hex(bytes), decodeMsgpack(bytes)]);
    }
    expect(found).toContainEqual(["__root", "c3", true]);
  });
});

describe("encodeMsgpack / decodeMsgpack", () => {
  it("writes the smallest format like rmp", () => {
    const cases: [JsonValue, string][] = [
      [null, "c0"],
      [false, "c2"],
      [true, "c3"],
      [0, "00"],
      [127, "7f"],
      [128, "cc80"],
      [256, "cd0100"],
      [65536, "ce00010000"],
      [2 ** 32, "cf0000000100000000"],
      [(1n << 64n) - 1n, "cfffffffffffffffff"],
      [-1, "ff"],
      [-32, "e0"],
      [-33, "d0df"],
      [-129, "d1ff7f"],
      [-32769, "d2ffff7fff"],
      [-(2 ** 40), "d3ffffff0000000000"],
      [1.5, "cb3ff8000000000000"],
      ["", "a0"],
      ["abc", "a3616263"],
      ["x".repeat(32), `d920${"78".repeat(32)}`],
      ["x".repeat(256), `da0100${"78".repeat(256)}`],
      [[], "90"],
      [{}, "80"],
      [{ b: 1, a: [true] }, "82a16191c3a16201"],
    ];
    for (const [v, h] of cases) {
      expect(hex(encodeMsgpack(v)), JSON.stringify(String(v))).toBe(h);
      expect(decodeMsgpack(unhex(h))).toEqual(normalized(v));
    }
    expect(hex(encodeMsgpack(new Array(16).fill(0))).slice(0, 6)).toBe("dc0010");
  });

  it("reads every non-ext format", () => {
    expect(decodeMsgpack(unhex("ca3fc00000"))).toBe(1.5);
    expect(decodeMsgpack(unhex("c403010203"))).toEqual([1, 2, 3]);
    expect(decodeMsgpack(unhex("c5000101"))).toEqual([1]);
    expect(decodeMsgpack(unhex("c60000000101"))).toEqual([1]);
    expect(decodeMsgpack(unhex("db00000001 61"))).toBe("a");
    expect(decodeMsgpack(unhex("dd00000001 c0"))).toEqual([null]);
    expect(decodeMsgpack(unhex("de0001 a161 01"))).toEqual({ a: 1 });
    expect(decodeMsgpack(unhex("df00000001 a161 01"))).toEqual({ a: 1 });
    expect(decodeMsgpack(unhex("d3 8000000000000000"))).toBe(-(2n ** 63n));
    expect(decodeMsgpack(unhex("cf 0020000000000000"))).toBe(2 ** 53);
    expect(decodeMsgpack(unhex("cf 0020000000000001"))).toBe(2n ** 53n + 1n);
  });

  it("round-trips arbitrary JSON values (property)", () => {
    fc.assert(
      fc.property(jsonArb, (v) => {
        expect(decodeMsgpack(encodeMsgpack(v))).toEqual(normalized(v));
      }),
      { numRuns: 300 },
    );
  });

  it("keeps __proto__ as an ordinary key", () => {
    const back = decodeMsgpack(unhex("81a95f5f70726f746f5f5f01")) as Record<string, JsonValue>;
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
    expect(Object.keys(back)).toEqual(["__proto__"]);
  });

  it("rejects unencodable values", () => {
    for (const bad of [Number.NaN, -Infinity, 2n ** 64n, -(2n ** 63n) - 1n]) {
      expect(() => encodeMsgpack(bad)).toThrow(UnencodableValueError);
    }
  });

  it("rejects corrupt input with CorruptObjectError", () => {
    const bad = [
      "",
      "c1",
      "d401 00",
      "c7 01 05 00",
      "a3 6162",
      "dc ffff",
      "dd ffffffff",
      "df ffffffff",
      "81 01 02",
      "a1 ff",
      "c0 c0",
      "cb 00",
      `${"91".repeat(600)}c0`,
    ];
    for (const h of bad) expect(() => decodeMsgpack(unhex(h)), h).toThrow(CorruptObjectError);
  });

  it("never throws anything but CorruptObjectError on random or mutated input (property)", () => {
    const sample = encodeMsgpack({
      a: [1, "x", { b: 2 ** 40 }],
      c: [true, -1.5],
      d: "y".repeat(40),
    });
    const mutated = fc
      .tuple(fc.array(fc.tuple(fc.nat(), fc.nat(255)), { maxLength: 4 }), fc.nat())
      .map(([edits, cut]) => {
        const b = new Uint8Array(sample);
        for (const [i, v] of edits) b[i % b.length] = v;
        return b.subarray(0, b.length - (cut % 4));
      });
    fc.assert(
      fc.property(fc.oneof(mutated, fc.uint8Array({ maxLength: 64 })), (b) => {
        try {
          decodeMsgpack(b);
        } catch (e) {
          expect(isIcechunkError(e, "corrupt-object")).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
