/**
 * @module format/zstd/compress
 * zstd compressor: frame header with Frame_Content_Size (single segment when it fits), blocks of
 * up to 128 KiB parsed by the hash-chain {@link MatchFinder}, literals Huffman-coded (or raw/RLE),
 * sequences coded with the predefined FSE tables. Falls back to raw/RLE blocks when smaller.
 */
import { CompressionError } from "../../errors.js";
import { BitWriter } from "./bits.js";
import { BLOCK_MAX } from "./context.js";
import { FRAME_MAGIC } from "./decompress.js";
import type { FseEncoder } from "./fse.js";
import { fseEncoderFor, LL_PREDEFINED, ML_PREDEFINED, OF_PREDEFINED } from "./fse.js";
import { chooseSequenceTable } from "./fse-encode.js";
import { encodeHuffmanLiterals } from "./huffman-encode.js";
import { MatchFinder, paramsForLevel, SeqStore } from "./match.js";
import { FastMatchFinder } from "./match-fast.js";
import { LL_BASE, LL_BITS, ML_BASE, ML_BITS } from "./sequences.js";

/** Options for {@link zstdCompress}. */
export interface ZstdCompressOptions {
  /** Compression level, 1..22 (default 3); higher searches harder. */
  level?: number;
}

/** Largest window the encoder uses; inputs up to this size are written as a single segment. */
const WINDOW_LOG = 22;

let encoders: { ll: FseEncoder; ml: FseEncoder; of: FseEncoder } | null = null;
function predefinedEncoders(): { ll: FseEncoder; ml: FseEncoder; of: FseEncoder } {
  encoders ??= {
    ll: fseEncoderFor(LL_PREDEFINED, 35),
    ml: fseEncoderFor(ML_PREDEFINED, 52),
    of: fseEncoderFor(OF_PREDEFINED, 28),
  };
  return encoders;
}

const LL_CODE_SMALL = new Uint8Array(64);
const ML_CODE_SMALL = new Uint8Array(128);
for (let c = 0; c < 36; c++)
  for (let v = LL_BASE[c]!; v < 64 && v < LL_BASE[c]! + 2 ** LL_BITS[c]!; v++) LL_CODE_SMALL[v] = c;
for (let c = 0; c < 53; c++) {
  for (let v = ML_BASE[c]! - 3; v < 128 && v < ML_BASE[c]! - 3 + 2 ** ML_BITS[c]!; v++)
    ML_CODE_SMALL[v] = c;
}

function llCode(ll: number): number {
  return ll < 64 ? LL_CODE_SMALL[ll]! : 31 - Math.clz32(ll) + 19;
}
function mlCode(ml: number): number {
  const b = ml - 3;
  return b < 128 ? ML_CODE_SMALL[b]! : 31 - Math.clz32(b) + 36;
}

/**
 * Compresses `src` into a single zstd frame (content size included, no checksum).
 * @throws CompressionError if `src` is not a Uint8Array.
 */
export function zstdCompress(src: Uint8Array, options?: ZstdCompressOptions): Uint8Array {
  if (!(src instanceof Uint8Array)) throw new CompressionError("input must be a Uint8Array");
  const level = options?.level ?? 3;
  const n = src.length;
  const out = new BitWriter(Math.max(64, (n >> 1) + 64));
  const single = n <= 1 << WINDOW_LOG;
  // frame header
  out.add(FRAME_MAGIC & 0xffff, 16);
  out.add(FRAME_MAGIC >>> 16, 16);
  let fcsFlag: number;
  if (single && n < 256) fcsFlag = 0;
  else if (n >= 256 && n < 65536 + 256) fcsFlag = 1;
  else if (n < 2 ** 32) fcsFlag = 2;
  else fcsFlag = 3;
  out.add((fcsFlag << 6) | (single ? 0x20 : 0), 8);
  if (!single) out.add((WINDOW_LOG - 10) << 3, 8);
  if (fcsFlag === 0) out.add(n, 8);
  else if (fcsFlag === 1) out.add(n - 256, 16);
  else if (fcsFlag === 2) out.add(n, 32);
  else {
    out.add(n >>> 0, 32);
    out.add(Math.floor(n / 2 ** 32), 32);
  }
  if (n === 0) {
    out.add(1, 24); // last, raw, size 0
    return out.buf.slice(0, out.pos);
  }
  const windowLog = single ? Math.max(10, 32 - Math.clz32(n - 1)) : WINDOW_LOG;
  // levels ≤ 3 use the fast double-hash finder (zstd's own levels 1-4 do not chain either)
  const mf =
    level <= 3
      ? new FastMatchFinder(src, windowLog)
      : new MatchFinder(src, windowLog, paramsForLevel(level));
  const store = new SeqStore(Math.min(BLOCK_MAX, n));
  const rep = [1, 4, 8];
  for (let bs = 0; bs < n; bs += BLOCK_MAX) {
    const be = Math.min(n, bs + BLOCK_MAX);
    const last = be === n ? 1 : 0;
    const size = be - bs;
    const saved = rep.slice();
    mf.parseBlock(bs, be, rep, store);
    const body = encodeBlockBody(store);
    if (body !== null && body.length < size) {
      out.add(last | (2 << 1) | (body.length << 3), 24);
      out.addBytes(body);
      continue;
    }
    rep[0] = saved[0]!;
    rep[1] = saved[1]!;
    rep[2] = saved[2]!;
    const b0 = src[bs]!;
    let same = true;
    for (let i = bs + 1; i < be; i++) {
      if (src[i] !== b0) {
        same = false;
        break;
      }
    }
    if (same) {
      out.add(last | (1 << 1) | (size << 3), 24);
      out.add(b0, 8);
    } else {
      out.add(last | (size << 3), 24);
      out.addBytes(src.subarray(bs, be));
    }
  }
  return out.buf.slice(0, out.pos);
}

