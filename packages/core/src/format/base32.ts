/**
 * @module format/base32
 * Crockford base32 as used for Icechunk object ids (icechunk-format.md §3): upper case, no
 * padding, leftover bits zero-padded on the right. Decoding is lenient (lower case, `O`→0,
 * `I`/`L`→1) like the Rust `base32` crate's Crockford decoder.
 */

const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

const DECODE: Int8Array = (() => {
  const table = new Int8Array(128).fill(-1);
  for (let i = 0; i < ALPHABET.length; i++) {
    table[ALPHABET.charCodeAt(i)] = i;
    table[ALPHABET.toLowerCase().charCodeAt(i)] = i;
  }
  for (const [c, v] of [
    ["O", 0],
    ["I", 1],
    ["L", 1],
  ] as const) {
    table[c.charCodeAt(0)] = v;
    table[c.toLowerCase().charCodeAt(0)] = v;
  }
  return table;
})();

const C: Uint16Array = Uint16Array.from(ALPHABET, (c) => c.charCodeAt(0));

/** Encodes bytes as upper-case Crockford base32 without padding. */
export function encodeBase32(bytes: Uint8Array): string {
  return encodeBase32At(bytes, 0, bytes.length);
}

/**
 * Encodes `bytes[start, start + length)` (no copy). Ids (12 and 8 bytes) take unrolled paths that
 * build each string in one step: ids are encoded per chunk reference and per history entry, and
 * character-by-character concatenation cost about five times as much.
 */
export function encodeBase32At(bytes: Uint8Array, start: number, length: number): string {
  if (length === 12) return encode12(bytes, start);
  if (length === 8) return encode8(bytes, start);
  let out = "";
  let buffer = 0;
  let bits = 0;
  for (let k = start; k < start + length; k++) {
    buffer = ((buffer << 8) | bytes[k]!) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += ALPHABET[(buffer >>> bits) & 31];
    }
  }
  if (bits > 0) out += ALPHABET[(buffer << (5 - bits)) & 31];
  return out;
}

/** Eight characters of five bytes at `s`. */
function five(b: Uint8Array, s: number): string {
  const x0 = b[s]!;
  const x1 = b[s + 1]!;
  const x2 = b[s + 2]!;
  const x3 = b[s + 3]!;
  const x4 = b[s + 4]!;
  return String.fromCharCode(
    C[x0 >> 3]!,
    C[((x0 & 7) << 2) | (x1 >> 6)]!,
    C[(x1 >> 1) & 31]!,
    C[((x1 & 1) << 4) | (x2 >> 4)]!,
    C[((x2 & 15) << 1) | (x3 >> 7)]!,
    C[(x3 >> 2) & 31]!,
    C[((x3 & 3) << 3) | (x4 >> 5)]!,
    C[x4 & 31]!,
  );
}

/** Twenty characters of twelve bytes at `s`, built as one string (no concatenation). */
function encode12(b: Uint8Array, s: number): string {
  const x0 = b[s]!;
  const x1 = b[s + 1]!;
  const x2 = b[s + 2]!;
  const x3 = b[s + 3]!;
  const x4 = b[s + 4]!;
  const x5 = b[s + 5]!;
  const x6 = b[s + 6]!;
  const x7 = b[s + 7]!;
  const x8 = b[s + 8]!;
  const x9 = b[s + 9]!;
  const x10 = b[s + 10]!;
  const x11 = b[s + 11]!;
  return String.fromCharCode(
    C[x0 >> 3]!,
    C[((x0 & 7) << 2) | (x1 >> 6)]!,
    C[(x1 >> 1) & 31]!,
    C[((x1 & 1) << 4) | (x2 >> 4)]!,
    C[((x2 & 15) << 1) | (x3 >> 7)]!,
    C[(x3 >> 2) & 31]!,
    C[((x3 & 3) << 3) | (x4 >> 5)]!,
    C[x4 & 31]!,
    C[x5 >> 3]!,
    C[((x5 & 7) << 2) | (x6 >> 6)]!,
    C[(x6 >> 1) & 31]!,
    C[((x6 & 1) << 4) | (x7 >> 4)]!,
    C[((x7 & 15) << 1) | (x8 >> 7)]!,
    C[(x8 >> 2) & 31]!,
    C[((x8 & 3) << 3) | (x9 >> 5)]!,
    C[x9 & 31]!,
    C[x10 >> 3]!,
    C[((x10 & 7) << 2) | (x11 >> 6)]!,
    C[(x11 >> 1) & 31]!,
    C[(x11 & 1) << 4]!,
  );
}

function encode8(b: Uint8Array, s: number): string {
  const x5 = b[s + 5]!;
  const x6 = b[s + 6]!;
  const x7 = b[s + 7]!;
  return (
    five(b, s) +
    String.fromCharCode(
      C[x5 >> 3]!,
      C[((x5 & 7) << 2) | (x6 >> 6)]!,
      C[(x6 >> 1) & 31]!,
      C[((x6 & 1) << 4) | (x7 >> 4)]!,
      C[(x7 & 15) << 1]!,
    )
  );
}

/**
 * Decodes Crockford base32 (case-insensitive). Returns `undefined` for characters outside the
 * alphabet. Trailing bits that do not fill a byte are dropped. Writes into `into` when it has
 * exactly the decoded length (saves an allocation in hot encoders).
 */
export function decodeBase32(text: string, into?: Uint8Array): Uint8Array | undefined {
  const size = Math.floor((text.length * 5) / 8);
  const out = into !== undefined && into.length === size ? into : new Uint8Array(size);
  let buffer = 0;
  let bits = 0;
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const value = code < 128 ? DECODE[code] : -1;
    if (value < 0) return undefined;
    buffer = ((buffer << 5) | value) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out[n++] = (buffer >>> bits) & 0xff;
    }
  }
  return out;
}
