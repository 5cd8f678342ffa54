/**
 * shiftArray / reindexArray against the official implementation. The 2.2.2 binding has no
 * shift_array or reindex, so each random case is replayed on the official build as the store edits
 * upstream's `reindex_array` records (destinations set, vacated positions deleted), computed from a
 * plain model of the array. Then both sessions must agree before commit (status, full listing,
 * every chunk), after commit (the official build reads our snapshot as the model says), and in the
 * transaction log (the official diff of our commit equals that of its own commit and ours).
 */
import {
  type Diff,
  InvalidChunkIndexError,
  inMemoryStorage,
  Repository,
  type Session,
} from "@icechunk-ts/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  loadNativeOracle,
  nativeOracleUnavailableReason,
  type Oracle,
  oracleStorage,
} from "./support/oracle.js";
import { enc, group } from "./support/zarr-json.js";

type Coords = readonly number[];
type Cells = Map<string, number>;
type CaseOf<A> = A extends fc.Arbitrary<infer T> ? T : never;
const key = (c: readonly number[]) => c.join(",");
const unkey = (k: string): number[] => k.split(",").map(Number);
const normalize = (d: Diff | object) => JSON.parse(JSON.stringify(d));

/** A uint8 array with one-element chunks: `dims[i]` chunks along axis i. */
function arrayDoc(dims: readonly number[]): Uint8Array {
  return enc(
    JSON.stringify({
      zarr_format: 3,
      node_type: "array",
      shape: dims,
      data_type: "uint8",
      chunk_grid: { name: "regular", configuration: { chunk_shape: dims.map(() => 1) } },
      chunk_key_encoding: { name: "default", configuration: { separator: "/" } },
      fill_value: 0,
      codecs: [{ name: "bytes" }],
      attributes: {},
    }),
  );
}

function gridCoords(dims: readonly number[]): Coords[] {
  let out: Coords[] = [[]];
  for (const n of dims) out = out.flatMap((c) => Array.from({ length: n }, (_, i) => [...c, i]));
  return out;
}

const inGrid = (dims: readonly number[], c: readonly number[]) =>
  c.every((x, i) => Number.isInteger(x) && x >= 0 && x < dims[i]!);
const chunkKeyOf = (c: readonly number[]) => `a/c/${c.join("/")}`;

type Op =
  | { kind: "shift"; offset: number[] }
  | { kind: "roll"; axis: number; k: number; backward: boolean }
  | { kind: "flip"; axis: number; backward: boolean }
  | { kind: "push"; axis: number; k: number };

/** Forward and backward maps of a reindex op (for `push`, forward may leave the grid). */
function maps(dims: readonly number[], op: Exclude<Op, { kind: "shift" }>) {
  const n = dims[op.axis]!;
  const back = (f: (c: Coords) => number[]) => ("backward" in op && op.backward ? f : undefined);
  const at = (c: Coords, v: number) => c.map((x, i) => (i === op.axis ? v : x));
  switch (op.kind) {
    case "roll":
      return {
        forward: (c: Coords) => at(c, (((c[op.axis]! + op.k) % n) + n) % n),
        backward: back((c) => at(c, (((c[op.axis]! - op.k) % n) + n) % n)),
      };
    case "flip":
      return {
        forward: (c: Coords) => at(c, n - 1 - c[op.axis]!),
        backward: back((c) => at(c, n - 1 - c[op.axis]!)),
      };
    case "push":
      return { forward: (c: Coords) => at(c, c[op.axis]! + op.k), backward: undefined };
  }
}

/**
 * The edits upstream records for `op` on `cells` (`null` = delete), or "error" when a reindex
 * destination leaves the grid. Shift: every position p whose source p - offset holds a chunk
 * receives it; every chunk whose position receives nothing is cleared.
 */
function expectedEdits(
  dims: readonly number[],
  cells: Cells,
  op: Op,
): Map<string, number | null> | "error" {
  const edits = new Map<string, number | null>();
  if (op.kind === "shift") {
    for (const p of gridCoords(dims)) {
      const v = cells.get(key(p.map((x, i) => x - op.offset[i]!)));
      if (v !== undefined) edits.set(key(p), v);
    }
    for (const k of cells.keys()) if (!edits.has(k)) edits.set(k, null);
    return edits;
  }
  const { forward, backward } = maps(dims, op);
  for (const [k, v] of cells) {
    const to = forward(unkey(k));
    if (!inGrid(dims, to)) return "error";
    edits.set(key(to), v);
  }
  if (backward)
    for (const k of cells.keys())
      if (!edits.has(k) && !cells.has(key(backward(unkey(k))))) edits.set(k, null);
  return edits;
}

