/**
 * @module storage/redirect
 * Read-only Storage that discovers the real location of a repository by following HTTP redirects
 * from a stable URL, like Rust's `redirect_storage`: the first `Location` with an icechunk scheme
 * (`http(s)+ic(echunk)://`, `s3://bucket/prefix?region=R`) selects the backend.
 *
 * Trust model: the server at the stable URL decides where the repository is read from, so every
 * hop is validated before it is contacted: only the http(s), http(s)+ic(echunk) and s3 schemes,
 * no userinfo, valid S3 bucket and region names, no link-local or cloud-metadata addresses
 * (169.254.0.0/16, fe80::/10, metadata.google.internal) unless `allowLinkLocal`, and at most
 * `maxRedirects` hops. The lookup and the resolved backend share the HTTP retry policy.
 */
import {
  AbortError,
  ReadOnlyStorageError,
  StorageError,
  throwIfAborted,
  UnsafeRedirectError,
} from "../errors.js";
import { type HttpStorageOptions, httpStorage } from "./http.js";
import {
  discardBody,
  type FetchLike,
  type HttpRequestOptions,
  requestWithRetries,
  resolveRequestPolicy,
} from "./http-util.js";
import { httpSettingsOptions, type StorageSettings } from "./settings.js";
import type { Storage, StorageCallOptions } from "./types.js";

