/**
 * @module format/repo-updates
 * The ops-log entries of the repo info (`Update` tables with the `UpdateType` union,
 * icechunk-format.md §2.5, §4.6) and the `RepoStatus` table they share with the repo root.
 */

import { requiredId12 } from "./common.js";
import { OBJECT_ID_LENGTH } from "./constants.js";
import type { FlatBufferBuilder, Offset } from "./flatbuffers/builder.js";
import type { FlatBufferReader } from "./flatbuffers/reader.js";
import { idToBytes, type SnapshotId } from "./ids.js";

/** Repository availability (Rust reads `Offline` and unknown values as online). */
export interface RepoStatus {
  availability: "online" | "read-only";
  /** Microseconds since the epoch. */
  setAt: number;
  reason?: string;
}

/** One kind of repo-info update, with its fields. */
export type RepoUpdate =
  | { type: "repo-initialized" }
  | { type: "repo-migrated"; fromVersion: number; toVersion: number }
  | { type: "config-changed" }
  | { type: "metadata-changed" }
  | { type: "tag-created"; name: string }
  | { type: "tag-deleted"; name: string; previousSnapId: SnapshotId }
  | { type: "branch-created"; name: string }
  | { type: "branch-deleted"; name: string; previousSnapId: SnapshotId }
  | { type: "branch-reset"; name: string; previousSnapId: SnapshotId }
  | { type: "new-commit"; branch: string; newSnapId: SnapshotId }
  | { type: "commit-amended"; branch: string; previousSnapId: SnapshotId; newSnapId: SnapshotId }
  | { type: "new-detached-snapshot"; newSnapId: SnapshotId }
  | { type: "gc-ran" }
  | { type: "expiration-ran" }
  | { type: "feature-flag-changed"; id: number; newValue: boolean; isSet: boolean }
  | { type: "repo-status-changed"; status: RepoStatus };

/** Union codes of `UpdateType` (declaration order of the union). */
export const UPDATE_TYPE_CODES = {
  "repo-initialized": 1,
  "repo-migrated": 2,
  "config-changed": 3,
  "metadata-changed": 4,
  "tag-created": 5,
  "tag-deleted": 6,
  "branch-created": 7,
  "branch-deleted": 8,
  "branch-reset": 9,
  "new-commit": 10,
  "commit-amended": 11,
  "new-detached-snapshot": 12,
  "gc-ran": 13,
  "expiration-ran": 14,
  "feature-flag-changed": 15,
  "repo-status-changed": 16,
} as const satisfies Record<RepoUpdate["type"], number>;

const CODE_TO_TYPE = Object.fromEntries(
  Object.entries(UPDATE_TYPE_CODES).map(([k, v]) => [v, k]),
) as Record<number, RepoUpdate["type"] | undefined>;

/** Decodes a `RepoStatus` table. */
export function readStatus(r: FlatBufferReader, t: number): RepoStatus {
  const availability = r.u8(t, 0, 0) === 1 ? "read-only" : "online";
  const setAt = r.u64(t, 1, 0);
  const reason = r.string(t, 2);
  return reason === undefined ? { availability, setAt } : { availability, setAt, reason };
}

/** Writes a `RepoStatus` table. */
export function writeStatus(b: FlatBufferBuilder, status: RepoStatus): Offset {
  const reason = status.reason === undefined ? undefined : b.createString(status.reason);
  b.startTable(3);
  b.fieldU64(1, status.setAt, 0);
  b.fieldOffset(2, reason);
  b.fieldU8(0, status.availability === "read-only" ? 1 : 0, 0);
  return b.endTable();
}

