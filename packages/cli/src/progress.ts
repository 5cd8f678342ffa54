/**
 * @module progress
 * A progress bar (cli-progress) on stderr for loops over many objects, shown only when stdout is
 * a terminal and not in `--json` mode; silent otherwise.
 */
import cliProgress from "cli-progress";
import type { CliIO } from "./io.js";

/** Ticks of one long operation. */
export interface Progress {
  tick(): void;
  stop(): void;
}

const SILENT: Progress = { tick() {}, stop() {} };

/** A bar of `total` steps labelled `label`, or a no-op when progress is off. */
export function startProgress(io: CliIO, enabled: boolean, label: string, total: number): Progress {
  if (!enabled || !io.isTTY || total < 2) return SILENT;
  const bar = new cliProgress.SingleBar(
    {
      format: `${label} [{bar}] {value}/{total}`,
      stream: io.stderrStream,
      clearOnComplete: true,
      hideCursor: true,
      noTTYOutput: true,
    },
    cliProgress.Presets.shades_classic,
  );
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
