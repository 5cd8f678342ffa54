/**
 * Serves a directory over HTTP on 127.0.0.1, as a public bucket, a CDN or any static file server
 * would (GET and HEAD, byte ranges, ETag), so that `read-http.ts` or a browser can open the
 * Icechunk repository in it. Without a directory it first writes a small demo repository (a 6×8
 * `temperature` array on `main`) into a temporary one.
 * Run: pnpm tsx examples/serve.ts [directory]   (e.g. the directory `pnpm demo` printed)
 */
import { createHash } from "node:crypto";
import { mkdtemp, readFile, stat } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { extname, join, normalize, resolve, sep } from "node:path";
import { pathToFileURL } from "node:url";
import { Repository } from "@icechunk-ts/core";
import { localFilesystemStorage } from "@icechunk-ts/core/fs";
import { writeTemperature } from "./temperature.js";

/** A running server: its base URL (no trailing slash) and how to stop it. */
export interface ServedDirectory {
  readonly url: string;
  close(): Promise<void>;
}

/** Writes a demo repository into `dir`: a 6×8 float32 `temperature` array (15.00 … 26.75) on `main`. */
export async function writeDemoRepository(dir: string): Promise<void> {
  const repo = await Repository.openOrCreate(localFilesystemStorage(dir));
  const session = await repo.writableSession("main");
  await writeTemperature(session);
  await session.commit("write temperature");
}

/** Content types by file extension (module scripts need one); others are sent without. */
const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".json": "application/json",
};

/**
 * Answers a GET or HEAD for the file at `urlPath` under `root` (byte ranges, ETag, CORS open to
 * every origin, preflights included); 403 outside `root`, 404 for what is not a file.
 */
export async function sendFile(
  req: IncomingMessage,
  res: ServerResponse,
  root: string,
  urlPath: string,
): Promise<void> {
  const base = resolve(root);
  const path = normalize(join(base, decodeURIComponent(urlPath)));
  res.setHeader("Access-Control-Allow-Origin", "*"); // errors too, so pages can read them
  if (req.method === "OPTIONS")
    return void res
      .writeHead(204, {
        "Access-Control-Allow-Methods": "GET, HEAD",
        "Access-Control-Allow-Headers": "Range, If-None-Match, If-Match",
        "Access-Control-Max-Age": "600",
      })
      .end();
  if (req.method !== "GET" && req.method !== "HEAD") return void res.writeHead(405).end();
  if (!path.startsWith(base + sep)) return void res.writeHead(403).end();
  let body: Buffer;
  try {
    if (!(await stat(path)).isFile()) return void res.writeHead(404).end();
    body = await readFile(path);
  } catch {
    return void res.writeHead(404).end();
  }
  const etag = `"${createHash("sha1").update(body).digest("hex")}"`;
  const type = CONTENT_TYPES[extname(path)];
  const headers = {
    ETag: etag,
    "Accept-Ranges": "bytes",
    "Access-Control-Expose-Headers": "Content-Range, ETag, Content-Length",
    ...(type ? { "Content-Type": type } : {}),
  };
  const range = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? "");
  if (range && (range[1] || range[2])) {
    const start = range[1] ? Number(range[1]) : Math.max(0, body.length - Number(range[2]));
    const end =
      range[1] && range[2] ? Math.min(Number(range[2]), body.length - 1) : body.length - 1;
    if (start >= body.length || start > end)
      return void res.writeHead(416, { "Content-Range": `bytes */${body.length}` }).end();
    const part = body.subarray(start, end + 1);
    res.writeHead(206, {
      ...headers,
      "Content-Range": `bytes ${start}-${end}/${body.length}`,
      "Content-Length": part.length,
    });
    return void res.end(req.method === "HEAD" ? undefined : part);
  }
  res.writeHead(200, { ...headers, "Content-Length": body.length });
  res.end(req.method === "HEAD" ? undefined : body);
}

/** Listens on 127.0.0.1 (`port` 0: any free port). */
export async function listen(
  handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
  port = 0,
): Promise<ServedDirectory> {
  const server = createServer((req, res) => {
    handler(req, res).catch(() => res.writeHead(500).end());
  });
  await new Promise<void>((ok) => server.listen(port, "127.0.0.1", ok));
  const { port: actual } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${actual}`,
    close: () =>
      new Promise((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}

/** Serves the files under `dir` on 127.0.0.1 (`port` 0: any free port). */
export function serveDirectory(dir: string, port = 0): Promise<ServedDirectory> {
  return listen(
    (req, res) => sendFile(req, res, dir, new URL(req.url ?? "/", "http://x").pathname),
    port,
  );
}

/** A fresh demo repository in a temporary directory, served over HTTP; the URL is the repository's. */
export async function serveDemoRepository(): Promise<ServedDirectory> {
  const dir = await mkdtemp(join(tmpdir(), "icechunk-served-"));
  await writeDemoRepository(join(dir, "repo"));
  const served = await serveDirectory(dir);
  return { url: `${served.url}/repo`, close: served.close };
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const dir = process.argv[2];
  const served = dir ? await serveDirectory(dir) : await serveDemoRepository();
  console.log(`serving ${dir ?? "a demo repository"} at ${served.url}  (Ctrl-C stops)`);
  console.log(`read it with: pnpm tsx examples/read-http.ts ${served.url}`);
}
