/**
 * The ultimate check: a repository written byte by byte with our format encoders (no session
 * code) is read by the official Rust implementation through `Storage.newCustom`.
 */
import { describe, expect, test } from "vitest";
import { loadOracle, oracleStorage } from "../../../../test/support/oracle.js";
import {
  FileType,
  INITIAL_SNAPSHOT_ID,
  INITIAL_SNAPSHOT_MESSAGE,
} from "../../src/format/constants.js";
import { newManifestId, newNodeId, newSnapshotId, type SnapshotId } from "../../src/format/ids.js";
import { encodeManifest } from "../../src/format/manifest.js";
import { encodeObjectFile } from "../../src/format/object-file.js";
import { encodeRepoInfo } from "../../src/format/repo-info.js";
import { encodeSnapshot, type SnapshotData } from "../../src/format/snapshot.js";
import { encodeTransactionLog, type TransactionLogData } from "../../src/format/transaction-log.js";
import { inMemoryStorage } from "../../src/storage/memory.js";
import type { Storage } from "../../src/storage/types.js";

const utf8 = new TextEncoder();
const GROUP_META = utf8.encode(
  '{"zarr_format":3,"node_type":"group","attributes":{"written_by":"icechunk-ts"}}',
);
const ARRAY_META = utf8.encode(
  JSON.stringify({
    zarr_format: 3,
    node_type: "array",
    shape: [4],
    data_type: "uint8",
    chunk_grid: { name: "regular", configuration: { chunk_shape: [4] } },
    chunk_key_encoding: { name: "default", configuration: { separator: "/" } },
    fill_value: 0,
    codecs: [{ name: "bytes" }],
    attributes: {},
    dimension_names: ["x"],
  }),
);
const CHUNK = Uint8Array.of(1, 2, 3, 4);

function emptyLog(id: SnapshotId): TransactionLogData {
  return {
    id,
    newGroups: [],
    newArrays: [],
    deletedGroups: [],
    deletedArrays: [],
    updatedGroups: [],
    updatedArrays: [],
    updatedChunks: [],
    movedNodes: [],
  };
}

