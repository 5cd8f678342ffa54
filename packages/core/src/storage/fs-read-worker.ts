/**
 * @module storage/fs-read-worker
 * Batched chunk reads on one worker thread. Reading a whole array issues thousands of small reads
 * at once; through libuv's thread pool each costs three round trips (open, read, close), each a
 * hand-off between threads with its own promise. Here every read requested during one turn of the
 * event loop goes to the worker in one message; it opens, preads and closes each file with
 * blocking calls and answers with the buffers, transferred without copies. The event loop never
 * waits for the disk. The worker starts on the first burst of reads, holds the process open only
 * while it has work, and if it cannot start or dies, reads fall back to the thread pool.
 */
import { Worker } from "node:worker_threads";
import { AbortError } from "../errors.js";

/**
 * The worker: plain JavaScript run from this string (no file to resolve or bundle). A request is
 * `[id, path, offset, length]`; an answer `[id, bytes, bytesRead]` or `[id, null, code, message]`.
 */
const WORKER_SOURCE = `
const { parentPort } = require("node:worker_threads");
const fs = require("node:fs");
// O_NONBLOCK: opening a FIFO must not hang the worker (it is then refused as not a regular file)
const FLAGS = fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | (fs.constants.O_NONBLOCK || 0);
parentPort.on("message", (batch) => {
  const out = [];
  const transfer = [];
  for (const [id, path, offset, length] of batch) {
    let fd = -1;
    try {
      fd = fs.openSync(path, FLAGS);
      if (!fs.fstatSync(fd).isFile()) {
        out.push([id, null, "ENOTFILE", "not a regular file"]);
        continue;
      }
      const buf = new Uint8Array(length);
      let done = 0;
      while (done < length) {
        const n = fs.readSync(fd, buf, done, length - done, offset + done);
        if (n === 0) break;
        done += n;
      }
      out.push([id, buf, done]);
      transfer.push(buf.buffer);
    } catch (err) {
      out.push([id, null, String(err && err.code || "EIO"), String(err && err.message || err)]);
    } finally {
      if (fd >= 0) try { fs.closeSync(fd); } catch {}
    }
  }
  parentPort.postMessage(out, transfer);
});
`;

/** Reads larger than this stay on the thread pool (one huge read would hold up the batch). */
export const WORKER_READ_MAX_BYTES = 8 * 1024 * 1024;
/** How long the worker may take to start before reads fall back to the thread pool. */
const START_TIMEOUT_MS = 10_000;
/** Requested bytes per message (a single larger read still goes alone). */
const BATCH_BYTES = 16 * 1024 * 1024;
/** Requests per message: the worker answers in pieces, so decoding overlaps reading. */
const BATCH = 256;

/** A failed read: the `code` of the Node error (ENOENT, ELOOP, …) and its message. */
export class WorkerReadError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

interface Waiting {
  resolve(data: Uint8Array): void;
  reject(err: unknown): void;
}

type Answer = [id: number, bytes: Uint8Array | null, info: number | string, message?: string];

/** One worker thread and its queue of reads. */
export class ReadWorker {
  #worker: Worker | undefined;
  #broken = false;
  readonly #waiting = new Map<number, Waiting>();
  readonly #bySignal = new WeakMap<AbortSignal, Set<number>>();
  /** The id set of the signal a waiting read was given (to forget it once answered). */
  readonly #signalOf = new Map<number, Set<number>>();
  #queue: Array<[number, string, number, number]> = [];
  #scheduled = false;
  #next = 0;
  #answered = 0;

  /** False once the worker could not start or died (callers use the thread pool then). */
  get usable(): boolean {
    return !this.#broken;
  }

  /** True while reads are queued or waiting for answers. */
  get busy(): boolean {
    return this.#waiting.size > 0 || this.#queue.length > 0;
  }

  /** How many reads the worker has answered (for tests and diagnostics). */
  get answered(): number {
    return this.#answered;
  }

  /** Stops the worker; waiting reads reject with code EWORKER and later reads are refused. */
  async close(): Promise<void> {
    const worker = this.#worker;
    this.#die(new Error("closed"));
    await worker?.terminate();
  }

