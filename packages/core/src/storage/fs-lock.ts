/**
 * @module storage/fs-lock
 * Cross-process helpers for the filesystem backend: O_EXCL lock files with stale-lock recovery,
 * temp-file naming, etags from file identity, and a realpath check that keeps keys inside the root.
 */

import { randomBytes } from "node:crypto";
import type { BigIntStats } from "node:fs";
import { link, open, readlink, realpath, rename, stat, unlink } from "node:fs/promises";
import { basename, dirname, join, sep } from "node:path";
import { InvalidKeyError, StorageError, throwIfAborted } from "../errors.js";
import { delay as sleepFor } from "../util/time.js";

/** Suffix of lock files (`<target>.lock`). Never listed. */
export const LOCK_SUFFIX = ".lock";
/** Marker inside temp-file names (`.<name>.<random>.icechunk-tmp`). Never listed. */
export const TEMP_SUFFIX = ".icechunk-tmp";

/** True for names that belong to the backend's own bookkeeping (temp and lock files). */
export function isInternalName(name: string): boolean {
  return name.endsWith(LOCK_SUFFIX) || name.endsWith(TEMP_SUFFIX);
}

/** Random per process; temp names add a counter (unique without a random draw per write). */
const TEMP_PREFIX = randomBytes(8).toString("hex");
let tempCounter = 0;

/** A fresh temp path next to `target` (same directory, so rename/link are atomic). */
export function tempPathFor(target: string): string {
  tempCounter = (tempCounter + 1) % Number.MAX_SAFE_INTEGER;
  return join(
    dirname(target),
    `.${basename(target)}.${TEMP_PREFIX}${tempCounter.toString(36)}${TEMP_SUFFIX}`,
  );
}

/** Etag from file identity: inode, mtime and ctime in nanoseconds, size. */
export function etagOf(st: BigIntStats): string {
  return `${st.ino.toString(16)}-${st.mtimeNs.toString(16)}-${st.ctimeNs.toString(16)}-${st.size.toString(16)}`;
}

/** Node error code of `err`, if any. */
export function errCode(err: unknown): string | undefined {
  return typeof err === "object" && err !== null && "code" in err
    ? String((err as { code: unknown }).code)
    : undefined;
}

/** True for errors meaning "no such object" (missing file, a path component is a file, a directory). */
export function isNotFound(err: unknown): boolean {
  const code = errCode(err);
  return code === "ENOENT" || code === "ENOTDIR" || code === "EISDIR";
}

/** realpath of the deepest existing ancestor of `p`, with the missing tail re-appended. */
async function realpathNearest(p: string): Promise<string> {
  const tail: string[] = [];
  let current = p;
  for (;;) {
    try {
      const real = await realpath(current);
      return tail.length === 0 ? real : join(real, ...tail.reverse());
    } catch (err) {
      if (!isNotFound(err)) throw err;
      const parent = dirname(current);
      if (parent === current) return p;
      tail.push(basename(current));
      current = parent;
    }
  }
}

/** Throws InvalidKeyError when `target` (through symlinks) resolves outside `root`. */
export async function assertInsideRoot(root: string, target: string, key: string): Promise<void> {
  const [realRoot, realTarget] = await Promise.all([
    realpathNearest(root),
    realpathNearest(target),
  ]);
  if (
    realTarget !== realRoot &&
    !realTarget.startsWith(realRoot.endsWith(sep) ? realRoot : realRoot + sep)
  ) {
    throw new InvalidKeyError(
      key,
      "the key resolves (through a symbolic link) to a path outside the storage root",
    );
  }
}

/**
 * Keeps keys inside a storage root through symbolic links, cheaply: the root's real path is
 * resolved once (as soon as the root exists), and an already opened file is checked by the path
 * of its descriptor (`/proc/self/fd/N`, one syscall, no race between check and read) where the
 * platform has it, falling back to a full realpath of the target.
 */
export class RootGuard {
  #realRoot: string | undefined;
  #procFd = process.platform === "linux";
  constructor(readonly root: string) {}

  async #root(): Promise<string> {
    if (this.#realRoot !== undefined) return this.#realRoot;
    try {
      this.#realRoot = await realpath(this.root);
      return this.#realRoot;
    } catch (err) {
      if (!isNotFound(err)) throw err;
      return realpathNearest(this.root);
    }
  }

