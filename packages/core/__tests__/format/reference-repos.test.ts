import { statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { compareBytes } from "../../src/format/common.js";
import { INITIAL_SNAPSHOT_ID } from "../../src/format/constants.js";
import { decodeManifest, encodeManifest } from "../../src/format/manifest.js";
import { decodeRepoInfo, encodeRepoInfo } from "../../src/format/repo-info.js";
import { decodeSnapshot, encodeSnapshot } from "../../src/format/snapshot.js";
import { decodeTransactionLog, encodeTransactionLog } from "../../src/format/transaction-log.js";
import { cliDecompress, FIXTURES_ROOT, type FixtureFile, fixtureFiles } from "./fixtures.js";
import { manifestData, snapshotData } from "./materialize.js";

const utf8 = new TextEncoder();
const snapshots = fixtureFiles("snapshots");
const manifests = fixtureFiles("manifests");
const txLogs = fixtureFiles("transactions");
const repos = fixtureFiles("repo");

/**
 * Our builder follows the flatc-generated Rust builder (object order, field order, vtable
 * sharing, default omission), so files from current Rust (`ic-2.x`, any spec) re-encode to the
 * identical decompressed flatbuffer. Older 0.x writers differ only in layout details.
 */
const currentRust = (f: FixtureFile) => f.header.implementation.startsWith("ic-2.");
const sameBytes = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));

describe("reference repositories", () => {
  test("hold files of both spec versions, many from current Rust", () => {
    expect([...snapshots, ...manifests, ...txLogs].filter(currentRust).length).toBeGreaterThan(30);
    const specs = new Set([...snapshots, ...manifests, ...txLogs].map((f) => f.header.specVersion));
    expect([...specs].sort()).toEqual([1, 2]);
    expect(snapshots.length).toBeGreaterThan(30);
    expect(manifests.length).toBeGreaterThan(30);
    expect(repos.length).toBeGreaterThan(10);
  });

  test.each(snapshots.map((f) => [`${f.repo}/${f.key}`, f] as const))(
    "snapshot %s decodes, looks up and round-trips",
    (_, f) => {
      const view = decodeSnapshot(cliDecompress(f.bytes), f.header.specVersion, { path: f.key });
      expect(view.specVersion).toBe(f.header.specVersion);
      expect(view.id).toBe(f.key.slice("snapshots/".length));
      if (f.header.specVersion === 2) expect(view.parentId).toBeUndefined();
      const nodes = [...view.nodes()];
      expect(nodes.length).toBe(view.nodeCount);
      for (let i = 1; i < nodes.length; i++) {
        expect(
          compareBytes(utf8.encode(nodes[i - 1].path), utf8.encode(nodes[i].path)),
        ).toBeLessThan(0);
      }
      for (const node of nodes) {
        expect(view.getNode(node.path)).toEqual(node);
        expect(node.path.startsWith("/")).toBe(true);
        if (node.nodeData.type === "array") {
          for (const m of node.nodeData.manifests) {
            expect(m.extents.length).toBe(node.nodeData.shape.length);
            expect(view.manifestFiles.some((file) => file.id === m.objectId)).toBe(true);
          }
        }
        const under = [...view.nodesUnder(node.path)].map((n) => n.path);
        expect(under).toEqual(
          nodes
            .filter(
              (n) =>
                n.path === node.path || n.path.startsWith(`${node.path === "/" ? "" : node.path}/`),
            )
            .map((n) => n.path),
        );
      }
      expect(view.getNode("/does-not-exist")).toBeUndefined();
      for (const file of view.manifestFiles) {
        const onDisk = join(FIXTURES_ROOT, f.repo, "manifests", file.id);
        try {
          expect(file.sizeBytes).toBe(statSync(onDisk).size);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
        }
      }
      const data = snapshotData(view);
      const encoded = encodeSnapshot(data, f.header.specVersion);
      expect(snapshotData(decodeSnapshot(encoded, f.header.specVersion))).toEqual(data);
      // Snapshots of every writer version re-encode byte for byte.
      expect(sameBytes(encoded, cliDecompress(f.bytes))).toBe(true);
    },
  );

  test.each(manifests.map((f) => [`${f.repo}/${f.key}`, f] as const))(
    "manifest %s decodes, looks up and round-trips",
    (_, f) => {
      const view = decodeManifest(cliDecompress(f.bytes), f.header.specVersion, { path: f.key });
      expect(view.id).toBe(f.key.slice("manifests/".length));
      let total = 0;
      for (const nodeId of view.nodeIds()) {
        const refs = [...view.refs(nodeId)];
        expect(refs.length).toBe(view.numRefs(nodeId));
        total += refs.length;
        for (const [coords, payload] of refs) {
          expect(view.getChunkRef(nodeId, coords)).toEqual(payload);
          expect(view.getChunkRef(nodeId, [...coords, 0])).toBeUndefined();
        }
        expect(view.getChunkRef(nodeId, [999_999])).toBeUndefined();
      }
      expect(view.numRefs()).toBe(total);
      expect(total).toBeGreaterThan(0);
      const data = manifestData(view);
      const encoded = encodeManifest(data, f.header.specVersion);
      expect(manifestData(decodeManifest(encoded, f.header.specVersion))).toEqual(data);
      if (currentRust(f)) expect(sameBytes(encoded, cliDecompress(f.bytes))).toBe(true);
    },
  );

  test.each(txLogs.map((f) => [`${f.repo}/${f.key}`, f] as const))(
    "transaction log %s decodes and round-trips",
    (_, f) => {
      const log = decodeTransactionLog(cliDecompress(f.bytes), f.header.specVersion, {
        path: f.key,
      });
      expect(log.id).toBe(f.key.slice("transactions/".length));
      for (const list of [
        log.newGroups,
        log.newArrays,
        log.deletedGroups,
        log.deletedArrays,
        log.updatedGroups,
        log.updatedArrays,
      ]) {
        expect([...list].sort()).toEqual(list);
      }
      if (f.header.specVersion === 1) expect(log.movedNodes).toEqual([]);
      const encoded = encodeTransactionLog(log, f.header.specVersion);
      expect(decodeTransactionLog(encoded, f.header.specVersion)).toEqual(log);
      if (currentRust(f)) expect(sameBytes(encoded, cliDecompress(f.bytes))).toBe(true);
    },
  );

  test.each(repos.map((f) => [`${f.repo}/${f.key}`, f] as const))(
    "repo info %s decodes and round-trips",
    (_, f) => {
      const info = decodeRepoInfo(cliDecompress(f.bytes), { path: f.key });
      expect(info.specVersion).toBe(2);
      expect(info.branches.map((b) => b.name)).toContain("main");
      const ids = new Set(info.snapshots.map((s) => s.id));
      for (const s of info.snapshots)
        if (s.parentId !== undefined) expect(ids.has(s.parentId)).toBe(true);
      expect(info.latestUpdates.length).toBeGreaterThan(0);
      for (let i = 1; i < info.latestUpdates.length; i++) {
        expect(info.latestUpdates[i - 1].updatedAt).toBeGreaterThan(
          info.latestUpdates[i].updatedAt,
        );
      }
      const encoded = encodeRepoInfo(info);
      expect(decodeRepoInfo(encoded)).toEqual(info);
      expect(sameBytes(encoded, cliDecompress(f.bytes))).toBe(true);
    },
  );
});

