/**
 * @module format/snapshot
 * Snapshot flatbuffers (root `Snapshot`, icechunk-format.md §2.2, §5): `decodeSnapshot` returns a
 * read-only view with lazy accessors and a byte-order binary search over the nodes;
 * `encodeSnapshot` builds the flatbuffer for spec 1 or spec 2.
 */

import {
  compareBytes,
  type JsonObject,
  optionalId12,
  readId12,
  readMetadata,
  requiredId12,
  requiredNodeId,
  sortByUtf8,
  writeMetadata,
} from "./common.js";
import { FLATBUFFER_IDENTIFIER, OBJECT_ID_LENGTH, type SpecVersion } from "./constants.js";
import { FlatBufferBuilder } from "./flatbuffers/builder.js";
import { FlatBufferReader } from "./flatbuffers/reader.js";
import { idToBytes, type ManifestId, type NodeId, type SnapshotId } from "./ids.js";
import { encodeNodeData, type NodeData, readNodeData } from "./snapshot-nodes.js";

export type { DimensionShape, ManifestRef, NodeData } from "./snapshot-nodes.js";

/** One entry of `Snapshot.manifest_files(_v2)`. */
export interface ManifestFileInfo {
  readonly id: ManifestId;
  /** Exact stored object size (header + compressed payload). */
  readonly sizeBytes: number;
  readonly numChunkRefs: number;
}

/** A group or array of a snapshot. */
export interface NodeSnapshot {
  readonly id: NodeId;
  /** Absolute path, `/` for the root. */
  readonly path: string;
  /** The node's `zarr.json` bytes exactly as written. */
  readonly userData: Uint8Array;
  readonly nodeData: NodeData;
}

/** Read-only view over a decoded snapshot flatbuffer. */
export interface SnapshotView {
  readonly specVersion: 1 | 2;
  readonly id: SnapshotId;
  /** Only spec-1 snapshots store their parent. */
  readonly parentId?: SnapshotId;
  /** Microseconds since the epoch. */
  readonly flushedAt: number;
  readonly message: string;
  readonly metadata: JsonObject;
  readonly manifestFiles: ManifestFileInfo[];
  readonly nodeCount: number;
  /** Node `i` in path byte order. */
  nodeAt(i: number): NodeSnapshot;
  /** Binary search by the UTF-8 bytes of `path`. */
  getNode(path: string): NodeSnapshot | undefined;
  /** All nodes in path byte order. */
  nodes(): Iterable<NodeSnapshot>;
  /** The node at `prefixPath` (if any) and all its descendants, in path byte order. */
  nodesUnder(prefixPath: string): Iterable<NodeSnapshot>;
}

/** Input of {@link encodeSnapshot}. */
export interface SnapshotData {
  id: SnapshotId;
  /** Written in spec-1 files only. */
  parentId?: SnapshotId;
  flushedAt: number;
  message: string;
  metadata: JsonObject;
  manifestFiles: ManifestFileInfo[];
  /** Any order; the encoder sorts by path bytes. */
  nodes: NodeSnapshot[];
}

/** Options of the decoders. */
export interface DecodeOptions {
  /** Object key, for error messages. */
  path?: string;
}

const S = {
  id: 0,
  parentId: 1,
  nodes: 2,
  flushedAt: 3,
  message: 4,
  metadata: 5,
  files: 6,
  filesV2: 7,
} as const;
const N = { id: 0, path: 1, userData: 2, dataType: 3, data: 4 } as const;
const MANIFEST_FILE_INFO_V1_SIZE = 32;
const utf8 = new TextEncoder();

/** Makes a kept node's shared parts immutable (callers share them; a mutation would corrupt it). */
function freezeNodeData(node: NodeSnapshot): void {
  const d = node.nodeData;
  if (d.type === "array") {
    for (const dim of d.shape) Object.freeze(dim);
    Object.freeze(d.shape);
    for (const m of d.manifests) {
      for (const e of m.extents) Object.freeze(e);
      Object.freeze(m.extents);
      Object.freeze(m);
    }
    Object.freeze(d.manifests);
    if (d.dimensionNames) Object.freeze(d.dimensionNames);
  }
  Object.freeze(d);
}

/** How many decoded nodes a snapshot view keeps for repeated lookups. */
const FOUND_NODES_KEPT = 256;

class SnapshotViewImpl implements SnapshotView {
  readonly nodeCount: number;
  readonly #found = new Map<string, NodeSnapshot>();
  private readonly nodesVec: number;

