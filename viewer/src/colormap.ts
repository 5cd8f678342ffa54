/**
 * @module viewer/colormap
 * Viridis (matplotlib's perceptually uniform colormap) as nine anchor colours, linearly
 * interpolated; values map onto it between a slice's min and max.
 */

/** Viridis at t = 0, 1/8, …, 1 (RGB). */
const VIRIDIS: ReadonlyArray<readonly [number, number, number]> = [
  [68, 1, 84],
  [71, 45, 123],
  [59, 82, 139],
  [44, 114, 142],
  [33, 145, 140],
  [40, 174, 128],
  [94, 201, 98],
  [173, 220, 48],
  [253, 231, 37],
];

/** What a NaN (or a fill value that is not a number) is drawn as: transparent. */
export const NO_DATA: readonly [number, number, number, number] = [0, 0, 0, 0];

/** The viridis colour at `t` ∈ [0, 1] (clamped), as [r, g, b] integers. */
export function viridis(t: number): [number, number, number] {
  const x = Math.min(1, Math.max(0, t)) * (VIRIDIS.length - 1);
  const i = Math.min(Math.floor(x), VIRIDIS.length - 2);
  const f = x - i;
  const a = VIRIDIS[i]!;
  const b = VIRIDIS[i + 1]!;
  return [0, 1, 2].map((k) => Math.round(a[k]! + (b[k]! - a[k]!) * f)) as [number, number, number];
}

/** The RGBA of `value` on a scale from `min` to `max` (all one colour, the low end, when equal). */
export function colorOf(value: number, min: number, max: number): [number, number, number, number] {
  if (!Number.isFinite(value)) return [...NO_DATA];
  const t = max > min ? (value - min) / (max - min) : 0;
  return [...viridis(t), 255];
}
