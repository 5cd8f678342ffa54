/**
 * @module util/progress
 * Progress reports of long repository operations (`onProgress({ phase, done, total })`): the
 * phase names the step (e.g. "snapshots", "manifests"), `done` counts the items finished in it and
 * `total` is how many there are, when known. Reports of one phase never go backwards.
 */

/** One progress report. */
export interface Progress {
  readonly phase: string;
  readonly done: number;
  readonly total?: number;
}

/** Receives progress reports; called synchronously, keep it cheap. */
export type OnProgress = (progress: Progress) => void;

/** Options of the operations that report progress. */
export interface ProgressOptions {
  onProgress?: OnProgress;
}

/** A counter for one phase that reports every `done` change (and the phase's start). */
export function phaseCounter(
  onProgress: OnProgress | undefined,
  phase: string,
  total?: number,
): { tick(n?: number): void; readonly done: number } {
  let done = 0;
  const report = () => onProgress?.(total === undefined ? { phase, done } : { phase, done, total });
  report();
  return {
    tick(n = 1) {
      done += n;
      report();
    },
    get done() {
      return done;
    },
  };
}
