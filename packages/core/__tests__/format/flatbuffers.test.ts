import { describe, expect, test } from "vitest";
import { isIcechunkError } from "../../src/errors.js";
import { FlatBufferBuilder } from "../../src/format/flatbuffers/builder.js";
import { FlatBufferReader } from "../../src/format/flatbuffers/reader.js";
import { type ChunkId, newManifestId, newNodeId } from "../../src/format/ids.js";
import { type ChunkPayload, decodeManifest, encodeManifest } from "../../src/format/manifest.js";

const read = (bytes: Uint8Array) => new FlatBufferReader(bytes, { what: "test buffer" });

describe("flatbuffers builder and reader", () => {
  test("scalars, defaults, strings, vectors and the file identifier", () => {
    const b = new FlatBufferBuilder(16);
    const name = b.createString("héllo");
    const bytes = b.createBytes(Uint8Array.of(9, 8, 7));
    const u32s = b.createU32Vector([1, 2, 0xffffffff]);
    b.startTable(8);
    b.fieldU64(0, 2 ** 53 - 1, 0);
    b.fieldU32(1, 0, 0);
    b.fieldU8(2, 0, 1);
    b.fieldOffset(3, name);
    b.fieldOffset(4, bytes);
    b.fieldOffset(5, u32s);
    b.fieldI32(6, -1, 0);
    b.fieldBool(7, true, false);
    const buf = b.finish(b.endTable(), "Ichk");
    expect(new TextDecoder().decode(buf.subarray(4, 8))).toBe("Ichk");
    expect(buf.length % 8).toBe(0);
    const r = read(buf);
    const root = r.root();
    expect(r.u64(root, 0, 5)).toBe(2 ** 53 - 1);
    expect(r.has(root, 1)).toBe(false);
    expect(r.u32(root, 1, 42)).toBe(42);
    expect(r.has(root, 2)).toBe(true);
    expect(r.u8(root, 2, 1)).toBe(0);
    expect(r.string(root, 3)).toBe("héllo");
    expect(r.bytesField(root, 4)).toEqual(Uint8Array.of(9, 8, 7));
    const v = r.vector(root, 5, 4);
    expect(r.vectorLength(v)).toBe(3);
    expect(r.view.getUint32(v + 12, true)).toBe(0xffffffff);
    expect(r.i32(root, 6, 0)).toBe(-1);
    expect(r.bool(root, 7, false)).toBe(true);
    expect(r.has(root, 20)).toBe(false);
  });

  test("u64 values are 8-byte aligned from the buffer start and vtables are shared", () => {
    const b = new FlatBufferBuilder(16);
    const tables = [1, 2, 3].map((x) => {
      b.addU8(x);
      b.startTable(2);
      b.fieldU64(0, x * 1000, 0);
      b.fieldU8(1, x, 0);
      return b.endTable();
    });
    const vec = b.createOffsetVector(tables);
    b.startTable(1);
    b.fieldOffset(0, vec);
    const buf = b.finish(b.endTable());
    const r = read(buf);
    const v = r.vector(r.root(), 0, 4);
    const vtables = new Set<number>();
    for (let i = 0; i < 3; i++) {
      const t = r.vectorTable(v, i);
      expect(r.field(t, 0, 8) % 8).toBe(0);
      expect(r.u64(t, 0, 0)).toBe((i + 1) * 1000);
      vtables.add(t - r.view.getInt32(t, true));
    }
    expect(vtables.size).toBe(1);
  });

  test("u64 above MAX_SAFE_INTEGER and invalid UTF-8 are corrupt", () => {
    const b = new FlatBufferBuilder();
    b.startTable(1);
    b.fieldU64(0, 1, 0);
    const buf = b.finish(b.endTable());
    const r0 = read(buf);
    const pos = r0.field(r0.root(), 0, 8);
    buf[pos + 7] = 0xff;
    expect(() => read(buf).u64(read(buf).root(), 0, 0)).toThrow(
      expect.objectContaining({ kind: "corrupt-object" }),
    );

    const b2 = new FlatBufferBuilder();
    const s = b2.createBytes(Uint8Array.of(0xc3, 0x28));
    b2.startTable(1);
    b2.fieldOffset(0, s);
    const r = read(b2.finish(b2.endTable()));
    expect(() => r.string(r.root(), 0)).toThrow(
      expect.objectContaining({ kind: "corrupt-object" }),
    );
  });

  test("offsets pointing outside the buffer are rejected", () => {
    for (const bytes of [
      new Uint8Array(0),
      Uint8Array.of(0xff, 0xff, 0xff, 0x7f, 0, 0, 0, 0),
      Uint8Array.of(4, 0, 0, 0, 0x10, 0, 0, 0),
    ]) {
      try {
        read(bytes).root();
        expect.unreachable();
      } catch (err) {
        expect(isIcechunkError(err, "corrupt-object")).toBe(true);
      }
    }
  });

  test("unsigned values never wrap: a chunk index of -1 is refused, not written as 4294967295", () => {
    for (const v of [-1, 0x1_0000_0000, 1.5, Number.NaN])
      expect(() => new FlatBufferBuilder(16).createU32Vector([0, v]), String(v)).toThrow(
        RangeError,
      );
    for (const v of [-1, 0x1_0000, 0.5])
      expect(() => new FlatBufferBuilder(16).addU16(v), String(v)).toThrow(RangeError);
  });
});

describe("large manifests", () => {
  test("a 1,000,000-ref manifest finds every probed ref by binary search", () => {
    const nodeId = newNodeId();
    const chunkId = "000G40R40M30E209185G" as ChunkId;
    const refs: Array<[number[], ChunkPayload]> = [];
    for (let i = 0; i < 1000; i++) {
      for (let j = 0; j < 1000; j++)
        refs.push([[j, i], { kind: "native", chunkId, offset: i * 1000 + j, length: 1 }]);
    }
    const view = decodeManifest(
      encodeManifest({ id: newManifestId(), arrays: [{ nodeId, refs }] }, 2),
      2,
    );
    expect(view.numRefs()).toBe(1_000_000);
    for (let k = 0; k < 5000; k++) {
      const i = (k * 7919) % 1000;
      const j = (k * 104729) % 1000;
      expect(view.getChunkRef(nodeId, [j, i])).toEqual({
        kind: "native",
        chunkId,
        offset: i * 1000 + j,
        length: 1,
      });
    }
    expect(view.getChunkRef(nodeId, [1000, 0])).toBeUndefined();
    expect(view.getChunkRef(nodeId, [5])).toBeUndefined();
    let count = 0;
    let unordered = 0;
    let previous = [-1, -1];
    for (const [coords] of view.refs(nodeId)) {
      if (!(coords[0] > previous[0] || (coords[0] === previous[0] && coords[1] > previous[1])))
        unordered++;
      previous = coords;
      count++;
    }
    expect(count).toBe(1_000_000);
    expect(unordered).toBe(0);
  });
});
