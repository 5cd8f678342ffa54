/**
 * Serves a directory over HTTP on 127.0.0.1, as a public bucket, a CDN or any static file server
 * would (GET and HEAD, byte ranges, ETag), so that `read-http.ts` or a browser can open the
 * Icechunk repository in it. Without a directory it first writes a small demo repository (a 6×8
 * `temperature` array on `main`) into a temporary one.
 * Run: pnpm tsx examples/serve.ts [directory]   (e.g. the directory `pnpm demo` printed)
 */
import { createHash } from "node:crypto";
import { mkdtemp, readFile, stat } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, normalize, resolve, sep } from "node:path";
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

/** Serves the files under `dir` on 127.0.0.1 (`port` 0: any free port). */
export async function serveDirectory(dir: string, port = 0): Promise<ServedDirectory> {
  const root = resolve(dir);
  const server = createServer(async (req, res) => {
    const path = normalize(
      join(root, decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname)),
    );
    if (req.method !== "GET" && req.method !== "HEAD") return res.writeHead(405).end();
    if (!path.startsWith(root + sep)) return res.writeHead(403).end();
    let body: Buffer;
    try {
      if (!(await stat(path)).isFile()) return res.writeHead(404).end();
      body = await readFile(path);
    } catch {
      return res.writeHead(404).end();
    }
    const etag = `"${createHash("sha1").update(body).digest("hex")}"`;
    const headers = { ETag: etag, "Access-Control-Allow-Origin": "*", "Accept-Ranges": "bytes" };
    const range = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? "");
    if (range && (range[1] || range[2])) {
      const start = range[1] ? Number(range[1]) : Math.max(0, body.length - Number(range[2]));
      const end =
        range[1] && range[2] ? Math.min(Number(range[2]), body.length - 1) : body.length - 1;
      if (start >= body.length || start > end)
        return res.writeHead(416, { "Content-Range": `bytes */${body.length}` }).end();
      const part = body.subarray(start, end + 1);
      res.writeHead(206, {
        ...headers,
        "Content-Range": `bytes ${start}-${end}/${body.length}`,
        "Content-Length": part.length,
      });
      return res.end(req.method === "HEAD" ? undefined : part);
    }
    res.writeHead(200, { ...headers, "Content-Length": body.length });
    res.end(req.method === "HEAD" ? undefined : body);
  });
  await new Promise<void>((ok) => server.listen(port, "127.0.0.1", ok));
  const { port: actual } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${actual}`,
    close: () => new Promise((ok) => server.close(() => ok())),
  };
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
