/**
 * @module virtual/gcs-http
 * Anonymous `gs://` / `gcs://` virtual chunks over plain HTTPS (browser-safe): public Google Cloud
 * Storage buckets through the XML API endpoint, `https://storage.googleapis.com/<bucket>/<key>`
 * (ranged GETs; the stored ETag or last-modified time is checked by the server as for any HTTP
 * chunk). Upstream reads GCS containers anonymously when their credentials are `null`, as here;
 * signed access is not implemented.
 */
import { VirtualChunkFetchError } from "../errors.js";
import { httpVirtualChunkFetcher } from "./http.js";
import type { VirtualChunkFetcher } from "./resolver.js";

/** The public GCS endpoint. */
export const GCS_PUBLIC_ENDPOINT = "https://storage.googleapis.com";

/** The HTTPS URL of a `gs://bucket/key` (or `gcs://`) location. */
export function gcsHttpUrl(location: string, endpoint = GCS_PUBLIC_ENDPOINT): string {
  const m = /^(?:gs|gcs):\/\/([^/?#]+)\/([^?#]+)$/i.exec(location);
  if (!m) throw new VirtualChunkFetchError(location, "expected gs://<bucket>/<key>");
  return `${endpoint.replace(/\/+$/, "")}/${m[1]}/${m[2]}`;
}

/**
 * Reads `gs://` and `gcs://` virtual chunks of containers authorized anonymously (`null`
 * credentials). `endpoint` replaces the public endpoint (an emulator, a proxy).
 */
export function gcsAnonymousVirtualChunkFetcher(
  options: { fetch?: typeof fetch; endpoint?: string } = {},
): VirtualChunkFetcher {
  const http = httpVirtualChunkFetcher(options.fetch ? { fetch: options.fetch } : {});
  return {
    fetchRange(url, range, ctx) {
      if (ctx.container.store.type !== "Gcs")
        throw new VirtualChunkFetchError(
          url,
          `container '${ctx.container.urlPrefix}' is not a GCS container`,
        );
      if (ctx.credentials !== null && ctx.credentials !== undefined)
        throw new VirtualChunkFetchError(
          url,
          "signed GCS access is not supported: authorize the container with null (anonymous) credentials for a public bucket",
        );
      return http.fetchRange(gcsHttpUrl(url, options.endpoint), range, ctx);
    },
  };
}
