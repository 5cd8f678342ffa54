/**
 * @module util/time
 * Time helpers shared by every layer: the microsecond clock of snapshot and repository-update
 * times, and an abortable delay (retries, locks, simulated latency).
 */
import { AbortError } from "../errors.js";

let lastMicros = 0;
/** Microseconds since the epoch, strictly increasing within this process. */
export function nowMicros(): number {
  const t = Math.floor((performance.timeOrigin + performance.now()) * 1000);
  lastMicros = Math.max(t, lastMicros + 1);
  return lastMicros;
}

/** Resolves after `ms` milliseconds, or rejects with AbortError when `signal` aborts first. */
export function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new AbortError(signal.reason));
    const onAbort = () => {
      clearTimeout(timer);
      reject(new AbortError(signal?.reason));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
