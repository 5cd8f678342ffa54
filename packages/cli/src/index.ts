/**
 * @module @icechunk-ts/cli
 * The `icechunk-ts` command line, also callable in-process: `runCli(argv, io)` runs one command
 * line and resolves to its exit code ({@link ExitCode}).
 */
export {
  CliUsageError,
  CONFLICT_KINDS,
  ExitCode,
  exitCodeOf,
  NOT_FOUND_KINDS,
  USAGE_KINDS,
} from "./exit-codes.js";
export { type CliIO, processIO } from "./io.js";
export { buildProgram, runCli } from "./program.js";
export { VERSION } from "./version.js";
