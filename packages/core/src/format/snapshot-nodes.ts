/**
 * @module format/snapshot-nodes
 * Node data of a snapshot (icechunk-format.md §2.2, §5.2-5.3): the `NodeData` union
 * (`ArrayNodeData` / `GroupNodeData`), array shapes in both layouts (V1 `DimensionShape` structs
 * of (array_length, chunk_length), V2 `shape_v2` tables of (array_length, num_chunks)),
 * dimension names and manifest refs with their extents.
 */

import { readId12 } from "./common.js";
import { OBJECT_ID_LENGTH, type SpecVersion } from "./constants.js";
import type { FlatBufferBuilder, Offset } from "./flatbuffers/builder.js";
import type { FlatBufferReader } from "./flatbuffers/reader.js";
import { idToBytes, type ManifestId } from "./ids.js";

/** Size of one dimension of an array: its length and its number of chunks. */
export interface DimensionShape {
  readonly arrayLength: number;
  readonly numChunks: number;
}

/** A manifest holding chunk refs of an array, with the bounding box `[from, to)` per dimension. */
export interface ManifestRef {
  readonly objectId: ManifestId;
  readonly extents: Array<[from: number, to: number]>;
}

/** What a node is. */
export type NodeData =
  | { readonly type: "group" }
  | {
      readonly type: "array";
      readonly shape: DimensionShape[];
      /** Absent when the array has no dimension names; `null` for an unnamed dimension. */
      readonly dimensionNames?: (string | null)[];
      readonly manifests: ManifestRef[];
    };

/** Union type codes of `NodeData`. */
export const NodeDataType = { None: 0, Array: 1, Group: 2 } as const;

const A = { shape: 0, dimensionNames: 1, manifests: 2, shapeV2: 3 } as const;
const DIMENSION_SHAPE_V1_SIZE = 16;
const CHUNK_INDEX_RANGE_SIZE = 8;

function readShape(r: FlatBufferReader, t: number): DimensionShape[] {
  const out: DimensionShape[] = [];
  const v2 = r.vector(t, A.shapeV2, 4);
  if (v2 !== 0) {
    for (let i = 0, n = r.vectorLength(v2); i < n; i++) {
      const d = r.vectorTable(v2, i);
      out.push({ arrayLength: r.u64(d, 0, 0), numChunks: r.u32(d, 1, 0) });
    }
    return out;
  }
  const v1 = r.required(r.vector(t, A.shape, DIMENSION_SHAPE_V1_SIZE), "ArrayNodeData.shape");
  for (let i = 0, n = r.vectorLength(v1); i < n; i++) {
    const pos = v1 + 4 + DIMENSION_SHAPE_V1_SIZE * i;
    const arrayLength = r.u64At(pos);
    const chunkLength = r.u64At(pos + 8);
    if (chunkLength === 0 && arrayLength !== 0)
      r.fail(`dimension ${i} has chunk length 0 but length ${arrayLength}`);
    out.push({
      arrayLength,
      numChunks: chunkLength === 0 ? 0 : Math.ceil(arrayLength / chunkLength),
    });
  }
  return out;
}

function readManifestRefs(r: FlatBufferReader, t: number): ManifestRef[] {
  const vec = r.required(r.vector(t, A.manifests, 4), "ArrayNodeData.manifests");
  const out: ManifestRef[] = [];
  for (let i = 0, n = r.vectorLength(vec); i < n; i++) {
    const m = r.vectorTable(vec, i);
    const objectId = readId12<ManifestId>(
      r,
      r.required(r.struct(m, 0, OBJECT_ID_LENGTH), "ManifestRef.object_id"),
    );
    const ext = r.required(r.vector(m, 1, CHUNK_INDEX_RANGE_SIZE), "ManifestRef.extents");
    const extents: Array<[number, number]> = [];
    for (let j = 0, k = r.vectorLength(ext); j < k; j++) {
      const pos = ext + 4 + CHUNK_INDEX_RANGE_SIZE * j;
      extents.push([r.view.getUint32(pos, true), r.view.getUint32(pos + 4, true)]);
    }
    out.push({ objectId, extents });
  }
  return out;
}

