import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { compareUtf8, sortByUtf8 } from "../../src/format/common.js";
import { decodeManifest, encodeManifest } from "../../src/format/manifest.js";
import { decodeRepoInfo, encodeRepoInfo } from "../../src/format/repo-info.js";
import { decodeSnapshot, encodeSnapshot } from "../../src/format/snapshot.js";
import {
  comparePathsComponentWise,
  decodeTransactionLog,
  encodeTransactionLog,
} from "../../src/format/transaction-log.js";
import {
  manifestData,
  repoInfoData,
  snapshotData,
  transactionLogData,
} from "../arbitraries/format.js";
import {
  manifestData as materializeManifest,
  snapshotData as materializeSnapshot,
} from "./materialize.js";

const byCoords = (a: readonly number[], b: readonly number[]) => {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
};
const byString = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

describe("property round trips through our encoder", () => {
  for (const spec of [1, 2] as const) {
    test(`snapshot (spec ${spec})`, () => {
      fc.assert(
        fc.property(snapshotData(spec), (data) => {
          const view = decodeSnapshot(encodeSnapshot(data, spec), spec);
          expect(materializeSnapshot(view)).toEqual({
            ...data,
            manifestFiles: [...data.manifestFiles].sort((a, b) => byString(a.id, b.id)),
            nodes: sortByUtf8(data.nodes, (n) => n.path),
          });
          for (const n of data.nodes) {
            // looked up twice (the second from the view's cache): equal, with unshared user data
            const first = view.getNode(n.path);
            expect(first?.id).toBe(n.id);
            first?.userData.fill(0xee);
            expect(view.getNode(n.path)).toEqual(n);
          }
          expect(view.getNode("/no/such/node")).toBeUndefined();
        }),
        { numRuns: 150 },
      );
    });

    test(`manifest (spec ${spec})`, () => {
      fc.assert(
        fc.property(manifestData, (data) => {
          const view = decodeManifest(encodeManifest(data, spec), spec);
          const expected = {
            id: data.id,
            arrays: [...data.arrays]
              .sort((a, b) => byString(a.nodeId, b.nodeId))
              .map((a) => ({
                nodeId: a.nodeId,
                refs: [...a.refs].sort((x, y) => byCoords(x[0], y[0])),
              })),
          };
          expect(materializeManifest(view)).toEqual(expected);
          for (const a of data.arrays)
            for (const [c, p] of a.refs) expect(view.getChunkRef(a.nodeId, c)).toEqual(p);
        }),
        { numRuns: 150 },
      );
    });

    test(`transaction log (spec ${spec})`, () => {
      fc.assert(
        fc.property(transactionLogData, (data) => {
          const log = decodeTransactionLog(encodeTransactionLog(data, spec), spec);
          const sorted = (ids: string[]) => [...ids].sort(byString);
          expect(log).toEqual({
            id: data.id,
            newGroups: sorted(data.newGroups),
            newArrays: sorted(data.newArrays),
            deletedGroups: sorted(data.deletedGroups),
            deletedArrays: sorted(data.deletedArrays),
            updatedGroups: sorted(data.updatedGroups),
            updatedArrays: sorted(data.updatedArrays),
            updatedChunks: [...data.updatedChunks]
              .sort((a, b) => byString(a.nodeId, b.nodeId))
              .map((u) => ({ nodeId: u.nodeId, chunks: [...u.chunks].sort(byCoords) })),
            movedNodes:
              spec === 1
                ? []
                : [...data.movedNodes].sort((a, b) => comparePathsComponentWise(a.to, b.to)),
          });
        }),
        { numRuns: 150 },
      );
    });
  }

  test("repo info", () => {
    fc.assert(
      fc.property(repoInfoData, (data) => {
        const info = decodeRepoInfo(encodeRepoInfo(data));
        expect(info).toEqual({
          ...data,
          tags: sortByUtf8(data.tags, (t) => t.name),
          branches: sortByUtf8(data.branches, (t) => t.name),
          deletedTags: [...data.deletedTags].sort(compareUtf8),
          snapshots: [...data.snapshots].sort((a, b) => byString(a.id, b.id)),
          enabledFeatureFlags: [...data.enabledFeatureFlags].sort((a, b) => a - b),
          disabledFeatureFlags: [...data.disabledFeatureFlags].sort((a, b) => a - b),
        });
      }),
      { numRuns: 150 },
    );
  });
});

describe("orderings", () => {
  test("snapshot nodes sort by UTF-8 bytes and moves component-wise", () => {
    expect(["/a/b", "/a-b", "/a"].sort(compareUtf8)).toEqual(["/a", "/a-b", "/a/b"]);
    expect(["/a-b", "/a/b", "/a"].sort(comparePathsComponentWise)).toEqual(["/a", "/a/b", "/a-b"]);
    // UTF-16 order would put U+FFFD after the astral emoji; UTF-8 puts it first.
    expect(["/😀", "/\uFFFD"].sort(compareUtf8)).toEqual(["/\uFFFD", "/😀"]);
  });

  test("nodesUnder skips siblings that sort inside the prefix run", () => {
    const nodes = ["/", "/a", "/a-b", "/a/b", "/a/b/c", "/ab", "/b"].map((path, i) => ({
      id: `${"0".repeat(12)}${i}` as never,
      path,
      userData: new Uint8Array(),
      nodeData: { type: "group" as const },
    }));
    const view = decodeSnapshot(
      encodeSnapshot(
        {
          id: "1CECHNKREP0F1RSTCMT0" as never,
          flushedAt: 1,
          message: "",
          metadata: {},
          manifestFiles: [],
          nodes,
        },
        2,
      ),
      2,
    );
    expect([...view.nodesUnder("/a")].map((n) => n.path)).toEqual(["/a", "/a/b", "/a/b/c"]);
    expect([...view.nodesUnder("/a/b")].map((n) => n.path)).toEqual(["/a/b", "/a/b/c"]);
    expect([...view.nodesUnder("/")].length).toBe(7);
    expect([...view.nodesUnder("/zz")]).toEqual([]);
  });
});
