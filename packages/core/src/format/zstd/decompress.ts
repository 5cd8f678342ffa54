/**
 * @module format/zstd/decompress
 * zstd frame decoding (RFC 8878 §3.1): concatenated and skippable frames, frame headers
 * (window, dictionary id, content size, single segment, checksum flag), raw / RLE / compressed
 * blocks. Output is bounded by `maxOutputSize`; every malformed input raises CompressionError.
 */
import { CompressionError } from "../../errors.js";
import type { FrameContext } from "./context.js";
import { BLOCK_MAX, OutputBuffer, OutputLimitError } from "./context.js";

export { OutputLimitError } from "./context.js";

import type { ZstdDictionary } from "./dictionary.js";
import { ParsedDictionary } from "./dictionary.js";
import { decodeLiterals } from "./literals.js";
import { decodeSequences } from "./sequences.js";
import { xxh64Low32 } from "./xxhash64.js";

/** Default cap on decompressed output (1 GiB). */
export const DEFAULT_MAX_OUTPUT = 1 << 30;
/** zstd frame magic number. */
export const FRAME_MAGIC = 0xfd2fb528;
const MAX_WINDOW_LOG = 31;

/** Options for {@link zstdDecompress}. */
export interface ZstdDecompressOptions {
  /** Dictionary for frames compressed with one (required when a frame names a dictionary id). */
  dictionary?: ZstdDictionary;
  /** Refuse to produce more than this many bytes (default 1 GiB). */
  maxOutputSize?: number;
}

const EMPTY = new Uint8Array(0);

/**
 * Decompresses one or more concatenated zstd frames (skippable frames are ignored).
 * @throws CompressionError on malformed input, a missing/mismatched dictionary, or too much output.
 */
export function zstdDecompress(src: Uint8Array, options?: ZstdDecompressOptions): Uint8Array {
  if (!(src instanceof Uint8Array)) throw new CompressionError("input must be a Uint8Array");
  const cap = options?.maxOutputSize ?? DEFAULT_MAX_OUTPUT;
  if (!(cap >= 0) || !Number.isSafeInteger(cap)) {
    throw new CompressionError("maxOutputSize must be a non-negative integer");
  }
  const d = options?.dictionary;
  if (d !== undefined && !(d instanceof ParsedDictionary)) {
    throw new CompressionError("dictionary must come from parseZstdDictionary");
  }
  if (src.length === 0) throw new CompressionError("input is empty, expected a zstd frame");
  try {
    return decompressFrames(src, cap, d ?? null);
  } catch (err) {
    if (err instanceof CompressionError) throw err;
    // defensive: an internal failure on hostile input must still surface as a typed error
    throw new CompressionError(`corrupt input (${(err as Error)?.message ?? String(err)})`, {
      cause: err,
    });
  }
}

function u32(src: Uint8Array, p: number): number {
  return (src[p]! | (src[p + 1]! << 8) | (src[p + 2]! << 16) | (src[p + 3]! << 24)) >>> 0;
}

let sharedLitScratch: Uint8Array | undefined;

function decompressFrames(src: Uint8Array, cap: number, dict: ParsedDictionary | null): Uint8Array {
  const out = new OutputBuffer(Math.min(cap, Math.max(src.length * 4, 1 << 16)), cap);
  let first = true;
  // decoding is synchronous and never re-entered: one literals buffer serves every call
  sharedLitScratch ??= new Uint8Array(BLOCK_MAX + 64);
  const litScratch = sharedLitScratch;
  let pos = 0;
  while (pos < src.length) {
    if (pos + 4 > src.length) throw new CompressionError("truncated frame magic");
    const magic = u32(src, pos);
    if (magic >>> 4 === 0x184d2a5) {
      if (pos + 8 > src.length) throw new CompressionError("truncated skippable frame");
      const size = u32(src, pos + 4);
      if (pos + 8 + size > src.length) throw new CompressionError("truncated skippable frame");
      pos += 8 + size;
      continue;
    }
    if (magic !== FRAME_MAGIC) {
      throw new CompressionError(`unknown frame magic 0x${magic.toString(16)} at byte ${pos}`);
    }
    pos = decodeFrame(src, pos + 4, out, dict, litScratch, first);
    first = false;
  }
  return out.result();
}

/**
 * What the block headers starting at `pos` say about the frame's content: `exact` sums the raw and
 * RLE blocks (compressed blocks count 0); `bound` adds at most `blockMax` per compressed block, or
 * is -1 when the headers run past the input (the decoder then reports the truncation).
 */
