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

/** Encodes bytes as upper-case Crockford base32 without padding. */
export function encodeBase32(bytes: Uint8Array): string {
  let out = "";
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = ((buffer << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += ALPHABET[(buffer >>> bits) & 31];
    }
  }
  if (bits > 0) out += ALPHABET[(buffer << (5 - bits)) & 31];
  return out;
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
