/**
 * The cube written by `examples/parallel-write.ts`: a 3-D float32 array `cube` (dimensions t, y, x)
 * whose value at (t, y, x) is its linear index modulo 2^24 (exact in float32), so every value can
 * be checked. Work is split into slabs of whole chunks along t; each slab is one task.
 */
import type { Session } from "@icechunk-ts/core";
import { IcechunkStore } from "@icechunk-ts/zarrita";
import * as zarr from "zarrita";

/** The shape of the cube and of its chunks. */
export interface CubeSpec {
  shape: [number, number, number];
  chunks: [number, number, number];
  /** Compressor after the bytes codec (default none): CPU work that parallel writers share out. */
  compressor?: "zstd" | "gzip";
}

/** One task: the slab of chunk rows `[start, stop)` along t (in chunk units). */
export interface Slab {
  start: number;
  stop: number;
}

export const CUBE_PATH = "cube";
const WRAP = 2 ** 24;

/** Parses a command-line option like `64,512,512` (option `--what`) into three positive integers. */
export function triple(text: string, what: string): [number, number, number] {
  const v = text.split(",").map(Number);
  if (v.length !== 3 || !v.every((n) => Number.isInteger(n) && n > 0))
    throw new Error(`--${what} wants three positive integers like 64,512,512; got "${text}"`);
  return v as [number, number, number];
}

/** The value the cube holds at (t, y, x). */
export function cubeValue(spec: CubeSpec, t: number, y: number, x: number): number {
  const [, ny, nx] = spec.shape;
  return (t * ny * nx + y * nx + x) % WRAP;
}

/** Number of chunks in the cube. */
export function chunkCount(spec: CubeSpec): number {
  return spec.shape.reduce((n, s, i) => n * Math.ceil(s / spec.chunks[i]!), 1);
}

/** Splits the chunk rows along t into at most `tasks` contiguous slabs. */
export function slabs(spec: CubeSpec, tasks: number): Slab[] {
  const rows = Math.ceil(spec.shape[0] / spec.chunks[0]);
  const n = Math.max(1, Math.min(tasks, rows));
  return Array.from({ length: n }, (_, i) => ({
    start: Math.floor((i * rows) / n),
    stop: Math.floor(((i + 1) * rows) / n),
  }));
}

/**
 * Creates the root group (unless `path` is not the default and the group exists) and the (empty)
 * cube array at `path` (default {@link CUBE_PATH}) in a writable session.
 */
export async function createCube(
  session: Session,
  spec: CubeSpec,
  path: string = CUBE_PATH,
): Promise<void> {
  const root = zarr.root(new IcechunkStore(session));
  if (path === CUBE_PATH || (await session.store.get("zarr.json")) === undefined)
    await zarr.create(root, { attributes: { title: "parallel-write cube" } });
  await zarr.create(root.resolve(path), {
    shape: spec.shape,
    chunkShape: spec.chunks,
    dtype: "float32",
    dimensionNames: ["t", "y", "x"],
    ...(spec.compressor === undefined
      ? {}
      : {
          codecs: [
            { name: "bytes", configuration: { endian: "little" } },
            { name: spec.compressor, configuration: { level: spec.compressor === "zstd" ? 3 : 5 } },
          ],
        }),
  });
}

/** Writes the values of one slab through zarrita; returns the number of chunks written. */
export async function writeSlab(
  session: Session,
  spec: CubeSpec,
  slab: Slab,
  path: string = CUBE_PATH,
): Promise<number> {
  const arr = await zarr.open.v3(zarr.root(new IcechunkStore(session)).resolve(path), {
    kind: "array",
  });
  const [nt, ny, nx] = spec.shape;
  const t0 = slab.start * spec.chunks[0];
  const t1 = Math.min(nt, slab.stop * spec.chunks[0]);
  const data = new Float32Array((t1 - t0) * ny * nx);
  const base = t0 * ny * nx;
  for (let i = 0; i < data.length; i++) data[i] = (base + i) % WRAP;
  await zarr.set(arr as zarr.Array<"float32", zarr.Mutable>, [zarr.slice(t0, t1), null, null], {
    data,
    shape: [t1 - t0, ny, nx],
    stride: [ny * nx, nx, 1],
  });
  return (slab.stop - slab.start) * chunkCount({ ...spec, shape: [spec.chunks[0], ny, nx] });
}
