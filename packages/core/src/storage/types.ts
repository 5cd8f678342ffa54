/**
 * @module storage/types
 * The narrow Storage interface: bytes in, bytes out, no knowledge of the Icechunk format.
 * Keys are repository-relative paths (`repo`, `snapshots/<id>`, `refs/branch.main/ref.json`).
 * A missing object is `undefined`, a lost conditional write is `{ kind: "version-mismatch" }`;
 * only real failures throw (`StorageError`, `ReadOnlyStorageError`, `InvalidKeyError`, `AbortError`).
 */

/** Byte range of a read. `{ offset, length }` is bounded; `{ suffixLength }` is the last n bytes. */
export type ByteRange = { offset: number; length?: number } | { suffixLength: number };

/** Identifies one version of an object; `etag` is compared verbatim (backends strip quotes). */
export interface ObjectVersion {
  readonly etag?: string;
  readonly generation?: string;
}

/** A read result: the bytes plus the version of the object they came from. */
export interface GetResult {
  readonly data: Uint8Array;
  readonly version: ObjectVersion;
}

/** Options shared by every storage call. */
/** Options of every Storage call: `signal` aborts it. */
export interface StorageCallOptions {
  signal?: AbortSignal;
}

/** Options of `Storage.get`: a byte range, and whether the caller needs the object's version. */
export interface GetOptions extends StorageCallOptions {
  range?: ByteRange;
  /**
   * `false`: the caller ignores `GetResult.version` (chunk reads); a backend may skip work needed
   * only to produce it and return `{}`. Default true.
   */
  needVersion?: boolean;
}

/**
 * Write precondition. Absent: unconditional overwrite. `{ ifNoneMatch: "*" }`: create only if
 * absent. `{ ifMatch: version }`: update only if the current version matches.
 */
export type PutCondition = { ifNoneMatch: "*" } | { ifMatch: ObjectVersion };

/** Options of `Storage.put`: a write precondition, content type, metadata. */
export interface PutOptions extends StorageCallOptions {
  condition?: PutCondition;
  contentType?: string;
  /** User metadata stamped on the object where the backend supports it. */
  metadata?: Record<string, string>;
  /**
   * `false`: the caller ignores the returned version (chunk writes); a backend may skip work
   * needed only to produce it and return `{}`. Default true.
   */
  needVersion?: boolean;
  /**
   * True when the key was just generated (a random chunk id) and nothing refers to it yet, so no
   * reader can be looking at it: a backend may write it in place instead of atomically (a failed
   * write is removed; a crash may leave an unreferenced partial object). Only without a
   * `condition`. Default false.
   */
  unpublishedKey?: boolean;
}

/** What `Storage.put` did: written (with the new version), or refused by its precondition. */
export type PutResult =
  | { readonly kind: "written"; readonly version: ObjectVersion }
  | { readonly kind: "version-mismatch" };

/** One object found by `Storage.list`. */
export interface ListEntry {
  /** Key relative to the listed prefix (no leading slash). */
  readonly key: string;
  readonly size: number;
  readonly lastModified: Date;
}

/** How much `Storage.deleteObjects` removed. */
export interface DeleteResult {
  readonly deletedObjects: number;
  readonly deletedBytes: number;
}

/** The storage backend contract. Implementations: memory, filesystem, HTTP, redirect, S3. */
export interface Storage {
  /** Human-readable description, e.g. `memory` or `file:///data/repo`. */
  readonly description: string;
  /** False for read-only backends; every write then throws ReadOnlyStorageError. */
  readonly canWrite: boolean;
  /**
   * Read an object (or a byte range of it). Resolves `undefined` when the object is missing.
   */
  get(key: string, options?: GetOptions): Promise<GetResult | undefined>;
  /** Conditional read used for the repo object cache: `"not-modified"` when the version matches. */
  getIfModified?(
    key: string,
    version: ObjectVersion,
    options?: StorageCallOptions,
  ): Promise<GetResult | "not-modified" | undefined>;
  put(key: string, data: Uint8Array, options?: PutOptions): Promise<PutResult>;
  /**
   * Server-side copy. With `ifMatch`, copies only if the source still has that version
   * (`version-mismatch` otherwise). Backends without a native copy emulate it with get + put.
   */
  copy(
    from: string,
    to: string,
    options?: StorageCallOptions & { ifMatch?: ObjectVersion },
  ): Promise<PutResult>;
  /** Every object whose key starts with `prefix` + "/" (or everything for ""), in any order. */
  list(prefix: string, options?: StorageCallOptions): AsyncIterable<ListEntry>;
  /** Delete the given keys (missing keys are fine). */
  delete(keys: readonly string[], options?: StorageCallOptions): Promise<DeleteResult>;
  /** Last-modified time of an object, `undefined` if missing. */
  lastModified(key: string, options?: StorageCallOptions): Promise<Date | undefined>;
  /**
   * Applies the repository's `config.storage` settings (retries, timeouts, …) to later calls and
   * returns the serde names of the set fields it cannot honour (the repository then refuses to
   * open). Absent on backends without network I/O, where upstream ignores these settings too.
   */
  applySettings?(settings: import("./settings.js").StorageSettings): string[];
}
