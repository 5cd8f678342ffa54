/**
 * @module storage/http
 * Read-only Storage over plain HTTP(S) with `fetch` (browser-safe): ranged GETs, conditional GETs
 * with If-None-Match, HEAD for Last-Modified, and S3 ListObjectsV2 listing where the server has it.
 */
import { ReadOnlyStorageError, StorageError, throwIfAborted } from "../errors.js";
import { mapConcurrent } from "../util/concurrency.js";
import {
  discardBody,
  type FetchLike,
  type HttpAttempt,
  type HttpRequestOptions,
  type HttpRequestPolicy,
  normalizeEtag,
  parseListObjectsV2,
  requestWithRetries,
  resolveRequestPolicy,
  statusFailure,
} from "./http-util.js";
import {
  checkRange,
  isEmptyRange,
  normalizePrefix,
  rangeHeader,
  resolveRange,
  validateKey,
} from "./key.js";
import { httpSettingsOptions, type StorageSettings } from "./settings.js";
import type {
  ByteRange,
  GetOptions,
  GetResult,
  ListEntry,
  ObjectVersion,
  Storage,
  StorageCallOptions,
} from "./types.js";

/** Options for {@link httpStorage}: retries, timeouts and stalled-body detection included. */
export interface HttpStorageOptions extends HttpRequestOptions {
  /** Extra request headers (e.g. Authorization) sent with every request. */
  headers?: Record<string, string>;
  /** fetch implementation; default `globalThis.fetch`. */
  fetch?: FetchLike;
  /**
   * Where to send S3 ListObjectsV2 requests. Default: the URL's origin with the URL path as key
   * prefix (virtual-hosted S3 style, `https://bucket.s3.region.amazonaws.com/prefix`).
   */
  list?: { endpoint: string; keyPrefix: string };
}

/** Upstream's defaults for split reads: 12 MiB parts, 18 in flight. */
const DEFAULT_IDEAL_REQUEST_SIZE = 12 * 1024 * 1024;
const DEFAULT_MAX_REQUESTS_FOR_OBJECT = 18;

/** Parts of a bounded range longer than the ideal request size, or undefined (one request). */
function splitRange(
  range: ByteRange | undefined,
  concurrency: { idealSize: number } | undefined,
): Array<{ offset: number; length: number }> | undefined {
  if (!concurrency || !range || !("offset" in range) || range.length === undefined)
    return undefined;
  const { idealSize } = concurrency;
  if (range.length <= idealSize) return undefined;
  const parts: Array<{ offset: number; length: number }> = [];
  for (let at = 0; at < range.length; at += idealSize)
    parts.push({ offset: range.offset + at, length: Math.min(idealSize, range.length - at) });
  return parts;
}

function encodeKey(key: string): string {
  return key.split("/").map(encodeURIComponent).join("/");
}

/**
 * A read-only Storage for a repository published at `baseUrl` (`canWrite` is false and every
 * write throws ReadOnlyStorageError). Spec-2 repositories can be opened without listing.
 * @example
 * const repo = await Repository.open(httpStorage("https://example.com/my-repo"));
 * const session = await repo.readonlySession("main");
 */
