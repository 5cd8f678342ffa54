/**
 * @module storage/fs-fast
 * Cheap paths of the filesystem backend for chunk I/O: a bounded read without a version (open,
 * read, close: no fstat, no descriptor readlink) and an in-place write of a never-published key
 * (open O_EXCL, write, close: no temp file, rename or stat). Both keep the root guard's symlink
 * protection (the parent directory is checked once, the final component is never followed).
 */
import {
  type BigIntStats,
  close as closeCb,
  closeSync,
  constants as fsConstants,
  fstat as fstatCb,
  fsync as fsyncCb,
  open as openCb,
  openSync,
  read as readCb,
  readSync,
  write as writeCb,
} from "node:fs";
import { type FileHandle, mkdir, unlink } from "node:fs/promises";
import { dirname } from "node:path";
import { throwIfAborted } from "../errors.js";
import { errCode, etagOf, isNotFound, type RootGuard } from "./fs-lock.js";
import {
  type ReadWorker,
  sharedReadWorker,
  WORKER_READ_MAX_BYTES,
  WorkerReadError,
} from "./fs-read-worker.js";
import type { GetResult, ObjectVersion, PutResult } from "./types.js";

/** Reads `[start, end)` from an open file handle (fewer bytes at the end of the file). */
export async function readSpan(fh: FileHandle, start: number, end: number): Promise<Uint8Array> {
  const out = new Uint8Array(end - start);
  let done = 0;
  while (done < out.length) {
    const { bytesRead } = await fh.read(out, done, out.length - done, start + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return done === out.length ? out : out.subarray(0, done);
}

/** How chunk reads are done: see LocalFilesystemStorageOptions. */
export interface FastReadMode {
  /** Reads up to this many bytes block the calling thread (0: never). */
  syncMax: number;
  /** Concurrent reads go to the shared read worker. */
  worker: boolean;
}

/** Reads in flight on the thread-pool path; a burst beyond this goes to the read worker. */
const WORKER_AFTER_CONCURRENT = 4;
let inFlight = 0;

/**
 * Bounded read that needs no version: the parent directory is checked once (then cached by the
 * guard), the file is opened with O_NOFOLLOW and read without fstat; a directory reads as missing.
 * `"slow"` when the file is a symbolic link (the caller takes the fully checked path). A read
 * issued while several others are in flight goes to the read worker (storage/fs-read-worker).
 */
export async function readBoundedFast(
  guard: RootGuard,
  target: string,
  key: string,
  offset: number,
  length: number,
  signal: AbortSignal | undefined,
  mode: FastReadMode,
): Promise<GetResult | undefined | "slow"> {
  await guard.assertParent(target, key);
  if (length <= mode.syncMax) return readSmallSync(guard, target, key, offset, length);
  if (mode.worker && length <= WORKER_READ_MAX_BYTES) {
    // A burst (several reads already in flight) goes to the worker, and so does every read while
    // the worker has work: the tail of a burst must not fall back to thread-pool round trips.
    const worker = sharedReadWorker();
    if (worker.usable && (inFlight >= WORKER_AFTER_CONCURRENT || worker.busy)) {
      const got = await readOnWorker(worker, guard, target, key, offset, length, signal);
      if (got !== "unavailable") return got;
    }
  }
  inFlight++;
  try {
    return await readOnThreadPool(guard, target, key, offset, length, signal);
  } finally {
    inFlight--;
  }
}

/**
 * A fast read that failed to open its file: a symbolic link takes the fully checked path
 * (`"slow"`), a missing file is missing once the root guard has checked the path; anything else
 * is thrown.
 */
async function openFailed(
  err: unknown,
  guard: RootGuard,
  target: string,
  key: string,
): Promise<undefined | "slow"> {
  if (errCode(err) === "ELOOP") return "slow";
  if (!isNotFound(err)) throw err;
  await guard.assertPath(target, key);
  return undefined;
}

async function readOnWorker(
  worker: ReadWorker,
  guard: RootGuard,
  target: string,
  key: string,
  offset: number,
  length: number,
  signal: AbortSignal | undefined,
): Promise<GetResult | undefined | "slow" | "unavailable"> {
  let data: Uint8Array;
  try {
    data = await worker.read(target, offset, length, signal);
  } catch (err) {
    if (!(err instanceof WorkerReadError)) throw err;
    if (err.code === "EWORKER") return "unavailable";
    // a FIFO, socket or device reads as missing, like a directory
    if (err.code === "ENOTFILE") return undefined;
    return openFailed(err, guard, target, key);
  }
  guard.trustParent(target);
  return { data, version: {} };
}

async function readOnThreadPool(
  guard: RootGuard,
  target: string,
  key: string,
  offset: number,
  length: number,
  signal: AbortSignal | undefined,
): Promise<GetResult | undefined | "slow"> {
  let fd: number;
  try {
    fd = await openFd(target, fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW);
  } catch (err) {
    return openFailed(err, guard, target, key);
  }
  guard.trustParent(target);
  try {
    throwIfAborted(signal);
    const out = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const n = await readFd(fd, out, done, length - done, offset + done);
      if (n === 0) break;
      done += n;
    }
    return { data: done === length ? out : out.subarray(0, done), version: {} };
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  } finally {
    await closeFd(fd);
  }
}

/**
 * The same read done with blocking calls on the calling thread (open, pread, close: a few µs for a
 * small file in the page cache, against three thread-pool round trips and promises).
 */
async function readSmallSync(
  guard: RootGuard,
  target: string,
  key: string,
  offset: number,
  length: number,
): Promise<GetResult | undefined | "slow"> {
  let fd: number;
  try {
    fd = openSync(target, fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW);
  } catch (err) {
    return openFailed(err, guard, target, key);
  }
  guard.trustParent(target);
  try {
    const out = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const n = readSync(fd, out, done, length - done, offset + done);
      if (n === 0) break;
      done += n;
    }
    return { data: done === length ? out : out.subarray(0, done), version: {} };
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  } finally {
    closeSync(fd);
  }
}