/** Decodes the union value of an `Update`. */
export function readUpdate(r: FlatBufferReader, code: number, t: number): RepoUpdate {
  const type = CODE_TO_TYPE[code];
  if (type === undefined) return r.fail(`unknown update type ${code}`);
  if (t === 0) return r.fail("required field 'Update.update_type' is missing");
  const str = (slot: number, name: string) => r.requiredString(t, slot, name);
  const id = (slot: number, name: string) => requiredId12<SnapshotId>(r, t, slot, name);
  switch (type) {
    case "repo-initialized":
    case "config-changed":
    case "metadata-changed":
    case "gc-ran":
    case "expiration-ran":
      return { type };
    case "repo-migrated":
      return { type, fromVersion: r.u8(t, 0, 0), toVersion: r.u8(t, 1, 0) };
    case "tag-created":
    case "branch-created":
      return { type, name: str(0, "name") };
    case "tag-deleted":
    case "branch-deleted":
    case "branch-reset":
      return { type, name: str(0, "name"), previousSnapId: id(1, "previous_snap_id") };
    case "new-commit":
      return { type, branch: str(0, "branch"), newSnapId: id(1, "new_snap_id") };
    case "commit-amended":
      return {
        type,
        branch: str(0, "branch"),
        previousSnapId: id(1, "previous_snap_id"),
        newSnapId: id(2, "new_snap_id"),
      };
    case "new-detached-snapshot":
      return { type, newSnapId: id(0, "new_snap_id") };
    case "feature-flag-changed":
      return {
        type,
        id: r.u16(t, 0, 0),
        newValue: r.bool(t, 1, false),
        isSet: r.bool(t, 2, false),
      };
    case "repo-status-changed": {
      const status = r.table(t, 0);
      return { type, status: readStatus(r, r.required(status, "RepoStatusChangedUpdate.status")) };
    }
  }
}

function id12(id: SnapshotId): Uint8Array {
  return idToBytes(id, OBJECT_ID_LENGTH);
}

/** Writes the union value table of an update; returns its code and offset. */
export function writeUpdate(b: FlatBufferBuilder, u: RepoUpdate): { code: number; offset: Offset } {
  const code = UPDATE_TYPE_CODES[u.type];
  let offset: Offset;
  switch (u.type) {
    case "repo-initialized":
    case "config-changed":
    case "metadata-changed":
    case "gc-ran":
    case "expiration-ran":
      b.startTable(0);
      offset = b.endTable();
      break;
    case "repo-migrated":
      b.startTable(2);
      b.fieldU8(1, u.toVersion, 0);
      b.fieldU8(0, u.fromVersion, 0);
      offset = b.endTable();
      break;
    case "tag-created":
    case "branch-created": {
      const name = b.createString(u.name);
      b.startTable(1);
      b.fieldOffset(0, name);
      offset = b.endTable();
      break;
    }
    case "tag-deleted":
    case "branch-deleted":
    case "branch-reset": {
      const name = b.createString(u.name);
      b.startTable(2);
      b.fieldStruct(1, id12(u.previousSnapId));
      b.fieldOffset(0, name);
      offset = b.endTable();
      break;
    }
    case "new-commit": {
      const branch = b.createString(u.branch);
      b.startTable(2);
      b.fieldStruct(1, id12(u.newSnapId));
      b.fieldOffset(0, branch);
      offset = b.endTable();
      break;
    }
    case "commit-amended": {
      const branch = b.createString(u.branch);
      b.startTable(3);
      b.fieldStruct(2, id12(u.newSnapId));
      b.fieldStruct(1, id12(u.previousSnapId));
      b.fieldOffset(0, branch);
      offset = b.endTable();
      break;
    }
    case "new-detached-snapshot":
      b.startTable(1);
      b.fieldStruct(0, id12(u.newSnapId));
      offset = b.endTable();
      break;
    case "feature-flag-changed":
      b.startTable(3);
      b.fieldU16(0, u.id, 0);
      b.fieldBool(2, u.isSet, false);
      b.fieldBool(1, u.newValue, false);
      offset = b.endTable();
      break;
    case "repo-status-changed": {
      const status = writeStatus(b, u.status);
      b.startTable(1);
      b.fieldOffset(0, status);
      offset = b.endTable();
      break;
    }
  }
  return { code, offset };
}
