/**
 * @module virtual/http
 * Fetcher for `http://` and `https://` virtual chunks over `fetch` (browsers included), held to
 * what the official binding's HTTP virtual-chunk transport promises: one exact `Range` request,
 * no cookies or ambient credentials (`credentials: "omit"`), only a `206 Partial Content` whose
 * `Content-Range` is the requested range and whose body has exactly that length, redirects
 * followed only while they stay inside the container's URL prefix (each hop re-checked, at most
 * `maxRedirects`), and the shared retry policy with stalled-body detection and timeouts.
 *
 * The stored checksum is verified against the response's `ETag` / `Last-Modified` headers, not
 * sent as `If-Match` / `If-Unmodified-Since`: conditional headers are not CORS-safelisted, so
 * every read would need a preflight that many public buckets refuse. `conditionalHeaders: true`
 * sends them as well (the server then answers 412 for a changed object).
 */
import {
  AbortError,
  IcechunkError,
  VirtualChunkFetchError,
  VirtualChunkModifiedError,
} from "../errors.js";
import type { ChunkChecksum } from "../format/manifest.js";
import type { VirtualChunkContainer } from "../repo-core/config.js";
import {
  discardBody,
  type FetchLike,
  type HttpRequestOptions,
  normalizeEtag,
  requestWithRetries,
  resolveRequestPolicy,
} from "../storage/http-util.js";
import { type CoalesceOptions, coalescingReader } from "./coalesce.js";
import { checkVirtualChunkLocation } from "./location.js";
import type { VirtualChunkFetcher } from "./resolver.js";

/** Options of {@link httpVirtualChunkFetcher}. */
export interface HttpVirtualChunkFetcherOptions extends HttpRequestOptions {
  /** fetch implementation; default `globalThis.fetch`. */
  fetch?: FetchLike;
  /** Extra request headers. A non-safelisted header makes browsers send a CORS preflight. */
  headers?: Record<string, string>;
  /**
   * Also send `If-Match` / `If-Unmodified-Since` for the stored checksum (forces a CORS preflight
   * in browsers). Default false: the response's ETag / Last-Modified are checked instead.
   */
  conditionalHeaders?: boolean;
  /** Redirects followed, each inside the container's URL prefix. Default 10; 0 refuses all. */
  maxRedirects?: number;
  /**
   * Merge concurrent reads of nearby byte ranges of one URL into fewer Range requests (see
   * virtual/coalesce). Default on (64 KiB gap, 4 MiB per request); `false` sends one request per read.
   */
  coalesce?: CoalesceOptions | false;
}

/** HTTP date for If-Unmodified-Since from a seconds timestamp. */
export function httpDate(seconds: number): string {
  return new Date(seconds * 1000).toUTCString();
}

/** What one fetch needs besides the URL: the range, checksum, signal and redirect scope. */
interface RangeRequest {
  offset: number;
  length: number;
  checksum?: ChunkChecksum | undefined;
  signal?: AbortSignal | undefined;
  /** Redirect targets must start with this (undefined: no redirect is followed). */
  redirectScope: string | undefined;
  /** Per-container attempt timeout (the HTTP store's `timeout` option). */
  attemptTimeoutMs?: number | undefined;
}

/** Object-store HTTP client options of a container that `fetch` can honour. */
const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m|min|h)?$/;

/** The `timeout` of an HTTP container's store options, in ms; other options are refused. */
export function containerTimeoutMs(
  container: VirtualChunkContainer,
  url: string,
): number | undefined {
  if (container.store.type !== "Http") return undefined;
  let timeout: number | undefined;
  for (const [key, value] of Object.entries(container.store.field0 ?? {})) {
    if (key === "timeout") {
      const m = DURATION.exec(String(value).trim());
      if (!m)
        throw new VirtualChunkFetchError(
          url,
          `the container's timeout '${value}' is not a duration like '30s' or '500ms'`,
        );
      const unit = { ms: 1, s: 1000, m: 60_000, min: 60_000, h: 3_600_000 }[m[2] ?? "s"]!;
      timeout = Number(m[1]) * unit;
    } else if (key !== "allow_http") {
      throw new VirtualChunkFetchError(
        url,
        `the container's HTTP transport option '${key}' cannot be honoured by fetch; remove it from the container's store options (supported: timeout, allow_http)`,
      );
    }
  }
  return timeout;
}

