/**
 * @module session/splitting
 * Manifest splitting (upstream `ManifestSplittingConfig`, `get_split_sizes`): how many chunks along
 * each axis one manifest covers, from the `manifest.splitting.split_sizes` config in serde form
 * (`[[condition, [{condition, num_chunks}, …]], …]`). Default: one manifest per array.
 */

import { InvalidConfigError } from "../errors.js";
import { isJsonObject, type JsonValue } from "../format/json-value.js";
import type { DimensionShape } from "../format/snapshot.js";
import { rustRegex } from "../util/rust-regex.js";

const U32_MAX = 0xffffffff;

function regex(v: JsonValue | undefined): RegExp {
  const src = isJsonObject(v) ? v.regex : v;
  if (typeof src !== "string")
    throw new InvalidConfigError("manifest.splitting", "a regex condition needs a 'regex' string");
  try {
    return rustRegex(src);
  } catch (err) {
    throw new InvalidConfigError(
      "manifest.splitting",
      `the regex ${JSON.stringify(src)} does not compile: ${(err as Error).message}`,
    );
  }
}

function arrayMatches(cond: JsonValue | undefined, path: string): boolean {
  if (cond === "any_array" || cond === "AnyArray") return true;
  if (!isJsonObject(cond))
    throw new InvalidConfigError(
      "manifest.splitting",
      `unknown array condition ${JSON.stringify(cond)}`,
    );
  const [kind, arg] = Object.entries(cond)[0] ?? [];
  switch (kind) {
    case "path_matches":
      return regex(arg).test(path);
    case "name_matches":
      return regex(arg).test(path.slice(path.lastIndexOf("/") + 1));
    case "and":
      return Array.isArray(arg) && arg.every((c) => arrayMatches(c, path));
    case "or":
      return Array.isArray(arg) && arg.some((c) => arrayMatches(c, path));
    case "any_array":
      return true;
    default:
      throw new InvalidConfigError("manifest.splitting", `unknown array condition '${kind}'`);
  }
}

function dimMatches(
  cond: JsonValue | undefined,
  axis: number,
  name: string | null | undefined,
): boolean {
  if (cond === "Any") return true;
  if (!isJsonObject(cond))
    throw new InvalidConfigError(
      "manifest.splitting",
      `unknown dimension condition ${JSON.stringify(cond)}`,
    );
  const [kind, arg] = Object.entries(cond)[0] ?? [];
  if (kind === "Axis") return Number(arg) === axis;
  if (kind === "DimensionName") return typeof name === "string" && regex(arg).test(name);
  if (kind === "Any") return true;
  throw new InvalidConfigError("manifest.splitting", `unknown dimension condition '${kind}'`);
}

/** Chunks per manifest along each axis for an array. */
export function splitSizes(
  splitting: JsonValue | undefined,
  path: string,
  shape: readonly DimensionShape[],
  dimensionNames: readonly (string | null)[] | undefined,
): number[] {
  const sizes: Array<number | undefined> = shape.map(() => undefined);
  const rules = isJsonObject(splitting) ? splitting.split_sizes : undefined;
  if (Array.isArray(rules))
    for (const rule of rules) {
      if (!Array.isArray(rule) || rule.length !== 2) continue;
      const [cond, dims] = rule;
      if (!arrayMatches(cond, path) || !Array.isArray(dims)) continue;
      for (let axis = 0; axis < shape.length; axis++) {
        if (sizes[axis] !== undefined) continue;
        for (const d of dims) {
          if (!isJsonObject(d)) continue;
          if (dimMatches(d.condition, axis, dimensionNames?.[axis])) {
            sizes[axis] = Math.max(1, Number(d.num_chunks));
            break;
          }
        }
      }
    }
  return sizes.map((s) => s ?? U32_MAX);
}

export type Region = Array<[from: number, to: number]>;

/** The split regions (Cartesian product of per-axis edges) covering the chunk grid. */
export function splitRegions(shape: readonly DimensionShape[], sizes: readonly number[]): Region[] {
  const perAxis = shape.map((dim, axis) => {
    const n = Math.max(dim.numChunks, 1);
    const step = sizes[axis]!;
    const ranges: Array<[number, number]> = [];
    for (let from = 0; from < n; from += step) ranges.push([from, Math.min(n, from + step)]);
    return ranges;
  });
  let regions: Region[] = [[]];
  for (const ranges of perAxis) regions = regions.flatMap((r) => ranges.map((x) => [...r, x]));
  return regions;
}

/**
 * Region and extent checks pair dimensions from the first and ignore the longer side's extra ones
 * (upstream zips them): after an array's rank changed, its old chunk refs still match.
 */
export function inRegion(region: Region, coords: readonly number[]): boolean {
  for (let i = 0; i < Math.min(coords.length, region.length); i++)
    if (coords[i]! < region[i]![0] || coords[i]! >= region[i]![1]) return false;
  return true;
}

/** True when `extents` lie completely inside `region`. */
export function extentsInside(
  extents: readonly (readonly [number, number])[],
  region: Region,
): boolean {
  return extents.every(
    ([f, t], i) => i >= region.length || (f >= region[i]![0] && t <= region[i]![1]),
  );
}

export function extentsOverlap(
  extents: readonly (readonly [number, number])[],
  region: Region,
): boolean {
  return extents.every(
    ([f, t], i) => i >= region.length || (f < region[i]![1] && t > region[i]![0]),
  );
}
