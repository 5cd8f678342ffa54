/**
 * `pnpm viewer <path-or-url> [--port N]`: builds the viewer page and serves it on 127.0.0.1 with,
 * for a local directory, the repository under `/repo/` (same origin, so no CORS needed), then
 * prints the URL to open. An `http(s)://` URL is opened from the page directly (its server must
 * allow cross-origin reads).
 */
import { readdir, stat } from "node:fs/promises";
import type { ServerResponse } from "node:http";
import { join, relative, resolve, sep } from "node:path";
import { pathToFileURL } from "node:url";
import { listen, type ServedDirectory, sendFile } from "../examples/serve.js";
import { buildViewer } from "./build.js";

/** Options of {@link startViewer}. */
export interface ViewerOptions {
  /** A repository directory or an `http(s)://` URL. */
  target: string;
  /** The built page (see buildViewer); default: built now into viewer/dist. */
  pageDir?: string;
  /** Default 0: any free port. */
  port?: number;
}

/** A running viewer: the page's URL with the repository in its query, and the paths requested. */
export interface RunningViewer extends ServedDirectory {
  readonly pageUrl: string;
  readonly requests: string[];
}

const xmlText = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/**
 * S3 ListObjectsV2 (one page) of the repository's files as keys `repo/<path>`: spec-1
 * repositories list their refs, spec 2 needs no listing.
 */
async function listObjects(res: ServerResponse, repoDir: string, prefix: string): Promise<void> {
  const entries = await readdir(repoDir, { recursive: true, withFileTypes: true });
  const keys = entries
    .filter((e) => e.isFile())
    .map((e) => `repo/${relative(repoDir, join(e.parentPath, e.name)).split(sep).join("/")}`)
    .filter((k) => k.startsWith(prefix))
    .sort();
  const contents = keys.map((k) => `<Contents><Key>${xmlText(k)}</Key></Contents>`).join("");
  res.writeHead(200, { "Content-Type": "application/xml", "Access-Control-Allow-Origin": "*" });
  res.end(
    `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult><IsTruncated>false</IsTruncated>${contents}</ListBucketResult>`,
  );
}

/** Serves the page (and a local repository under `/repo/`) on 127.0.0.1. */
export async function startViewer(options: ViewerOptions): Promise<RunningViewer> {
  const remote = /^https?:\/\//i.test(options.target);
  const repoDir = remote ? undefined : resolve(options.target);
  if (repoDir && !(await stat(repoDir).catch(() => undefined))?.isDirectory())
    throw new Error(`${repoDir} is not a directory: pass a repository directory or an http(s) URL`);
  const pageDir = options.pageDir ?? join(import.meta.dirname, "dist");
  if (!options.pageDir) await buildViewer(pageDir);
  const requests: string[] = [];
  const served = await listen(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    const path = url.pathname;
    requests.push(path);
    if (repoDir && path === "/" && url.searchParams.get("list-type") === "2")
      return listObjects(res, repoDir, url.searchParams.get("prefix") ?? "");
    if (repoDir && path.startsWith("/repo/"))
      return sendFile(req, res, repoDir, path.slice("/repo".length));
    return sendFile(req, res, pageDir, path === "/" ? "/index.html" : path);
  }, options.port);
  const repo = remote ? options.target : "/repo";
  return { ...served, pageUrl: `${served.url}/?${new URLSearchParams({ repo })}`, requests };
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const args = process.argv.slice(2);
  const portAt = args.indexOf("--port");
  const port = portAt >= 0 ? Number(args.splice(portAt, 2)[1]) : 0;
  const [target] = args;
  if (!target || target.startsWith("-") || !Number.isInteger(port)) {
    console.error("usage: pnpm viewer <repository-directory-or-http-url> [--port N]");
    process.exit(2);
  }
  // pnpm runs scripts in the workspace root; paths are meant relative to where it was called
  const base = process.env.INIT_CWD ?? process.cwd();
  const where = /^https?:\/\//i.test(target) ? target : resolve(base, target);
  try {
    const viewer = await startViewer({ target: where, port });
    console.log(`viewing ${where} at ${viewer.pageUrl}  (Ctrl-C stops)`);
  } catch (e) {
    console.error((e as Error).message);
    process.exit(1);
  }
}
