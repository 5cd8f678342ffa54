/**
 * @module body
 * Reading a GET response body with stalled-stream protection: when no bytes arrive for the
 * grace period, the stream is destroyed and the read fails with a retryable error (the caller
 * retries the GET). The SDK's socket timeout only covers the wait for the response headers.
 */

import { stalledStreamError } from "@icechunk-ts/core";

interface DestroyableStream extends AsyncIterable<Uint8Array> {
  destroy?(error?: Error): void;
}

/**
 * Collects `body` into one Uint8Array. `graceMs` (0 or undefined: no limit) bounds the silence
 * between two chunks; `signal` aborts the read.
 */
export async function readBody(
  body: unknown,
  options: { graceMs?: number; signal?: AbortSignal },
): Promise<Uint8Array> {
  if (body === undefined || body === null) return new Uint8Array(0);
  const stream = body as DestroyableStream;
  if (typeof stream[Symbol.asyncIterator] !== "function") {
    const web = body as { transformToByteArray?: () => Promise<Uint8Array> };
    if (web.transformToByteArray) return web.transformToByteArray();
    throw new Error("unsupported response body type"); // internal invariant: the SDK gives a stream
  }
  const graceMs = options.graceMs ?? 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = () => {
    if (graceMs <= 0) return;
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(() => stream.destroy?.(stalledStreamError(graceMs)), graceMs);
  };
  const onAbort = () =>
    stream.destroy?.(Object.assign(new Error("aborted"), { name: "AbortError" }));
  options.signal?.addEventListener("abort", onAbort, { once: true });
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    arm();
    for await (const chunk of stream) {
      const bytes = typeof chunk === "string" ? new TextEncoder().encode(chunk) : chunk;
      chunks.push(bytes);
      total += bytes.length;
      arm();
    }
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    options.signal?.removeEventListener("abort", onAbort);
  }
  // A plain Uint8Array that owns its whole buffer (Node chunks are Buffers, often pool slices).
  if (chunks.length === 1) {
    const only = chunks[0];
    if (only.byteOffset === 0 && only.byteLength === only.buffer.byteLength) {
      return new Uint8Array(only.buffer, 0, only.byteLength);
    }
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}
