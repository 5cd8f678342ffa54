/**
 * @module bench/lib/measure
 * Timing helpers of the benchmark suite: repeated runs with medians, memory snapshots, and the
 * result records every case returns (rendered into BENCHMARKS.md by report.ts).
 */
import v8 from "node:v8";
import { runInNewContext } from "node:vm";

/** One measured contender of a case (ours or an anchor). */
export interface Measurement {
  /** e.g. "icechunk-ts", "official (native)". */
  readonly name: string;
  /** Median wall time in ms (undefined when the contender could not run). */
  readonly medianMs?: number;
  /** Every repetition's time, ms. */
  readonly samplesMs?: readonly number[];
  /** Free-form extra columns (requests, MB, …). */
  readonly extra?: Readonly<Record<string, string | number>>;
  /** Why it did not run. */
  readonly skipped?: string;
}

/** A target of the issue and whether it was met. */
export interface TargetCheck {
  readonly target: string;
  readonly met: boolean;
  readonly detail: string;
}

/** The result of one benchmark case. */
export interface CaseResult {
  readonly id: string;
  readonly title: string;
  /** What was measured and how (one paragraph). */
  readonly setup: string;
  readonly rows: readonly Measurement[];
  /** Name of the row ratios are computed against (ours). */
  readonly baseline: string;
  readonly targets: readonly TargetCheck[];
  /** Extra markdown (notes, limits). */
  readonly notes?: string;
}

/** Median of numbers (mean of the two middle ones for even counts). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Runs `fn` `reps` times (after `warmup` unmeasured runs) and returns the samples in ms. */
export async function timeRuns(
  options: { reps: number; warmup?: number; signal?: AbortSignal },
  fn: (rep: number) => Promise<void>,
): Promise<number[]> {
  for (let i = 0; i < (options.warmup ?? 0); i++) {
    options.signal?.throwIfAborted();
    await fn(-1 - i);
  }
  const out: number[] = [];
  for (let i = 0; i < options.reps; i++) {
    options.signal?.throwIfAborted();
    const t0 = performance.now();
    await fn(i);
    out.push(performance.now() - t0);
  }
  return out;
}

/** A measurement row from samples. */
export function row(
  name: string,
  samplesMs: readonly number[],
  extra?: Record<string, string | number>,
): Measurement {
  return { name, medianMs: median(samplesMs), samplesMs, ...(extra ? { extra } : {}) };
}

/** Runs a contender, turning a failure into a skipped row (an anchor must never abort the suite). */
export async function guarded(name: string, fn: () => Promise<Measurement>): Promise<Measurement> {
  try {
    return await fn();
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    process.stderr.write(`  ${name} failed: ${msg}\n`);
    return { name, skipped: `failed: ${msg.split("\n")[0]!.slice(0, 160)}` };
  }
}

let gcFn: (() => void) | undefined | null = null;

/** Runs the garbage collector (exposed at runtime through V8 flags when node lacks --expose-gc). */
export function gc(): void {
  if (gcFn === null) {
    gcFn = (globalThis as { gc?: () => void }).gc;
    if (gcFn === undefined) {
      try {
        v8.setFlagsFromString("--expose-gc");
        gcFn = runInNewContext("gc") as () => void;
      } catch {
        gcFn = undefined;
      }
    }
  }
  if (gcFn) {
    gcFn();
    gcFn();
  }
}

/** Heap + external + array buffers in bytes (after a GC when available). */
export function memoryNow(): {
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  rss: number;
} {
  gc();
  const m = process.memoryUsage();
  return { heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers, rss: m.rss };
}

/** Bytes as MB with one decimal. */
export function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** Milliseconds formatted for tables. */
export function fmtMs(ms: number | undefined): string {
  if (ms === undefined || Number.isNaN(ms)) return "–";
  if (ms >= 100) return `${Math.round(ms)} ms`;
  if (ms >= 10) return `${ms.toFixed(1)} ms`;
  return `${ms.toFixed(2)} ms`;
}

/** Logs progress to stderr (stdout stays clean). */
export function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

/**
 * Times several contenders in alternation (each repetition runs every one, in an order rotated
 * per repetition) so that load from other processes and disk writeback hit them alike.
 * Returns one sample list per contender; a contender that throws gets `undefined` (its error in
 * `errors`) and is left out of later repetitions.
 */
export async function timeInterleaved(
  options: { reps: number; warmup?: number; signal?: AbortSignal },
  fns: ReadonlyArray<(rep: number) => Promise<void>>,
): Promise<{ samples: Array<number[] | undefined>; errors: unknown[] }> {
  const samples: Array<number[] | undefined> = fns.map(() => []);
  const errors: unknown[] = fns.map(() => undefined);
  const total = (options.warmup ?? 0) + options.reps;
  for (let i = 0; i < total; i++) {
    const rep = i - (options.warmup ?? 0);
    for (let k = 0; k < fns.length; k++) {
      options.signal?.throwIfAborted();
      const j = (k + i) % fns.length;
      if (samples[j] === undefined) continue;
      const t0 = performance.now();
      try {
        await fns[j]!(rep < 0 ? rep : rep);
      } catch (err) {
        errors[j] = err;
        samples[j] = undefined;
        continue;
      }
      if (rep >= 0) samples[j]!.push(performance.now() - t0);
    }
  }
  return { samples, errors };
}
