/**
 * @module session/keys
 * Zarr v3 store keys ⇄ Icechunk node paths and chunk coordinates (upstream `store.rs` `Key`).
 * `zarr.json` is the root's metadata, `a/b/zarr.json` that of `/a/b`; chunk keys use the default
 * encoding with `/` separators: `a/b/c/0/1` (`c` alone for a scalar at the root).
 */
import { InvalidKeyError } from "../errors.js";

export type ParsedKey =
  | { kind: "metadata"; path: string }
  | { kind: "chunk"; path: string; coords: number[] }
  | { kind: "zarr-v2"; path: string };

const V2_KEYS = new Set([".zgroup", ".zarray", ".zattrs", ".zmetadata"]);
const U32 = /^(0|[1-9][0-9]{0,9})$/;

/** A UTF-16 surrogate without its pair: it has no UTF-8 form, so it would be stored as U+FFFD. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Node path (`/`, `/a/b`) from key segments, validating each segment. As upstream, `..` is
 * refused and so is text that is not Unicode (a lone surrogate); NUL, backslashes and long names
 * are accepted, as upstream accepts them. Stricter than upstream: empty and `.` segments, which
 * upstream stores verbatim as nodes (`/a//b`, `/./a`) that no Zarr client can address.
 */
function toPath(key: string, segments: string[]): string {
  for (const s of segments) {
    if (s === "" || s === "." || s === "..")
      throw new InvalidKeyError(key, "keys may not contain empty, '.' or '..' segments");
    if (LONE_SURROGATE.test(s))
      throw new InvalidKeyError(
        key,
        "keys must be well-formed Unicode (a lone UTF-16 surrogate has no UTF-8 form)",
      );
  }
  return `/${segments.join("/")}`;
}

/** Validates a node path (`/a/b`) as {@link parseKey} validates the path part of a key. */
export function checkNodePath(path: string): void {
  if (path !== "/") toPath(path, path.slice(1).split("/"));
}

/** Parses a store key (no leading slash; a leading slash is tolerated and removed). */
export function parseKey(key: string): ParsedKey {
  const k = key.startsWith("/") ? key.slice(1) : key;
  if (k === "") throw new InvalidKeyError(key, "empty key");
  const segments = k.split("/");
  const last = segments[segments.length - 1]!;
  if (last === "zarr.json") return { kind: "metadata", path: toPath(key, segments.slice(0, -1)) };
  if (V2_KEYS.has(last)) return { kind: "zarr-v2", path: toPath(key, segments.slice(0, -1)) };
  for (let i = segments.length - 1; i >= 0; i--) {
    if (segments[i] !== "c") continue;
    const rest = segments.slice(i + 1);
    if (!rest.every((s) => U32.test(s) && Number(s) <= 0xffffffff)) break;
    return { kind: "chunk", path: toPath(key, segments.slice(0, i)), coords: rest.map(Number) };
  }
  throw new InvalidKeyError(
    key,
    "not a Zarr v3 key: expected '<path>/zarr.json' or a chunk key '<path>/c/<i>/<j>…' (default chunk key encoding, '/' separator)",
  );
}

/** The metadata key of a node path. */
export function metadataKey(path: string): string {
  return path === "/" ? "zarr.json" : `${path.slice(1)}/zarr.json`;
}

/** The chunk key of coordinates in the array at `path`. */
export function chunkKey(path: string, coords: readonly number[]): string {
  const base = path === "/" ? "c" : `${path.slice(1)}/c`;
  return coords.length === 0 ? base : `${base}/${coords.join("/")}`;
}

/** Normalizes a listing prefix (`""`, `a/b`, `/a/b/`) to a node path. */
export function prefixToPath(prefix: string): string {
  const trimmed = prefix.replace(/^\/+|\/+$/g, "");
  return trimmed === "" ? "/" : `/${trimmed}`;
}

/** True when `path` equals `prefix` or lies under it (component-wise). */
export function isUnder(path: string, prefix: string): boolean {
  return prefix === "/" || path === prefix || path.startsWith(`${prefix}/`);
}
