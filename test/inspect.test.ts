/**
 * repo.inspectSnapshot / inspectRepoInfo / inspectManifest / inspectTransactionLog (upstream
 * `inspect.rs` keys). The official binding exposes no inspect call, so every field is checked
 * against what it does expose for the same objects: lookupSnapshot, lookupManifestFiles,
 * lookupBranch/Tag, ancestry, diff (a commit's transaction log, mapped to paths, is its diff),
 * and zarr.json through its store — over every Rust-written reference repository (native
 * oracle) and over repositories we write with known inline, native and virtual refs.
 */
import { readdirSync } from "node:fs";
import {
  type DiffFields,
  inMemoryStorage,
  isIcechunkError,
  ManifestNotFoundError,
  MissingTransactionLogError,
  Repository,
  type SnapshotInspect,
  SnapshotNotFoundError,
  type TransactionLogInspect,
} from "@icechunk-ts/core";
import { afterAll, describe, expect, it } from "vitest";
import { openFixturePair } from "./support/fixture-pair.js";
import { REFERENCE_REPOS_DIR } from "./support/tmp.js";
import { chunk, group, vector } from "./support/zarr-json.js";

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of cleanups) await c();
});

const PREFIX = "http://example.invalid/";
const withContainer = {
  virtualChunkContainers: {
    [PREFIX]: { name: "web", urlPrefix: PREFIX, store: { type: "Http", field0: {} } },
  },
} as const;

const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3}|\.\d{6})?Z$/;
const sorted = (xs: readonly string[]) => [...xs].sort();

/** A transaction log translated to paths with the nodes of both ends, in the official diff's shape. */
function asDiff(log: TransactionLogInspect, before: SnapshotInspect, after: SnapshotInspect) {
  const paths = new Map<string, string>();
  for (const n of [...before.nodes, ...after.nodes]) paths.set(n.id, n.path);
  const p = (ids: string[]) => sorted(ids.flatMap((id) => (paths.has(id) ? [paths.get(id)!] : [])));
  const chunks: Record<string, string[]> = {};
  for (const u of log.updated_chunks) {
    const path = paths.get(u.node_id);
    if (path !== undefined) chunks[path] = [...(chunks[path] ?? []), ...u.chunks.map(String)];
  }
  for (const k of Object.keys(chunks)) chunks[k] = sorted([...new Set(chunks[k])]);
  return {
    newGroups: p(log.new_groups),
    newArrays: p(log.new_arrays),
    deletedGroups: p(log.deleted_groups),
    deletedArrays: p(log.deleted_arrays),
    updatedGroups: p(log.updated_groups),
    updatedArrays: p(log.updated_arrays),
    updatedChunks: chunks,
    movedNodes: log.moved_nodes.map((m) => `${m.from}->${m.to}`).sort(),
  };
}

function theirDiff(d: DiffFields) {
  const chunks: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(d.updatedChunks)) chunks[k] = sorted(v.map(String));
  return {
    newGroups: sorted(d.newGroups),
    newArrays: sorted(d.newArrays),
    deletedGroups: sorted(d.deletedGroups),
    deletedArrays: sorted(d.deletedArrays),
    updatedGroups: sorted(d.updatedGroups),
    updatedArrays: sorted(d.updatedArrays),
    updatedChunks: chunks,
    movedNodes: d.movedNodes.map((m) => `${m.from}->${m.to}`).sort(),
  };
}

const fixtures = readdirSync(REFERENCE_REPOS_DIR).sort();

