/**
 * @module test/format/value-fixtures
 * Test-only helpers for the value codec tests: decompress Rust-written metadata files with the
 * `zstd` CLI and pull FlexBuffer / MessagePack byte ranges out of the flatbuffer with a tiny table
 * walker (independent of the production flatbuffer reader on purpose).
 */

import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { REFERENCE_REPOS_DIR } from "../../../../test/support/tmp.js";

export const FIXTURES = REFERENCE_REPOS_DIR;

/** Reads a 39-byte-header Icechunk file and returns the decompressed flatbuffer. */
export function readFlatbuffer(path: string): Uint8Array {
  const raw = readFileSync(path);
  return decompress(raw.subarray(39));
}

/** Decompresses a zstd frame with the zstd CLI. */
export function decompress(frame: Uint8Array): Uint8Array {
  return new Uint8Array(execFileSync("zstd", ["-d", "-c", "-q"], { input: frame }));
}

/** Every `repo` file among the fixtures. */
export function fixtureRepoFiles(): string[] {
  return readdirSync(FIXTURES)
    .map((d) => join(FIXTURES, d, "repo"))
    .filter((p) => existsSync(p));
}

/** Every snapshot file of one fixture repository. */
export function fixtureSnapshotFiles(repo: string): string[] {
  const dir = join(FIXTURES, repo, "snapshots");
  return readdirSync(dir).map((f) => join(dir, f));
}

/** Minimal flatbuffer table walker. */
export class Table {
  private readonly view: DataView;
  constructor(
    readonly buf: Uint8Array,
    readonly pos: number,
  ) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  static root(buf: Uint8Array): Table {
    const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    return new Table(buf, v.getUint32(0, true));
  }

  /** Absolute position of field `slot`, or undefined when absent. */
  field(slot: number): number | undefined {
    const vt = this.pos - this.view.getInt32(this.pos, true);
    const vtLen = this.view.getUint16(vt, true);
    const at = 4 + 2 * slot;
    if (at >= vtLen) return undefined;
    const off = this.view.getUint16(vt + at, true);
    return off === 0 ? undefined : this.pos + off;
  }

  private deref(slot: number): number | undefined {
    const p = this.field(slot);
    return p === undefined ? undefined : p + this.view.getUint32(p, true);
  }

  bytes(slot: number): Uint8Array | undefined {
    const p = this.deref(slot);
    if (p === undefined) return undefined;
    const n = this.view.getUint32(p, true);
    return this.buf.subarray(p + 4, p + 4 + n);
  }

  string(slot: number): string | undefined {
    const b = this.bytes(slot);
    return b === undefined ? undefined : new TextDecoder().decode(b);
  }

  table(slot: number): Table | undefined {
    const p = this.deref(slot);
    return p === undefined ? undefined : new Table(this.buf, p);
  }

  tables(slot: number): Table[] {
    const p = this.deref(slot);
    if (p === undefined) return [];
    const n = this.view.getUint32(p, true);
    const out: Table[] = [];
    for (let i = 0; i < n; i++) {
      const e = p + 4 + 4 * i;
      out.push(new Table(this.buf, e + this.view.getUint32(e, true)));
    }
    return out;
  }
}

/** MetadataItem tables {0 name, 1 value} as raw (name, bytes) pairs. */
export function metadataItems(items: Table[]): [string, Uint8Array][] {
  return items.map((t) => [t.string(0)!, t.bytes(1)!]);
}
