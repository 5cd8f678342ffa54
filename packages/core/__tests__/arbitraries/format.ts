/**
 * @module __tests__/arbitraries/format
 * fast-check generators for the format layer: ids, JSON metadata, snapshots, manifests,
 * transaction logs and repo infos.
 */

import fc from "fast-check";
import {
  type ChunkId,
  idFromBytes,
  type ManifestId,
  type NodeId,
  type SnapshotId,
} from "../../src/format/ids.js";
import type { JsonObject, JsonValue } from "../../src/format/json-value.js";
import type { ChunkPayload, ManifestData } from "../../src/format/manifest.js";
import type { RepoInfoData, RepoUpdate } from "../../src/format/repo-info.js";
import type { NodeSnapshot, SnapshotData } from "../../src/format/snapshot.js";
import type { TransactionLogData } from "../../src/format/transaction-log.js";

export const id12 = <T extends SnapshotId | ManifestId | ChunkId>() =>
  fc.uint8Array({ minLength: 12, maxLength: 12 }).map((b) => idFromBytes<T>(b));
export const snapshotId = id12<SnapshotId>();
export const manifestId = id12<ManifestId>();
export const chunkId = id12<ChunkId>();
export const nodeId = fc
  .uint8Array({ minLength: 8, maxLength: 8 })
  .map((b) => idFromBytes<NodeId>(b));
export const u64 = fc.maxSafeNat();
export const u32 = fc.nat({ max: 0xffffffff });

const text = fc.string({ unit: "grapheme", maxLength: 12 });

/** JSON values that both metadata codecs represent exactly. */
export const jsonValue: fc.Arbitrary<JsonValue> = fc.letrec<{ value: JsonValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.maxSafeInteger(),
    // Integral doubles beyond 2^53 decode as bigint (the codecs store them as integers).
    fc
      .double({ noNaN: true, noDefaultInfinity: true })
      .filter(
        (d) => !Object.is(d, -0) && !(Number.isInteger(d) && Math.abs(d) > Number.MAX_SAFE_INTEGER),
      ),
    text,
    fc.array(tie("value"), { maxLength: 4 }),
    fc.dictionary(text, tie("value"), { maxKeys: 4 }),
  ),
})).value;

export const metadata: fc.Arbitrary<JsonObject> = fc.dictionary(text, jsonValue, { maxKeys: 4 });

const segment = fc
  .array(fc.constantFrom("a", "b", "Z", "0", "_", ".", "-", " ", "é", "😀", "\uFFFD"), {
    minLength: 1,
    maxLength: 5,
  })
  .map((chars) => chars.join(""))
  .filter((s) => s !== "." && s !== "..");
export const nodePath = fc.array(segment, { maxLength: 4 }).map((segs) => `/${segs.join("/")}`);

const extents = (rank: number) =>
  fc.array(fc.tuple(u32, u32), { minLength: rank, maxLength: rank });

/** A dimension for the given spec: V1 shapes must survive the chunk-length back-computation. */
const dimension = (spec: 1 | 2) =>
  spec === 2
    ? fc.record({ arrayLength: u64, numChunks: u32 })
    : fc
        .tuple(fc.nat({ max: 1_000_000 }), fc.integer({ min: 1, max: 1000 }))
        .map(([arrayLength, chunk]) => ({
          arrayLength,
          numChunks: Math.ceil(arrayLength / chunk),
        }));

const nodeData = (spec: 1 | 2) =>
  fc.oneof(
    fc.constant({ type: "group" as const }),
    fc.integer({ min: 0, max: 4 }).chain((rank) =>
      fc.record(
        {
          type: fc.constant("array" as const),
          shape: fc.array(dimension(spec), { minLength: rank, maxLength: rank }),
          dimensionNames: fc.array(
            fc.option(
              text.filter((s) => s !== ""),
              { nil: null },
            ),
            { minLength: rank, maxLength: rank },
          ),
          manifests: fc.array(fc.record({ objectId: manifestId, extents: extents(rank) }), {
            maxLength: 3,
          }),
        },
        { requiredKeys: ["type", "shape", "manifests"] },
      ),
    ),
  );

