/**
 * @module virtual/s3-http
 * Anonymous `s3://` virtual chunks over plain HTTPS (browser-safe, no AWS SDK): public buckets on
 * AWS (`https://<bucket>.s3.<region>.amazonaws.com/<key>`) or an S3-compatible endpoint
 * (path style: `<endpoint>/<bucket>/<key>`). Signed access needs `s3VirtualChunkFetcher` from
 * `@icechunk-ts/s3`.
 */
import { VirtualChunkFetchError } from "../errors.js";
import type { S3Options } from "../repo-core/config.js";
import { httpVirtualChunkFetcher } from "./http.js";
import type { VirtualChunkFetcher } from "./resolver.js";

/** The HTTPS URL of an `s3://bucket/key` location for a container's S3 options. */
export function s3HttpUrl(location: string, options: S3Options): string {
  const m = /^[a-z0-9+.-]+:\/\/([^/]+)\/(.*)$/i.exec(location);
  if (!m) throw new VirtualChunkFetchError(location, "expected s3://<bucket>/<key>");
  const [, bucket, key] = m;
  if (options.endpointUrl) {
    const base = options.endpointUrl.replace(/\/+$/, "");
    if (options.forcePathStyle === false) {
      const u = new URL(base);
      return `${u.protocol}//${bucket}.${u.host}/${key}`;
    }
    return `${base}/${bucket}/${key}`;
  }
  return `https://${bucket}.s3.${options.region ?? "us-east-1"}.amazonaws.com/${key}`;
}

/** Reads `s3://` virtual chunks of anonymous containers over HTTPS. */
export function s3AnonymousVirtualChunkFetcher(
  options: { fetch?: typeof fetch } = {},
): VirtualChunkFetcher {
  const http = httpVirtualChunkFetcher(options);
  return {
    fetchRange(url, range, ctx) {
      const store = ctx.container.store;
      if (store.type !== "S3" && store.type !== "S3Compatible" && store.type !== "Tigris")
        throw new VirtualChunkFetchError(
          url,
          `container '${ctx.container.urlPrefix}' is not an S3 container`,
        );
      if (ctx.credentials !== null && ctx.credentials !== undefined && !store.field0.anonymous)
        throw new VirtualChunkFetchError(
          url,
          "signed S3 access needs the AWS SDK: pass virtualChunkFetchers: { s3: s3VirtualChunkFetcher() } from '@icechunk-ts/s3'",
        );
      return http.fetchRange(s3HttpUrl(url, store.field0), range, ctx);
    },
  };
}
