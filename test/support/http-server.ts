/**
 * @module test/support/http-server
 * A static-file HTTP server for tests (127.0.0.1, random port) that behaves like a public object
 * store: Range (206/416), ETag, If-None-Match (304), HEAD, Last-Modified, S3 ListObjectsV2 XML with
 * pagination, CORS, optional latency/auth/whole-body-for-ranges, and redirect endpoints:
 * `/redirect/<path>` → 302 `http+icechunk://host/<path>`, `/redirect-chain/<n>/<path>` → n extra
 * plain 302 hops first, `/redirect-plain/<path>` → 302 `http://host/<path>`, `/redirect-broken` →
 * 302 without Location. `setFault` injects failures per request: connection resets, arbitrary
 * statuses (503, 429 with Retry-After, redirects), bodies that stall or are cut short.
 */
import type { Stats } from "node:fs";
import { open, readdir, stat } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join, relative, resolve, sep } from "node:path";

/** Options of {@link startHttpServer}. */
export interface HttpServerOptions {
  /** Directory whose files are served (`/a/b` is `<root>/a/b`). */
  root: string;
  /** Delay every response by this many ms. */
  latencyMs?: number;
  /** Serve S3 ListObjectsV2 at `/?list-type=2`. Default true. */
  listing?: boolean;
  /** Page size of listings. Default 1000. */
  maxKeys?: number;
  /** Ignore Range headers and always answer 200 with the whole body. */
  ignoreRange?: boolean;
  /** When set, requests without `Authorization: <value>` get 403. */
  requireAuthorization?: string;
}

/** A failure injected into one request (see {@link TestHttpServer.setFault}). */
export type Fault =
  | "reset"
  | { status: number; headers?: Record<string, string>; body?: string }
  | { stallAfterBytes: number }
  | { truncateTo: number };

/** Decides the fault of a request (undefined: answer normally). */
export type FaultPlan = (request: { method: string; url: string; n: number }) => Fault | undefined;

/** A running test server. */
export interface TestHttpServer {
  /** `http://127.0.0.1:<port>` (no trailing slash). */
  readonly url: string;
  readonly port: number;
  /** Every request seen: method, path with query, request headers. */
  readonly requests: Array<{ method: string; url: string; headers: IncomingMessage["headers"] }>;
  /** Changes the per-request latency. */
  setLatency(ms: number): void;
  /** Installs (or removes) fault injection; `n` counts requests since it was installed. */
  setFault(plan: FaultPlan | undefined): void;
  close(): Promise<void>;
}

const CORS = {
  "Access-Control-Allow-Origin": "*",
  "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
  "Access-Control-Allow-Headers": "Range, If-Match, If-None-Match, Authorization",
  "Access-Control-Expose-Headers": "Content-Range, ETag, Last-Modified, Content-Length",
};

function etagOf(st: Stats & { ino: number }): string {
  return `"${st.ino.toString(16)}-${Math.round(st.mtimeMs * 1000).toString(16)}-${st.size.toString(16)}"`;
}

const stripEtag = (s: string) => s.trim().replace(/^W\//, "").replace(/^"|"$/g, "");

async function walk(
  dir: string,
  root: string,
  out: Array<{ key: string; st: Stats }>,
): Promise<void> {
  let entries: import("node:fs").Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    const full = join(dir, e.name);
    if (e.isDirectory()) await walk(full, root, out);
    else if (e.isFile() && !e.name.endsWith(".lock") && !e.name.endsWith(".icechunk-tmp")) {
      out.push({ key: relative(root, full).split(sep).join("/"), st: await stat(full) });
    }
  }
}

