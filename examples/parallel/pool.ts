/**
 * Writes the cube of `cube.ts` into a local-filesystem repository, either with a piscina pool of
 * worker threads (fork → JSON → workers → merge → one commit) or with a single writer.
 */
import { availableParallelism } from "node:os";
import { Repository } from "@icechunk-ts/core";
import { localFilesystemStorage } from "@icechunk-ts/core/fs";
import { Piscina } from "piscina";
import { type CubeSpec, chunkCount, createCube, slabs, writeSlab } from "./cube.js";
import type { SlabResult, SlabTask } from "./worker.js";

/** A started pool of worker threads that write slabs. */
export type SlabPool = Piscina<SlabTask | { barrier: Int32Array }, SlabResult | undefined>;

// Worker threads run worker.mjs, which loads the TypeScript task through tsx's `tsImport` (on Node
// 20 a worker does not get the main thread's tsx hooks, nor takes `--import tsx` in its execArgv);
// the condition makes the workspace packages resolve to their sources, as in the main thread.
const WORKER_EXEC_ARGV = ["--conditions=@icechunk-ts/source"];

/** Starts `workers` threads and waits until every one has loaded the task code. */
export async function startPool(workers: number): Promise<SlabPool> {
  const pool: SlabPool = new Piscina({
    filename: new URL("./worker.mjs", import.meta.url).href,
    minThreads: workers,
    maxThreads: workers,
    idleTimeout: Number.POSITIVE_INFINITY,
    execArgv: WORKER_EXEC_ARGV,
  });
  // warm-up: `workers` tasks that block until all have started, so each occupies its own thread
  const barrier = new Int32Array(new SharedArrayBuffer(8));
  barrier[0] = workers;
  await Promise.all(Array.from({ length: workers }, () => pool.run({ barrier })));
  return pool;
}

/** Options of {@link writeCube}. */
export interface WriteCubeOptions {
  /** Directory of the repository (created if absent). */
  dir: string;
  spec: CubeSpec;
  /** Worker threads; 0 writes everything on the main thread with one session (no fork). */
  workers: number;
  /** A pool from {@link startPool} to reuse (else one is started and destroyed). */
  pool?: SlabPool;
  /** Tasks (slabs) to split the cube into; default: 2 per worker. */
  tasks?: number;
  signal?: AbortSignal;
}

/** What {@link writeCube} measured. */
export interface WriteCubeResult {
  snapshotId: string;
  chunks: number;
  bytes: number;
  /** From opening the repository to the commit's return (excludes starting the pool). */
  seconds: number;
  /** Starting the worker threads and loading their code (0 when given a pool, or no workers). */
  startupSeconds: number;
  /** Total size of the fork JSON texts the workers returned (0 for a single writer). */
  forkJsonBytes: number;
}

/** Creates the cube, writes every value and commits once; returns the commit and the timing. */
export async function writeCube(options: WriteCubeOptions): Promise<WriteCubeResult> {
  const { dir, spec, workers, signal } = options;
  const s0 = performance.now();
  const pool = options.pool ?? (workers > 0 ? await startPool(workers) : undefined);
  const t0 = performance.now();
  try {
    const repo = await Repository.openOrCreate(localFilesystemStorage(dir), { signal });
    const session = await repo.writableSession("main", { signal });
    await createCube(session, spec);
    const parts = slabs(spec, options.tasks ?? Math.max(1, workers) * 2);
    let forkJsonBytes = 0;
    if (pool === undefined) {
      for (const slab of parts) await writeSlab(session, spec, slab);
    } else {
      const fork = JSON.stringify(await session.fork({ signal }));
      const results = await Promise.all(
        parts.map(async (slab) => (await pool.run({ dir, fork, spec, slab }, { signal }))!),
      );
      forkJsonBytes = results.reduce((n, r) => n + r.fork.length, 0);
      session.merge(
        ...(await Promise.all(results.map((r) => repo.sessionFromJSON(r.fork, { signal })))),
      );
    }
    const snapshotId = await session.commit(`cube ${spec.shape.join("×")}`, { signal });
    return {
      snapshotId,
      chunks: chunkCount(spec),
      bytes: spec.shape.reduce((a, b) => a * b, 4),
      seconds: (performance.now() - t0) / 1000,
      startupSeconds: (t0 - s0) / 1000,
      forkJsonBytes,
    };
  } finally {
    if (options.pool === undefined) await pool?.destroy();
  }
}

/** A sensible default worker count on this machine. */
export const defaultWorkers = (): number => Math.max(1, Math.min(4, availableParallelism()));
