/**
 * @module program
 * The `icechunk-ts` command line (commander): every command takes the repository first (a local
 * path, an http(s):// URL or s3://bucket/prefix), read commands take `--json`. {@link runCli}
 * runs one command line and returns its exit code (see exit-codes).
 */
import { type IcechunkError, isIcechunkError } from "@icechunk-ts/core";
import { Command, CommanderError, Option } from "commander";
import * as admin from "./commands/admin.js";
import { cat } from "./commands/cat.js";
import * as history from "./commands/history.js";
import * as maintenance from "./commands/maintenance.js";
import * as nodes from "./commands/nodes.js";
import * as refs from "./commands/refs.js";
import { CommandContext, type CommonFlags } from "./context.js";
import { ExitCode, exitCodeOf } from "./exit-codes.js";
import { type CliIO, processIO } from "./io.js";
import { VERSION } from "./version.js";

const EXIT_CODES_HELP = `
Repository: a local directory, an http(s):// URL (read-only) or s3://bucket/prefix
(AWS_REGION, AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
AWS_SESSION_TOKEN, or the SDK's default credential chain).

Exit codes: 0 success, 1 operation failed, 2 usage error, 3 conflict, 4 not found
(repository, branch, tag, snapshot, manifest or node).`;

interface CommandSpec {
  name: string;
  args: string;
  description: string;
  /** A read command: accepts `--json`. */
  read?: boolean;
  /** Accepts `--branch` / `--tag` / `--snapshot`. */
  version?: boolean;
  options?: Option[];
  run: (ctx: CommandContext, args: string[], flags: Record<string, unknown>) => Promise<void>;
}

function addCommand(parent: Command, spec: CommandSpec, io: CliIO): Command {
  const cmd = parent.command(spec.name).description(spec.description);
  cmd.argument("<repo>", "repository: local path, http(s):// URL or s3://bucket/prefix");
  for (const a of spec.args.split(" ").filter((s) => s !== "")) cmd.argument(a);
  if (spec.version) {
    cmd.option("-b, --branch <name>", "read the tip of this branch (default: main)");
    cmd.option("-t, --tag <name>", "read this tag");
    cmd.option("-s, --snapshot <id>", "read this snapshot");
  }
  for (const o of spec.options ?? []) cmd.addOption(o);
  if (spec.read) cmd.option("--json", "print JSON (what the library returns) instead of text");
  cmd
    .option("--region <region>", "S3 region (default: AWS_REGION)")
    .option("--endpoint-url <url>", "S3 endpoint (default: AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL)")
    .option("--anonymous", "S3: send unsigned requests (public buckets)")
    .option("--allow-http", "S3: allow a plain http:// endpoint")
    .option(
      "--virtual-access <prefix...>",
      "read virtual chunks from these container URL prefixes (s3://bucket/, file:///dir/, https://host/)",
    )
    .option("--no-progress", "never draw progress bars")
    .option("--debug", "print stack traces of errors");
  cmd.action(async (...raw: unknown[]) => {
    // commander passes the arguments, then the options object, then the command
    const positional = raw.slice(0, -2) as (string | undefined)[];
    const flags = raw[raw.length - 2] as Record<string, unknown> & CommonFlags;
    const [location, ...rest] = positional;
    const ctx = new CommandContext(io, location!, flags);
    await spec.run(ctx, rest as string[], flags);
  });
  return cmd;
}

const str = (v: unknown) => (v === undefined ? undefined : String(v));
const versionFlags = (f: Record<string, unknown>) => {
  const out: { branch?: string; tag?: string; snapshot?: string } = {};
  if (f.branch !== undefined) out.branch = String(f.branch);
  if (f.tag !== undefined) out.tag = String(f.tag);
  if (f.snapshot !== undefined) out.snapshot = String(f.snapshot);
  return out;
};

