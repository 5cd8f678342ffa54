/**
 * @module commands/refs
 * `branch create|delete|reset` and `tag create|delete`.
 */
import type { Repository } from "@icechunk-ts/core";
import { type CommandContext, resolveVersionArg } from "../context.js";

async function snapshotOf(ctx: CommandContext, repo: Repository, target: string): Promise<string> {
  return repo.resolveVersion(await resolveVersionArg(repo, target, ctx.call), ctx.call);
}

/** `branch create <name> <at>` (`at`: a branch, tag or snapshot id). */
export async function branchCreate(ctx: CommandContext, name: string, at: string) {
  const repo = await ctx.open();
  const id = await snapshotOf(ctx, repo, at);
  await repo.createBranch(name, id, ctx.call);
  ctx.emit({ branch: name, snapshotId: id }, () => `created branch ${name} at ${id}`);
}

/** `branch delete <name>`. */
export async function branchDelete(ctx: CommandContext, name: string) {
  const repo = await ctx.open();
  await repo.deleteBranch(name, ctx.call);
  ctx.emit({ branch: name, deleted: true }, () => `deleted branch ${name}`);
}

/** `branch reset <name> <to> [--from <id>]`: moves a branch (only if still at `--from`). */
export async function branchReset(
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

/** `tag create <name> <at>`. */
export async function tagCreate(ctx: CommandContext, name: string, at: string) {
  const repo = await ctx.open();
  const id = await snapshotOf(ctx, repo, at);
  await repo.createTag(name, id, ctx.call);
  ctx.emit({ tag: name, snapshotId: id }, () => `created tag ${name} at ${id}`);
}

/** `tag delete <name>`. */
export async function tagDelete(ctx: CommandContext, name: string) {
  const repo = await ctx.open();
  await repo.deleteTag(name, ctx.call);
  ctx.emit({ tag: name, deleted: true }, () => `deleted tag ${name}`);
}
