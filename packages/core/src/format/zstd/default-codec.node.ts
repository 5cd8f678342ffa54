/**
 * @module format/zstd/default-codec.node
 * The zstd used when the caller injects none, in Node (`#zstd-default`'s `node` condition): Node's
 * built-in zstd where this Node has it (≥ 22.15 / 23.8), else the pure-TypeScript codec.
 */
import { pureZstdCompress, pureZstdDecompress, type ZstdCodec } from "./codec.js";
import { nodeZstdCodec } from "./node-codec.js";

const builtin: ZstdCodec | undefined = nodeZstdCodec();

/** Decompression with the default codec. */
export const defaultZstdDecompress: ZstdCodec["decompress"] = builtin
  ? (frame, options) => builtin.decompress(frame, options)
  : pureZstdDecompress;

/** Compression with the default codec. */
export const defaultZstdCompress: ZstdCodec["compress"] = builtin
  ? (bytes, options) => builtin.compress(bytes, options)
  : pureZstdCompress;
