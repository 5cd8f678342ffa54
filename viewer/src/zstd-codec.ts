/**
 * @module viewer/zstd-codec
 * zarrita's `zstd` codec (Zarr's default compressor) on icechunk-ts's own TypeScript zstd decoder
 * instead of numcodecs' WASM build, so the page runs no WASM for the common case. The viewer is a
 * workspace app: it imports the decoder from core's sources (core does not export it).
 */
import * as zarr from "zarrita";
import { zstdDecompress } from "../../packages/core/src/format/zstd/index.js";

type CodecEntry = typeof zarr.registry extends Map<string, () => Promise<infer E>> ? E : never;

const codec = {
  kind: "bytes_to_bytes" as const,
  decode: (bytes: Uint8Array) => zstdDecompress(bytes),
  encode(): Uint8Array {
    throw new Error("the viewer only reads: zstd encoding is not available in the page");
  },
};
const entry = { kind: "bytes_to_bytes" as const, fromConfig: () => codec };

/** Registers the decoder for `zstd` and `numcodecs.zstd` (replacing zarrita's WASM one). */
export function registerZstdCodec(): void {
  for (const name of ["zstd", "numcodecs.zstd"])
    zarr.registry.set(name, async () => entry as unknown as CodecEntry);
}
