/**
 * @module session/fork
 * Change-set plumbing for fork sessions (icechunk-format.md §8.4): deep copies, a portable JSON
 * form (so a fork can be posted to a worker with structured clone or JSON; bytes as base64), and
 * merging the change set of one session into another with upstream's rules (conflicting creations,
 * conflicting updates and delete-versus-modify are errors; chunk refs: the other side wins).
 */
import { InvalidArgumentError, SessionMergeError } from "../errors.js";
import type { ChunkId, NodeId, SnapshotId } from "../format/ids.js";
import { parseSnapshotId } from "../format/ids.js";
import type { ChunkChecksum, ChunkPayload } from "../format/manifest.js";
import type { DimensionShape } from "../format/snapshot.js";
import { bytesEqual } from "../util/bytes.js";
import { type ArrayData, ChangeSet } from "./change-set.js";

/** A copy of a change set that shares nothing mutable with the original. */
export function cloneChangeSet(src: ChangeSet): ChangeSet {
  const out = new ChangeSet();
  for (const [k, v] of src.newGroups) out.newGroups.set(k, v);
  for (const [k, v] of src.newArrays) out.newArrays.set(k, v);
  for (const [k, v] of src.updatedGroups) out.updatedGroups.set(k, v);
  for (const [k, v] of src.updatedArrays) out.updatedArrays.set(k, v);
  for (const [k, v] of src.setChunks) out.setChunks.set(k, new Map(v));
  for (const [k, v] of src.deletedGroups) out.deletedGroups.set(k, v);
  for (const [k, v] of src.deletedArrays) out.deletedArrays.set(k, v);
  out.chunksEdited = src.chunksEdited;
  return out;
}

// ---------------------------------------------------------------------------------------------
// JSON

/** Array metadata in JSON form (`userData` base64). */
export interface ArrayDataJSON {
  shape: DimensionShape[];
  dimensionNames?: (string | null)[];
  userData: string;
}
/** A chunk payload in JSON form (`inline.data` base64). */
export type ChunkPayloadJSON =
  | { kind: "inline"; data: string }
  | { kind: "native"; chunkId: string; offset: number; length: number }
  | { kind: "virtual"; location: string; offset: number; length: number; checksum?: ChunkChecksum };

/** A change set as plain JSON data. */
export interface ChangeSetJSON {
  newGroups: Array<[path: string, id: string, userData: string]>;
  newArrays: Array<[path: string, id: string, data: ArrayDataJSON]>;
  updatedGroups: Array<[id: string, userData: string]>;
  updatedArrays: Array<[id: string, data: ArrayDataJSON]>;
  /** node id → [coordinates joined by ",", payload or null (deleted)]. */
  setChunks: Array<[id: string, chunks: Array<[coords: string, payload: ChunkPayloadJSON | null]>]>;
  deletedGroups: Array<[path: string, id: string]>;
  deletedArrays: Array<[path: string, id: string]>;
}

/** A serialized session (see `Session.toJSON`). */
export interface SessionJSON {
  format: "icechunk-ts-session";
  version: 1;
  snapshotId: string;
  branch?: string;
  mode: "readonly" | "writable";
  fork: boolean;
  changes: ChangeSetJSON;
}

function toBase64(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000)
    s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}