  constructor(
    private readonly r: FlatBufferReader,
    private readonly root: number,
    readonly specVersion: 1 | 2,
  ) {
    this.nodesVec = r.required(r.vector(root, S.nodes, 4), "Snapshot.nodes");
    this.nodeCount = r.vectorLength(this.nodesVec);
    requiredId12(r, root, S.id, "Snapshot.id");
    r.requiredString(root, S.message, "Snapshot.message");
  }

  get id(): SnapshotId {
    return requiredId12<SnapshotId>(this.r, this.root, S.id, "Snapshot.id");
  }
  get parentId(): SnapshotId | undefined {
    return optionalId12<SnapshotId>(this.r, this.root, S.parentId);
  }
  get flushedAt(): number {
    return this.r.u64(this.root, S.flushedAt, 0);
  }
  get message(): string {
    return this.r.requiredString(this.root, S.message, "Snapshot.message");
  }
  get metadata(): JsonObject {
    const vec = this.r.vector(this.root, S.metadata, 4);
    return readMetadata(this.r, vec, this.specVersion === 1 ? "msgpack" : "flexbuffers");
  }
  get manifestFiles(): ManifestFileInfo[] {
    const r = this.r;
    const out: ManifestFileInfo[] = [];
    const v2 = r.vector(this.root, S.filesV2, 4);
    if (v2 !== 0) {
      for (let i = 0, n = r.vectorLength(v2); i < n; i++) {
        const t = r.vectorTable(v2, i);
        out.push({
          id: requiredId12<ManifestId>(r, t, 0, "ManifestFileInfoV2.id"),
          sizeBytes: r.u64(t, 1, 0),
          numChunkRefs: r.u32(t, 2, 0),
        });
      }
      return out;
    }
    const v1 = r.vector(this.root, S.files, MANIFEST_FILE_INFO_V1_SIZE);
    for (let i = 0, n = r.vectorLength(v1); i < n; i++) {
      const pos = v1 + 4 + MANIFEST_FILE_INFO_V1_SIZE * i;
      out.push({
        id: readId12<ManifestId>(r, pos),
        sizeBytes: r.u64At(pos + 16),
        numChunkRefs: r.view.getUint32(pos + 24, true),
      });
    }
    return out;
  }

  private nodeTable(i: number): number {
    if (!(i >= 0 && i < this.nodeCount))
      throw new RangeError(`node index ${i} out of range 0..${this.nodeCount}`);
    return this.r.vectorTable(this.nodesVec, i);
  }

  private pathPos(i: number): number {
    return this.r.required(this.r.stringPos(this.nodeTable(i), N.path), "NodeSnapshot.path");
  }

  private pathBytes(i: number): Uint8Array {
    return this.r.stringBytesAt(this.pathPos(i));
  }

  /** Compares path `i` with `key` without allocating (binary search probes). */
  private comparePath(i: number, key: Uint8Array): number {
    return this.r.compareStringAt(this.pathPos(i), key);
  }

  nodeAt(i: number): NodeSnapshot {
    const r = this.r;
    const t = this.nodeTable(i);
    const userData = r.bytesField(t, N.userData);
    if (userData === undefined) return r.fail("required field 'NodeSnapshot.user_data' is missing");
    return {
      id: requiredNodeId(r, t, N.id, "NodeSnapshot.id"),
      path: r.requiredString(t, N.path, "NodeSnapshot.path"),
      userData: userData.slice(),
      nodeData: readNodeData(r, r.u8(t, N.dataType, 0), r.table(t, N.data)),
    };
  }

