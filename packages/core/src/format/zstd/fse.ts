/**
 * @module format/zstd/fse
 * Finite State Entropy tables (RFC 8878 §4.1): reading normalized-count headers, building
 * decoding tables, the predefined sequence distributions, and encoder tables derived by
 * inverting a decoding table (so encoder and decoder agree by construction).
 */
import { CompressionError } from "../../errors.js";

/** A decoding table: for state `u`, emit `symbol[u]`, then `next = base[u] + read(nbBits[u])`. */
export interface FseTable {
  readonly log: number;
  readonly symbol: Uint8Array;
  readonly nbBits: Uint8Array;
  readonly base: Uint16Array;
}

/** Result of {@link readNCount}. */
export interface NCount {
  counts: Int16Array;
  maxSymbol: number;
  log: number;
  /** bytes consumed */
  size: number;
}

/** Reads an FSE normalized-count header starting at `src[pos]` (must end by `end`). */
export function readNCount(
  src: Uint8Array,
  pos: number,
  end: number,
  maxSymbol: number,
  maxLog: number,
): NCount {
  if (pos >= end) throw new CompressionError("truncated FSE table description");
  const counts = new Int16Array(maxSymbol + 1);
  let bitOff = 0;
  const peek = (): number => {
    const i = pos + (bitOff >>> 3);
    return (
      (src[i]! | (src[i + 1]! << 8) | (src[i + 2]! << 16) | (src[i + 3]! << 24)) >>> (bitOff & 7)
    );
  };
  const log = (src[pos]! & 15) + 5;
  bitOff = 4;
  if (log > maxLog) throw new CompressionError(`FSE accuracy log ${log} exceeds ${maxLog}`);
  let remaining = (1 << log) + 1;
  let threshold = 1 << log;
  let nbBits = log + 1;
  let sym = 0;
  let prev0 = false;
  while (remaining > 1 && sym <= maxSymbol) {
    if (prev0) {
      let n0 = sym;
      for (;;) {
        const r = peek() & 3;
        bitOff += 2;
        n0 += r;
        if (n0 > maxSymbol + 1) throw new CompressionError("FSE table has too many symbols");
        if (r !== 3) break;
      }
      if (n0 > maxSymbol) throw new CompressionError("FSE table has too many symbols");
      sym = n0;
    }
    const bits = peek();
    const max = 2 * threshold - 1 - remaining;
    let count: number;
    if ((bits & (threshold - 1)) < max) {
      count = bits & (threshold - 1);
      bitOff += nbBits - 1;
    } else {
      count = bits & (2 * threshold - 1);
      if (count >= threshold) count -= max;
      bitOff += nbBits;
    }
    count--;
    remaining -= count < 0 ? -count : count;
    if (remaining < 1) throw new CompressionError("FSE table probabilities overflow");
    counts[sym++] = count;
    prev0 = count === 0;
    while (remaining < threshold) {
      nbBits--;
      threshold >>= 1;
    }
  }
  if (remaining !== 1) throw new CompressionError("FSE table probabilities do not sum up");
  const size = (bitOff + 7) >>> 3;
  if (pos + size > end) throw new CompressionError("truncated FSE table description");
  return { counts, maxSymbol: sym - 1, log, size };
}

/** Builds a decoding table from normalized counts (-1 = "less than one"). */
export function buildFseTable(counts: ArrayLike<number>, maxSymbol: number, log: number): FseTable {
  const size = 1 << log;
  const symbol = new Uint8Array(size);
  const nbBits = new Uint8Array(size);
  const base = new Uint16Array(size);
  const next = new Uint16Array(maxSymbol + 1);
  let high = size - 1;
  for (let s = 0; s <= maxSymbol; s++) {
    const c = counts[s]!;
    if (c === -1) {
      if (high < 0) throw new CompressionError("FSE table overfull");
      symbol[high--] = s;
      next[s] = 1;
    } else next[s] = c;
  }
  const step = (size >> 1) + (size >> 3) + 3;
  const mask = size - 1;
  let p = 0;
  for (let s = 0; s <= maxSymbol; s++) {
    const c = counts[s]!;
    for (let i = 0; i < c; i++) {
      symbol[p] = s;
      do p = (p + step) & mask;
      while (p > high);
    }
  }
  if (p !== 0) throw new CompressionError("FSE table spread is inconsistent");
  for (let u = 0; u < size; u++) {
    const x = next[symbol[u]!]!++;
    const nb = log - (31 - Math.clz32(x));
    nbBits[u] = nb;
    base[u] = (x << nb) - size;
  }
  return { log, symbol, nbBits, base };
}

/** A one-state table that always yields `sym` (RLE mode). */
export function rleFseTable(sym: number): FseTable {
  return {
    log: 0,
    symbol: Uint8Array.of(sym),
    nbBits: new Uint8Array(1),
    base: new Uint16Array(1),
  };
}

const LL_DEFAULT = [
  4, 3, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 3, 2, 1, 1, 1, 1, 1,
  -1, -1, -1, -1,
];
const ML_DEFAULT = [
  1, 4, 3, 2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
  1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, -1, -1, -1, -1, -1, -1, -1,
];
const OF_DEFAULT = [
  1, 1, 1, 1, 1, 1, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, -1, -1, -1, -1, -1,
];

/** Predefined literal-length table (accuracy log 6). */
export const LL_PREDEFINED: FseTable = buildFseTable(LL_DEFAULT, 35, 6);
/** Predefined match-length table (accuracy log 6). */
export const ML_PREDEFINED: FseTable = buildFseTable(ML_DEFAULT, 52, 6);
/** Predefined offset-code table (accuracy log 5). */
export const OF_PREDEFINED: FseTable = buildFseTable(OF_DEFAULT, 28, 5);

/**
 * Encoder view of a decoding table: `state[s * size + t]` is the decoder state that emits symbol
 * `s` and whose transition range contains `t`. Encoding symbol `s` while the encoder holds state `t`
 * writes `t - base[u]` in `nbBits[u]` bits and moves to `u`.
 */
export interface FseEncoder {
  readonly table: FseTable;
  readonly state: Uint16Array;
  /** Some state per symbol, used to start encoding (0xffff when the symbol is absent). */
  readonly first: Uint16Array;
}

/** Inverts a decoding table into an {@link FseEncoder}. */
export function fseEncoderFor(table: FseTable, maxSymbol: number): FseEncoder {
  const size = 1 << table.log;
  const state = new Uint16Array((maxSymbol + 1) * size);
  const first = new Uint16Array(maxSymbol + 1).fill(0xffff);
  for (let u = 0; u < size; u++) {
    const s = table.symbol[u]!;
    if (first[s] === 0xffff) first[s] = u;
    const lo = table.base[u]!;
    const hi = lo + (1 << table.nbBits[u]!);
    const row = s * size;
    for (let t = lo; t < hi; t++) state[row + t] = u;
  }
  return { table, state, first };
}
