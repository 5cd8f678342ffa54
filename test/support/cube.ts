/**
 * @module test/support/cube
 * Checks of the cube written by the distributed-write examples (examples/parallel/cube.ts):
 * every value, as we read it and as the official implementation (native) reads it.
 */
import { expect } from "vitest";
import * as zarr from "zarrita";
import { type CubeSpec, cubeValue } from "../../examples/parallel/cube.js";
import { loadNativeOracle } from "./oracle.js";

/** Asserts that `data` (C order) holds every value of the cube. */
export function expectCube(spec: CubeSpec, data: Float32Array): void {
  const [nt, ny, nx] = spec.shape;
  expect(data.length).toBe(nt * ny * nx);
  let wrong = 0;
  for (let t = 0; t < nt; t++)
    for (let y = 0; y < ny; y++)
      for (let x = 0; x < nx; x++)
        if (data[(t * ny + y) * nx + x] !== cubeValue(spec, t, y, x)) wrong++;
  expect(wrong).toBe(0);
}

/**
 * Opens the local repository at `dir` with the official implementation (native), asserts the
 * cube at `path` on `main` holds every value, and returns the length of main's history there.
 */
export async function expectCubeByOracle(
  spec: CubeSpec,
  dir: string,
  path = "cube",
): Promise<number> {
  const oracle = await loadNativeOracle();
  expect(oracle).toBeDefined();
  const theirs = await oracle!.Repository.open(await oracle!.Storage.newLocalFilesystem(dir));
  const tsession = await theirs.readonlySession({ branch: "main" });
  const read = await zarr.get(
    await zarr.open.v3(zarr.root(tsession.store as never).resolve(path), { kind: "array" }),
  );
  expectCube(spec, read.data as Float32Array);
  return (await theirs.ancestry({ branch: "main" })).length;
}
