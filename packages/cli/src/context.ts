/**
 * @module context
 * What every command gets: the opened repository, the version its flags name, output helpers.
 */
import { Repository, type VersionSpec } from "@icechunk-ts/core";
import { fileVirtualChunkFetcher } from "@icechunk-ts/core/fs";
import { s3VirtualChunkFetcher } from "@icechunk-ts/s3";
import { CliUsageError } from "./exit-codes.js";
import type { CliIO } from "./io.js";
import { type LocationFlags, storageFor } from "./location.js";

/** Flags every command accepts. */
export interface CommonFlags extends LocationFlags {
  json?: boolean;
  debug?: boolean;
  progress?: boolean;
  /** Virtual chunk container URL prefixes the user authorizes reading from (default credentials). */
  virtualAccess?: string[];
}

/** `--branch` / `--tag` / `--snapshot`. */
export interface VersionFlags {
  branch?: string;
  tag?: string;
  snapshot?: string;
}

/** One command's run: IO, flags, and the repository opened on demand. */
export class CommandContext {
  constructor(
    readonly io: CliIO,
    readonly location: string,
    readonly flags: CommonFlags,
  ) {}

  get signal(): AbortSignal | undefined {
    return this.io.signal;
  }
  /** `{ signal }` for library calls. */
  get call(): { signal?: AbortSignal } {
    return this.io.signal ? { signal: this.io.signal } : {};
  }
  get json(): boolean {
    return this.flags.json === true;
  }
  /** Progress bars: on a terminal, not in JSON mode, unless `--no-progress`. */
  get progress(): boolean {
    return this.flags.progress !== false && !this.json;
  }

  open(): Promise<Repository> {
    const authorized = this.flags.virtualAccess ?? [];
    return Repository.open(storageFor(this.location, this.flags, this.io.env), {
      ...this.call,
      ...(authorized.length > 0
        ? {
            authorizeVirtualChunkAccess: Object.fromEntries(authorized.map((p) => [p, null])),
            virtualChunkFetchers: { file: fileVirtualChunkFetcher(), s3: s3VirtualChunkFetcher() },
          }
        : {}),
    });
  }

  /** Prints `value` as JSON with `--json`, else the human text `human()` returns. */
  emit(value: unknown, human: () => string): void {
    if (this.json) this.io.stdout(`${JSON.stringify(value, jsonReplacer, 2)}\n`);
    else {
      const text = human();
      this.io.stdout(text === "" || text.endsWith("\n") ? text : `${text}\n`);
    }
  }
}

/** JSON for values JSON.stringify rejects: bigints as numbers when exact, else as strings. */
export function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === "bigint")
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(value)
      : value.toString();
  return value;
}

/** The version the flags name (default: branch `main`); at most one flag. */
export function versionFromFlags(flags: VersionFlags): VersionSpec {
  const given = [
    flags.branch !== undefined ? { branch: flags.branch } : undefined,
    flags.tag !== undefined ? { tag: flags.tag } : undefined,
    flags.snapshot !== undefined ? { snapshotId: flags.snapshot } : undefined,
  ].filter((v) => v !== undefined);
  if (given.length > 1)
    throw new CliUsageError("give at most one of --branch, --tag and --snapshot");
  return given[0] ?? { branch: "main" };
}

const SNAPSHOT_ID = /^[0-9A-HJKMNP-TV-Z]{20}$/;

/**
 * A version named in an argument: `branch:<name>`, `tag:<name>`, `snapshot:<id>`, a bare
 * snapshot id (20 base-32 characters), or a bare name (a branch, else a tag).
 */
export async function resolveVersionArg(
  repo: Repository,
  arg: string,
  call: { signal?: AbortSignal },
): Promise<VersionSpec> {
  const m = /^(branch|tag|snapshot):(.+)$/.exec(arg);
  if (m) {
    const [, kind, name] = m as unknown as [string, string, string];
    return kind === "branch"
      ? { branch: name }
      : kind === "tag"
        ? { tag: name }
        : { snapshotId: name };
  }
  if (SNAPSHOT_ID.test(arg)) return { snapshotId: arg };
  const [branches, tags] = await Promise.all([repo.listBranches(call), repo.listTags(call)]);
  if (branches.includes(arg)) return { branch: arg };
  if (tags.includes(arg)) return { tag: arg };
  return { branch: arg }; // the library reports the missing branch
}

/** An absolute node path (`/a/b`) from what the user typed (`a/b`, `/a/b/`, ``). */
export function nodePath(arg: string | undefined): string {
  const trimmed = (arg ?? "").replace(/^\/+|\/+$/g, "");
  return `/${trimmed}`;
}