/** Decodes the node-data union (type code + table position). */
export function readNodeData(r: FlatBufferReader, type: number, table: number): NodeData {
  if (type === NodeDataType.Group) {
    if (table === 0) r.fail("required field 'NodeSnapshot.node_data' is missing");
    return { type: "group" };
  }
  if (type !== NodeDataType.Array) r.fail(`unknown node data type ${type}`);
  if (table === 0) r.fail("required field 'NodeSnapshot.node_data' is missing");
  const shape = readShape(r, table);
  const manifests = readManifestRefs(r, table);
  const namesVec = r.vector(table, A.dimensionNames, 4);
  if (namesVec === 0) return { type: "array", shape, manifests };
  const dimensionNames: (string | null)[] = [];
  for (let i = 0, n = r.vectorLength(namesVec); i < n; i++) {
    const name = r.string(r.vectorTable(namesVec, i), 0);
    dimensionNames.push(name === undefined || name === "" ? null : name);
  }
  return { type: "array", shape, dimensionNames, manifests };
}

function structBytes(size: number, fill: (v: DataView) => void): Uint8Array {
  const out = new Uint8Array(size);
  fill(new DataView(out.buffer));
  return out;
}

function setU64(v: DataView, pos: number, value: number): void {
  v.setUint32(pos, value % 2 ** 32, true);
  v.setUint32(pos + 4, Math.floor(value / 2 ** 32), true);
}

/** Builds the node-data table; returns its union type code and offset. */
export function encodeNodeData(
  b: FlatBufferBuilder,
  data: NodeData,
  specVersion: SpecVersion,
): { type: number; offset: Offset } {
  if (data.type === "group") {
    b.startTable(0);
    return { type: NodeDataType.Group, offset: b.endTable() };
  }
  const refs = data.manifests.map((m) => {
    const extents = b.createStructVector(
      m.extents.map(([from, to]) =>
        structBytes(CHUNK_INDEX_RANGE_SIZE, (v) => {
          v.setUint32(0, from, true);
          v.setUint32(4, to, true);
        }),
      ),
      CHUNK_INDEX_RANGE_SIZE,
      4,
    );
    b.startTable(2);
    b.fieldOffset(1, extents);
    b.fieldStruct(0, idToBytes(m.objectId, OBJECT_ID_LENGTH));
    return b.endTable();
  });
  const manifests = b.createOffsetVector(refs);
  let names: Offset | undefined;
  if (data.dimensionNames !== undefined) {
    const tables = data.dimensionNames.map((name) => {
      const s = name === null || name === "" ? undefined : b.createSharedString(name);
      b.startTable(1);
      b.fieldOffset(0, s);
      return b.endTable();
    });
    names = b.createOffsetVector(tables);
  }
  let shapeV1: Offset;
  let shapeV2: Offset | undefined;
  if (specVersion === 1) {
    const structs = data.shape.map((d) =>
      structBytes(DIMENSION_SHAPE_V1_SIZE, (v) => {
        setU64(v, 0, d.arrayLength);
        setU64(v, 8, d.numChunks === 0 ? 0 : Math.ceil(d.arrayLength / d.numChunks));
      }),
    );
    shapeV1 = b.createStructVector(structs, DIMENSION_SHAPE_V1_SIZE, 8);
  } else {
    const tables = data.shape.map((d) => {
      b.startTable(2);
      b.fieldU64(0, d.arrayLength, 0);
      b.fieldU32(1, d.numChunks, 0);
      return b.endTable();
    });
    shapeV1 = b.createStructVector([], DIMENSION_SHAPE_V1_SIZE, 8);
    shapeV2 = b.createOffsetVector(tables);
  }
  b.startTable(4);
  b.fieldOffset(A.shapeV2, shapeV2);
  b.fieldOffset(A.manifests, manifests);
  b.fieldOffset(A.dimensionNames, names);
  b.fieldOffset(A.shape, shapeV1);
  return { type: NodeDataType.Array, offset: b.endTable() };
}
