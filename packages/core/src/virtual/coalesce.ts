/**
 * @module virtual/coalesce
 * Request coalescing for virtual chunks that live in the same remote file: byte-range reads of one
 * URL issued within the same batch window (default: the next macrotask) whose ranges lie within
 * `maxGap` bytes of each other are merged into one range read of at most `maxRequestSize` bytes,
 * and the result is split back into the callers' ranges. The merged read goes through the same
 * reader (exact Content-Range, length and checksum checks apply to the merged range); reads with
 * different checksums, redirect scopes or timeouts are never merged. A caller's abort rejects only
 * that caller; the merged request is cancelled once every caller in it has aborted.
 */
import { AbortError, InvalidArgumentError } from "../errors.js";
import type { ChunkChecksum } from "../format/manifest.js";

/** Options of request coalescing (`coalesce` of the HTTP virtual chunk fetchers). */
export interface CoalesceOptions {
  /** Largest hole (bytes) between two ranges that still merges them. Default 64 KiB. */
  maxGap?: number;
  /** Largest merged request (bytes); a range longer than this is read on its own. Default 4 MiB. */
  maxRequestSize?: number;
  /** How long (ms) reads are collected before the batch is sent. Default 0 (the next macrotask). */
  windowMs?: number;
}

export const DEFAULT_COALESCE_MAX_GAP = 64 * 1024;
export const DEFAULT_COALESCE_MAX_REQUEST_SIZE = 4 * 1024 * 1024;

/** One range read as the coalescer sees it; `group` keys what may be merged besides the URL. */
export interface CoalescedRead {
  offset: number;
  length: number;
  checksum?: ChunkChecksum | undefined;
  signal?: AbortSignal | undefined;
}

type RangeReader<R extends CoalescedRead> = (url: string, req: R) => Promise<Uint8Array>;

interface Pending<R> {
  req: R;
  resolve: (bytes: Uint8Array) => void;
  reject: (err: unknown) => void;
}

function checkOption(name: string, value: number, min: number): number {
  if (!Number.isSafeInteger(value) || value < min)
    throw new InvalidArgumentError(
      `coalesce.${name}`,
      `must be an integer ≥ ${min}, got ${value}; pass a byte count or coalesce: false`,
    );
  return value;
}

/**
 * Wraps a range reader so that concurrent nearby reads of one URL share requests. `groupKey`
 * returns what else must be equal for two reads to merge (checksum, redirect scope, timeout).
 */
export function coalescingReader<R extends CoalescedRead>(
  read: RangeReader<R>,
  groupKey: (req: R) => string,
  options: CoalesceOptions = {},
): RangeReader<R> {
  const maxGap = checkOption("maxGap", options.maxGap ?? DEFAULT_COALESCE_MAX_GAP, 0);
  const maxSize = checkOption(
    "maxRequestSize",
    options.maxRequestSize ?? DEFAULT_COALESCE_MAX_REQUEST_SIZE,
    1,
  );
  const windowMs = checkOption("windowMs", options.windowMs ?? 0, 0);
  let queue = new Map<string, { url: string; items: Array<Pending<R>> }>();
  let scheduled = false;

  const flush = () => {
    scheduled = false;
    const batch = queue;
    queue = new Map();
    for (const { url, items } of batch.values()) {
      items.sort((a, b) => a.req.offset - b.req.offset);
      let run: Array<Pending<R>> = [];
      let start = 0;
      let end = 0;
      for (const item of items) {
        const { offset, length } = item.req;
        const itemEnd = offset + length;
        if (run.length > 0 && offset - end <= maxGap && Math.max(end, itemEnd) - start <= maxSize) {
          run.push(item);
          end = Math.max(end, itemEnd);
          continue;
        }
        if (run.length > 0) send(url, run, start, end);
        run = [item];
        start = offset;
        end = itemEnd;
      }
      if (run.length > 0) send(url, run, start, end);
    }
  };

  const send = (url: string, run: Array<Pending<R>>, start: number, end: number) => {
    if (run.length === 1) {
      const only = run[0]!;
      read(url, only.req).then(only.resolve, only.reject);
      return;
    }
    const controller = new AbortController();
    let live = run.length;
    const guards = run.map((item) => {
      const signal = item.req.signal;
      let active = true;
      const onAbort = () => {
        if (!active) return;
        active = false;
        item.reject(new AbortError(signal?.reason));
        if (--live === 0) controller.abort(signal?.reason);
      };
      if (signal?.aborted) queueMicrotask(onAbort);
      else signal?.addEventListener("abort", onAbort, { once: true });
      return {
        settle: (fn: () => void) => {
          signal?.removeEventListener("abort", onAbort);
          if (!active) return;
          active = false;
          fn();
        },
      };
    });
    const first = run[0]!.req;
    const merged = { ...first, offset: start, length: end - start, signal: controller.signal };
    read(url, merged).then(
      (bytes) => {
        run.forEach((item, i) => {
          const from = item.req.offset - start;
          guards[i]!.settle(() => item.resolve(bytes.slice(from, from + item.req.length)));
        });
      },
      (err: unknown) => {
        run.forEach((item, i) => {
          guards[i]!.settle(() => item.reject(err));
        });
      },
    );
  };

  return (url, req) => {
    if (req.signal?.aborted) return Promise.reject(new AbortError(req.signal.reason));
    if (req.length > maxSize) return read(url, req);
    return new Promise<Uint8Array>((resolve, reject) => {
      const key = `${groupKey(req)}\u0000${url}`;
      let entry = queue.get(key);
      if (!entry) {
        entry = { url, items: [] };
        queue.set(key, entry);
      }
      entry.items.push({ req, resolve, reject });
      if (!scheduled) {
        scheduled = true;
        setTimeout(flush, windowMs);
      }
    });
  };
}
