/**
 * @module format/constants
 * Format constants shared by every binary codec: file types, spec versions, the 39-byte header
 * layout (icechunk-format.md §1.1) and the object paths of a repository (§4.1).
 *
 * | offset | len | field               |
 * |--------|-----|---------------------|
 * | 0      | 12  | magic `ICE🧊CHUNK`  |
 * | 12     | 24  | implementation name |
 * | 36     | 1   | spec version        |
 * | 37     | 1   | file type           |
 * | 38     | 1   | compression         |
 */

import { VERSION } from "../version.js";
import type { SnapshotId } from "./ids.js";

/** File type byte of the header (§1.1). */
export const FileType = {
  Snapshot: 1,
  Manifest: 2,
  Attributes: 3,
  TransactionLog: 4,
  Chunk: 5,
  RepoInfo: 6,
} as const;
/** One of the {@link FileType} values. */
export type FileType = (typeof FileType)[keyof typeof FileType];

/** Human-readable names of the file types, used in error messages. */
export const FILE_TYPE_NAMES: Readonly<Record<FileType, string>> = {
  1: "snapshot",
  2: "manifest",
  3: "attributes",
  4: "transaction log",
  5: "chunk",
  6: "repo info",
};

/** Spec versions this library reads and writes (the header byte; spec 2.1 is written as 2). */
export const SpecVersion = { V1: 1, V2: 2 } as const;
/** One of the {@link SpecVersion} values. */
export type SpecVersion = (typeof SpecVersion)[keyof typeof SpecVersion];
/** Newest spec version understood. */
export const LATEST_SPEC_VERSION: SpecVersion = SpecVersion.V2;

/** Compression byte of the header. Rust only reads zstd. */
export const CompressionAlgorithm = { None: 0, Zstd: 1 } as const;
/** One of the {@link CompressionAlgorithm} values. */
export type CompressionAlgorithm = (typeof CompressionAlgorithm)[keyof typeof CompressionAlgorithm];

/** UTF-8 of `ICE🧊CHUNK`. */
export const MAGIC_BYTES: Uint8Array = new TextEncoder().encode("ICE🧊CHUNK");
/** Length of the implementation-name field (space-padded). */
export const IMPLEMENTATION_NAME_LENGTH = 24;
/** Offset of the implementation name. */
export const IMPLEMENTATION_NAME_OFFSET = MAGIC_BYTES.length;
/** Offset of the spec-version byte. */
export const SPEC_VERSION_OFFSET = IMPLEMENTATION_NAME_OFFSET + IMPLEMENTATION_NAME_LENGTH;
/** Offset of the file-type byte. */
export const FILE_TYPE_OFFSET = SPEC_VERSION_OFFSET + 1;
/** Offset of the compression byte. */
export const COMPRESSION_OFFSET = FILE_TYPE_OFFSET + 1;
/** Total header length (39). */
export const HEADER_LENGTH = COMPRESSION_OFFSET + 1;

/** Implementation name written by this library: `icts-` and the package version. */
export const IMPLEMENTATION_NAME = `icts-${VERSION}`;
/** Flatbuffers file identifier of every root table (§1.4). */
export const FLATBUFFER_IDENTIFIER = "Ichk";
/** Default zstd level for metadata files (`CompressionConfig::level`). */
export const DEFAULT_COMPRESSION_LEVEL = 3;

/** Object-path prefixes and fixed object names (§4.1). */
export const SNAPSHOTS_PREFIX = "snapshots/";
export const MANIFESTS_PREFIX = "manifests/";
export const TRANSACTIONS_PREFIX = "transactions/";
export const CHUNKS_PREFIX = "chunks/";
export const OVERWRITTEN_PREFIX = "overwritten/";
export const REFS_PREFIX = "refs/";
/** Key of the V2 repo info object. */
export const REPO_INFO_PATH = "repo";
/** Key of the V1 persisted config. */
export const CONFIG_PATH = "config.yaml";

/** Id of the initial snapshot written by current libraries (§3). Older V1 repos use a random id. */
export const INITIAL_SNAPSHOT_ID = "1CECHNKREP0F1RSTCMT0" as SnapshotId;
/** Message of the initial snapshot. */
export const INITIAL_SNAPSHOT_MESSAGE = "Repository initialized";

/** Byte length of snapshot, manifest and chunk ids. */
export const OBJECT_ID_LENGTH = 12;
/** Byte length of node ids. */
export const NODE_ID_LENGTH = 8;
