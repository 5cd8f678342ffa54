/**
 * @module storage/http
 * Read-only Storage over plain HTTP(S) with `fetch` (browser-safe): ranged GETs, conditional GETs
 * with If-None-Match, HEAD for Last-Modified, and S3 ListObjectsV2 listing where the server has it.
 */
import { ReadOnlyStorageError, StorageError, throwIfAborted } from "../errors.js";
import {
  discardBody,
  doFetch,
  type FetchLike,
  normalizeEtag,
  parseListObjectsV2,
  readBody,
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
import type {
  GetOptions,
  GetResult,
  ListEntry,
  ObjectVersion,
  Storage,
  StorageCallOptions,
} from "./types.js";

/** Options for {@link httpStorage}. */
export interface HttpStorageOptions {
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

  const fetchObject = async (
    operation: string,
    key: string,
    url: string,
    headers: Record<string, string>,
    signal?: AbortSignal,
    method = "GET",
  ): Promise<Response | undefined> => {
    const res = await doFetch(fetchFn, operation, key, url, {
      method,
      headers: headersWith(headers),
      signal,
    });
    if (res.status === 404) {
      discardBody(res);
      return undefined;
    }
    return res;
  };

  const head = async (key: string, signal?: AbortSignal): Promise<Response | undefined> => {
    const url = urlOf(key);
    const res = await fetchObject("head", key, url, {}, signal, "HEAD");
    if (res === undefined) return undefined;
    discardBody(res);
    if (!res.ok) throw statusFailure("head", key, url, res.status, res.statusText);
    return res;
  };

  const readOnly = (operation: string) => Promise.reject(new ReadOnlyStorageError(operation));

  return {
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
      const rh = rangeHeader(range);
      const res = await fetchObject("get", key, url, rh ? { Range: rh } : {}, options?.signal);
      if (res === undefined) return undefined;
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
      const body = await readBody(res, "get", key, url, options?.signal);
      if (range && res.status === 200) {
        // The server ignored Range and sent the whole object: slice locally.
        const { start, end } = resolveRange(range, body.length);
        return { data: body.slice(start, end), version: { etag } };
      }
      return { data: body, version: { etag } };
    },

    async getIfModified(key: string, version: ObjectVersion, options?: StorageCallOptions) {
      throwIfAborted(options?.signal);
      const url = urlOf(key);
      const headers: Record<string, string> = version.etag
        ? { "If-None-Match": `"${version.etag}"` }
        : {};
      const res = await fetchObject("get", key, url, headers, options?.signal);
      if (res === undefined) return undefined;
      if (res.status === 304) {
        discardBody(res);
        return "not-modified" as const;
      }
      if (!res.ok) {
        discardBody(res);
        throw statusFailure("get", key, url, res.status, res.statusText);
      }
      const etag = normalizeEtag(res.headers.get("etag"));
      const data = await readBody(res, "get", key, url, options?.signal);
      if (version.etag !== undefined && etag === version.etag) return "not-modified" as const;
      return { data, version: { etag } };
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
      const parts = [listTarget.keyPrefix, p].filter((s) => s !== "");
      const fullPrefix = parts.length === 0 ? "" : `${parts.join("/")}/`;
      let token: string | undefined;
      do {
        const q = new URLSearchParams({ "list-type": "2", prefix: fullPrefix });
        if (token !== undefined) q.set("continuation-token", token);
        const url = `${listTarget.endpoint}?${q.toString()}`;
        const res = await doFetch(fetchFn, "list", p, url, {
          headers: headersWith({}),
          signal: options?.signal,
        });
        const unavailable = (detail: string) =>
          new StorageError(
            "list",
            p,
            `listing is unavailable on this server (${detail}); only S3-compatible ListObjectsV2 listing is supported. ` +
              "Opening and reading spec-2 repositories needs no listing",
            { status: res.status },
          );
        if (res.status === 401 || res.status === 403) {
          discardBody(res);
          throw statusFailure("list", p, url, res.status, res.statusText);
        }
        if (!res.ok) {
          discardBody(res);
          throw unavailable(`HTTP ${res.status}`);
        }
        const text = new TextDecoder().decode(await readBody(res, "list", p, url, options?.signal));
        const page = parseListObjectsV2(text);
        if (page === undefined) throw unavailable("the response is not a ListBucketResult");
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
}
