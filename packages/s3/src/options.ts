/**
 * @module options
 * `S3Options` (named like the official binding's `S3Options`) and the construction of the
 * `S3Client` they describe: region, endpoint, path style, credentials (static, refreshable,
 * SDK default chain or anonymous), retries, timeouts and the `icechunk-ts/<version>` user agent.
 */
import { S3Client, type S3ClientConfig } from "@aws-sdk/client-s3";
import { type RetryOptions, resolveRetryOptions } from "@icechunk-ts/core";
import { S3ConfigError } from "./errors.js";
import { IcechunkRetryStrategy } from "./retry.js";
import { USER_AGENT } from "./user-agent.js";

/** Static S3 credentials. */
export interface S3StaticCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** Credentials returned by a refreshable provider; the SDK calls it again before `expiration`. */
export interface S3RefreshableCredentials extends S3StaticCredentials {
  expiration?: Date;
}

/** Static credentials or an async provider (called on first use and again when they expire). */
export type S3CredentialsOption = S3StaticCredentials | (() => Promise<S3RefreshableCredentials>);

/** Timeouts in milliseconds. */
export interface S3TimeoutOptions {
  /** Whole storage call, retries included (aborts with a StorageError). */
  operationMs?: number;
  /** One attempt: the socket may stay idle at most this long while waiting for the response. */
  attemptMs?: number;
  /** Establishing the TCP/TLS connection. */
  connectMs?: number;
}

/** Options of `s3Storage`, named like the official binding's `S3Options`. */
export interface S3Options {
  bucket: string;
  /** Key prefix of the repository (`<prefix>/<key>`); a trailing `/` is ignored. */
  prefix?: string;
  /** AWS region; default: SDK chain, or `us-east-1` when `endpointUrl` is given. */
  region?: string;
  /** Custom endpoint (Ceph, MinIO, R2, …), e.g. `http://127.0.0.1:7480`. */
  endpointUrl?: string;
  /** Path-style addressing (`endpoint/bucket/key`), needed by most S3-compatible servers. */
  forcePathStyle?: boolean;
  /** Allow a plain `http://` endpoint (refused otherwise). */
  allowHttp?: boolean;
  /** Send unsigned requests (public buckets). */
  anonymous?: boolean;
  /** Absent: the SDK default chain (env, shared config, SSO, IMDS, …). */
  credentials?: S3CredentialsOption;
  /** Add `x-amz-request-payer: requester` to every request. */
  requesterPays?: boolean;
  /** Extra headers on every read request (GET, HEAD), e.g. a provider's consistency headers. */
  extraReadHeaders?: Readonly<Record<string, string>>;
  /** Extra headers on every other request (PUT, POST, DELETE). */
  extraWriteHeaders?: Readonly<Record<string, string>>;
  /** Refuse writes (`canWrite` false; every write throws ReadOnlyStorageError). */
  readOnly?: boolean;
  retries?: RetryOptions;
  timeouts?: S3TimeoutOptions;
  /**
   * Stalled-download protection: a GET body that delivers no bytes for this long is abandoned
   * and the read retried (default 60, as in the official Python binding; 0 disables).
   */
  networkStreamTimeoutSeconds?: number;
  /** Extra user-agent text appended after `icechunk-ts/<version>`. */
  userAgent?: string;
  /**
   * A ready S3Client to use instead of building one (its own retry, timeout, credential and
   * endpoint settings then apply; `retries`/`timeouts.attemptMs`/`connectMs` are ignored).
   */
  client?: S3Client;
}

/** Builds the S3Client for `options` (or returns `options.client`). */
export function createS3Client(options: S3Options): S3Client {
  if (options.client) return options.client;
  if (options.endpointUrl?.startsWith("http://") && !options.allowHttp) {
    throw new S3ConfigError(
      "endpointUrl",
      `'${options.endpointUrl}' is plain http; pass allowHttp: true to use an unencrypted endpoint`,
    );
  }
  const retries = resolveRetryOptions(options.retries);
  const config: S3ClientConfig = {
    region: options.region ?? (options.endpointUrl ? "us-east-1" : undefined),
    endpoint: options.endpointUrl,
    forcePathStyle: options.forcePathStyle,
    maxAttempts: retries.maxAttempts,
    retryStrategy: new IcechunkRetryStrategy(retries),
    customUserAgent: options.userAgent ? [[USER_AGENT], [options.userAgent]] : USER_AGENT,
    // S3-compatible servers (Ceph Pacific among them) do not all know the newer flexible checksums.
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
    requestHandler: {
      connectionTimeout: options.timeouts?.connectMs,
      requestTimeout: options.timeouts?.attemptMs,
    },
  };
  if (options.anonymous) {
    // Unsigned requests: every auth scheme gets an empty identity and a signer that does nothing.
    const noSigner = { sign: async <T>(request: T): Promise<T> => request };
    const emptyIdentity = () => async () => ({});
    config.httpAuthSchemes = [
      { schemeId: "aws.auth#sigv4", identityProvider: emptyIdentity, signer: noSigner },
      { schemeId: "aws.auth#sigv4a", identityProvider: emptyIdentity, signer: noSigner },
    ];
  } else if (typeof options.credentials === "function") {
    const provider = options.credentials;
    config.credentials = async () => provider();
  } else if (options.credentials) {
    config.credentials = { ...options.credentials };
  }
  return new S3Client(config);
}