function applyOurs(session: Session, dims: readonly number[], op: Op): Promise<void> {
  if (op.kind === "shift") return session.shiftArray("/a", op.offset);
  const { forward, backward } = maps(dims, op);
  return session.reindexArray("/a", forward, backward ? { backward } : {});
}

const caseArb = fc.integer({ min: 1, max: 3 }).chain((rank) =>
  fc.record({
    spec: fc.constantFrom(1 as const, 2 as const),
    dims: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: rank, maxLength: rank }),
    // the initial cells and the session's own writes before the ops, as [coords, value | 0=delete]
    cells: fc.array(
      fc.tuple(fc.array(fc.nat(3), { minLength: rank, maxLength: rank }), fc.nat(255)),
      { minLength: 1, maxLength: 12 },
    ),
    preWrites: fc.array(
      fc.tuple(fc.array(fc.nat(3), { minLength: rank, maxLength: rank }), fc.nat(255)),
      { maxLength: 3 },
    ),
    ops: fc.array(
      fc.oneof(
        fc.record({
          kind: fc.constant("shift" as const),
          offset: fc.array(fc.integer({ min: -5, max: 5 }), {
            minLength: rank,
            maxLength: rank,
          }),
        }),
        fc.record({
          kind: fc.constant("roll" as const),
          axis: fc.nat(rank - 1),
          k: fc.integer({ min: -4, max: 4 }),
          backward: fc.boolean(),
        }),
        fc.record({
          kind: fc.constant("flip" as const),
          axis: fc.nat(rank - 1),
          backward: fc.boolean(),
        }),
        fc.record({
          kind: fc.constant("push" as const),
          axis: fc.nat(rank - 1),
          k: fc.integer({ min: -2, max: 2 }),
        }),
      ),
      { minLength: 1, maxLength: 3 },
    ),
  }),
);

interface TheirStore {
  set(key: string, value: Buffer): Promise<void>;
  delete(key: string): Promise<void>;
}

async function applyEdits(store: TheirStore, edits: ReadonlyMap<string, number | null>) {
  for (const [k, v] of edits) {
    if (v === null) await store.delete(chunkKeyOf(unkey(k)));
    else await store.set(chunkKeyOf(unkey(k)), Buffer.from([v]));
  }
}

async function expectView(
  ours: { list(): Promise<string[]>; get(k: string): Promise<Uint8Array | undefined | null> },
  dims: readonly number[],
  cells: Cells,
  label: string,
) {
  const expectedKeys = [
    "a/zarr.json",
    "zarr.json",
    ...[...cells.keys()].map((k) => chunkKeyOf(unkey(k))),
  ].sort();
  expect((await ours.list()).sort(), label).toEqual(expectedKeys);
  for (const c of gridCoords(dims)) {
    const got = await ours.get(chunkKeyOf(c));
    const want = cells.get(key(c));
    if (want === undefined) expect(got ?? undefined, `${label} ${key(c)}`).toBeUndefined();
    else expect(got && [...got], `${label} ${key(c)}`).toEqual([want]);
  }
}

