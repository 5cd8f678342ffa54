/**
 * @module bench/cases/write-commit
 * Case 4: writing and committing 10,000 chunks (the case-2 array through zarrita), and a commit
 * touching 1,000 arrays (one chunk each) — icechunk-ts vs the official native build, both on a
 * local-filesystem repository.
 */
import { Repository } from "@icechunk-ts/core";
import { localFilesystemStorage } from "@icechunk-ts/core/fs";
import { IcechunkStore } from "@icechunk-ts/zarrita";
import * as zarr from "zarrita";
import { nativeOrReason, type Oracle, oracleZarrStore } from "../lib/anchors.js";
import { GRID_ARRAY, gridData, tempDir } from "../lib/data.js";
import { type CaseResult, log, type Measurement, row, timeInterleaved } from "../lib/measure.js";

const OURS = "icechunk-ts";
const NATIVE = "official (native)";
const ARRAYS = 1000;

/** Something that can give a zarrita store for a writable session and commit it. */
interface Writer {
  session(): Promise<{ store: zarr.Mutable; commit(message: string): Promise<string> }>;
}

async function oursWriter(dir: string): Promise<Writer> {
  const repo = await Repository.create(localFilesystemStorage(dir));
  return {
    async session() {
      const s = await repo.writableSession("main");
      return { store: new IcechunkStore(s), commit: (m) => s.commit(m) };
    },
  };
}

async function nativeWriter(o: Oracle, dir: string): Promise<Writer> {
  const repo = await o.Repository.create(await o.Storage.newLocalFilesystem(dir));
  return {
    async session() {
      const s = await repo.writableSession("main");
      return { store: oracleZarrStore(s), commit: (m) => s.commit(m) };
    },
  };
}

async function writeGrid(w: Writer): Promise<void> {
  const s = await w.session();
  const root = zarr.root(s.store);
  await zarr.create(root, {});
  const arr = await zarr.create(root.resolve("grid"), GRID_ARRAY);
  await zarr.set(arr, null, gridData());
  await s.commit("10,000 chunks");
}

const small = () => ({ shape: [256], chunkShape: [256], dtype: "float32" as const });

async function createArrays(w: Writer): Promise<void> {
  const s = await w.session();
  const root = zarr.root(s.store);
  await zarr.create(root, {});
  for (let i = 0; i < ARRAYS; i++) await zarr.create(root.resolve(`a${i}`), small());
  await s.commit(`${ARRAYS} arrays`);
}

async function touchArrays(w: Writer, rep: number): Promise<void> {
  const s = await w.session();
  const root = zarr.root(s.store);
  const data = new Float32Array(256).fill(rep + 2);
  await Promise.all(
    Array.from({ length: ARRAYS }, async (_, i) => {
      const arr = await zarr.open.v3(root.resolve(`a${i}`), { kind: "array" });
      await zarr.set(arr as zarr.Array<"float32", zarr.Mutable>, null, {
        data,
        shape: [256],
        stride: [1],
      });
    }),
  );
  await s.commit(`touch ${ARRAYS} arrays`);
}

function toRows(
  names: readonly string[],
  result: { samples: Array<number[] | undefined>; errors: unknown[] },
  scenario: string,
  suffix: string,
): Measurement[] {
  return names.map((name, k) => {
    const samples = result.samples[k];
    if (samples === undefined) {
      const err = result.errors[k];
      const msg = err instanceof Error ? err.message : String(err);
      return { name: name + suffix, skipped: `failed: ${msg.split("\n")[0]!.slice(0, 160)}` };
    }
    return row(name + suffix, samples, { scenario });
  });
}

/** Runs case 4 (contenders alternate within each repetition). */
export async function writeCommitCase(options: {
  reps: number;
  signal?: AbortSignal;
}): Promise<CaseResult> {
  const reps = Math.max(1, Math.min(options.reps, 5));
  const native = await nativeOrReason();
  const makers: Array<[string, (dir: string) => Promise<Writer>]> = [[OURS, oursWriter]];
  if (native.oracle) makers.push([NATIVE, (dir) => nativeWriter(native.oracle!, dir)]);
  const names = makers.map(([n]) => n);
  log("  10,000 chunks (contenders alternate)");
  const grid = toRows(
    names,
    await timeInterleaved(
      { reps, warmup: 1, signal: options.signal },
      makers.map(
        ([, make]) =>
          async () =>
            writeGrid(await make(await tempDir("w"))),
      ),
    ),
    "10,000 chunks",
    "",
  );
  log(`  ${ARRAYS} arrays (contenders alternate)`);
  const writers = await Promise.all(
    makers.map(async ([, make]) => {
      const w = await make(await tempDir("w1000"));
      await createArrays(w);
      return w;
    }),
  );
  const many = toRows(
    names,
    await timeInterleaved(
      { reps, warmup: 1, signal: options.signal },
      writers.map((w) => (rep: number) => touchArrays(w, rep)),
    ),
    `${ARRAYS} arrays`,
    " ",
  );
  const ours = [grid[0]!, many[0]!];
  const theirs: Measurement[] = native.oracle
    ? [grid[1]!, many[1]!]
    : [{ name: NATIVE, skipped: native.reason ?? "unavailable" }];
  const rows = [ours[0]!, theirs[0]!, ours[1]!, ...(theirs[1] ? [theirs[1]] : [])];
  const check = (o: Measurement, t: Measurement | undefined, what: string) => ({
    target: `${what}: at least as fast as native`,
    met: o.medianMs !== undefined && t?.medianMs !== undefined && o.medianMs <= t.medianMs,
    detail:
      t?.medianMs === undefined || o.medianMs === undefined
        ? "not measured"
        : `ours ${o.medianMs.toFixed(0)} ms vs native ${t.medianMs.toFixed(0)} ms`,
  });
  return {
    id: "4",
    title: "Writing and committing",
    setup: `Contenders alternate within each repetition (order rotated), so load from other processes hits them alike. (a) A fresh spec-2 repository on local disk; one writable session writes the 3200×3200 float32 array (10,000 chunks of 4 KiB) through zarrita (which issues every chunk's set concurrently) and commits; timed from repository creation to the commit's return. (b) A repository with ${ARRAYS} arrays of one 1 KiB chunk; each run opens a writable session, writes one chunk into every array (concurrently) and commits — a commit touching ${ARRAYS} arrays, i.e. ${ARRAYS} new manifests. Rows whose name ends in a space are scenario (b).`,
    rows,
    baseline: OURS,
    targets: [
      check(ours[0]!, theirs[0], "10,000 chunks"),
      check(ours[1]!, theirs[1], `${ARRAYS} arrays`),
    ],
  };
}
