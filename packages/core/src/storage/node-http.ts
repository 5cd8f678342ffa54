/**
 * @module storage/node-http
 * A `fetch`-shaped transport over `node:http` / `node:https` with keep-alive agents, for
 * {@link httpStorage} and the HTTP virtual chunk fetchers in Node (`{ fetch: nodeHttpFetch() }`).
 * Node's global `fetch` (undici behind the WHATWG layer) costs several times more per request than
 * `node:http`; for many small chunk reads with latency that is most of the time. Redirects are never
 * followed (the callers follow them themselves, as with `redirect: "manual"`), no cookies are kept,
 * and bodies above 1 MiB are handed over as a web stream (smaller ones are collected first), so
 * stalled-body detection and size limits still apply.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import { Readable } from "node:stream";
import type { FetchLike } from "./http-util.js";

/** Options of {@link nodeHttpFetch}. */
export interface NodeHttpFetchOptions {
  /** Sockets kept per origin at most (in flight and idle). Default 256. */
  maxSockets?: number;
  /** Use these agents instead (e.g. with TLS options). */
  agents?: { http?: HttpAgent; https?: HttpsAgent };
  /**
   * A request whose socket is silent this long (no headers or body bytes) is ended with an error,
   * which the callers retry: the transport's stalled-body detection. Default 60 000 ms.
   */
  idleTimeoutMs?: number;
}

const NULL_BODY = new Set([101, 204, 205, 304]);
/** Bodies declared at most this long are read into memory before the Response is made. */
const BUFFER_MAX_BYTES = 1 << 20;

/** A FetchLike over `node:http(s)` with pooled keep-alive connections (Node only). */
export function nodeHttpFetch(options: NodeHttpFetchOptions = {}): FetchLike {
  const maxSockets = options.maxSockets ?? 256;
  const http = options.agents?.http ?? new HttpAgent({ keepAlive: true, maxSockets });
  const https = options.agents?.https ?? new HttpsAgent({ keepAlive: true, maxSockets });
  const idleTimeoutMs = options.idleTimeoutMs ?? 60_000;
  return (input, init = {}) =>
    new Promise<Response>((resolve, reject) => {
      const url = new URL(input);
      const secure = url.protocol === "https:";
      if (!secure && url.protocol !== "http:")
        throw new TypeError(`nodeHttpFetch: unsupported protocol ${url.protocol}`);
      const headers: Record<string, string> = {};
      new Headers(init.headers).forEach((value, key) => {
        headers[key] = value;
      });
      const req = (secure ? httpsRequest : httpRequest)(url, {
        method: init.method ?? "GET",
        headers,
        agent: secure ? https : http,
        ...(init.signal ? { signal: init.signal } : {}),
      });
      req.on("error", reject);
      req.setTimeout(idleTimeoutMs, () =>
        req.destroy(new Error(`no bytes from ${url.origin} for ${idleTimeoutMs} ms (stalled)`)),
      );
      req.on("response", (res: IncomingMessage) => {
        const out = new Headers();
        for (const [key, value] of Object.entries(res.headers)) {
          if (value === undefined) continue;
          if (Array.isArray(value)) for (const v of value) out.append(key, v);
          else out.set(key, value);
        }
        const status = res.statusCode ?? 0;
        const init_ = { status, statusText: res.statusMessage ?? "", headers: out };
        if (NULL_BODY.has(status) || init.method === "HEAD") {
          res.resume();
          resolve(new Response(null, init_));
          return;
        }
        const declared = Number(res.headers["content-length"]);
        if (!(declared <= BUFFER_MAX_BYTES)) {
          resolve(new Response(Readable.toWeb(res) as ReadableStream<Uint8Array>, init_));
          return;
        }
        // small bodies (chunks): collected here, cheaper than a web stream per response; the
        // attempt's signal (caller + timeouts) still ends a stalled one
        const parts: Buffer[] = [];
        res.on("data", (part: Buffer) => parts.push(part));
        res.on("error", reject);
        res.on("aborted", () => reject(new Error("the response was aborted")));
        res.on("end", () => {
          const bytes = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
          resolve(new Response(bytes as Uint8Array<ArrayBuffer>, init_));
        });
      });
      const body = init.body;
      if (body === undefined || body === null) req.end();
      else if (typeof body === "string" || body instanceof Uint8Array) req.end(body);
      else {
        req.destroy();
        reject(new TypeError("nodeHttpFetch: only string and Uint8Array bodies are supported"));
      }
    });
}