// Raw descriptors through the callback API: no FileHandle object (and its GC cost) per chunk.
function openFd(path: string, flags: number): Promise<number> {
  return new Promise((resolve, reject) =>
    openCb(path, flags, (err, fd) => (err ? reject(err) : resolve(fd))),
  );
}

function readFd(
  fd: number,
  buf: Uint8Array,
  at: number,
  length: number,
  position: number,
): Promise<number> {
  return new Promise((resolve, reject) =>
    readCb(fd, buf, at, length, position, (err, n) => (err ? reject(err) : resolve(n))),
  );
}

function writeFd(
  fd: number,
  buf: Uint8Array,
  at: number,
  length: number,
  position: number,
): Promise<number> {
  return new Promise((resolve, reject) =>
    writeCb(fd, buf, at, length, position, (err, n) => (err ? reject(err) : resolve(n))),
  );
}

function closeFd(fd: number): Promise<void> {
  return new Promise((resolve) => closeCb(fd, () => resolve()));
}

/**
 * Writes a never-published key in place (open O_EXCL, so an existing file or a symlink is never
 * written through). A failed write removes the file. `undefined` when the file already exists
 * (the caller then takes the atomic temp-file path).
 */
export async function putInPlace(
  target: string,
  data: Uint8Array,
  opts: { needVersion: boolean; fsync: boolean },
): Promise<PutResult | undefined> {
  const flags = fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL;
  let fd: number;
  try {
    try {
      fd = await openFd(target, flags);
    } catch (err) {
      if (errCode(err) !== "ENOENT") throw err;
      await mkdir(dirname(target), { recursive: true });
      fd = await openFd(target, flags);
    }
  } catch (err) {
    if (errCode(err) === "EEXIST") return undefined;
    throw err;
  }
  let ok = false;
  try {
    let done = 0;
    while (done < data.length) done += await writeFd(fd, data, done, data.length - done, done);
    if (opts.fsync)
      await new Promise<void>((resolve, reject) =>
        fsyncCb(fd, (err) => (err ? reject(err) : resolve())),
      );
    let version: ObjectVersion = {};
    if (opts.needVersion) {
      const st = await new Promise<BigIntStats>((resolve, reject) =>
        fstatCb(fd, { bigint: true }, (err, s) => (err ? reject(err) : resolve(s))),
      );
      version = { etag: etagOf(st) };
    }
    ok = true;
    return { kind: "written", version };
  } finally {
    await closeFd(fd);
    if (!ok) await unlink(target).catch(() => undefined);
  }
}
