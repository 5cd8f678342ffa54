/**
 * @module format/zstd
 * Pure-TypeScript zstd (RFC 8878): a complete decoder with dictionary support and a
 * compressor (LZ77 hash-chain match finder, Huffman literals, FSE sequences).
 */

export type { ZstdCompressOptions } from "./compress.js";
export { zstdCompress } from "./compress.js";
export type { ZstdDecompressOptions } from "./decompress.js";
export { zstdDecompress } from "./decompress.js";
export type { ZstdDictionary } from "./dictionary.js";
export { parseZstdDictionary } from "./dictionary.js";
