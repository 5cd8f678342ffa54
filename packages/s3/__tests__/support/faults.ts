/**
 * @module s3/__tests__/support/faults
 * Fault injection at the HTTP transport of a real S3Client: the request handler of the client is
 * wrapped so a test can drop the response of a request that reached the server, answer with an
 * error status without contacting the server, reset the connection, or break the body stream.
 */
import { Readable } from "node:stream";
import type { S3Client } from "@aws-sdk/client-s3";

/** The request as the transport sees it. */
export interface SeenRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Record<string, unknown>;
  readonly headers: Record<string, string>;
}

/** What to do with one request: pass it, or inject a fault. */
export type Fault =
  | { kind: "pass" }
  /** Send the request, let the server act on it, then fail as if the connection dropped. */
  | { kind: "drop-response" }
  /** Answer with this status without contacting the server. */
  | { kind: "status"; status: number; code?: string }
  /** Fail before sending (connection reset). */
  | { kind: "reset" }
  /** Send, then deliver only the first `bytes` bytes of the body and break the stream. */
  | { kind: "break-body"; bytes: number }
  /** Never answer (until the request is aborted). */
  | { kind: "hang" };

interface Handler {
  handle(request: unknown, options?: { abortSignal?: AbortSignal }): Promise<{ response: unknown }>;
}

/**
 * Wraps the transport of `client` (e.g. `s3Storage(...).client`, so the production retry and
 * timeout configuration stays in place): `decide` is consulted for every HTTP request.
 * Returns the list of requests seen, in order.
 */
export function injectFaults(
  client: S3Client,
  decide: (request: SeenRequest) => Fault,
): SeenRequest[] {
  const handler = client.config.requestHandler as unknown as Handler;
  const inner = handler.handle.bind(handler);
  const seen: SeenRequest[] = [];
  handler.handle = async (request, options) => {
    const r = request as SeenRequest;
    const view: SeenRequest = {
      method: r.method,
      path: r.path,
      query: { ...r.query },
      headers: { ...r.headers },
    };
    seen.push(view);
    const fault = decide(view);
    switch (fault.kind) {
      case "pass":
        return inner(request, options);
      case "reset":
        throw Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" });
      case "status": {
        const code = fault.code ?? "ServiceUnavailable";
        const xml = `<?xml version="1.0"?><Error><Code>${code}</Code><Message>injected</Message></Error>`;
        return {
          response: {
            statusCode: fault.status,
            headers: { "content-type": "application/xml" },
            body: Readable.from([Buffer.from(xml)]),
          },
        };
      }
      case "drop-response": {
        const { response } = await inner(request, options);
        const body = (response as { body?: Readable }).body;
        if (body) for await (const _ of body) void _;
        throw Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
      }
      case "break-body": {
        const { response } = await inner(request, options);
        const res = response as { body: Readable };
        const chunks: Buffer[] = [];
        for await (const chunk of res.body) chunks.push(Buffer.from(chunk as Uint8Array));
        const head = Buffer.concat(chunks).subarray(0, fault.bytes);
        const broken = new Readable({
          read() {
            this.push(head);
            this.destroy(Object.assign(new Error("aborted"), { code: "ECONNRESET" }));
          },
        });
        return { response: { ...res, body: broken } };
      }
      case "hang":
        return new Promise((_, reject) => {
          const signal = options?.abortSignal;
          const fail = () =>
            reject(Object.assign(new Error("Request aborted"), { name: "AbortError" }));
          if (signal?.aborted) fail();
          signal?.addEventListener("abort", fail, { once: true });
        });
    }
  };
  return seen;
}

/** Header value by case-insensitive name. */
export function header(request: SeenRequest, name: string): string | undefined {
  const key = Object.keys(request.headers).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : request.headers[key];
}

/** True for a conditional PutObject (If-None-Match or If-Match, not a copy). */
export function isConditionalPut(request: SeenRequest): boolean {
  return (
    request.method === "PUT" &&
    header(request, "x-amz-copy-source") === undefined &&
    (header(request, "if-none-match") !== undefined || header(request, "if-match") !== undefined)
  );
}
