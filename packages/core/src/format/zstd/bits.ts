/**
 * @module format/zstd/bits
 * Bit-level I/O for zstd: the backward bit reader used by FSE / Huffman / sequence streams
 * (RFC 8878 §4.1, streams are read from their last byte towards the first) and the matching
 * forward little-endian bit writer used by the encoder.
 */
import { CompressionError } from "../../errors.js";

/**
 * Reads a zstd backward bitstream that occupies `src[start, end)`. `bitPos` counts the bits
 * still unread; it may go negative when a corrupt stream is over-read (the missing bits read as 0),
 * which callers detect through {@link BackwardBitReader.bitPos}.
 */
export class BackwardBitReader {
  readonly src: Uint8Array;
  readonly base: number;
  bitPos: number;

  constructor(src: Uint8Array, start: number, end: number) {
    if (end <= start || end > src.length)
      throw new CompressionError("empty or truncated bitstream");
    const last = src[end - 1]!;
    if (last === 0) throw new CompressionError("bitstream lacks its end-of-stream marker");
    this.src = src;
    this.base = start;
    this.bitPos = (end - start - 1) * 8 + (31 - Math.clz32(last));
  }

  /** Reads `n` bits (0..31), most significant part first. */
  read(n: number): number {
    if (n === 0) return 0;
    if (n > 24) {
      const hi = this.read(n - 16);
      return hi * 65536 + this.read(16);
    }
    const p = this.bitPos - n;
    this.bitPos = p;
    if (p >= 0) {
      const src = this.src;
      const i = this.base + (p >>> 3);
      return (
        ((src[i]! | (src[i + 1]! << 8) | (src[i + 2]! << 16) | (src[i + 3]! << 24)) >>> (p & 7)) &
        ((1 << n) - 1)
      );
    }
    const avail = p + n;
    if (avail <= 0) return 0;
    const src = this.src;
    const i = this.base;
    const low = (src[i]! | (src[i + 1]! << 8) | (src[i + 2]! << 16)) & ((1 << avail) - 1);
    return low << -p;
  }
}

/** Growable forward bit writer (little-endian bit order, as zstd's BIT_addBits). */
export class BitWriter {
  buf: Uint8Array;
  pos = 0;
  private acc = 0;
  private nacc = 0;

  constructor(capacity = 256) {
    this.buf = new Uint8Array(Math.max(16, capacity));
  }

  private grow(): void {
    const next = new Uint8Array(this.buf.length * 2);
    next.set(this.buf);
    this.buf = next;
  }

  /** Appends the low `n` bits (0..31) of `value`. */
  add(value: number, n: number): void {
    if (n === 0) return;
    if (n > 24) {
      this.add(value % 65536, 16);
      this.add(Math.floor(value / 65536), n - 16);
      return;
    }
    this.acc |= (value & ((1 << n) - 1)) << this.nacc;
    this.nacc += n;
    while (this.nacc >= 8) {
      if (this.pos + 4 > this.buf.length) this.grow();
      this.buf[this.pos++] = this.acc & 0xff;
      this.acc >>>= 8;
      this.nacc -= 8;
    }
  }

  /** Appends whole bytes; the writer must be byte aligned. */
  addBytes(bytes: Uint8Array): void {
    if (this.nacc !== 0) throw new Error("BitWriter.addBytes: not byte aligned");
    while (this.pos + bytes.length + 4 > this.buf.length) this.grow();
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  /** Pads with zero bits to a byte boundary and returns the bytes written. */
  flush(): Uint8Array {
    if (this.nacc > 0) {
      if (this.pos + 4 > this.buf.length) this.grow();
      this.buf[this.pos++] = this.acc & 0xff;
      this.acc = 0;
      this.nacc = 0;
    }
    return this.buf.subarray(0, this.pos);
  }

  /** Writes the end-of-stream marker bit and pads to a byte boundary. */
  close(): Uint8Array {
    this.add(1, 1);
    return this.flush();
  }
}
