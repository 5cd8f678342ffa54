import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CorruptObjectError, SnapshotNotFoundError } from "../../src/errors.js";
import { FileType, REPO_INFO_PATH } from "../../src/format/constants.js";
import { FlatBufferBuilder } from "../../src/format/flatbuffers/builder.js";
import { FlatBufferReader } from "../../src/format/flatbuffers/reader.js";
import { idToBytes, newSnapshotId, type SnapshotId } from "../../src/format/ids.js";
import { decodeObjectFile, encodeObjectFile } from "../../src/format/object-file.js";
import {
  decodeRepoInfo,
  encodeRepoInfo,
  type RepoInfoData,
  type RepoSnapshotInfo,
  snapshotTableOf,
} from "../../src/format/repo-info.js";
import { RepoSnapshotTable } from "../../src/format/repo-snapshot-table.js";
import { Repository } from "../../src/repo/repository.js";
import { inMemoryStorage } from "../../src/storage/memory.js";

/** A chain of `n` snapshots (oldest first) with a few side branches' worth of metadata. */
function chain(n: number): RepoSnapshotInfo[] {
  const out: RepoSnapshotInfo[] = [];
  for (let k = 0; k < n; k++) {
    const s: RepoSnapshotInfo = {
      id: newSnapshotId(),
      flushedAt: 1_700_000_000_000_000 + k * 1_000_123,
      message: k % 3 === 0 ? `commit ${k} ✓` : `commit ${k}`,
      metadata: k % 4 === 0 ? { author: `a${k}`, n: k } : {},
    };
    if (k > 0) s.parentId = out[k - 1]!.id;
    out.push(s);
  }
  return out;
}

function info(snapshots: RepoSnapshotInfo[], tip: SnapshotId): RepoInfoData {
  return {
    specVersion: 2,
    tags: [],
    branches: [{ name: "main", snapshotId: tip }],
    deletedTags: [],
    snapshots,
    status: { availability: "online", setAt: 1_700_000_000_000_000 },
    metadata: {},
    latestUpdates: [],
    enabledFeatureFlags: [],
    disabledFeatureFlags: [],
  };
}

describe("the in-place snapshot table of a decoded repo object", () => {
  it("finds every snapshot by id and reads each entry as the encoder wrote it", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 60 }), (n) => {
        const snaps = chain(n);
        const decoded = decodeRepoInfo(encodeRepoInfo(info(snaps, snaps[n - 1]!.id)));
        const table = snapshotTableOf(decoded);
        expect(table).toBeDefined();
        const sorted = [...snaps].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
        expect(table!.entries()).toEqual(sorted);
        for (const s of snaps) {
          const i = table!.indexOf(s.id);
          expect(table!.idAt(i)).toBe(s.id);
          expect(table!.entry(i)).toEqual(s);
          const p = table!.parentIndex(i);
          expect(p < 0 ? undefined : table!.idAt(p)).toBe(s.parentId);
        }
        expect(table!.indexOf(newSnapshotId())).toBe(-1);
        expect(table!.indexOf("not an id")).toBe(-1);
        // lenient spellings decode to the same bytes but do not name the snapshot
        const id = snaps[0]!.id;
        expect(table!.indexOf(id.toLowerCase())).toBe(id === id.toLowerCase() ? 0 : -1);
        const last = "0123456789ABCDEFGHJKMNPQRSTVWXYZ".indexOf(id.at(-1)!);
        const padded = id.slice(0, -1) + "0123456789ABCDEFGHJKMNPQRSTVWXYZ"[last ^ 1]!;
        expect(table!.indexOf(padded)).toBe(-1);
      }),
      { numRuns: 40 },
    );
  });

  it("is dropped once the snapshot list is replaced", () => {
    const snaps = chain(3);
    const decoded = decodeRepoInfo(encodeRepoInfo(info(snaps, snaps[2]!.id)));
    expect(snapshotTableOf(decoded)).toBeDefined();
    decoded.snapshots = snaps.slice(0, 1);
    expect(snapshotTableOf(decoded)).toBeUndefined();
  });

  it("still finds entries when a writer did not sort them by id", () => {
    const snaps = chain(12);
    const b = new FlatBufferBuilder();
    // Written in reverse id order, parents pointing at the right (reversed) positions.
    const order = [...snaps].sort((a, c) => (a.id < c.id ? 1 : -1));
    const tables = order.map((s) => {
      const message = b.createString(s.message);
      const metadata = b.createOffsetVector([]);
      b.startTable(6);
      b.fieldU64(2, s.flushedAt, 0);
      b.fieldOffset(4, metadata);
      b.fieldOffset(3, message);
      b.fieldI32(1, s.parentId ? order.findIndex((x) => x.id === s.parentId) : -1, 0);
      b.fieldStruct(0, idToBytes(s.id, 12));
      return b.endTable();
    });
    const vec = b.createOffsetVector(tables);
    b.startTable(1);
    b.fieldOffset(0, vec);
    const r = new FlatBufferReader(b.finish(b.endTable()), { what: "test" });
    const table = new RepoSnapshotTable(r, r.vector(r.root(), 0, 4));
    for (const s of snaps) expect(table.entry(table.indexOf(s.id))).toEqual({ ...s, metadata: {} });
    expect(table.indexOf(newSnapshotId())).toBe(-1);
  });
});

