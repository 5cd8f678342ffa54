/**
 * @module virtual/resolver
 * Resolves and fetches virtual chunks: expands `vcc://<container>/<path>` references, finds the
 * virtual chunk container with the longest matching URL prefix, enforces the caller's explicit
 * authorization (as upstream's `authorize_virtual_chunk_access`), and fetches the byte range through
 * a fetcher chosen by URL scheme, with the stored ETag / last-modified checked by the server.
 */
import {
  UnauthorizedVirtualChunkContainerError,
  VirtualChunkContainerNotFoundError,
  VirtualChunkFetchError,
  VirtualChunkModifiedError,
} from "../errors.js";
import type { ChunkChecksum } from "../format/manifest.js";
import type { VirtualChunkContainer } from "../repo/config.js";

/** Reads a byte range of an external object. Must throw VirtualChunkModifiedError when the checksum does not hold. */
export interface VirtualChunkFetcher {
  fetchRange(
    url: string,
    range: { offset: number; length: number },
    options: {
      checksum?: ChunkChecksum;
      container: VirtualChunkContainer;
      credentials: unknown;
      signal?: AbortSignal;
    },
  ): Promise<Uint8Array>;
}

/** Credentials per container URL prefix; `null` means anonymous / environment. Never persisted. */
export type VirtualChunkAuthorization = Record<string, unknown>;

export class VirtualChunkResolver {
  readonly #containers: VirtualChunkContainer[];

  constructor(
    containers: Record<string, VirtualChunkContainer> | undefined,
    readonly authorization: VirtualChunkAuthorization,
    readonly fetchers: Record<string, VirtualChunkFetcher>,
  ) {
    this.#containers = Object.values(containers ?? {}).sort(
      (a, b) => b.urlPrefix.length - a.urlPrefix.length,
    );
  }

  /** Absolute URL of a stored location (expands `vcc://name/...`). */
  resolveLocation(location: string): string {
    if (!location.startsWith("vcc://")) return location;
    const rest = location.slice(6);
    const slash = rest.indexOf("/");
    const name = slash < 0 ? rest : rest.slice(0, slash);
    const container = this.#containers.find((c) => c.name === name);
    if (!container) throw new VirtualChunkContainerNotFoundError(location);
    return container.urlPrefix + (slash < 0 ? "" : rest.slice(slash + 1));
  }

  /** The container whose prefix is the longest match of the URL. */
  matchingContainer(url: string): VirtualChunkContainer | undefined {
    return this.#containers.find((c) => url.startsWith(c.urlPrefix));
  }

  /** @throws {VirtualChunkContainerNotFoundError} when no container matches */
  matchingContainerOrThrow(url: string): VirtualChunkContainer {
    const c = this.matchingContainer(url);
    if (!c) throw new VirtualChunkContainerNotFoundError(url);
    return c;
  }

  async fetch(
    location: string,
    offset: number,
    length: number,
    checksum: ChunkChecksum | undefined,
    signal?: AbortSignal,
  ): Promise<Uint8Array> {
    const url = this.resolveLocation(location);
    const container = this.matchingContainer(url);
    if (!container) throw new VirtualChunkContainerNotFoundError(url);
    if (!Object.hasOwn(this.authorization, container.urlPrefix))
      throw new UnauthorizedVirtualChunkContainerError(container.urlPrefix, url);
    const scheme = url.slice(0, url.indexOf(":")).toLowerCase();
    if (scheme !== "file" && hasDotSegment(url))
      throw new VirtualChunkFetchError(
        url,
        "the location has '.' or '..' path segments, which URL normalization would resolve outside its container; store the normalized location",
      );
    const fetcher = this.fetchers[scheme];
    if (!fetcher)
      throw new VirtualChunkFetchError(
        url,
        `no fetcher for '${scheme}://' URLs; pass one in Repository.open({ virtualChunkFetchers: { ${scheme}: … } })` +
          (scheme === "file"
            ? " (Node: fileVirtualChunkFetcher() from '@icechunk-ts/core/fs')"
            : ""),
      );
    const bytes = await fetcher.fetchRange(
      url,
      { offset, length },
      {
        container,
        credentials: this.authorization[container.urlPrefix],
        signal,
        ...(checksum ? { checksum } : {}),
      },
    );
    if (bytes.length !== length)
      throw new VirtualChunkFetchError(
        url,
        `expected ${length} bytes at offset ${offset}, got ${bytes.length}`,
      );
    return bytes;
  }
}

/** HTTP date for If-Unmodified-Since from a seconds timestamp. */
export function httpDate(seconds: number): string {
  return new Date(seconds * 1000).toUTCString();
}

/** Fetcher for `http://` and `https://` virtual chunks over `fetch` (works in browsers). */
export function httpVirtualChunkFetcher(
  options: { fetch?: typeof fetch; headers?: Record<string, string> } = {},
): VirtualChunkFetcher {
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  return {
    async fetchRange(url, { offset, length }, { checksum, signal }) {
      const headers: Record<string, string> = {
        ...options.headers,
        Range: `bytes=${offset}-${offset + length - 1}`,
      };
      if (checksum && "etag" in checksum)
        headers["If-Match"] = checksum.etag.startsWith('"') ? checksum.etag : `"${checksum.etag}"`;
      else if (checksum) headers["If-Unmodified-Since"] = httpDate(checksum.lastModified);
      let res: Response;
      try {
        res = await doFetch(url, { headers, ...(signal ? { signal } : {}) });
      } catch (cause) {
        if (signal?.aborted) throw cause;
        throw new VirtualChunkFetchError(
          url,
          "network error (or the server blocks cross-origin requests)",
          { cause },
        );
      }
      if (res.status === 412)
        throw new VirtualChunkModifiedError(url, "the server answered 412 Precondition Failed");
      if (res.status === 206) return new Uint8Array(await res.arrayBuffer());
      if (res.status === 200) {
        const all = new Uint8Array(await res.arrayBuffer());
        return all.subarray(offset, offset + length);
      }
      throw new VirtualChunkFetchError(url, `HTTP ${res.status} ${res.statusText}`);
    },
  };
}

/** True when the path of `url` has a `.` or `..` segment (also percent-encoded). */
export function hasDotSegment(url: string): boolean {
  const afterScheme = url.indexOf("://");
  const pathStart = url.indexOf("/", afterScheme < 0 ? 0 : afterScheme + 3);
  if (pathStart < 0) return false;
  const end = url.search(/[?#]/);
  const path = url.slice(pathStart, end < 0 ? undefined : end);
  return path.split("/").some((seg) => {
    const s = seg.replace(/%2e/gi, ".");
    return s === "." || s === "..";
  });
}
