/**
 * @module storage/key
 * Key validation, prefix matching and byte-range arithmetic shared by every storage backend.
 */
import { InvalidKeyError, StorageError } from "../errors.js";
import type { ByteRange } from "./types.js";

/**
 * Throws InvalidKeyError unless `key` is a safe relative path: non-empty `/`-separated segments,
 * none of them `.` or `..`, no leading `/`, no backslash and no NUL.
 */
export function validateKey(key: string): void {
  if (typeof key !== "string" || key.length === 0)
    throw new InvalidKeyError(String(key), "the key is empty");
  if (key.includes("\0")) throw new InvalidKeyError(key, "keys cannot contain NUL characters");
  if (key.includes("\\"))
    throw new InvalidKeyError(key, "keys cannot contain backslashes; use '/' as separator");
  if (key.startsWith("/")) throw new InvalidKeyError(key, "keys must be relative (no leading '/')");
  if (/^[A-Za-z]:/.test(key))
    throw new InvalidKeyError(key, "keys must be relative (no drive letter)");
  for (const segment of key.split("/")) {
    if (segment === "")
      throw new InvalidKeyError(
        key,
        "keys cannot contain empty path segments ('//' or a trailing '/')",
      );
    if (segment === "." || segment === "..") {
      throw new InvalidKeyError(key, `keys cannot contain '${segment}' path segments`);
    }
  }
}

/**
 * Normalises a list prefix: strips leading/trailing slashes. `""` means "everything".
 * Non-empty prefixes are validated like keys.
 */
export function normalizePrefix(prefix: string): string {
  const p = prefix.replace(/^\/+/, "").replace(/\/+$/, "");
  if (p !== "") validateKey(p);
  return p;
}

/**
 * For a normalised prefix, returns the key relative to it if `key` lies under it by whole path
 * segments (`refs` matches `refs/a` but not `refsX/a`), otherwise undefined.
 */
export function relativeToPrefix(key: string, prefix: string): string | undefined {
  if (prefix === "") return key;
  if (key.length > prefix.length && key.startsWith(prefix) && key[prefix.length] === "/") {
    return key.slice(prefix.length + 1);
  }
  return undefined;
}

/** A resolved, clamped byte range: `[start, end)` within an object of `size` bytes. */
export interface ResolvedRange {
  readonly start: number;
  readonly end: number;
}

/** Checks a ByteRange for nonsense values (negative, fractional); throws StorageError. */
export function checkRange(range: ByteRange, key: string): void {
  const bad = (n: number | undefined) => n !== undefined && (!Number.isSafeInteger(n) || n < 0);
  if ("suffixLength" in range) {
    if (bad(range.suffixLength))
      throw new StorageError("get", key, `invalid suffix length ${range.suffixLength}`);
  } else if (bad(range.offset) || bad(range.length)) {
    throw new StorageError(
      "get",
      key,
      `invalid byte range offset=${range.offset} length=${range.length}`,
    );
  }
}

/**
 * Resolves `range` against an object of `size` bytes, clamping to the object's end
 * (like HTTP: an offset past the end yields an empty read).
 */
export function resolveRange(range: ByteRange | undefined, size: number): ResolvedRange {
  if (range === undefined) return { start: 0, end: size };
  if ("suffixLength" in range) return { start: Math.max(0, size - range.suffixLength), end: size };
  const start = Math.min(range.offset, size);
  const end = range.length === undefined ? size : Math.min(size, range.offset + range.length);
  return { start, end: Math.max(start, end) };
}

/** Formats a range as an HTTP `Range` header value, or undefined for a whole-object read. */
export function rangeHeader(range: ByteRange | undefined): string | undefined {
  if (range === undefined) return undefined;
  if ("suffixLength" in range) return `bytes=-${range.suffixLength}`;
  if (range.length === undefined) return range.offset === 0 ? undefined : `bytes=${range.offset}-`;
  return `bytes=${range.offset}-${range.offset + range.length - 1}`;
}

/** True when the range is certain to select zero bytes (a bounded zero-length read). */
export function isEmptyRange(range: ByteRange | undefined): boolean {
  if (range === undefined) return false;
  if ("suffixLength" in range) return range.suffixLength === 0;
  return range.length === 0;
}
