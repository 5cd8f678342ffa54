/**
 * Writes a large cube with a pool of worker threads (piscina): the main thread creates the array,
 * forks its session (`session.fork()` → JSON), each task restores the fork
 * (`repo.sessionFromJSON`), writes its slab through zarrita and returns the fork's JSON; the main
 * thread merges the forks (`session.merge`) and commits once. Prints the throughput.
 * Run: pnpm tsx examples/parallel-write.ts <dir> [--workers N] [--shape T,Y,X] [--chunks T,Y,X]
 *      [--tasks K] [--compressor zstd|gzip]   (--workers 0: a single writer on the main thread, for comparison)
 */
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { type CubeSpec, triple } from "./parallel/cube.js";
import { defaultWorkers, writeCube } from "./parallel/pool.js";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    workers: { type: "string" },
    shape: { type: "string", default: "64,512,512" },
    chunks: { type: "string", default: "8,128,128" },
    tasks: { type: "string" },
    compressor: { type: "string" },
  },
});
const { compressor } = values;
if (compressor !== undefined && compressor !== "zstd" && compressor !== "gzip")
  throw new Error(`--compressor wants zstd or gzip; got "${compressor}"`);
const spec: CubeSpec = {
  shape: triple(values.shape, "shape"),
  chunks: triple(values.chunks, "chunks"),
  ...(compressor === undefined ? {} : { compressor }),
};
const workers = values.workers === undefined ? defaultWorkers() : Number(values.workers);
if (!Number.isInteger(workers) || workers < 0)
  throw new Error(`--workers wants a whole number ≥ 0; got "${values.workers}"`);
const dir = positionals[0] ?? join(await mkdtemp(join(tmpdir(), "icechunk-parallel-")), "repo");

const r = await writeCube({
  dir,
  spec,
  workers,
  ...(values.tasks === undefined ? {} : { tasks: Number(values.tasks) }),
});
const mib = r.bytes / 2 ** 20;
console.log(`repository at ${dir}`);
console.log(
  `wrote cube ${spec.shape.join("×")} float32 (${r.chunks} chunks of ${spec.chunks.join("×")}, ${mib.toFixed(1)} MiB) with ${workers === 0 ? "a single writer" : `${workers} workers`} in one commit ${r.snapshotId}`,
);
console.log(
  `throughput: ${(mib / r.seconds).toFixed(1)} MiB/s, ${(r.chunks / r.seconds).toFixed(0)} chunks/s (${r.seconds.toFixed(2)} s${workers > 0 ? `, after ${r.startupSeconds.toFixed(2)} s starting the workers` : ""})`,
);
if (workers > 0)
  console.log(
    `fork JSON returned: ${(r.forkJsonBytes / r.chunks).toFixed(0)} bytes per changed chunk`,
  );