describe("known facts", () => {
  test("test-repo-v2 starts with the fixed initial snapshot", () => {
    const f = snapshots.find(
      (s) => s.repo === "test-repo-v2" && s.key === `snapshots/${INITIAL_SNAPSHOT_ID}`,
    );
    if (f === undefined) throw new Error("fixture missing");
    const view = decodeSnapshot(cliDecompress(f.bytes), 2);
    expect(view.message).toBe("Repository initialized");
    expect(view.metadata).toEqual({ __icechunk: { is_root: true } });
    expect(view.nodeCount).toBe(0);
    expect(view.manifestFiles).toEqual([]);
  });

  test("test-repo-v1 has a random initial snapshot with msgpack metadata", () => {
    const roots = snapshots
      .filter((s) => s.repo === "test-repo-v1")
      .map((s) => decodeSnapshot(cliDecompress(s.bytes), 1))
      .filter((v) => v.parentId === undefined);
    expect(roots.length).toBe(1);
    expect(roots[0].message).toBe("Repository initialized");
    expect(roots[0].metadata).toEqual({ __root: true });
    expect(roots[0].id).toBe("P874YS3J196959RDHX7G");
  });

  test("test-repo-v2 repo info names branches, tags and the deleted tag", () => {
    const f = repos.find((r) => r.repo === "test-repo-v2" && r.key === "repo");
    if (f === undefined) throw new Error("fixture missing");
    const info = decodeRepoInfo(cliDecompress(f.bytes));
    expect(info.branches).toEqual([
      { name: "main", snapshotId: "2768FV3XW5ZXYM84XNNG" },
      { name: "my-branch", snapshotId: "H7T8YA6KR5TH32F3PS10" },
    ]);
    expect(info.tags.map((t) => t.name)).toEqual(["it also works!", "it works!"]);
    expect(info.deletedTags).toEqual(["deleted"]);
    expect(info.snapshots.find((s) => s.id === INITIAL_SNAPSHOT_ID)?.parentId).toBeUndefined();
    expect(info.latestUpdates.at(-1)?.update.type).toBe("repo-initialized");
    expect(info.config).toBeInstanceOf(Uint8Array);
  });

  test("test-repo-v2 has a virtual ref with a last-modified checksum and inline chunks", () => {
    const kinds = new Set<string>();
    let lastModified = false;
    for (const f of manifests.filter((m) => m.repo === "test-repo-v2")) {
      const view = decodeManifest(cliDecompress(f.bytes), 2);
      for (const nodeId of view.nodeIds()) {
        for (const [, p] of view.refs(nodeId)) {
          kinds.add(p.kind);
          if (p.kind === "virtual" && p.location === "s3://testbucket/can_read_old/chunk-1") {
            lastModified = p.checksum !== undefined && "lastModified" in p.checksum;
          }
        }
      }
    }
    expect(kinds).toContain("inline");
    expect(kinds).toContain("virtual");
    expect(lastModified).toBe(true);
  });

  test("expire-repo-v2-by-working-copy records pruned ancestor tx logs", () => {
    const f = repos.find((r) => r.repo === "expire-repo-v2-by-working-copy" && r.key === "repo");
    if (f === undefined) throw new Error("fixture missing");
    const info = decodeRepoInfo(cliDecompress(f.bytes));
    const pruned = info.snapshots.flatMap((s) => s.prunedAncestorTxLogs ?? []);
    expect(pruned.length).toBeGreaterThan(0);
  });
});
