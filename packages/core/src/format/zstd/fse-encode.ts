/**
 * @module format/zstd/fse-encode
 * Per-block FSE tables for the encoder (RFC 8878 §4.1.1): normalizing a symbol histogram to a
 * power-of-two total, writing it as a normalized-count header, and choosing per sequence stream
 * between the predefined table, a single-symbol (RLE) table and a table fitted to the block by
 * estimated size.
 */
import { BitWriter } from "./bits.js";
import type { FseEncoder } from "./fse.js";
import { buildFseTable, fseEncoderFor, rleFseTable } from "./fse.js";

/**
 * Normalized counts summing to `1 << log` (-1: a present symbol of probability below one slot),
 * or null when the histogram cannot be fitted (the caller then keeps the predefined table).
 */
export function normalizeCounts(
  hist: Uint32Array,
  total: number,
  maxSymbol: number,
  log: number,
): Int16Array | null {
  const size = 1 << log;
  const counts = new Int16Array(maxSymbol + 1);
  let sum = 0;
  let largest = -1;
  for (let s = 0; s <= maxSymbol; s++) {
    const h = hist[s]!;
    if (h === 0) continue;
    if (largest < 0 || h > hist[largest]!) largest = s;
    const v = (h * size) / total;
    if (v < 1) {
      counts[s] = -1;
      sum += 1;
    } else {
      const c = Math.round(v);
      counts[s] = c;
      sum += c;
    }
  }
  if (largest < 0) return null;
  const fixed = (counts[largest] === -1 ? 1 : counts[largest]!) + size - sum;
  if (fixed < 1) return null;
  counts[largest] = fixed;
  return counts;
}

/** The normalized-count header of `counts` (what `readNCount` reads back). */
export function writeNCount(counts: Int16Array, maxSymbol: number, log: number): Uint8Array {
  const w = new BitWriter(64);
  w.add(log - 5, 4);
  let remaining = (1 << log) + 1;
  let threshold = 1 << log;
  let nbBits = log + 1;
  let symbol = 0;
  let previous0 = false;
  while (remaining > 1) {
    if (previous0) {
      let start = symbol;
      while (symbol <= maxSymbol && counts[symbol] === 0) symbol++;
      while (symbol >= start + 24) {
        start += 24;
        w.add(0xffff, 16);
      }
      while (symbol >= start + 3) {
        start += 3;
        w.add(3, 2);
      }
      w.add(symbol - start, 2);
    }
    let count = counts[symbol++]!;
    const max = 2 * threshold - 1 - remaining;
    remaining -= count < 0 ? -count : count;
    count++;
    if (count >= threshold) count += max;
    w.add(count, count < max ? nbBits - 1 : nbBits);
    previous0 = count === 1;
    while (remaining < threshold) {
      nbBits--;
      threshold >>= 1;
    }
  }
  return w.flush();
}

/** The table chosen for one sequence stream of a block. */
export interface SequenceTableChoice {
  /** Symbol compression mode: 0 predefined, 1 RLE, 2 FSE-compressed. */
  readonly mode: 0 | 1 | 2;
  /** Bytes written before the bitstream (RLE symbol or normalized counts). */
  readonly header: Uint8Array;
  readonly encoder: FseEncoder;
}

/**
 * Picks the cheapest table for `codes[0, n)` by estimated bits: the predefined one (when every
 * code is in it), one symbol (RLE), or counts fitted to this block plus their header.
 */
export function chooseSequenceTable(
  codes: Uint8Array,
  n: number,
  maxSymbol: number,
  maxLog: number,
  predefined: FseEncoder,
  predefinedMaxSymbol: number,
): SequenceTableChoice | null {
  const hist = new Uint32Array(maxSymbol + 1);
  let top = 0;
  for (let i = 0; i < n; i++) {
    const c = codes[i]!;
    hist[c]!++;
    if (c > top) top = c;
  }
  let distinct = 0;
  for (let s = 0; s <= top; s++) if (hist[s]) distinct++;
  if (distinct === 1 && n > 2)
    return {
      mode: 1,
      header: Uint8Array.of(codes[0]!),
      encoder: fseEncoderFor(rleFseTable(codes[0]!), top),
    };
  let predefinedBits = top <= predefinedMaxSymbol ? 0 : Number.POSITIVE_INFINITY;
  const preTable = predefined.table;
  if (predefinedBits === 0) {
    const slots = new Uint32Array(predefinedMaxSymbol + 1);
    for (let u = 0; u < 1 << preTable.log; u++) slots[preTable.symbol[u]!]!++;
    for (let s = 0; s <= top; s++) {
      if (!hist[s]) continue;
      if (!slots[s]) {
        predefinedBits = Number.POSITIVE_INFINITY;
        break;
      }
      predefinedBits += hist[s]! * (preTable.log - Math.log2(slots[s]!));
    }
  }
  if (n >= 32) {
    const log = Math.min(
      maxLog,
      Math.max(5, 31 - Math.clz32(n) - 1, 32 - Math.clz32(distinct) + 1),
    );
    const counts = normalizeCounts(hist, n, top, log);
    if (counts !== null) {
      const header = writeNCount(counts, top, log);
      let bits = header.length * 8;
      for (let s = 0; s <= top; s++) {
        if (hist[s]) bits += hist[s]! * (log - Math.log2(counts[s] === -1 ? 1 : counts[s]!));
      }
      if (bits < predefinedBits)
        return { mode: 2, header, encoder: fseEncoderFor(buildFseTable(counts, top, log), top) };
    }
  }
  if (predefinedBits === Number.POSITIVE_INFINITY) return null;
  return { mode: 0, header: new Uint8Array(0), encoder: predefined };
}
