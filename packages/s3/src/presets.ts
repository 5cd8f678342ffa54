/**
 * @module presets
 * Provider presets over `s3Storage`, as the official binding's `Storage.newR2` and
 * `Storage.newTigris`: Cloudflare R2 (account endpoint, region `auto`, path style) and Tigris
 * (global endpoint, and the consistency headers that make conditional writes and reads go
 * through the bucket's leader region).
 */
import { S3ConfigError } from "./errors.js";
import type { S3Options } from "./options.js";
import { type S3Storage, s3Storage } from "./storage.js";

/** Options of {@link r2Storage}: `S3Options` with an optional bucket and the R2 account id. */
export interface R2Options extends Omit<S3Options, "bucket" | "forcePathStyle"> {
  /** Bucket; absent: the first segment of `prefix` (`"bucket/path/in/bucket"`). */
  bucket?: string;
  /** Cloudflare account id: the endpoint is `https://<accountId>.r2.cloudflarestorage.com`. */
  accountId?: string;
}

/** The `S3Options` an R2 preset resolves to (region `auto`, path style, account endpoint). */
export function resolveR2Options(options: R2Options): S3Options {
  const { accountId, bucket: givenBucket, ...rest } = options;
  let bucket = givenBucket;
  let prefix = options.prefix;
  if (bucket === undefined || bucket === "") {
    if (prefix === undefined || prefix === "")
      throw new S3ConfigError(
        "bucket",
        "R2 needs a bucket: pass `bucket`, or a `prefix` that starts with it (`bucket/path`)",
      );
    const slash = prefix.indexOf("/");
    bucket = slash < 0 ? prefix : prefix.slice(0, slash);
    prefix = slash < 0 ? undefined : prefix.slice(slash + 1);
  }
  if (options.endpointUrl === undefined && (accountId === undefined || accountId === ""))
    throw new S3ConfigError(
      "accountId",
      "R2 needs `accountId` (your Cloudflare account id) or an explicit `endpointUrl`",
    );
  if (accountId !== undefined && !/^[A-Za-z0-9-]+$/.test(accountId))
    throw new S3ConfigError("accountId", `'${accountId}' is not a Cloudflare account id`);
  const resolved: S3Options = {
    ...rest,
    bucket,
    region: options.region ?? "auto",
    endpointUrl: options.endpointUrl ?? `https://${accountId}.r2.cloudflarestorage.com`,
    forcePathStyle: true,
  };
  if (prefix === undefined) delete resolved.prefix;
  else resolved.prefix = prefix;
  return resolved;
}

/**
 * A Storage on a Cloudflare R2 bucket (`Storage.newR2` of the official binding).
 * @throws {S3ConfigError} without a bucket (nor a prefix naming it), or without `accountId` and `endpointUrl`
 * @example
 * const storage = r2Storage({ bucket: "data", prefix: "era5", accountId: "<account id>",
 *   credentials: { accessKeyId: "…", secretAccessKey: "…" } });
 */
export function r2Storage(options: R2Options): S3Storage {
  return s3Storage(resolveR2Options(options));
}

/** Options of {@link tigrisStorage}. */
export interface TigrisOptions extends S3Options {
  /**
   * Skip the consistency headers (experts only): reads may be served stale from any region, so
   * the storage is read-only. Default false: `region` is then required.
   */
  useWeakConsistency?: boolean;
}

/** Tigris' global endpoint (upstream's default; inside Fly.io, `https://fly.storage.tigris.dev`). */
export const TIGRIS_ENDPOINT = "https://t3.storage.dev";

/**
 * The `S3Options` a Tigris preset resolves to: the global endpoint unless one is given and, with
 * full consistency, `X-Tigris-Regions: <region>` and `X-Tigris-Consistent: true` on every request
 * plus `Cache-Control: no-cache` on reads (the caller's extra headers of the same names lose).
 */
export function resolveTigrisOptions(options: TigrisOptions): S3Options {
  const { useWeakConsistency = false, ...rest } = options;
  const resolved: S3Options = { ...rest, endpointUrl: options.endpointUrl ?? TIGRIS_ENDPOINT };
  if (useWeakConsistency) return { ...resolved, readOnly: true };
  if (options.region === undefined || options.region === "")
    throw new S3ConfigError(
      "region",
      "Tigris needs the bucket's region for fully consistent reads and writes; pass `region`, or `useWeakConsistency: true` for read-only, eventually consistent access (experts only)",
    );
  const write = { "X-Tigris-Regions": options.region, "X-Tigris-Consistent": "true" };
  const read = { ...write, "Cache-Control": "no-cache" };
  return {
    ...resolved,
    extraWriteHeaders: withRequired(options.extraWriteHeaders, write),
    extraReadHeaders: withRequired(options.extraReadHeaders, read),
  };
}

/** The caller's headers with the required ones added; a required name wins over any casing. */
function withRequired(
  user: Readonly<Record<string, string>> | undefined,
  required: Record<string, string>,
): Record<string, string> {
  const names = new Set(Object.keys(required).map((k) => k.toLowerCase()));
  const kept = Object.entries(user ?? {}).filter(([k]) => !names.has(k.toLowerCase()));
  return { ...Object.fromEntries(kept), ...required };
}

/**
 * A Storage on a Tigris bucket (`Storage.newTigris` of the official binding).
 * @throws {S3ConfigError} without `region` unless `useWeakConsistency` (which makes it read-only)
 * @example
 * const storage = tigrisStorage({ bucket: "data", prefix: "era5", region: "iad" });
 */
export function tigrisStorage(options: TigrisOptions): S3Storage {
  return s3Storage(resolveTigrisOptions(options));
}
