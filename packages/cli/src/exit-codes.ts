/**
 * @module exit-codes
 * The process exit codes of `icechunk-ts` and how an error maps to one. Scripts can rely on them:
 * 0 success, 1 the operation failed, 2 usage error (bad arguments, bad id, bad slice), 3 conflict
 * (a concurrent update won, the ref already exists, the branch moved), 4 not found (no repository,
 * branch, tag, snapshot, manifest or node of that name).
 */
import { IcechunkError, isIcechunkError } from "@icechunk-ts/core";

/** Exit codes of the `icechunk-ts` command. */
export const ExitCode = {
  Success: 0,
  Failed: 1,
  Usage: 2,
  Conflict: 3,
  NotFound: 4,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** Error kinds (IcechunkError `kind`) that exit with {@link ExitCode.Conflict}. */
export const CONFLICT_KINDS = [
  "commit-conflict",
  "ref-already-exists",
  "repo-update-attempts-limit",
  "rebase-failed",
] as const;
/** Error kinds that exit with {@link ExitCode.NotFound}. */
export const NOT_FOUND_KINDS = [
  "repository-not-found",
  "ref-not-found",
  "snapshot-not-found",
  "manifest-not-found",
  "node-not-found",
] as const;
/** Error kinds caused by what the user typed: exit with {@link ExitCode.Usage}. */
export const USAGE_KINDS = [
  "invalid-object-id",
  "invalid-key",
  "invalid-version",
  "invalid-ref-name",
  "cli-usage",
] as const;

/** A command line the CLI cannot act on (bad slice, conflicting flags, …). */
export class CliUsageError extends IcechunkError {
  readonly kind = "cli-usage";
}

declare module "@icechunk-ts/core" {
  // registers CliUsageError with the core's error kinds: isIcechunkError(err, "cli-usage")
  interface IcechunkErrorMap {
    "cli-usage": CliUsageError;
  }
}

/** The exit code for an error thrown by a command. */
export function exitCodeOf(err: unknown): ExitCode {
  if (isIcechunkError(err, ...CONFLICT_KINDS)) return ExitCode.Conflict;
  if (isIcechunkError(err, ...NOT_FOUND_KINDS)) return ExitCode.NotFound;
  if (isIcechunkError(err, ...USAGE_KINDS)) return ExitCode.Usage;
  return ExitCode.Failed;
}