const xmlEscape = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** Starts the server; close it with `close()`. */
export async function startHttpServer(options: HttpServerOptions): Promise<TestHttpServer> {
  const root = resolve(options.root);
  let latency = options.latencyMs ?? 0;
  const requests: TestHttpServer["requests"] = [];
  let origin = "";
  let fault: FaultPlan | undefined;
  let faultCount = 0;

  const send = (
    res: ServerResponse,
    status: number,
    headers: Record<string, string>,
    body?: Uint8Array | string,
  ) => {
    res.writeHead(status, { ...CORS, ...headers });
    res.end(body);
  };

  const listing = async (url: URL, res: ServerResponse) => {
    const prefix = url.searchParams.get("prefix") ?? "";
    const after = url.searchParams.get("continuation-token");
    const startAfter = after ? Buffer.from(after, "base64url").toString("utf8") : undefined;
    const all: Array<{ key: string; st: Stats }> = [];
    await walk(root, root, all);
    const matching = all
      .filter((o) => o.key.startsWith(prefix) && (startAfter === undefined || o.key > startAfter))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const max = options.maxKeys ?? 1000;
    const page = matching.slice(0, max);
    const truncated = matching.length > max;
    const items = page
      .map(
        (o) =>
          `<Contents><Key>${xmlEscape(o.key)}</Key><LastModified>${o.st.mtime.toISOString()}</LastModified>` +
          `<ETag>${xmlEscape(etagOf(o.st))}</ETag><Size>${o.st.size}</Size><StorageClass>STANDARD</StorageClass></Contents>`,
      )
      .join("");
    const next = truncated
      ? `<NextContinuationToken>${Buffer.from(page[page.length - 1]!.key).toString("base64url")}</NextContinuationToken>`
      : "";
    const xml =
      `<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">` +
      `<Name>test</Name><Prefix>${xmlEscape(prefix)}</Prefix><KeyCount>${page.length}</KeyCount><MaxKeys>${max}</MaxKeys>` +
      `<IsTruncated>${truncated}</IsTruncated>${next}${items}</ListBucketResult>`;
    send(res, 200, { "Content-Type": "application/xml" }, xml);
  };

  const redirect = (url: URL, res: ServerResponse): boolean => {
    const p = url.pathname;
    const host = origin.replace(/^http:\/\//, "");
    let location: string | undefined;
    if (p === "/redirect-broken") {
      send(res, 302, {});
      return true;
    }
    if (p.startsWith("/redirect/")) location = `http+icechunk://${host}/${p.slice(10)}`;
    else if (p.startsWith("/redirect-plain/")) location = `${origin}/${p.slice(16)}`;
    if (location !== undefined) {
      send(res, 302, { Location: location });
      return true;
    }
    const chain = /^\/redirect-chain\/(\d+)\/(.*)$/.exec(p);
    if (chain) {
      const n = Number(chain[1]);
      const next = n <= 0 ? `/redirect/${chain[2]}` : `/redirect-chain/${n - 1}/${chain[2]}`;
      send(res, 302, { Location: next });
      return true;
    }
    return false;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    requests.push({ method: req.method ?? "GET", url: req.url ?? "/", headers: req.headers });
    if (latency > 0) await new Promise((r) => setTimeout(r, latency));
    const url = new URL(req.url ?? "/", origin);
    if (req.method === "OPTIONS") return send(res, 204, {});
    const f = fault?.({ method: req.method ?? "GET", url: req.url ?? "/", n: faultCount++ });
    if (f === "reset") {
      req.socket.destroy();
      return;
    }
    if (f !== undefined && "status" in f) return send(res, f.status, f.headers ?? {}, f.body);
    if (
      options.requireAuthorization !== undefined &&
      req.headers.authorization !== options.requireAuthorization
    ) {
      return send(
        res,
        403,
        { "Content-Type": "application/xml" },
        "<Error><Code>AccessDenied</Code></Error>",
      );
    }
    if (req.method !== "GET" && req.method !== "HEAD") return send(res, 405, {});
    if (redirect(url, res)) return;
    if (url.pathname === "/" && url.searchParams.get("list-type") === "2") {
      if (options.listing === false)
        return send(res, 404, { "Content-Type": "text/html" }, "<html>no</html>");
      return listing(url, res);
    }
    const rel = decodeURIComponent(url.pathname).replace(/^\/+/, "");
    const file = resolve(root, rel);
    if (rel === "" || (file !== root && !file.startsWith(root + sep))) return send(res, 404, {});
    let fh: import("node:fs/promises").FileHandle;
    try {
      fh = await open(file, "r");
    } catch {
      return send(res, 404, {});
    }
    try {
      const st = await fh.stat();
      if (!st.isFile()) return send(res, 404, {});
      const etag = etagOf(st);
      const common = {
        ETag: etag,
        "Last-Modified": st.mtime.toUTCString(),
        "Accept-Ranges": "bytes",
      };
      // preconditions of virtual chunk reads (ETag / last-modified checksums)
      const im = req.headers["if-match"];
      if (im && !im.split(",").some((t) => stripEtag(t) === stripEtag(etag) || t.trim() === "*"))
        return send(res, 412, common);
      const ius = req.headers["if-unmodified-since"];
      if (ius && Math.floor(st.mtimeMs / 1000) > Math.floor(Date.parse(ius) / 1000))
        return send(res, 412, common);
      const inm = req.headers["if-none-match"];
      if (inm?.split(",").some((t) => stripEtag(t) === stripEtag(etag) || t.trim() === "*")) {
        return send(res, 304, common);
      }
      let start = 0;
      let end = st.size;
      let partial = false;
      const range = options.ignoreRange ? undefined : req.headers.range;
      if (range) {
        const m = /^bytes=(\d*)-(\d*)$/.exec(range.trim());
        if (!m || (m[1] === "" && m[2] === ""))
          return send(res, 416, { "Content-Range": `bytes */${st.size}` });
        if (m[1] === "") start = Math.max(0, st.size - Number(m[2]));
        else {
          start = Number(m[1]);
          end = m[2] === "" ? st.size : Math.min(st.size, Number(m[2]) + 1);
        }
        if (start >= st.size && st.size > 0)
          return send(res, 416, { "Content-Range": `bytes */${st.size}` });
        partial = true;
      }
      const body = Buffer.alloc(Math.max(0, end - start));
      if (body.length > 0) await fh.read(body, 0, body.length, start);
      const headers: Record<string, string> = { ...common, "Content-Length": String(body.length) };
      if (partial)
        headers["Content-Range"] = `bytes ${start}-${Math.max(start, end - 1)}/${st.size}`;
      res.writeHead(partial ? 206 : 200, { ...CORS, ...headers });
      if (f !== undefined && "stallAfterBytes" in f) {
        // headers and a few bytes, then silence until the client gives up
        res.write(body.subarray(0, f.stallAfterBytes));
        return;
      }
      if (f !== undefined && "truncateTo" in f) {
        res.write(body.subarray(0, f.truncateTo));
        res.socket?.destroy();
        return;
      }
      res.end(req.method === "HEAD" ? undefined : body);
    } finally {
      await fh.close();
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err) => {
      if (!res.headersSent) send(res, 500, {}, String(err));
      else res.destroy();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  origin = `http://127.0.0.1:${port}`;
  return {
    url: origin,
    port,
    requests,
    setLatency(ms) {
      latency = ms;
    },
    setFault(plan) {
      fault = plan;
      faultCount = 0;
    },
    close: () =>
      new Promise<void>((r, j) => {
        server.closeAllConnections();
        server.close((err) => (err ? j(err) : r()));
      }),
  };
}
