/**
 * @module storage/fs
 * Node-only local filesystem Storage with the same layout as Rust's local filesystem store
 * (key `a/b/c` is the file `<root>/a/b/c`). Writes are temp-file + rename; create-if-absent uses
 * link() (EEXIST loses) and update-if-match a lock file, so both are atomic across processes.
 */
import { type BigIntStats, statSync } from "node:fs";
import {
  link,
  lstat,
  mkdir,
  open,
  opendir,
  realpath,
  rename,
  stat,
  unlink,
  utimes,
} from "node:fs/promises";
import { join, relative, resolve, sep } from "node:path";
import { pathToFileURL } from "node:url";
import { IcechunkError, InvalidKeyError, StorageError, throwIfAborted } from "../errors.js";
import { putInPlace, readBoundedFast, readSpan } from "./fs-fast.js";
import {
  errCode,
  etagOf,
  isInternalName,
  isNotFound,
  RootGuard,
  tempPathFor,
  withLock,
} from "./fs-lock.js";
import { checkRange, normalizePrefix, resolveRange, validateKey } from "./key.js";
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

/** Options for {@link localFilesystemStorage}. */
export interface LocalFilesystemStorageOptions {
  /**
   * A `<key>.lock` file whose owner cannot be checked (written on another host) is treated as
   * abandoned once older than this (ms); one whose owner on this host died is broken at once.
   * Default 30 000.
   */
  lockStaleMs?: number;
  /** How long an if-match write waits for the lock before failing (ms). Default 30 000. */
  lockTimeoutMs?: number;
  /** fsync temp files before renaming them into place. Default false. */
  fsync?: boolean;
  /**
   * Chunk reads (bounded, no version needed) of at most this many bytes use blocking calls on the
   * calling thread (open, pread, close) instead of three thread-pool round trips: faster for small
   * chunks in the page cache, but the event loop waits for the disk. Default 0 (never).
   */
  syncReadMaxBytes?: number;
  /**
   * Chunk reads issued while several others are in flight (reading a whole array) are batched to
   * one shared worker thread that does blocking open/pread/close off the event loop: one message
   * per batch instead of three thread-pool round trips per chunk. Default true; false keeps every
   * read on libuv's thread pool.
   */
  readWorker?: boolean;
}

function wrap(op: string, key: string, err: unknown): unknown {
  if (err instanceof IcechunkError) return err;
  const msg = err instanceof Error ? err.message : String(err);
  return new StorageError(op, key, msg, { cause: err });
}

/**
 * A Storage rooted at the directory `root` (created on first write). Keys are validated (no `..`,
 * `.`, empty segments, absolute paths, backslashes or NUL) and may not resolve outside the root
 * through symbolic links. Names ending in `.lock` or `.icechunk-tmp` are reserved.
 * @example
 * import { Repository } from "@icechunk-ts/core";
 * import { localFilesystemStorage } from "@icechunk-ts/core/fs";
 * const repo = await Repository.openOrCreate(localFilesystemStorage("./my-repo"));
 */
