/**
 * @module errors
 * S3-specific typed errors and the mapping of SDK errors onto the core error classes.
 */
import {
  AbortError,
  errorCodeOf,
  httpStatusOf,
  IcechunkError,
  StorageError,
} from "@icechunk-ts/core";

/** An `S3Options` value is invalid or unsafe. */
export class S3ConfigError extends IcechunkError {
  readonly kind = "s3-config";
  constructor(
    readonly option: string,
    detail: string,
  ) {
    super(`invalid S3 option '${option}': ${detail}`);
  }
}

declare module "@icechunk-ts/core" {
  // registers S3ConfigError with the core's error kinds: isIcechunkError(err, "s3-config")
  interface IcechunkErrorMap {
    "s3-config": S3ConfigError;
  }
}

const PRECONDITION_CODES = new Set([
  "PreconditionFailed",
  "ConditionalRequestConflict",
  "ConcurrentModification",
]);

/** A failed write precondition (HTTP 409/412 or one of the S3/Ceph conflict codes). */
export function isPreconditionFailure(err: unknown): boolean {
  const status = httpStatusOf(err);
  if (status === 412 || status === 409) return true;
  const code = errorCodeOf(err);
  return code !== undefined && PRECONDITION_CODES.has(code);
}

/** The object does not exist: NoSuchKey, NotFound or a raw 404 (but not NoSuchBucket). */
export function isNotFound(err: unknown): boolean {
  const code = errorCodeOf(err);
  // A missing bucket is a configuration error, not an absent object.
  if (code === "NoSuchBucket") return false;
  return code === "NoSuchKey" || code === "NotFound" || httpStatusOf(err) === 404;
}

/** The answer to a conditional GET whose ETag still matches. */
export function isNotModified(err: unknown): boolean {
  return httpStatusOf(err) === 304 || errorCodeOf(err) === "NotModified";
}

/**
 * Converts any failure of an SDK call into the error the Storage contract promises:
 * `AbortError` when the caller's signal fired, otherwise a `StorageError` with the HTTP status.
 */
export function toStorageError(
  err: unknown,
  operation: string,
  path: string,
  signal: AbortSignal | undefined,
): IcechunkError {
  if (err instanceof IcechunkError) return err;
  if (signal?.aborted) return new AbortError(signal.reason);
  const status = httpStatusOf(err);
  const code = errorCodeOf(err);
  const message = err instanceof Error ? err.message : String(err);
  const detail = [code, status !== undefined ? `HTTP ${status}` : undefined, message]
    .filter((part) => part !== undefined && part !== "")
    .join(": ");
  const hint =
    status === 403
      ? " (access denied: check the credentials and the bucket policy)"
      : code === "NoSuchBucket"
        ? " (the bucket does not exist: check the bucket name, region and endpoint)"
        : status === undefined
          ? " (no response: is the endpoint reachable?)"
          : "";
  return new StorageError(operation, path, `${detail}${hint}`, { cause: err, status });
}
