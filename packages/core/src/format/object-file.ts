/**
 * @module format/object-file
 * Metadata object files: the 39-byte header (`header.ts`) followed by one zstd frame holding a
 * flatbuffer (icechunk-format.md §1). `decodeObjectFile` validates the header against the expected
 * file type and decompresses; `encodeObjectFile` always compresses (Rust cannot read anything else).
 */

import { CorruptObjectError, FileTypeMismatchError, isIcechunkError } from "../errors.js";
import {
  CompressionAlgorithm,
  DEFAULT_COMPRESSION_LEVEL,
  FILE_TYPE_NAMES,
  type FileType,
  HEADER_LENGTH,
  type SpecVersion,
} from "./constants.js";
import { type FileHeader, parseHeader, writeHeader } from "./header.js";
import { zstdCompress, zstdDecompress } from "./zstd/index.js";

/** Options of {@link decodeObjectFile}. */
export interface DecodeObjectFileOptions {
  /** Object key, for error messages. */
  path?: string;
  /** Cap on the decompressed size in bytes (default: no cap beyond the decoder's own). */
  maxSize?: number;
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
  let payload: Uint8Array;
  try {
    payload = zstdDecompress(bytes.subarray(HEADER_LENGTH), { maxOutputSize: options.maxSize });
  } catch (err) {
    if (isIcechunkError(err) && err.kind !== "compression") throw err;
    throw new CorruptObjectError(what, "its zstd payload cannot be decompressed", {
      path,
      cause: err,
    });
  }
  return { header, payload };
}

/** Options of {@link encodeObjectFile}. */
export interface EncodeObjectFileOptions {
  /** zstd level, default 3. */
  level?: number;
}

/** Header + zstd-compressed flatbuffer, implementation name `icts-<version>`. */
export function encodeObjectFile(
  fileType: FileType,
  specVersion: SpecVersion,
  flatbuffer: Uint8Array,
  options: EncodeObjectFileOptions = {},
): Uint8Array {
  const header = writeHeader({ specVersion, fileType });
  const body = zstdCompress(flatbuffer, { level: options.level ?? DEFAULT_COMPRESSION_LEVEL });
  const out = new Uint8Array(header.length + body.length);
  out.set(header, 0);
  out.set(body, header.length);
  return out;
}
