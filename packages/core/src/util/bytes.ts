/**
 * @module util/bytes
 * Byte helpers that work in every JS runtime (no Node Buffer).
 */
const encoder = new TextEncoder();

/** Lexicographic comparison of byte arrays (shorter prefix first). */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/** Compares strings by their UTF-8 bytes (the order of snapshot node paths). */
export function compareUtf8(a: string, b: string): number {
  return compareBytes(encoder.encode(a), encoder.encode(b));
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && compareBytes(a, b) === 0;
}

export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}
