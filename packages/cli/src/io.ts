/**
 * @module io
 * Where the CLI writes and what it knows about its terminal (injectable, so the same code runs
 * as the `icechunk-ts` process and in-process).
 */

/** Output streams, terminal detection and environment of one CLI run. */
export interface CliIO {
  stdout(text: string): void;
  stderr(text: string): void;
  /** The stream progress bars draw on (a TTY stream). */
  readonly stderrStream: NodeJS.WritableStream;
  /** stdout is a terminal: colours and progress bars. */
  readonly isTTY: boolean;
  readonly env: Record<string, string | undefined>;
  /** Aborted on SIGINT. */
  readonly signal?: AbortSignal;
}

/** The process's own streams. */
export function processIO(signal?: AbortSignal): CliIO {
  return {
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
    stderrStream: process.stderr,
    isTTY: process.stdout.isTTY === true,
    env: process.env,
    ...(signal ? { signal } : {}),
  };
}