/** Options for {@link redirectStorage}: retries and timeouts apply to the lookup and the backend. */
export interface RedirectStorageOptions extends HttpRequestOptions {
  /** Contact link-local / metadata addresses (169.254.0.0/16, fe80::/10) when a redirect names one. Default false. */
  allowLinkLocal?: boolean;
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

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const REGION = /^[a-z0-9-]{1,64}$/;

/** True for link-local and cloud metadata hosts (IPv4 169.254/16, IPv6 fe80::/10, mapped forms). */
export function isLinkLocalHost(hostname: string): boolean {
  const h = hostname
    .toLowerCase()
    .replace(/^\[|\]$/g, "")
    .replace(/\.$/, "");
  if (h === "metadata.google.internal" || h === "metadata") return true;
  if (/^169\.254\.\d{1,3}\.\d{1,3}$/.test(h)) return true;
  if (h.includes(":")) {
    if (/^fe[89ab][0-9a-f]?:/.test(h)) return true;
    // IPv4-mapped / -compatible forms (::ffff:169.254.x.y, ::ffff:a9fe:xxxx)
    const mapped = /^(?:0*:)*(?:ffff:)?(?:(\d+\.\d+\.\d+\.\d+)|a9fe:[0-9a-f]{1,4})$/.exec(h);
    if (mapped) return mapped[1] === undefined || isLinkLocalHost(mapped[1]);
    if (h === "fd00:ec2::254") return true;
  }
  return false;
}

/** Refuses a hop that must not be contacted (see the module's trust model). */
function checkTarget(start: string, target: URL, options: RedirectStorageOptions): void {
  const refuse = (detail: string) => new UnsafeRedirectError(start, target.href, detail);
  const scheme = target.protocol.toLowerCase();
  if (IC_SCHEME.test(scheme)) {
    // judge the URL that will be fetched: its host is normalized as http(s) (2852039166 → 169.254.169.254)
    let real: URL;
    try {
      real = new URL(target.href.replace(IC_SCHEME, "$1:"));
    } catch {
      throw refuse("it is not a valid http(s) URL once its +icechunk tag is removed");
    }
    checkTarget(start, real, options);
    return;
  }
  const allowed = ["http:", "https:", "s3:", "gs:", "gcs:", "r2:", "tigris:"];
  if (!allowed.includes(scheme) && !IC_SCHEME.test(scheme))
    throw refuse(`the scheme ${scheme}// is not one of http, https, http(s)+icechunk, s3`);
  if (target.username !== "" || target.password !== "")
    throw refuse(
      "it carries userinfo (user:password@), which would send credentials to the target",
    );
  if (scheme === "s3:") {
    if (!BUCKET.test(target.hostname) || target.hostname.includes(".."))
      throw refuse(`'${target.hostname}' is not a valid S3 bucket name`);
    if (target.port !== "") throw refuse("an s3:// location has no port");
    const region = target.searchParams.get("region");
    if (region !== null && !REGION.test(region))
      throw refuse(`'${region}' is not a valid AWS region name`);
    return;
  }
  if (target.hostname === "") throw refuse("it names no host");
  if (!options.allowLinkLocal && isLinkLocalHost(target.hostname))
    throw refuse(
      `'${target.hostname}' is a link-local or cloud-metadata address (pass allowLinkLocal: true to permit it)`,
    );
}

/** Maps a final location to a backend, or undefined when it is a plain http(s) hop to follow. */
function backendFor(
  location: URL,
  options: RedirectStorageOptions,
  start: string,
): Storage | undefined {
  const scheme = location.protocol.toLowerCase();
  checkTarget(start, location, options);
  const http = (url: string) => httpStorage(url, backendOptions(options));
  if (IC_SCHEME.test(scheme)) return http(location.href.replace(IC_SCHEME, "$1:"));
  if (scheme === "s3:") {
    const bucket = location.hostname;
    const region = location.searchParams.get("region");
    if (!bucket) throw badRedirect(start, `'${location.href}' names no bucket`);
    if (!region) throw badRedirect(start, `'${location.href}' has no ?region=… parameter`);
    const prefix = location.pathname.replace(/^\/+|\/+$/g, "");
    const { headers: _sentOnlyToHttpTargets, ...s3Options } = backendOptions(options);
    return httpStorage(
      `https://${bucket}.s3.${region}.amazonaws.com${prefix ? `/${prefix}` : ""}`,
      s3Options,
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

function backendOptions(options: RedirectStorageOptions): HttpStorageOptions {
  const { allowLinkLocal: _onlyForRedirects, maxRedirects: _alsoOnly, ...http } = options;
  return http;
}

/** Follows redirects from `url` and returns the backend they lead to. */
export async function resolveRedirect(
  url: string,
  options: RedirectStorageOptions = {},
  signal?: AbortSignal,
): Promise<Storage> {
  const fetchFn: FetchLike = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const max = options.maxRedirects ?? 10;
  const policy = resolveRequestPolicy(options);
  const http = (target: string) => {
    checkTarget(url, new URL(target), options);
    return httpStorage(target, backendOptions(options));
  };
  const lookup = (current: string, redirect: RequestRedirect) =>
    requestWithRetries(
      fetchFn,
      policy,
      {
        operation: "redirect",
        path: url,
        url: current,
        init: { redirect, headers: options.headers ?? {} },
        signal,
      },
      async (res) => {
        discardBody(res);
        return res;
      },
    );
  let current = url;
  for (let hop = 0; hop <= max; hop++) {
    throwIfAborted(signal);
    const res = await lookup(current, "manual");
    if (res.type === "opaqueredirect") {
      // Browsers hide Location from manual redirects: let them follow and look at the final URL.
      const followed = await lookup(current, "follow");
      if (!followed.redirected || !followed.url)
        throw badRedirect(url, "the browser did not expose the redirect target");
      return http(followed.url);
    }
    if (res.status >= 300 && res.status < 400) {
      const loc = res.headers.get("location");
      if (!loc) throw badRedirect(url, `HTTP ${res.status} from ${current} has no Location header`);
      let next: URL;
      try {
        next = new URL(loc, current);
      } catch (cause) {
        throw new UnsafeRedirectError(
          url,
          loc,
          `the Location is not a valid URL (${String(cause)})`,
        );
      }
      const backend = backendFor(next, options, url);
      if (backend) return backend;
      current = next.href;
      continue;
    }
    // Not a redirect. If we got here through redirects, this plain http(s) URL is the repository
    // (its base URL itself is usually not an object, so any status is fine).
    if (res.redirected && res.url && res.url !== url) return http(res.url);
    if (current !== url) return http(current);
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
  let settings: StorageSettings | undefined;
  let effective = options;
  const resolveOnce = async (signal?: AbortSignal): Promise<Storage> => {
    if (target === undefined) {
      // The lookup is shared, so it is not tied to the first caller's signal.
      const p = resolveRedirect(url, effective).then((backend) => {
        if (settings) backend.applySettings?.(settings);
        return backend;
      });
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
    applySettings(s: StorageSettings): string[] {
      const { options: fromSettings, unapplied } = httpSettingsOptions(s);
      settings = s;
      // the repository's settings win over the constructor's options, field by field
      effective = {
        ...options,
        ...fromSettings,
        retries: { ...options.retries, ...fromSettings.retries },
      };
      target = undefined;
      return unapplied;
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
