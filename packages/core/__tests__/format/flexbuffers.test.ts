import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { loadOracle, oracleStorage } from "../../../../test/support/oracle.js";
import { CorruptObjectError, isIcechunkError } from "../../src/errors.js";
import { decodeFlexbuffer, encodeFlexbuffer } from "../../src/format/flexbuffers.js";
import {
  type JsonValue,
  MAX_EXACT_INTEGER,
  UnencodableValueError,
} from "../../src/format/json-value.js";
import { inMemoryStorage } from "../../src/storage/memory.js";
import {
  decompress,
  fixtureRepoFiles,
  metadataItems,
  readFlatbuffer,
  Table,
} from "./value-fixtures.js";

/** Reorders object keys by where their key string first appears in `buf` (= serde struct order). */
function bufferKeyOrder(v: JsonValue, buf: Buffer): JsonValue {
  if (Array.isArray(v)) return v.map((x) => bufferKeyOrder(x, buf));
  if (v === null || typeof v !== "object") return v;
  const pos = (k: string) => buf.indexOf(Buffer.from(`${k}\0`));
  const out: Record<string, JsonValue> = {};
  for (const k of Object.keys(v).sort((a, b) => pos(a) - pos(b)))
    out[k] = bufferKeyOrder(v[k]!, buf);
  return out;
}

/** What decode(encode(v)) must give: integers within ±2^53 as numbers, others as bigint. */
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
    for (const k of Object.keys(v))
      Object.defineProperty(out, k, {
        value: normalized(v[k]!),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    return out;
  }
  return v;
}

const key = fc.string({ unit: "binary", maxLength: 12 }).filter((k) => !k.includes("\0"));
const scalar: fc.Arbitrary<JsonValue> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer({ min: -1000, max: 100000 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.bigInt({ min: -(1n << 63n), max: (1n << 64n) - 1n }),
  fc.maxSafeInteger(),
  fc.string({ unit: "binary", maxLength: 20 }),
);
const jsonArb: fc.Arbitrary<JsonValue> = fc.letrec<{ v: JsonValue }>((tie) => ({
  v: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    scalar,
    fc.array(tie("v"), { maxLength: 6 }),
    fc.dictionary(key, tie("v"), { maxKeys: 6 }),
  ),
})).v;

describe("decodeFlexbuffer on Rust-written buffers (fixtures)", () => {
  const repos = fixtureRepoFiles();

  it("finds the fixture repo files", () => {
    expect(repos.length).toBeGreaterThanOrEqual(6);
  });

  it("decodes test-repo-v2 Repo.config", () => {
    const repo = Table.root(readFlatbuffer(repos.find((p) => p.includes("/test-repo-v2/"))!));
    const config = decodeFlexbuffer(repo.bytes(9)!) as Record<string, JsonValue>;
    expect(Object.keys(config)).toEqual([
      "caching",
      "compression",
      "get_partial_values_concurrency",
      "inline_chunk_threshold_bytes",
      "manifest",
      "max_concurrent_requests",
      "num_updates_per_repo_info_file",
      "previous_file",
      "repo_update_retries",
      "storage",
      "virtual_chunk_containers",
    ]);
    expect(config.inline_chunk_threshold_bytes).toBe(12);
    expect(config.virtual_chunk_containers).toEqual({
      "s3://testbucket/": {
        name: null,
        store: {
          s3_compatible: {
            allow_http: true,
            anonymous: false,
            endpoint_url: "http://localhost:4200",
            force_path_style: true,
            network_stream_timeout_seconds: 60,
            region: "us-east-1",
            requester_pays: false,
          },
        },
        url_prefix: "s3://testbucket/",
      },
    });
  });

  it.each(repos)("%s: config and metadata decode and re-encode byte-identically", (path) => {
    const repo = Table.root(readFlatbuffer(path));
    const raw = repo.bytes(9)!;
    const config = decodeFlexbuffer(raw);
    expect(config).toMatchObject({ inline_chunk_threshold_bytes: 12 });
    // Struct fields are written in declaration order; with that order our writer matches Rust.
    const again = encodeFlexbuffer(bufferKeyOrder(config, Buffer.from(raw)), {
      keyOrder: "insertion",
    });
    expect(Buffer.from(again).equals(Buffer.from(raw))).toBe(true);
    expect(decodeFlexbuffer(encodeFlexbuffer(config))).toEqual(config);

    const snapshots = repo.tables(4);
    expect(snapshots.length).toBeGreaterThan(0);
    let sawRoot = false;
    for (const snap of snapshots) {
      for (const [name, bytes] of metadataItems(snap.tables(4))) {
        const value = decodeFlexbuffer(bytes);
        // serde_json::Value maps are BTreeMaps: the default (sorted) order reproduces the bytes.
        expect(Buffer.from(encodeFlexbuffer(value)).equals(Buffer.from(bytes))).toBe(true);
        if (name === "__icechunk") {
          expect(value).toEqual({ is_root: true });
          sawRoot = true;
        }
        if (name === "__root") sawRoot = value === true;
      }
    }
    expect(sawRoot).toBe(true);
    for (const [, bytes] of metadataItems(repo.tables(6))) decodeFlexbuffer(bytes);
  });
});

