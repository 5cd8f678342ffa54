/**
 * @module virtual/resolver
 * Resolves and fetches virtual chunks: expands `vcc://<container>/<path>` references, finds the
 * virtual chunk container with the longest matching URL prefix, enforces the caller's explicit
 * authorization (as upstream's `authorize_virtual_chunk_access`), and fetches the byte range through
 * a fetcher chosen by URL scheme. Locations are checked to be in normal form (virtual/location)
 * and byte ranges to be safe before anything else happens.
 */
import {
  InvalidByteRangeError,
  UnauthorizedVirtualChunkContainerError,
  VirtualChunkContainerNotFoundError,
  VirtualChunkFetchError,
} from "../errors.js";
import type { ChunkChecksum } from "../format/manifest.js";
import type { VirtualChunkContainer } from "../repo-core/config.js";
import { checkVirtualChunkLocation } from "./location.js";

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

  /**
   * The absolute, normal-form URL of a stored location (`vcc://` expanded when `resolve`, the
   * default). @throws {InvalidVirtualChunkLocationError} for any location not in normal form
   */
  checkedLocation(location: string, options: { resolve?: boolean } = {}): string {
    if (options.resolve === false && location.startsWith("vcc://")) {
      // the container name is free text; the path after it must be in normal form
      const slash = location.indexOf("/", 6);
      checkVirtualChunkLocation(`vcc://container${slash < 0 ? "" : location.slice(slash)}`);
      return location;
    }
    return checkVirtualChunkLocation(this.resolveLocation(location));
  }

  async fetch(
    location: string,
    offset: number,
    length: number,
    checksum: ChunkChecksum | undefined,
    signal?: AbortSignal,
  ): Promise<Uint8Array> {
    checkVirtualRange(offset, length, location);
    const url = this.checkedLocation(location);
    const container = this.matchingContainer(url);
    if (!container) throw new VirtualChunkContainerNotFoundError(url);
    if (!Object.hasOwn(this.authorization, container.urlPrefix))
      throw new UnauthorizedVirtualChunkContainerError(container.urlPrefix, url);
    const scheme = url.slice(0, url.indexOf(":"));
    const fetcher = Object.hasOwn(this.fetchers, scheme) ? this.fetchers[scheme] : undefined;
    if (!fetcher)
      throw new VirtualChunkFetchError(
        url,
        `no fetcher for '${scheme}://' URLs; pass one in Repository.open({ virtualChunkFetchers: { ${scheme}: … } })` +
          (scheme === "file"
            ? " (Node: fileVirtualChunkFetcher() from '@icechunk-ts/core/fs')"
            : ""),
      );
    if (length === 0) return new Uint8Array(0);
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

/**
 * Refuses a virtual chunk byte range that is not exact integer arithmetic (negative, fractional,
 * beyond 2^53 − 1 or overflowing it) before any request is made.
 */
export function checkVirtualRange(offset: number, length: number, location: string): void {
  if (
    !Number.isSafeInteger(offset) ||
    !Number.isSafeInteger(length) ||
    offset < 0 ||
    length < 0 ||
    !Number.isSafeInteger(offset + length)
  )
    throw new InvalidByteRangeError(
      location.slice(0, 300),
      `the virtual chunk byte range (offset ${offset}, length ${length}) is not a safe byte range: offset and length must be non-negative integers whose sum is below 2^53`,
    );
}