function literalsHeader(type: number, size: number): Uint8Array {
  if (size < 32) return Uint8Array.of(type | (size << 3));
  if (size < 4096) return Uint8Array.of(type | 4 | ((size & 15) << 4), size >> 4);
  return Uint8Array.of(type | 12 | ((size & 15) << 4), (size >> 4) & 0xff, size >> 12);
}

function encodeLiterals(lit: Uint8Array, n: number): Uint8Array {
  let same = n > 1;
  for (let i = 1; i < n && same; i++) if (lit[i] !== lit[0]) same = false;
  if (same) {
    const h = literalsHeader(1, n);
    const r = new Uint8Array(h.length + 1);
    r.set(h);
    r[h.length] = lit[0]!;
    return r;
  }
  if (n >= 32) {
    const huf = encodeHuffmanLiterals(lit, n);
    if (huf !== null && huf.length < n) return huf;
  }
  const h = literalsHeader(0, n);
  const r = new Uint8Array(h.length + n);
  r.set(h);
  r.set(lit.subarray(0, n), h.length);
  return r;
}

/** The body of one compressed block from its sequences (per-stream FSE tables); null when not encodable. */
export function encodeBlockBody(store: SeqStore): Uint8Array | null {
  const lits = encodeLiterals(store.lit, store.nLit);
  const nbSeq = store.n;
  const w = new BitWriter(lits.length + nbSeq * 4 + 16);
  w.addBytes(lits);
  if (nbSeq < 128) w.add(nbSeq, 8);
  else if (nbSeq < 0x7f00) {
    w.add((nbSeq >> 8) + 128, 8);
    w.add(nbSeq & 0xff, 8);
  } else {
    w.add(255, 8);
    w.add(nbSeq - 0x7f00, 16);
  }
  if (nbSeq === 0) return w.buf.subarray(0, w.pos);
  const pre = predefinedEncoders();
  const llC = new Uint8Array(nbSeq);
  const mlC = new Uint8Array(nbSeq);
  const ofC = new Uint8Array(nbSeq);
  for (let i = 0; i < nbSeq; i++) {
    llC[i] = llCode(store.ll[i]!);
    mlC[i] = mlCode(store.ml[i]!);
    ofC[i] = 31 - Math.clz32(store.of[i]!);
  }
  // per stream: the predefined table, one symbol, or counts fitted to this block
  const llT = chooseSequenceTable(llC, nbSeq, 35, 9, pre.ll, 35);
  const ofT = chooseSequenceTable(ofC, nbSeq, 31, 8, pre.of, 28);
  const mlT = chooseSequenceTable(mlC, nbSeq, 52, 9, pre.ml, 52);
  if (llT === null || ofT === null || mlT === null) return null;
  w.add((llT.mode << 6) | (ofT.mode << 4) | (mlT.mode << 2), 8);
  w.addBytes(llT.header);
  w.addBytes(ofT.header);
  w.addBytes(mlT.header);
  const llE = llT.encoder;
  const ofE = ofT.encoder;
  const mlE = mlT.encoder;
  const bits = new BitWriter(nbSeq * 8 + 16);
  const last = nbSeq - 1;
  let llS = llE.first[llC[last]!]!;
  let mlS = mlE.first[mlC[last]!]!;
  let ofS = ofE.first[ofC[last]!]!;
  for (let i = last; i >= 0; i--) {
    if (i < last) {
      ofS = step(ofE, ofC[i]!, ofS, bits);
      mlS = step(mlE, mlC[i]!, mlS, bits);
      llS = step(llE, llC[i]!, llS, bits);
    }
    const lc = llC[i]!;
    const mc = mlC[i]!;
    const oc = ofC[i]!;
    bits.add(store.ll[i]! - LL_BASE[lc]!, LL_BITS[lc]!);
    bits.add(store.ml[i]! - ML_BASE[mc]!, ML_BITS[mc]!);
    bits.add(store.of[i]! - 2 ** oc, oc);
  }
  bits.add(mlS, mlE.table.log);
  bits.add(ofS, ofE.table.log);
  bits.add(llS, llE.table.log);
  w.addBytes(bits.close());
  return w.buf.subarray(0, w.pos);
}

function step(e: FseEncoder, sym: number, state: number, bits: BitWriter): number {
  const t = e.table;
  const u = e.state[(sym << t.log) + state]!;
  bits.add(state - t.base[u]!, t.nbBits[u]!);
  return u;
}
