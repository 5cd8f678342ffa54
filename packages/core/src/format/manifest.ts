/**
 * @module format/manifest
 * Manifest flatbuffers (root `Manifest`, icechunk-format.md §2.3, §6): chunk refs per array,
 * sorted by node id and then by chunk coordinates. `decodeManifest` returns a view whose
 * `getChunkRef` is a binary search reading coordinates straight from the buffer (no per-ref
 * objects; manifests can hold millions of refs). Compressed virtual locations (§6.4) are
 * decompressed with the manifest's zstd dictionary on access.
 */

import { defaultZstdCompress, defaultZstdDecompress } from "#zstd-default";
import { CompressionError, CorruptObjectError, isIcechunkError } from "../errors.js";
import { readId12, readNodeId, requiredId12, sortByUtf8 } from "./common.js";
import {
  DEFAULT_COMPRESSION_LEVEL,
  FLATBUFFER_IDENTIFIER,
  NODE_ID_LENGTH,
  OBJECT_ID_LENGTH,
  type SpecVersion,
} from "./constants.js";
import { FlatBufferBuilder, type Offset } from "./flatbuffers/builder.js";
import { FlatBufferReader } from "./flatbuffers/reader.js";
import { type ChunkId, idToBytes, idToScratchBytes, type ManifestId, type NodeId } from "./ids.js";
import type { ZstdCodec } from "./zstd/codec.js";
import { checkFrameBounds } from "./zstd/decompress.js";

/** Precondition of a virtual chunk read. */
export type ChunkChecksum = { etag: string } | { lastModified: number /* seconds */ };

/** Where the bytes of one chunk live. */
export type ChunkPayload =
  | { kind: "inline"; data: Uint8Array }
  | { kind: "native"; chunkId: ChunkId; offset: number; length: number }
  | { kind: "virtual"; location: string; offset: number; length: number; checksum?: ChunkChecksum };

/** Read-only view over a decoded manifest flatbuffer. */
export interface ManifestView {
  readonly specVersion: 1 | 2;
  readonly id: ManifestId;
  /** Node ids of the arrays in this manifest, in byte order. */
  nodeIds(): NodeId[];
  /** Number of refs of one array, or of all arrays when `nodeId` is omitted. */
  numRefs(nodeId?: NodeId): number;
  /**
   * The chunk ref at `coords`, or `undefined` when this manifest has none. `forRewrite`: the ref
   * goes into a new manifest (a moved chunk): as in {@link refsForRewrite}.
   */
  getChunkRef(
    nodeId: NodeId,
    coords: readonly number[],
    options?: { forRewrite?: boolean },
  ): ChunkPayload | undefined;
  /** All refs of an array in coordinate order. */
  refs(nodeId: NodeId): Iterable<[coords: number[], payload: ChunkPayload]>;
  /**
   * All refs of an array in coordinate order, for writing into a new manifest: compressed
   * locations are decompressed only when read, and {@link encodeManifest} copies them over
   * unchanged when it reuses this manifest's location dictionary.
   */
  refsForRewrite(nodeId: NodeId): Iterable<[coords: number[], payload: ChunkPayload]>;
  /** Ref counts by kind and location-compression facts, without decoding any payload. */
  stats(): ManifestStats;
}

/** What `ManifestView.stats()` counts (upstream `inspect_manifest`). */
export interface ManifestStats {
  /** Size of the (decompressed) manifest flatbuffer. */
  byteLength: number;
  arrays: Array<{ nodeId: NodeId; inline: number; native: number; virtual: number }>;
  usesLocationCompression: boolean;
  /** Absent when the manifest has no location dictionary. */
  dictionarySizeBytes?: number;
  numCompressedRefs: number;
}

/** Input of {@link encodeManifest}. */
export interface ManifestData {
  id: ManifestId;
  arrays: Array<{
    nodeId: NodeId;
    refs: Array<[coords: readonly number[], payload: ChunkPayload]>;
  }>;
}

