/**
 * @module storage/fs-lock
 * Cross-process helpers for the filesystem backend: lock files that name their owner, broken at
 * once when the owner died on this host (after a timeout otherwise),
 * temp-file naming, etags from file identity, and a realpath check that keeps keys inside the root.
 */

import { randomBytes } from "node:crypto";
import type { BigIntStats } from "node:fs";
import {
  link,
  readFile,
  readlink,
  realpath,
  rename,
  stat,
  unlink,
  writeFile,
} from "node:fs/promises";
import { basename, dirname, join, sep } from "node:path";
import { InvalidKeyError, StorageError, throwIfAborted } from "../errors.js";
import { delay as sleepFor } from "../util/time.js";
import { currentOwner, type LockOwner, ownerAlive, parseOwner } from "./fs-lock-owner.js";

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
  /**
   * A lock file whose owner cannot be checked (written on another host) is considered abandoned
   * and removed once older than this (ms). A lock whose owner on this host died goes at once.
   */
  staleMs: number;
  /** Give up acquiring after this long (ms) with a StorageError. */
  timeoutMs: number;
  signal?: AbortSignal;
}

/** Creates `path` holding `content` atomically (a complete file or none); false when it exists. */
async function createExclusive(path: string, content: string): Promise<boolean> {
  const temp = tempPathFor(path);
  await writeFile(temp, content, { flag: "wx" });
  try {
    await link(temp, path);
    return true;
  } catch (err) {
    if (errCode(err) === "EEXIST") return false;
    throw err;
  } finally {
    await unlink(temp).catch(() => undefined);
  }
}

/** The lock file's identity and owner, `undefined` when there is none. */
async function inspect(
  path: string,
): Promise<{ st: BigIntStats; owner: LockOwner | undefined } | undefined> {
  try {
    const st = await stat(path, { bigint: true });
    return { st, owner: parseOwner(await readFile(path, "utf8")) };
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** Abandoned: its owner on this host died, or (owner unknown) it is older than `staleMs`. */
function abandoned(lock: { st: BigIntStats; owner: LockOwner | undefined }, staleMs: number) {
  const alive = ownerAlive(lock.owner);
  if (alive !== undefined) return !alive;
  return Date.now() - Number(lock.st.mtimeNs / 1_000_000n) > staleMs;
}

/**
 * Removes the file at `path` if it is still the one `st` describes: renamed away first (so two
 * removers cannot both take it), and put back when what was moved is a newer file.
 */
async function removeIfSame(path: string, st: BigIntStats): Promise<void> {
  const grave = `${path}.${randomBytes(6).toString("hex")}${TEMP_SUFFIX}`;
  try {
    await rename(path, grave);
  } catch (err) {
    if (isNotFound(err)) return;
    throw err;
  }
  try {
    const moved = await stat(grave, { bigint: true });
    if (moved.ino !== st.ino) {
      await link(grave, path).catch(() => undefined);
      await unlink(grave).catch(() => undefined);
      return;
    }
  } catch {
    return;
  }
  await unlink(grave).catch(() => undefined);
}

/**
 * Breaks the lock at `lockPath` when it is abandoned. Breakers take turns through a second lock
 * (`<lock>.break…`, held for a few system calls), and re-check under it that the lock is still the
 * abandoned file before removing it: a dead owner cannot release it meanwhile and acquirers
 * cannot replace an existing file, so exactly one breaker removes it and no fresh lock is lost.
 */
async function breakIfAbandoned(lockPath: string, staleMs: number): Promise<void> {
  const lock = await inspect(lockPath);
  if (!lock || !abandoned(lock, staleMs)) return;
  const breakPath = `${lockPath}.break${TEMP_SUFFIX}`;
  if (!(await createExclusive(breakPath, JSON.stringify(currentOwner())))) {
    // another breaker is at work; if it died there, clear its lock for the next round
    const breaker = await inspect(breakPath);
    if (breaker && abandoned(breaker, Math.min(staleMs, 2000)))
      await removeIfSame(breakPath, breaker.st);
    return;
  }
  try {
    const again = await inspect(lockPath);
    if (again && again.st.ino === lock.st.ino && abandoned(again, staleMs))
      await removeIfSame(lockPath, again.st);
  } finally {
    await unlink(breakPath).catch(() => undefined);
  }
}

/**
 * Runs `fn` while holding the exclusive lock file `<target>.lock` (created atomically with its
 * owner record, so the lock works across processes). A lock whose owner on this host died is
 * broken at once; one whose owner cannot be checked (another host) once older than `staleMs`.
 */
export async function withLock<T>(
  target: string,
  options: LockOptions,
  fn: () => Promise<T>,
): Promise<T> {
  const lockPath = target + LOCK_SUFFIX;
  const deadline = Date.now() + options.timeoutMs;
  const owner = `${JSON.stringify(currentOwner())}\n`;
  let delay = 1;
  for (;;) {
    throwIfAborted(options.signal);
    if (await createExclusive(lockPath, owner)) break;
    await breakIfAbandoned(lockPath, options.staleMs);
    if (Date.now() > deadline) {
      throw new StorageError(
        "lock",
        target,
        `could not acquire '${lockPath}' within ${options.timeoutMs} ms: another writer holds it; if none is running, delete the lock file`,
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
