/**
 * Pure unit tests (no server): error classification, backoff bounds, key and ETag helpers.
 */
import { describe, expect, it } from "vitest";
import {
  backoffDelayMs,
  isRetryableError,
  resolveRetryOptions,
} from "../../core/src/storage/retry.js";
import { copySource, listPrefix, normalizePrefix, objectKey, stripQuotes } from "../src/keys.js";
import { IcechunkRetryStrategy } from "../src/retry.js";

const sdkError = (status: number, name = "Error") =>
  Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });

describe("retry classification", () => {
  it("retries 408, 429, 499 and 5xx, not other 4xx", () => {
    for (const status of [408, 429, 499, 500, 502, 503, 504])
      expect(isRetryableError(sdkError(status))).toBe(true);
    for (const status of [400, 403, 404, 409, 412, 416])
      expect(isRetryableError(sdkError(status))).toBe(false);
  });

  it("retries transport failures without a status, but not aborts", () => {
    expect(
      isRetryableError(Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" })),
    ).toBe(true);
    expect(isRetryableError(new Error("socket hang up"))).toBe(true);
    expect(isRetryableError(Object.assign(new Error("x"), { name: "TimeoutError" }))).toBe(true);
    expect(
      isRetryableError(Object.assign(new Error("Request aborted"), { name: "AbortError" })),
    ).toBe(false);
    expect(isRetryableError(new Error("credentials are invalid"))).toBe(false);
  });

  it("backs off exponentially with jitter inside [ceiling/2, ceiling]", () => {
    const options = resolveRetryOptions({ initialBackoffMs: 100, maxBackoffMs: 1000 });
    for (let retry = 0; retry < 8; retry++) {
      const ceiling = Math.min(1000, 100 * 2 ** retry);
      for (let i = 0; i < 20; i++) {
        const delay = backoffDelayMs(retry, options);
        expect(delay).toBeGreaterThanOrEqual(ceiling / 2);
        expect(delay).toBeLessThanOrEqual(ceiling);
      }
    }
  });

  it("uses Icechunk's defaults and stops after maxAttempts", async () => {
    expect(resolveRetryOptions(undefined)).toEqual({
      maxAttempts: 10,
      initialBackoffMs: 100,
      maxBackoffMs: 180_000,
    });
    const strategy = new IcechunkRetryStrategy(
      resolveRetryOptions({ maxAttempts: 3, initialBackoffMs: 1 }),
    );
    let token = await strategy.acquireInitialRetryToken("");
    token = await strategy.refreshRetryTokenForRetry(token, { error: sdkError(503) });
    token = await strategy.refreshRetryTokenForRetry(token, { error: sdkError(503) });
    expect(token.getRetryCount()).toBe(2);
    await expect(
      strategy.refreshRetryTokenForRetry(token, { error: sdkError(503) }),
    ).rejects.toThrow();
    const fresh = await strategy.acquireInitialRetryToken("");
    await expect(
      strategy.refreshRetryTokenForRetry(fresh, { error: sdkError(412) }),
    ).rejects.toThrow();
  });
});

describe("keys and etags", () => {
  it("maps keys under the prefix and lists by whole segments", () => {
    expect(normalizePrefix("/a/b/")).toBe("a/b");
    expect(objectKey("a/b", "repo")).toBe("a/b/repo");
    expect(objectKey("", "repo")).toBe("repo");
    expect(listPrefix("a", "refs")).toBe("a/refs/");
    expect(listPrefix("a", "")).toBe("a/");
    expect(listPrefix("", "")).toBe("");
    expect(listPrefix("", "refs/")).toBe("refs/");
  });

  it("strips quotes and weak markers from ETags", () => {
    expect(stripQuotes('"abc"')).toBe("abc");
    expect(stripQuotes('W/"abc"')).toBe("abc");
    expect(stripQuotes("abc")).toBe("abc");
    expect(stripQuotes(undefined)).toBeUndefined();
  });

  it("URL-encodes copy sources per segment", () => {
    expect(copySource("b", "p/a b/c+d")).toBe("b/p/a%20b/c%2Bd");
  });
});