function contentBound(
  src: Uint8Array,
  pos: number,
  blockMax: number,
): { exact: number; bound: number; end: number } {
  let exact = 0;
  let compressed = 0;
  for (;;) {
    if (pos + 3 > src.length) return { exact, bound: -1, end: -1 };
    const bh = src[pos]! | (src[pos + 1]! << 8) | (src[pos + 2]! << 16);
    const type = (bh >> 1) & 3;
    const size = bh >>> 3;
    if (type === 0 || type === 1) exact += size;
    else if (type === 2) compressed++;
    else return { exact, bound: -1, end: -1 };
    pos += type === 1 ? 4 : 3 + size;
    if (bh & 1) return { exact, bound: exact + compressed * blockMax, end: pos };
  }
}

/**
 * Refuses, before any decoding, input whose frames declare (content size) or hold in raw and RLE
 * blocks more than `cap` bytes in total: the check any {@link ZstdCodec} gets ahead of its own
 * decoder. Reads only frame and block headers; malformed structure is left to the decoder.
 * @throws {OutputLimitError} when the headers alone exceed `cap`.
 */
export function checkFrameBounds(src: Uint8Array, cap: number): void {
  let total = 0;
  let pos = 0;
  while (pos + 4 <= src.length) {
    const magic = u32(src, pos);
    if (magic >>> 4 === 0x184d2a5) {
      if (pos + 8 > src.length) return;
      pos += 8 + u32(src, pos + 4);
      continue;
    }
    if (magic !== FRAME_MAGIC) return;
    const h = frameHeader(src, pos + 4);
    if (h === null) return;
    const { fhd, fcs } = h;
    const { exact, end } = contentBound(src, h.blocks, BLOCK_MAX);
    total += Math.max(fcs, exact);
    if (total > cap) throw new OutputLimitError(cap, total);
    if (end < 0) return;
    pos = end + ((fhd >> 2) & 1 ? 4 : 0);
  }
}

/**
 * The frame header at `pos` (just past the magic): descriptor byte, window descriptor byte (-1 for
 * single-segment frames), dictionary id, declared content size (-1 when absent), and where the
 * first block header starts; null when the input ends inside it.
 */
function frameHeader(
  src: Uint8Array,
  pos: number,
): { fhd: number; windowByte: number; dictId: number; fcs: number; blocks: number } | null {
  if (pos >= src.length) return null;
  const fhd = src[pos++]!;
  const fcsFlag = fhd >> 6;
  const single = (fhd >> 5) & 1;
  const didSize = [0, 1, 2, 4][fhd & 3]!;
  const fcsSize = fcsFlag === 0 ? single : 1 << fcsFlag;
  if (pos + (single ? 0 : 1) + didSize + fcsSize > src.length) return null;
  const windowByte = single ? -1 : src[pos++]!;
  let dictId = 0;
  for (let i = 0; i < didSize; i++) dictId += src[pos + i]! * 2 ** (8 * i);
  pos += didSize;
  let fcs = -1;
  if (fcsSize === 1) fcs = src[pos]!;
  else if (fcsSize === 2) fcs = (src[pos]! | (src[pos + 1]! << 8)) + 256;
  else if (fcsSize === 4) fcs = u32(src, pos);
  else if (fcsSize === 8) fcs = u32(src, pos) + u32(src, pos + 4) * 2 ** 32;
  return { fhd, windowByte, dictId, fcs, blocks: pos + fcsSize };
}

