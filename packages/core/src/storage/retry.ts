/**
 * @module storage/retry
 * The one retry policy of every storage backend and virtual chunk fetcher (HTTP, redirect, S3):
 * which failures are worth another attempt (HTTP 408, 429, 499, 5xx, throttling codes, connection
 * resets, `fetch failed`, stalled bodies), exponential backoff with "equal jitter" (a `Retry-After`
 * answer is honoured, capped by the maximum backoff), and an attempt loop that honours the
 * caller's AbortSignal while waiting. Defaults are upstream's `RetriesSettings` (10 tries, 100 ms
 * initial, 180 s maximum backoff).
 */
import { AbortError, IcechunkError, StorageError } from "../errors.js";
import { delay as sleepFor } from "../util/time.js";

/** Retry settings, named like the official binding's `Settings.retries`. */
export interface RetryOptions {
  /** Total attempts per request, first one included (default 10, like Icechunk). */
  maxAttempts?: number;
  /** Base delay of the first retry in ms (default 100). */
  initialBackoffMs?: number;
  /** Upper bound of one delay in ms (default 180 000). */
  maxBackoffMs?: number;
}

/** Retry settings with every field resolved. */
export interface ResolvedRetryOptions {
  readonly maxAttempts: number;
  readonly initialBackoffMs: number;
  readonly maxBackoffMs: number;
}

/** Fills in the Icechunk defaults (10 attempts, 100 ms initial, 180 s maximum backoff). */
export function resolveRetryOptions(options: RetryOptions | undefined): ResolvedRetryOptions {
  const maxAttempts = Math.max(1, Math.floor(options?.maxAttempts ?? 10));
  const initialBackoffMs = Math.max(0, options?.initialBackoffMs ?? 100);
  const maxBackoffMs = Math.max(initialBackoffMs, options?.maxBackoffMs ?? 180_000);
  return { maxAttempts, initialBackoffMs, maxBackoffMs };
}

/** HTTP status of an error (`status`, AWS SDK `$metadata` / `$response`), if known. */
export function httpStatusOf(err: unknown): number | undefined {
  if (typeof err !== "object" || err === null) return undefined;
  const e = err as {
    status?: unknown;
    $metadata?: { httpStatusCode?: number };
    $response?: { statusCode?: number };
  };
  if (typeof e.status === "number") return e.status;
  return e.$metadata?.httpStatusCode ?? e.$response?.statusCode;
}

/** S3 error code (`NoSuchKey`, `PreconditionFailed`, …) or Node error code (`ECONNRESET`). */
export function errorCodeOf(err: unknown): string | undefined {
  if (typeof err !== "object" || err === null) return undefined;
  const e = err as { Code?: unknown; code?: unknown; name?: unknown };
  if (typeof e.Code === "string") return e.Code;
  if (typeof e.code === "string") return e.code;
  if (typeof e.name === "string" && e.name !== "Error") return e.name;
  return undefined;
}

const RETRYABLE_STATUS = new Set([408, 429, 499]);
const NETWORK_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ENETUNREACH",
  "EHOSTUNREACH",
  "UND_ERR_SOCKET",
  "UND_ERR_CLOSED",
  "ERR_STREAM_PREMATURE_CLOSE",
  "TimeoutError",
  "RequestTimeout",
  "RequestTimeoutException",
  "SlowDown",
  "Throttling",
  "ThrottlingException",
  "TooManyRequestsException",
  "InternalError",
  "ServiceUnavailable",
]);
const NETWORK_MESSAGE =
  /socket hang up|ECONNRESET|EPIPE|aborted|premature close|timed? ?out|network|connection|fetch failed|terminated|stalled/i;

/** A marker a backend puts on an error to say "try again" (`retryable: true`), or "never" (`false`). */
interface RetryHint {
  readonly retryable?: boolean;
}

/**
 * True for failures worth another attempt: HTTP 408/429/499/5xx, throttling codes, connection
 * resets, timeouts and other transport errors without an HTTP status (their causes included).
 * Never true for an abort requested by the caller (check the signal before calling this).
 */
export function isRetryableError(err: unknown): boolean {
  const hint = (err as RetryHint | null)?.retryable;
  if (typeof hint === "boolean") return hint;
  // Typed library errors are final, except storage failures (their status or cause decides).
  if (err instanceof IcechunkError && !(err instanceof StorageError)) return false;
  const status = httpStatusOf(err);
  if (status !== undefined) {
    if (RETRYABLE_STATUS.has(status) || status >= 500) return true;
    const code = errorCodeOf(err);
    return code !== undefined && NETWORK_CODES.has(code);
  }
  // No HTTP status: the request never produced a response (transport failure) or the body broke.
  const code = errorCodeOf(err);
  if (code === "AbortError" || code === "aborted") return false;
  if (code !== undefined && NETWORK_CODES.has(code)) return true;
  const message = err instanceof Error ? err.message : String(err);
  if (NETWORK_MESSAGE.test(message)) return true;
  const cause = (err as { cause?: unknown } | null)?.cause;
  return cause !== undefined && cause !== err && isRetryableError(cause);
}