/** The commands (a fresh tree per run: commander keeps parse state). */
export function buildProgram(io: CliIO): Command {
  const program = new Command("icechunk-ts")
    .description("Inspect and maintain Icechunk repositories (local, HTTP, S3).")
    .version(VERSION)
    .addHelpText("after", EXIT_CODES_HELP)
    .showHelpAfterError("(add --help for usage)")
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  const add = (spec: CommandSpec, parent: Command = program) => {
    const cmd = addCommand(parent, spec, io);
    cmd.exitOverride().configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
    return cmd;
  };
  add({
    name: "log",
    args: "",
    description: "the history as a graph (every branch, or one branch, tag or snapshot)",
    read: true,
    version: true,
    options: [new Option("--plain", "no colours")],
    run: (ctx, _a, f) => history.log(ctx, { ...versionFlags(f), plain: f.plain === true }),
  });
  add({
    name: "branches",
    args: "",
    description: "the branches and their tip snapshots",
    read: true,
    run: (ctx) => history.refs(ctx, "branch"),
  });
  add({
    name: "tags",
    args: "",
    description: "the tags and their snapshots",
    read: true,
    run: (ctx) => history.refs(ctx, "tag"),
  });
  add({
    name: "ls",
    args: "[path]",
    description: "nodes under a path (default /): kind, shape, data type, chunks written",
    read: true,
    version: true,
    run: (ctx, [path], f) => nodes.ls(ctx, path, versionFlags(f)),
  });
  add({
    name: "show",
    args: "<path>",
    description: "a node's zarr.json, attributes and chunk statistics",
    read: true,
    version: true,
    run: (ctx, [path], f) => nodes.show(ctx, path!, versionFlags(f)),
  });
  add({
    name: "cat",
    args: "<array>",
    description: "an array's values (a table, --csv, or --json)",
    read: true,
    version: true,
    options: [
      new Option(
        "--slice <selection>",
        "per dimension: index, start:stop[:step] or : (e.g. 0,:,10:20)",
      ),
      new Option("--csv", "one CSV line per element: indices, value"),
    ],
    run: (ctx, [path], f) =>
      cat(ctx, path!, {
        ...versionFlags(f),
        ...(f.slice !== undefined ? { slice: String(f.slice) } : {}),
        csv: f.csv === true,
      }),
  });
  add({
    name: "diff",
    args: "<from> <to>",
    description:
      "what changed between two versions (branch:NAME, tag:NAME, snapshot:ID, an id, or a name)",
    read: true,
    run: (ctx, [from, to]) => history.diff(ctx, from!, to!),
  });
  add({
    name: "status",
    args: "",
    description: "repository status: online or read-only (spec 2)",
    read: true,
    run: (ctx) => admin.status(ctx),
  });
  add({
    name: "flags",
    args: "",
    description: "feature flags and their values (spec 2)",
    read: true,
    run: (ctx) => admin.flags(ctx),
  });
  add({
    name: "metadata",
    args: "",
    description: "repository metadata (spec 2)",
    read: true,
    run: (ctx) => admin.metadata(ctx),
  });
  add({
    name: "inspect",
    args: "<what> [id]",
    description:
      "an object as JSON with upstream's keys: repo, snapshot <id>, manifest <id>, txlog <id>",
    read: true,
    run: (ctx, [what, id]) => admin.inspect(ctx, what!, id),
  });
  add({
    name: "stats",
    args: "",
    description:
      "chunk references of a version by kind (native, inline, virtual) and manifest sizes",
    read: true,
    version: true,
    run: (ctx, _a, f) => nodes.stats(ctx, versionFlags(f)),
  });
  const cutoff = () =>
    new Option(
      "--older-than <cutoff>",
      "a date (2024-01-31) or a duration back from now (7d, 12h)",
    ).makeOptionMandatory();
  add({
    name: "expire",
    args: "",
    description: "remove snapshots older than a cutoff from the history (run gc afterwards)",
    read: true,
    options: [
      cutoff(),
      new Option("--delete-expired-branches", "delete branches (never main) whose tip expired"),
      new Option("--delete-expired-tags", "delete tags whose snapshot expired"),
    ],
    run: (ctx, _a, f) =>
      maintenance.expire(ctx, {
        olderThan: String(f.olderThan),
        deleteExpiredBranches: f.deleteExpiredBranches === true,
        deleteExpiredTags: f.deleteExpiredTags === true,
      }),
  });
  add({
    name: "gc",
    args: "",
    description: "delete objects no branch or tag reaches, written before a cutoff",
    read: true,
    options: [cutoff(), new Option("--dry-run", "only count what would be deleted")],
    run: (ctx, _a, f) =>
      maintenance.gc(ctx, { olderThan: String(f.olderThan), dryRun: f.dryRun === true }),
  });
  add({
    name: "migrate",
    args: "",
    description: "upgrade a spec-1 repository to spec 2 in place",
    read: true,
    options: [
      new Option("--dry-run", "plan and validate only; write nothing"),
      new Option("--keep-v1-files", "keep refs/ and config.yaml (1.x clients keep working)"),
    ],
    run: (ctx, _a, f) =>
      maintenance.migrate(ctx, { dryRun: f.dryRun === true, keepV1Files: f.keepV1Files === true }),
  });
  const groups: Record<refs.RefType, Command> = {
    branch: program.command("branch").description("create, delete or reset a branch"),
    tag: program.command("tag").description("create or delete a tag"),
  };
  for (const [type, group] of Object.entries(groups) as [refs.RefType, Command][]) {
    group.exitOverride().configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
    add(
      {
        name: "create",
        args: "<name> <at>",
        description: `create a ${type} at a version (branch, tag or snapshot id)`,
        read: true,
        run: (ctx, [name, at]) => refs.createRef(ctx, type, name!, at!),
      },
      group,
    );
    add(
      {
        name: "delete",
        args: "<name>",
        description:
          type === "branch"
            ? "delete a branch (never main)"
            : "delete a tag (its name can never be reused)",
        read: true,
        run: (ctx, [name]) => refs.deleteRef(ctx, type, name!),
      },
      group,
    );
  }
  add(
    {
      name: "reset",
      args: "<name> <to>",
      description: "point a branch at another version",
      read: true,
      options: [new Option("--from <id>", "only if the branch is still at this snapshot")],
      run: (ctx, [name, to], f) => {
        const from = str(f.from);
        return refs.resetBranch(ctx, name!, to!, from === undefined ? {} : { from });
      },
    },
    groups.branch,
  );
  return program;
}

