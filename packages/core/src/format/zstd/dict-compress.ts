/**
 * @module format/zstd/dict-compress
 * Compressing many small inputs (virtual chunk locations) against one raw-content dictionary:
 * the dictionary is indexed once (4-byte hash → positions), and each input is parsed greedily
 * against the dictionary and its own earlier bytes, then written as one single-segment frame
 * (content size, no dictionary id, no checksum) whose matches may reach into the dictionary —
 * what any zstd decoder given the same dictionary reads, Rust's `Decompressor::with_dictionary`
 * included (a dictionary without the formatted-dictionary magic is raw content).
 */
import { CompressionError } from "../../errors.js";
import { BitWriter } from "./bits.js";
import { encodeBlockBody } from "./compress.js";
import { FRAME_MAGIC } from "./decompress.js";
import { DICT_MAGIC } from "./dictionary.js";
import { SeqStore } from "./match.js";

const MIN_MATCH = 4;
const HASH_BITS = 12;
/** Candidates tried per position (dictionary chain, then the input's own chain). */
const MAX_TRIES = 16;
/** Largest input: one block. */
const MAX_INPUT = 1 << 17;

const hash4 = (b: Uint8Array, i: number) =>
  (Math.imul(b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24), 0x9e3779b1) >>>
    (32 - HASH_BITS)) |
  0;

/** A raw-content dictionary indexed for {@link RawDictionaryCompressor.compress}. */
export class RawDictionaryCompressor {
  readonly dictionary: Uint8Array;
  readonly #head = new Int32Array(1 << HASH_BITS).fill(-1);
  readonly #chain: Int32Array;
  // per-input scratch
  readonly #ownHead = new Int32Array(1 << HASH_BITS);
  #ownChain = new Int32Array(256);

  /**
   * @throws {CompressionError} when `dictionary` starts with the formatted-dictionary magic (a
   * decoder would then not read it as raw content).
   */
  constructor(dictionary: Uint8Array) {
    const d = dictionary;
    if (
      d.length >= 4 &&
      (d[0]! | (d[1]! << 8) | (d[2]! << 16) | (d[3]! << 24)) >>> 0 === DICT_MAGIC
    )
      throw new CompressionError("a raw-content dictionary cannot start with the dictionary magic");
    this.dictionary = d;
    this.#chain = new Int32Array(d.length);
    for (let p = 0; p + MIN_MATCH <= d.length; p++) {
      const h = hash4(d, p);
      this.#chain[p] = this.#head[h]!;
      this.#head[h] = p;
    }
  }

  /** One zstd frame holding `src`, its matches drawn from the dictionary and from itself. */
  compress(src: Uint8Array): Uint8Array {
    const n = src.length;
    if (n > MAX_INPUT) throw new CompressionError(`input of ${n} bytes is too large for one block`);
    const dict = this.dictionary;
    const dictLen = dict.length;
    const store = new SeqStore(Math.max(n, 16));
    if (this.#ownChain.length < n) this.#ownChain = new Int32Array(n);
    const ownHead = this.#ownHead.fill(-1);
    const ownChain = this.#ownChain;
    let litStart = 0;
    let i = 0;
    while (i + MIN_MATCH <= n) {
      const h = hash4(src, i);
      let bestLen = 0;
      let bestDist = 0;
      // in the dictionary (a match stays inside it)
      for (let p = this.#head[h]!, tries = 0; p >= 0 && tries < MAX_TRIES; p = this.#chain[p]!) {
        tries++;
        let k = 0;
        while (i + k < n && p + k < dictLen && dict[p + k] === src[i + k]) k++;
        if (k > bestLen) {
          bestLen = k;
          bestDist = dictLen - p + i;
        }
      }
      // earlier in the input (may overlap the current position)
      for (let j = ownHead[h]!, tries = 0; j >= 0 && tries < MAX_TRIES; j = ownChain[j]!) {
        tries++;
        let k = 0;
        while (i + k < n && src[j + k] === src[i + k]) k++;
        if (k > bestLen || (k === bestLen && k > 0 && i - j < bestDist)) {
          bestLen = k;
          bestDist = i - j;
        }
      }
      ownChain[i] = ownHead[h]!;
      ownHead[h] = i;
      if (bestLen < MIN_MATCH) {
        i++;
        continue;
      }
      const s = store.n++;
      store.ll[s] = i - litStart;
      store.ml[s] = bestLen;
      store.of[s] = bestDist + 3; // never a repeat code
      for (let k = litStart; k < i; k++) store.lit[store.nLit++] = src[k]!;
      // index the matched bytes too, so later repeats find them
      for (let k = i + 1; k < i + bestLen && k + MIN_MATCH <= n; k++) {
        const hk = hash4(src, k);
        ownChain[k] = ownHead[hk]!;
        ownHead[hk] = k;
      }
      i += bestLen;
      litStart = i;
    }
    for (let k = litStart; k < n; k++) store.lit[store.nLit++] = src[k]!;
    return frame(src, store);
  }
}

function frame(src: Uint8Array, store: SeqStore): Uint8Array {
  const n = src.length;
  const out = new BitWriter(n + 32);
  out.add(FRAME_MAGIC & 0xffff, 16);
  out.add(FRAME_MAGIC >>> 16, 16);
  // single segment, content size in 1, 2 (− 256) or 4 bytes, no dictionary id
  if (n < 256) {
    out.add(0x20, 8);
    out.add(n, 8);
  } else if (n < 65536 + 256) {
    out.add((1 << 6) | 0x20, 8);
    out.add(n - 256, 16);
  } else {
    out.add((2 << 6) | 0x20, 8);
    out.add(n, 32);
  }
  const body = n === 0 ? null : encodeBlockBody(store);
  if (body !== null && body.length < n) {
    out.add(1 | (2 << 1) | (body.length << 3), 24);
    out.addBytes(body);
  } else {
    out.add(1 | (n << 3), 24); // raw
    if (n > 0) out.addBytes(src);
  }
  return out.buf.slice(0, out.pos);
}