/** Options of {@link encodeManifest}. */
export interface EncodeManifestOptions {
  /**
   * Compress virtual chunk locations with a dictionary, as upstream does for manifests with many
   * virtual refs (spec 2 only; absent: plain `location` strings).
   */
  locationCompression?: LocationCompression;
  /** zstd implementation for compressed locations (default: the built-in choice). */
  codec?: ZstdCodec;
}

/** Upstream `LocationCompressionConfig` (its compression level is not used here). */
export interface LocationCompression {
  /** Compress only when the manifest has at least this many refs and virtual refs. */
  minNumChunks: number;
  /** Locations sampled into the dictionary. */
  maxSamples: number;
  /** Dictionary size limit. */
  maxDictionaryBytes: number;
}

/** Options of {@link decodeManifest}. */
export interface DecodeManifestOptions {
  /** Object key, for error messages. */
  path?: string;
  /** zstd implementation for compressed locations (default: the built-in choice). */
  codec?: ZstdCodec;
}

const M = { id: 0, arrays: 1, dictionary: 2, algorithm: 3 } as const;
const R = {
  index: 0,
  inline: 1,
  offset: 2,
  length: 3,
  chunkId: 4,
  location: 5,
  etag: 6,
  lastModified: 7,
  compressedLocation: 8,
} as const;
/** Output cap of a compressed location (`Manifest::decompressor`). */
const MAX_LOCATION_LENGTH = 1024;
const utf8 = new TextDecoder("utf-8", { fatal: true });
const utf8Encoder = new TextEncoder();

/** Compressed location bytes of a ref read for rewriting, and the dictionary they need. */
interface Carried {
  readonly bytes: Uint8Array;
  readonly dictionary: Uint8Array;
}
const CARRIED: unique symbol = Symbol("carriedLocation");

/**
 * A virtual ref read for rewriting: its location is decompressed only when asked for, and a
 * manifest written with the same dictionary copies the compressed bytes over unchanged. The
 * location is an own enumerable getter, so spreads, `JSON.stringify` and structured clones see a
 * plain virtual payload.
 */
class CarriedVirtual {
  readonly kind = "virtual" as const;
  [CARRIED]: Carried;
  declare readonly location: string;
  declare checksum?: ChunkChecksum;
  constructor(
    carried: Carried,
    decode: () => string,
    readonly offset: number,
    readonly length: number,
    checksum: ChunkChecksum | undefined,
  ) {
    this[CARRIED] = carried;
    let location: string | undefined;
    Object.defineProperty(this, "location", {
      enumerable: true,
      get: () => {
        location ??= decode();
        return location;
      },
    });
    if (checksum !== undefined) this.checksum = checksum;
  }
}