function decodeFrame(
  src: Uint8Array,
  pos: number,
  out: OutputBuffer,
  dict: ParsedDictionary | null,
  litScratch: Uint8Array,
  first: boolean,
): number {
  const len = src.length;
  const h = frameHeader(src, pos);
  if (h === null) throw new CompressionError("truncated frame header");
  const { fhd, fcs, dictId } = h;
  pos = h.blocks;
  if (fhd & 8) throw new CompressionError("reserved bit set in frame header");
  const hasChecksum = (fhd >> 2) & 1;
  let windowSize = fcs;
  if (h.windowByte >= 0) {
    const wd = h.windowByte;
    const wlog = 10 + (wd >> 3);
    if (wlog > MAX_WINDOW_LOG) {
      throw new CompressionError(`window log ${wlog} exceeds the maximum ${MAX_WINDOW_LOG}`);
    }
    const wbase = 2 ** wlog;
    windowSize = wbase + (wbase / 8) * (wd & 7);
  }
  if (fcs > out.cap - out.len) throw new OutputLimitError(out.cap, fcs);
  if (dictId !== 0) {
    if (dict === null) {
      throw new CompressionError(
        `frame was compressed with dictionary ${dictId}; pass it as options.dictionary`,
      );
    }
    if (dict.id !== 0 && dict.id !== dictId) {
      throw new CompressionError(
        `frame needs dictionary ${dictId} but dictionary ${dict.id} was given`,
      );
    }
  }
  const blockMax = Math.min(windowSize, BLOCK_MAX);
  // Before allocating anything: the block headers bound what this frame can produce (raw and RLE
  // blocks exactly). A frame whose raw/RLE blocks alone exceed the cap (a decompression bomb) or
  // whose declared size its blocks cannot reach fails here, in time linear in the input only.
  const { exact, bound } = contentBound(src, pos, blockMax);
  if (exact > out.cap - out.len) throw new OutputLimitError(out.cap, out.len + exact);
  if (fcs >= 0 && bound >= 0 && fcs > bound)
    throw new CompressionError(`frame declares ${fcs} bytes but its blocks hold at most ${bound}`);
  if (fcs >= 0) {
    // The first frame's declared size is the exact output size of the usual single-frame input.
    if (first && out.len === 0 && out.buf.length !== fcs) out.buf = new Uint8Array(fcs);
    else out.reserve(fcs);
  } else if (first && out.len === 0) {
    // No declared size (streaming writers such as Rust's): bound it from the block headers so the
    // output is allocated once instead of doubling and copying.
    // The bound is trusted only up to 32× the input (a hostile stream of empty block headers
    // must not buy a large allocation); beyond that the buffer grows with the real output.
    if (bound >= 0 && bound <= out.cap && bound <= Math.max(src.length * 32, 1 << 20))
      out.buf = new Uint8Array(bound);
  }
  const frameStart = out.len;
  const ctx: FrameContext = {
    huf: dict?.huf ?? null,
    ll: dict?.ll ?? null,
    of: dict?.of ?? null,
    ml: dict?.ml ?? null,
    rep: dict ? [dict.rep[0], dict.rep[1], dict.rep[2]] : [1, 4, 8],
    frameStart,
    dictContent: dict?.content ?? EMPTY,
    litScratch,
  };
  for (;;) {
    if (pos + 3 > len) throw new CompressionError("truncated block header");
    const bh = src[pos]! | (src[pos + 1]! << 8) | (src[pos + 2]! << 16);
    pos += 3;
    const last = bh & 1;
    const type = (bh >> 1) & 3;
    const size = bh >>> 3;
    if (size > blockMax)
      throw new CompressionError(`block of ${size} bytes exceeds the block size limit`);
    if (type === 0) {
      if (pos + size > len) throw new CompressionError("truncated raw block");
      out.reserve(size);
      out.buf.set(src.subarray(pos, pos + size), out.len);
      out.len += size;
      pos += size;
    } else if (type === 1) {
      if (pos + 1 > len) throw new CompressionError("truncated RLE block");
      out.reserve(size);
      out.buf.fill(src[pos]!, out.len, out.len + size);
      out.len += size;
      pos += 1;
    } else if (type === 2) {
      const end = pos + size;
      if (end > len) throw new CompressionError("truncated compressed block");
      const lit = decodeLiterals(src, pos, end, ctx);
      // A frame that declares its size may not outgrow it (and the output never reserves past it).
      let limit = Math.min(blockMax, out.cap - out.len);
      if (fcs >= 0) limit = Math.min(limit, frameStart + fcs - out.len);
      const capBinds = out.cap - out.len < blockMax && (fcs < 0 || out.cap < frameStart + fcs);
      try {
        decodeSequences(src, lit.next, end, ctx, lit, out, limit);
      } catch (err) {
        // the block may be fine and only the output cap too small for it
        if (
          capBinds &&
          err instanceof CompressionError &&
          /exceeds its size limit/.test(err.message)
        )
          throw new OutputLimitError(out.cap, out.cap + 1);
        throw err;
      }
      pos = end;
    } else {
      throw new CompressionError("reserved block type");
    }
    if (last) break;
  }
  if (fcs >= 0 && out.len - frameStart !== fcs) {
    throw new CompressionError(
      `frame content size mismatch: header says ${fcs}, decoded ${out.len - frameStart}`,
    );
  }
  if (hasChecksum) {
    if (pos + 4 > len) throw new CompressionError("truncated frame checksum");
    const expected = u32(src, pos);
    const actual = xxh64Low32(out.buf, frameStart, out.len);
    if (expected !== actual)
      throw new CompressionError("frame checksum mismatch (data is corrupt)");
    pos += 4;
  }
  return pos;
}
