/**
 * @module commands/history
 * `log`, `branches`, `tags`, `diff`: the history and the refs.
 */
import { type CommandContext, resolveVersionArg, type VersionFlags } from "../context.js";
import { CliUsageError } from "../exit-codes.js";
import { table } from "../format.js";

/** `log`: the ancestry graph of every branch, or of one branch, tag or snapshot. */
export async function log(ctx: CommandContext, flags: VersionFlags & { plain?: boolean }) {
  const given = [flags.branch, flags.tag, flags.snapshot].filter((v) => v !== undefined);
  if (given.length > 1)
    throw new CliUsageError("give at most one of --branch, --tag and --snapshot");
  const repo = await ctx.open();
  const plain = flags.plain === true || !ctx.io.isTTY || ctx.io.env.NO_COLOR !== undefined;
  const graph = await repo.ancestryGraph({
    ...ctx.call,
    plain,
    ...(flags.branch !== undefined ? { branch: flags.branch } : {}),
    ...(flags.tag !== undefined ? { tag: flags.tag } : {}),
    ...(flags.snapshot !== undefined ? { snapshotId: flags.snapshot } : {}),
  });
  ctx.emit(graph.nodes, () => String(graph));
}

/** `branches` / `tags`: each ref with the snapshot it points at. */
export async function refs(ctx: CommandContext, type: "branch" | "tag") {
  const repo = await ctx.open();
  const names =
    type === "branch" ? await repo.listBranches(ctx.call) : await repo.listTags(ctx.call);
  const ids = await Promise.all(
    names.map((n) =>
      type === "branch" ? repo.lookupBranch(n, ctx.call) : repo.lookupTag(n, ctx.call),
    ),
  );
  const value = Object.fromEntries(names.map((n, i) => [n, ids[i]]));
  ctx.emit(value, () =>
    table(
      [],
      names.map((n, i) => [n, ids[i]!]),
    ),
  );
}

/** `diff <from> <to>`: what changed, in upstream's text form or as the Diff's fields. */
export async function diff(ctx: CommandContext, from: string, to: string) {
  const repo = await ctx.open();
  const [fromV, toV] = await Promise.all([
    resolveVersionArg(repo, from, ctx.call),
    resolveVersionArg(repo, to, ctx.call),
  ]);
  const d = await repo.diff({ ...ctx.call, from: fromV, to: toV });
  ctx.emit(d, () => (d.isEmpty() ? "(no changes)" : String(d)));
}
