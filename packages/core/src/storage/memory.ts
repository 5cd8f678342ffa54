/**
 * @module storage/memory
 * In-process Storage backed by a Map. Exact conditional-write semantics, fresh etag per write;
 * used by tests, examples and scratch repositories.
 */
import { StorageError, throwIfAborted } from "../errors.js";
import { checkRange, normalizePrefix, relativeToPrefix, resolveRange, validateKey } from "./key.js";
import type {
  DeleteResult,
  GetOptions,
  GetResult,
  ListEntry,
  ObjectVersion,
  PutOptions,
  PutResult,
  Storage,
  StorageCallOptions,
} from "./types.js";

interface MemoryObject {
  readonly data: Uint8Array;
  readonly etag: string;
  readonly lastModified: Date;
  readonly contentType: string | undefined;
  readonly metadata: Readonly<Record<string, string>> | undefined;
}

let etagCounter = 0;
const instanceTag = Math.floor(Math.random() * 0x7fffffff).toString(36);

/** A new etag, distinct from every etag this process handed out before. */
function nextEtag(): string {
  etagCounter += 1;
  return `mem-${instanceTag}-${etagCounter.toString(36)}`;
}

/** Options for {@link inMemoryStorage}. */
export interface InMemoryStorageOptions {
  /** Shown as `description`; default `memory`. */
  description?: string;
}

/** True when the stored object satisfies an `ifMatch` precondition. */
function matches(obj: MemoryObject | undefined, version: ObjectVersion): boolean {
  if (obj === undefined) return false;
  if (version.etag === undefined) return false;
  return obj.etag === version.etag;
}

/**
 * A Storage that keeps every object in memory. Writes are atomic with respect to each other
 * (JS is single-threaded and every operation completes synchronously after its abort check),
 * so create-if-absent and if-match races have exactly one winner.
 * @example
 * const repo = await Repository.create(inMemoryStorage());
 */
export function inMemoryStorage(options: InMemoryStorageOptions = {}): Storage {
  const objects = new Map<string, MemoryObject>();

  const store = (
    key: string,
    data: Uint8Array,
    contentType?: string,
    metadata?: Record<string, string>,
  ) => {
    const obj: MemoryObject = {
      data: data.slice(),
      etag: nextEtag(),
      lastModified: new Date(),
      contentType,
      metadata: metadata ? { ...metadata } : undefined,
    };
    objects.set(key, obj);
    return obj;
  };

  const read = (obj: MemoryObject, options?: GetOptions): GetResult => {
    const { start, end } = resolveRange(options?.range, obj.data.length);
    return { data: obj.data.slice(start, end), version: { etag: obj.etag } };
  };

  return {
    description: options.description ?? "memory",
    canWrite: true,

    async get(key: string, options?: GetOptions): Promise<GetResult | undefined> {
      throwIfAborted(options?.signal);
      validateKey(key);
      if (options?.range) checkRange(options.range, key);
      const obj = objects.get(key);
      return obj === undefined ? undefined : read(obj, options);
    },

    async getIfModified(key: string, version: ObjectVersion, options?: StorageCallOptions) {
      throwIfAborted(options?.signal);
      validateKey(key);
      const obj = objects.get(key);
      if (obj === undefined) return undefined;
      if (version.etag !== undefined && version.etag === obj.etag) return "not-modified" as const;
      return read(obj);
    },

    async put(key: string, data: Uint8Array, options?: PutOptions): Promise<PutResult> {
      throwIfAborted(options?.signal);
      validateKey(key);
      const condition = options?.condition;
      const current = objects.get(key);
      if (condition !== undefined) {
        if ("ifNoneMatch" in condition) {
          if (current !== undefined) return { kind: "version-mismatch" };
        } else if (!matches(current, condition.ifMatch)) {
          return { kind: "version-mismatch" };
        }
      }
      const obj = store(key, data, options?.contentType, options?.metadata);
      return { kind: "written", version: { etag: obj.etag } };
    },

    async copy(
      from: string,
      to: string,
      options?: StorageCallOptions & { ifMatch?: ObjectVersion },
    ) {
      throwIfAborted(options?.signal);
      validateKey(from);
      validateKey(to);
      const source = objects.get(from);
      if (source === undefined) {
        throw new StorageError("copy", from, "the source object does not exist", { status: 404 });
      }
      if (options?.ifMatch !== undefined && !matches(source, options.ifMatch)) {
        return { kind: "version-mismatch" } as const;
      }
      const obj = store(
        to,
        source.data,
        source.contentType,
        source.metadata as Record<string, string>,
      );
      return { kind: "written", version: { etag: obj.etag } } as const;
    },

    async *list(prefix: string, options?: StorageCallOptions): AsyncIterable<ListEntry> {
      throwIfAborted(options?.signal);
      const p = normalizePrefix(prefix);
      const found: ListEntry[] = [];
      for (const [key, obj] of objects) {
        const rel = relativeToPrefix(key, p);
        if (rel !== undefined)
          found.push({ key: rel, size: obj.data.length, lastModified: obj.lastModified });
      }
      for (const entry of found) {
        throwIfAborted(options?.signal);
        yield entry;
      }
    },

    async delete(keys: readonly string[], options?: StorageCallOptions): Promise<DeleteResult> {
      throwIfAborted(options?.signal);
      for (const key of keys) validateKey(key);
      let deletedObjects = 0;
      let deletedBytes = 0;
      for (const key of keys) {
        const obj = objects.get(key);
        if (obj !== undefined && objects.delete(key)) {
          deletedObjects += 1;
          deletedBytes += obj.data.length;
        }
      }
      return { deletedObjects, deletedBytes };
    },

    async lastModified(key: string, options?: StorageCallOptions): Promise<Date | undefined> {
      throwIfAborted(options?.signal);
      validateKey(key);
      const obj = objects.get(key);
      return obj === undefined ? undefined : new Date(obj.lastModified.getTime());
    },
  };
}
