/**
 * @module format/object-file
 * Metadata object files: the 39-byte header (`header.ts`) followed by one zstd frame holding a
 * flatbuffer (icechunk-format.md §1). `decodeObjectFile` validates the header against the expected
 * file type and decompresses; `encodeObjectFile` always compresses (Rust cannot read anything else).
 */

import { defaultZstdCompress, defaultZstdDecompress } from "#zstd-default";
import {
  CompressionError,
  CorruptObjectError,
  FileTypeMismatchError,
  isIcechunkError,
  ObjectTooLargeError,
} from "../errors.js";
import {
  CompressionAlgorithm,
  DEFAULT_COMPRESSION_LEVEL,
  FILE_TYPE_NAMES,
  type FileType,
  HEADER_LENGTH,
  type SpecVersion,
} from "./constants.js";
import { type FileHeader, parseHeader, writeHeader } from "./header.js";
import type { ZstdCodec } from "./zstd/codec.js";
import { checkFrameBounds, OutputLimitError } from "./zstd/decompress.js";

/**
 * Largest decompressed payload accepted per metadata file type (bytes), and the largest
 * decompressed/compressed ratio beyond a small floor. A payload past either is refused before it
 * is allocated (see docs/design/006-hostile-input.md for how the defaults were chosen).
 */
export interface ObjectSizeLimits {
  /** Default 512 MiB (about 1,000,000 nodes with typical Zarr metadata). */
  snapshot: number;
  /** Default 1 GiB (a few million chunk refs; upstream splits manifests long before). */
  manifest: number;
  /** Default 512 MiB. */
  transactionLog: number;
  /** The `repo` object (refs, snapshot list, ops log). Default 256 MiB. */
  repoInfo: number;
  /**
   * Decompressed bytes per compressed byte at most, for payloads over 32 MiB (`RATIO_FLOOR`). Default
   * 1000: Icechunk flatbuffers are full of random ids and compress 3–20×; zstd can reach 32,000×.
   */
  compressionRatio: number;
}

/** The default per-file-type limits of decompressed metadata objects (raise them with `objectSizeLimits`). */
export const DEFAULT_OBJECT_SIZE_LIMITS: Readonly<ObjectSizeLimits> = Object.freeze({
  snapshot: 512 * 2 ** 20,
  manifest: 2 ** 30,
  transactionLog: 512 * 2 ** 20,
  repoInfo: 256 * 2 ** 20,
  compressionRatio: 1000,
});

/** Payloads up to this size are never refused for their compression ratio (32 MiB). */
export const RATIO_FLOOR = 32 * 2 ** 20;

const LIMIT_FIELD: Partial<Record<FileType, keyof ObjectSizeLimits>> = {
  1: "snapshot",
  2: "manifest",
  4: "transactionLog",
  6: "repoInfo",
};

/** The decompressed size a file of this type and compressed length may have under `limits`. */
function payloadLimit(
  fileType: FileType,
  compressedLength: number,
  limits: Readonly<ObjectSizeLimits>,
): { limit: number; setting: string } {
  const field = LIMIT_FIELD[fileType];
  const typeLimit = field ? limits[field] : RATIO_FLOOR;
  const byRatio = Math.max(RATIO_FLOOR, compressedLength * limits.compressionRatio);
  return byRatio < typeLimit
    ? { limit: byRatio, setting: "objectSizeLimits.compressionRatio in Repository.open options" }
    : {
        limit: typeLimit,
        setting: `objectSizeLimits.${field ?? "compressionRatio"} in Repository.open options`,
      };
}

/** Options of {@link decodeObjectFile}. */
export interface DecodeObjectFileOptions {
  /** Object key, for error messages. */
  path?: string;
  /** Decompression limits (default {@link DEFAULT_OBJECT_SIZE_LIMITS}). */
  limits?: Readonly<ObjectSizeLimits>;
  /** zstd implementation (default: Node's built-in zstd where present, else the pure-TS one). */
  codec?: ZstdCodec;
}

