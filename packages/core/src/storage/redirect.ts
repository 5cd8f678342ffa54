/**
 * @module storage/redirect
 * Read-only Storage that discovers the real location of a repository by following HTTP redirects
 * from a stable URL, like Rust's `redirect_storage`: the first `Location` with an icechunk scheme
 * (`http(s)+ic(echunk)://`, `s3://bucket/prefix?region=R`) selects the backend.
 */
import { AbortError, ReadOnlyStorageError, StorageError, throwIfAborted } from "../errors.js";
import { httpStorage } from "./http.js";
import { discardBody, doFetch, type FetchLike } from "./http-util.js";
import type { Storage, StorageCallOptions } from "./types.js";

/** Options for {@link redirectStorage}. */
export interface RedirectStorageOptions {
  /** fetch implementation; default `globalThis.fetch`. */
  fetch?: FetchLike;
  /** Headers sent with the redirect lookup and to the resolved HTTP backend. */
  headers?: Record<string, string>;
  /** Maximum number of redirects followed. Default 10. */
  maxRedirects?: number;
}

const IC_SCHEME = /^(https?)\+ic(?:echunk)?:/i;

function badRedirect(url: string, detail: string): StorageError {
  return new StorageError("redirect", url, `bad redirect: ${detail}`);
}

/** Maps a final location to a backend, or undefined when it is a plain http(s) hop to follow. */
function backendFor(
  location: URL,
  options: RedirectStorageOptions,
  start: string,
): Storage | undefined {
  const scheme = location.protocol.toLowerCase();
  const http = (url: string) =>
    httpStorage(url, { fetch: options.fetch, headers: options.headers });
  if (IC_SCHEME.test(scheme)) return http(location.href.replace(IC_SCHEME, "$1:"));
  if (scheme === "s3:") {
    const bucket = location.hostname;
    const region = location.searchParams.get("region");
    if (!bucket) throw badRedirect(start, `'${location.href}' names no bucket`);
    if (!region) throw badRedirect(start, `'${location.href}' has no ?region=… parameter`);
    const prefix = location.pathname.replace(/^\/+|\/+$/g, "");
    return httpStorage(
      `https://${bucket}.s3.${region}.amazonaws.com${prefix ? `/${prefix}` : ""}`,
      { fetch: options.fetch },
    );
  }
  if (["gs:", "gcs:", "r2:", "tigris:"].includes(scheme)) {
    throw new StorageError(
      "redirect",
      start,
      `the redirect target '${location.href}' uses ${scheme}// which this library cannot read anonymously yet; ` +
        "open the repository with the matching storage backend directly",
    );
  }
  if (scheme === "http:" || scheme === "https:") return undefined;
  throw badRedirect(start, `unsupported location scheme in '${location.href}'`);
}

/** Follows redirects from `url` and returns the backend they lead to. */
export async function resolveRedirect(
  url: string,
  options: RedirectStorageOptions = {},
  signal?: AbortSignal,
): Promise<Storage> {
  const fetchFn: FetchLike = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const max = options.maxRedirects ?? 10;
  let current = url;
  for (let hop = 0; hop <= max; hop++) {
    throwIfAborted(signal);
    const res = await doFetch(fetchFn, "redirect", url, current, {
      redirect: "manual",
      headers: options.headers ?? {},
      signal,
    });
    discardBody(res);
    if (res.type === "opaqueredirect") {
      // Browsers hide Location from manual redirects: let them follow and look at the final URL.
      const followed = await doFetch(fetchFn, "redirect", url, current, {
        headers: options.headers ?? {},
        signal,
      });
      discardBody(followed);
      if (!followed.redirected || !followed.url)
        throw badRedirect(url, "the browser did not expose the redirect target");
      return httpStorage(followed.url, { fetch: options.fetch, headers: options.headers });
    }
    if (res.status >= 300 && res.status < 400) {
      const loc = res.headers.get("location");
      if (!loc) throw badRedirect(url, `HTTP ${res.status} from ${current} has no Location header`);
      const next = new URL(loc, current);
      const backend = backendFor(next, options, url);
      if (backend) return backend;
      current = next.href;
      continue;
    }
    // Not a redirect. If we got here through redirects, this plain http(s) URL is the repository
    // (its base URL itself is usually not an object, so any status is fine).
    if (res.redirected && res.url && res.url !== url) {
      return httpStorage(res.url, { fetch: options.fetch, headers: options.headers });
    }
    if (current !== url)
      return httpStorage(current, { fetch: options.fetch, headers: options.headers });
    throw badRedirect(
      url,
      `HTTP ${res.status} from ${current} is not a redirect (no Location header)`,
    );
  }
  throw badRedirect(url, `more than ${max} redirects`);
}

/**
 * A read-only Storage whose location is found on first use by following redirects from `url`;
 * every call then delegates to the resolved backend. A failed lookup is retried on the next call.
 */
export function redirectStorage(url: string, options: RedirectStorageOptions = {}): Storage {
  let target: Promise<Storage> | undefined;
  const resolveOnce = async (signal?: AbortSignal): Promise<Storage> => {
    if (target === undefined) {
      // The lookup is shared, so it is not tied to the first caller's signal.
      const p = resolveRedirect(url, options);
      target = p;
      p.catch(() => {
        if (target === p) target = undefined;
      });
    }
    if (!signal) return target;
    throwIfAborted(signal);
    const s = signal;
    return Promise.race([
      target,
      new Promise<never>((_, reject) =>
        s.addEventListener("abort", () => reject(new AbortError(s.reason)), { once: true }),
      ),
    ]);
  };
  const readOnly = (operation: string) => Promise.reject(new ReadOnlyStorageError(operation));

  return {
    description: `redirect:${url}`,
    canWrite: false,
    async get(key, options) {
      return (await resolveOnce(options?.signal)).get(key, options);
    },
    async getIfModified(key, version, options) {
      const s = await resolveOnce(options?.signal);
      if (s.getIfModified) return s.getIfModified(key, version, options);
      const got = await s.get(key, options);
      if (got && version.etag !== undefined && got.version.etag === version.etag)
        return "not-modified";
      return got;
    },
    put: () => readOnly("put objects"),
    copy: () => readOnly("copy objects"),
    delete: () => readOnly("delete objects"),
    async lastModified(key, options) {
      return (await resolveOnce(options?.signal)).lastModified(key, options);
    },
    async *list(prefix: string, options?: StorageCallOptions) {
      yield* (await resolveOnce(options?.signal)).list(prefix, options);
    },
  };
}
