/**
 * @module bench/cases/parallel-write
 * Case 7: writing a cube with a piscina pool of N = 1, 2, 4 worker threads through forks
 * (examples/parallel-write.ts) against a single writer on the main thread.
 */
import { availableParallelism } from "node:os";
import type { CubeSpec } from "../../examples/parallel/cube.js";
import { type SlabPool, startPool, writeCube } from "../../examples/parallel/pool.js";
import { tempDir } from "../lib/data.js";
import { type CaseResult, log, type Measurement, row, timeInterleaved } from "../lib/measure.js";

const SPEC: CubeSpec = { shape: [64, 512, 512], chunks: [8, 128, 128], compressor: "zstd" };
const WORKERS = [1, 2, 4] as const;
const SINGLE = "single writer";
const name = (n: number) => `${n} worker${n === 1 ? "" : "s"}`;

/** Runs case 8 (contenders alternate within each repetition; pools are started beforehand). */
export async function parallelWriteCase(options: {
  reps: number;
  signal?: AbortSignal;
}): Promise<CaseResult> {
  const reps = Math.max(1, Math.min(options.reps, 5));
  const pools = new Map<number, SlabPool>();
  const startup = new Map<number, number>();
  const forkBytes = new Map<number, number>();
  try {
    for (const n of WORKERS) {
      const t0 = performance.now();
      pools.set(n, await startPool(n));
      startup.set(n, performance.now() - t0);
    }
    const contenders = [0, ...WORKERS];
    log(`  cube ${SPEC.shape.join("×")} zstd (contenders alternate)`);
    const result = await timeInterleaved(
      { reps, warmup: 1, signal: options.signal },
      contenders.map((n) => async () => {
        const r = await writeCube({
          dir: await tempDir("pw"),
          spec: SPEC,
          workers: n,
          ...(n === 0 ? {} : { pool: pools.get(n)! }),
          ...(options.signal ? { signal: options.signal } : {}),
        });
        forkBytes.set(n, r.forkJsonBytes / r.chunks);
      }),
    );
    const mib = SPEC.shape.reduce((a, b) => a * b, 4) / 2 ** 20;
    const rows: Measurement[] = contenders.map((n, k) => {
      const label = n === 0 ? SINGLE : name(n);
      const samples = result.samples[k];
      if (samples === undefined) {
        const err = result.errors[k];
        const msg = err instanceof Error ? err.message : String(err);
        return { name: label, skipped: `failed: ${msg.split("\n")[0]!.slice(0, 160)}` };
      }
      const r = row(label, samples);
      return {
        ...r,
        extra: {
          "MiB/s": ((mib * 1000) / r.medianMs!).toFixed(1),
          ...(n === 0
            ? {}
            : {
                "pool start": `${startup.get(n)!.toFixed(0)} ms`,
                "fork JSON / chunk": `${forkBytes.get(n)!.toFixed(0)} B`,
              }),
        },
      };
    });
    const single = rows[0]!.medianMs;
    const four = rows[rows.length - 1]!.medianMs;
    return {
      id: "7",
      title: "Parallel writes through forks (worker threads)",
      setup: `A ${SPEC.shape.join("×")} float32 cube (${mib} MiB, chunks ${SPEC.chunks.join("×")}, zstd level 3, 128 chunks) into a fresh local-filesystem repository, one commit. Workers: a piscina pool started (and its code loaded) before timing — start-up is the "pool start" column; the main thread creates the array, forks the session to JSON, 2 tasks per worker each restore the fork, write a slab of chunk rows through zarrita and return the fork's JSON, and the main thread merges and commits. Single writer: the same slabs written one after another by one session on the main thread. Timed from opening the repository to the commit's return. The machine has ${availableParallelism()} cores, shared with other processes.`,
      rows,
      baseline: SINGLE,
      targets: [
        {
          target: "4 workers faster than a single writer",
          met: single !== undefined && four !== undefined && four < single,
          detail:
            single === undefined || four === undefined
              ? "not measured"
              : `4 workers ${four.toFixed(0)} ms vs single ${single.toFixed(0)} ms`,
        },
      ],
    };
  } finally {
    for (const p of pools.values()) await p.destroy();
  }
}