describe("decodeFlexbuffer on buffers written now by the official implementation", () => {
  it("reads a persisted non-default config with a 64-bit value", async () => {
    const ic = await loadOracle();
    const mem = inMemoryStorage();
    const repo = await ic.Repository.create(await oracleStorage(mem), {
      inlineChunkThresholdBytes: 77,
      caching: { numBytesChunks: 2 ** 40 + 3, numSnapshotNodes: 7 },
    });
    const session = await repo.writableSession("main");
    await session.store.set("zarr.json", Buffer.from('{"zarr_format":3,"node_type":"group"}'));
    await session.commit("first");
    const got = await mem.get("repo");
    expect(got).toBeDefined();
    const fb = decompress(got!.data.subarray(39));
    const info = Table.root(fb);
    const raw = info.bytes(9)!;
    const config = decodeFlexbuffer(raw) as Record<string, JsonValue>;
    expect(config.inline_chunk_threshold_bytes).toBe(77);
    expect(config.caching).toMatchObject({ num_bytes_chunks: 2 ** 40 + 3, num_snapshot_nodes: 7 });
    const again = encodeFlexbuffer(bufferKeyOrder(config, Buffer.from(raw)), {
      keyOrder: "insertion",
    });
    expect(Buffer.from(again).equals(Buffer.from(raw))).toBe(true);
    const names = info
      .tables(4)
      .flatMap((s) => metadataItems(s.tables(4)).map(([n, b]) => [n, decodeFlexbuffer(b)]));
    expect(names).toContainEqual(["__icechunk", { is_root: true }]);
  });
});

