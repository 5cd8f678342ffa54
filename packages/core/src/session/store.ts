/**
 * @module session/store
 * The Zarr key-value store of a session (upstream `store.rs`): `get`/`getRange`/`exists`/`getsize`
 * and listings over `zarr.json` and chunk keys, plus writes for writable sessions. Keys have no
 * leading slash (`zarr.json`, `group/array/zarr.json`, `group/array/c/0/1`); a leading slash is
 * accepted, so zarrita's absolute keys work too. Missing keys resolve `undefined`.
 */
import type { ByteRange } from "../storage/types.js";
import { chunkKey, isUnder, metadataKey, parseKey, prefixToPath } from "./keys.js";
import {
  type ArrayNode,
  chunkCoordinates,
  getChunkRef,
  getNode,
  listNodes,
  payloadLength,
  type ReadContext,
  readPayload,
  resolveRange,
} from "./read.js";

export interface StoreCallOptions {
  signal?: AbortSignal;
}

export interface StoreGetOptions extends StoreCallOptions {
  range?: ByteRange;
}

/** Where a store gets its current read context and write operations (the session). */
export interface StoreHost {
  readContext(): ReadContext;
}

export class SessionStore {
  constructor(protected readonly host: StoreHost) {}

  /** Bytes of a key, or undefined when absent. */
  async get(key: string, options: StoreGetOptions = {}): Promise<Uint8Array | undefined> {
    const parsed = parseKey(key);
    const ctx = this.host.readContext();
    if (parsed.kind === "zarr-v2") return undefined;
    const node = getNode(ctx, parsed.path);
    if (!node) return undefined;
    if (parsed.kind === "metadata") {
      const [start, end] = resolveRange(key, node.userData.length, options.range);
      return node.userData.slice(start, end);
    }
    if (node.kind !== "array") return undefined;
    const payload = await getChunkRef(ctx, node, parsed.coords, options.signal);
    if (!payload) return undefined;
    return readPayload(ctx, key, payload, options.range, options.signal);
  }

  /** zarrita's `getRange`: `{ offset, length }` or `{ suffixLength }`. */
  getRange(key: string, range: ByteRange, options: StoreCallOptions = {}): Promise<Uint8Array | undefined> {
    return this.get(key, { ...options, range });
  }

  async exists(key: string, options: StoreCallOptions = {}): Promise<boolean> {
    const parsed = parseKey(key);
    if (parsed.kind === "zarr-v2") return false;
    const ctx = this.host.readContext();
    const node = getNode(ctx, parsed.path);
    if (!node) return false;
    if (parsed.kind === "metadata") return true;
    return node.kind === "array" && (await getChunkRef(ctx, node, parsed.coords, options.signal)) !== undefined;
  }

  /** Size in bytes: metadata length, chunk length, 0 for an absent chunk (as upstream). */
  async getsize(key: string, options: StoreCallOptions = {}): Promise<number> {
    const parsed = parseKey(key);
    if (parsed.kind === "zarr-v2") return 0;
    const ctx = this.host.readContext();
    const node = getNode(ctx, parsed.path);
    if (!node) return 0;
    if (parsed.kind === "metadata") return node.userData.length;
    if (node.kind !== "array") return 0;
    const p = await getChunkRef(ctx, node, parsed.coords, options.signal);
    return p ? payloadLength(p) : 0;
  }

  /** Every key: metadata keys of all nodes, then chunk keys of all arrays. */
  list(options: StoreCallOptions = {}): Promise<string[]> {
    return this.listPrefix("", options);
  }

  /** Keys under a prefix (matched by path components: `a` does not match `ab`). */
  async listPrefix(prefix: string, options: StoreCallOptions = {}): Promise<string[]> {
    const ctx = this.host.readContext();
    const path = prefixToPath(prefix);
    const nodes = listNodes(ctx, path);
    const keys = nodes.map((n) => metadataKey(n.path));
    for (const n of nodes) {
      if (n.kind !== "array") continue;
      for (const coords of await chunkCoordinates(ctx, n, options.signal)) keys.push(chunkKey(n.path, coords));
    }
    if (nodes.length === 0) {
      // a prefix inside an array's chunk space (`arr/c/0`)
      const inner = await this.#chunkKeysUnderPrefix(ctx, prefix, options.signal);
      keys.push(...inner);
    }
    return keys;
  }

  async #chunkKeysUnderPrefix(ctx: ReadContext, prefix: string, signal?: AbortSignal): Promise<string[]> {
    const trimmed = prefix.replace(/^\/+|\/+$/g, "");
    const segs = trimmed.split("/");
    const ci = segs.lastIndexOf("c");
    if (ci < 0) return [];
    const node = getNode(ctx, prefixToPath(segs.slice(0, ci).join("/")));
    if (!node || node.kind !== "array") return [];
    const want = `${trimmed}/`;
    return (await chunkCoordinates(ctx, node, signal))
      .map((c) => chunkKey(node.path, c))
      .filter((k) => k === trimmed || k.startsWith(want));
  }

  /** Direct children of a prefix: `zarr.json`, child node names, or the next chunk-key component. */
  async listDir(prefix: string, options: StoreCallOptions = {}): Promise<string[]> {
    const ctx = this.host.readContext();
    const path = prefixToPath(prefix);
    const node = getNode(ctx, path);
    if (node?.kind === "array") return ["zarr.json", "c"];
    const out = new Set<string>();
    if (node) out.add("zarr.json");
    const depth = path === "/" ? 1 : path.split("/").length;
    for (const n of listNodes(ctx, path)) {
      if (n.path === path) continue;
      const segs = n.path.split("/");
      if (segs.length === depth + 1 && isUnder(n.path, path)) out.add(segs[depth]!);
    }
    if (!node && out.size === 0) {
      const trimmed = prefix.replace(/^\/+|\/+$/g, "");
      for (const k of await this.#chunkKeysUnderPrefix(ctx, trimmed, options.signal)) {
        const rest = k.slice(trimmed.length + 1);
        if (rest !== "") out.add(rest.split("/")[0]!);
      }
    }
    return [...out];
  }

  /** Chunk coordinates of one array (for iteration without listing keys). */
  async chunkCoordinates(arrayPath: string, options: StoreCallOptions = {}): Promise<number[][]> {
    const ctx = this.host.readContext();
    const node = getNode(ctx, prefixToPath(arrayPath));
    if (!node || node.kind !== "array") return [];
    return chunkCoordinates(ctx, node as ArrayNode, options.signal);
  }
}