/** Fetches one byte range under the rules of this module; used by the http, s3 and gcs fetchers. */
export function httpRangeReader(options: HttpVirtualChunkFetcherOptions = {}) {
  const fetchFn: FetchLike = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const maxRedirects = options.maxRedirects ?? 10;
  return async (url: string, req: RangeRequest): Promise<Uint8Array> => {
    const policy = resolveRequestPolicy(
      options,
      req.attemptTimeoutMs !== undefined ? { attemptTimeoutMs: req.attemptTimeoutMs } : undefined,
    );
    const { offset, length, checksum } = req;
    const headers: Record<string, string> = {
      ...options.headers,
      Range: `bytes=${offset}-${offset + length - 1}`,
    };
    if (options.conditionalHeaders && checksum) {
      if ("etag" in checksum) headers["If-Match"] = quoted(checksum.etag);
      else headers["If-Unmodified-Since"] = httpDate(checksum.lastModified);
    }
    let current = url;
    for (let hop = 0; ; hop++) {
      let outcome: { bytes: Uint8Array } | { redirect: string };
      try {
        outcome = await requestWithRetries(
          fetchFn,
          policy,
          {
            operation: "virtual chunk read",
            path: url,
            url: current,
            init: { method: "GET", headers, credentials: "omit", redirect: "manual" },
            signal: req.signal,
          },
          async (res, attempt) => {
            const fail = (detail: string) => {
              discardBody(res);
              return new VirtualChunkFetchError(url, detail);
            };
            if (res.type === "opaqueredirect")
              throw fail(
                "the server redirected, and the browser hides the target, so it cannot be checked against the authorized prefix; store the final location",
              );
            if (res.status >= 300 && res.status < 400 && res.headers.has("location")) {
              discardBody(res);
              return { redirect: new URL(res.headers.get("location")!, current).href };
            }
            if (res.status === 412) {
              discardBody(res);
              throw new VirtualChunkModifiedError(
                url,
                "the server answered 412 Precondition Failed",
              );
            }
            if (res.status !== 206)
              throw fail(
                `a virtual chunk read requires HTTP 206 Partial Content, the server answered ${res.status}${res.status === 200 ? " (it ignored the Range header; use a server with range requests)" : ""}`,
              );
            const cr = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(
              res.headers.get("content-range")?.trim() ?? "",
            );
            if (!cr || Number(cr[1]) !== offset || Number(cr[2]) !== offset + length - 1)
              throw fail(
                `the Content-Range '${res.headers.get("content-range") ?? ""}' is not the requested bytes ${offset}-${offset + length - 1} (a cross-origin server must expose Content-Range via Access-Control-Expose-Headers)`,
              );
            verifyChecksum(url, res, checksum, discardBody);
            const bytes = await attempt.body(res, length);
            if (bytes.length !== length)
              throw new VirtualChunkFetchError(
                url,
                `the response length is ${bytes.length} bytes, ${length} were requested (truncated body)`,
              );
            return { bytes };
          },
        );
      } catch (err) {
        if (
          err instanceof IcechunkError &&
          (err instanceof AbortError ||
            err.kind.startsWith("virtual-chunk") ||
            err.kind === "invalid-virtual-chunk-location")
        )
          throw err;
        throw new VirtualChunkFetchError(url, err instanceof Error ? err.message : String(err), {
          cause: err,
        });
      }
      if ("bytes" in outcome) return outcome.bytes;
      if (hop >= maxRedirects)
        throw new VirtualChunkFetchError(url, `more than ${maxRedirects} redirects`);
      checkVirtualChunkLocation(outcome.redirect);
      if (req.redirectScope === undefined || !outcome.redirect.startsWith(req.redirectScope))
        throw new VirtualChunkFetchError(
          url,
          `the server redirected to '${outcome.redirect.slice(0, 300)}', outside the authorized prefix${req.redirectScope ? ` '${req.redirectScope}'` : ""}; the redirect was not followed`,
        );
      current = outcome.redirect;
    }
  };
}

function quoted(etag: string): string {
  return etag.startsWith('"') || etag.startsWith("W/") ? etag : `"${etag}"`;
}

/** Compares the stored checksum with the response's ETag / Last-Modified (seconds). */
function verifyChecksum(
  url: string,
  res: Response,
  checksum: ChunkChecksum | undefined,
  discard: (res: Response) => void,
): void {
  if (!checksum) return;
  if ("etag" in checksum) {
    const got = normalizeEtag(res.headers.get("etag"));
    if (got === undefined) {
      discard(res);
      throw new VirtualChunkFetchError(
        url,
        "the reference has an ETag but the response has none (a cross-origin server must expose ETag via Access-Control-Expose-Headers)",
      );
    }
    if (got !== normalizeEtag(checksum.etag)) {
      discard(res);
      throw new VirtualChunkModifiedError(url, `the object's ETag is now ${got}`);
    }
    return;
  }
  const lm = Date.parse(res.headers.get("last-modified") ?? "");
  if (Number.isNaN(lm)) {
    discard(res);
    throw new VirtualChunkFetchError(
      url,
      "the reference has a last-modified time but the response has no Last-Modified (a cross-origin server must expose it via Access-Control-Expose-Headers)",
    );
  }
  if (Math.floor(lm / 1000) > checksum.lastModified) {
    discard(res);
    throw new VirtualChunkModifiedError(
      url,
      `the object was modified at ${new Date(lm).toISOString()}`,
    );
  }
}

/** Fetcher for `http://` and `https://` virtual chunks over `fetch` (works in browsers). */
export function httpVirtualChunkFetcher(
  options: HttpVirtualChunkFetcherOptions = {},
): VirtualChunkFetcher {
  const exact = httpRangeReader(options);
  const read =
    options.coalesce === false
      ? exact
      : coalescingReader(
          exact,
          (req) =>
            `${JSON.stringify(req.checksum ?? null)} ${req.redirectScope ?? ""} ${req.attemptTimeoutMs ?? ""}`,
          options.coalesce,
        );
  return {
    fetchRange(url, { offset, length }, { checksum, container, signal }) {
      const scope = /^https?:\/\//.test(container.urlPrefix) ? container.urlPrefix : undefined;
      return read(url, {
        offset,
        length,
        checksum,
        signal,
        redirectScope: scope,
        attemptTimeoutMs: containerTimeoutMs(container, url),
      });
    },
  };
}