async function runCase(
  oracle: Oracle,
  { spec, dims, cells: initial, preWrites, ops }: CaseOf<typeof caseArb>,
) {
  const storage = inMemoryStorage();
  const repo = await Repository.create(storage, { specVersion: spec });
  const setup = await repo.writableSession("main");
  await setup.store.set("zarr.json", group());
  await setup.store.set("a/zarr.json", arrayDoc(dims));
  let cells: Cells = new Map();
  for (const [c, v] of initial)
    if (inGrid(dims, c)) {
      await setup.store.set(chunkKeyOf(c), new Uint8Array([v]));
      cells.set(key(c), v);
    }
  const base = await setup.commit("base");
  await repo.createBranch("theirs", base);

  const orepo = await oracle.Repository.open(await oracleStorage(storage, { oracle }));
  const ours = await repo.writableSession("main");
  const theirs = await orepo.writableSession("theirs");
  const pre = new Map<string, number | null>();
  for (const [c, v] of preWrites) if (inGrid(dims, c)) pre.set(key(c), v === 0 ? null : v);
  for (const [k, v] of pre) {
    if (v === null) await ours.store.delete(chunkKeyOf(unkey(k)));
    else await ours.store.set(chunkKeyOf(unkey(k)), new Uint8Array([v]));
    if (v === null) cells.delete(k);
    else cells.set(k, v);
  }
  await applyEdits(theirs.store as unknown as TheirStore, pre);

  for (const [i, op] of ops.entries()) {
    const edits = expectedEdits(dims, cells, op);
    if (edits === "error") {
      await expect(applyOurs(ours, dims, op), `op ${i}`).rejects.toBeInstanceOf(
        InvalidChunkIndexError,
      );
      continue;
    }
    await applyOurs(ours, dims, op);
    await applyEdits(theirs.store as unknown as TheirStore, edits);
    const next = new Map(cells);
    for (const [k, v] of edits) {
      if (v === null) next.delete(k);
      else next.set(k, v);
    }
    cells = next;
  }

  // before commit: status, listing and every chunk
  expect(normalize(await ours.status())).toEqual(normalize(await theirs.status()));
  await expectView(ours.store, dims, cells, "ours before commit");
  await expectView(theirs.store, dims, cells, "theirs before commit");

  if (!ours.hasUncommittedChanges) return;
  const ourCommit = await ours.commit("reindexed");
  const theirCommit = await theirs.commit("reindexed");
  const fresh = await oracle.Repository.open(await oracleStorage(storage, { oracle }));
  const committed = await fresh.readonlySession({ snapshotId: ourCommit });
  await expectView(committed.store, dims, cells, "official read of our commit");
  const officialOfOurs = await fresh.diff({ fromSnapshotId: base, toSnapshotId: ourCommit });
  const officialOfTheirs = await fresh.diff({ fromSnapshotId: base, toSnapshotId: theirCommit });
  expect(normalize(officialOfOurs)).toEqual(normalize(officialOfTheirs));
  const ourDiff = await repo.diff({ from: { snapshotId: base }, to: { snapshotId: ourCommit } });
  expect(normalize(ourDiff)).toEqual(normalize(officialOfOurs));
  for (const coords of Object.values(ourDiff.updatedChunks).flat())
    expect(inGrid(dims, coords), `logged coordinate ${coords}`).toBe(true);
}

describe("shiftArray and reindexArray agree with the official implementation", () => {
  it("a negative shift lists, reports and logs no coordinate outside the grid", async () => {
    const oracle = await loadNativeOracle();
    expect(oracle, `native oracle unavailable: ${nativeOracleUnavailableReason}`).toBeDefined();
    await runCase(oracle!, {
      spec: 2,
      dims: [4],
      cells: [
        [[0], 10],
        [[1], 11],
        [[2], 12],
        [[3], 13],
      ],
      preWrites: [],
      ops: [{ kind: "shift", offset: [-1] }],
    });
    const repo = await Repository.create(inMemoryStorage());
    const s = await repo.writableSession("main");
    await s.store.set("zarr.json", group());
    await s.store.set("a/zarr.json", arrayDoc([3]));
    for (const i of [0, 1, 2]) await s.store.set(`a/c/${i}`, new Uint8Array([i + 1]));
    await s.shiftArray("/a", [-1]);
    expect((await s.store.listPrefix("a")).sort()).toEqual(["a/c/0", "a/c/1", "a/zarr.json"]);
    expect((await s.status()).updatedChunks["/a"]).toEqual([[0], [1], [2]]);
  });

  it("random shifts and reindexes (negative, positive, multi-axis, past the edge)", async () => {
    const oracle = await loadNativeOracle();
    expect(oracle, `native oracle unavailable: ${nativeOracleUnavailableReason}`).toBeDefined();
    await fc.assert(
      fc.asyncProperty(caseArb, (c) => runCase(oracle!, c)),
      { numRuns: 60, seed: 0x1ce, endOnFailure: true },
    );
  });
});
