/**
 * @module format/zstd/context
 * Mutable state shared by the block decoders of one frame (previous entropy tables, repeat
 * offsets) and the growable, size-capped output buffer.
 */
import { CompressionError } from "../../errors.js";
import type { FseTable } from "./fse.js";
import type { HuffmanTable } from "./huffman.js";

const EMPTY = new Uint8Array(0);

/** Largest block content allowed by the format (128 KiB). */
export const BLOCK_MAX = 1 << 17;

/** Per-frame decoding state. */
export interface FrameContext {
  huf: HuffmanTable | null;
  ll: FseTable | null;
  of: FseTable | null;
  ml: FseTable | null;
  rep: [number, number, number];
  /** Output offset where the current frame starts (matches may not reach before it, except into dict). */
  frameStart: number;
  /** Dictionary content (prefix before `frameStart`), possibly empty. */
  dictContent: Uint8Array;
  /** Scratch buffer for decoded literals (>= BLOCK_MAX bytes). */
  litScratch: Uint8Array;
}

/**
 * The output would exceed `maxOutputSize`: a `CompressionError` that carries the cap and what the
 * input declares or needs (at least), so callers can name the limit in their own error.
 */
export class OutputLimitError extends CompressionError {
  constructor(
    readonly limit: number,
    readonly needed: number,
  ) {
    super(
      `output would exceed maxOutputSize (${limit} bytes; the input needs at least ${needed}); raise maxOutputSize if the data is trusted`,
    );
  }
}

/** Growable output buffer that refuses to exceed `cap` bytes. */
export class OutputBuffer {
  buf: Uint8Array;
  len = 0;
  readonly cap: number;

  readonly #initial: number;

  /** `initial` is allocated on the first `reserve` (a frame that declares its size replaces it). */
  constructor(initial: number, cap: number) {
    this.cap = cap;
    this.#initial = Math.max(0, Math.min(initial, cap));
    this.buf = EMPTY;
  }

  /** Makes room for `n` more bytes (throws when the cap would be exceeded). */
  reserve(n: number): void {
    const need = this.len + n;
    if (need > this.cap) {
      throw new OutputLimitError(this.cap, need);
    }
    if (need <= this.buf.length) return;
    let size = Math.max(need, this.buf.length * 2, this.buf.length === 0 ? this.#initial : 1024);
    if (size > this.cap) size = this.cap;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  /**
   * The bytes written so far: the buffer itself when full or nearly full (at most 1/16 unused,
   * as after a bound computed from block headers), otherwise a copy that releases the excess.
   */
  result(): Uint8Array {
    if (this.len === 0) return new Uint8Array(0); // never the shared placeholder
    const unused = this.buf.length - this.len;
    if (unused === 0) return this.buf;
    return unused <= this.len >>> 4 ? this.buf.subarray(0, this.len) : this.buf.slice(0, this.len);
  }
}
