/**
 * @module format/zstd/huffman-encode
 * Huffman compression of a block's literals for the zstd encoder: length-limited canonical
 * codes (matching the decoder's canonical assignment), direct 4-bit weight descriptions,
 * and 1- or 4-stream literal sections.
 */
import { BitWriter } from "./bits.js";

const MAX_CODE = 11;

/** Code lengths (0 = unused) for a complete prefix code limited to `limit` bits. */
export function huffmanLengths(counts: Uint32Array, maxSym: number, limit: number): Uint8Array {
  const syms: number[] = [];
  for (let s = 0; s <= maxSym; s++) if (counts[s]! > 0) syms.push(s);
  const lens = new Uint8Array(maxSym + 1);
  const n = syms.length;
  if (n < 2) {
    for (const s of syms) lens[s] = 1;
    return lens;
  }
  syms.sort((a, b) => counts[a]! - counts[b]! || a - b);
  // two-queue Huffman construction; nodes 0..n-1 are leaves, n.. internal
  const weight = new Float64Array(2 * n);
  const parent = new Int32Array(2 * n);
  for (let i = 0; i < n; i++) weight[i] = counts[syms[i]!]!;
  let leaf = 0;
  let inner = n;
  let next = n;
  const pick = (): number => {
    if (leaf < n && (inner >= next || weight[leaf]! <= weight[inner]!)) return leaf++;
    return inner++;
  };
  while (next < 2 * n - 1) {
    const a = pick();
    const b = pick();
    weight[next] = weight[a]! + weight[b]!;
    parent[a] = next;
    parent[b] = next;
    next++;
  }
  const depth = new Uint8Array(2 * n);
  for (let i = 2 * n - 3; i >= 0; i--) depth[i] = Math.min(255, depth[parent[i]!]! + 1);
  for (let i = 0; i < n; i++) lens[syms[i]!] = Math.min(depth[i]!, limit);
  // restore Kraft equality: sum of 2^(limit - len) must be exactly 2^limit
  const full = 1 << limit;
  let kraft = 0;
  for (const s of syms) kraft += 1 << (limit - lens[s]!);
  while (kraft > full) {
    // lengthen the rarest symbol among the longest codes still below the limit
    let best = -1;
    for (const s of syms) {
      const l = lens[s]!;
      if (l < limit && (best < 0 || l > lens[best]!)) best = s;
    }
    kraft -= 1 << (limit - lens[best]! - 1);
    lens[best]!++;
  }
  while (kraft < full) {
    const deficit = full - kraft;
    let best = -1;
    for (let i = n - 1; i >= 0; i--) {
      const s = syms[i]!;
      const l = lens[s]!;
      if (l > 1 && 1 << (limit - l) <= deficit && (best < 0 || l > lens[best]!)) best = s;
    }
    kraft += 1 << (limit - lens[best]!);
    lens[best]!--;
  }
  return lens;
}

/** Canonical codes matching the decoder's table layout (lower weights get lower codes). */
function canonicalCodes(lens: Uint8Array, maxBits: number): Uint16Array {
  const codes = new Uint16Array(lens.length);
  const rank = new Uint32Array(maxBits + 2);
  for (let s = 0; s < lens.length; s++) {
    const l = lens[s]!;
    if (l) rank[maxBits + 2 - l]! += 1 << (maxBits - l);
  }
  for (let w = 1; w <= maxBits + 1; w++) rank[w]! += rank[w - 1]!;
  for (let s = 0; s < lens.length; s++) {
    const l = lens[s]!;
    if (!l) continue;
    const w = maxBits + 1 - l;
    codes[s] = rank[w]! >> (w - 1);
    rank[w]! += 1 << (w - 1);
  }
  return codes;
}

function encodeStream(
  lit: Uint8Array,
  start: number,
  end: number,
  codes: Uint16Array,
  lens: Uint8Array,
): Uint8Array {
  const w = new BitWriter(((end - start) * MAX_CODE) / 8 + 16);
  for (let i = end - 1; i >= start; i--) {
    const s = lit[i]!;
    w.add(codes[s]!, lens[s]!);
  }
  return w.close();
}

/**
 * Huffman-compressed literals section (header included), or null when Huffman does not apply
 * (fewer than two distinct bytes, or bytes above 128 that need FSE-coded weights).
 */
export function encodeHuffmanLiterals(lit: Uint8Array, n: number): Uint8Array | null {
  const counts = new Uint32Array(256);
  for (let i = 0; i < n; i++) counts[lit[i]!]!++;
  let maxSym = 255;
  while (maxSym > 0 && counts[maxSym] === 0) maxSym--;
  if (maxSym > 128) return null;
  let distinct = 0;
  for (let s = 0; s <= maxSym; s++) if (counts[s]) distinct++;
  if (distinct < 2) return null;
  const lens = huffmanLengths(counts, maxSym, MAX_CODE);
  let maxBits = 0;
  for (let s = 0; s <= maxSym; s++) if (lens[s]! > maxBits) maxBits = lens[s]!;
  const codes = canonicalCodes(lens, maxBits);
  // tree description: direct weights for symbols 0..maxSym-1 (the last is implied)
  const nw = maxSym;
  const desc = new Uint8Array(1 + ((nw + 1) >> 1));
  desc[0] = 127 + nw;
  for (let s = 0; s < nw; s++) {
    const wt = lens[s] ? maxBits + 1 - lens[s]! : 0;
    desc[1 + (s >> 1)]! |= s & 1 ? wt : wt << 4;
  }
  let body: Uint8Array;
  let streams4: boolean;
  if (n <= 1023 && n < 256 + 128) {
    streams4 = false;
    body = encodeStream(lit, 0, n, codes, lens);
  } else {
    streams4 = true;
    const seg = (n + 3) >> 2;
    const parts = [
      encodeStream(lit, 0, seg, codes, lens),
      encodeStream(lit, seg, 2 * seg, codes, lens),
      encodeStream(lit, 2 * seg, 3 * seg, codes, lens),
      encodeStream(lit, 3 * seg, n, codes, lens),
    ];
    const total = 6 + parts[0]!.length + parts[1]!.length + parts[2]!.length + parts[3]!.length;
    body = new Uint8Array(total);
    let p = 6;
    for (let i = 0; i < 4; i++) {
      const part = parts[i]!;
      if (i < 3) {
        body[2 * i] = part.length & 0xff;
        body[2 * i + 1] = part.length >> 8;
      }
      body.set(part, p);
      p += part.length;
    }
  }
  const csize = desc.length + body.length;
  const big = Math.max(n, csize);
  let sf: number;
  let hsize: number;
  let sizeBits: number;
  if (!streams4) {
    if (csize > 1023) return null;
    sf = 0;
    hsize = 3;
    sizeBits = 10;
  } else if (big <= 1023) {
    sf = 1;
    hsize = 3;
    sizeBits = 10;
  } else if (big <= 16383) {
    sf = 2;
    hsize = 4;
    sizeBits = 14;
  } else {
    sf = 3;
    hsize = 5;
    sizeBits = 18;
  }
  const out = new Uint8Array(hsize + csize);
  let v = 2 + sf * 4 + n * 16 + csize * 2 ** (4 + sizeBits);
  for (let i = 0; i < hsize; i++) {
    out[i] = v % 256;
    v = Math.floor(v / 256);
  }
  out.set(desc, hsize);
  out.set(body, hsize + desc.length);
  return out;
}
