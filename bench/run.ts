/**
 * @module bench/run
 * The benchmark suite (`pnpm bench`): runs every case (or those named with `--only=1,2`), prints
 * progress to stderr, writes BENCHMARKS.md at the repository root (unless `--no-write`), and exits
 * the process (the official implementation's runtime would keep it alive).
 * Options: `--reps=N` repetitions per contender (default 5), `--only=ids`, `--no-write`.
 */
import { writeFile } from "node:fs/promises";
import { cpus } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { bundleCase } from "./cases/bundle.js";
import { coldOpenCase } from "./cases/cold-open.js";
import { httpReadCase } from "./cases/http-read.js";
import { largeManifestCase } from "./cases/large-manifest.js";
import { longHistoryCase } from "./cases/long-history.js";
import { parallelWriteCase } from "./cases/parallel-write.js";
import { readArrayCase } from "./cases/read-array.js";
import { smallCommitCase } from "./cases/small-commit.js";
import { writeCommitCase } from "./cases/write-commit.js";
import { zstdDecodeCase } from "./cases/zstd-decode.js";
import { cleanupTempDirs } from "./lib/data.js";
import { type CaseResult, log } from "./lib/measure.js";
import { renderReport } from "./lib/report.js";

process.env.NAPI_RS_FORCE_WASI ??= "error";

type CaseRunner = (options: { reps: number; signal?: AbortSignal }) => Promise<CaseResult>;

const CASES: Array<{ id: string; name: string; run: CaseRunner }> = [
  { id: "1", name: "cold open to first chunk over HTTP", run: coldOpenCase },
  { id: "2", name: "read a 10,000-chunk array", run: readArrayCase },
  { id: "3", name: "1,000,000-ref manifests: open, lookups, memory", run: largeManifestCase },
  { id: "4", name: "write and commit", run: writeCommitCase },
  { id: "5", name: "10,000 commits: ancestry, old snapshot", run: longHistoryCase },
  { id: "6", name: "browser bundle size", run: bundleCase },
  { id: "7", name: "decoding libzstd frames: ours, fzstd, node:zlib", run: zstdDecodeCase },
  { id: "8", name: "parallel writes through forks (1, 2, 4 workers)", run: parallelWriteCase },
  { id: "9", name: "read a 1024-chunk array over HTTP, 20 ms latency", run: httpReadCase },
  { id: "10", name: "small commits on big arrays (10^4, 10^5 refs)", run: smallCommitCase },
];

function arg(name: string): string | undefined {
  const hit = process.argv.find((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (hit === undefined) return undefined;
  return hit.includes("=") ? hit.slice(hit.indexOf("=") + 1) : "";
}

async function main(): Promise<number> {
  const reps = Number(arg("reps") ?? 5);
  const only = arg("only")?.split(",").filter(Boolean);
  const t0 = performance.now();
  const results: CaseResult[] = [];
  for (const c of CASES) {
    if (only && !only.includes(c.id)) continue;
    log(`case ${c.id}: ${c.name}`);
    const started = performance.now();
    const result = await c.run({ reps });
    log(`  done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    for (const r of result.rows)
      log(
        `  ${r.name}: ${r.skipped ? `skipped (${r.skipped})` : r.medianMs === undefined ? "" : `${r.medianMs.toFixed(1)} ms`}${r.extra ? ` ${JSON.stringify(r.extra)}` : ""}`,
      );
    for (const t of result.targets) log(`  [${t.met ? "met" : "MISSED"}] ${t.target}: ${t.detail}`);
    results.push(result);
    await cleanupTempDirs();
  }
  const totalSeconds = (performance.now() - t0) / 1000;
  if (arg("no-write") === undefined) {
    const root = join(dirname(fileURLToPath(import.meta.url)), "..");
    const text = renderReport(results, {
      node: process.version,
      cpus: `${cpus().length} × ${cpus()[0]?.model ?? "cpu"}`,
      date: new Date().toISOString().slice(0, 10),
      totalSeconds,
      command: `pnpm bench${process.argv.slice(2).length ? ` ${process.argv.slice(2).join(" ")}` : ""}`,
    });
    await writeFile(join(root, "BENCHMARKS.md"), text);
    log("wrote BENCHMARKS.md");
  }
  log(`total ${totalSeconds.toFixed(0)} s`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  async (err) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    await cleanupTempDirs().catch(() => {});
    process.exit(1);
  },
);
