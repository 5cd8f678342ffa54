/**
 * @module operation
 * One storage call: the caller's AbortSignal combined with the optional operation timeout,
 * abortable sleeps for backoff, and the translation of every failure into a typed error.
 */
import { AbortError, StorageError } from "@icechunk-ts/core";
import { toStorageError } from "./errors.js";

/** The context of one storage call (not exported from the package). */
export class Operation {
  /** Signal passed to every request of this call: caller abort or operation timeout. */
  readonly signal: AbortSignal | undefined;
  private readonly timeout: AbortController | undefined;
  private readonly timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    readonly name: string,
    readonly key: string,
    private readonly callerSignal: AbortSignal | undefined,
    private readonly timeoutMs: number | undefined,
  ) {
    if (timeoutMs !== undefined && timeoutMs > 0) {
      this.timeout = new AbortController();
      this.timer = setTimeout(() => this.timeout?.abort(new Error("operation timeout")), timeoutMs);
      this.signal = callerSignal
        ? AbortSignal.any([callerSignal, this.timeout.signal])
        : this.timeout.signal;
    } else {
      this.signal = callerSignal;
    }
  }

  /** Throws AbortError when the caller aborted, a StorageError when the operation timed out. */
  throwIfAborted(): void {
    if (this.callerSignal?.aborted) throw new AbortError(this.callerSignal.reason);
    if (this.timeout?.signal.aborted) throw this.timedOut();
  }

  private timedOut(): StorageError {
    return new StorageError(
      this.name,
      this.key,
      `timed out after ${this.timeoutMs} ms (raise timeouts.operationMs or check the endpoint)`,
    );
  }

  /**
   * Runs `fn`, mapping failures to typed errors. Call `dispose` yourself when using `run` for
   * several steps of one iterator; otherwise the timer is cleared when `fn` settles.
   */
  async run<T>(fn: () => Promise<T>, keepOpen = false): Promise<T> {
    this.throwIfAborted();
    try {
      return await fn();
    } catch (err) {
      this.throwIfAborted();
      throw toStorageError(err, this.name, this.key, this.callerSignal);
    } finally {
      if (!keepOpen) this.dispose();
    }
  }

  /** Clears the operation timer. */
  dispose(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
  }

  /** Waits `ms`, rejecting early (AbortError / timeout) when the signal fires. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const signal = this.signal;
      if (signal?.aborted) {
        reject(this.abortReason());
        return;
      }
      const onAbort = () => {
        clearTimeout(timer);
        reject(this.abortReason());
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      }, ms);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  private abortReason(): Error {
    if (this.callerSignal?.aborted) return new AbortError(this.callerSignal.reason);
    return this.timedOut();
  }
}
