/**
 * @module virtual
 * `s3://` virtual chunks through the AWS SDK: one S3Client per virtual chunk container, built from
 * the container's S3 options (region, endpoint, path style, anonymous) and the credentials the
 * caller authorized for it. The stored ETag / last-modified time is sent as If-Match /
 * If-Unmodified-Since, so a changed object is a VirtualChunkModifiedError.
 */
import { GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import {
  type VirtualChunkContainer,
  VirtualChunkFetchError,
  type VirtualChunkFetcher,
  VirtualChunkModifiedError,
} from "@icechunk-ts/core";
import { createS3Client, type S3CredentialsOption } from "./options.js";

/** Reads `s3://bucket/key` virtual chunks with signed (or anonymous) S3 requests. */
export function s3VirtualChunkFetcher(options: { userAgent?: string } = {}): VirtualChunkFetcher {
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
      try {
        const res = await client.send(
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
        return await res.Body!.transformToByteArray();
      } catch (cause) {
        const e = cause as { name?: string; $metadata?: { httpStatusCode?: number } };
        const status = e.$metadata?.httpStatusCode;
        if (status === 412 || e.name === "PreconditionFailed")
          throw new VirtualChunkModifiedError(url, "S3 answered 412 Precondition Failed");
        if (signal?.aborted) throw cause;
        throw new VirtualChunkFetchError(
          url,
          `S3 GetObject failed${status ? ` (HTTP ${status})` : ""}: ${e.name ?? String(cause)}`,
          { cause },
        );
      }
    },
  };
}
