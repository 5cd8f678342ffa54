/**
 * @module format/zstd/literals
 * Decoding of a compressed block's Literals_Section (RFC 8878 §3.1.1.3.1): raw, RLE,
 * Huffman-compressed (with a new tree) and treeless (reusing the previous tree), 1 or 4 streams.
 */
import { CompressionError } from "../../errors.js";
import type { FrameContext } from "./context.js";
import { BLOCK_MAX } from "./context.js";
import { decodeHuffmanStream, readHuffmanTable } from "./huffman.js";

/** Where the literals of a block live after decoding. */
export interface Literals {
  buf: Uint8Array;
  start: number;
  len: number;
  /** Position in the source just after the literals section. */
  next: number;
}

/** Decodes the literals section starting at `src[pos]`, within a block ending at `end`. */
export function decodeLiterals(
  src: Uint8Array,
  pos: number,
  end: number,
  ctx: FrameContext,
): Literals {
  if (pos >= end) throw new CompressionError("truncated literals section");
  const b0 = src[pos]!;
  const type = b0 & 3;
  const sf = (b0 >> 2) & 3;
  if (type < 2) {
    let regen: number;
    let hsize: number;
    if ((sf & 1) === 0) {
      regen = b0 >> 3;
      hsize = 1;
    } else if (sf === 1) {
      if (pos + 2 > end) throw new CompressionError("truncated literals header");
      regen = (b0 >> 4) + (src[pos + 1]! << 4);
      hsize = 2;
    } else {
      if (pos + 3 > end) throw new CompressionError("truncated literals header");
      regen = (b0 >> 4) + (src[pos + 1]! << 4) + (src[pos + 2]! << 12);
      hsize = 3;
    }
    if (regen > BLOCK_MAX) throw new CompressionError("literals section too large");
    const p = pos + hsize;
    if (type === 0) {
      if (p + regen > end) throw new CompressionError("truncated raw literals");
      return { buf: src, start: p, len: regen, next: p + regen };
    }
    if (p + 1 > end) throw new CompressionError("truncated RLE literals");
    ctx.litScratch.fill(src[p]!, 0, regen);
    return { buf: ctx.litScratch, start: 0, len: regen, next: p + 1 };
  }
  // Huffman-compressed literals
  let regen: number;
  let csize: number;
  let hsize: number;
  let streams = 4;
  if (sf < 2) {
    if (pos + 3 > end) throw new CompressionError("truncated literals header");
    const c = b0 | (src[pos + 1]! << 8) | (src[pos + 2]! << 16);
    regen = (c >>> 4) & 0x3ff;
    csize = (c >>> 14) & 0x3ff;
    hsize = 3;
    if (sf === 0) streams = 1;
  } else if (sf === 2) {
    if (pos + 4 > end) throw new CompressionError("truncated literals header");
    const c = (b0 | (src[pos + 1]! << 8) | (src[pos + 2]! << 16) | (src[pos + 3]! << 24)) >>> 0;
    regen = (c >>> 4) & 0x3fff;
    csize = (c >>> 18) & 0x3fff;
    hsize = 4;
  } else {
    if (pos + 5 > end) throw new CompressionError("truncated literals header");
    const c = (b0 | (src[pos + 1]! << 8) | (src[pos + 2]! << 16) | (src[pos + 3]! << 24)) >>> 0;
    regen = (c >>> 4) & 0x3ffff;
    csize = (c >>> 22) + (src[pos + 4]! << 10);
    hsize = 5;
  }
  if (regen > BLOCK_MAX) throw new CompressionError("literals section too large");
  let p = pos + hsize;
  const cend = p + csize;
  if (cend > end) throw new CompressionError("truncated compressed literals");
  if (type === 2) {
    const { table, size } = readHuffmanTable(src, p, cend);
    ctx.huf = table;
    p += size;
  } else if (ctx.huf === null) {
    throw new CompressionError("treeless literals without a previous Huffman table");
  }
  const table = ctx.huf!;
  const out = ctx.litScratch;
  if (streams === 1) {
    decodeHuffmanStream(src, p, cend, table, out, 0, regen);
  } else {
    if (p + 6 > cend) throw new CompressionError("truncated literals jump table");
    const s1 = src[p]! | (src[p + 1]! << 8);
    const s2 = src[p + 2]! | (src[p + 3]! << 8);
    const s3 = src[p + 4]! | (src[p + 5]! << 8);
    p += 6;
    const seg = (regen + 3) >> 2;
    if (seg * 3 > regen) throw new CompressionError("literals too short for 4 streams");
    const e1 = p + s1;
    const e2 = e1 + s2;
    const e3 = e2 + s3;
    if (e3 > cend) throw new CompressionError("literals jump table out of range");
    decodeHuffmanStream(src, p, e1, table, out, 0, seg);
    decodeHuffmanStream(src, e1, e2, table, out, seg, 2 * seg);
    decodeHuffmanStream(src, e2, e3, table, out, 2 * seg, 3 * seg);
    decodeHuffmanStream(src, e3, cend, table, out, 3 * seg, regen);
  }
  return { buf: out, start: 0, len: regen, next: cend };
}
