/**
 * @module storage/http-util
 * Browser-safe helpers for HTTP backends: fetch with typed errors (abort, CORS, credentials),
 * ETag normalisation and a minimal S3 ListObjectsV2 XML parser.
 */
import { AbortError, IcechunkError, StorageError } from "../errors.js";
import {
  type ResolvedRetryOptions,
  type RetryOptions,
  readResponseBody,
  resolveRetryOptions,
  retryAfterMs,
  withRetries,
} from "./retry.js";

/** A fetch-compatible function. */
export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

/** Strips a weak prefix and surrounding quotes: `W/"abc"` → `abc`. */
export function normalizeEtag(raw: string | null | undefined): string | undefined {
  if (raw == null) return undefined;
  let e = raw.trim();
  if (e.startsWith("W/")) e = e.slice(2);
  if (e.length >= 2 && e.startsWith('"') && e.endsWith('"')) e = e.slice(1, -1);
  return e === "" ? undefined : e;
}

function isAbort(err: unknown, signal?: AbortSignal): boolean {
  return signal?.aborted === true || (err instanceof Error && err.name === "AbortError");
}

/** Converts a thrown fetch/body error into AbortError or StorageError. */
export function fetchFailure(
  operation: string,
  path: string,
  url: string,
  err: unknown,
  signal?: AbortSignal,
): IcechunkError {
  if (err instanceof IcechunkError) return err;
  if (isAbort(err, signal)) return new AbortError(signal?.reason ?? err);
  if (err instanceof TypeError) {
    return new StorageError(
      operation,
      path,
      `network error requesting ${url} (${err.message}). The server may be unreachable or may be blocking cross-origin requests (CORS): ` +
        "it must allow this origin, allow the Range and If-None-Match request headers, and expose the Content-Range, ETag and Last-Modified response headers",
      { cause: err },
    );
  }
  return new StorageError(operation, path, `request to ${url} failed: ${String(err)}`, {
    cause: err,
  });
}

/** StorageError for an unexpected HTTP status (401/403 explain credentials). */
export function statusFailure(
  operation: string,
  path: string,
  url: string,
  status: number,
  statusText = "",
): StorageError {
  if (status === 401 || status === 403) {
    return new StorageError(
      operation,
      path,
      `HTTP ${status}${statusText ? ` ${statusText}` : ""} from ${url}: access denied. ` +
        "The repository needs credentials (pass them as headers) or the bucket/server must allow public read access",
      { status },
    );
  }
  return new StorageError(operation, path, `HTTP ${status} ${statusText} from ${url}`.trim(), {
    status,
  });
}

/** Runs fetch and maps thrown errors; the caller handles statuses. */
export async function doFetch(
  fetchFn: FetchLike,
  operation: string,
  path: string,
  url: string,
  init: RequestInit,
): Promise<Response> {
  const signal = init.signal ?? undefined;
  if (signal?.aborted) throw new AbortError(signal.reason);
  try {
    return await fetchFn(url, init);
  } catch (err) {
    throw fetchFailure(operation, path, url, err, signal);
  }
}

/** Reads a response body fully, mapping abort and network errors. */
export async function readBody(
  res: Response,
  operation: string,
  path: string,
  url: string,
  signal?: AbortSignal,
): Promise<Uint8Array> {
  try {
    return new Uint8Array(await res.arrayBuffer());
  } catch (err) {
    throw fetchFailure(operation, path, url, err, signal);
  }
}

/** Discards a response body without reading it. */
export function discardBody(res: Response): void {
  res.body?.cancel().catch(() => undefined);
}

/** Network behaviour of an HTTP backend or fetcher: retries, timeouts, stalled-body detection. */
export interface HttpRequestOptions {
  /** Retry policy (default: 10 attempts, 100 ms to 180 s backoff, as upstream). */
  retries?: RetryOptions;
  /** One attempt (request and body) may take at most this long; it is then retried. Default: none. */
  attemptTimeoutMs?: number;
  /** A whole call, retries included, may take at most this long. Default: none. */
  operationTimeoutMs?: number;
  /** A body that delivers no bytes for this long is abandoned and retried (0: never). Default 60 000. */
  stalledStreamTimeoutMs?: number;
}

/** {@link HttpRequestOptions} with the defaults filled in. */
export interface HttpRequestPolicy {
  readonly retries: ResolvedRetryOptions;
  readonly attemptTimeoutMs: number | undefined;
  readonly operationTimeoutMs: number | undefined;
  readonly stalledStreamTimeoutMs: number;
}

/** Default silence tolerated inside a response body (the official Python binding's 60 s). */
export const DEFAULT_STALLED_STREAM_TIMEOUT_MS = 60_000;

/** Resolves request options (later sources override earlier ones field by field). */
export function resolveRequestPolicy(
  ...sources: Array<HttpRequestOptions | undefined>
): HttpRequestPolicy {
  const pick = <K extends keyof HttpRequestOptions>(k: K): HttpRequestOptions[K] => {
    let v: HttpRequestOptions[K] | undefined;
    for (const s of sources) if (s?.[k] !== undefined) v = s[k];
    return v;
  };
  const retries: RetryOptions = {};
  for (const s of sources) Object.assign(retries, dropUndefined(s?.retries ?? {}));
  return {
    retries: resolveRetryOptions(retries),
    attemptTimeoutMs: positive(pick("attemptTimeoutMs")),
    operationTimeoutMs: positive(pick("operationTimeoutMs")),
    stalledStreamTimeoutMs: Math.max(
      0,
      pick("stalledStreamTimeoutMs") ?? DEFAULT_STALLED_STREAM_TIMEOUT_MS,
    ),
  };
}

function positive(n: number | undefined): number | undefined {
  return n !== undefined && n > 0 ? n : undefined;
}

function dropUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** True for statuses worth another attempt (408, 429, 499, 5xx). */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status === 499 || status >= 500;
}

/** One attempt's view of the call: its signal (caller + timeouts) and a bounded body reader. */
export interface HttpAttempt {
  readonly signal: AbortSignal | undefined;
  /** Reads the body with stalled-stream protection; `maxBytes` bounds what is buffered. */
  body(res: Response, maxBytes?: number): Promise<Uint8Array>;
}

/**
 * Sends a request and lets `handle` interpret the response, retrying the whole exchange (request
 * and body) on transport failures, stalled or broken bodies, attempt timeouts and retryable
 * statuses (408, 429, 499, 5xx; `Retry-After` honoured). A status `handle` must see is passed
 * through only when it is not retryable or the attempts are used up. Aborts are never retried.
 */
export async function requestWithRetries<T>(
  fetchFn: FetchLike,
  policy: HttpRequestPolicy,
  call: {
    operation: string;
    path: string;
    url: string;
    init: RequestInit;
    signal?: AbortSignal | undefined;
  },
  handle: (res: Response, attempt: HttpAttempt) => Promise<T>,
): Promise<T> {
  const caller = call.signal;
  const { operation, path, url } = call;
  const op = deadline(caller, policy.operationTimeoutMs);
  try {
    return await withRetries(
      async (n) => {
        const timer = deadline(op.signal, policy.attemptTimeoutMs);
        const signal = timer.signal;
        const timedOut = (cause: unknown) => {
          if (caller?.aborted) return new AbortError(caller.reason);
          if (op.expired())
            return Object.assign(
              new StorageError(
                operation,
                path,
                `no answer from ${url} within the operation timeout of ${policy.operationTimeoutMs} ms`,
                { cause },
              ),
              { retryable: false },
            );
          return Object.assign(
            new StorageError(
              operation,
              path,
              `attempt ${n} on ${url} timed out after ${policy.attemptTimeoutMs} ms`,
              { cause },
            ),
            { retryable: true },
          );
        };
        try {
          const res = await doFetch(fetchFn, operation, path, url, { ...call.init, signal });
          if (isRetryableStatus(res.status) && n < policy.retries.maxAttempts) {
            discardBody(res);
            throw Object.assign(statusFailure(operation, path, url, res.status, res.statusText), {
              retryAfterMs: retryAfterMs(res.headers.get("retry-after")),
            });
          }
          return await handle(res, {
            signal,
            body: (r, maxBytes) =>
              readResponseBody(r, {
                graceMs: policy.stalledStreamTimeoutMs,
                signal,
                ...(maxBytes !== undefined ? { maxBytes } : {}),
              }).catch((err) => {
                throw fetchFailure(operation, path, url, err, signal);
              }),
          });
        } catch (err) {
          if (signal?.aborted && !caller?.aborted) throw timedOut(err);
          throw err;
        } finally {
          timer.clear();
        }
      },
      { retries: policy.retries, signal: op.signal },
    );
  } catch (err) {
    if (op.expired() && !caller?.aborted && err instanceof AbortError)
      throw new StorageError(
        operation,
        path,
        `no answer from ${url} within the operation timeout of ${policy.operationTimeoutMs} ms`,
        { cause: err },
      );
    throw err;
  } finally {
    op.clear();
  }
}

/** A signal that fires when `parent` aborts or after `ms` (none: `parent` itself). */
function deadline(
  parent: AbortSignal | undefined,
  ms: number | undefined,
): { signal: AbortSignal | undefined; expired(): boolean; clear(): void } {
  if (ms === undefined) return { signal: parent, expired: () => false, clear: () => undefined };
  const controller = new AbortController();
  let fired = false;
  const timer = setTimeout(() => {
    fired = true;
    controller.abort(new Error(`timed out after ${ms} ms`));
  }, ms);
  const signal = parent ? AbortSignal.any([parent, controller.signal]) : controller.signal;
  return { signal, expired: () => fired, clear: () => clearTimeout(timer) };
}

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

/** Decodes the five XML entities and numeric character references. */
export function xmlDecode(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (m, body: string) => {
    if (body.startsWith("#x")) return String.fromCodePoint(Number.parseInt(body.slice(2), 16));
    if (body.startsWith("#")) return String.fromCodePoint(Number.parseInt(body.slice(1), 10));
    return ENTITIES[body] ?? m;
  });
}

/** One page of an S3 ListObjectsV2 response. */
export interface ListPage {
  readonly contents: Array<{ key: string; size: number; lastModified: Date }>;
  readonly nextContinuationToken: string | undefined;
  readonly isTruncated: boolean;
}

function tag(block: string, name: string): string | undefined {
  const m = new RegExp(`<${name}>([\\s\\S]*?)</${name}>`).exec(block);
  return m ? xmlDecode(m[1]!) : undefined;
}

/** Parses a ListObjectsV2 XML document; undefined when it is not a ListBucketResult. */
export function parseListObjectsV2(xml: string): ListPage | undefined {
  if (!/<ListBucketResult[\s>]/.test(xml)) return undefined;
  const contents: Array<{ key: string; size: number; lastModified: Date }> = [];
  for (const m of xml.matchAll(/<Contents>([\s\S]*?)<\/Contents>/g)) {
    const block = m[1]!;
    const key = tag(block, "Key");
    if (key === undefined) continue;
    contents.push({
      key,
      size: Number(tag(block, "Size") ?? "0"),
      lastModified: new Date(tag(block, "LastModified") ?? 0),
    });
  }
  const head = xml.replace(/<Contents>[\s\S]*?<\/Contents>/g, "");
  return {
    contents,
    nextContinuationToken: tag(head, "NextContinuationToken"),
    isTruncated: tag(head, "IsTruncated") === "true",
  };
}
