/**
 * @module session/store
 * The Zarr key-value store of a session (upstream `store.rs`): `get`/`getRange`/`exists`/`getsize`
 * and listings over `zarr.json` and chunk keys, plus writes for writable sessions. Keys have no
 * leading slash (`zarr.json`, `group/array/zarr.json`, `group/array/c/0/1`); a leading slash is
 * accepted, so zarrita's absolute keys work too. Missing keys resolve `undefined`.
 */
import { installRepr } from "../display/repr.js";
import { storeFields } from "../display/reprs.js";
import {
  AbortError,
  InvalidKeyError,
  NodeNotFoundError,
  ReadOnlySessionError,
  throwIfAborted,
  UnimplementedStoreMethodError,
  VirtualChunkContainerNotFoundError,
} from "../errors.js";
import type { ChunkPayload } from "../format/manifest.js";
import type { ByteRange } from "../storage/types.js";
import { bytesEqual } from "../util/bytes.js";
import { mapConcurrent } from "../util/concurrency.js";
import { checkVirtualRange } from "../virtual/resolver.js";
import { chunkKey, isUnder, metadataKey, parseKey, prefixToPath } from "./keys.js";
import {
  type ArrayNode,
  chunkCoordinates,
  getChunkRef,
  getNode,
  isValidCoord,
  listNodes,
  payloadLength,
  type ReadContext,
  readPayload,
  resolveRange,
} from "./read.js";
import type { Session } from "./session.js";
import {
  deleteChunk,
  deleteNode,
  setChunk,
  setChunkRef,
  setMetadata,
  type WriteContext,
} from "./write.js";

/** Options of every store call: `signal` aborts it. */
export interface StoreCallOptions {
  signal?: AbortSignal;
}

/** Options of `store.get`: an optional byte range of the value. */
export interface StoreGetOptions extends StoreCallOptions {
  range?: ByteRange;
}

/** Where a store gets its current read context and write operations (the session; internal). */
export interface StoreHost {
  readContext(): ReadContext;
  /** @throws {ReadOnlySessionError} for read-only sessions */
  writeContext(operation: string): WriteContext;
  /** The session: its mode, read-only state, config and repr fields. */
  readonly session: Session;
}

/** One request of `getPartialValues`: a key and, optionally, a byte range of its value. */
export type KeyRange = readonly [key: string, range?: ByteRange];

/** Upstream's default `get_partial_values_concurrency`. */
const DEFAULT_PARTIAL_VALUES_CONCURRENCY = 10;

/** A virtual chunk reference for `setVirtualRef(s)`. */
export interface VirtualRefSpec {
  location: string;
  offset: number;
  length: number;
  /** The object's ETag, checked on every read. */
  etag?: string;
  /** The object's last-modified time (seconds precision), checked on every read. */
  lastModified?: Date;
}

let construct: (host: StoreHost) => SessionStore;
let hostOf: (store: SessionStore) => StoreHost;

/** Internal: the store of a session (`session.store`); not exported from the package. */
export function newSessionStore(host: StoreHost): SessionStore {
  return construct(host);
}

/** A chunk key of a group: upstream's reads fail ("not an array") rather than answer "absent". */
function groupChunk(path: string): NodeNotFoundError {
  return new NodeNotFoundError(path, "it is a group, and only arrays have chunk keys");
}

/**
 * The Zarr key-value view of a session (`session.store`): `zarr.json` documents and chunks under
 * keys such as `group/array/c/0/1`, read (and, for writable sessions, written) through the
 * session's snapshot, manifests and change set. zarrita reads it through `IcechunkStore`.
 * @example
 * const session = await repo.readonlySession("main");
 * const meta = await session.store.get("temperature/zarr.json");
 * const chunk = await session.store.get("temperature/c/0/0");
 * const keys = await session.store.listPrefix("temperature/");
 */
export class SessionStore {
  static {
    construct = (host) => new SessionStore(host);
    hostOf = (store) => store.#host;
  }

  readonly #host: StoreHost;

  private constructor(host: StoreHost) {
    this.#host = host;
  }