  #check(realRoot: string, realTarget: string, key: string): void {
    if (
      realTarget !== realRoot &&
      !realTarget.startsWith(realRoot.endsWith(sep) ? realRoot : realRoot + sep)
    ) {
      throw new InvalidKeyError(
        key,
        "the key resolves (through a symbolic link) to a path outside the storage root",
      );
    }
  }

  readonly #trustedDirs = new Set<string>();

  /**
   * Checks the directory a new file will be created in (rename and link replace a final-component
   * symlink rather than follow it, so the parent is what matters for writes). Directories this
   * storage already wrote into are not walked again.
   */
  async assertParent(target: string, key: string): Promise<void> {
    const dir = dirname(target);
    if (this.#trustedDirs.has(dir)) return;
    await this.assertPath(dir, key);
  }

  /** Records that a write into `target`'s directory succeeded (see {@link assertParent}). */
  trustParent(target: string): void {
    if (this.#trustedDirs.size > 10_000) this.#trustedDirs.clear();
    this.#trustedDirs.add(dirname(target));
  }

  /** Throws InvalidKeyError when `target` (through symlinks) resolves outside the root. */
  async assertPath(target: string, key: string): Promise<void> {
    const [realRoot, realTarget] = await Promise.all([this.#root(), realpathNearest(target)]);
    this.#check(realRoot, realTarget, key);
  }

  /** Like {@link assertPath} for a file already opened at `target` (checks what was opened). */
  async assertOpened(fd: number, target: string, key: string): Promise<void> {
    if (this.#procFd) {
      let real: string | undefined;
      try {
        real = await readlink(`/proc/self/fd/${fd}`);
      } catch {
        this.#procFd = false;
      }
      if (real?.startsWith("/")) {
        this.#check(await this.#root(), real, key);
        return;
      }
    }
    await this.assertPath(target, key);
  }
}

/** Options of {@link withLock}. */
export interface LockOptions {
  /** A lock file older than this is considered abandoned and removed (ms). */
  staleMs: number;
  /** Give up acquiring after this long (ms) with a StorageError. */
  timeoutMs: number;
  signal?: AbortSignal;
}

/** Removes a lock file if it is older than `staleMs`, via rename so two breakers cannot both win. */
async function breakIfStale(lockPath: string, staleMs: number): Promise<void> {
  let st: BigIntStats;
  try {
    st = await stat(lockPath, { bigint: true });
  } catch (err) {
    if (isNotFound(err)) return;
    throw err;
  }
  const ageMs = Date.now() - Number(st.mtimeNs / 1_000_000n);
  if (ageMs <= staleMs) return;
  const grave = `${lockPath}.${randomBytes(6).toString("hex")}${TEMP_SUFFIX}`;
  try {
    await rename(lockPath, grave);
  } catch (err) {
    if (isNotFound(err)) return;
    throw err;
  }
  // If someone replaced the lock between our stat and rename we just took a fresh lock away;
  // check the moved file's identity and put it back when it was not the stale one.
  try {
    const moved = await stat(grave, { bigint: true });
    if (moved.ino !== st.ino) {
      await link(grave, lockPath).catch(() => undefined);
      await unlink(grave).catch(() => undefined);
      return;
    }
  } catch {
    return;
  }
  await unlink(grave).catch(() => undefined);
}

/**
 * Runs `fn` while holding the exclusive lock file `<target>.lock` (created with O_EXCL, so the
 * lock works across processes). Stale locks (older than `staleMs`) are broken.
 */
export async function withLock<T>(
  target: string,
  options: LockOptions,
  fn: () => Promise<T>,
): Promise<T> {
  const lockPath = target + LOCK_SUFFIX;
  const deadline = Date.now() + options.timeoutMs;
  let delay = 1;
  for (;;) {
    throwIfAborted(options.signal);
    try {
      const fh = await open(lockPath, "wx");
      await fh.writeFile(`${process.pid}\n`).finally(() => fh.close());
      break;
    } catch (err) {
      if (errCode(err) !== "EEXIST") throw err;
    }
    await breakIfStale(lockPath, options.staleMs);
    if (Date.now() > deadline) {
      throw new StorageError(
        "lock",
        target,
        `could not acquire '${lockPath}' within ${options.timeoutMs} ms; if no other writer is running, delete the lock file`,
      );
    }
    await sleepFor(delay + Math.random() * delay, options.signal);
    delay = Math.min(delay * 2, 50);
  }
  try {
    return await fn();
  } finally {
    await unlink(lockPath).catch(() => undefined);
  }
}
