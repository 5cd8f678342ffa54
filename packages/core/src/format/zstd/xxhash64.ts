/**
 * @module format/zstd/xxhash64
 * XXH64 (seed 0) over 32-bit halves, used to verify zstd Content_Checksum (low 32 bits).
 * No BigInt: 64-bit products are assembled from 16-bit partial products.
 */

const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

// 64-bit values are (hi, lo) pairs of uint32; results of helpers land in RH/RL.
let RH = 0;
let RL = 0;

const P1H = 0x9e3779b1;
const P1L = 0x85ebca87;
const P2H = 0xc2b2ae3d;
const P2L = 0x27d4eb4f;
const P2L0 = P2L & 0xffff;
const P2L1 = P2L >>> 16;
const P1L0 = 0x85ebca87 & 0xffff;
const P1L1 = 0x85ebca87 >>> 16;
const P3H = 0x165667b1;
const P3L = 0x9e3779f9;
const P4H = 0x85ebca77;
const P4L = 0xc2b2ae63;
const P5H = 0x27d4eb2f;
const P5L = 0x165667c5;

function mul(ah: number, al: number, bh: number, bl: number): void {
  // low 64 bits of the product: lo×lo exactly (16-bit halves, every partial sum < 2^32), the
  // cross terms only modulo 2^32
  const a0 = al & 0xffff;
  const a1 = al >>> 16;
  const b0 = bl & 0xffff;
  const b1 = bl >>> 16;
  const m1 = a1 * b0 + ((a0 * b0) >>> 16);
  const m2 = a0 * b1 + (m1 & 0xffff);
  RL = Math.imul(al, bl) >>> 0;
  RH = (a1 * b1 + (m1 >>> 16) + (m2 >>> 16) + Math.imul(al, bh) + Math.imul(ah, bl)) >>> 0;
}

function add(ah: number, al: number, bh: number, bl: number): void {
  const l = al + bl;
  RH = (ah + bh + (l > 0xffffffff ? 1 : 0)) >>> 0;
  RL = l >>> 0;
}

function rotl(h: number, l: number, r: number): void {
  RH = ((h << r) | (l >>> (32 - r))) >>> 0;
  RL = ((l << r) | (h >>> (32 - r))) >>> 0;
}

/** acc = rotl(acc + input * P2, 31) * P1 */
function round(acch: number, accl: number, ih: number, il: number): void {
  mul(ih, il, P2H, P2L);
  add(acch, accl, RH, RL);
  rotl(RH, RL, 31);
  mul(RH, RL, P1H, P1L);
}

