/**
 * @module format/zstd/sequences
 * Sequences_Section decoding and execution (RFC 8878 §3.1.1.3.2 and §3.1.1.4): table modes
 * (predefined / RLE / FSE-compressed / repeat), the interleaved FSE bitstream, repeat offsets,
 * and copying literals + matches into the output (matches may reach into the dictionary).
 */
import { CompressionError } from "../../errors.js";
import { BackwardBitReader } from "./bits.js";
import type { FrameContext, OutputBuffer } from "./context.js";
import type { FseTable } from "./fse.js";
import {
  buildFseTable,
  LL_PREDEFINED,
  ML_PREDEFINED,
  OF_PREDEFINED,
  readNCount,
  rleFseTable,
} from "./fse.js";
import type { Literals } from "./literals.js";

/** Literal-length code baselines and extra bits. */
export const LL_BASE = Uint32Array.from([
  0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 18, 20, 22, 24, 28, 32, 40, 48, 64, 128,
  256, 512, 1024, 2048, 4096, 8192, 16384, 32768, 65536,
]);
export const LL_BITS = Uint8Array.from([
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 3, 3, 4, 6, 7, 8, 9, 10, 11, 12,
  13, 14, 15, 16,
]);
/** Match-length code baselines and extra bits. */
export const ML_BASE = Uint32Array.from([
  3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28,
  29, 30, 31, 32, 33, 34, 35, 37, 39, 41, 43, 47, 51, 59, 67, 83, 99, 131, 259, 515, 1027, 2051,
  4099, 8195, 16387, 32771, 65539,
]);
export const ML_BITS = Uint8Array.from([
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
  1, 1, 1, 2, 2, 3, 3, 4, 4, 5, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
]);

function selectTable(
  mode: number,
  src: Uint8Array,
  pos: number,
  end: number,
  prev: FseTable | null,
  predefined: FseTable,
  maxSymbol: number,
  maxLog: number,
): [FseTable, number] {
  switch (mode) {
    case 0:
      return [predefined, pos];
    case 1: {
      if (pos >= end) throw new CompressionError("truncated RLE sequence table");
      const s = src[pos]!;
      if (s > maxSymbol) throw new CompressionError("RLE sequence symbol out of range");
      return [rleFseTable(s), pos + 1];
    }
    case 2: {
      const nc = readNCount(src, pos, end, maxSymbol, maxLog);
      return [buildFseTable(nc.counts, nc.maxSymbol, nc.log), pos + nc.size];
    }
    default:
      if (prev === null)
        throw new CompressionError("repeat sequence table without a previous table");
      return [prev, pos];
  }
}

