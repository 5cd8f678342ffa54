/**
 * @module commands/refs
 * `branch create|delete|reset` and `tag create|delete`.
 */
import type { Repository } from "@icechunk-ts/core";
import { type CommandContext, resolveVersionArg } from "../context.js";

/** A branch or a tag. */
export type RefType = "branch" | "tag";

async function snapshotOf(ctx: CommandContext, repo: Repository, target: string): Promise<string> {
  return repo.resolveVersion(await resolveVersionArg(repo, target, ctx.call), ctx.call);
}

/** `branch|tag create <name> <at>` (`at`: a branch, tag or snapshot id). */
export async function createRef(ctx: CommandContext, type: RefType, name: string, at: string) {
  const repo = await ctx.open();
  const id = await snapshotOf(ctx, repo, at);
  if (type === "branch") await repo.createBranch(name, id, ctx.call);
  else await repo.createTag(name, id, ctx.call);
  ctx.emit({ [type]: name, snapshotId: id }, () => `created ${type} ${name} at ${id}`);
}

/** `branch|tag delete <name>`. */
export async function deleteRef(ctx: CommandContext, type: RefType, name: string) {
  const repo = await ctx.open();
  if (type === "branch") await repo.deleteBranch(name, ctx.call);
  else await repo.deleteTag(name, ctx.call);
  ctx.emit({ [type]: name, deleted: true }, () => `deleted ${type} ${name}`);
}

/** `branch reset <name> <to> [--from <id>]`: moves a branch (only if still at `--from`). */
export async function resetBranch(
  ctx: CommandContext,
  name: string,
  to: string,
  flags: { from?: string },
) {
  const repo = await ctx.open();
  const id = await snapshotOf(ctx, repo, to);
  await repo.resetBranch(name, id, {
    ...ctx.call,
    ...(flags.from !== undefined ? { fromSnapshotId: flags.from } : {}),
  });
  ctx.emit({ branch: name, snapshotId: id }, () => `reset branch ${name} to ${id}`);
}
