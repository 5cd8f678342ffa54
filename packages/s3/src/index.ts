/**
 * S3 storage for icechunk-ts, built on @aws-sdk/client-s3 (Node; kept out of browser bundles
 * of @icechunk-ts/core). Works with AWS S3 and S3-compatible servers (Ceph RGW, MinIO, R2, …).
 *
 * @module @icechunk-ts/s3
 */

export { isRetryableError, type RetryOptions } from "@icechunk-ts/core";
export { S3ConfigError } from "./errors.js";
export {
  createS3Client,
  type S3CredentialsOption,
  type S3Options,
  type S3RefreshableCredentials,
  type S3StaticCredentials,
  type S3TimeoutOptions,
} from "./options.js";
export {
  type R2Options,
  r2Storage,
  resolveR2Options,
  resolveTigrisOptions,
  TIGRIS_ENDPOINT,
  type TigrisOptions,
  tigrisStorage,
} from "./presets.js";
export { IcechunkRetryStrategy } from "./retry.js";
export { type S3Storage, s3Storage, WRITE_ID_METADATA_KEY } from "./storage.js";
export { USER_AGENT } from "./user-agent.js";
export { VERSION } from "./version.js";
export { s3VirtualChunkFetcher } from "./virtual.js";
