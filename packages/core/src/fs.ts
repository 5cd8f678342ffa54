/**
 * Node-only entry point: local filesystem storage and `file://` virtual chunks. Kept out of the
 * main entry so browser bundles never see `node:fs`.
 *
 * @module @icechunk-ts/core/fs
 */

export { nodeZstdCodec } from "./format/zstd/node-codec.js";
export { type LocalFilesystemStorageOptions, localFilesystemStorage } from "./storage/fs.js";
export { type NodeHttpFetchOptions, nodeHttpFetch } from "./storage/node-http.js";
export { fileVirtualChunkFetcher } from "./virtual/file.js";