describe("inspect over the reference repositories (native oracle)", () => {
  for (const name of fixtures)
    it(name, async () => {
      const { ours, theirs, cleanup } = await openFixturePair(name);
      cleanups.push(cleanup);
      const seen = new Map<string, SnapshotInspect>();
      const snap = async (id: string) => {
        if (!seen.has(id)) seen.set(id, await ours.inspectSnapshot(id));
        return seen.get(id)!;
      };
      let logsCompared = 0;
      let manifestsChecked = 0;
      const ancestryOf = new Map<string, { parentId?: string; message: string }>();
      for (const branch of await ours.listBranches()) {
        for (const t of await theirs.ancestry({ branch })) {
          ancestryOf.set(t.id, t);
          if (seen.has(t.id)) continue;
          const o = await snap(t.id);
          expect(o.id).toBe(t.id);
          expect(o.flushed_at).toMatch(RFC3339);
          expect(Date.parse(o.flushed_at)).toBe(Date.parse(t.writtenAt));
          expect(o.commit_message).toBe(t.message);
          expect(o.metadata).toEqual(t.metadata);
          const files = await theirs.lookupManifestFiles(t.id);
          expect(o.manifests).toEqual(
            files.map((f) => ({
              id: f.id,
              size_bytes: f.sizeBytes,
              num_chunk_refs: f.numChunkRefs,
            })),
          );
          // every node is a zarr.json the official store serves, of the same type and shape
          const session = await theirs.readonlySession({ snapshotId: t.id });
          const keys = new Set(
            (await session.store.list()).filter(
              (k) => k === "zarr.json" || k.endsWith("/zarr.json"),
            ),
          );
          expect(
            new Set(
              o.nodes.map((n) => (n.path === "/" ? "zarr.json" : `${n.path.slice(1)}/zarr.json`)),
            ),
          ).toEqual(keys);
          for (const n of o.nodes) {
            const key = n.path === "/" ? "zarr.json" : `${n.path.slice(1)}/zarr.json`;
            const meta = JSON.parse(new TextDecoder().decode((await session.store.get(key))!));
            expect(n.node_type).toBe(meta.node_type);
            if (n.node_type === "array") {
              expect(n.shape!.map((d) => d.array_length)).toEqual(meta.shape);
              const names = (meta.dimension_names ?? []) as Array<string | null>;
              expect(n.shape!.map((d) => d.name ?? null)).toEqual(
                meta.shape.map((_: number, i: number) => names[i] ?? null),
              );
              for (const m of n.manifest_refs!)
                expect(o.manifests.map((f) => f.id)).toContain(m.id);
            } else expect(n.shape).toBeUndefined();
          }
          // its manifests: the official chunk-ref count, split by kind
          for (const f of files) {
            const m = await ours.inspectManifest(f.id);
            expect(m.id).toBe(f.id);
            expect(m.total_chunk_refs).toBe(f.numChunkRefs);
            expect(m.total_inline + m.total_native + m.total_virtual).toBe(m.total_chunk_refs);
            expect(m.num_arrays).toBe(m.arrays.length);
            for (const a of m.arrays)
              expect(a.num_inline + a.num_native + a.num_virtual).toBe(a.num_chunk_refs);
            const arrayIds = o.nodes.filter((n) => n.node_type === "array").map((n) => n.id);
            for (const a of m.arrays) expect(arrayIds).toContain(a.node_id);
            manifestsChecked++;
          }
          // its transaction log is the official diff from its parent
          if (t.parentId) {
            const log = await ours.inspectTransactionLog(t.id).catch((e: unknown) => e);
            const d = await theirs
              .diff({ fromSnapshotId: t.parentId, toSnapshotId: t.id })
              .catch((e: unknown) => e);
            if (d instanceof Error) continue;
            expect(log).not.toBeInstanceOf(Error);
            expect(
              asDiff(log as TransactionLogInspect, await snap(t.parentId), await snap(t.id)),
              `${branch} ${t.id}`,
            ).toEqual(theirDiff(d as never));
            logsCompared++;
          }
        }
      }
      expect(logsCompared).toBeGreaterThan(0);
      expect(manifestsChecked).toBeGreaterThan(0);

      if (ours.specVersion === 1) {
        await expect(ours.inspectRepoInfo()).rejects.toSatisfy((e) =>
          isIcechunkError(e, "spec-version-required"),
        );
        return;
      }
      const info = await ours.inspectRepoInfo();
      expect(info.spec_version).toBe("2.0");
      const branches = await theirs.listBranches();
      expect(Object.keys(info.branches)).toEqual(sorted(branches));
      for (const b of branches) expect(info.branches[b]).toBe(await theirs.lookupBranch(b));
      const tags = await theirs.listTags();
      expect(Object.keys(info.tags)).toEqual(sorted(tags));
      for (const t of tags) expect(info.tags[t]).toBe(await theirs.lookupTag(t));
      const byId = new Map(info.snapshots.map((s) => [s.id, s]));
      for (const [id, t] of ancestryOf) {
        const s = byId.get(id);
        expect(s, id).toBeDefined();
        expect(s!.parent_id).toBe(t.parentId);
        expect(s!.message).toBe(t.message);
        expect(s!.flushed_at).toMatch(RFC3339);
      }
      expect(info.latest_updates.length).toBeGreaterThan(0);
      for (const u of info.latest_updates) {
        expect(u.update_type.type).toMatch(/^[A-Z][A-Za-z]+$/);
        expect(u.updated_at).toMatch(RFC3339);
      }
      expect(JSON.parse(JSON.stringify(info))).toEqual(info); // plain JSON
    });
});

