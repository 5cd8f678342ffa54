/**
 * @module location
 * A repository named on the command line: a local directory, an `http(s)://` URL (read-only) or
 * `s3://bucket/prefix` (through @icechunk-ts/s3: region, endpoint and credentials from the usual
 * AWS environment variables unless given as flags; `--anonymous` for public buckets).
 */
import { httpStorage, type Storage } from "@icechunk-ts/core";
import { localFilesystemStorage } from "@icechunk-ts/core/fs";
import { type S3Options, s3Storage } from "@icechunk-ts/s3";
import { CliUsageError } from "./exit-codes.js";

/** Storage flags shared by every command. */
export interface LocationFlags {
  region?: string;
  endpointUrl?: string;
  anonymous?: boolean;
  allowHttp?: boolean;
  forcePathStyle?: boolean;
}

/** Builds the storage for `location`; `env` supplies the AWS variables (default process.env). */
export function storageFor(
  location: string,
  flags: LocationFlags,
  env: Record<string, string | undefined>,
): Storage {
  if (/^https?:\/\//i.test(location)) return httpStorage(location);
  if (/^s3:\/\//i.test(location)) return s3StorageFor(location, flags, env);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(location) && !/^file:\/\//i.test(location))
    throw new CliUsageError(
      `unsupported repository location '${location}': give a local path, an http(s):// URL or s3://bucket/prefix`,
    );
  const path = /^file:\/\//i.test(location) ? new URL(location).pathname : location;
  return localFilesystemStorage(path);
}

function s3StorageFor(
  location: string,
  flags: LocationFlags,
  env: Record<string, string | undefined>,
): Storage {
  const rest = location.slice("s3://".length);
  const slash = rest.indexOf("/");
  const bucket = slash < 0 ? rest : rest.slice(0, slash);
  const prefix = slash < 0 ? "" : rest.slice(slash + 1).replace(/\/+$/, "");
  if (bucket === "")
    throw new CliUsageError(`'${location}' names no bucket: write s3://<bucket>/<prefix>`);
  const options: S3Options = { bucket, prefix };
  const region = flags.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (region) options.region = region;
  const endpointUrl = flags.endpointUrl ?? env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL;
  if (endpointUrl) {
    options.endpointUrl = endpointUrl;
    // S3-compatible servers at a custom endpoint want path-style addressing
    options.forcePathStyle = flags.forcePathStyle ?? true;
  } else if (flags.forcePathStyle !== undefined) options.forcePathStyle = flags.forcePathStyle;
  if (flags.allowHttp) options.allowHttp = true;
  if (flags.anonymous) options.anonymous = true;
  else if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY)
    options.credentials = {
      accessKeyId: env.AWS_ACCESS_KEY_ID,
      secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
      ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
    };
  return s3Storage(options);
}
