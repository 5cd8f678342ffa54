/**
 * @module format/zstd/node-codec
 * Node's built-in zstd (`zlib.zstdDecompressSync` / `zstdCompressSync`, Node ≥ 22.15 and ≥ 23.8)
 * as a {@link ZstdCodec}: libzstd for whole-file frames. Frames that use a dictionary (manifest
 * locations: many tiny frames against one dictionary) stay with the pure-TypeScript codec, which
 * parses the dictionary once — Node would load it into a fresh context for every frame, and
 * releases before 24.6 / 22.19 have no dictionary option at all. Node-only: imported by the
 * `node` condition of `#zstd-default` and by the `./fs` entry, never by the browser build.
 */
import * as zlib from "node:zlib";
import { CompressionError } from "../../errors.js";
import { pureZstdCompress, pureZstdDecompress, type ZstdCodec } from "./codec.js";
import { OutputLimitError } from "./context.js";

interface ZstdOptions {
  maxOutputLength?: number;
  pledgedSrcSize?: number;
  params?: Record<number, number>;
}
interface NodeZstd {
  zstdDecompressSync?: (buf: Uint8Array, options?: ZstdOptions) => Uint8Array;
  zstdCompressSync?: (buf: Uint8Array, options?: ZstdOptions) => Uint8Array;
  constants: Record<string, number>;
}

const asPlain = (b: Uint8Array): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

/**
 * Node's built-in zstd as a codec, or `undefined` when this Node has none.
 * @param module the `node:zlib` module (the default is the one this process loaded).
 */
export function nodeZstdCodec(module: unknown = zlib): ZstdCodec | undefined {
  const z = module as NodeZstd;
  const decompressSync = z.zstdDecompressSync;
  const compressSync = z.zstdCompressSync;
  const levelParam = z.constants?.ZSTD_c_compressionLevel;
  if (typeof decompressSync !== "function" || typeof compressSync !== "function") return undefined;
  if (typeof levelParam !== "number") return undefined;
  return Object.freeze({
    decompress(frame: Uint8Array, options: { maxSize: number; dictionary?: Uint8Array }) {
      if (options.dictionary !== undefined) return pureZstdDecompress(frame, options);
      try {
        return asPlain(decompressSync(frame, { maxOutputLength: Math.max(1, options.maxSize) }));
      } catch (err) {
        if ((err as { code?: string })?.code === "ERR_BUFFER_TOO_LARGE")
          throw new OutputLimitError(options.maxSize, options.maxSize + 1);
        throw new CompressionError(
          `corrupt input (${(err as Error)?.message ?? String(err)}; Node's zstd)`,
          { cause: err },
        );
      }
    },
    compress(bytes: Uint8Array, options: { level: number; dictionary?: Uint8Array }) {
      if (options.dictionary !== undefined) return pureZstdCompress(bytes, options);
      return asPlain(
        compressSync(bytes, {
          params: { [levelParam]: options.level },
          pledgedSrcSize: bytes.length,
        }),
      );
    },
  });
}
