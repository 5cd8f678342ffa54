/**
 * @module ops/rewrite-manifests
 * Re-splitting manifests (upstream `ops/manifests.rs` `rewrite_manifests`): one commit (or amend)
 * on a branch that rewrites every array's manifests under the repository's current
 * `manifest.splitting` config, content unchanged, its metadata recording the config used under
 * `__icechunk.splitting_config` (serde form; upstream's default when none is set).
 */
import { InvalidArgumentError } from "../errors.js";
import type { SnapshotId } from "../format/ids.js";
import { isJsonObject, type JsonObject, type JsonValue } from "../format/json-value.js";
import type { CallOptions } from "../repo-core/types.js";
import { checkCommitMetadata } from "../session/commit.js";
import type { Session } from "../session/session.js";
import type { ProgressOptions } from "../util/progress.js";

/** Options of `Repository.rewriteManifests`. */
export interface RewriteManifestsOptions extends CallOptions, ProgressOptions {
  /** The branch to commit to. */
  branch: string;
  /** Extra commit metadata. */
  metadata?: JsonObject;
  /** `"new_commit"` (default) or `"amend"` (spec 2: replaces the branch tip). */
  commitMethod?: "new_commit" | "amend";
}

/** Upstream's `ManifestSplittingConfig::default()` in serde form: one manifest per array. */
const DEFAULT_SPLITTING: JsonValue = {
  split_sizes: [
    [{ path_matches: { regex: ".*" } }, [{ condition: "Any", num_chunks: 4294967295 }]],
  ],
};

/** The commit metadata of a rewrite: the caller's, plus `__icechunk.splitting_config`. */
export function rewriteMetadata(
  metadata: JsonObject | undefined,
  splitting: JsonValue | undefined,
): JsonObject {
  checkCommitMetadata(metadata);
  const own = metadata?.__icechunk;
  const inner = isJsonObject(own) ? own : {};
  return {
    ...metadata,
    __icechunk: { ...inner, splitting_config: splitting ?? DEFAULT_SPLITTING },
  };
}

/**
 * Opens a writable session on `options.branch` and commits it with every manifest rewritten.
 * @returns the new snapshot id
 */
export async function rewriteManifests(
  openSession: (branch: string, options: CallOptions) => Promise<Session>,
  splitting: JsonValue | undefined,
  message: string,
  options: RewriteManifestsOptions,
): Promise<SnapshotId> {
  const method = options.commitMethod ?? "new_commit";
  if (method !== "new_commit" && method !== "amend")
    throw new InvalidArgumentError(
      "commitMethod",
      `it must be "new_commit" or "amend", got ${JSON.stringify(method)}`,
    );
  if (typeof options.branch !== "string" || options.branch === "")
    throw new InvalidArgumentError(
      "branch",
      "rewriteManifests needs { branch }: the branch to commit to",
    );
  const metadata = rewriteMetadata(options.metadata, splitting);
  const { signal, onProgress } = options;
  const session = await openSession(options.branch, signal ? { signal } : {});
  return session.rewriteManifestsCommit(message, {
    metadata,
    amend: method === "amend",
    ...(onProgress ? { onProgress } : {}),
    ...(signal ? { signal } : {}),
  });
}
