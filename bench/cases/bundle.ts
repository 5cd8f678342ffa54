/**
 * @module bench/cases/bundle
 * Case 6: browser bundle size — the read path (core + zarrita adapter, tree-shaken, minified,
 * gzipped with esbuild) and the read + write path, vs the official binding's WASM module.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";
import type { CaseResult, Measurement } from "../lib/measure.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../..");

const READ_ENTRY = `
import { Repository, httpStorage } from "@icechunk-ts/core";
import { IcechunkStore } from "@icechunk-ts/zarrita";
export async function open(url) {
  const repo = await Repository.open(httpStorage(url));
  const session = await repo.readonlySession({ branch: "main" });
  return new IcechunkStore(session);
}`;

const WRITE_ENTRY = `${READ_ENTRY}
export async function write(storage, key, bytes) {
  const repo = await Repository.open(storage);
  const session = await repo.writableSession("main");
  await session.store.set(key, bytes);
  return session.commit("write");
}`;

async function bundleSize(entry: string): Promise<{ min: number; gz: number }> {
  const out = await build({
    stdin: { contents: entry, resolveDir: ROOT, loader: "js", sourcefile: "entry.js" },
    bundle: true,
    minify: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    write: false,
    external: ["zarrita", "@zarrita/*"],
    conditions: ["@icechunk-ts/source"],
    logLevel: "silent",
  });
  const bytes = out.outputFiles[0]!.contents;
  return { min: bytes.length, gz: gzipSync(bytes, { level: 9 }).length };
}

function wasmSize(): { raw: number; gz: number } | undefined {
  try {
    const req = createRequire(join(ROOT, "package.json"));
    const pkg = dirname(req.resolve("@earthmover/icechunk-wasm32-wasi/package.json"));
    const file = join(pkg, "icechunk.wasm32-wasi.wasm");
    const raw = readFileSync(file);
    return { raw: raw.length, gz: gzipSync(raw, { level: 9 }).length };
  } catch {
    return undefined;
  }
}

const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;

/** Runs case 6 (sizes, not times: the "median" column is empty). */
export async function bundleCase(): Promise<CaseResult> {
  const read = await bundleSize(READ_ENTRY);
  const write = await bundleSize(WRITE_ENTRY);
  const wasm = wasmSize();
  const rows: Measurement[] = [
    { name: "icechunk-ts read path", extra: { minified: kb(read.min), gzipped: kb(read.gz) } },
    {
      name: "icechunk-ts read + write path",
      extra: { minified: kb(write.min), gzipped: kb(write.gz) },
    },
    wasm
      ? {
          name: "official WASM (icechunk.wasm32-wasi.wasm)",
          extra: { minified: kb(wasm.raw), gzipped: kb(wasm.gz) },
        }
      : { name: "official WASM", skipped: "package not found" },
  ];
  return {
    id: "6",
    title: "Browser bundle size",
    setup:
      "esbuild (bundle, minify, ESM, platform browser, tree-shaking) of an entry that opens a repository over `httpStorage` and wraps a read-only session in `IcechunkStore` (read path), and one that also writes a key and commits (write path); zarrita itself is external (the application has it anyway). Sizes are gzip level 9. The official binding's number is its WASM module alone (its JS glue and WASI shim come on top).",
    rows,
    baseline: "icechunk-ts read path",
    targets: [
      { target: "read path < 60 KB gzipped", met: read.gz < 60 * 1024, detail: kb(read.gz) },
      {
        target: "read + write path < 120 KB gzipped",
        met: write.gz < 120 * 1024,
        detail: kb(write.gz),
      },
    ],
  };
}
