/**
 * @module test/support/faulty-storage
 * A Storage wrapper for fault injection and deterministic interleavings. It numbers every storage
 * call (1, 2, …; a `list` counts once, when its iteration starts) and, at call `at`, injects one
 * fault:
 * - `fail`: the call throws a StorageError without reaching the storage;
 * - `hang`: the call waits until its signal aborts, then throws AbortError (`onHang` runs first,
 *   so a test can abort its controller there);
 * - `lose-response`: the call reaches the storage (a write lands, a delete deletes) and then
 *   throws a StorageError, as when the connection drops before the answer arrives.
 * `beforeCall` (awaited before every call, fault or not) pauses the caller at a chosen call, so a
 * test can run another operation in between.
 */
import { AbortError, StorageError } from "../../packages/core/src/errors.js";
import type { Storage, StorageCallOptions } from "../../packages/core/src/storage/types.js";

export type FaultMode = "fail" | "hang" | "lose-response";
export const FAULT_MODES: readonly FaultMode[] = ["fail", "hang", "lose-response"];

/** Operations that change the storage (a lost response differs from a failure only for these). */
export const WRITE_OPERATIONS: ReadonlySet<string> = new Set(["put", "copy", "delete"]);

/**
 * The (mode, call) fault cases for an operation whose clean run made the calls in `trace`: every
 * call fails and hangs; writes also lose their response (for a read that is the same as failing).
 */
export function faultCases(trace: readonly string[]): Array<{ mode: FaultMode; at: number }> {
  const out: Array<{ mode: FaultMode; at: number }> = [];
  for (const mode of FAULT_MODES)
    trace.forEach((op, i) => {
      if (mode !== "lose-response" || WRITE_OPERATIONS.has(op)) out.push({ mode, at: i + 1 });
    });
  return out;
}

export interface FaultOptions {
  /** The 1-based call number that faults (none when absent). */
  at?: number;
  mode?: FaultMode;
  /** Runs when the hanging call starts waiting for its abort. */
  onHang?: () => void;
  /** Awaited before call `n` reaches the storage. */
  beforeCall?: (n: number, operation: string, key: string) => Promise<void> | void;
}

export interface FaultyStorage extends Storage {
  /** Calls made so far. */
  readonly calls: number;
  /** Whether the fault was injected. */
  readonly faulted: boolean;
  /** The operation of every call so far (`trace[n - 1]` for call n), e.g. `put`. */
  readonly trace: readonly string[];
  /** Re-arms the wrapper (counter back to 0). */
  arm(options: FaultOptions): void;
}

function waitForAbort(signal: AbortSignal | undefined): Promise<never> {
  return new Promise((_, reject) => {
    if (signal?.aborted) return reject(new AbortError(signal.reason));
    signal?.addEventListener("abort", () => reject(new AbortError(signal.reason)), { once: true });
  });
}

/** Wraps `inner` with the fault described by `options` (see the module docs). */
export function faultyStorage(inner: Storage, options: FaultOptions = {}): FaultyStorage {
  let opts = options;
  let calls = 0;
  let faulted = false;
  let trace: string[] = [];
  /** Runs `call` as storage call number n, with the fault when n is the armed one. */
  async function run<T>(
    operation: string,
    key: string,
    callOptions: StorageCallOptions | undefined,
    call: () => Promise<T>,
  ): Promise<T> {
    const n = ++calls;
    trace.push(operation);
    await opts.beforeCall?.(n, operation, key);
    if (n !== opts.at) return call();
    faulted = true;
    const mode = opts.mode ?? "fail";
    if (mode === "fail") throw new StorageError(operation, key, `injected fault at call ${n}`);
    if (mode === "hang") {
      opts.onHang?.();
      return waitForAbort(callOptions?.signal);
    }
    await call();
    throw new StorageError(operation, key, `injected lost response at call ${n}`);
  }
  const wrapped: FaultyStorage = {
    description: `${inner.description} (faulty)`,
    canWrite: inner.canWrite,
    get calls() {
      return calls;
    },
    get faulted() {
      return faulted;
    },
    get trace() {
      return trace;
    },
    arm(next) {
      opts = next;
      calls = 0;
      faulted = false;
      trace = [];
    },
    get: (key, o) => run("get", key, o, () => inner.get(key, o)),
    put: (key, data, o) => run("put", key, o, () => inner.put(key, data, o)),
    copy: (from, to, o) => run("copy", to, o, () => inner.copy(from, to, o)),
    delete: (keys, o) => run("delete", keys[0] ?? "", o, () => inner.delete(keys, o)),
    lastModified: (key, o) => run("lastModified", key, o, () => inner.lastModified(key, o)),
    async *list(prefix, o) {
      const entries = await run("list", prefix, o, async () => {
        const out = [];
        for await (const e of inner.list(prefix, o)) out.push(e);
        return out;
      });
      yield* entries;
    },
  };
  if (inner.getIfModified) {
    const getIfModified = inner.getIfModified.bind(inner);
    wrapped.getIfModified = (key, version, o) =>
      run("getIfModified", key, o, () => getIfModified(key, version, o));
  }
  return wrapped;
}
