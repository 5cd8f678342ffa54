/**
 * @module format/zstd/match-fast
 * Fast LZ77 match finder for levels ≤ 3 (zstd's "double fast" idea): no hash chains, two
 * direct-mapped tables (8-byte and 4-byte prefixes), a repeat-offset probe first, greedy parsing
 * and a skip step that grows over incompressible data. Roughly an order of magnitude faster than
 * the hash-chain finder on large metadata files, at a slightly lower ratio.
 */
import { emitSequence, type SeqStore } from "./match.js";

const MIN_MATCH = 4;

function read32(s: Uint8Array, p: number): number {
  return s[p]! | (s[p + 1]! << 8) | (s[p + 2]! << 16) | (s[p + 3]! << 24);
}

/** Greedy double-hash match finder over a whole input; blocks are parsed in order. */
export class FastMatchFinder {
  private readonly longT: Int32Array;
  private readonly shortT: Int32Array;
  private readonly longShift: number;
  private readonly shortShift: number;
  private readonly maxDist: number;

  constructor(
    private readonly src: Uint8Array,
    windowLog: number,
  ) {
    const n = src.length;
    const log = Math.min(20, Math.max(10, 33 - Math.clz32(Math.max(1, n))));
    this.longT = new Int32Array(1 << log).fill(-1);
    this.shortT = new Int32Array(1 << Math.max(10, log - 1)).fill(-1);
    this.longShift = 32 - log;
    this.shortShift = 32 - Math.max(10, log - 1);
    this.maxDist = (1 << windowLog) - 1;
  }

  private hashLong(p: number): number {
    const s = this.src;
    return (
      (Math.imul(read32(s, p), 0x9e3779b1) ^ Math.imul(read32(s, p + 4), 0x85ebca77)) >>>
      this.longShift
    );
  }

  private hashShort(p: number): number {
    return Math.imul(read32(this.src, p), 0x9e3779b1) >>> this.shortShift;
  }

  /** Length of the common run of `src[a..]` and `src[b..]` (b < a), bounded by `end`. */
  private count(a: number, b: number, end: number): number {
    const s = this.src;
    let l = 0;
    while (a + l < end && s[a + l] === s[b + l]) l++;
    return l;
  }

  /** Parses `src[bs, be)` into `store`, updating the repeat offsets `rep` like a decoder would. */
  parseBlock(bs: number, be: number, rep: number[], store: SeqStore): void {
    const s = this.src;
    const { longT, shortT, maxDist } = this;
    store.n = 0;
    store.nLit = 0;
    // hashing reads 8 bytes at ip (and ip + 1)
    const iLimit = Math.min(be, s.length) - 9;
    let ip = bs;
    let anchor = bs;
    while (ip < iLimit) {
      const hl = this.hashLong(ip);
      const hs = this.hashShort(ip);
      const candL = longT[hl]!;
      const candS = shortT[hs]!;
      longT[hl] = ip;
      shortT[hs] = ip;
      const cur = read32(s, ip);
      let len = 0;
      let off = 0;
      let start = ip;
      const r0 = rep[0]!;
      if (r0 > 0 && ip + 1 - r0 >= 0 && read32(s, ip + 1) === read32(s, ip + 1 - r0)) {
        // repeat match one byte ahead (literal length ≥ 1 keeps the repeat code simple)
        start = ip + 1;
        off = r0;
        len = MIN_MATCH + this.count(start + MIN_MATCH, start + MIN_MATCH - r0, be);
      } else if (
        candL >= 0 &&
        ip - candL <= maxDist &&
        read32(s, candL) === cur &&
        read32(s, candL + 4) === read32(s, ip + 4)
      ) {
        off = ip - candL;
        len = 8 + this.count(ip + 8, candL + 8, be);
      } else if (candS >= 0 && ip - candS <= maxDist && read32(s, candS) === cur) {
        // a long match one byte later beats this short one
        const hl1 = this.hashLong(ip + 1);
        const candL1 = longT[hl1]!;
        longT[hl1] = ip + 1;
        if (
          candL1 >= 0 &&
          ip + 1 - candL1 <= maxDist &&
          read32(s, candL1) === read32(s, ip + 1) &&
          read32(s, candL1 + 4) === read32(s, ip + 5)
        ) {
          start = ip + 1;
          off = start - candL1;
          len = 8 + this.count(start + 8, candL1 + 8, be);
        } else {
          off = ip - candS;
          len = MIN_MATCH + this.count(ip + MIN_MATCH, candS + MIN_MATCH, be);
        }
      } else {
        ip += ((ip - anchor) >> 8) + 1;
        continue;
      }
      // extend backwards over literals
      while (start > anchor && start - off > 0 && s[start - 1] === s[start - 1 - off]) {
        start--;
        len++;
      }
      emitSequence(s, store, anchor, start, len, off, rep);
      ip = start + len;
      anchor = ip;
      // seed the tables inside the match so the next search finds nearby history
      if (ip < iLimit) {
        const p = ip - 2;
        if (p > start) {
          longT[this.hashLong(p)] = p;
          shortT[this.hashShort(p)] = p;
        }
        const q = start + 2;
        if (q < ip && q < iLimit) longT[this.hashLong(q)] = q;
      }
    }
    const tail = be - anchor;
    store.lit.set(s.subarray(anchor, be), store.nLit);
    store.nLit += tail;
  }
}
