/**
 * @module format/zstd/codec
 * The one seam between the format code and a zstd implementation: {@link ZstdCodec}. The format
 * code checks size limits around every call (frame headers before, output length after), so any
 * codec a caller injects (Node's built-in zstd, a WASM build, this package's own) stays bounded.
 */

import { zstdCompress } from "./compress.js";
import { zstdDecompress } from "./decompress.js";
import { RawDictionaryCompressor } from "./dict-compress.js";
import { parseZstdDictionary, type ZstdDictionary } from "./dictionary.js";

/** Options of {@link ZstdCodec.decompress}. */
export interface ZstdCodecDecompressOptions {
  /** Produce at most this many bytes; a codec throws (any error) rather than exceed it. */
  maxSize: number;
  /**
   * Dictionary bytes (formatted, or raw content). The same `Uint8Array` is passed for every frame
   * of one manifest, so a codec may cache what it derives from it by identity.
   */
  dictionary?: Uint8Array;
}

/** Options of {@link ZstdCodec.compress}. */
export interface ZstdCodecCompressOptions {
  /** zstd level (the repository's `compression.level`, default 3). */
  level: number;
  /** Raw-content dictionary (manifest location compression); same identity caveat as above. */
  dictionary?: Uint8Array;
}

/**
 * A zstd implementation. Frames it writes must be readable by any zstd decoder (the official
 * Icechunk reads them with libzstd); it needs to read every frame kind libzstd writes.
 */
export interface ZstdCodec {
  /** Decompresses one or more concatenated frames. */
  decompress(frame: Uint8Array, options: ZstdCodecDecompressOptions): Uint8Array;
  /** Compresses `bytes` into one frame. */
  compress(bytes: Uint8Array, options: ZstdCodecCompressOptions): Uint8Array;
}

const parsedDictionaries = new WeakMap<Uint8Array, ZstdDictionary>();
const dictionaryCompressors = new WeakMap<Uint8Array, RawDictionaryCompressor>();

/** The pure-TypeScript decoder behind the {@link ZstdCodec} signature (dictionaries parsed once). */
export function pureZstdDecompress(
  frame: Uint8Array,
  { maxSize, dictionary }: ZstdCodecDecompressOptions,
): Uint8Array {
  let parsed: ZstdDictionary | undefined;
  if (dictionary !== undefined) {
    parsed = parsedDictionaries.get(dictionary);
    if (parsed === undefined) {
      parsed = parseZstdDictionary(dictionary);
      parsedDictionaries.set(dictionary, parsed);
    }
  }
  return zstdDecompress(
    frame,
    parsed ? { maxOutputSize: maxSize, dictionary: parsed } : { maxOutputSize: maxSize },
  );
}

/**
 * The pure-TypeScript encoder behind the {@link ZstdCodec} signature; with a dictionary (raw
 * content only) each input becomes one frame whose matches may reach into it.
 */
export function pureZstdCompress(
  bytes: Uint8Array,
  { level, dictionary }: ZstdCodecCompressOptions,
): Uint8Array {
  if (dictionary === undefined) return zstdCompress(bytes, { level });
  let compressor = dictionaryCompressors.get(dictionary);
  if (compressor === undefined) {
    compressor = new RawDictionaryCompressor(dictionary);
    dictionaryCompressors.set(dictionary, compressor);
  }
  return compressor.compress(bytes);
}

/** This package's own zstd (browsers, Node without built-in zstd). */
export const pureZstdCodec: ZstdCodec = /* @__PURE__ */ Object.freeze({
  decompress: pureZstdDecompress,
  compress: pureZstdCompress,
});
