/**
 * @module format/transaction-log
 * Transaction-log flatbuffers (root `TransactionLog`, icechunk-format.md §2.4, §7.1): the node ids
 * a commit created, deleted or updated, the chunks it touched and (spec 2) the moves it made.
 * Transaction logs are small, so `decodeTransactionLog` returns a plain object.
 */

import {
  compareBytes,
  readNodeIdVector,
  requiredId12,
  requiredNodeId,
  writeIdVector,
} from "./common.js";
import {
  FLATBUFFER_IDENTIFIER,
  NODE_ID_LENGTH,
  OBJECT_ID_LENGTH,
  type SpecVersion,
} from "./constants.js";
import { FlatBufferBuilder } from "./flatbuffers/builder.js";
import { FlatBufferReader } from "./flatbuffers/reader.js";
import { idToBytes, type NodeId, type SnapshotId } from "./ids.js";

/** A node moved by a rearrange session (spec 2). */
export interface MoveOperation {
  from: string;
  to: string;
  nodeId: NodeId;
  nodeType: "group" | "array";
}

/** Content of a transaction log. */
export interface TransactionLogData {
  /** Id of the snapshot this log belongs to. */
  id: SnapshotId;
  newGroups: NodeId[];
  newArrays: NodeId[];
  deletedGroups: NodeId[];
  deletedArrays: NodeId[];
  updatedGroups: NodeId[];
  updatedArrays: NodeId[];
  updatedChunks: Array<{ nodeId: NodeId; chunks: number[][] }>;
  /** Always empty for spec-1 logs. */
  movedNodes: MoveOperation[];
}

/** Options of {@link decodeTransactionLog}. */
export interface DecodeTransactionLogOptions {
  /** Object key, for error messages. */
  path?: string;
}

const T = {
  id: 0,
  newGroups: 1,
  newArrays: 2,
  deletedGroups: 3,
  deletedArrays: 4,
  updatedArrays: 5,
  updatedGroups: 6,
  updatedChunks: 7,
  movedNodes: 8,
} as const;
const NodeType = { group: 0, array: 1 } as const;

/**
 * Decodes a transaction-log flatbuffer.
 * @throws {CorruptObjectError} when required fields are missing or offsets are invalid.
 */
export function decodeTransactionLog(
  payload: Uint8Array,
  _specVersion: SpecVersion,
  options: DecodeTransactionLogOptions = {},
): TransactionLogData {
  const r = new FlatBufferReader(payload, { what: "transaction log", path: options.path });
  const root = r.root();
  const ids = (slot: number, name: string) =>
    readNodeIdVector(r, r.required(r.vector(root, slot, NODE_ID_LENGTH), `TransactionLog.${name}`));
  const updatedChunks: TransactionLogData["updatedChunks"] = [];
  const uc = r.required(r.vector(root, T.updatedChunks, 4), "TransactionLog.updated_chunks");
  for (let i = 0, n = r.vectorLength(uc); i < n; i++) {
    const t = r.vectorTable(uc, i);
    const nodeId = requiredNodeId(r, t, 0, "ArrayUpdatedChunks.node_id");
    const cv = r.required(r.vector(t, 1, 4), "ArrayUpdatedChunks.chunks");
    const chunks: number[][] = [];
    for (let j = 0, m = r.vectorLength(cv); j < m; j++) {
      const coordsVec = r.required(r.vector(r.vectorTable(cv, j), 0, 4), "ChunkIndices.coords");
      const coords: number[] = [];
      for (let k = 0, c = r.vectorLength(coordsVec); k < c; k++)
        coords.push(r.view.getUint32(coordsVec + 4 + 4 * k, true));
      chunks.push(coords);
    }
    updatedChunks.push({ nodeId, chunks });
  }
  const movedNodes: MoveOperation[] = [];
  const mv = r.vector(root, T.movedNodes, 4);
  for (let i = 0, n = r.vectorLength(mv); i < n; i++) {
    const t = r.vectorTable(mv, i);
    const type = r.u8(t, 3, 0);
    if (type !== NodeType.group && type !== NodeType.array)
      r.fail(`unknown node type ${type} in a move`);
    movedNodes.push({
      from: r.requiredString(t, 0, "MoveOperation.from"),
      to: r.requiredString(t, 1, "MoveOperation.to"),
      nodeId: requiredNodeId(r, t, 2, "MoveOperation.node_id"),
      nodeType: type === NodeType.group ? "group" : "array",
    });
  }
  return {
    id: requiredId12<SnapshotId>(r, root, T.id, "TransactionLog.id"),
    newGroups: ids(T.newGroups, "new_groups"),
    newArrays: ids(T.newArrays, "new_arrays"),
    deletedGroups: ids(T.deletedGroups, "deleted_groups"),
    deletedArrays: ids(T.deletedArrays, "deleted_arrays"),
    updatedGroups: ids(T.updatedGroups, "updated_groups"),
    updatedArrays: ids(T.updatedArrays, "updated_arrays"),
    updatedChunks,
    movedNodes,
  };
}