function fromBase64(text: string): Uint8Array {
  const s = atob(text);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

const arrayToJSON = (d: ArrayData): ArrayDataJSON => ({
  shape: d.shape.map((s) => ({ arrayLength: s.arrayLength, numChunks: s.numChunks })),
  ...(d.dimensionNames ? { dimensionNames: [...d.dimensionNames] } : {}),
  userData: toBase64(d.userData),
});
const arrayFromJSON = (d: ArrayDataJSON): ArrayData => ({
  shape: d.shape.map((s) => ({ arrayLength: s.arrayLength, numChunks: s.numChunks })),
  ...(d.dimensionNames ? { dimensionNames: [...d.dimensionNames] } : {}),
  userData: fromBase64(d.userData),
});
const payloadToJSON = (p: ChunkPayload): ChunkPayloadJSON =>
  p.kind === "inline"
    ? { kind: "inline", data: toBase64(p.data) }
    : p.kind === "native"
      ? { ...p }
      : { ...p };
const payloadFromJSON = (p: ChunkPayloadJSON): ChunkPayload =>
  p.kind === "inline"
    ? { kind: "inline", data: fromBase64(p.data) }
    : p.kind === "native"
      ? { kind: "native", chunkId: p.chunkId as ChunkId, offset: p.offset, length: p.length }
      : { ...p };

/** The JSON form of a change set. */
export function changeSetToJSON(c: ChangeSet): ChangeSetJSON {
  return {
    newGroups: [...c.newGroups].map(([path, n]) => [path, n.id, toBase64(n.data)]),
    newArrays: [...c.newArrays].map(([path, n]) => [path, n.id, arrayToJSON(n.data)]),
    updatedGroups: [...c.updatedGroups].map(([id, d]) => [id, toBase64(d)]),
    updatedArrays: [...c.updatedArrays].map(([id, d]) => [id, arrayToJSON(d)]),
    setChunks: [...c.setChunks].map(([id, m]) => [
      id,
      [...m].map(([k, p]) => [k, p === null ? null : payloadToJSON(p)]),
    ]),
    deletedGroups: [...c.deletedGroups],
    deletedArrays: [...c.deletedArrays],
  };
}

/** Rebuilds a change set from {@link changeSetToJSON} output. */
export function changeSetFromJSON(j: ChangeSetJSON): ChangeSet {
  const c = new ChangeSet();
  for (const [path, id, d] of j.newGroups)
    c.newGroups.set(path, { id: id as NodeId, data: fromBase64(d) });
  for (const [path, id, d] of j.newArrays)
    c.newArrays.set(path, { id: id as NodeId, data: arrayFromJSON(d) });
  for (const [id, d] of j.updatedGroups) c.updatedGroups.set(id as NodeId, fromBase64(d));
  for (const [id, d] of j.updatedArrays) c.updatedArrays.set(id as NodeId, arrayFromJSON(d));
  for (const [id, chunks] of j.setChunks)
    c.setChunks.set(
      id as NodeId,
      new Map(chunks.map(([k, p]) => [k, p === null ? null : payloadFromJSON(p)])),
    );
  for (const [path, id] of j.deletedGroups) c.deletedGroups.set(path, id as NodeId);
  for (const [path, id] of j.deletedArrays) c.deletedArrays.set(path, id as NodeId);
  return c;
}

/** A serialized session, decoded. */
export interface ParsedSession {
  snapshotId: SnapshotId;
  branch: string | undefined;
  mode: "readonly" | "writable";
  fork: boolean;
  changes: ChangeSet;
}

/** Validates the envelope of a serialized session and returns its parts. */
export function parseSessionJSON(json: unknown): ParsedSession {
  let parsed: unknown = json;
  if (typeof json === "string") {
    try {
      parsed = JSON.parse(json);
    } catch {
      throw new InvalidArgumentError(
        "session JSON",
        "not a serialized icechunk-ts session (invalid JSON); pass the value returned by session.toJSON()",
      );
    }
  }
  const j = parsed as Partial<SessionJSON> | null;
  if (
    j?.format !== "icechunk-ts-session" ||
    j.version !== 1 ||
    !j.changes ||
    typeof j.snapshotId !== "string"
  )
    throw new InvalidArgumentError(
      "serialized session",
      "it is not a serialized icechunk-ts session; pass the value returned by session.toJSON()",
    );
  return {
    snapshotId: parseSnapshotId(j.snapshotId),
    branch: j.branch,
    mode: j.mode === "readonly" ? "readonly" : "writable",
    fork: j.fork === true,
    changes: changeSetFromJSON(j.changes),
  };
}

// ---------------------------------------------------------------------------------------------
// merge

const sameArrayData = (a: ArrayData, b: ArrayData) =>
  bytesEqual(a.userData, b.userData) &&
  JSON.stringify([a.shape, a.dimensionNames]) === JSON.stringify([b.shape, b.dimensionNames]);

function modifies(c: ChangeSet, path: string, id: NodeId): string | undefined {
  if (c.newGroups.has(path) || c.newArrays.has(path)) return "created a node at the same path";
  if (c.updatedGroups.has(id) || c.updatedArrays.has(id)) return "updated its metadata";
  if ((c.setChunks.get(id)?.size ?? 0) > 0) return "wrote chunks of it";
  return undefined;
}

function check(target: ChangeSet, other: ChangeSet): void {
  for (const [path, n] of other.newGroups) {
    const t = target.newGroups.get(path);
    if (target.newArrays.has(path) || (t && (t.id !== n.id || !bytesEqual(t.data, n.data))))
      throw new SessionMergeError(
        path,
        "both sessions created a node here, with different content",
      );
  }
  for (const [path, n] of other.newArrays) {
    const t = target.newArrays.get(path);
    if (target.newGroups.has(path) || (t && (t.id !== n.id || !sameArrayData(t.data, n.data))))
      throw new SessionMergeError(
        path,
        "both sessions created a node here, with different content",
      );
  }
  const pathOf = (id: NodeId) => `<node ${id}>`;
  for (const [id, d] of other.updatedGroups) {
    const t = target.updatedGroups.get(id);
    if (t && !bytesEqual(t, d))
      throw new SessionMergeError(pathOf(id), "both sessions updated this group differently");
  }
  for (const [id, d] of other.updatedArrays) {
    const t = target.updatedArrays.get(id);
    if (t && !sameArrayData(t, d))
      throw new SessionMergeError(pathOf(id), "both sessions updated this array differently");
  }
  for (const [a, b] of [
    [target, other],
    [other, target],
  ] as const)
    for (const [path, id] of [...a.deletedGroups, ...a.deletedArrays]) {
      const why = modifies(b, path, id);
      if (why)
        throw new SessionMergeError(path, `one session deleted this node while the other ${why}`);
    }
}

/**
 * Merges `other` into `target` (mutating `target` only after every check passed).
 * @throws {SessionMergeError} on conflicting creations, conflicting updates, or delete versus modify
 */
export function mergeChangeSets(target: ChangeSet, other: ChangeSet): void {
  check(target, other);
  for (const [k, v] of other.newGroups) target.newGroups.set(k, v);
  for (const [k, v] of other.newArrays) target.newArrays.set(k, v);
  const newById = new Map<string, string>();
  for (const [path, n] of target.newGroups) newById.set(n.id, path);
  for (const [path, n] of target.newArrays) newById.set(n.id, path);
  for (const [id, d] of other.updatedGroups) {
    const path = newById.get(id);
    if (path !== undefined && target.newGroups.has(path))
      target.newGroups.set(path, { id, data: d });
    else target.updatedGroups.set(id, d);
  }
  for (const [id, d] of other.updatedArrays) {
    const path = newById.get(id);
    if (path !== undefined && target.newArrays.has(path))
      target.newArrays.set(path, { id, data: d });
    else target.updatedArrays.set(id, d);
  }
  for (const [id, m] of other.setChunks)
    for (const [k, p] of m)
      target.setChunks.set(id, (target.setChunks.get(id) ?? new Map()).set(k, p));
  for (const [k, v] of other.deletedGroups) target.deletedGroups.set(k, v);
  for (const [k, v] of other.deletedArrays) target.deletedArrays.set(k, v);
  target.chunksEdited ||= other.chunksEdited;
}