/** What to type, for errors whose library message names an API option. */
function cliHint(err: unknown): string {
  if (isIcechunkError(err, "unauthorized-virtual-chunk-container")) {
    const prefix = (err as IcechunkError & { urlPrefix?: string }).urlPrefix;
    return ` (on the command line: --virtual-access ${prefix ?? "<container prefix>"})`;
  }
  return "";
}

/** Runs one command line (without `node` and the script) and returns the exit code. */
export async function runCli(argv: readonly string[], io: CliIO = processIO()): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync([...argv], { from: "user" });
    return ExitCode.Success;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help, `help <command>`, --version: success; a bare `icechunk-ts` (or `branch`) shows
      // help on stderr with commander's exit code 1: a usage error
      if (err.code === "commander.helpDisplayed" || err.code === "commander.version")
        return ExitCode.Success;
      if (err.code === "commander.help" && err.exitCode === 0) return ExitCode.Success;
      // commander has printed the message and the usage hint
      return ExitCode.Usage;
    }
    const debug = argv.includes("--debug");
    if (debug && err instanceof Error && err.stack) io.stderr(`${err.stack}\n`);
    else {
      const kind = isIcechunkError(err) ? ` [${err.kind}]` : "";
      const message = err instanceof Error ? err.message : String(err);
      io.stderr(`icechunk-ts: error${kind}: ${message}${cliHint(err)}\n`);
    }
    return exitCodeOf(err);
  }
}