  /** As the official binding's store: this store type supports writes (`readOnly` says whether this one takes them). */
  get supportsWrites(): boolean {
    return true;
  }
  /** As the official binding's store: keys can be deleted (`readOnly` says whether this one takes deletes). */
  get supportsDeletes(): boolean {
    return true;
  }
  /** As the official binding's store: keys can be listed (always true). */
  get supportsListing(): boolean {
    return true;
  }
  /** False, as upstream: partial writes (`setPartialValues`) are not implemented by Icechunk. */
  get supportsPartialWrites(): boolean {
    return false;
  }
  /** True when the session is read-only (writes and deletes throw ReadOnlySessionError). */
  get readOnly(): boolean {
    return this.#host.session.readOnly;
  }
  /** The session this store reads and writes through. */
  get session(): Session {
    return this.#host.session;
  }

  /** Bytes of a key, or undefined when absent. */
  async get(key: string, options: StoreGetOptions = {}): Promise<Uint8Array | undefined> {
    throwIfAborted(options.signal);
    const parsed = parseKey(key);
    const ctx = this.#host.readContext();
    if (parsed.kind === "zarr-v2") return undefined;
    const node = getNode(ctx, parsed.path);
    if (!node) return undefined;
    if (parsed.kind === "metadata") {
      const [start, end] = resolveRange(key, node.userData.length, options.range, "metadata");
      return node.userData.slice(start, end);
    }
    if (node.kind !== "array") throw groupChunk(node.path);
    const payload = await getChunkRef(ctx, node, parsed.coords, options.signal);
    if (!payload) return undefined;
    return readPayload(ctx, key, payload, options.range, options.signal);
  }

  /** zarrita's `getRange`: `{ offset, length }` or `{ suffixLength }`. */
  getRange(
    key: string,
    range: ByteRange,
    options: StoreCallOptions = {},
  ): Promise<Uint8Array | undefined> {
    return this.get(key, { ...options, range });
  }

  /**
   * Many reads at once (upstream `get_partial_values`, what Zarr's sharding codec uses): a value
   * (or the byte range of it) per `[key, range]`, in request order; a key may repeat with other
   * ranges. As upstream, a request that fails (a missing key, an invalid key, a range outside the
   * value, a storage error) yields `undefined` in its place instead of failing the call; only an
   * abort rejects. At most the repository config's `getPartialValuesConcurrency` (default 10)
   * reads run at once.
   * @throws {AbortError} when `signal` aborts
   */
  async getPartialValues(
    keyRanges: Iterable<KeyRange>,
    options: StoreCallOptions = {},
  ): Promise<Array<Uint8Array | undefined>> {
    const { signal } = options;
    throwIfAborted(signal);
    const requests = [...keyRanges];
    const limit =
      this.#host.session.config.getPartialValuesConcurrency ?? DEFAULT_PARTIAL_VALUES_CONCURRENCY;
    return mapConcurrent(requests, Math.max(1, limit), async ([key, range]) => {
      try {
        return await this.get(key, range === undefined ? { signal } : { signal, range });
      } catch (e) {
        if (e instanceof AbortError || signal?.aborted) throw e;
        return undefined;
      }
    });
  }

  /** True when the key holds a value (a `zarr.json` or a chunk). */
  async exists(key: string, options: StoreCallOptions = {}): Promise<boolean> {
    throwIfAborted(options.signal);
    const parsed = parseKey(key);
    if (parsed.kind === "zarr-v2") return false;
    const ctx = this.#host.readContext();
    const node = getNode(ctx, parsed.path);
    if (!node) return false;
    if (parsed.kind === "metadata") return true;
    if (node.kind !== "array") throw groupChunk(node.path);
    return (await getChunkRef(ctx, node, parsed.coords, options.signal)) !== undefined;
  }

  /** Size in bytes: metadata length, chunk length, 0 for an absent chunk (as upstream). */
  async getsize(key: string, options: StoreCallOptions = {}): Promise<number> {
    throwIfAborted(options.signal);
    const parsed = parseKey(key);
    if (parsed.kind === "zarr-v2") return 0;
    const ctx = this.#host.readContext();
    const node = getNode(ctx, parsed.path);
    if (!node) return 0;
    if (parsed.kind === "metadata") return node.userData.length;
    if (node.kind !== "array") throw groupChunk(node.path);
    const p = await getChunkRef(ctx, node, parsed.coords, options.signal);
    return p ? payloadLength(p) : 0;
  }