async function writeRepo(
  storage: Storage,
  spec: 1 | 2,
): Promise<{ snapshot: SnapshotId; initialId: SnapshotId }> {
  const put = async (key: string, bytes: Uint8Array) => {
    const r = await storage.put(key, bytes);
    expect(r.kind).toBe("written");
  };
  const t0 = Date.now() * 1000 - 10_000_000;
  const initialId = spec === 2 ? INITIAL_SNAPSHOT_ID : newSnapshotId();
  const initial: SnapshotData = {
    id: initialId,
    flushedAt: t0,
    message: INITIAL_SNAPSHOT_MESSAGE,
    metadata: { __icechunk: { is_root: true } },
    manifestFiles: [],
    nodes: [],
  };
  await put(
    `snapshots/${initialId}`,
    encodeObjectFile(FileType.Snapshot, spec, encodeSnapshot(initial, spec)),
  );
  if (spec === 2) {
    await put(
      `transactions/${initialId}`,
      encodeObjectFile(
        FileType.TransactionLog,
        spec,
        encodeTransactionLog(emptyLog(initialId), spec),
      ),
    );
  }

  const rootId = newNodeId();
  const arrayId = newNodeId();
  const manifestId = newManifestId();
  const manifest = encodeObjectFile(
    FileType.Manifest,
    spec,
    encodeManifest(
      {
        id: manifestId,
        arrays: [{ nodeId: arrayId, refs: [[[0], { kind: "inline", data: CHUNK }]] }],
      },
      spec,
    ),
  );
  await put(`manifests/${manifestId}`, manifest);

  const snapshotId = newSnapshotId();
  const t1 = t0 + 1_000_000;
  const snapshot: SnapshotData = {
    id: snapshotId,
    parentId: initialId,
    flushedAt: t1,
    message: "written by icechunk-ts",
    metadata: { author: "format tests", attempt: 1 },
    manifestFiles: [{ id: manifestId, sizeBytes: manifest.length, numChunkRefs: 1 }],
    nodes: [
      { id: rootId, path: "/", userData: GROUP_META, nodeData: { type: "group" } },
      {
        id: arrayId,
        path: "/arr",
        userData: ARRAY_META,
        nodeData: {
          type: "array",
          shape: [{ arrayLength: 4, numChunks: 1 }],
          dimensionNames: ["x"],
          manifests: [{ objectId: manifestId, extents: [[0, 1]] }],
        },
      },
    ],
  };
  await put(
    `snapshots/${snapshotId}`,
    encodeObjectFile(FileType.Snapshot, spec, encodeSnapshot(snapshot, spec)),
  );
  const log: TransactionLogData = {
    ...emptyLog(snapshotId),
    newGroups: [rootId],
    newArrays: [arrayId],
    updatedChunks: [{ nodeId: arrayId, chunks: [[0]] }],
  };
  await put(
    `transactions/${snapshotId}`,
    encodeObjectFile(FileType.TransactionLog, spec, encodeTransactionLog(log, spec)),
  );

  if (spec === 1) {
    await put("refs/branch.main/ref.json", utf8.encode(JSON.stringify({ snapshot: snapshotId })));
  } else {
    const info = encodeRepoInfo({
      specVersion: 2,
      tags: [{ name: "v1", snapshotId }],
      branches: [{ name: "main", snapshotId }],
      deletedTags: [],
      snapshots: [
        {
          id: initialId,
          flushedAt: t0,
          message: INITIAL_SNAPSHOT_MESSAGE,
          metadata: { __icechunk: { is_root: true } },
        },
        {
          id: snapshotId,
          parentId: initialId,
          flushedAt: t1,
          message: snapshot.message,
          metadata: snapshot.metadata,
        },
      ],
      status: { availability: "online", setAt: t0 },
      metadata: { project: "icechunk-ts" },
      latestUpdates: [
        { update: { type: "tag-created", name: "v1" }, updatedAt: t1 + 1 },
        { update: { type: "new-commit", branch: "main", newSnapId: snapshotId }, updatedAt: t1 },
        { update: { type: "repo-initialized" }, updatedAt: t0 },
      ],
      enabledFeatureFlags: [],
      disabledFeatureFlags: [],
    });
    await put("repo", encodeObjectFile(FileType.RepoInfo, 2, info));
  }
  return { snapshot: snapshotId, initialId };
}

describe("the official implementation reads what our encoders write", () => {
  for (const spec of [2, 1] as const) {
    test(`spec ${spec} repository with a group, an array and an inline chunk`, async () => {
      const storage = inMemoryStorage();
      const { snapshot, initialId } = await writeRepo(storage, spec);
      const oracle = await loadOracle();
      const repo = await oracle.Repository.open(await oracleStorage(storage));
      expect(await repo.listBranches()).toEqual(["main"]);
      if (spec === 2) expect(await repo.listTags()).toEqual(["v1"]);
      const session = await repo.readonlySession({ branch: "main" });
      expect(session.snapshotId).toBe(snapshot);
      const store = session.store;
      expect(await store.get("arr/c/0")).toEqual(CHUNK);
      expect(new TextDecoder().decode((await store.get("arr/zarr.json")) ?? new Uint8Array())).toBe(
        new TextDecoder().decode(ARRAY_META),
      );
      expect(new TextDecoder().decode((await store.get("zarr.json")) ?? new Uint8Array())).toBe(
        new TextDecoder().decode(GROUP_META),
      );
      expect(await store.get("arr/c/1")).toBeNull();
      const ancestry = await repo.ancestry({ branch: "main" });
      expect(ancestry.map((s) => [s.id, s.parentId ?? null, s.message])).toEqual([
        [snapshot, initialId, "written by icechunk-ts"],
        [initialId, null, INITIAL_SNAPSHOT_MESSAGE],
      ]);
      expect(ancestry[0].metadata).toEqual({ author: "format tests", attempt: 1 });
    });
  }
});