  /** First index whose path bytes are ≥ `key`. */
  private lowerBound(key: Uint8Array): number {
    let lo = 0;
    let hi = this.nodeCount;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.comparePath(mid, key) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  getNode(path: string): NodeSnapshot | undefined {
    // Reading an array asks for its node once per chunk: found nodes are kept decoded (a bounded
    // number); each call still gets its own copy of the user data.
    let node = this.#found.get(path);
    if (node === undefined) {
      const key = utf8.encode(path);
      const i = this.lowerBound(key);
      if (!(i < this.nodeCount && this.comparePath(i, key) === 0)) return undefined;
      node = this.nodeAt(i);
      freezeNodeData(node);
      if (this.#found.size >= FOUND_NODES_KEPT) this.#found.clear();
      this.#found.set(path, node);
    }
    return { ...node, userData: node.userData.slice() };
  }

  *nodes(): Iterable<NodeSnapshot> {
    for (let i = 0; i < this.nodeCount; i++) yield this.nodeAt(i);
  }

  *nodesUnder(prefixPath: string): Iterable<NodeSnapshot> {
    if (prefixPath === "/") {
      yield* this.nodes();
      return;
    }
    // §5.1: every path with `prefix` as a byte prefix is contiguous from the lower bound; within that
    // run, siblings such as `/a-b` sort between `/a` and `/a/b` and are skipped.
    const prefix = utf8.encode(prefixPath);
    const SLASH = 0x2f;
    for (let i = this.lowerBound(prefix); i < this.nodeCount; i++) {
      const p = this.pathBytes(i);
      if (p.length < prefix.length || compareBytes(p.subarray(0, prefix.length), prefix) !== 0)
        return;
      if (p.length === prefix.length || p[prefix.length] === SLASH) yield this.nodeAt(i);
    }
  }
}

/**
 * Decodes a snapshot flatbuffer (the payload of a snapshot file).
 * @throws {CorruptObjectError} when required fields are missing or offsets are invalid.
 */
export function decodeSnapshot(
  payload: Uint8Array,
  specVersion: SpecVersion,
  options: DecodeOptions = {},
): SnapshotView {
  const r = new FlatBufferReader(payload, { what: "snapshot", path: options.path });
  return new SnapshotViewImpl(r, r.root(), specVersion);
}

function encodeManifestFiles(
  b: FlatBufferBuilder,
  files: readonly ManifestFileInfo[],
  specVersion: SpecVersion,
) {
  const sorted = sortByUtf8(files, (f) => f.id);
  if (specVersion === 1) {
    const structs = sorted.map((f) => {
      const s = new Uint8Array(MANIFEST_FILE_INFO_V1_SIZE);
      const v = new DataView(s.buffer);
      s.set(idBytes12(f.id), 0);
      v.setUint32(16, f.sizeBytes % 2 ** 32, true);
      v.setUint32(20, Math.floor(f.sizeBytes / 2 ** 32), true);
      v.setUint32(24, f.numChunkRefs, true);
      return s;
    });
    return { v1: b.createStructVector(structs, MANIFEST_FILE_INFO_V1_SIZE, 8), v2: undefined };
  }
  const tables = sorted.map((f) => {
    b.startTable(4);
    b.fieldU64(1, f.sizeBytes, 0);
    b.fieldU32(2, f.numChunkRefs, 0);
    b.fieldStruct(0, idBytes12(f.id));
    return b.endTable();
  });
  const v2 = b.createOffsetVector(tables);
  return { v1: b.createStructVector([], MANIFEST_FILE_INFO_V1_SIZE, 8), v2 };
}

function idBytes12(id: string): Uint8Array {
  return idToBytes(id, OBJECT_ID_LENGTH);
}

/**
 * Builds the snapshot flatbuffer (not the object file) in the layout of `specVersion`: spec 1
 * writes `parent_id`, V1 shapes and `manifest_files` structs with msgpack metadata; spec 2 writes
 * `shape_v2`, `manifest_files_v2` and flexbuffers metadata.
 * @throws {InvalidObjectIdError} when an id is malformed.
 */
export function encodeSnapshot(data: SnapshotData, specVersion: SpecVersion): Uint8Array {
  const b = new FlatBufferBuilder(1024);
  const files = encodeManifestFiles(b, data.manifestFiles, specVersion);
  const metadata = writeMetadata(b, data.metadata, specVersion === 1 ? "msgpack" : "flexbuffers");
  const message = b.createString(data.message);
  const nodes = sortByUtf8(data.nodes, (n) => n.path).map((node) => {
    const path = b.createString(node.path);
    const nodeData = encodeNodeData(b, node.nodeData, specVersion);
    const userData = b.createBytes(node.userData);
    b.startTable(6);
    b.fieldOffset(N.data, nodeData.offset);
    b.fieldOffset(N.userData, userData);
    b.fieldOffset(N.path, path);
    b.fieldStruct(N.id, idToBytes(node.id, 8));
    b.fieldU8(N.dataType, nodeData.type, 0);
    return b.endTable();
  });
  const nodesVec = b.createOffsetVector(nodes);
  b.startTable(9);
  b.fieldU64(S.flushedAt, data.flushedAt, 0);
  b.fieldOffset(S.filesV2, files.v2);
  b.fieldOffset(S.files, files.v1);
  b.fieldOffset(S.metadata, metadata);
  b.fieldOffset(S.message, message);
  b.fieldOffset(S.nodes, nodesVec);
  if (specVersion === 1 && data.parentId !== undefined)
    b.fieldStruct(S.parentId, idBytes12(data.parentId));
  b.fieldStruct(S.id, idBytes12(data.id));
  return b.finish(b.endTable(), FLATBUFFER_IDENTIFIER);
}
