/**
 * @module storage/http-util
 * Browser-safe helpers for HTTP backends: fetch with typed errors (abort, CORS, credentials),
 * ETag normalisation and a minimal S3 ListObjectsV2 XML parser.
 */
import { AbortError, IcechunkError, StorageError } from "../errors.js";

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
