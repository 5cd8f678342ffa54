/**
 * The viewer's pure parts: which selection a drawn slice reads (clamped indices, a step for long
 * sides, read through zarrita from a real in-memory repository), how values become numbers, and
 * the colormap against matplotlib's viridis.
 */
import { inMemoryStorage, Repository } from "@icechunk-ts/core";
import { IcechunkStore } from "@icechunk-ts/zarrita";
import { describe, expect, it } from "vitest";
import * as zarr from "zarrita";
import { colorOf, NO_DATA, viridis } from "../viewer/src/colormap.js";
import { finiteRange, MAX_SIDE, planSlice, toNumbers } from "../viewer/src/slice.js";

describe("planSlice", () => {
  it("fixes leading dimensions (clamped) and draws the last two", () => {
    const plan = planSlice([3, 4, 6, 8], [7, -2]);
    expect(plan.selection.slice(0, 2)).toEqual([2, 0]);
    expect([plan.rows, plan.cols, ...plan.step]).toEqual([6, 8, 1, 1]);
  });

  it("draws a 1-D array as one row and a 0-D one as one pixel", () => {
    expect(planSlice([5], [])).toMatchObject({ rows: 1, cols: 5, step: [1, 1] });
    expect(planSlice([], [])).toMatchObject({ rows: 1, cols: 1, selection: [] });
  });

  it("steps through sides longer than MAX_SIDE, and zarrita reads exactly those values", async () => {
    const rows = 2 * MAX_SIDE + 2;
    const plan = planSlice([rows, 3], []);
    expect([plan.rows, plan.cols, ...plan.step]).toEqual([Math.ceil(rows / 3), 3, 3, 1]);
    const repo = await Repository.create(inMemoryStorage());
    const session = await repo.writableSession("main");
    const arr = await zarr.create(zarr.root(new IcechunkStore(session)).resolve("a"), {
      shape: [rows, 3],
      chunkShape: [512, 3],
      dtype: "int32",
    });
    const data = Int32Array.from({ length: rows * 3 }, (_, n) => n);
    await zarr.set(arr, null, { data, shape: [rows, 3], stride: [3, 1] });
    const got = await zarr.get(arr, plan.selection);
    expect(got.shape).toEqual([plan.rows, plan.cols]);
    const values = toNumbers(got.data);
    expect(values[3]).toBe(9); // row 3, column 0
    expect(values.at(-1)).toBe((plan.rows - 1) * 3 * 3 + 2);
  });
});

describe("values and colours", () => {
  it("turns bigints and booleans into numbers", () => {
    expect(Array.from(toNumbers(BigInt64Array.from([1n, -2n])))).toEqual([1, -2]);
    const bools = { length: 3, get: (i: number) => i !== 1 };
    expect(Array.from(toNumbers(bools))).toEqual([1, 0, 1]);
  });

  it("ranges over finite values only", () => {
    expect(finiteRange(Float64Array.from([Number.NaN, 3, -1, Number.POSITIVE_INFINITY]))).toEqual({
      min: -1,
      max: 3,
    });
    expect(finiteRange(Float64Array.from([Number.NaN]))).toEqual({
      min: Number.NaN,
      max: Number.NaN,
    });
  });

  it("is viridis (matplotlib's ends and middle) and leaves NaN transparent", () => {
    expect(viridis(0)).toEqual([0x44, 0x01, 0x54]);
    expect(viridis(0.5)).toEqual([0x21, 0x91, 0x8c]);
    expect(viridis(1)).toEqual([0xfd, 0xe7, 0x25]);
    expect(viridis(2)).toEqual(viridis(1));
    expect(colorOf(5, 0, 10)).toEqual([...viridis(0.5), 255]);
    expect(colorOf(7, 7, 7)).toEqual([...viridis(0), 255]);
    expect(colorOf(Number.NaN, 0, 1)).toEqual([...NO_DATA]);
  });
});
