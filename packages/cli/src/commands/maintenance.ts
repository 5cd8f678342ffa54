/**
 * @module commands/maintenance
 * `expire`, `gc`, `migrate`: history expiration, garbage collection and the spec 1 → 2 upgrade.
 */
import { upgradeRepository } from "@icechunk-ts/core";
import type { CommandContext } from "../context.js";
import { CliUsageError } from "../exit-codes.js";
import { humanBytes, table } from "../format.js";
import { progressReporter } from "../progress.js";

/** A cutoff from `--older-than`: an ISO date/time, or a duration back from now (`7d`, `12h`). */
export function parseCutoff(text: string, now = Date.now()): Date {
  const d = /^(\d+)\s*(s|m|h|d|w)$/.exec(text.trim());
  if (d) {
    const unit = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 }[d[2] as "s"];
    return new Date(now - Number(d[1]) * unit * 1000);
  }
  const t = Date.parse(text);
  if (Number.isNaN(t))
    throw new CliUsageError(
      `--older-than '${text}' is neither a date (2024-01-31, 2024-01-31T12:00:00Z) nor a duration (7d, 12h)`,
    );
  return new Date(t);
}

/** `expire --older-than <cutoff>`: prints the released snapshot ids. */
export async function expire(
  ctx: CommandContext,
  flags: { olderThan: string; deleteExpiredBranches?: boolean; deleteExpiredTags?: boolean },
) {
  const cutoff = parseCutoff(flags.olderThan);
  const repo = await ctx.open();
  const progress = progressReporter(ctx.io, ctx.progress);
  const released = await repo
    .expireSnapshots(cutoff, {
      ...ctx.call,
      deleteExpiredBranches: flags.deleteExpiredBranches === true,
      deleteExpiredTags: flags.deleteExpiredTags === true,
      onProgress: progress.onProgress,
    })
    .finally(() => progress.stop());
  ctx.emit(released, () =>
    released.length === 0
      ? "no snapshot expired"
      : [`${released.length} snapshot(s) expired:`, ...released].join("\n"),
  );
}

/** `gc --older-than <cutoff> [--dry-run]`: prints what was (or would be) deleted. */
export async function gc(ctx: CommandContext, flags: { olderThan: string; dryRun?: boolean }) {
  const cutoff = parseCutoff(flags.olderThan);
  const repo = await ctx.open();
  const progress = progressReporter(ctx.io, ctx.progress);
  const summary = await repo
    .garbageCollect(cutoff, {
      ...ctx.call,
      dryRun: flags.dryRun === true,
      onProgress: progress.onProgress,
    })
    .finally(() => progress.stop());
  ctx.emit(summary, () =>
    [
      flags.dryRun ? "would delete:" : "deleted:",
      table(
        [],
        [
          ["chunks", String(summary.chunks)],
          ["manifests", String(summary.manifests)],
          ["snapshots", String(summary.snapshots)],
          ["transaction logs", String(summary.transactionLogs)],
          ["bytes", `${summary.bytes} (${humanBytes(summary.bytes)})`],
        ],
      ),
    ].join("\n"),
  );
}

/** `migrate [--dry-run] [--keep-v1-files]`: upgrades a spec-1 repository to spec 2. */
export async function migrate(
  ctx: CommandContext,
  flags: { dryRun?: boolean; keepV1Files?: boolean },
) {
  const repo = await ctx.open();
  const from = repo.specVersion;
  const progress = progressReporter(ctx.io, ctx.progress);
  const after = await upgradeRepository(repo, {
    ...ctx.call,
    dryRun: flags.dryRun === true,
    deleteUnusedV1Files: flags.keepV1Files !== true,
    onProgress: progress.onProgress,
  }).finally(() => progress.stop());
  const value = {
    dryRun: flags.dryRun === true,
    fromSpecVersion: from,
    specVersion: after.specVersion,
  };
  ctx.emit(value, () =>
    flags.dryRun
      ? `dry run: the spec ${from} repository can be upgraded to spec 2 (nothing written)`
      : `upgraded from spec ${from} to spec ${after.specVersion}`,
  );
}
