/**
 * @module session/preload
 * Manifest preloading (upstream `Repository::preload_manifests`, `ManifestPreloadConfig`,
 * icechunk-format.md §6.5): when a session opens, the manifests of arrays that look like
 * coordinates (time, level, lat, lon, x, y, … with at most 1000 refs) are fetched in the
 * background, so the first reads of those arrays find them cached. The `manifest.preload` config
 * (serde form: `{max_total_refs, max_arrays_to_scan, preload_if}`) tunes or disables it. Purely a
 * performance feature: it never fails a session and never throws.
 */

import type { AssetManager } from "../assets/asset-manager.js";
import { countOr, isJsonObject, type JsonValue } from "../format/json-value.js";
import type { ManifestFileInfo, SnapshotView } from "../format/snapshot.js";
import { rustRegex } from "../util/rust-regex.js";

/** Whether a manifest of the array at `path` is preloaded. */
export type PreloadCondition = (path: string, info: ManifestFileInfo) => boolean;

/** The resolved preload settings. */
export interface PreloadSettings {
  maxTotalRefs: number;
  maxArraysToScan: number;
  condition: PreloadCondition;
  /** The condition is the literal `false` (nothing to do). */
  never: boolean;
}

// Upstream's default condition: coordinate-like names (regexes from cf-xarray's criteria, as in
// icechunk's config.rs) and at most 1000 refs in the manifest.
const COORDINATE_NAMES = [
  String.raw`^\bt\b$|^(time|min|hour|day|week|month|year)[0-9]*$`,
  "^(z|nav_lev|gdep|lv_|[o]*lev|bottom_top|sigma|h(ei)?ght|altitude|depth|isobaric|pres|isotherm)[a-z_]*[0-9]*$",
  "^(y|j|nlat|rlat|nj)$",
  "^y?(nav_lat|lat|gphi)[a-z0-9]*$",
  "^x?(nav_lon|lon|glam)[a-z0-9]*$",
  "^(x|i|nlon|rlon|ni)$",
];

/** Upstream's default `preload_if`, in serde form. */
export const DEFAULT_PRELOAD_IF: JsonValue = {
  and: [
    { or: COORDINATE_NAMES.map((regex) => ({ name_matches: { regex } })) },
    { num_refs: { from: "Unbounded", to: { Included: 1000 } } },
  ],
};

/** A regex as upstream treats it: one that does not compile never matches. */
function regexTest(arg: JsonValue | undefined): (text: string) => boolean {
  const src = isJsonObject(arg) ? arg.regex : undefined;
  if (typeof src !== "string") return () => false;
  try {
    const re = rustRegex(src);
    return (text) => re.test(text);
  } catch {
    return () => false;
  }
}

/** `Bound<u32>` in serde form: "Unbounded", {"Included": n} or {"Excluded": n}. */
function boundTest(bound: JsonValue | undefined, lower: boolean): (n: number) => boolean {
  if (isJsonObject(bound) && typeof bound.Included === "number") {
    const b = bound.Included;
    return lower ? (n) => n >= b : (n) => n <= b;
  }
  if (isJsonObject(bound) && typeof bound.Excluded === "number") {
    const b = bound.Excluded;
    return lower ? (n) => n > b : (n) => n < b;
  }
  return () => true;
}

/** Compiles a `preload_if` condition; an unknown form never matches. */
export function compilePreloadCondition(v: JsonValue | undefined): PreloadCondition {
  if (v === "true" || v === "True") return () => true;
  if (!isJsonObject(v)) return () => false;
  const [kind, arg] = Object.entries(v)[0] ?? [];
  switch (kind) {
    case "or":
    case "and": {
      const parts = Array.isArray(arg) ? arg.map(compilePreloadCondition) : [];
      return kind === "or"
        ? (path, info) => parts.some((c) => c(path, info))
        : (path, info) => parts.every((c) => c(path, info));
    }
    case "path_matches": {
      const test = regexTest(arg);
      return (path) => test(path);
    }
    case "name_matches": {
      const test = regexTest(arg);
      // the root has no name
      return (path) => path !== "/" && test(path.slice(path.lastIndexOf("/") + 1));
    }
    case "num_refs": {
      const from = boundTest(isJsonObject(arg) ? arg.from : undefined, true);
      const to = boundTest(isJsonObject(arg) ? arg.to : undefined, false);
      return (_path, info) => from(info.numChunkRefs) && to(info.numChunkRefs);
    }
    default:
      return () => false;
  }
}

/** The settings of a repository's `manifest` config (serde form); upstream defaults for gaps. */
export function preloadSettings(manifest: JsonValue | undefined): PreloadSettings {
  const preload = isJsonObject(manifest) && isJsonObject(manifest.preload) ? manifest.preload : {};
  const preloadIf = preload.preload_if ?? DEFAULT_PRELOAD_IF;
  return {
    maxTotalRefs: countOr(preload.max_total_refs, 10_000),
    maxArraysToScan: countOr(preload.max_arrays_to_scan, 50),
    condition: compilePreloadCondition(preloadIf),
    never: preloadIf === "false" || preloadIf === "False",
  };
}

/**
 * Fetches, in the background, the manifests the settings select among the first
 * `maxArraysToScan` arrays of `snapshot` (path order), until `maxTotalRefs` refs. Resolves with
 * the number of manifests loaded; never rejects (a failed fetch is simply not counted).
 */
export async function preloadManifests(
  assets: AssetManager,
  snapshot: SnapshotView,
  settings: PreloadSettings,
): Promise<number> {
  if (settings.maxTotalRefs === 0 || settings.never) return 0;
  const fetches: Array<Promise<number>> = [];
  try {
    const infos = new Map(snapshot.manifestFiles.map((f) => [f.id, f]));
    const chosen = new Set<string>();
    let refs = 0;
    let arrays = 0;
    for (const node of snapshot.nodes()) {
      if (node.nodeData.type !== "array") continue;
      if (arrays++ >= settings.maxArraysToScan) break;
      for (const { objectId } of node.nodeData.manifests) {
        const info = infos.get(objectId);
        if (chosen.has(objectId) || !info) continue;
        if (refs + info.numChunkRefs > settings.maxTotalRefs) continue;
        if (!settings.condition(node.path, info)) continue;
        chosen.add(objectId);
        refs += info.numChunkRefs;
        fetches.push(
          assets.fetchManifest(objectId, info.sizeBytes).then(
            () => 1,
            () => 0,
          ),
        );
      }
    }
  } catch {
    // a snapshot that cannot be scanned fails the reads that need it, not the preloading
  }
  const done = await Promise.all(fetches);
  return done.reduce((a, b) => a + b, 0);
}
