/**
 * @module keys
 * Mapping of repository-relative keys onto S3 object keys (`<prefix>/<key>`), ETag quoting and
 * the small per-command middlewares (legacy copy precondition header, requester pays).
 */
import { InvalidKeyError } from "@icechunk-ts/core";

/** Normalises a repository prefix: no leading or trailing slashes (empty = bucket root). */
export function normalizePrefix(prefix: string | undefined): string {
  return (prefix ?? "").replace(/^\/+/, "").replace(/\/+$/, "");
}

/** Rejects keys that cannot name an object inside the repository. */
export function checkKey(key: string): void {
  if (key === "") throw new InvalidKeyError(key, "the key is empty");
  if (key.startsWith("/"))
    throw new InvalidKeyError(key, "keys are relative; remove the leading '/'");
  for (const segment of key.split("/")) {
    if (segment === "") throw new InvalidKeyError(key, "the key has an empty path segment");
    if (segment === "." || segment === "..") {
      throw new InvalidKeyError(key, "'.' and '..' segments are not allowed");
    }
  }
}

/** `<prefix>/<key>`, or `<key>` at the bucket root. */
export function objectKey(prefix: string, key: string): string {
  return prefix === "" ? key : `${prefix}/${key}`;
}

/** The S3 `Prefix` of a listing: everything under `<prefix>/<listPrefix>/`. */
export function listPrefix(prefix: string, list: string): string {
  const inner = list.replace(/^\/+/, "").replace(/\/+$/, "");
  const joined = [prefix, inner].filter((part) => part !== "").join("/");
  return joined === "" ? "" : `${joined}/`;
}

/** Removes the surrounding double quotes (and a weak `W/` marker) of an ETag header value. */
export function stripQuotes(etag: string | undefined): string | undefined {
  if (etag === undefined) return undefined;
  let value = etag.trim();
  if (value.startsWith("W/")) value = value.slice(2);
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
  return value;
}

/** The `CopySource` value `<bucket>/<key>` with each path segment URL-encoded. */
export function copySource(bucket: string, key: string): string {
  return `${bucket}/${key.split("/").map(encodeURIComponent).join("/")}`;
}

/** The part of a middleware stack this module uses (structural, so no smithy import is needed). */
interface AddableStack {
  add(
    middleware: (next: (args: never) => Promise<unknown>) => (args: never) => Promise<unknown>,
    options: { step: "build"; name: string; override?: boolean },
  ): void;
}

/** Adds fixed request headers to one command (before signing, so they are signed). */
export function addHeaders(
  command: { middlewareStack: unknown },
  name: string,
  headers:
    | Readonly<Record<string, string>>
    | ((method: string) => Readonly<Record<string, string>>),
): void {
  const stack = command.middlewareStack as AddableStack;
  stack.add(
    (next) => async (args: never) => {
      const request = (args as { request?: { method?: string; headers?: Record<string, string> } })
        .request;
      if (request?.headers)
        Object.assign(
          request.headers,
          typeof headers === "function" ? headers(request.method ?? "GET") : headers,
        );
      return next(args);
    },
    { step: "build", name, override: true },
  );
}
