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

/** Options of {@link writeCube}. */
export interface WriteCubeOptions {
  /** Directory of the repository (created if absent). */
  dir: string;
  spec: CubeSpec;
  /** Worker threads; 0 writes everything on the main thread with one session (no fork). */
  workers: number;
  /** Tasks (slabs) to split the cube into; default: 2 per worker. */
  tasks?: number;
  signal?: AbortSignal;
}

/** What {@link writeCube} measured. */
export interface WriteCubeResult {
  snapshotId: string;
  chunks: number;
  bytes: number;
  seconds: number;
  /** Total size of the fork JSON texts the workers returned (0 for a single writer). */
  forkJsonBytes: number;
}

// Worker threads run worker.mjs, which loads the TypeScript task through tsx's `tsImport` (on Node
// 20 a worker does not get the main thread's tsx hooks, nor takes `--import tsx` in its execArgv);
// the condition makes the workspace packages resolve to their sources, as in the main thread.
const WORKER_EXEC_ARGV = ["--conditions=@icechunk-ts/source"];

/** Creates the cube, writes every value and commits once; returns the commit and the timing. */
export async function writeCube(options: WriteCubeOptions): Promise<WriteCubeResult> {
  const { dir, spec, workers, signal } = options;
  const t0 = performance.now();
  const repo = await Repository.openOrCreate(localFilesystemStorage(dir), { signal });
  const session = await repo.writableSession("main", { signal });
  await createCube(session, spec);
  const parts = slabs(spec, options.tasks ?? Math.max(1, workers) * 2);
  let forkJsonBytes = 0;
  if (workers === 0) {
    for (const slab of parts) await writeSlab(session, spec, slab);
  } else {
    const fork = JSON.stringify(await session.fork({ signal }));
    const pool = new Piscina<SlabTask, SlabResult>({
      filename: new URL("./worker.mjs", import.meta.url).href,
      minThreads: workers,
      maxThreads: workers,
      execArgv: WORKER_EXEC_ARGV,
    });
    try {
      const results = await Promise.all(
        parts.map((slab) => pool.run({ dir, fork, spec, slab }, { signal })),
      );
      forkJsonBytes = results.reduce((n, r) => n + r.fork.length, 0);
      const forks = await Promise.all(results.map((r) => repo.sessionFromJSON(r.fork, { signal })));
      session.merge(...forks);
    } finally {
      await pool.destroy();
    }
  }
  const snapshotId = await session.commit(`cube ${spec.shape.join("×")}`, { signal });
  return {
    snapshotId,
    chunks: chunkCount(spec),
    bytes: spec.shape.reduce((a, b) => a * b, 4),
    seconds: (performance.now() - t0) / 1000,
    forkJsonBytes,
  };
}

/** A sensible default worker count on this machine. */
export const defaultWorkers = (): number => Math.max(1, Math.min(4, availableParallelism()));