/** Decodes the sequences of one block and writes the block's content to `out`. */
export function decodeSequences(
  src: Uint8Array,
  pos: number,
  end: number,
  ctx: FrameContext,
  lit: Literals,
  out: OutputBuffer,
  blockLimit: number,
): void {
  if (pos >= end) throw new CompressionError("truncated sequences section");
  const b0 = src[pos]!;
  let nbSeq: number;
  if (b0 < 128) {
    nbSeq = b0;
    pos += 1;
  } else if (b0 < 255) {
    if (pos + 2 > end) throw new CompressionError("truncated sequences header");
    nbSeq = ((b0 - 128) << 8) + src[pos + 1]!;
    pos += 2;
  } else {
    if (pos + 3 > end) throw new CompressionError("truncated sequences header");
    nbSeq = src[pos + 1]! + (src[pos + 2]! << 8) + 0x7f00;
    pos += 3;
  }
  const litBuf = lit.buf;
  let litPos = lit.start;
  const litEnd = lit.start + lit.len;
  const limit = out.len + blockLimit;
  out.reserve(Math.min(blockLimit, out.cap - out.len));
  const buf = out.buf;
  let op = out.len;
  if (nbSeq === 0) {
    if (pos !== end) throw new CompressionError("unexpected data after an empty sequences section");
    if (op + lit.len > limit) throw new CompressionError("block content exceeds its size limit");
    buf.set(litBuf.subarray(litPos, litEnd), op);
    out.len = op + lit.len;
    return;
  }
  if (pos >= end) throw new CompressionError("truncated sequences header");
  const modes = src[pos++]!;
  if (modes & 3) throw new CompressionError("reserved bits set in sequence compression modes");
  let llT: FseTable;
  let ofT: FseTable;
  let mlT: FseTable;
  [llT, pos] = selectTable(modes >> 6, src, pos, end, ctx.ll, LL_PREDEFINED, 35, 9);
  [ofT, pos] = selectTable((modes >> 4) & 3, src, pos, end, ctx.of, OF_PREDEFINED, 31, 8);
  [mlT, pos] = selectTable((modes >> 2) & 3, src, pos, end, ctx.ml, ML_PREDEFINED, 52, 9);
  ctx.ll = llT;
  ctx.of = ofT;
  ctx.ml = mlT;

  // The bitstream is read with a local bit position (see bitsAt) rather than through the reader
  // object: this loop runs once per sequence, millions of times for a large manifest.
  const br = new BackwardBitReader(src, pos, end);
  let llS = br.read(llT.log);
  let ofS = br.read(ofT.log);
  let mlS = br.read(mlT.log);
  let bp = br.bitPos;
  const base = pos;
  const rep = ctx.rep;
  let r0 = rep[0];
  let r1 = rep[1];
  let r2 = rep[2];
  const frameStart = ctx.frameStart;
  const dict = ctx.dictContent;
  const dictLen = dict.length;
  const llSym = llT.symbol;
  const ofSym = ofT.symbol;
  const mlSym = mlT.symbol;
  const llNext = llT.base;
  const ofNext = ofT.base;
  const mlNext = mlT.base;
  const llNb = llT.nbBits;
  const ofNb = ofT.nbBits;
  const mlNb = mlT.nbBits;
  for (let i = 0; i < nbSeq; i++) {
    const ofCode = ofSym[ofS]!;
    const mlCode = mlSym[mlS]!;
    const llCode = llSym[llS]!;
    if (ofCode > 31) throw new CompressionError("offset code out of range");
    bp -= ofCode;
    const ofVal = (ofCode < 31 ? 1 << ofCode : 2 ** 31) + bitsAt(src, base, bp, ofCode);
    let nb = ML_BITS[mlCode]!;
    bp -= nb;
    const ml = ML_BASE[mlCode]! + bitsAt(src, base, bp, nb);
    nb = LL_BITS[llCode]!;
    bp -= nb;
    const ll = LL_BASE[llCode]! + bitsAt(src, base, bp, nb);
    let offset: number;
    if (ofVal > 3) {
      offset = ofVal - 3;
      r2 = r1;
      r1 = r0;
      r0 = offset;
    } else {
      const idx = ll === 0 ? ofVal + 1 : ofVal;
      if (idx === 1) offset = r0;
      else if (idx === 2) {
        offset = r1;
        r1 = r0;
        r0 = offset;
      } else {
        offset = idx === 3 ? r2 : r0 - 1;
        if (offset === 0) throw new CompressionError("repeat offset of zero");
        r2 = r1;
        r1 = r0;
        r0 = offset;
      }
    }
    if (i + 1 < nbSeq) {
      nb = llNb[llS]!;
      bp -= nb;
      llS = llNext[llS]! + bitsAt(src, base, bp, nb);
      nb = mlNb[mlS]!;
      bp -= nb;
      mlS = mlNext[mlS]! + bitsAt(src, base, bp, nb);
      nb = ofNb[ofS]!;
      bp -= nb;
      ofS = ofNext[ofS]! + bitsAt(src, base, bp, nb);
    }
    // execute
    if (litPos + ll > litEnd)
      throw new CompressionError("sequence uses more literals than decoded");
    if (op + ll + ml > limit) throw new CompressionError("block content exceeds its size limit");
    if (ll < 64) {
      for (let k = 0; k < ll; k++) buf[op + k] = litBuf[litPos + k]!;
    } else {
      buf.set(litBuf.subarray(litPos, litPos + ll), op);
    }
    op += ll;
    litPos += ll;
    let m = ml;
    const avail = op - frameStart;
    if (offset > avail) {
      const back = offset - avail;
      if (back > dictLen) throw new CompressionError("match offset reaches before the window");
      const ds = dictLen - back;
      const n = Math.min(m, back);
      buf.set(dict.subarray(ds, ds + n), op);
      op += n;
      m -= n;
    }
    let from = op - offset;
    if (offset >= m && m >= 32) {
      buf.copyWithin(op, from, from + m);
      op += m;
    } else {
      const stop = op + m;
      while (op < stop) buf[op++] = buf[from++]!;
    }
  }
  if (bp !== 0) throw new CompressionError("sequence bitstream not fully consumed");
  const rest = litEnd - litPos;
  if (op + rest > limit) throw new CompressionError("block content exceeds its size limit");
  buf.set(litBuf.subarray(litPos, litEnd), op);
  out.len = op + rest;
  rep[0] = r0;
  rep[1] = r1;
  rep[2] = r2;
}

/**
 * The `n` bits (0..31) of the backward bitstream starting at `base` whose lowest bit is at bit
 * position `p` (what BackwardBitReader.read returns after moving its position to `p`). Bits
 * before the stream's start (a corrupt, over-read stream) read as 0; the caller then sees a
 * negative final position.
 */
function bitsAt(src: Uint8Array, base: number, p: number, n: number): number {
  if (p < 0 || n > 25) return bitsSlow(src, base, p, n);
  const i = base + (p >>> 3);
  return (
    ((src[i]! | (src[i + 1]! << 8) | (src[i + 2]! << 16) | (src[i + 3]! << 24)) >>> (p & 7)) &
    ((1 << n) - 1)
  );
}

/** {@link bitsAt} for more than 25 bits or a position before the stream's start. */
function bitsSlow(src: Uint8Array, base: number, p: number, n: number): number {
  if (n > 25) return bitsSlow(src, base, p + 16, n - 16) * 65536 + bitsSlow(src, base, p, 16);
  if (p >= 0) return bitsAt(src, base, p, n);
  const avail = p + n;
  if (avail <= 0) return 0;
  const low = (src[base]! | (src[base + 1]! << 8) | (src[base + 2]! << 16)) & ((1 << avail) - 1);
  return low << -p;
}
