/**
 * @module commands/admin
 * `status`, `flags`, `metadata` (spec 2) and `inspect repo|snapshot|manifest|txlog` (JSON with
 * upstream's keys).
 */
import type { CommandContext } from "../context.js";
import { CliUsageError } from "../exit-codes.js";
import { table } from "../format.js";

/** `status`: online or read-only. */
export async function status(ctx: CommandContext) {
  const repo = await ctx.open();
  const s = await repo.getStatus(ctx.call);
  ctx.emit(s, () => {
    const extra = Object.entries(s)
      .filter(([k]) => k !== "availability")
      .map(([k, v]) => `${k}: ${typeof v === "string" ? v : JSON.stringify(v)}`);
    return [s.availability, ...extra].join("\n");
  });
}

/** `flags`: the feature flags with their effective values. */
export async function flags(ctx: CommandContext) {
  const repo = await ctx.open();
  const list = await repo.featureFlags(ctx.call);
  ctx.emit(list, () =>
    table(
      ["FLAG", "ENABLED", "SETTING", "DEFAULT"],
      list.map((f) => [
        f.name,
        String(f.enabled),
        f.setting === undefined ? "-" : String(f.setting),
        String(f.defaultEnabled),
      ]),
    ),
  );
}

/** `metadata`: the repository metadata. */
export async function metadata(ctx: CommandContext) {
  const repo = await ctx.open();
  const m = await repo.getMetadata(ctx.call);
  ctx.emit(m, () => JSON.stringify(m, null, 2));
}

const INSPECT = ["repo", "snapshot", "manifest", "txlog"] as const;
type InspectWhat = (typeof INSPECT)[number];

/** `inspect <what> [id]`: always JSON. */
export async function inspect(ctx: CommandContext, what: string, id: string | undefined) {
  if (!INSPECT.includes(what as InspectWhat))
    throw new CliUsageError(`inspect what? '${what}': give one of ${INSPECT.join(", ")}`);
  if (what !== "repo" && id === undefined)
    throw new CliUsageError(`inspect ${what} needs an id: icechunk-ts inspect <repo> ${what} <id>`);
  const repo = await ctx.open();
  const value =
    what === "repo"
      ? await repo.inspectRepoInfo(ctx.call)
      : what === "snapshot"
        ? await repo.inspectSnapshot(id!, ctx.call)
        : what === "manifest"
          ? await repo.inspectManifest(id!, ctx.call)
          : await repo.inspectTransactionLog(id!, ctx.call);
  ctx.io.stdout(`${JSON.stringify(value, null, 2)}\n`);
}
