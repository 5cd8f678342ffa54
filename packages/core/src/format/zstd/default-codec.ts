/**
 * @module format/zstd/default-codec
 * The zstd used when the caller injects none, outside Node (`#zstd-default`'s default
 * condition): the pure-TypeScript codec. Two functions, not one object, so a bundle that only
 * reads leaves the encoder out.
 */
export {
  pureZstdCompress as defaultZstdCompress,
  pureZstdDecompress as defaultZstdDecompress,
} from "./codec.js";
