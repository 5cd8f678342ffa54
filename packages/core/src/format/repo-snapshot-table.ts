/**
 * @module format/repo-snapshot-table
 * The snapshot list of a decoded `repo` object read in place: ids, parent links, times, messages
 * and metadata of entry `i` come straight from the flatbuffer, so walking an ancestry or finding
 * one snapshot in a history of 10,000 commits builds objects only for the entries it touches.
 * Entries are sorted by id bytes (icechunk-format.md §2.5), so a lookup is a binary search; a file
 * whose list is not sorted still works (a Map is built on first lookup).
 */

import { decodeBase32 } from "./base32.js";
import type { JsonObject } from "./common.js";
import { readId12, readId12Vector, readMetadata } from "./common.js";
import { OBJECT_ID_LENGTH } from "./constants.js";
import type { FlatBufferReader } from "./flatbuffers/reader.js";
import type { SnapshotId } from "./ids.js";

/** Field slots of `SnapshotInfo` in the repo object. */
export const SNAPSHOT_INFO_SLOT = {
  id: 0,
  parentOffset: 1,
  flushedAt: 2,
  message: 3,
  metadata: 4,
  pruned: 5,
} as const;
const SI = SNAPSHOT_INFO_SLOT;

/** A snapshot as recorded in the repo info. */
export interface RepoSnapshotInfo {
  id: SnapshotId;
  parentId?: SnapshotId;
  /** Microseconds since the epoch. */
  flushedAt: number;
  message: string;
  metadata: JsonObject;
  /** Spec 2.1: ids of expired ancestors' tx logs kept for this snapshot (oldest first). */
  prunedAncestorTxLogs?: SnapshotId[];
}

const query = new Uint8Array(OBJECT_ID_LENGTH);

/** Index-addressed view of `Repo.snapshots`; built (and validated) by `decodeRepoInfo`. */
export class RepoSnapshotTable {
  readonly count: number;
  readonly #r: FlatBufferReader;
  /** Table position of each entry. */
  readonly #tables: Int32Array;
  /** Position of each entry's 12 id bytes. */
  readonly #idPos: Int32Array;
  /** Parent index of each entry, -1 for none. */
  readonly #parents: Int32Array;
  readonly #ids: Array<SnapshotId | undefined>;
  readonly #sorted: boolean;
  #byId: Map<string, number> | undefined;

  /**
   * Validates every entry (id present, parent offset in range) without allocating per entry.
   * @throws {CorruptObjectError} on a missing id or a parent offset out of range.
   */
  constructor(r: FlatBufferReader, vec: number) {
    const count = r.vectorLength(vec);
    this.count = count;
    this.#r = r;
    this.#tables = new Int32Array(count);
    this.#idPos = new Int32Array(count);
    this.#parents = new Int32Array(count);
    this.#ids = new Array<SnapshotId | undefined>(count);
    const bytes = r.bytes;
    let sorted = true;
    for (let i = 0; i < count; i++) {
      const t = r.vectorTable(vec, i);
      this.#tables[i] = t;
      const at = r.required(r.struct(t, SI.id, OBJECT_ID_LENGTH), "SnapshotInfo.id");
      this.#idPos[i] = at;
      const parent = r.i32(t, SI.parentOffset, 0);
      if (parent < -1 || parent >= count)
        r.fail(`snapshot ${this.idAt(i)} has parent offset ${parent} out of range`);
      this.#parents[i] = parent;
      if (sorted && i > 0 && compareAt(bytes, this.#idPos[i - 1]!, bytes, at) >= 0) sorted = false;
    }
    this.#sorted = sorted;
  }

  /** Id of entry `i`. */
  idAt(i: number): SnapshotId {
    let id = this.#ids[i];
    if (id === undefined) {
      id = readId12<SnapshotId>(this.#r, this.#idPos[i]!);
      this.#ids[i] = id;
    }
    return id;
  }

  /** Parent index of entry `i`, or -1 for the repository's first snapshot. */
  parentIndex(i: number): number {
    return this.#parents[i]!;
  }

  /** When entry `i` was written, µs since the epoch. */
  flushedAt(i: number): number {
    return this.#r.u64(this.#tables[i]!, SI.flushedAt, 0);
  }

  /** @throws {CorruptObjectError} when the message is missing or not UTF-8. */
  message(i: number): string {
    return this.#r.requiredString(this.#tables[i]!, SI.message, "SnapshotInfo.message");
  }

  /** A fresh metadata object of entry `i`. @throws {CorruptObjectError} on bad values. */
  metadata(i: number): JsonObject {
    const r = this.#r;
    return readMetadata(r, r.vector(this.#tables[i]!, SI.metadata, 4), "flexbuffers");
  }

  /** The whole entry `i` as an object. */
  entry(i: number): RepoSnapshotInfo {
    const r = this.#r;
    const info: RepoSnapshotInfo = {
      id: this.idAt(i),
      flushedAt: this.flushedAt(i),
      message: this.message(i),
      metadata: this.metadata(i),
    };
    const parent = this.#parents[i]!;
    if (parent >= 0) info.parentId = this.idAt(parent);
    const pruned = r.vector(this.#tables[i]!, SI.pruned, OBJECT_ID_LENGTH);
    if (pruned !== 0) info.prunedAncestorTxLogs = readId12Vector<SnapshotId>(r, pruned);
    return info;
  }

  /** Every entry as an object, in file order (sorted by id). */
  entries(): RepoSnapshotInfo[] {
    const out = new Array<RepoSnapshotInfo>(this.count);
    for (let i = 0; i < this.count; i++) out[i] = this.entry(i);
    return out;
  }

  /** Index of the snapshot with this id, or -1. */
  indexOf(id: string): number {
    if (!this.#sorted) {
      if (this.#byId === undefined) {
        this.#byId = new Map();
        for (let i = 0; i < this.count; i++) this.#byId.set(this.idAt(i), i);
      }
      return this.#byId.get(id) ?? -1;
    }
    if (id.length !== 20 || decodeBase32(id, query) === undefined) return -1;
    const bytes = this.#r.bytes;
    let lo = 0;
    let hi = this.count - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const c = compareAt(bytes, this.#idPos[mid]!, query, 0);
      // lenient base32 (case, O/I/L, padding bits) decodes to the same bytes: only the canonical
      // spelling names the snapshot, as with the Map lookup
      if (c === 0) return this.idAt(mid) === id ? mid : -1;
      if (c < 0) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }
}

function compareAt(a: Uint8Array, at: number, b: Uint8Array, bt: number): number {
  for (let k = 0; k < OBJECT_ID_LENGTH; k++) {
    const d = a[at + k]! - b[bt + k]!;
    if (d !== 0) return d;
  }
  return 0;
}
