/**
 * @module format/zstd/dictionary
 * zstd dictionaries (RFC 8878 §5): "formatted" dictionaries (magic 0xEC30A437, dictionary id,
 * entropy tables, repeat offsets, content) as produced by ZDICT_trainFromBuffer / `zstd --train`,
 * and raw-content dictionaries (any bytes without the magic).
 */
import { CompressionError } from "../../errors.js";
import type { FseTable } from "./fse.js";
import { buildFseTable, readNCount } from "./fse.js";
import type { HuffmanTable } from "./huffman.js";
import { readHuffmanTable } from "./huffman.js";

/** Magic number that starts a formatted dictionary. */
export const DICT_MAGIC = 0xec30a437;

/** A parsed dictionary; parse once with {@link parseZstdDictionary} and reuse for many frames. */
export interface ZstdDictionary {
  /** Dictionary id (0 for raw-content dictionaries). */
  readonly id: number;
  /** Size of the content part in bytes. */
  readonly contentSize: number;
}

/** Internal representation behind {@link ZstdDictionary}. */
export class ParsedDictionary implements ZstdDictionary {
  constructor(
    readonly id: number,
    readonly content: Uint8Array,
    readonly huf: HuffmanTable | null,
    readonly ll: FseTable | null,
    readonly of: FseTable | null,
    readonly ml: FseTable | null,
    readonly rep: readonly [number, number, number],
  ) {}

  get contentSize(): number {
    return this.content.length;
  }
}

/**
 * Parses a zstd dictionary. Bytes starting with the dictionary magic are read as a formatted
 * dictionary; anything else is used as raw content (dictionary id 0).
 * @throws CompressionError when a formatted dictionary is malformed.
 */
export function parseZstdDictionary(bytes: Uint8Array): ZstdDictionary {
  if (!(bytes instanceof Uint8Array)) throw new CompressionError("dictionary must be a Uint8Array");
  const len = bytes.length;
  const u32 = (p: number): number =>
    (bytes[p]! | (bytes[p + 1]! << 8) | (bytes[p + 2]! << 16) | (bytes[p + 3]! << 24)) >>> 0;
  if (len < 8 || u32(0) !== DICT_MAGIC) {
    return new ParsedDictionary(0, bytes.slice(), null, null, null, null, [1, 4, 8]);
  }
  try {
    const id = u32(4);
    let pos = 8;
    const h = readHuffmanTable(bytes, pos, len);
    pos += h.size;
    const of = readNCount(bytes, pos, len, 31, 8);
    pos += of.size;
    const ml = readNCount(bytes, pos, len, 52, 9);
    pos += ml.size;
    const ll = readNCount(bytes, pos, len, 35, 9);
    pos += ll.size;
    if (pos + 12 > len) throw new CompressionError("dictionary truncated before repeat offsets");
    const content = bytes.slice(pos + 12);
    const rep: [number, number, number] = [u32(pos), u32(pos + 4), u32(pos + 8)];
    for (const r of rep) {
      if (r === 0 || r > content.length) {
        throw new CompressionError("dictionary has an invalid repeat offset");
      }
    }
    return new ParsedDictionary(
      id,
      content,
      h.table,
      buildFseTable(ll.counts, ll.maxSymbol, ll.log),
      buildFseTable(of.counts, of.maxSymbol, of.log),
      buildFseTable(ml.counts, ml.maxSymbol, ml.log),
      rep,
    );
  } catch (err) {
    if (err instanceof CompressionError) {
      throw new CompressionError(`invalid zstd dictionary: ${err.message.replace(/^zstd: /, "")}`, {
        cause: err,
      });
    }
    throw err;
  }
}
