/**
 * @module viewer/slice
 * Which part of an array the viewer reads and how it becomes numbers: the last two dimensions are
 * drawn (y, x), every other dimension is fixed at a slider's index, and a side longer than
 * {@link MAX_SIDE} is read with a step, so a slice never reads more than about a million values.
 */
import * as zarr from "zarrita";

/** Longest side drawn; longer sides are read with a step. */
export const MAX_SIDE = 1024;

/** The zarrita selection of one drawn slice and the picture's size. */
export interface SlicePlan {
  readonly selection: Array<number | ReturnType<typeof zarr.slice>>;
  readonly rows: number;
  readonly cols: number;
  /** Every `step[0]`-th row and `step[1]`-th column is read. */
  readonly step: readonly [number, number];
}

/**
 * The slice of an array of `shape` at `fixed` (one index per leading dimension, clamped): a
 * 1-D array is drawn as one row, a 0-D one as one pixel.
 */
export function planSlice(shape: readonly number[], fixed: readonly number[]): SlicePlan {
  const lead = Math.max(shape.length - 2, 0);
  const selection: SlicePlan["selection"] = [];
  for (let d = 0; d < lead; d++)
    selection.push(Math.min(Math.max(0, Math.floor(fixed[d] ?? 0)), Math.max(shape[d]! - 1, 0)));
  const drawn = shape.slice(lead);
  const drawnSteps = drawn.map((n) => Math.max(1, Math.ceil(n / MAX_SIDE)));
  drawn.forEach((n, k) => {
    selection.push(zarr.slice(0, n, drawnSteps[k]!));
  });
  const sides = [...Array(2 - drawn.length).fill(1), ...drawn];
  const steps = [...Array(2 - drawn.length).fill(1), ...drawnSteps];
  return {
    selection,
    rows: Math.ceil(sides[0]! / steps[0]!),
    cols: Math.ceil(sides[1]! / steps[1]!),
    step: [steps[0]!, steps[1]!],
  };
}

/** Whether the viewer can draw arrays of this zarrita data type (numbers and booleans). */
export function drawable(dtype: string): boolean {
  return /^(u?int|float|bool)/.test(dtype);
}

/** The values of a zarrita chunk as float64 (bigints converted, booleans 0/1). */
export function toNumbers(data: unknown): Float64Array {
  if (data instanceof BigInt64Array || data instanceof BigUint64Array)
    return Float64Array.from(data, (v) => Number(v));
  const bools = data as { length: number; get?: (i: number) => boolean };
  if (typeof bools.get === "function" && !ArrayBuffer.isView(data))
    return Float64Array.from({ length: bools.length }, (_, i) => (bools.get!(i) ? 1 : 0));
  return Float64Array.from(data as ArrayLike<number>);
}

/** Smallest and largest finite value (NaN for both when there is none). */
export function finiteRange(values: Float64Array): { min: number; max: number } {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return min > max ? { min: Number.NaN, max: Number.NaN } : { min, max };
}
