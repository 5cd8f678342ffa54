/**
 * @module format/header
 * The 39-byte header in front of every metadata file (icechunk-format.md §1.1, layout table in
 * `constants.ts`). `parseHeader` applies the checks of the Rust reader (§1.2).
 */

import { CorruptObjectError, UnsupportedSpecVersionError } from "../errors.js";
import {
  COMPRESSION_OFFSET,
  FILE_TYPE_NAMES,
  FILE_TYPE_OFFSET,
  type FileType,
  HEADER_LENGTH,
  IMPLEMENTATION_NAME,
  IMPLEMENTATION_NAME_LENGTH,
  IMPLEMENTATION_NAME_OFFSET,
  MAGIC_BYTES,
  SPEC_VERSION_OFFSET,
  type SpecVersion,
} from "./constants.js";

/** Decoded header fields. */
export interface FileHeader {
  readonly specVersion: SpecVersion;
  readonly fileType: FileType;
  /** Compression byte (0 none, 1 zstd); values other than 0/1 are rejected by `parseHeader`. */
  readonly compression: number;
  /** Implementation name with trailing spaces and NULs trimmed, e.g. `ic-2.1.2`. */
  readonly implementation: string;
}

/** Options of {@link parseHeader}. */
export interface ParseHeaderOptions {
  /** Object key, for error messages. */
  path?: string;
}

/**
 * Parses and validates the header at the start of `bytes`.
 * @throws {CorruptObjectError} when the buffer is short, the magic is wrong, or the file type or
 *   compression byte is unknown.
 * @throws {UnsupportedSpecVersionError} when the spec byte is not 1 or 2.
 */
export function parseHeader(bytes: Uint8Array, options: ParseHeaderOptions = {}): FileHeader {
  const { path } = options;
  if (bytes.length < HEADER_LENGTH) {
    throw new CorruptObjectError(
      "Icechunk file",
      `it has ${bytes.length} bytes, shorter than the ${HEADER_LENGTH}-byte header`,
      { path },
    );
  }
  for (let i = 0; i < MAGIC_BYTES.length; i++) {
    if (bytes[i] !== MAGIC_BYTES[i]) {
      throw new CorruptObjectError("Icechunk file", "the magic bytes 'ICE🧊CHUNK' are missing", {
        path,
      });
    }
  }
  const specVersion = bytes[SPEC_VERSION_OFFSET];
  if (specVersion !== 1 && specVersion !== 2)
    throw new UnsupportedSpecVersionError(specVersion, path);
  const fileType = bytes[FILE_TYPE_OFFSET];
  if (!(fileType in FILE_TYPE_NAMES)) {
    throw new CorruptObjectError("Icechunk file", `unknown file type byte ${fileType}`, { path });
  }
  const compression = bytes[COMPRESSION_OFFSET];
  if (compression > 1) {
    throw new CorruptObjectError("Icechunk file", `unknown compression byte ${compression}`, {
      path,
    });
  }
  const name = new TextDecoder().decode(
    bytes.subarray(
      IMPLEMENTATION_NAME_OFFSET,
      IMPLEMENTATION_NAME_OFFSET + IMPLEMENTATION_NAME_LENGTH,
    ),
  );
  return {
    specVersion,
    fileType: fileType as FileType,
    compression,
    implementation: name.replace(/[ \0]+$/, ""),
  };
}

/** Fields of {@link writeHeader}. */
export interface WriteHeaderOptions {
  specVersion: SpecVersion;
  fileType: FileType;
  /** Default 1 (zstd): Rust cannot read anything else. */
  compression?: number;
  /** Default {@link IMPLEMENTATION_NAME} (`icts-<version>`); truncated to 24 UTF-8 bytes and padded with spaces. */
  implementation?: string;
}

/** Builds the 39-byte header. */
export function writeHeader(options: WriteHeaderOptions): Uint8Array {
  const out = new Uint8Array(HEADER_LENGTH);
  out.set(MAGIC_BYTES, 0);
  const name = new TextEncoder().encode(options.implementation ?? IMPLEMENTATION_NAME);
  out.fill(0x20, IMPLEMENTATION_NAME_OFFSET, SPEC_VERSION_OFFSET);
  out.set(name.subarray(0, IMPLEMENTATION_NAME_LENGTH), IMPLEMENTATION_NAME_OFFSET);
  out[SPEC_VERSION_OFFSET] = options.specVersion;
  out[FILE_TYPE_OFFSET] = options.fileType;
  out[COMPRESSION_OFFSET] = options.compression ?? 1;
  return out;
}
