/**
 * @module storage/wrappers
 * Storage decorators for tests and benchmarks: request counting per operation and key prefix,
 * and artificial latency.
 */
import { throwIfAborted } from "../errors.js";
import { delay } from "../util/time.js";
import type { Storage, StorageCallOptions } from "./types.js";

/** The storage operations, as counted by {@link withCounting}. */
export type StorageOperation =
  | "get"
  | "getIfModified"
  | "put"
  | "copy"
  | "list"
  | "delete"
  | "lastModified";

/** Request counts of a {@link CountingStorage}. */
export interface RequestCounts {
  total: number;
  /** e.g. `{ get: 3, put: 1 }` */
  byOperation: Partial<Record<StorageOperation, number>>;
  /** By first key segment, e.g. `{ snapshots: 2, repo: 1 }` (list counts its prefix). */
  byPrefix: Record<string, number>;
  /** By `<operation> <first segment>`, e.g. `{ "get snapshots": 2 }`. */
  byOperationAndPrefix: Record<string, number>;
}

/** A Storage that counts the calls made to it. */
export interface CountingStorage extends Storage {
  readonly counts: RequestCounts;
  /** Count for an operation and/or first key segment (both optional). */
  count(filter?: { operation?: StorageOperation; prefix?: string }): number;
  /** Sets every counter back to zero. */
  reset(): void;
  /** The wrapped storage. */
  readonly inner: Storage;
}

const firstSegment = (key: string) => key.replace(/^\/+/, "").split("/")[0] ?? "";

/** Wraps `storage`, counting every request per operation and first key segment. */
export function withCounting(storage: Storage): CountingStorage {
  const counts: RequestCounts = {
    total: 0,
    byOperation: {},
    byPrefix: {},
    byOperationAndPrefix: {},
  };
  const bump = (op: StorageOperation, key: string) => {
    const seg = firstSegment(key);
    counts.total += 1;
    counts.byOperation[op] = (counts.byOperation[op] ?? 0) + 1;
    counts.byPrefix[seg] = (counts.byPrefix[seg] ?? 0) + 1;
    const both = `${op} ${seg}`;
    counts.byOperationAndPrefix[both] = (counts.byOperationAndPrefix[both] ?? 0) + 1;
  };
  const wrapped: CountingStorage = {
    description: storage.description,
    canWrite: storage.canWrite,
    inner: storage,
    counts,
    count(filter = {}) {
      const { operation, prefix } = filter;
      if (operation && prefix !== undefined)
        return counts.byOperationAndPrefix[`${operation} ${prefix}`] ?? 0;
      if (operation) return counts.byOperation[operation] ?? 0;
      if (prefix !== undefined) return counts.byPrefix[prefix] ?? 0;
      return counts.total;
    },
    reset() {
      counts.total = 0;
      counts.byOperation = {};
      counts.byPrefix = {};
      counts.byOperationAndPrefix = {};
    },
    get(key, options) {
      bump("get", key);
      return storage.get(key, options);
    },
    put(key, data, options) {
      bump("put", key);
      return storage.put(key, data, options);
    },
    copy(from, to, options) {
      bump("copy", to);
      return storage.copy(from, to, options);
    },
    list(prefix, options) {
      bump("list", prefix);
      return storage.list(prefix, options);
    },
    delete(keys, options) {
      // One count per key (a batch delete names many objects).
      for (const k of keys) bump("delete", k);
      return storage.delete(keys, options);
    },
    lastModified(key, options) {
      bump("lastModified", key);
      return storage.lastModified(key, options);
    },
  };
  if (storage.applySettings) wrapped.applySettings = storage.applySettings.bind(storage);
  if (storage.getIfModified) {
    const inner = storage.getIfModified.bind(storage);
    wrapped.getIfModified = (key, version, options) => {
      bump("getIfModified", key);
      return inner(key, version, options);
    };
  }
  return wrapped;
}

/** Wraps `storage` so every request first waits `ms` milliseconds (abortable). */
export function withLatency(storage: Storage, ms: number): Storage {
  const wait = (options?: StorageCallOptions) => {
    throwIfAborted(options?.signal);
    return delay(ms, options?.signal);
  };
  const wrapped: Storage = {
    description: `${storage.description} (+${ms} ms)`,
    canWrite: storage.canWrite,
    async get(key, options) {
      await wait(options);
      return storage.get(key, options);
    },
    async put(key, data, options) {
      await wait(options);
      return storage.put(key, data, options);
    },
    async copy(from, to, options) {
      await wait(options);
      return storage.copy(from, to, options);
    },
    async *list(prefix, options) {
      await wait(options);
      yield* storage.list(prefix, options);
    },
    async delete(keys, options) {
      await wait(options);
      return storage.delete(keys, options);
    },
    async lastModified(key, options) {
      await wait(options);
      return storage.lastModified(key, options);
    },
  };
  if (storage.applySettings) wrapped.applySettings = storage.applySettings.bind(storage);
  if (storage.getIfModified) {
    const inner = storage.getIfModified.bind(storage);
    wrapped.getIfModified = async (key, version, options) => {
      await wait(options);
      return inner(key, version, options);
    };
  }
  return wrapped;
}