describe("history read through the table", () => {
  async function repoWith(snaps: RepoSnapshotInfo[], tip: SnapshotId) {
    const storage = inMemoryStorage();
    await Repository.create(storage);
    const got = await storage.get(REPO_INFO_PATH);
    const base = decodeRepoInfo(decodeObjectFile(got!.data, FileType.RepoInfo).payload);
    const first = base.snapshots[0]!;
    const all = [first, ...snaps.map((s, k) => (k === 0 ? { ...s, parentId: first.id } : s))];
    await storage.put(
      REPO_INFO_PATH,
      encodeObjectFile(FileType.RepoInfo, 2, encodeRepoInfo({ ...base, ...info(all, tip) })),
    );
    return { repo: await Repository.open(storage), first };
  }

  it("lists the ancestry and looks snapshots up like the decoded list does", async () => {
    const snaps = chain(50);
    const { repo, first } = await repoWith(snaps, snaps[49]!.id);
    const anc = await repo.ancestry({ branch: "main" });
    expect(anc.map((s) => s.id)).toEqual([...snaps.map((s) => s.id).reverse(), first.id]);
    for (const [k, s] of anc.slice(0, -1).entries()) {
      const want = snaps[49 - k]!;
      expect(s).toEqual({
        id: want.id,
        parentId: k === 49 ? first.id : want.parentId,
        flushedAt: want.flushedAt,
        writtenAt: new Date(Math.floor(want.flushedAt / 1000)),
        message: want.message,
        metadata: want.metadata,
      });
      expect(await repo.lookupSnapshot(s.id)).toEqual(s);
    }
    await expect(repo.lookupSnapshot(newSnapshotId())).rejects.toBeInstanceOf(
      SnapshotNotFoundError,
    );
    const mid = await repo.ancestry({ snapshotId: snaps[9]!.id });
    expect(mid.map((s) => s.id)).toEqual([
      ...snaps
        .slice(0, 10)
        .map((s) => s.id)
        .reverse(),
      first.id,
    ]);
  });

  it("refuses a parent cycle with a typed error instead of looping", async () => {
    const [a, b] = chain(2);
    const cyclic = [
      { ...a!, parentId: b!.id },
      { ...b!, parentId: a!.id },
    ];
    const storage = inMemoryStorage();
    await Repository.create(storage);
    const got = await storage.get(REPO_INFO_PATH);
    const base = decodeRepoInfo(decodeObjectFile(got!.data, FileType.RepoInfo).payload);
    await storage.put(
      REPO_INFO_PATH,
      encodeObjectFile(
        FileType.RepoInfo,
        2,
        encodeRepoInfo({ ...base, ...info([...base.snapshots, ...cyclic], a!.id) }),
      ),
    );
    const repo = await Repository.open(storage);
    await expect(repo.ancestry({ branch: "main" })).rejects.toThrow(CorruptObjectError);
    await expect(repo.ancestry({ branch: "main" })).rejects.toThrow(/cycle/);
  });
});