function u32(b: Uint8Array, p: number): number {
  return (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0;
}

/** Low 32 bits of XXH64(seed 0) of `data[start, end)`. */
export function xxh64Low32(data: Uint8Array, start: number, end: number): number {
  const len = end - start;
  let p = start;
  let hh: number;
  let hl: number;
  if (len >= 32) {
    // v1 = P1 + P2, v2 = P2, v3 = 0, v4 = -P1
    add(P1H, P1L, P2H, P2L);
    let v1h = RH;
    let v1l = RL;
    let v2h = P2H;
    let v2l = P2L;
    let v3h = 0;
    let v3l = 0;
    // -P1 mod 2^64
    let v4l = (~P1L + 1) >>> 0;
    let v4h = (~P1H + (v4l === 0 ? 1 : 0)) >>> 0;
    const limit = end - 32;
    // the stripes as little-endian words: a view when aligned, else one copy
    const nw = (len >>> 5) << 3;
    const off = data.byteOffset + start;
    const words =
      LITTLE_ENDIAN && off % 4 === 0
        ? new Uint32Array(data.buffer, off, nw)
        : new Uint32Array(data.slice(start, start + nw * 4).buffer);
    let w = 0;
    while (p <= limit) {
      {
        // v1 = rotl(v1 + input * P2, 31) * P1
        const il = words[w + 0]!;
        const ih = words[w + 1]!;
        let a0 = il & 0xffff;
        let a1 = il >>> 16;
        let m1 = a1 * P2L0 + ((a0 * P2L0) >>> 16);
        let m2 = a0 * P2L1 + (m1 & 0xffff);
        const pl = Math.imul(il, P2L) >>> 0;
        const ph = a1 * P2L1 + (m1 >>> 16) + (m2 >>> 16) + Math.imul(il, P2H) + Math.imul(ih, P2L);
        const sl = v1l + pl;
        const sh = (v1h + ph + (sl > 0xffffffff ? 1 : 0)) >>> 0;
        const sl32 = sl >>> 0;
        const rh = ((sh << 31) | (sl32 >>> 1)) >>> 0;
        const rl = ((sl32 << 31) | (sh >>> 1)) >>> 0;
        a0 = rl & 0xffff;
        a1 = rl >>> 16;
        m1 = a1 * P1L0 + ((a0 * P1L0) >>> 16);
        m2 = a0 * P1L1 + (m1 & 0xffff);
        v1l = Math.imul(rl, P1L) >>> 0;
        v1h =
          (a1 * P1L1 + (m1 >>> 16) + (m2 >>> 16) + Math.imul(rl, P1H) + Math.imul(rh, P1L)) >>> 0;
      }
      {
        // v2 = rotl(v2 + input * P2, 31) * P1
        const il = words[w + 2]!;
        const ih = words[w + 3]!;
        let a0 = il & 0xffff;
        let a1 = il >>> 16;
        let m1 = a1 * P2L0 + ((a0 * P2L0) >>> 16);
        let m2 = a0 * P2L1 + (m1 & 0xffff);
        const pl = Math.imul(il, P2L) >>> 0;
        const ph = a1 * P2L1 + (m1 >>> 16) + (m2 >>> 16) + Math.imul(il, P2H) + Math.imul(ih, P2L);
        const sl = v2l + pl;
        const sh = (v2h + ph + (sl > 0xffffffff ? 1 : 0)) >>> 0;
        const sl32 = sl >>> 0;
        const rh = ((sh << 31) | (sl32 >>> 1)) >>> 0;
        const rl = ((sl32 << 31) | (sh >>> 1)) >>> 0;
        a0 = rl & 0xffff;
        a1 = rl >>> 16;
        m1 = a1 * P1L0 + ((a0 * P1L0) >>> 16);
        m2 = a0 * P1L1 + (m1 & 0xffff);
        v2l = Math.imul(rl, P1L) >>> 0;
        v2h =
          (a1 * P1L1 + (m1 >>> 16) + (m2 >>> 16) + Math.imul(rl, P1H) + Math.imul(rh, P1L)) >>> 0;
      }
      {
        // v3 = rotl(v3 + input * P2, 31) * P1
        const il = words[w + 4]!;
        const ih = words[w + 5]!;
        let a0 = il & 0xffff;
        let a1 = il >>> 16;
        let m1 = a1 * P2L0 + ((a0 * P2L0) >>> 16);
        let m2 = a0 * P2L1 + (m1 & 0xffff);
        const pl = Math.imul(il, P2L) >>> 0;
        const ph = a1 * P2L1 + (m1 >>> 16) + (m2 >>> 16) + Math.imul(il, P2H) + Math.imul(ih, P2L);
        const sl = v3l + pl;
        const sh = (v3h + ph + (sl > 0xffffffff ? 1 : 0)) >>> 0;
        const sl32 = sl >>> 0;
        const rh = ((sh << 31) | (sl32 >>> 1)) >>> 0;
        const rl = ((sl32 << 31) | (sh >>> 1)) >>> 0;
        a0 = rl & 0xffff;
        a1 = rl >>> 16;
        m1 = a1 * P1L0 + ((a0 * P1L0) >>> 16);
        m2 = a0 * P1L1 + (m1 & 0xffff);
        v3l = Math.imul(rl, P1L) >>> 0;
        v3h =
          (a1 * P1L1 + (m1 >>> 16) + (m2 >>> 16) + Math.imul(rl, P1H) + Math.imul(rh, P1L)) >>> 0;
      }
      {
        // v4 = rotl(v4 + input * P2, 31) * P1
        const il = words[w + 6]!;
        const ih = words[w + 7]!;
        let a0 = il & 0xffff;
        let a1 = il >>> 16;
        let m1 = a1 * P2L0 + ((a0 * P2L0) >>> 16);
        let m2 = a0 * P2L1 + (m1 & 0xffff);
        const pl = Math.imul(il, P2L) >>> 0;
        const ph = a1 * P2L1 + (m1 >>> 16) + (m2 >>> 16) + Math.imul(il, P2H) + Math.imul(ih, P2L);
        const sl = v4l + pl;
        const sh = (v4h + ph + (sl > 0xffffffff ? 1 : 0)) >>> 0;
        const sl32 = sl >>> 0;
        const rh = ((sh << 31) | (sl32 >>> 1)) >>> 0;
        const rl = ((sl32 << 31) | (sh >>> 1)) >>> 0;
        a0 = rl & 0xffff;
        a1 = rl >>> 16;
        m1 = a1 * P1L0 + ((a0 * P1L0) >>> 16);
        m2 = a0 * P1L1 + (m1 & 0xffff);
        v4l = Math.imul(rl, P1L) >>> 0;
        v4h =
          (a1 * P1L1 + (m1 >>> 16) + (m2 >>> 16) + Math.imul(rl, P1H) + Math.imul(rh, P1L)) >>> 0;
      }
      p += 32;
      w += 8;
    }
    rotl(v1h, v1l, 1);
    hh = RH;
    hl = RL;
    rotl(v2h, v2l, 7);
    add(hh, hl, RH, RL);
    hh = RH;
    hl = RL;
    rotl(v3h, v3l, 12);
    add(hh, hl, RH, RL);
    hh = RH;
    hl = RL;
    rotl(v4h, v4l, 18);
    add(hh, hl, RH, RL);
    hh = RH;
    hl = RL;
    const vs = [v1h, v1l, v2h, v2l, v3h, v3l, v4h, v4l];
    for (let i = 0; i < 8; i += 2) {
      round(0, 0, vs[i]!, vs[i + 1]!);
      hh = (hh ^ RH) >>> 0;
      hl = (hl ^ RL) >>> 0;
      mul(hh, hl, P1H, P1L);
      add(RH, RL, P4H, P4L);
      hh = RH;
      hl = RL;
    }
  } else {
    hh = P5H;
    hl = P5L;
  }
  add(hh, hl, Math.floor(len / 4294967296), len >>> 0);
  hh = RH;
  hl = RL;
  while (p + 8 <= end) {
    round(0, 0, u32(data, p + 4), u32(data, p));
    hh = (hh ^ RH) >>> 0;
    hl = (hl ^ RL) >>> 0;
    rotl(hh, hl, 27);
    mul(RH, RL, P1H, P1L);
    add(RH, RL, P4H, P4L);
    hh = RH;
    hl = RL;
    p += 8;
  }
  if (p + 4 <= end) {
    mul(0, u32(data, p), P1H, P1L);
    hh = (hh ^ RH) >>> 0;
    hl = (hl ^ RL) >>> 0;
    rotl(hh, hl, 23);
    mul(RH, RL, P2H, P2L);
    add(RH, RL, P3H, P3L);
    hh = RH;
    hl = RL;
    p += 4;
  }
  while (p < end) {
    mul(0, data[p]!, P5H, P5L);
    hh = (hh ^ RH) >>> 0;
    hl = (hl ^ RL) >>> 0;
    rotl(hh, hl, 11);
    mul(RH, RL, P1H, P1L);
    hh = RH;
    hl = RL;
    p++;
  }
  // avalanche: h ^= h >> 33; h *= P2; h ^= h >> 29; h *= P3; h ^= h >> 32
  hl = (hl ^ (hh >>> 1)) >>> 0;
  mul(hh, hl, P2H, P2L);
  hh = RH;
  hl = RL;
  const sl = ((hl >>> 29) | (hh << 3)) >>> 0;
  hl = (hl ^ sl) >>> 0;
  hh = (hh ^ (hh >>> 29)) >>> 0;
  mul(hh, hl, P3H, P3L);
  hh = RH;
  hl = RL;
  hl = (hl ^ hh) >>> 0;
  return hl;
}