describe("inspect on repositories we write", () => {
  it("counts inline, native and virtual refs; reports location compression", async () => {
    const repo = await Repository.create(inMemoryStorage(), {
      config: { inlineChunkThresholdBytes: 8, ...withContainer },
    });
    const s = await repo.writableSession("main");
    await s.store.set("zarr.json", group());
    await s.store.set("a/zarr.json", vector(4));
    await s.store.set("a/c/0", chunk(1)); // 4 bytes: inline
    await s.store.set("b/zarr.json", vector(64));
    await s.store.set("b/c/0", new Uint8Array(64)); // 64 bytes: native
    await s.store.set("b/c/1", new Uint8Array(64));
    await s.store.setVirtualRef("b/c/2", `${PREFIX}file.nc`, 0, 64);
    const id = await s.commit("mixed refs", { metadata: { author: "me" } });
    const snapInfo = await repo.inspectSnapshot(id);
    expect(snapInfo.commit_message).toBe("mixed refs");
    expect(snapInfo.metadata).toEqual({ author: "me" });
    const ids = Object.fromEntries(snapInfo.nodes.map((n) => [n.path, n.id]));
    const files = await repo.lookupManifestFiles(id);
    const ms = await Promise.all(files.map((f) => repo.inspectManifest(f.id)));
    expect(ms.map((m) => m.id)).toEqual(files.map((f) => f.id));
    for (const m of ms) {
      expect(m.size_bytes).toBeGreaterThan(0);
      expect(m.compression).toEqual({ uses_location_compression: false, num_compressed_refs: 0 });
      expect(m.num_arrays).toBe(m.arrays.length);
    }
    const total = (k: "total_inline" | "total_native" | "total_virtual" | "total_chunk_refs") =>
      ms.reduce((n, m) => n + m[k], 0);
    expect([total("total_inline"), total("total_native"), total("total_virtual")]).toEqual([
      1, 2, 1,
    ]);
    expect(total("total_chunk_refs")).toBe(4);
    expect(sorted(ms.flatMap((m) => m.arrays).map((a) => JSON.stringify(a)))).toEqual(
      sorted(
        [
          { node_id: ids["/a"], num_chunk_refs: 1, num_inline: 1, num_native: 0, num_virtual: 0 },
          { node_id: ids["/b"], num_chunk_refs: 3, num_inline: 0, num_native: 2, num_virtual: 1 },
        ].map((a) => JSON.stringify(a)),
      ),
    );
    const log = await repo.inspectTransactionLog(id);
    expect(sorted(log.new_arrays)).toEqual(sorted([ids["/a"]!, ids["/b"]!]));
    expect(log.new_groups).toEqual([ids["/"]]);
    expect(log).not.toHaveProperty("synthetic_composite");
    const b = log.updated_chunks.find((u) => u.node_id === ids["/b"]);
    expect(b?.chunks).toEqual([[0], [1], [2]]);
  });

  it("a manifest with ≥ 1000 virtual refs reports its location dictionary", async () => {
    const repo = await Repository.create(inMemoryStorage(), { config: withContainer });
    const s = await repo.writableSession("main");
    await s.store.set("zarr.json", group());
    await s.store.set("v/zarr.json", vector(1200));
    for (let i = 0; i < 1200; i++)
      await s.store.setVirtualRef(`v/c/${i}`, `${PREFIX}data/file-${i}.nc`, 0, 4);
    const id = await s.commit("virtual");
    const [file] = await repo.lookupManifestFiles(id);
    const m = await repo.inspectManifest(file!.id);
    expect(m.total_virtual).toBe(1200);
    expect(m.compression.uses_location_compression).toBe(true);
    expect(m.compression.num_compressed_refs).toBe(1200);
    expect(m.compression.dictionary_size_bytes).toBeGreaterThan(0);
  });

  it("repo info records refs, ops log and metadata with upstream's names", async () => {
    const repo = await Repository.create(inMemoryStorage());
    const s = await repo.writableSession("main");
    await s.store.set("zarr.json", group());
    const c1 = await s.commit("one");
    await repo.createBranch("dev", c1);
    await repo.createTag("v1", c1);
    await repo.deleteTag("v1");
    await repo.setMetadata({ team: "ice" });
    await repo.setFeatureFlag("move_node", false);
    const info = await repo.inspectRepoInfo();
    expect(info.branches).toEqual({ dev: c1, main: c1 });
    expect(info.tags).toEqual({});
    expect(info.deleted_tags).toEqual(["v1"]);
    expect(info.metadata).toEqual({ team: "ice" });
    expect(info.latest_updates.map((u) => u.update_type)).toEqual([
      { type: "FeatureFlagChanged", id: 3, new_value: false },
      { type: "MetadataChangedUpdate" },
      { type: "TagDeletedUpdate", name: "v1", previous_snap_id: c1 },
      { type: "TagCreatedUpdate", name: "v1" },
      { type: "BranchCreatedUpdate", name: "dev" },
      { type: "NewCommitUpdate", branch: "main", new_snap_id: c1 },
      { type: "RepoInitializedUpdate" },
    ]);
    expect(info.snapshots.map((x) => x.message)).toContain("one");
    expect(await repo.metadata).toEqual({ team: "ice" });
  });

  it("expired ancestry: the transaction log is a synthetic composite equal to the diff", async () => {
    const repo = await Repository.create(inMemoryStorage());
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      // the last commit a few milliseconds after the others, so a cutoff between them exists
      if (i === 3) await new Promise((r) => setTimeout(r, 5));
      const s = await repo.writableSession("main");
      if (i === 0) await s.store.set("zarr.json", group());
      await s.store.set(`g${i}/zarr.json`, group());
      ids.push(await s.commit(`c${i}`));
    }
    const tip = (await repo.lookupSnapshot(ids[3]!)).writtenAt;
    await repo.expireSnapshots(new Date(tip.getTime() - 1));
    const log = await repo.inspectTransactionLog(ids[3]!);
    expect(log.synthetic_composite?.merged_pruned_ancestor_tx_logs.length).toBeGreaterThan(0);
    expect(log.synthetic_composite?.missing_tx_logs).toEqual([]);
    const parent = (await repo.lookupSnapshot(ids[3]!)).parentId!;
    const diff = await repo.diff({ from: { snapshotId: parent }, to: { snapshotId: ids[3]! } });
    const snapBefore = await repo.inspectSnapshot(parent);
    const snapAfter = await repo.inspectSnapshot(ids[3]!);
    expect(asDiff(log, snapBefore, snapAfter)).toEqual(theirDiff(diff));
  });

  it("unknown ids are typed errors", async () => {
    const repo = await Repository.create(inMemoryStorage());
    await expect(repo.inspectSnapshot("AAAAAAAAAAAAAAAAAAAA")).rejects.toBeInstanceOf(
      SnapshotNotFoundError,
    );
    await expect(repo.inspectManifest("AAAAAAAAAAAAAAAAAAAA")).rejects.toBeInstanceOf(
      ManifestNotFoundError,
    );
    await expect(repo.inspectTransactionLog("AAAAAAAAAAAAAAAAAAAA")).rejects.toBeInstanceOf(
      MissingTransactionLogError,
    );
    await expect(repo.inspectSnapshot("not an id")).rejects.toSatisfy((e) =>
      isIcechunkError(e, "invalid-object-id"),
    );
  });
});
