/**
 * @module format/zstd/match
 * LZ77 match finder for the zstd encoder: a hash table of 4-byte prefixes with hash chains,
 * repeat-offset probing, optional lazy evaluation, producing per-block sequences whose offset
 * values (repeat codes 1..3 or offset+3) mirror the decoder's repeat-offset rules exactly.
 */

/** Search effort derived from the compression level. */
export interface MatchParams {
  /** Max chain candidates examined per position. */
  depth: number;
  /** Number of lazy look-ahead steps (0 = greedy). */
  lazy: number;
  /** Stop searching once a match this long is found. */
  enough: number;
}

/** Maps a zstd-style level to search parameters (higher = slower, smaller). */
export function paramsForLevel(level: number): MatchParams {
  if (level <= 1) return { depth: 4, lazy: 0, enough: 16 };
  if (level <= 3) return { depth: 16, lazy: 1, enough: 32 };
  if (level <= 6) return { depth: 32, lazy: 1, enough: 64 };
  if (level <= 12) return { depth: 96, lazy: 2, enough: 128 };
  return { depth: 256, lazy: 2, enough: 512 };
}

/** Sequences and literals of one block. */
export class SeqStore {
  readonly lit: Uint8Array;
  nLit = 0;
  readonly ll: Uint32Array;
  readonly ml: Uint32Array;
  /** Offset values as coded in the stream (1..3 = repeat codes, else offset + 3). */
  readonly of: Uint32Array;
  n = 0;

  constructor(blockMax: number) {
    this.lit = new Uint8Array(blockMax);
    const maxSeq = (blockMax >> 2) + 1;
    this.ll = new Uint32Array(maxSeq);
    this.ml = new Uint32Array(maxSeq);
    this.of = new Uint32Array(maxSeq);
  }
}

const MIN_MATCH = 4;

/** Hash-chain match finder over a whole input; blocks are parsed in order. */
export class MatchFinder {
  private readonly head: Int32Array;
  private readonly chain: Int32Array;
  private readonly chainMask: number;
  private readonly hashShift: number;
  private readonly maxDist: number;
  private next = 0;

  constructor(
    private readonly src: Uint8Array,
    windowLog: number,
    private readonly params: MatchParams,
  ) {
    const n = src.length;
    const hashLog = Math.min(17, Math.max(8, 33 - Math.clz32(Math.max(1, n))));
    this.head = new Int32Array(1 << hashLog).fill(-1);
    const chainLog = Math.min(windowLog, Math.max(8, 32 - Math.clz32(Math.max(1, n - 1))));
    this.chain = new Int32Array(1 << chainLog);
    this.chainMask = (1 << chainLog) - 1;
    this.hashShift = 32 - hashLog;
    this.maxDist = (1 << chainLog) - 1;
  }

  private hash(p: number): number {
    const s = this.src;
    return (
      Math.imul(s[p]! | (s[p + 1]! << 8) | (s[p + 2]! << 16) | (s[p + 3]! << 24), 2654435761) >>>
      this.hashShift
    );
  }

  private insertUpTo(target: number): void {
    const { head, chain, chainMask } = this;
    for (let p = this.next; p < target; p++) {
      const h = this.hash(p);
      chain[p & chainMask] = head[h]!;
      head[h] = p;
    }
    if (target > this.next) this.next = target;
  }

  /** Best match at `ip` (searching before `ip`); result length/offset in `found`. */
  private search(ip: number, end: number, r0: number, found: [number, number]): void {
    const s = this.src;
    let bestLen = 0;
    let bestOff = 0;
    if (r0 <= ip && r0 > 0) {
      const b = ip - r0;
      let l = 0;
      while (ip + l < end && s[ip + l] === s[b + l]) l++;
      if (l >= MIN_MATCH) {
        bestLen = l;
        bestOff = r0;
      }
    }
    const limit = ip - this.maxDist;
    let cand = this.head[this.hash(ip)]!;
    let depth = this.params.depth;
    const maxLen = end - ip;
    const enough = Math.min(maxLen, this.params.enough);
    while (cand >= 0 && cand >= limit && depth-- > 0 && bestLen < enough) {
      if (s[cand + bestLen] === s[ip + bestLen]) {
        let l = 0;
        while (l < maxLen && s[ip + l] === s[cand + l]) l++;
        if (l > bestLen) {
          bestLen = l;
          bestOff = ip - cand;
        }
      }
      cand = this.chain[cand & this.chainMask]!;
    }
    found[0] = bestLen;
    found[1] = bestOff;
  }

  /** Parses `src[bs, be)` into `store`, updating the repeat offsets `rep` like a decoder would. */
  parseBlock(bs: number, be: number, rep: number[], store: SeqStore): void {
    const s = this.src;
    store.n = 0;
    store.nLit = 0;
    const iLimit = Math.min(be, s.length) - MIN_MATCH;
    let ip = bs;
    let anchor = bs;
    const found: [number, number] = [0, 0];
    const alt: [number, number] = [0, 0];
    while (ip <= iLimit) {
      this.insertUpTo(ip);
      this.search(ip, be, rep[0]!, found);
      let len = found[0];
      let off = found[1];
      if (len < MIN_MATCH) {
        ip += 1 + ((ip - anchor) >> 10);
        continue;
      }
      for (
        let step = 0;
        step < this.params.lazy && ip + 1 <= iLimit && len < this.params.enough;
        step++
      ) {
        this.insertUpTo(ip + 1);
        this.search(ip + 1, be, rep[0]!, alt);
        if (alt[0] > len) {
          ip++;
          len = alt[0];
          off = alt[1];
        } else break;
      }
      while (ip > anchor && ip - off > 0 && s[ip - 1] === s[ip - 1 - off]) {
        ip--;
        len++;
      }
      emitSequence(this.src, store, anchor, ip, len, off, rep);
      ip += len;
      anchor = ip;
    }
    const tail = be - anchor;
    store.lit.set(s.subarray(anchor, be), store.nLit);
    store.nLit += tail;
  }
}

/**
 * Appends one sequence (literals `src[anchor, ip)`, then a match of `len` at distance `off`) to
 * `store`, coding the offset as a repeat code when it can and updating `rep` like a decoder.
 */
export function emitSequence(
  src: Uint8Array,
  store: SeqStore,
  anchor: number,
  ip: number,
  len: number,
  off: number,
  rep: number[],
): void {
  const ll = ip - anchor;
  store.lit.set(src.subarray(anchor, ip), store.nLit);
  store.nLit += ll;
  const r0 = rep[0]!;
  const r1 = rep[1]!;
  const r2 = rep[2]!;
  let v: number;
  if (ll > 0 && off === r0) v = 1;
  else if (ll > 0 && off === r1) v = 2;
  else if (ll > 0 && off === r2) v = 3;
  else if (ll === 0 && off === r1) v = 1;
  else if (ll === 0 && off === r2) v = 2;
  else if (ll === 0 && off === r0 - 1) v = 3;
  else v = off + 3;
  // mirror the decoder's repeat-offset update
  if (v > 3) {
    rep[2] = r1;
    rep[1] = r0;
    rep[0] = off;
  } else {
    const idx = ll === 0 ? v + 1 : v;
    if (idx === 2) {
      rep[1] = r0;
      rep[0] = off;
    } else if (idx >= 3) {
      rep[2] = r1;
      rep[1] = r0;
      rep[0] = off;
    }
  }
  const i = store.n++;
  store.ll[i] = ll;
  store.ml[i] = len;
  store.of[i] = v;
}
