/**
 * @module retry
 * The AWS SDK adapter of the shared retry policy (`@icechunk-ts/core`'s storage/retry: error
 * classification, exponential backoff with jitter), plugged into the SDK as its `retryStrategy`.
 * The SDK runs the attempt loop (re-signing every attempt, honouring the abort signal); this
 * module only decides whether and when to try again.
 */
import { backoffDelayMs, isRetryableError, type ResolvedRetryOptions } from "@icechunk-ts/core";

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
