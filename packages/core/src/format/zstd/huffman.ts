/**
 * @module format/zstd/huffman
 * Huffman literal decoding (RFC 8878 §4.2): tree descriptions (direct 4-bit weights or
 * FSE-compressed weights), canonical decoding tables, and single-stream decoding.
 */
import { CompressionError } from "../../errors.js";
import { BackwardBitReader } from "./bits.js";
import { buildFseTable, readNCount } from "./fse.js";

/** Max Huffman code length accepted (zstd's HUF_TABLELOG_MAX). */
export const HUF_MAX_BITS = 12;

/** A decoding table indexed by the next `maxBits` bits of the stream. */
export interface HuffmanTable {
  readonly maxBits: number;
  readonly symbol: Uint8Array;
  readonly nbBits: Uint8Array;
}

/** Reads a Huffman tree description at `src[pos]`; returns the table and bytes consumed. */
export function readHuffmanTable(
  src: Uint8Array,
  pos: number,
  end: number,
): { table: HuffmanTable; size: number } {
  if (pos >= end) throw new CompressionError("truncated Huffman tree description");
  const header = src[pos]!;
  const weights = new Uint8Array(256);
  let n: number;
  let size: number;
  if (header >= 128) {
    n = header - 127;
    const bytes = (n + 1) >> 1;
    size = 1 + bytes;
    if (pos + size > end) throw new CompressionError("truncated Huffman weights");
    for (let i = 0; i < n; i++) {
      const b = src[pos + 1 + (i >> 1)]!;
      weights[i] = i & 1 ? b & 15 : b >> 4;
    }
  } else {
    size = 1 + header;
    if (header === 0 || pos + size > end) throw new CompressionError("truncated Huffman weights");
    n = decodeFseWeights(src, pos + 1, pos + size, weights);
  }
  return { table: buildHuffmanTable(weights, n), size };
}

function decodeFseWeights(src: Uint8Array, start: number, end: number, out: Uint8Array): number {
  const nc = readNCount(src, start, end, 15, 6);
  const t = buildFseTable(nc.counts, nc.maxSymbol, nc.log);
  const br = new BackwardBitReader(src, start + nc.size, end);
  let s1 = br.read(t.log);
  let s2 = br.read(t.log);
  let n = 0;
  const { symbol, nbBits, base } = t;
  for (;;) {
    if (n >= 255) throw new CompressionError("too many Huffman weights");
    out[n++] = symbol[s1]!;
    s1 = base[s1]! + br.read(nbBits[s1]!);
    if (br.bitPos < 0) {
      out[n++] = symbol[s2]!;
      break;
    }
    if (n >= 255) throw new CompressionError("too many Huffman weights");
    out[n++] = symbol[s2]!;
    s2 = base[s2]! + br.read(nbBits[s2]!);
    if (br.bitPos < 0) {
      out[n++] = symbol[s1]!;
      break;
    }
  }
  return n;
}

/** Builds the canonical decoding table from `n` explicit weights (the last weight is implied). */
export function buildHuffmanTable(weights: Uint8Array, n: number): HuffmanTable {
  if (n + 1 > 256) throw new CompressionError("too many Huffman symbols");
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const w = weights[i]!;
    if (w > HUF_MAX_BITS) throw new CompressionError(`Huffman weight ${w} too large`);
    if (w > 0) sum += 1 << (w - 1);
  }
  if (sum === 0) throw new CompressionError("Huffman tree has no symbols");
  const maxBits = 32 - Math.clz32(sum);
  if (maxBits > HUF_MAX_BITS) throw new CompressionError("Huffman tree too deep");
  const rest = (1 << maxBits) - sum;
  if ((rest & (rest - 1)) !== 0) throw new CompressionError("Huffman tree is incomplete");
  weights[n] = 32 - Math.clz32(rest);
  const count = n + 1;
  const rankStart = new Uint32Array(HUF_MAX_BITS + 2);
  for (let i = 0; i < count; i++) {
    const w = weights[i]!;
    if (w > 0) rankStart[w + 1]! += 1 << (w - 1);
  }
  for (let w = 1; w <= HUF_MAX_BITS + 1; w++) rankStart[w]! += rankStart[w - 1]!;
  const tsize = 1 << maxBits;
  const symbol = new Uint8Array(tsize);
  const nbBits = new Uint8Array(tsize);
  for (let s = 0; s < count; s++) {
    const w = weights[s]!;
    if (w === 0) continue;
    const len = 1 << (w - 1);
    const start = rankStart[w]!;
    rankStart[w] = start + len;
    symbol.fill(s, start, start + len);
    nbBits.fill(maxBits + 1 - w, start, start + len);
  }
  return { maxBits, symbol, nbBits };
}

/** Decodes one Huffman stream `src[start, end)` into `out[outPos, outEnd)`; must consume it exactly. */
export function decodeHuffmanStream(
  src: Uint8Array,
  start: number,
  end: number,
  table: HuffmanTable,
  out: Uint8Array,
  outPos: number,
  outEnd: number,
): void {
  if (end <= start) throw new CompressionError("empty Huffman stream");
  const last = src[end - 1]!;
  if (last === 0) throw new CompressionError("Huffman stream lacks its end marker");
  let bitPos = (end - start - 1) * 8 + (31 - Math.clz32(last));
  const mb = table.maxBits;
  const mask = (1 << mb) - 1;
  const sym = table.symbol;
  const nb = table.nbBits;
  let o = outPos;
  // fast path: at least 3 bytes remain below the read position
  const fastEnd = outEnd;
  while (o < fastEnd && bitPos >= mb) {
    const p = bitPos - mb;
    const i = start + (p >>> 3);
    const v = ((src[i]! | (src[i + 1]! << 8) | (src[i + 2]! << 16)) >>> (p & 7)) & mask;
    out[o++] = sym[v]!;
    bitPos -= nb[v]!;
  }
  while (o < outEnd) {
    if (bitPos <= 0) throw new CompressionError("Huffman stream is too short");
    const p = bitPos - mb;
    let v: number;
    if (p >= 0) {
      const i = start + (p >>> 3);
      v = ((src[i]! | (src[i + 1]! << 8) | (src[i + 2]! << 16)) >>> (p & 7)) & mask;
    } else {
      v = ((src[start]! | (src[start + 1]! << 8)) & ((1 << bitPos) - 1)) << -p;
    }
    out[o++] = sym[v]!;
    bitPos -= nb[v]!;
  }
  if (bitPos !== 0) throw new CompressionError("Huffman stream not fully consumed");
}