export function httpStorage(baseUrl: string, options: HttpStorageOptions = {}): Storage {
  const base = baseUrl.replace(/\/+$/, "");
  const fetchFn: FetchLike = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const extra = options.headers ?? {};
  const parsed = new URL(base);
  const listTarget = options.list ?? {
    endpoint: `${parsed.origin}/`,
    keyPrefix: decodeURIComponent(parsed.pathname.replace(/^\/+/, "").replace(/\/+$/, "")),
  };

  const urlOf = (key: string) => {
    validateKey(key);
    return `${base}/${encodeKey(key)}`;
  };

  const headersWith = (h: Record<string, string>) => ({ ...extra, ...h });
  let policy: HttpRequestPolicy = resolveRequestPolicy(options);

  /** One retried exchange; `handle` sees every response but 404 (→ undefined). */
  const fetchObject = <T>(
    operation: string,
    key: string,
    url: string,
    headers: Record<string, string>,
    signal: AbortSignal | undefined,
    handle: (res: Response, attempt: HttpAttempt) => Promise<T>,
    method = "GET",
  ): Promise<T | undefined> =>
    requestWithRetries(
      fetchFn,
      policy,
      { operation, path: key, url, init: { method, headers: headersWith(headers) }, signal },
      async (res, attempt) => {
        if (res.status === 404) {
          discardBody(res);
          return undefined;
        }
        return handle(res, attempt);
      },
    );

  const head = (key: string, signal?: AbortSignal): Promise<Response | undefined> => {
    const url = urlOf(key);
    return fetchObject(
      "head",
      key,
      url,
      {},
      signal,
      async (res) => {
        discardBody(res);
        if (!res.ok) throw statusFailure("head", key, url, res.status, res.statusText);
        return res;
      },
      "HEAD",
    );
  };

  const readOnly = (operation: string) => Promise.reject(new ReadOnlyStorageError(operation));

  /** `config.storage.concurrency`: large bounded reads as parallel ranged GETs (as upstream). */
  let concurrency: { idealSize: number; maxConcurrent: number } | undefined;

  /** Reads `parts` of one object concurrently; their ETags must agree (one object version). */
  const getParts = async (
    key: string,
    url: string,
    parts: Array<{ offset: number; length: number }>,
    limit: number,
    signal: AbortSignal | undefined,
  ): Promise<GetResult | undefined> => {
    const results = await mapConcurrent(parts, limit, (part) =>
      self.get(key, { range: part, ...(signal ? { signal } : {}) }),
    );
    if (results.some((r) => r === undefined)) return undefined;
    const etag = results[0]!.version.etag;
    if (results.some((r) => r!.version.etag !== etag))
      throw new StorageError(
        "get",
        key,
        `the object at ${url} changed while its parts were read; retry the read`,
      );
    const data = new Uint8Array(results.reduce((n, r) => n + r!.data.length, 0));
    let at = 0;
    for (const r of results) {
      data.set(r!.data, at);
      at += r!.data.length;
    }
    return { data, version: { etag } };
  };

  const self: Storage = {
    description: base,
    canWrite: false,

    async get(key: string, options?: GetOptions): Promise<GetResult | undefined> {
      throwIfAborted(options?.signal);
      const url = urlOf(key);
      const range = options?.range;
      if (range) checkRange(range, key);
      if (isEmptyRange(range)) {
        const res = await head(key, options?.signal);
        return (
          res && {
            data: new Uint8Array(0),
            version: { etag: normalizeEtag(res.headers.get("etag")) },
          }
        );
      }
      let split = splitRange(range, concurrency);
      if (split && range && "offset" in range) {
        // the range may be a cap (metadata reads are bounded by their size limit, far beyond the
        // object): clip it to the object's size before splitting, so parts never pass the end
        const res = await head(key, options?.signal);
        if (!res) return undefined;
        const size = Number(res.headers.get("content-length"));
        if (Number.isSafeInteger(size) && size >= 0) {
          const length = Math.max(0, Math.min(range.length ?? size, size - range.offset));
          split = splitRange({ offset: range.offset, length }, concurrency);
        } else split = undefined;
      }
      if (split) return getParts(key, url, split, concurrency!.maxConcurrent, options?.signal);
      const rh = rangeHeader(range);
      return fetchObject(
        "get",
        key,
        url,
        rh ? { Range: rh } : {},
        options?.signal,
        async (res, attempt) => {
          const etag = normalizeEtag(res.headers.get("etag"));
          if (res.status === 416) {
            // Range starts past the end: the object exists, the selection is empty.
            discardBody(res);
            return { data: new Uint8Array(0), version: { etag } };
          }
          if (!res.ok) {
            discardBody(res);
            throw statusFailure("get", key, url, res.status, res.statusText);
          }
          const body = await attempt.body(res);
          if (range && res.status === 200) {
            // The server ignored Range and sent the whole object: slice locally.
            const { start, end } = resolveRange(range, body.length);
            return { data: body.slice(start, end), version: { etag } };
          }
          return { data: body, version: { etag } };
        },
      );
    },

    async getIfModified(key: string, version: ObjectVersion, options?: StorageCallOptions) {
      throwIfAborted(options?.signal);
      const url = urlOf(key);
      const headers: Record<string, string> = version.etag
        ? { "If-None-Match": `"${version.etag}"` }
        : {};
      return fetchObject("get", key, url, headers, options?.signal, async (res, attempt) => {
        if (res.status === 304) {
          discardBody(res);
          return "not-modified" as const;
        }
        if (!res.ok) {
          discardBody(res);
          throw statusFailure("get", key, url, res.status, res.statusText);
        }
        const etag = normalizeEtag(res.headers.get("etag"));
        const data = await attempt.body(res);
        if (version.etag !== undefined && etag === version.etag) return "not-modified" as const;
        return { data, version: { etag } };
      });
    },

    applySettings(settings: StorageSettings): string[] {
      const { options: fromSettings, unapplied } = httpSettingsOptions(settings);
      policy = resolveRequestPolicy(options, fromSettings);
      const c = settings.concurrency;
      concurrency =
        c?.idealConcurrentRequestSize !== undefined ||
        c?.maxConcurrentRequestsForObject !== undefined
          ? {
              idealSize: Math.max(1, c.idealConcurrentRequestSize ?? DEFAULT_IDEAL_REQUEST_SIZE),
              maxConcurrent: Math.max(
                1,
                c.maxConcurrentRequestsForObject ?? DEFAULT_MAX_REQUESTS_FOR_OBJECT,
              ),
            }
          : undefined;
      return unapplied;
    },

    put: () => readOnly("put objects"),
    copy: () => readOnly("copy objects"),
    delete: () => readOnly("delete objects"),

    async lastModified(key: string, options?: StorageCallOptions): Promise<Date | undefined> {
      throwIfAborted(options?.signal);
      const res = await head(key, options?.signal);
      if (res === undefined) return undefined;
      const lm = res.headers.get("last-modified");
      const d = lm ? new Date(lm) : undefined;
      if (d === undefined || Number.isNaN(d.getTime())) {
        throw new StorageError(
          "lastModified",
          key,
          "the server sent no valid Last-Modified header (a cross-origin server must expose it via Access-Control-Expose-Headers)",
        );
      }
      return d;
    },

    async *list(prefix: string, options?: StorageCallOptions): AsyncIterable<ListEntry> {
      throwIfAborted(options?.signal);
      const p = normalizePrefix(prefix);
      const unavailable = (detail: string, status: number) =>
        new StorageError(
          "list",
          p,
          `listing is unavailable on this server (${detail}); only S3-compatible ListObjectsV2 listing is supported. ` +
            "Opening and reading spec-2 repositories needs no listing",
          { status },
        );
      const parts = [listTarget.keyPrefix, p].filter((s) => s !== "");
      const fullPrefix = parts.length === 0 ? "" : `${parts.join("/")}/`;
      let token: string | undefined;
      do {
        const q = new URLSearchParams({ "list-type": "2", prefix: fullPrefix });
        if (token !== undefined) q.set("continuation-token", token);
        const url = `${listTarget.endpoint}?${q.toString()}`;
        const text = await requestWithRetries(
          fetchFn,
          policy,
          {
            operation: "list",
            path: p,
            url,
            init: { headers: headersWith({}) },
            signal: options?.signal,
          },
          async (res, attempt) => {
            if (res.status === 401 || res.status === 403) {
              discardBody(res);
              throw statusFailure("list", p, url, res.status, res.statusText);
            }
            if (!res.ok) {
              discardBody(res);
              throw unavailable(`HTTP ${res.status}`, res.status);
            }
            return new TextDecoder().decode(await attempt.body(res));
          },
        );
        const page = parseListObjectsV2(text);
        if (page === undefined) throw unavailable("the response is not a ListBucketResult", 200);
        for (const item of page.contents) {
          if (!item.key.startsWith(fullPrefix) || item.key.length === fullPrefix.length) continue;
          yield {
            key: item.key.slice(fullPrefix.length),
            size: item.size,
            lastModified: item.lastModified,
          };
        }
        token = page.isTruncated ? page.nextContinuationToken : undefined;
        throwIfAborted(options?.signal);
      } while (token !== undefined);
    },
  };
  return self;
}