function carriedOf(p: ChunkPayload): Carried | undefined {
  return p instanceof CarriedVirtual ? p[CARRIED] : undefined;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

class ManifestViewImpl implements ManifestView {
  private readonly arraysVec: number;
  private arrayIndex: Map<string, number> | undefined;
  private dictionary: Uint8Array | undefined;

  constructor(
    private readonly r: FlatBufferReader,
    private readonly root: number,
    readonly specVersion: 1 | 2,
    private readonly codec: ZstdCodec | undefined,
  ) {
    requiredId12(r, root, M.id, "Manifest.id");
    this.arraysVec = r.required(r.vector(root, M.arrays, 4), "Manifest.arrays");
  }

  get id(): ManifestId {
    return requiredId12<ManifestId>(this.r, this.root, M.id, "Manifest.id");
  }

  private arrays(): Map<string, number> {
    if (this.arrayIndex === undefined) {
      const r = this.r;
      const index = new Map<string, number>();
      for (let i = 0, n = r.vectorLength(this.arraysVec); i < n; i++) {
        const t = r.vectorTable(this.arraysVec, i);
        const nodeId = readNodeId(
          r,
          r.required(r.struct(t, 0, NODE_ID_LENGTH), "ArrayManifest.node_id"),
        );
        index.set(nodeId, r.required(r.vector(t, 1, 4), "ArrayManifest.refs"));
      }
      this.arrayIndex = index;
    }
    return this.arrayIndex;
  }

  nodeIds(): NodeId[] {
    return [...this.arrays().keys()] as NodeId[];
  }

  numRefs(nodeId?: NodeId): number {
    if (nodeId !== undefined) return this.r.vectorLength(this.arrays().get(nodeId) ?? 0);
    let total = 0;
    for (const vec of this.arrays().values()) total += this.r.vectorLength(vec);
    return total;
  }

  /** Index vector position of ref `i` of `refsVec`. */
  private indexOf(refsVec: number, i: number): number {
    const t = this.r.vectorTable(refsVec, i);
    return this.r.required(this.r.vector(t, R.index, 4), "ChunkRef.index");
  }

  private compareAt(indexVec: number, coords: readonly number[]): number {
    const view = this.r.view;
    const n = view.getUint32(indexVec, true);
    const m = Math.min(n, coords.length);
    for (let k = 0; k < m; k++) {
      const c = view.getUint32(indexVec + 4 + 4 * k, true);
      if (c !== coords[k]) return c < coords[k] ? -1 : 1;
    }
    return n - coords.length;
  }

  getChunkRef(
    nodeId: NodeId,
    coords: readonly number[],
    options?: { forRewrite?: boolean },
  ): ChunkPayload | undefined {
    const refsVec = this.arrays().get(nodeId);
    if (refsVec === undefined) return undefined;
    let lo = 0;
    let hi = this.r.vectorLength(refsVec);
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const cmp = this.compareAt(this.indexOf(refsVec, mid), coords);
      if (cmp === 0)
        return this.payload(this.r.vectorTable(refsVec, mid), options?.forRewrite === true);
      if (cmp < 0) lo = mid + 1;
      else hi = mid;
    }
    return undefined;
  }

  refs(nodeId: NodeId): Iterable<[coords: number[], payload: ChunkPayload]> {
    return this.iterate(nodeId, false);
  }

  refsForRewrite(nodeId: NodeId): Iterable<[coords: number[], payload: ChunkPayload]> {
    return this.iterate(nodeId, true);
  }

  private *iterate(
    nodeId: NodeId,
    carry: boolean,
  ): Iterable<[coords: number[], payload: ChunkPayload]> {
    const r = this.r;
    const refsVec = this.arrays().get(nodeId);
    if (refsVec === undefined) return;
    for (let i = 0, n = r.vectorLength(refsVec); i < n; i++) {
      const idx = this.indexOf(refsVec, i);
      const coords: number[] = [];
      for (let k = 0, m = r.view.getUint32(idx, true); k < m; k++)
        coords.push(r.view.getUint32(idx + 4 + 4 * k, true));
      yield [coords, this.payload(r.vectorTable(refsVec, i), carry)];
    }
  }

  stats(): ManifestStats {
    const r = this.r;
    const arrays: ManifestStats["arrays"] = [];
    let numCompressedRefs = 0;
    for (const [nodeId, refsVec] of this.arrays()) {
      const counts = { nodeId: nodeId as NodeId, inline: 0, native: 0, virtual: 0 };
      for (let i = 0, n = r.vectorLength(refsVec); i < n; i++) {
        const t = r.vectorTable(refsVec, i);
        const compressed = r.has(t, R.compressedLocation);
        if (compressed) numCompressedRefs++;
        if (r.has(t, R.chunkId)) counts.native++;
        else if (compressed || r.has(t, R.location)) counts.virtual++;
        else if (r.has(t, R.inline)) counts.inline++;
      }
      arrays.push(counts);
    }
    const dictionary = r.bytesField(this.root, M.dictionary);
    const out: ManifestStats = {
      byteLength: r.view.byteLength,
      arrays,
      // the field is absent from spec-1 manifests; spec 2 defaults it to 1 (zstd dictionary)
      usesLocationCompression: this.specVersion === 2 && r.u8(this.root, M.algorithm, 1) !== 0,
      numCompressedRefs,
    };
    if (dictionary !== undefined) out.dictionarySizeBytes = dictionary.length;
    return out;
  }

  private payload(t: number, carry = false): ChunkPayload {
    const r = this.r;
    const chunkIdPos = r.struct(t, R.chunkId, OBJECT_ID_LENGTH);
    const offset = r.u64(t, R.offset, 0);
    const length = r.u64(t, R.length, 0);
    if (chunkIdPos !== 0)
      return { kind: "native", chunkId: readId12<ChunkId>(r, chunkIdPos), offset, length };
    const compressed = r.bytesField(t, R.compressedLocation);
    if (carry && compressed !== undefined) {
      const carried = { bytes: compressed, dictionary: this.locationDictionary() };
      const decode = () => this.decompressLocation(compressed);
      return new CarriedVirtual(carried, decode, offset, length, this.checksumOf(t));
    }
    const location =
      compressed !== undefined ? this.decompressLocation(compressed) : r.string(t, R.location);
    if (location !== undefined) {
      const checksum = this.checksumOf(t);
      return checksum === undefined
        ? { kind: "virtual", location, offset, length }
        : { kind: "virtual", location, offset, length, checksum };
    }
    const inline = r.bytesField(t, R.inline);
    if (inline !== undefined) return { kind: "inline", data: inline.slice() };
    return r.fail("a chunk ref has neither chunk id, location nor inline data");
  }

  private checksumOf(t: number): ChunkChecksum | undefined {
    const etag = this.r.string(t, R.etag);
    if (etag !== undefined) return { etag };
    const lastModified = this.r.u32(t, R.lastModified, 0);
    return lastModified > 0 ? { lastModified } : undefined;
  }

  private decompressLocation(bytes: Uint8Array): string {
    const options = { dictionary: this.locationDictionary(), maxSize: MAX_LOCATION_LENGTH };
    const codec = this.codec;
    const out = this.wrap(() => {
      checkFrameBounds(bytes, MAX_LOCATION_LENGTH);
      const got = codec ? codec.decompress(bytes, options) : defaultZstdDecompress(bytes, options);
      if (!(got instanceof Uint8Array) || got.length > MAX_LOCATION_LENGTH)
        throw new CompressionError(
          `a location decompressed to more than ${MAX_LOCATION_LENGTH} bytes (or not to bytes)`,
        );
      return got;
    }, "a compressed location cannot be decompressed");
    return this.wrap(() => utf8.decode(out), "a compressed location is not UTF-8");
  }

  private locationDictionary(): Uint8Array {
    const r = this.r;
    if (this.dictionary === undefined) {
      const dict = r.bytesField(this.root, M.dictionary);
      if (dict === undefined || r.u8(this.root, M.algorithm, 1) !== 1) {
        return r.fail(
          "a chunk ref has a compressed location but the manifest has no location dictionary",
        );
      }
      // one identity for all frames: codecs cache what they derive from the dictionary by it
      this.dictionary = dict;
    }
    return this.dictionary;
  }

  private wrap<T>(f: () => T, detail: string): T {
    try {
      return f();
    } catch (err) {
      if (err instanceof CorruptObjectError) throw err;
      if (isIcechunkError(err) && err.kind !== "compression") throw err;
      throw new CorruptObjectError(this.r.what, detail, { path: this.r.path, cause: err });
    }
  }
}

