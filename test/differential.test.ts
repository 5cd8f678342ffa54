/**
 * Differential model-based test: random command sequences (test/support/model.ts: node and chunk
 * edits, commit/amend/flush, read-only/writable/rearrange sessions, moves, a second writer and
 * rebase, branches, tags, resets, discards, diffs) run on icechunk-ts and on the official
 * implementation (native build); after every step both agree on the command's outcome (success
 * value or failure) and on every observable: listings (list/listPrefix/listDir of fixed prefixes),
 * the bytes of every key, exists, status, hasUncommittedChanges, mode, refs and ancestry messages.
 * `ICECHUNK_MODEL_RUNS=500` runs more sequences. The named cases below are issue 11's divergences,
 * each compared with the official implementation.
 */
import { INITIAL_SNAPSHOT_ID } from "@icechunk-ts/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type Cmd,
  commandArb,
  ourImpl,
  Runner,
  runsFromEnv,
  seedFromEnv,
  theirImpl,
} from "./support/model.js";
import { loadNativeOracle, nativeOracleUnavailableReason, type Oracle } from "./support/oracle.js";

const oracle = await loadNativeOracle();
const RUNS = runsFromEnv(100);
const SEED = seedFromEnv();
const stats = { sequences: 0, steps: 0, succeeded: 0 };

/** Runs one sequence on both implementations, comparing after every step. */
async function agree(o: Oracle, cmds: readonly Cmd[]): Promise<void> {
  const ours = new Runner(await ourImpl(), INITIAL_SNAPSHOT_ID);
  const theirs = new Runner(await theirImpl(o), INITIAL_SNAPSHOT_ID);
  await ours.start();
  await theirs.start();
  stats.sequences++;
  for (const [i, cmd] of cmds.entries()) {
    const [a, b] = [await ours.apply(cmd), await theirs.apply(cmd)];
    stats.steps++;
    if (a.ok) stats.succeeded++;
    const where = `step ${i} ${JSON.stringify(cmd)}`;
    expect(a.ok, `${where}: ours ${JSON.stringify(a)}, official ${JSON.stringify(b)}`).toBe(b.ok);
    if (a.ok && b.ok) expect(a.value, where).toEqual(b.value);
    expect(await ours.observe(), where).toEqual(await theirs.observe());
  }
}