describe("encodeFlexbuffer", () => {
  it("round-trips 64-bit values inside containers that hold offsets", () => {
    const value = { a: 2 ** 40, b: [1, [2 ** 40]], c: -5, d: 1.5 };
    const bytes = encodeFlexbuffer(value);
    expect(bytes[bytes.length - 1]).toBe(1);
    expect(decodeFlexbuffer(bytes)).toEqual(value);
    // The map itself is 8 bytes wide (it holds 2^40 inline next to offsets).
    const map = decodeFlexbuffer(encodeFlexbuffer({ b: [2 ** 40, "x"], z: 2n ** 63n }));
    expect(map).toEqual({ b: [2 ** 40, "x"], z: 2n ** 63n });
  });

  it("does not use the flatbuffers package", () => {
    for (const f of ["flexbuffers.ts", "flexbuffers-encode.ts", "json-value.ts"]) {
      const src = readFileSync(new URL(`../../src/format/${f}`, import.meta.url), "utf8");
      expect(src).not.toMatch(/from\s+["']flatbuffers/);
    }
  });

  it("writes Rust's layouts: typed, fixed and untyped vectors, smallest widths", () => {
    expect([...encodeFlexbuffer(7)]).toEqual([7, 2 << 2, 1]);
    expect([...encodeFlexbuffer(-1)]).toEqual([0xff, 1 << 2, 1]);
    expect([...encodeFlexbuffer(300)]).toEqual([0x2c, 0x01, (2 << 2) | 1, 2]);
    expect([...encodeFlexbuffer(true)]).toEqual([1, 26 << 2, 1]);
    expect([...encodeFlexbuffer(null)]).toEqual([0, 0, 1]);
    expect([...encodeFlexbuffer(1.5)]).toEqual([0, 0, 0xc0, 0x3f, (3 << 2) | 2, 4]);
    // [1, 2] is a fixed-length VectorUInt2: no length prefix.
    expect([...encodeFlexbuffer([1, 2])]).toEqual([1, 2, 2, 17 << 2, 1]);
    // [1, 2, 3, 4, 5] is a VectorUInt with a length prefix.
    expect([...encodeFlexbuffer([1, 2, 3, 4, 5])]).toEqual([5, 1, 2, 3, 4, 5, 5, 12 << 2, 1]);
    // [true, false] is a VectorBool.
    expect([...encodeFlexbuffer([true, false])]).toEqual([2, 1, 0, 2, 36 << 2, 1]);
    // ["a"] is an untyped vector of one string.
    expect([...encodeFlexbuffer(["a"])]).toEqual([1, 0x61, 0, 1, 3, 5 << 2, 2, 10 << 2, 1]);
  });

  it("round-trips arbitrary JSON values (property)", () => {
    fc.assert(
      fc.property(jsonArb, (v) => {
        expect(decodeFlexbuffer(encodeFlexbuffer(v))).toEqual(normalized(v));
      }),
      { numRuns: 300 },
    );
  });

  it("keeps __proto__ as an ordinary key", () => {
    const v = JSON.parse('{"__proto__": {"x": 1}, "a": 2}') as JsonValue;
    const back = decodeFlexbuffer(encodeFlexbuffer(v)) as Record<string, JsonValue>;
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
    expect(Object.keys(back)).toEqual(["__proto__", "a"]);
  });

  it("rejects values it cannot encode with a typed error", () => {
    for (const bad of [Number.NaN, Infinity, 2n ** 64n, -(2n ** 63n) - 1n, { "a\0b": 1 }]) {
      expect(() => encodeFlexbuffer(bad as JsonValue)).toThrow(UnencodableValueError);
    }
  });
});

describe("decodeFlexbuffer on hand-built buffers", () => {
  const t = (type: number, width: number) => (type << 2) | width;

  it("reads every scalar form and width", () => {
    const i64 = Buffer.alloc(8);
    i64.writeBigInt64LE(-(2n ** 60n));
    expect(decodeFlexbuffer(new Uint8Array([...i64, t(1, 3), 8]))).toBe(-(2n ** 60n));
    const u64 = Buffer.alloc(8);
    u64.writeBigUInt64LE(2n ** 64n - 1n);
    // IndirectUInt: the value lives at 0, the root slot holds offset 8.
    expect(decodeFlexbuffer(new Uint8Array([...u64, 8, t(7, 3), 1]))).toBe(2n ** 64n - 1n);
    const f64 = Buffer.alloc(8);
    f64.writeDoubleLE(0.1);
    expect(decodeFlexbuffer(new Uint8Array([...f64, 8, t(8, 3), 1]))).toBe(0.1);
    // IndirectInt: int16 -2 at 0, 2-byte root slot with offset 2.
    expect(decodeFlexbuffer(new Uint8Array([0xfe, 0xff, 2, 0, t(6, 1), 2]))).toBe(-2);
    expect(decodeFlexbuffer(new Uint8Array([0x34, 0x12, t(1, 1), 2]))).toBe(0x1234);
    // Blob [1, 2, 3]; String "hi" with a 2-byte length.
    expect(decodeFlexbuffer(new Uint8Array([3, 1, 2, 3, 3, t(25, 0), 1]))).toEqual([1, 2, 3]);
    expect(decodeFlexbuffer(new Uint8Array([2, 0, 0x68, 0x69, 0, 3, t(5, 1), 1]))).toBe("hi");
    // A Key at the root.
    expect(decodeFlexbuffer(new Uint8Array([0x6b, 0, 2, t(4, 0), 1]))).toBe("k");
  });

  it("reads typed, fixed, key, deprecated-string and bool vectors", () => {
    expect(decodeFlexbuffer(new Uint8Array([0xff, 2, 3, 3, t(19, 0), 1]))).toEqual([-1, 2, 3]);
    const f = Buffer.alloc(8);
    f.writeFloatLE(1.5, 0);
    f.writeFloatLE(-2, 4);
    expect(decodeFlexbuffer(new Uint8Array([...f, 8, t(18, 2), 1]))).toEqual([1.5, -2]);
    expect(decodeFlexbuffer(new Uint8Array([2, 0, 5, 0, 6, 0, 4, t(12, 1), 1]))).toEqual([5, 6]);
    expect(decodeFlexbuffer(new Uint8Array([3, 1, 0, 1, 3, t(36, 0), 1]))).toEqual([
      true,
      false,
      true,
    ]);
    // Keys "a", "b" then VectorKey [len 2, off→a, off→b].
    expect(decodeFlexbuffer(new Uint8Array([0x61, 0, 0x62, 0, 2, 5, 4, 2, t(14, 0), 1]))).toEqual([
      "a",
      "b",
    ]);
    // Deprecated string vector: strings' lengths use the vector's width (1 here).
    expect(decodeFlexbuffer(new Uint8Array([1, 0x78, 0, 1, 3, 1, t(15, 0), 1]))).toEqual(["x"]);
  });

  it("reads 2-, 4- and 8-byte wide containers holding offsets", () => {
    const values: JsonValue[] = [
      { k: [2 ** 20, "s".repeat(300)] },
      { k: 2n ** 62n, m: { n: [null, true] } },
    ];
    for (const v of values) {
      expect(decodeFlexbuffer(encodeFlexbuffer(v))).toEqual(v);
    }
    const wide = encodeFlexbuffer({ a: "x".repeat(70000), b: [1.25, -3] });
    expect(decodeFlexbuffer(wide)).toEqual({ a: "x".repeat(70000), b: [1.25, -3] });
  });

  it("rejects corrupt input with CorruptObjectError only", () => {
    const bad: Uint8Array[] = [
      new Uint8Array([]),
      new Uint8Array([1, 2]),
      new Uint8Array([0, t(1, 0), 3]),
      new Uint8Array([0, t(1, 0), 16]),
      // Vector claiming 2^32-1 elements.
      new Uint8Array([0xff, 0xff, 0xff, 0xff, 4, t(10, 2), 1]),
      // Vector whose element points back at the vector itself (cycle).
      new Uint8Array([1, 0, t(10, 0), 2, t(10, 0), 1]),
      // String running past the end.
      new Uint8Array([200, 0x61, 1, t(5, 0), 1]),
      // Invalid UTF-8.
      new Uint8Array([1, 0xff, 0, 2, t(5, 0), 1]),
      // Unknown type 40.
      new Uint8Array([0, t(40, 0), 1]),
      // 1-byte float.
      new Uint8Array([0, t(3, 0), 1]),
    ];
    for (const b of bad) expect(() => decodeFlexbuffer(b), `${[...b]}`).toThrow(CorruptObjectError);
  });

  it("never throws anything but CorruptObjectError on mutated or random input (property)", () => {
    const samples = [encodeFlexbuffer({ a: [1, "x", { b: 2 ** 40 }], c: [true, false], d: 1.5 })];
    for (const p of fixtureRepoFiles().slice(0, 2))
      samples.push(Table.root(readFlatbuffer(p)).bytes(9)!);
    const mutated = fc
      .tuple(
        fc.constantFrom(...samples),
        fc.array(fc.tuple(fc.nat(), fc.nat(255)), { maxLength: 4 }),
        fc.nat(),
      )
      .map(([s, edits, cut]) => {
        const b = new Uint8Array(s);
        for (const [i, v] of edits) b[i % b.length] = v;
        return b.subarray(cut % 3 === 0 ? cut % b.length : 0);
      });
    fc.assert(
      fc.property(fc.oneof(mutated, fc.uint8Array({ maxLength: 64 })), (b) => {
        try {
          decodeFlexbuffer(b);
        } catch (e) {
          expect(isIcechunkError(e, "corrupt-object")).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