/**
 * Decodes a manifest flatbuffer (the payload of a manifest file).
 * @throws {CorruptObjectError} when required fields are missing or offsets are invalid.
 */
export function decodeManifest(
  payload: Uint8Array,
  specVersion: SpecVersion,
  options: DecodeManifestOptions = {},
): ManifestView {
  const r = new FlatBufferReader(payload, { what: "manifest", path: options.path });
  return new ManifestViewImpl(r, r.root(), specVersion, options.codec);
}

function compareCoords(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

function encodeRef(
  b: FlatBufferBuilder,
  coords: readonly number[],
  payload: ChunkPayload,
  compressor: ((bytes: Uint8Array) => Uint8Array) | undefined,
  dictionary: Uint8Array | undefined,
): Offset {
  const index = b.createU32Vector(coords);
  let inline: Offset | undefined;
  let location: Offset | undefined;
  let compressedLocation: Offset | undefined;
  let etag: Offset | undefined;
  let lastModified = 0;
  if (payload.kind === "inline") inline = b.createBytes(payload.data);
  if (payload.kind === "virtual") {
    const carried = carriedOf(payload);
    if (compressor && carried !== undefined && carried.dictionary === dictionary)
      compressedLocation = b.createBytes(carried.bytes);
    else if (compressor)
      compressedLocation = b.createBytes(compressor(utf8Encoder.encode(payload.location)));
    else location = b.createString(payload.location);
    if (payload.checksum !== undefined && "etag" in payload.checksum)
      etag = b.createString(payload.checksum.etag);
    else if (payload.checksum !== undefined) lastModified = payload.checksum.lastModified;
  }
  // Field order of the flatc-generated Rust builder: 8-byte scalars, then 4-byte fields (offsets,
  // structs) in reverse slot order, so the decompressed buffer matches Rust's byte for byte.
  b.startTable(10);
  if (payload.kind !== "inline") {
    b.fieldU64(R.length, payload.length, 0);
    b.fieldU64(R.offset, payload.offset, 0);
  }
  b.fieldOffset(R.compressedLocation, compressedLocation);
  b.fieldU32(R.lastModified, lastModified, 0);
  b.fieldOffset(R.etag, etag);
  b.fieldOffset(R.location, location);
  if (payload.kind === "native")
    b.fieldStruct(R.chunkId, idToScratchBytes(payload.chunkId, OBJECT_ID_LENGTH));
  b.fieldOffset(R.inline, inline);
  b.fieldOffset(R.index, index);
  return b.endTable();
}

/**
 * Builds the manifest flatbuffer (not the object file). Arrays are sorted by node id and refs
 * by coordinates; virtual locations are written plain, or compressed with a raw-content dictionary
 * of sampled locations when `options.locationCompression` applies (spec 2).
 * @throws {InvalidObjectIdError} when an id is malformed.
 */
export function encodeManifest(
  data: ManifestData,
  specVersion: SpecVersion,
  options: EncodeManifestOptions = {},
): Uint8Array {
  const b = new FlatBufferBuilder(1024);
  const sortedArrays = sortByUtf8(data.arrays, (a) => a.nodeId).map((array) => ({
    nodeId: array.nodeId,
    refs: [...array.refs].sort((x, y) => compareCoords(x[0], y[0])),
  }));
  const dictionary =
    specVersion === 2 && options.locationCompression
      ? (carriedDictionary(sortedArrays, options.locationCompression) ??
        locationDictionary(sortedArrays, options.locationCompression))
      : undefined;
  const { codec } = options;
  const compressor = dictionary
    ? (bytes: Uint8Array) => {
        const o = { level: DEFAULT_COMPRESSION_LEVEL, dictionary };
        return codec ? codec.compress(bytes, o) : defaultZstdCompress(bytes, o);
      }
    : undefined;
  const arrays = sortedArrays.map((array) => {
    const refs = b.createOffsetVector(
      array.refs.map(([coords, payload]) => encodeRef(b, coords, payload, compressor, dictionary)),
    );
    b.startTable(specVersion === 1 ? 2 : 3);
    b.fieldOffset(1, refs);
    b.fieldStruct(0, idToBytes(array.nodeId, NODE_ID_LENGTH));
    return b.endTable();
  });
  const arraysVec = b.createOffsetVector(arrays);
  // Current Rust writes the explicit 0 (default 1) in spec-1 manifests too; V1 readers skip it.
  const dictionaryVec = dictionary ? b.createBytes(dictionary) : undefined;
  b.startTable(5);
  b.fieldOffset(M.dictionary, dictionaryVec);
  b.fieldOffset(M.arrays, arraysVec);
  b.fieldStruct(M.id, idToBytes(data.id, OBJECT_ID_LENGTH));
  b.fieldU8(M.algorithm, dictionary ? 1 : 0, null);
  return b.finish(b.endTable(), FLATBUFFER_IDENTIFIER);
}

/**
 * The dictionary of the manifest the carried-over compressed locations come from, when every
 * one of them comes with the same dictionary (by bytes) and the manifest still qualifies for
 * compression: the new manifest reuses it, so untouched locations are copied, not decompressed
 * and compressed again. Readers decompress each location with the manifest's dictionary, whatever
 * it was trained on, so a reused dictionary reads back identically. `undefined`: train a new one.
 */
function carriedDictionary(
  arrays: ReadonlyArray<{ refs: ReadonlyArray<readonly [readonly number[], ChunkPayload]> }>,
  config: LocationCompression,
): Uint8Array | undefined {
  let dictionary: Uint8Array | undefined;
  let total = 0;
  let virtual = 0;
  for (const array of arrays) {
    total += array.refs.length;
    for (const [, p] of array.refs) {
      if (p.kind !== "virtual") continue;
      virtual++;
      const carried = carriedOf(p);
      if (carried === undefined) {
        // new locations are compressed with the reused dictionary, within the readers' cap
        if (p.location.length > MAX_LOCATION_LENGTH / 3) {
          if (utf8Encoder.encode(p.location).length > MAX_LOCATION_LENGTH) return undefined;
        }
      } else if (dictionary === undefined) dictionary = carried.dictionary;
      else if (!sameBytes(dictionary, carried.dictionary)) return undefined;
    }
  }
  if (dictionary === undefined || total < config.minNumChunks || virtual < config.minNumChunks)
    return undefined;
  // one identity, so encodeRef recognizes carried bytes by reference
  for (const array of arrays)
    for (const [, p] of array.refs) {
      const carried = carriedOf(p);
      if (carried !== undefined && carried.dictionary !== dictionary)
        (p as CarriedVirtual)[CARRIED] = { bytes: carried.bytes, dictionary };
    }
  return dictionary;
}

/**
 * The location dictionary of a manifest (upstream `train_location_dictionary`'s conditions, a
 * raw-content dictionary instead of a trained one): enough refs and virtual refs, samples spread
 * evenly over the virtual refs, not mostly tiny; the distinct samples concatenated up to the size
 * limit. `undefined` when locations stay plain.
 */
function locationDictionary(
  arrays: ReadonlyArray<{ refs: ReadonlyArray<readonly [readonly number[], ChunkPayload]> }>,
  config: LocationCompression,
): Uint8Array | undefined {
  let total = 0;
  const locations: string[] = [];
  for (const array of arrays) {
    total += array.refs.length;
    for (const [, p] of array.refs) if (p.kind === "virtual") locations.push(p.location);
  }
  // readers cap a decompressed location at 1024 bytes: longer ones must stay plain
  if (
    locations.some(
      (l) =>
        l.length > MAX_LOCATION_LENGTH / 3 && utf8Encoder.encode(l).length > MAX_LOCATION_LENGTH,
    )
  )
    return undefined;
  if (total < config.minNumChunks || locations.length < config.minNumChunks) return undefined;
  const count = Math.min(config.maxSamples, locations.length);
  if (count === 0) return undefined;
  const samples: string[] = [];
  for (let k = 0; k < count; k++)
    samples.push(locations[Math.floor((k * locations.length) / count)]!);
  // zstd's trainer refuses mostly tiny samples; upstream then writes plain locations
  if (samples.filter((x) => utf8Encoder.encode(x).length < 8).length >= samples.length / 2)
    return undefined;
  const out = new Uint8Array(config.maxDictionaryBytes);
  let n = 0;
  for (const sample of new Set(samples)) {
    const bytes = utf8Encoder.encode(sample);
    const take = Math.min(bytes.length, out.length - n);
    out.set(bytes.subarray(0, take), n);
    n += take;
    if (n === out.length) break;
  }
  return n >= 8 ? out.slice(0, n) : undefined;
}
