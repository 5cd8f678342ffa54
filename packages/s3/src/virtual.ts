/**
 * @module virtual
 * `s3://` virtual chunks through the AWS SDK: one S3Client per virtual chunk container, built from
 * the container's S3 options (region, endpoint, path style, anonymous) and the credentials the
 * caller authorized for it. The stored ETag / last-modified time is sent as If-Match /
 * If-Unmodified-Since, so a changed object is a VirtualChunkModifiedError.
 */
import { GetObjectCommand, type GetObjectCommandOutput, type S3Client } from "@aws-sdk/client-s3";
import {
  AbortError,
  IcechunkError,
  type RetryOptions,
  resolveRetryOptions,
  type VirtualChunkContainer,
  VirtualChunkFetchError,
  type VirtualChunkFetcher,
  VirtualChunkModifiedError,
  withRetries,
} from "@icechunk-ts/core";
import { readBody } from "./body.js";
import { createS3Client, type S3CredentialsOption } from "./options.js";

/** Reads `s3://bucket/key` virtual chunks with signed (or anonymous) S3 requests. */
export function s3VirtualChunkFetcher(
  options: {
    userAgent?: string;
    /** A body silent this long is abandoned (default 60 s, as for s3Storage; 0 disables). */
    networkStreamTimeoutSeconds?: number;
    /** The shared retry policy (requests through the SDK, broken or stalled bodies here). */
    retries?: RetryOptions;
  } = {},
): VirtualChunkFetcher {
  const streamGraceMs = (options.networkStreamTimeoutSeconds ?? 60) * 1000;
  const retries = resolveRetryOptions(options.retries);
  const clients = new Map<string, S3Client>();
  const clientFor = (container: VirtualChunkContainer, credentials: unknown): S3Client => {
    let client = clients.get(container.urlPrefix);
    if (client) return client;
    const store = container.store;
    if (store.type !== "S3" && store.type !== "S3Compatible" && store.type !== "Tigris")
      throw new VirtualChunkFetchError(
        container.urlPrefix,
        `container store ${store.type} is not S3`,
      );
    const o = store.field0;
    client = createS3Client({
      bucket: "",
      ...(o.region !== undefined ? { region: o.region } : {}),
      ...(o.endpointUrl !== undefined ? { endpointUrl: o.endpointUrl } : {}),
      ...(o.forcePathStyle !== undefined ? { forcePathStyle: o.forcePathStyle } : {}),
      allowHttp: o.allowHttp ?? false,
      anonymous: o.anonymous === true || credentials === "anonymous",
      ...(credentials && typeof credentials !== "string"
        ? { credentials: credentials as S3CredentialsOption }
        : {}),
      ...(o.requesterPays !== undefined ? { requesterPays: o.requesterPays } : {}),
      ...(options.userAgent !== undefined ? { userAgent: options.userAgent } : {}),
      ...(options.retries !== undefined ? { retries: options.retries } : {}),
    });
    clients.set(container.urlPrefix, client);
    return client;
  };
  return {
    async fetchRange(url, { offset, length }, { checksum, container, credentials, signal }) {
      const m = /^[a-z0-9+.-]+:\/\/([^/]+)\/(.*)$/i.exec(url);
      if (!m) throw new VirtualChunkFetchError(url, "expected s3://<bucket>/<key>");
      const [, bucket, rawKey] = m;
      let key: string;
      try {
        key = decodeURIComponent(rawKey!);
      } catch (cause) {
        throw new VirtualChunkFetchError(url, "the object key is not valid percent-encoding", {
          cause,
        });
      }
      const client = clientFor(container, credentials);
      const fail = (cause: unknown): Error => {
        if (cause instanceof IcechunkError) return cause;
        const e = cause as { name?: string; $metadata?: { httpStatusCode?: number } };
        const status = e.$metadata?.httpStatusCode;
        if (status === 412 || e.name === "PreconditionFailed")
          return new VirtualChunkModifiedError(url, "S3 answered 412 Precondition Failed");
        if (signal?.aborted) return new AbortError(signal.reason);
        return new VirtualChunkFetchError(
          url,
          `S3 GetObject failed${status ? ` (HTTP ${status})` : ""}: ${e.name ?? String(cause)}`,
          { cause },
        );
      };
      // The SDK retries the request; a body that breaks or stalls is retried here.
      const attempt = async (): Promise<Uint8Array> => {
        let res: GetObjectCommandOutput;
        try {
          res = await client.send(
            new GetObjectCommand({
              Bucket: bucket,
              Key: key,
              Range: `bytes=${offset}-${offset + length - 1}`,
              ...(checksum && "etag" in checksum ? { IfMatch: checksum.etag } : {}),
              ...(checksum && "lastModified" in checksum
                ? { IfUnmodifiedSince: new Date(checksum.lastModified * 1000) }
                : {}),
            }),
            signal ? { abortSignal: signal } : {},
          );
        } catch (cause) {
          throw fail(cause);
        }
        const bytes = await readBody(res.Body, { graceMs: streamGraceMs, signal });
        if (
          res.ContentRange !== undefined &&
          !res.ContentRange.startsWith(`bytes ${offset}-${offset + length - 1}/`)
        )
          throw new VirtualChunkFetchError(
            url,
            `the Content-Range '${res.ContentRange}' is not the requested bytes ${offset}-${offset + length - 1}`,
          );
        return bytes;
      };
      try {
        return await withRetries(attempt, { retries, signal });
      } catch (cause) {
        throw fail(cause);
      }
    },
  };
}