describe.skipIf(!oracle)(
  `differential against the official implementation${oracle ? "" : ` (unavailable: ${nativeOracleUnavailableReason})`}`,
  () => {
    const o = oracle!;

    it(
      "random command sequences agree step by step",
      async () => {
        await fc.assert(
          fc.asyncProperty(fc.array(commandArb(false), { minLength: 5, maxLength: 30 }), (cmds) =>
            agree(o, cmds),
          ),
          { numRuns: RUNS, seed: SEED },
        );
        console.log(
          `differential: ${stats.sequences} sequences, ${stats.steps} steps (${stats.succeeded} succeeded) (ICECHUNK_MODEL_RUNS=${RUNS}, ICECHUNK_MODEL_SEED=${SEED})`,
        );
      },
      60_000 + RUNS * 500,
    );

    // issue 11: each divergence found by an earlier differential run, now a named regression case
    const cases: Array<[string, Cmd[]]> = [
      [
        "listPrefix of a chunk-key prefix or a missing node errors; listDir where no node exists is empty",
        [
          { t: "group", p: 0, v: 0 },
          { t: "array", p: 1, rank: 1, v: 0 },
          { t: "chunk", p: 1, c: [0], large: false, b: 1 },
          { t: "group", p: 4, v: 0 },
          { t: "commit" },
        ],
      ],
      [
        "flush after commit, amend and flush succeeds with a new snapshot",
        [
          { t: "group", p: 0, v: 0 },
          { t: "commit" },
          { t: "flush" },
          { t: "flush" },
          { t: "session", kind: "writable", b: 0, s: 0 },
          { t: "group", p: 1, v: 0 },
          { t: "commit" },
          { t: "group", p: 1, v: 1 },
          { t: "session", kind: "writable", b: 0, s: 0 },
          { t: "group", p: 1, v: 2 },
          { t: "amend" },
          { t: "flush" },
          { t: "session", kind: "readonly", b: 0, s: 1 },
          { t: "flush" },
        ],
      ],
      [
        "delete of a missing key in read-only and rearrange sessions is a no-op",
        [
          { t: "array", p: 1, rank: 1, v: 0 },
          { t: "commit" },
          { t: "session", kind: "readonly", b: 0, s: 1 },
          { t: "delMeta", p: 3 },
          { t: "delChunk", p: 3, c: [0] },
          { t: "delChunk", p: 1, c: [2] },
          { t: "delChunk", p: 1, c: [0] },
          { t: "session", kind: "rearrange", b: 0, s: 0 },
          { t: "delMeta", p: 3 },
          { t: "delChunk", p: 3, c: [0] },
          { t: "delMeta", p: 1 },
        ],
      ],
      [
        "re-setting identical zarr.json in a rearrange session is accepted",
        [
          { t: "group", p: 0, v: 0 },
          { t: "array", p: 1, rank: 2, v: 1 },
          { t: "commit" },
          { t: "session", kind: "rearrange", b: 0, s: 0 },
          { t: "group", p: 0, v: 0 },
          { t: "array", p: 1, rank: 2, v: 1 },
          { t: "group", p: 0, v: 1 },
          { t: "move", from: 1, to: 3 },
          { t: "commit" },
        ],
      ],
      [
        "creating an array, deleting a never-written chunk and deleting the array leaves uncommitted changes",
        [
          { t: "group", p: 0, v: 0 },
          { t: "commit" },
          { t: "session", kind: "writable", b: 0, s: 0 },
          { t: "array", p: 1, rank: 1, v: 0 },
          { t: "delChunk", p: 1, c: [0] },
          { t: "delMeta", p: 1 },
          { t: "commit" },
        ],
      ],
      [
        "rewriting an array with another number of dimensions keeps its chunk keys",
        [
          { t: "array", p: 1, rank: 1, v: 0 },
          { t: "chunk", p: 1, c: [0], large: false, b: 1 },
          { t: "chunk", p: 1, c: [1], large: true, b: 2 },
          { t: "commit" },
          { t: "session", kind: "writable", b: 0, s: 0 },
          { t: "array", p: 1, rank: 2, v: 0 },
          { t: "chunk", p: 1, c: [1, 1], large: false, b: 3 },
          { t: "commit" },
          { t: "session", kind: "writable", b: 0, s: 0 },
          { t: "array", p: 1, rank: 1, v: 1 },
          { t: "delChunk", p: 1, c: [1] },
          { t: "commit" },
        ],
      ],
      [
        "listPrefix of an array lists its own chunks, not those of an array nested in it; the root lists all (shrunk)",
        [
          { t: "array", p: 1, rank: 1, v: 0 },
          { t: "array", p: 2, rank: 1, v: 0 },
          { t: "chunk", p: 2, c: [0], large: false, b: 0 },
          { t: "chunk", p: 1, c: [1], large: false, b: 1 },
          { t: "array", p: 0, rank: 2, v: 0 },
          { t: "chunk", p: 0, c: [1, 0], large: false, b: 2 },
          { t: "commit" },
        ],
      ],
      [
        "reading a chunk key of a group fails, deleting it is a no-op",
        [
          { t: "group", p: 0, v: 0 },
          { t: "group", p: 3, v: 0 },
          { t: "delChunk", p: 3, c: [0] },
          { t: "commit" },
          { t: "session", kind: "readonly", b: 0, s: 1 },
          { t: "delChunk", p: 0, c: [1, 1] },
        ],
      ],
      [
        "deleting a chunk key of a lower rank keeps the array's other chunks at commit",
        [
          { t: "array", p: 1, rank: 2, v: 0 },
          { t: "chunk", p: 1, c: [0, 1], large: false, b: 1 },
          { t: "chunk", p: 1, c: [1, 1], large: true, b: 2 },
          { t: "commit" },
          { t: "session", kind: "writable", b: 0, s: 0 },
          { t: "delChunk", p: 1, c: [0] },
          { t: "delChunk", p: 1, c: [1] },
          { t: "commit" },
        ],
      ],
      [
        "a manifest holding chunk keys of two ranks is read again when every cell of the grid is rewritten",
        [
          { t: "array", p: 1, rank: 1, v: 0 },
          { t: "chunk", p: 1, c: [1], large: false, b: 9 },
          { t: "commit" },
          { t: "session", kind: "writable", b: 0, s: 0 },
          { t: "array", p: 1, rank: 2, v: 0 },
          { t: "chunk", p: 1, c: [0, 0], large: false, b: 1 },
          { t: "chunk", p: 1, c: [0, 1], large: false, b: 1 },
          { t: "chunk", p: 1, c: [1, 0], large: false, b: 1 },
          { t: "chunk", p: 1, c: [1, 1], large: false, b: 1 },
          { t: "commit" },
          { t: "session", kind: "writable", b: 0, s: 0 },
          { t: "chunk", p: 1, c: [0, 0], large: false, b: 2 },
          { t: "chunk", p: 1, c: [0, 1], large: false, b: 2 },
          { t: "chunk", p: 1, c: [1, 0], large: false, b: 2 },
          { t: "chunk", p: 1, c: [1, 1], large: false, b: 2 },
          { t: "commit" },
        ],
      ],
      [
        "deleting a group deletes its subtree, before and after commit",
        [
          { t: "group", p: 0, v: 0 },
          { t: "group", p: 1, v: 0 },
          { t: "array", p: 2, rank: 1, v: 0 },
          { t: "chunk", p: 2, c: [1], large: true, b: 1 },
          { t: "group", p: 4, v: 0 },
          { t: "commit" },
          { t: "session", kind: "writable", b: 0, s: 0 },
          { t: "delMeta", p: 1 },
          { t: "commit" },
          { t: "diff", a: 1, z: 2 },
        ],
      ],
    ];
    for (const [name, cmds] of cases) it(name, () => agree(o, cmds));
  },
);