const node = (spec: 1 | 2): fc.Arbitrary<Omit<NodeSnapshot, "path">> =>
  fc.record({ id: nodeId, userData: fc.uint8Array({ maxLength: 40 }), nodeData: nodeData(spec) });

export const snapshotData = (spec: 1 | 2): fc.Arbitrary<SnapshotData> =>
  fc
    .record(
      {
        id: snapshotId,
        parentId: snapshotId,
        flushedAt: u64,
        message: text,
        metadata,
        manifestFiles: fc.uniqueArray(
          fc.record({ id: manifestId, sizeBytes: u64, numChunkRefs: u32 }),
          { selector: (f) => f.id, maxLength: 4 },
        ),
        nodes: fc.uniqueArray(fc.tuple(nodePath, node(spec)), {
          selector: ([p]) => p,
          maxLength: 8,
        }),
      },
      { requiredKeys: ["id", "flushedAt", "message", "metadata", "manifestFiles", "nodes"] },
    )
    .map((d) => {
      const out: SnapshotData = { ...d, nodes: d.nodes.map(([path, n]) => ({ ...n, path })) };
      if (spec === 2) delete out.parentId;
      return out;
    });

export const chunkPayload: fc.Arbitrary<ChunkPayload> = fc.oneof(
  fc.record({
    kind: fc.constant("inline" as const),
    data: fc.uint8Array({ minLength: 1, maxLength: 32 }),
  }),
  fc.record({ kind: fc.constant("native" as const), chunkId, offset: u64, length: u64 }),
  fc.record(
    {
      kind: fc.constant("virtual" as const),
      location: fc.string({ minLength: 1, maxLength: 30 }).map((s) => `s3://bucket/${s}`),
      offset: u64,
      length: u64,
      checksum: fc.oneof(
        fc.record({ etag: text }),
        fc.record({ lastModified: fc.integer({ min: 1, max: 0xffffffff }) }),
      ),
    },
    { requiredKeys: ["kind", "location", "offset", "length"] },
  ),
);

const coords = fc.array(fc.nat({ max: 20 }), { maxLength: 4 });

export const manifestData: fc.Arbitrary<ManifestData> = fc.record({
  id: manifestId,
  arrays: fc.uniqueArray(
    fc.record({
      nodeId,
      refs: fc.uniqueArray(fc.tuple(coords, chunkPayload), {
        selector: ([c]) => c.join(","),
        maxLength: 12,
      }),
    }),
    { selector: (a) => a.nodeId, minLength: 1, maxLength: 3 },
  ),
});

const componentPath = fc
  .array(fc.stringMatching(/^[a-b-]{1,2}$/), { minLength: 1, maxLength: 3 })
  .map((s) => `/${s.join("/")}`);

export const transactionLogData: fc.Arbitrary<TransactionLogData> = fc.record({
  id: snapshotId,
  newGroups: fc.array(nodeId, { maxLength: 4 }),
  newArrays: fc.array(nodeId, { maxLength: 4 }),
  deletedGroups: fc.array(nodeId, { maxLength: 4 }),
  deletedArrays: fc.array(nodeId, { maxLength: 4 }),
  updatedGroups: fc.array(nodeId, { maxLength: 4 }),
  updatedArrays: fc.array(nodeId, { maxLength: 4 }),
  updatedChunks: fc.uniqueArray(fc.record({ nodeId, chunks: fc.array(coords, { maxLength: 5 }) }), {
    selector: (u) => u.nodeId,
    maxLength: 3,
  }),
  movedNodes: fc.uniqueArray(
    fc.record({
      from: componentPath,
      to: componentPath,
      nodeId,
      nodeType: fc.constantFrom("group" as const, "array" as const),
    }),
    { selector: (m) => m.to, maxLength: 4 },
  ),
});