/** A decoded object file. */
export interface ObjectFile {
  readonly header: FileHeader;
  /** The decompressed flatbuffer. */
  readonly payload: Uint8Array;
}

/**
 * Checks the header and decompresses the payload of a metadata file.
 * @throws {CorruptObjectError} when the header is invalid, the compression is not zstd or the
 *   frame cannot be decompressed.
 * @throws {UnsupportedSpecVersionError} when the spec version is not 1 or 2.
 * @throws {FileTypeMismatchError} when the file is of another type than `expectedFileType`.
 * @throws {ObjectTooLargeError} when the payload would exceed the file type's limit (checked from
 *   the frame and block headers before allocating, and while decoding).
 */
export function decodeObjectFile(
  bytes: Uint8Array,
  expectedFileType: FileType,
  options: DecodeObjectFileOptions = {},
): ObjectFile {
  const { path } = options;
  const header = parseHeader(bytes, { path });
  if (header.fileType !== expectedFileType) {
    throw new FileTypeMismatchError(
      FILE_TYPE_NAMES[expectedFileType],
      FILE_TYPE_NAMES[header.fileType],
      path,
    );
  }
  const what = FILE_TYPE_NAMES[expectedFileType];
  if (header.compression !== CompressionAlgorithm.Zstd) {
    throw new CorruptObjectError(
      what,
      "it is not zstd-compressed (Icechunk only reads compression 1)",
      { path },
    );
  }
  const body = bytes.subarray(HEADER_LENGTH);
  const { limit, setting } = payloadLimit(
    expectedFileType,
    body.length,
    options.limits ?? DEFAULT_OBJECT_SIZE_LIMITS,
  );
  let payload: Uint8Array;
  try {
    // the headers' declared sizes are checked here, whatever codec decodes the frames
    checkFrameBounds(body, limit);
    const { codec } = options;
    payload = codec
      ? codec.decompress(body, { maxSize: limit })
      : defaultZstdDecompress(body, { maxSize: limit });
  } catch (err) {
    if (err instanceof OutputLimitError)
      throw new ObjectTooLargeError(what, path, limit, err.needed, setting);
    if (isIcechunkError(err) && err.kind !== "compression") throw err;
    throw new CorruptObjectError(what, "its zstd payload cannot be decompressed", {
      path,
      cause: err,
    });
  }
  if (!(payload instanceof Uint8Array))
    throw new CorruptObjectError(what, "the zstd codec did not return a Uint8Array", { path });
  // an injected codec may ignore maxSize: what it returns is held to the limit all the same
  if (payload.length > limit)
    throw new ObjectTooLargeError(what, path, limit, payload.length, setting);
  return { header, payload };
}

/** Options of {@link encodeObjectFile}. */
export interface EncodeObjectFileOptions {
  /** zstd level, default 3. */
  level?: number;
  /** zstd implementation (default: Node's built-in zstd where present, else the pure-TS one). */
  codec?: ZstdCodec;
}

/** Header + zstd-compressed flatbuffer, implementation name `icts-<version>`. */
export function encodeObjectFile(
  fileType: FileType,
  specVersion: SpecVersion,
  flatbuffer: Uint8Array,
  options: EncodeObjectFileOptions = {},
): Uint8Array {
  const header = writeHeader({ specVersion, fileType });
  const level = options.level ?? DEFAULT_COMPRESSION_LEVEL;
  const { codec } = options;
  const body = codec
    ? codec.compress(flatbuffer, { level })
    : defaultZstdCompress(flatbuffer, { level });
  if (!(body instanceof Uint8Array))
    throw new CompressionError("the zstd codec's compress did not return a Uint8Array");
  const out = new Uint8Array(header.length + body.length);
  out.set(header, 0);
  out.set(body, header.length);
  return out;
}
