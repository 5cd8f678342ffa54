/**
 * @module progress
 * A progress bar (cli-progress) on stderr for loops over many objects, shown only when stdout is
 * a terminal and not in `--json` mode; silent otherwise.
 */
import type { OnProgress } from "@icechunk-ts/core";
import cliProgress from "cli-progress";
import type { CliIO } from "./io.js";

/** Ticks of one long operation. */
export interface Progress {
  tick(): void;
  stop(): void;
}

const SILENT: Progress = { tick() {}, stop() {} };

function newBar(io: CliIO, label: string): cliProgress.SingleBar {
  return new cliProgress.SingleBar(
    {
      format: `${label} [{bar}] {value}/{total}`,
      stream: io.stderrStream,
      clearOnComplete: true,
      hideCursor: true,
      noTTYOutput: true,
    },
    cliProgress.Presets.shades_classic,
  );
}

/** A bar of `total` steps labelled `label`, or a no-op when progress is off. */
export function startProgress(io: CliIO, enabled: boolean, label: string, total: number): Progress {
  if (!enabled || !io.isTTY || total < 2) return SILENT;
  const bar = newBar(io, label);
  bar.start(total, 0);
  return {
    tick: () => bar.increment(),
    stop: () => bar.stop(),
  };
}

/** Maps `items` with `f` one at a time, ticking a progress bar. */
export async function mapWithProgress<T, R>(
  io: CliIO,
  enabled: boolean,
  label: string,
  items: readonly T[],
  f: (item: T) => Promise<R>,
): Promise<R[]> {
  const progress = startProgress(io, enabled, label, items.length);
  try {
    const out: R[] = [];
    for (const item of items) {
      out.push(await f(item));
      progress.tick();
    }
    return out;
  } finally {
    progress.stop();
  }
}

/**
 * The library's `onProgress` reports (`{ phase, done, total }` of expire, gc, migrate) as one bar
 * per phase, or a no-op when progress is off; phases without a known total draw nothing.
 */
export function progressReporter(
  io: CliIO,
  enabled: boolean,
): { onProgress: OnProgress; stop(): void } {
  if (!enabled || !io.isTTY) return { onProgress: () => {}, stop() {} };
  let bar: cliProgress.SingleBar | undefined;
  let phase: string | undefined;
  return {
    onProgress(p) {
      if (p.total === undefined || p.total < 2) return;
      if (bar === undefined || p.phase !== phase) {
        bar?.stop();
        phase = p.phase;
        bar = newBar(io, p.phase);
        bar.start(p.total, p.done);
      } else bar.update(p.done);
    },
    stop() {
      bar?.stop();
    },
  };
}