/**
 * Delay before retry number `retry` (0-based): `min(max, initial · 2^retry)` with "equal jitter"
 * (half fixed, half random), so concurrent clients spread out without ever retrying at once.
 */
export function backoffDelayMs(retry: number, options: ResolvedRetryOptions): number {
  const ceiling = Math.min(
    options.maxBackoffMs,
    options.initialBackoffMs * 2 ** Math.min(retry, 30),
  );
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

/** Milliseconds asked for by a `Retry-After` header (seconds or an HTTP date), if any. */
export function retryAfterMs(
  header: string | null | undefined,
  now = Date.now(),
): number | undefined {
  if (header == null || header.trim() === "") return undefined;
  const s = header.trim();
  if (/^\d+$/.test(s)) return Number(s) * 1000;
  const at = Date.parse(s);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** An error that carries the server's `Retry-After` wish (ms). */
interface RetryAfterHint {
  readonly retryAfterMs?: number;
}

/**
 * Runs `attempt` until it succeeds, fails with an error that is not retryable, or the attempts
 * are used up (the last error is thrown). Between attempts it waits the backoff delay, or the
 * error's `retryAfterMs` when larger (never beyond `maxBackoffMs`); an abort ends the wait.
 */
export async function withRetries<T>(
  attempt: (attemptNumber: number) => Promise<T>,
  options: { retries: ResolvedRetryOptions; signal?: AbortSignal | undefined },
): Promise<T> {
  const { retries, signal } = options;
  for (let n = 1; ; n++) {
    if (signal?.aborted) throw new AbortError(signal.reason);
    try {
      return await attempt(n);
    } catch (err) {
      if (signal?.aborted) throw err instanceof AbortError ? err : new AbortError(signal.reason);
      if (n >= retries.maxAttempts || !isRetryableError(err)) throw err;
      const wish = (err as RetryAfterHint | null)?.retryAfterMs;
      const delay = Math.min(
        retries.maxBackoffMs,
        Math.max(backoffDelayMs(n - 1, retries), wish ?? 0),
      );
      await sleepFor(delay, signal);
    }
  }
}

/** The error of a body that stopped delivering bytes; classified retryable (code ETIMEDOUT). */
export function stalledStreamError(graceMs: number): Error {
  return Object.assign(new Error(`the download stalled: no bytes for ${graceMs} ms`), {
    code: "ETIMEDOUT",
  });
}

/**
 * Reads a fetch Response body whole, with stalled-stream protection: no bytes for `graceMs`
 * (0: no limit) cancels the body with a retryable error. More than `maxBytes` bytes is an error
 * too (the caller names the limit), so a hostile server cannot make the reader buffer unbounded
 * data. `signal` aborts the read.
 */
export async function readResponseBody(
  res: Response,
  options: { graceMs?: number; signal?: AbortSignal | undefined; maxBytes?: number } = {},
): Promise<Uint8Array> {
  const body = res.body;
  if (body === null) return new Uint8Array(0);
  const reader = body.getReader();
  const graceMs = options.graceMs ?? 0;
  const signal = options.signal;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let failure: unknown;
  const fail = (err: unknown) => {
    if (failure === undefined) failure = err;
    reader.cancel(err).catch(() => undefined);
  };
  const arm = () => {
    if (graceMs <= 0) return;
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(() => fail(stalledStreamError(graceMs)), graceMs);
  };
  const onAbort = () => fail(new AbortError(signal?.reason));
  signal?.addEventListener("abort", onAbort, { once: true });
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    if (signal?.aborted) throw new AbortError(signal.reason);
    arm();
    for (;;) {
      let step: ReadableStreamReadResult<Uint8Array>;
      try {
        step = await reader.read();
      } catch (err) {
        throw failure ?? err;
      }
      if (failure !== undefined) throw failure;
      if (step.done) break;
      total += step.value.length;
      if (options.maxBytes !== undefined && total > options.maxBytes) {
        const err = Object.assign(
          new Error(`the response body is longer than the ${options.maxBytes} bytes expected`),
          { retryable: false },
        );
        fail(err);
        throw err;
      }
      chunks.push(step.value);
      arm();
    }
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    signal?.removeEventListener("abort", onAbort);
  }
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