export function localFilesystemStorage(
  root: string,
  options: LocalFilesystemStorageOptions = {},
): Storage {
  const rootPath = resolve(root);
  const readMode = {
    syncMax: options.syncReadMaxBytes ?? 0,
    worker: options.readWorker !== false,
  };
  const lockOptions = {
    staleMs: options.lockStaleMs ?? 30_000,
    timeoutMs: options.lockTimeoutMs ?? 30_000,
  };

  const guard = new RootGuard(rootPath);
  /** The file of a key, validated but not yet checked against symlinks (see `guard`). */
  const uncheckedPathOf = (key: string): string => {
    validateKey(key);
    const last = key.slice(key.lastIndexOf("/") + 1);
    if (isInternalName(last))
      throw new InvalidKeyError(
        key,
        "names ending in '.lock' or '.icechunk-tmp' are reserved by the filesystem backend",
      );
    return join(rootPath, ...key.split("/"));
  };

  const pathOf = async (key: string): Promise<string> => {
    const target = uncheckedPathOf(key);
    await guard.assertPath(target, key);
    return target;
  };

  /** Writes `data` to a fresh temp file next to `target`; returns its path. */
  const writeTemp = async (target: string, data: Uint8Array): Promise<string> => {
    const temp = tempPathFor(target);
    let fh: import("node:fs/promises").FileHandle;
    try {
      fh = await open(temp, "wx");
    } catch (err) {
      if (errCode(err) !== "ENOENT") throw err;
      await mkdir(join(target, ".."), { recursive: true });
      fh = await open(temp, "wx");
    }
    try {
      await fh.writeFile(data);
      if (options.fsync) await fh.sync();
    } finally {
      await fh.close();
    }
    return temp;
  };

  /** Makes the temp file's mtime strictly newer than the file it replaces (no etag reuse). */
  const bumpMtime = async (temp: string, target: string): Promise<void> => {
    // statSync with throwIfNoEntry: a missing target (every new chunk) costs no exception
    let previous: BigIntStats | undefined;
    try {
      previous = statSync(target, { bigint: true, throwIfNoEntry: false });
    } catch {
      return;
    }
    if (previous === undefined) return;
    const current = await stat(temp, { bigint: true });
    if (current.mtimeNs > previous.mtimeNs) return;
    const seconds = Number(previous.mtimeNs / 1000n) / 1e6 + 0.001;
    await utimes(temp, seconds, seconds);
  };

  const versionOf = async (target: string): Promise<ObjectVersion> => ({
    etag: etagOf(await stat(target, { bigint: true })),
  });

  const currentEtag = async (target: string): Promise<string | undefined> => {
    try {
      const st = await stat(target, { bigint: true });
      return st.isFile() ? etagOf(st) : undefined;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  };

  /** Reads an object; with `unlessEtag`, answers "not-modified" (without reading) when it matches. */
  const readObjectUnless = async (
    key: string,
    options: GetOptions | undefined,
    unlessEtag: string | undefined,
  ): Promise<GetResult | "not-modified" | undefined> => {
    const target = uncheckedPathOf(key);
    let fh: import("node:fs/promises").FileHandle;
    try {
      fh = await open(target, "r");
    } catch (err) {
      if (isNotFound(err)) {
        await guard.assertPath(target, key);
        return undefined;
      }
      throw err;
    }
    try {
      await guard.assertOpened(fh.fd, target, key);
      const st = await fh.stat({ bigint: true });
      if (!st.isFile()) return undefined;
      if (unlessEtag !== undefined && etagOf(st) === unlessEtag) return "not-modified";
      const { start, end } = resolveRange(options?.range, Number(st.size));
      throwIfAborted(options?.signal);
      const data = await readSpan(fh, start, end);
      return { data, version: { etag: etagOf(st) } };
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    } finally {
      await fh.close();
    }
  };

  const readObject = async (key: string, options?: GetOptions): Promise<GetResult | undefined> => {
    const range = options?.range;
    if (
      options?.needVersion === false &&
      range &&
      "offset" in range &&
      range.length !== undefined
    ) {
      const target = uncheckedPathOf(key);
      const fast = await readBoundedFast(
        guard,
        target,
        key,
        range.offset,
        range.length,
        options.signal,
        readMode,
      );
      if (fast !== "slow") return fast;
    }
    return readObjectUnless(key, options, undefined) as Promise<GetResult | undefined>;
  };

  const putObject = async (
    key: string,
    data: Uint8Array,
    opts?: PutOptions,
  ): Promise<PutResult> => {
    const target = uncheckedPathOf(key);
    await guard.assertParent(target, key);
    const condition = opts?.condition;
    if (condition === undefined && opts?.unpublishedKey) {
      throwIfAborted(opts.signal);
      const written = await putInPlace(target, data, {
        needVersion: opts.needVersion !== false,
        fsync: options.fsync === true,
      });
      if (written) {
        guard.trustParent(target);
        return written;
      }
    }
    const needVersion = opts?.needVersion !== false;
    const temp = await writeTemp(target, data);
    guard.trustParent(target);
    let renamed = false;
    try {
      throwIfAborted(opts?.signal);
      if (condition === undefined) {
        await bumpMtime(temp, target);
        await rename(temp, target);
        renamed = true;
        return { kind: "written", version: needVersion ? await versionOf(target) : {} };
      }
      if ("ifNoneMatch" in condition) {
        try {
          await link(temp, target);
        } catch (err) {
          if (errCode(err) === "EEXIST") return { kind: "version-mismatch" };
          throw err;
        }
        return { kind: "written", version: await versionOf(target) };
      }
      const expected = condition.ifMatch.etag;
      return await withLock(target, { ...lockOptions, signal: opts?.signal }, async () => {
        const etag = await currentEtag(target);
        if (etag === undefined || expected === undefined || etag !== expected)
          return { kind: "version-mismatch" };
        await bumpMtime(temp, target);
        await rename(temp, target);
        renamed = true;
        return { kind: "written", version: await versionOf(target) };
      });
    } finally {
      if (!renamed) await unlink(temp).catch(() => undefined);
    }
  };

  async function* walk(dir: string, signal?: AbortSignal): AsyncGenerator<ListEntry> {
    let handle: import("node:fs").Dir;
    try {
      handle = await opendir(dir);
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    for await (const entry of handle) {
      throwIfAborted(signal);
      if (isInternalName(entry.name)) continue;
      const full = join(dir, entry.name);
      if (entry.isDirectory()) {
        yield* walk(full, signal);
        continue;
      }
      let st: import("node:fs").Stats;
      try {
        if (entry.isSymbolicLink()) {
          const real = await realpath(full);
          const realRoot = await realpath(rootPath);
          if (!real.startsWith(realRoot + sep)) continue;
        }
        st = await stat(full);
      } catch (err) {
        if (isNotFound(err)) continue;
        throw err;
      }
      if (!st.isFile()) continue;
      yield {
        key: relative(rootPath, full).split(sep).join("/"),
        size: st.size,
        lastModified: st.mtime,
      };
    }
  }

  return {
    description: pathToFileURL(rootPath).href,
    canWrite: true,

    async get(key, options) {
      throwIfAborted(options?.signal);
      if (options?.range) checkRange(options.range, key);
      try {
        return await readObject(key, options);
      } catch (err) {
        throw wrap("get", key, err);
      }
    },

    async getIfModified(key, version, options) {
      throwIfAborted(options?.signal);
      try {
        return await readObjectUnless(key, options, version.etag);
      } catch (err) {
        throw wrap("get", key, err);
      }
    },

    async put(key, data, options) {
      throwIfAborted(options?.signal);
      try {
        return await putObject(key, data, options);
      } catch (err) {
        throw wrap("put", key, err);
      }
    },

    async copy(from, to, options?: StorageCallOptions & { ifMatch?: ObjectVersion }) {
      throwIfAborted(options?.signal);
      const source = await readObject(from, options).catch((err) => {
        throw wrap("copy", from, err);
      });
      if (source === undefined)
        throw new StorageError("copy", from, "the source object does not exist", { status: 404 });
      if (options?.ifMatch !== undefined && options.ifMatch.etag !== source.version.etag)
        return { kind: "version-mismatch" };
      try {
        return await putObject(to, source.data, { signal: options?.signal });
      } catch (err) {
        throw wrap("copy", to, err);
      }
    },

    async *list(prefix: string, options?: StorageCallOptions): AsyncIterable<ListEntry> {
      throwIfAborted(options?.signal);
      const p = normalizePrefix(prefix);
      const dir = p === "" ? rootPath : join(rootPath, ...p.split("/"));
      if (p !== "") await guard.assertPath(dir, p);
      try {
        for await (const entry of walk(dir, options?.signal)) {
          yield p === "" ? entry : { ...entry, key: entry.key.slice(p.length + 1) };
        }
      } catch (err) {
        throw wrap("list", p, err);
      }
    },

    async delete(keys: readonly string[], options?: StorageCallOptions): Promise<DeleteResult> {
      throwIfAborted(options?.signal);
      const targets = await Promise.all(keys.map((k) => pathOf(k)));
      let deletedObjects = 0;
      let deletedBytes = 0;
      for (const [i, target] of targets.entries()) {
        throwIfAborted(options?.signal);
        try {
          const st = await lstat(target);
          if (st.isDirectory()) continue;
          await unlink(target);
          deletedObjects += 1;
          deletedBytes += st.size;
        } catch (err) {
          if (!isNotFound(err)) throw wrap("delete", keys[i]!, err);
        }
      }
      return { deletedObjects, deletedBytes };
    },

    async lastModified(key, options) {
      throwIfAborted(options?.signal);
      const target = await pathOf(key);
      try {
        const st = await stat(target);
        return st.isFile() ? st.mtime : undefined;
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw wrap("lastModified", key, err);
      }
    },
  };
}
