/**
 * @module storage
 * Storage backends (browser-safe ones only; the Node filesystem backend is `@icechunk-ts/core/fs`).
 */

export { type HttpStorageOptions, httpStorage } from "./http.js";
export type { FetchLike, HttpRequestOptions } from "./http-util.js";
export { validateKey } from "./key.js";
export { type InMemoryStorageOptions, inMemoryStorage } from "./memory.js";
export { type RedirectStorageOptions, redirectStorage, resolveRedirect } from "./redirect.js";
export {
  backoffDelayMs,
  errorCodeOf,
  httpStatusOf,
  isRetryableError,
  type ResolvedRetryOptions,
  type RetryOptions,
  readResponseBody,
  resolveRetryOptions,
  retryAfterMs,
  stalledStreamError,
  withRetries,
} from "./retry.js";
export {
  applyStorageSettings,
  parseStorageSettings,
  type StorageSettings,
  settingFields,
} from "./settings.js";
export type * from "./types.js";
export {
  type CountingStorage,
  type RequestCounts,
  type StorageOperation,
  withCounting,
  withLatency,
} from "./wrappers.js";