  /**
   * Reads up to `length` bytes at `offset` of the file `path` (opened without following a final
   * symbolic link). Rejects with {@link WorkerReadError} for file-system errors.
   */
  read(path: string, offset: number, length: number, signal?: AbortSignal): Promise<Uint8Array> {
    if (signal?.aborted) return Promise.reject(new AbortError(signal.reason));
    const id = this.#next++;
    const done = new Promise<Uint8Array>((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject });
      if (signal) this.#watch(signal, id);
    });
    this.#queue.push([id, path, offset, length]);
    if (!this.#scheduled) {
      this.#scheduled = true;
      // After this turn's microtasks: every read requested meanwhile joins the batch.
      setImmediate(() => this.#flush());
    }
    return done;
  }

  /**
   * One abort listener per signal (a whole-array read shares one signal across thousands of
   * reads): on abort every read of that signal still waiting rejects; answers that come later find
   * nobody waiting and are dropped.
   */
  #watch(signal: AbortSignal, id: number): void {
    let ids = this.#bySignal.get(signal);
    if (!ids) {
      const set = new Set<number>();
      ids = set;
      this.#bySignal.set(signal, set);
      signal.addEventListener(
        "abort",
        () => {
          this.#bySignal.delete(signal);
          const err = new AbortError(signal.reason);
          for (const waitingId of set) {
            const w = this.#waiting.get(waitingId);
            this.#waiting.delete(waitingId);
            w?.reject(err);
          }
        },
        { once: true },
      );
    }
    ids.add(id);
    this.#signalOf.set(id, ids);
  }

  #flush(): void {
    this.#scheduled = false;
    const queue = this.#queue;
    this.#queue = [];
    const worker = this.#start();
    if (!worker) {
      this.#failAll(new WorkerReadError("EWORKER", "the read worker is unavailable"));
      return;
    }
    worker.ref();
    // Messages of at most BATCH reads and BATCH_BYTES requested bytes: the worker answers each
    // before reading the next, so large chunks do not pile up in one answer.
    let start = 0;
    let bytes = 0;
    for (let i = 0; i < queue.length; i++) {
      bytes += queue[i]![3];
      if (i + 1 - start === BATCH || bytes >= BATCH_BYTES || i + 1 === queue.length) {
        worker.postMessage(queue.slice(start, i + 1));
        start = i + 1;
        bytes = 0;
      }
    }
  }

  #start(): Worker | undefined {
    if (this.#worker || this.#broken) return this.#worker;
    try {
      const worker = new Worker(WORKER_SOURCE, { eval: true });
      // A runtime whose worker never comes up must not leave reads waiting forever.
      const watchdog = setTimeout(
        () => this.#die(new Error(`it did not start within ${START_TIMEOUT_MS} ms`)),
        START_TIMEOUT_MS,
      );
      watchdog.unref();
      worker.once("online", () => clearTimeout(watchdog));
      worker.on("message", (answers: Answer[]) => this.#onAnswers(answers));
      worker.on("error", (err) => this.#die(err));
      worker.on("exit", (code) => this.#die(new Error(`the read worker exited with code ${code}`)));
      worker.unref();
      this.#worker = worker;
      return worker;
    } catch {
      this.#broken = true;
      return undefined;
    }
  }

  #onAnswers(answers: Answer[]): void {
    this.#answered += answers.length;
    for (const [id, bytes, info, message] of answers) {
      const ids = this.#signalOf.get(id);
      if (ids) {
        ids.delete(id);
        this.#signalOf.delete(id);
      }
      const waiting = this.#waiting.get(id);
      if (!waiting) continue;
      this.#waiting.delete(id);
      if (bytes) {
        const n = info as number;
        waiting.resolve(n === bytes.length ? bytes : bytes.subarray(0, n));
      } else waiting.reject(new WorkerReadError(String(info), message ?? String(info)));
    }
    if (this.#waiting.size === 0 && this.#queue.length === 0) this.#worker?.unref();
  }

  #die(err: unknown): void {
    if (this.#broken) return;
    this.#broken = true;
    this.#queue = [];
    void this.#worker?.terminate();
    this.#worker = undefined;
    const reason = err instanceof Error ? err.message : String(err);
    this.#failAll(new WorkerReadError("EWORKER", `the read worker failed: ${reason}`));
  }

  #failAll(err: WorkerReadError): void {
    const waiting = [...this.#waiting.values()];
    this.#waiting.clear();
    for (const ids of this.#signalOf.values()) ids.clear();
    this.#signalOf.clear();
    for (const w of waiting) w.reject(err);
  }
}

let shared: ReadWorker | undefined;

/** The process-wide read worker (created on first use, shared by every filesystem storage). */
export function sharedReadWorker(): ReadWorker {
  shared ??= new ReadWorker();
  return shared;
}