const status = fc.record(
  {
    availability: fc.constantFrom("online" as const, "read-only" as const),
    setAt: u64,
    reason: text,
  },
  { requiredKeys: ["availability", "setAt"] },
);

const update = (ids: SnapshotId[]): fc.Arbitrary<RepoUpdate> => {
  const sid = fc.constantFrom(...ids);
  return fc.oneof(
    fc.constantFrom(
      { type: "repo-initialized" as const },
      { type: "config-changed" as const },
      { type: "metadata-changed" as const },
      { type: "gc-ran" as const },
      { type: "expiration-ran" as const },
    ),
    fc.record({
      type: fc.constant("repo-migrated" as const),
      fromVersion: fc.nat(255),
      toVersion: fc.nat(255),
    }),
    fc.record({
      type: fc.constantFrom("tag-created" as const, "branch-created" as const),
      name: text,
    }),
    fc.record({
      type: fc.constantFrom(
        "tag-deleted" as const,
        "branch-deleted" as const,
        "branch-reset" as const,
      ),
      name: text,
      previousSnapId: sid,
    }),
    fc.record({ type: fc.constant("new-commit" as const), branch: text, newSnapId: sid }),
    fc.record({
      type: fc.constant("commit-amended" as const),
      branch: text,
      previousSnapId: sid,
      newSnapId: sid,
    }),
    fc.record({ type: fc.constant("new-detached-snapshot" as const), newSnapId: sid }),
    fc.record({
      type: fc.constant("feature-flag-changed" as const),
      id: fc.nat(65535),
      newValue: fc.boolean(),
      isSet: fc.boolean(),
    }),
    fc.record({ type: fc.constant("repo-status-changed" as const), status }),
  );
};

export const repoInfoData: fc.Arbitrary<RepoInfoData> = fc
  .uniqueArray(snapshotId, { minLength: 1, maxLength: 6 })
  .chain((ids) => {
    const sid = fc.constantFrom(...ids);
    const snapshot = (id: SnapshotId) =>
      fc.record(
        {
          id: fc.constant(id),
          parentId: sid,
          flushedAt: u64,
          message: text,
          metadata,
          prunedAncestorTxLogs: fc.array(snapshotId, { minLength: 1, maxLength: 3 }),
        },
        { requiredKeys: ["id", "flushedAt", "message", "metadata"] },
      );
    const ref = fc.record({ name: text, snapshotId: sid });
    return fc.record(
      {
        specVersion: fc.constant(2),
        tags: fc.uniqueArray(ref, { selector: (r) => r.name, maxLength: 4 }),
        branches: fc
          .tuple(
            sid,
            fc.uniqueArray(
              ref.filter((r) => r.name !== "main"),
              { selector: (r) => r.name, maxLength: 3 },
            ),
          )
          .map(([main, rest]) => [{ name: "main", snapshotId: main }, ...rest]),
        deletedTags: fc.uniqueArray(text, { maxLength: 3 }),
        snapshots: fc.tuple(...ids.map(snapshot)),
        status,
        metadata,
        latestUpdates: fc.array(
          fc.record(
            { update: update(ids), updatedAt: u64, backupPath: text },
            { requiredKeys: ["update", "updatedAt"] },
          ),
          { minLength: 1, maxLength: 5 },
        ),
        repoBeforeUpdates: text,
        config: fc.uint8Array({ maxLength: 20 }),
        enabledFeatureFlags: fc.uniqueArray(fc.nat(65535), { maxLength: 3 }),
        disabledFeatureFlags: fc.uniqueArray(fc.nat(65535), { maxLength: 3 }),
      },
      {
        requiredKeys: [
          "specVersion",
          "tags",
          "branches",
          "deletedTags",
          "snapshots",
          "status",
          "metadata",
          "latestUpdates",
          "enabledFeatureFlags",
          "disabledFeatureFlags",
        ],
      },
    );
  });