  /** Every key: metadata keys of all nodes, then chunk keys of all arrays. */
  list(options: StoreCallOptions = {}): Promise<string[]> {
    return this.listPrefix("", options);
  }

  /**
   * Keys under a prefix: the metadata and chunk keys of the node it names and of every node below.
   * As upstream, the prefix must be the root or name a group or array.
   * @throws {InvalidKeyError} for any other prefix (list a chunk-key prefix with `listDir`).
   */
  async listPrefix(prefix: string, options: StoreCallOptions = {}): Promise<string[]> {
    throwIfAborted(options.signal);
    const ctx = this.#host.readContext();
    const path = this.#nodePrefix(ctx, prefix);
    const nodes = listNodes(ctx, path);
    const keys = nodes.map((n) => metadataKey(n.path));
    // as upstream, the chunks of an array prefix are its own (not those of nodes nested in it);
    // the root lists every array's chunks, even when the root is an array
    const arrayPrefix = path !== "/" && getNode(ctx, path)?.kind === "array";
    for (const n of nodes) {
      if (n.kind !== "array" || (arrayPrefix && n.path !== path)) continue;
      for (const coords of await chunkCoordinates(ctx, n, options.signal))
        keys.push(chunkKey(n.path, coords));
    }
    return keys;
  }

  /** The node path of a listing prefix that is the root or names a node (upstream `BadKeyPrefix`). */
  #nodePrefix(ctx: ReadContext, prefix: string): string {
    const path = prefixToPath(prefix);
    if (path !== "/" && !getNode(ctx, path))
      throw new InvalidKeyError(
        prefix,
        "only prefixes pointing to a group or array (or the root) are allowed; list the keys of a chunk-key prefix with listDir",
      );
    return path;
  }

  async #chunkKeysUnderPrefix(
    ctx: ReadContext,
    prefix: string,
    signal?: AbortSignal,
  ): Promise<string[]> {
    const trimmed = prefix.replace(/^\/+|\/+$/g, "");
    const segs = trimmed.split("/");
    const ci = segs.lastIndexOf("c");
    if (ci < 0) return [];
    const node = getNode(ctx, prefixToPath(segs.slice(0, ci).join("/")));
    if (node?.kind !== "array") return [];
    const want = `${trimmed}/`;
    return (await chunkCoordinates(ctx, node, signal))
      .map((c) => chunkKey(node.path, c))
      .filter((k) => k === trimmed || k.startsWith(want));
  }

  /** Direct children of a prefix: `zarr.json`, child node names, or the next chunk-key component. */
  async listDir(prefix: string, options: StoreCallOptions = {}): Promise<string[]> {
    throwIfAborted(options.signal);
    const ctx = this.#host.readContext();
    const path = prefixToPath(prefix);
    const node = getNode(ctx, path);
    if (node?.kind === "array") return ["zarr.json", "c"];
    const out = new Set<string>();
    if (node) {
      // a group: its own metadata and its children's names
      out.add("zarr.json");
      const depth = path === "/" ? 1 : path.split("/").length;
      for (const n of listNodes(ctx, path)) {
        if (n.path === path) continue;
        const segs = n.path.split("/");
        if (segs.length === depth + 1 && isUnder(n.path, path)) out.add(segs[depth]!);
      }
    } else {
      // no node here (upstream lists nothing, even when nodes lie below): a prefix inside an
      // ancestor array's chunk space, or nothing. As upstream, a name that is both a chunk key
      // and a prefix of longer ones (after a change of rank: `c/1` and `c/1/1`) is listed twice
      const trimmed = prefix.replace(/^\/+|\/+$/g, "");
      const prefixes = new Set<string>();
      for (const k of await this.#chunkKeysUnderPrefix(ctx, trimmed, options.signal)) {
        const rest = k.slice(trimmed.length + 1);
        const slash = rest.indexOf("/");
        if (rest === "") continue;
        if (slash < 0) out.add(rest);
        else prefixes.add(rest.slice(0, slash));
      }
      return [...out, ...prefixes];
    }
    return [...out];
  }

  /** True when nothing lies under the prefix (upstream: `listDir` yields nothing). */
  async isEmpty(prefix: string, options: StoreCallOptions = {}): Promise<boolean> {
    return (await this.listDir(prefix, options)).length === 0;
  }

  /**
   * Total size in bytes of every key under the prefix (metadata documents and chunks, as
   * `getsize`). As upstream, the prefix must be the root or name a group or array.
   * @throws {InvalidKeyError} for any other prefix.
   */
  async getsizePrefix(prefix: string, options: StoreCallOptions = {}): Promise<number> {
    let total = 0;
    for (const key of await this.listPrefix(prefix, options))
      total += await this.getsize(key, options);
    return total;
  }

  /** Chunk coordinates of one array (for iteration without listing keys). */
  async chunkCoordinates(arrayPath: string, options: StoreCallOptions = {}): Promise<number[][]> {
    const ctx = this.#host.readContext();
    const node = getNode(ctx, prefixToPath(arrayPath));
    if (node?.kind !== "array") return [];
    return chunkCoordinates(ctx, node as ArrayNode, options.signal);
  }

  // ------------------------------------------------------------------------------------ writes

  /** Writes `zarr.json` (creates or updates a group or array) or a chunk. */
  async set(key: string, value: Uint8Array, options: StoreCallOptions = {}): Promise<void> {
    throwIfAborted(options.signal);
    const parsed = parseKey(key);
    // as upstream, re-setting a node's identical zarr.json changes nothing, so any session that
    // may write (a rearrange session too) accepts it
    if (parsed.kind === "metadata" && this.#host.session.mode !== "readonly") {
      const existing = getNode(this.#host.readContext(), parsed.path);
      if (existing && bytesEqual(existing.userData, value)) return;
    }
    const ctx = this.#host.writeContext("write");
    if (parsed.kind === "zarr-v2")
      throw new InvalidKeyError(
        key,
        "Zarr v2 metadata cannot be stored in Icechunk; write Zarr v3 (zarr.json)",
      );
    if (parsed.kind === "metadata") return setMetadata(ctx, key, parsed.path, value);
    await setChunk(ctx, parsed.path, parsed.coords, value, options.signal);
  }

  /** Writes only when the key does not exist yet. */
  async setIfNotExists(
    key: string,
    value: Uint8Array,
    options: StoreCallOptions = {},
  ): Promise<void> {
    this.#host.writeContext("write");
    if (!(await this.exists(key, options))) await this.set(key, value, options);
  }

  /**
   * Upstream's `set_partial_values`, refused as upstream refuses it: Icechunk does not write parts
   * of values (Zarr no longer uses partial writes). Nothing is changed.
   * @throws {ReadOnlySessionError} for read-only sessions (checked first, as upstream)
   * @throws {UnimplementedStoreMethodError} otherwise; write whole values with `set`
   */
  async setPartialValues(
    _keyStartValues: Iterable<readonly [key: string, start: number, value: Uint8Array]>,
    options: StoreCallOptions = {},
  ): Promise<never> {
    throwIfAborted(options.signal);
    if (this.#host.session.readOnly) throw new ReadOnlySessionError("set partial values");
    throw new UnimplementedStoreMethodError("setPartialValues", "write whole values with set()");
  }

  /**
   * Deletes a node (metadata key; a group recursively) or a chunk. As upstream, a key that cannot
   * exist (no such node, not an array, coordinates outside the grid, Zarr v2 keys) is a no-op in
   * every session, read-only and rearrange ones included.
   * @throws {ReadOnlySessionError} / {SessionModeError} when the key could exist and the session cannot delete
   */
  async delete(key: string, options: StoreCallOptions = {}): Promise<void> {
    throwIfAborted(options.signal);
    const parsed = parseKey(key);
    if (parsed.kind === "zarr-v2") return;
    const node = getNode(this.#host.readContext(), parsed.path);
    if (!node) return;
    if (
      parsed.kind === "chunk" &&
      (node.kind !== "array" || !isValidCoord(node.shape, parsed.coords))
    )
      return;
    const ctx = this.#host.writeContext("delete");
    if (parsed.kind === "metadata") deleteNode(ctx, parsed.path);
    else deleteChunk(ctx, parsed.path, parsed.coords);
  }

  /** Deletes everything under a prefix: a node, or the chunks under a prefix of an array's chunk space. */
  async deleteDir(prefix: string, options: StoreCallOptions = {}): Promise<void> {
    const ctx = this.#host.writeContext("delete");
    const path = prefixToPath(prefix);
    if (getNode(ctx, path)) return deleteNode(ctx, path);
    for (const k of await this.#chunkKeysUnderPrefix(ctx, prefix, options.signal)) {
      const parsed = parseKey(k);
      if (parsed.kind === "chunk") deleteChunk(ctx, parsed.path, parsed.coords);
    }
  }

  /** Deletes every node. */
  async clear(options: StoreCallOptions = {}): Promise<void> {
    await this.deleteDir("", options);
  }

  /**
   * Points a chunk key at `length` bytes at `offset` of an external object. With `etag` or
   * `lastModified`, every read checks the object is unchanged (else VirtualChunkModifiedError).
   * @throws {VirtualChunkContainerNotFoundError} when no container matches (unless `validateContainer: false`)
   */
  async setVirtualRef(
    key: string,
    location: string,
    offset: number,
    length: number,
    options: { etag?: string; lastModified?: Date; validateContainer?: boolean } = {},
  ): Promise<void> {
    const parsed = parseKey(key);
    const ctx = this.#host.writeContext("set a virtual ref");
    if (parsed.kind !== "chunk")
      throw new InvalidKeyError(key, "virtual refs can only be set on chunk keys");
    const ref: VirtualRefSpec = {
      location,
      offset,
      length,
      ...(options.etag !== undefined ? { etag: options.etag } : {}),
      ...(options.lastModified !== undefined ? { lastModified: options.lastModified } : {}),
    };
    setChunkRef(
      ctx,
      parsed.path,
      parsed.coords,
      this.#virtualPayload(ctx, ref, options.validateContainer ?? true),
    );
  }

  /**
   * Sets many virtual refs of one array. Refs whose location matches no container are skipped and
   * their coordinates returned (upstream `set_virtual_refs`); undefined when all were set.
   */
  async setVirtualRefs(
    arrayPath: string,
    refs: ReadonlyArray<VirtualRefSpec & { index: number[] }>,
    options: { validateContainers?: boolean } = {},
  ): Promise<number[][] | undefined> {
    const ctx = this.#host.writeContext("set virtual refs");
    const path = prefixToPath(arrayPath);
    const failed: number[][] = [];
    for (const ref of refs) {
      let payload: ChunkPayload;
      try {
        payload = this.#virtualPayload(ctx, ref, options.validateContainers ?? true);
      } catch (err) {
        if (!(err instanceof VirtualChunkContainerNotFoundError)) throw err;
        failed.push(ref.index);
        continue;
      }
      setChunkRef(ctx, path, ref.index, payload);
    }
    return failed.length > 0 ? failed : undefined;
  }

  #virtualPayload(ctx: WriteContext, ref: VirtualRefSpec, validate: boolean): ChunkPayload {
    checkVirtualRange(ref.offset, ref.length, ref.location);
    const url = ctx.virtual.checkedLocation(ref.location, { resolve: validate });
    if (validate) ctx.virtual.matchingContainerOrThrow(url);
    const checksum = ref.etag
      ? { etag: ref.etag }
      : ref.lastModified
        ? { lastModified: Math.floor(ref.lastModified.getTime() / 1000) }
        : undefined;
    return {
      kind: "virtual",
      location: ref.location,
      offset: ref.offset,
      length: ref.length,
      ...(checksum ? { checksum } : {}),
    };
  }
}

installRepr(SessionStore.prototype, "SessionStore", (s: SessionStore) =>
  storeFields(hostOf(s).session),
);
