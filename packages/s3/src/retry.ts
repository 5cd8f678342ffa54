/**
 * @module retry
 * Error classification and the retry strategy plugged into the AWS SDK (its `retryStrategy`
 * option): exponential backoff with jitter on 408, 429, 499, 5xx, throttling, connection resets
 * and timeouts. The SDK runs the attempt loop (re-signing every attempt, honouring the abort
 * signal); this module only decides whether and when to try again.
 */

/** Retry settings, named like the official binding's `S3Options.retries` / `Settings.retries`. */
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

/** HTTP status of an SDK error (or of any error carrying `$metadata`), if known. */
export function httpStatusOf(err: unknown): number | undefined {
  if (typeof err !== "object" || err === null) return undefined;
  const e = err as { $metadata?: { httpStatusCode?: number }; $response?: { statusCode?: number } };
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
  /socket hang up|ECONNRESET|EPIPE|aborted|premature close|timed? ?out|network|connection/i;

/**
 * True for failures worth another attempt: HTTP 408/429/499/5xx, throttling codes, connection
 * resets, timeouts and other transport errors without an HTTP status.
 * Never true for an abort requested by the caller (check the signal before calling this).
 */
export function isRetryableError(err: unknown): boolean {
  const status = httpStatusOf(err);
  if (status !== undefined) {
    if (RETRYABLE_STATUS.has(status) || status >= 500) return true;
    const code = errorCodeOf(err);
    return code !== undefined && NETWORK_CODES.has(code);
  }
  // No HTTP status: the request never produced a response (transport failure) or the body broke.
  const code = errorCodeOf(err);
  if (code === "AbortError") return false;
  if (code !== undefined && NETWORK_CODES.has(code)) return true;
  const message = err instanceof Error ? err.message : String(err);
  return NETWORK_MESSAGE.test(message);
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

/** The token the SDK retry middleware passes between attempts. */
interface RetryToken {
  getRetryCount(): number;
  getRetryDelay(): number;
}

/**
 * A retry strategy in the shape the AWS SDK expects (`RetryStrategyV2`: acquire / refresh /
 * recordSuccess). Pass it as `retryStrategy` together with `maxAttempts`.
 */
export class IcechunkRetryStrategy {
  /** Reported to the SDK user agent as the retry mode. */
  readonly mode = "standard";
  constructor(
    /** The retry settings (attempts and backoff). */
    readonly options: ResolvedRetryOptions,
  ) {}

  /** First attempt: no delay. */
  async acquireInitialRetryToken(_scope: string): Promise<RetryToken> {
    return token(0, 0);
  }

  /** Next attempt, or a rejection (the SDK then throws the last error). */
  async refreshRetryTokenForRetry(
    previous: RetryToken,
    errorInfo: { error?: unknown; errorType?: string },
  ): Promise<RetryToken> {
    const retries = previous.getRetryCount();
    const retryable =
      errorInfo.errorType === "THROTTLING" ||
      errorInfo.errorType === "TRANSIENT" ||
      isRetryableError(errorInfo.error);
    if (!retryable || retries + 1 >= this.options.maxAttempts) {
      throw new Error("no retry: the error is not retryable or the attempts are used up");
    }
    return token(retries + 1, backoffDelayMs(retries, this.options));
  }

  /** Nothing to account for: there is no shared retry quota. */
  recordSuccess(_token: RetryToken): void {}
}

function token(count: number, delay: number): RetryToken {
  return { getRetryCount: () => count, getRetryDelay: () => delay };
}