function compareCoords(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

const utf8 = new TextEncoder();

/** Component-wise path order used for moves (`/a < /a/b < /a-b`, §0 item 8). */
export function comparePathsComponentWise(a: string, b: string): number {
  const x = a.split("/").filter((s) => s !== "");
  const y = b.split("/").filter((s) => s !== "");
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) {
    const c = compareBytes(utf8.encode(x[i]), utf8.encode(y[i]));
    if (c !== 0) return c;
  }
  return x.length - y.length;
}

/**
 * Builds the transaction-log flatbuffer. Id lists are sorted by bytes, updated chunks by node id
 * with coordinates sorted, moves by destination path (component-wise). Spec-1 logs get an empty `moved_nodes`.
 */
export function encodeTransactionLog(
  data: TransactionLogData,
  specVersion: SpecVersion,
): Uint8Array {
  const b = new FlatBufferBuilder(256);
  const sorted = (ids: readonly NodeId[]) => writeIdVector(b, [...ids].sort(), NODE_ID_LENGTH);
  const newGroups = sorted(data.newGroups);
  const newArrays = sorted(data.newArrays);
  const deletedGroups = sorted(data.deletedGroups);
  const deletedArrays = sorted(data.deletedArrays);
  const updatedGroups = sorted(data.updatedGroups);
  const updatedArrays = sorted(data.updatedArrays);
  const arrays = [...data.updatedChunks]
    .sort((x, y) => (x.nodeId < y.nodeId ? -1 : x.nodeId > y.nodeId ? 1 : 0))
    .map(({ nodeId, chunks }) => {
      const items = [...chunks].sort(compareCoords).map((coords) => {
        const v = b.createU32Vector(coords);
        b.startTable(1);
        b.fieldOffset(0, v);
        return b.endTable();
      });
      const chunksVec = b.createOffsetVector(items);
      b.startTable(2);
      b.fieldOffset(1, chunksVec);
      b.fieldStruct(0, idToBytes(nodeId, NODE_ID_LENGTH));
      return b.endTable();
    });
  const updatedChunks = b.createOffsetVector(arrays);
  // Current Rust writes `moved_nodes` in spec-1 logs too (always empty: moves need spec 2).
  const moves = (specVersion === 1 ? [] : [...data.movedNodes])
    .sort((x, y) => comparePathsComponentWise(x.to, y.to))
    .map((m) => {
      const from = b.createString(m.from);
      const to = b.createString(m.to);
      b.startTable(4);
      b.fieldStruct(2, idToBytes(m.nodeId, NODE_ID_LENGTH));
      b.fieldOffset(1, to);
      b.fieldOffset(0, from);
      b.fieldU8(3, NodeType[m.nodeType], 0);
      return b.endTable();
    });
  const moved = b.createOffsetVector(moves);
  b.startTable(10);
  b.fieldOffset(T.movedNodes, moved);
  b.fieldOffset(T.updatedChunks, updatedChunks);
  b.fieldOffset(T.updatedGroups, updatedGroups);
  b.fieldOffset(T.updatedArrays, updatedArrays);
  b.fieldOffset(T.deletedArrays, deletedArrays);
  b.fieldOffset(T.deletedGroups, deletedGroups);
  b.fieldOffset(T.newArrays, newArrays);
  b.fieldOffset(T.newGroups, newGroups);
  b.fieldStruct(T.id, idToBytes(data.id, OBJECT_ID_LENGTH));
  return b.finish(b.endTable(), FLATBUFFER_IDENTIFIER);
}
