/**
 * @module bench/lib/data
 * Benchmark data sets: the 3200×3200 float32 array in 32×32 chunks written by icechunk-ts to a
 * local-filesystem repository and by zarrita to plain Zarr, and temp directories.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Repository } from "@icechunk-ts/core";
import { localFilesystemStorage } from "@icechunk-ts/core/fs";
import { IcechunkStore } from "@icechunk-ts/zarrita";
import FileSystemStore from "@zarrita/storage/fs";
import * as zarr from "zarrita";

const dirs: string[] = [];

/** A fresh temp directory, removed by {@link cleanupTempDirs}. */
export async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `icechunk-bench-${prefix}-`));
  dirs.push(dir);
  return dir;
}

/** Removes every temp directory made by {@link tempDir}. */
export async function cleanupTempDirs(): Promise<void> {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
}

/** Side and chunk side of the read-benchmark array (10,000 chunks). */
export const GRID = { side: 3200, chunk: 32 } as const;

/** Deterministic contents of the grid array. */
export function gridData(): { data: Float32Array; shape: number[]; stride: number[] } {
  const n = GRID.side * GRID.side;
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = (i % 9973) * 0.5;
  return { data, shape: [GRID.side, GRID.side], stride: [GRID.side, 1] };
}

/** Array creation options shared by every writer (uncompressed, so codecs do not dominate). */
export const GRID_ARRAY: { shape: number[]; chunkShape: number[]; dtype: "float32" } = {
  shape: [GRID.side, GRID.side],
  chunkShape: [GRID.chunk, GRID.chunk],
  dtype: "float32",
};

/** Writes the grid array as `/grid` into a new spec-2 icechunk-ts repository at `dir` and commits. */
export async function writeGridRepo(
  dir: string,
  options: { signal?: AbortSignal } = {},
): Promise<void> {
  const repo = await Repository.create(localFilesystemStorage(dir), options);
  const session = await repo.writableSession("main", options);
  const root = zarr.root(new IcechunkStore(session));
  await zarr.create(root, {});
  const arr = await zarr.create(root.resolve("grid"), GRID_ARRAY);
  await zarr.set(arr, null, gridData());
  await session.commit("grid", options);
}

/** Writes the grid array as plain Zarr v3 (`/grid`) with zarrita's FileSystemStore. */
export async function writeGridPlainZarr(dir: string): Promise<void> {
  const root = zarr.root(new FileSystemStore(dir));
  await zarr.create(root, {});
  const arr = await zarr.create(root.resolve("grid"), GRID_ARRAY);
  await zarr.set(arr, null, gridData());
}

/** Checks a read result equals {@link gridData} (a benchmark must read the right bytes). */
export function checkGrid(data: ArrayLike<number>): void {
  const n = GRID.side * GRID.side;
  if (data.length !== n) throw new Error(`read ${data.length} values, expected ${n}`);
  for (let i = 0; i < n; i += 997) {
    if (data[i] !== (i % 9973) * 0.5)
      throw new Error(`value ${i} is ${data[i]}, expected ${(i % 9973) * 0.5}`);
  }
}
