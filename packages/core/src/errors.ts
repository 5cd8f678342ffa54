/**
 * @module errors
 * Every error icechunk-ts throws is an `IcechunkError` with a stable `kind` tag and typed fields.
 * Expected outcomes (a missing object, a lost conditional write, a rebase conflict) are return
 * values, not exceptions; the classes here are for failures the caller must act on.
 * Use `isIcechunkError(err, "kind", ...)` to narrow.
 */

/** Base class of every error thrown by icechunk-ts. `kind` is stable across releases. */
export abstract class IcechunkError extends Error {
  abstract readonly kind: string;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** True when `err` is an IcechunkError, optionally of one of the given kinds. */
export function isIcechunkError(err: unknown, ...kinds: string[]): err is IcechunkError {
  return err instanceof IcechunkError && (kinds.length === 0 || kinds.includes(err.kind));
}

// ---------------------------------------------------------------------------------------------
// format

/** A metadata file is not what it claims to be: wrong magic, short header, bad flatbuffer, … */
export class CorruptObjectError extends IcechunkError {
  readonly kind = "corrupt-object";
  constructor(
    readonly what: string,
    readonly detail: string,
    options?: { cause?: unknown; path?: string },
  ) {
    super(
      `${what}${options?.path ? ` at '${options.path}'` : ""} is corrupt: ${detail}. ` +
        "The object was damaged or was not written by Icechunk; restore it from a backup or point at the right repository.",
      options,
    );
    this.path = options?.path;
  }
  readonly path: string | undefined;
}

/** The file header names a spec version this library does not know. */
export class UnsupportedSpecVersionError extends IcechunkError {
  readonly kind = "unsupported-spec-version";
  constructor(
    readonly found: number,
    readonly path?: string,
  ) {
    super(
      `${path ? `'${path}' uses` : "Found"} Icechunk spec version ${found}; this library reads spec 1 and 2. ` +
        "Upgrade icechunk-ts to read newer repositories.",
    );
  }
}

/** A string is not a valid object id of the expected kind (Crockford base32 of 12 or 8 bytes). */
export class InvalidObjectIdError extends IcechunkError {
  readonly kind = "invalid-object-id";
  constructor(
    readonly value: string,
    readonly idKind: string,
    readonly expectedLength: number,
  ) {
    super(
      `'${value}' is not a valid ${idKind} id: expected ${expectedLength} bytes written as ` +
        `${Math.ceil((expectedLength * 8) / 5)} Crockford base32 characters (0-9, A-Z without I, L, O, U)`,
    );
  }
}

/** A metadata file is valid but of another type than expected (e.g. a manifest read as a snapshot). */
export class FileTypeMismatchError extends IcechunkError {
  readonly kind = "file-type-mismatch";
  constructor(
    readonly expected: string,
    readonly found: string,
    readonly path?: string,
  ) {
    super(
      `${path ? `'${path}'` : "the object"} is a ${found} file but a ${expected} was expected; ` +
        "check that the key points at the right kind of object",
    );
  }
}

/** zstd data could not be decoded (or encoded). */
export class CompressionError extends IcechunkError {
  readonly kind = "compression";
  constructor(detail: string, options?: { cause?: unknown }) {
    super(`zstd: ${detail}`, options);
  }
}

// ---------------------------------------------------------------------------------------------
// storage

/** A storage backend failed (network, permissions, server error). `status` is the HTTP status when known. */
export class StorageError extends IcechunkError {
  readonly kind = "storage";
  constructor(
    readonly operation: string,
    readonly path: string,
    detail: string,
    options?: { cause?: unknown; status?: number },
  ) {
    super(`storage ${operation} '${path}' failed: ${detail}`, options);
    this.status = options?.status;
  }
  readonly status: number | undefined;
}

/** A write was attempted on read-only storage (HTTP, redirect). */
export class ReadOnlyStorageError extends IcechunkError {
  readonly kind = "read-only-storage";
  constructor(readonly operation: string) {
    super(
      `this storage is read-only and cannot ${operation}; open the repository through a writable backend (memory, filesystem, S3)`,
    );
  }
}

/** A storage key is not allowed (escapes the root, absolute, empty segment, …). */
export class InvalidKeyError extends IcechunkError {
  readonly kind = "invalid-key";
  constructor(
    readonly key: string,
    detail: string,
  ) {
    super(`invalid key '${key}': ${detail}`);
  }
}

/** The operation was aborted through its AbortSignal. */
export class AbortError extends IcechunkError {
  readonly kind = "aborted";
  constructor(reason?: unknown) {
    super("the operation was aborted", { cause: reason });
    // fixed (not the class name) so it survives minification and matches the DOM convention
    this.name = "AbortError";
  }
}

/** Throws AbortError when the signal is aborted. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new AbortError(signal.reason);
}

// ---------------------------------------------------------------------------------------------
// repository and refs

/** No Icechunk repository at this storage location. */
export class RepositoryNotFoundError extends IcechunkError {
  readonly kind = "repository-not-found";
  constructor(readonly location: string) {
    super(
      `no Icechunk repository found at ${location}: neither a 'repo' object (spec 2) nor 'refs/branch.main/ref.json' (spec 1) exists. Check the path/prefix, or create one with Repository.create`,
    );
  }
}

/** A repository already exists (or the root is not empty) where one was to be created. */
export class RepositoryAlreadyExistsError extends IcechunkError {
  readonly kind = "repository-already-exists";
  constructor(
    readonly location: string,
    detail: string,
  ) {
    super(
      `cannot create a repository at ${location}: ${detail}. Use Repository.open, or an empty location`,
    );
  }
}

/** A branch or tag does not exist. */
export class RefNotFoundError extends IcechunkError {
  readonly kind = "ref-not-found";
  constructor(
    readonly refType: "branch" | "tag",
    readonly refName: string,
  ) {
    super(
      `${refType} '${refName}' not found; list the existing ones with list${refType === "branch" ? "Branches" : "Tags"}()`,
    );
  }
}

/** A snapshot id does not exist in this repository. */
export class SnapshotNotFoundError extends IcechunkError {
  readonly kind = "snapshot-not-found";
  constructor(readonly snapshotId: string) {
    super(
      `snapshot ${snapshotId} not found in this repository (it may have been expired or garbage-collected)`,
    );
  }
}

/** An argument is invalid (bad id, bad name, bad option). */
export class InvalidInputError extends IcechunkError {
  readonly kind = "invalid-input";
  constructor(detail: string) {
    super(detail);
  }
}

// ---------------------------------------------------------------------------------------------
// sessions and the store

/** No node (group or array) exists at a path. */
export class NodeNotFoundError extends IcechunkError {
  readonly kind = "node-not-found";
  constructor(
    readonly path: string,
    detail = "",
  ) {
    super(`no group or array at '${path}'${detail ? `: ${detail}` : ""}`);
  }
}

/** A write was attempted through a read-only session. */
export class ReadOnlySessionError extends IcechunkError {
  readonly kind = "read-only-session";
  constructor(readonly operation: string) {
    super(
      `cannot ${operation}: this session is read-only. Use repo.writableSession(branch) to make changes`,
    );
  }
}

/** A requested byte range falls outside the object. */
export class InvalidByteRangeError extends IcechunkError {
  readonly kind = "invalid-byte-range";
  constructor(
    readonly key: string,
    detail: string,
  ) {
    super(`invalid byte range for '${key}': ${detail}`);
  }
}

// ---------------------------------------------------------------------------------------------
// virtual chunks

/** A virtual chunk's URL matches no virtual chunk container of the repository config. */
export class VirtualChunkContainerNotFoundError extends IcechunkError {
  readonly kind = "virtual-chunk-container-not-found";
  constructor(readonly location: string) {
    super(
      `no virtual chunk container matches '${location}'; add one with a matching urlPrefix to the repository config (virtualChunkContainers)`,
    );
  }
}

/** The container holding a virtual chunk was not authorized by the caller. */
export class UnauthorizedVirtualChunkContainerError extends IcechunkError {
  readonly kind = "unauthorized-virtual-chunk-container";
  constructor(
    readonly urlPrefix: string,
    readonly location: string,
  ) {
    super(
      `reading virtual chunk '${location}' needs access to container '${urlPrefix}', which was not authorized; pass { authorizeVirtualChunkAccess: { "${urlPrefix}": null } } (or credentials) to Repository.open`,
    );
  }
}

/** The object behind a virtual chunk changed since the reference was written (ETag / last-modified check). */
export class VirtualChunkModifiedError extends IcechunkError {
  readonly kind = "virtual-chunk-modified";
  constructor(
    readonly location: string,
    detail: string,
  ) {
    super(
      `the object behind virtual chunk '${location}' was modified after the reference was written (${detail}); re-create the virtual reference`,
    );
  }
}

/** No fetcher is configured for a virtual chunk's URL scheme. */
export class VirtualChunkFetchError extends IcechunkError {
  readonly kind = "virtual-chunk-fetch";
  constructor(
    readonly location: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`cannot fetch virtual chunk '${location}': ${detail}`, options);
  }
}

/** zarr.json bytes that Icechunk cannot accept (invalid JSON, unknown node_type, bad shape or grid). */
export class InvalidZarrMetadataError extends IcechunkError {
  readonly kind = "bad-metadata";
  constructor(
    readonly key: string,
    detail: string,
  ) {
    super(`invalid Zarr metadata for '${key}': ${detail}`);
  }
}

/** A node already exists where a node of another type was to be created. */
export class NodeAlreadyExistsError extends IcechunkError {
  readonly kind = "node-already-exists";
  constructor(
    readonly path: string,
    detail: string,
  ) {
    super(`a node already exists at '${path}': ${detail}; delete it first`);
  }
}

/** Chunk coordinates outside the array's chunk grid (or of the wrong rank). */
export class InvalidChunkIndexError extends IcechunkError {
  readonly kind = "invalid-chunk-index";
  constructor(
    readonly path: string,
    readonly coords: readonly number[],
    detail: string,
  ) {
    super(`chunk [${coords.join(", ")}] of '${path}' is invalid: ${detail}`);
  }
}

/** Chunks of length zero cannot be stored; delete the chunk instead. */
export class ZeroLengthChunkError extends IcechunkError {
  readonly kind = "zero-length-chunk";
  constructor(readonly key: string) {
    super(
      `chunk '${key}' has zero length; Icechunk stores no empty chunks — delete the key to make the chunk absent`,
    );
  }
}

/** A session operation that the session's state does not allow (commit with no changes, commit on a fork, …). */
export class SessionStateError extends IcechunkError {
  readonly kind = "session-state";
  constructor(detail: string) {
    super(detail);
  }
}

// ---------------------------------------------------------------------------------------------
// writes

/** Another writer moved the branch first. Rebase the session (`session.rebase(solver)`) and commit again. */
export class ConflictError extends IcechunkError {
  readonly kind = "commit-conflict";
  constructor(
    readonly branch: string,
    readonly expectedParent: string,
    readonly actualParent: string | undefined,
  ) {
    super(
      `branch '${branch}' moved: this session is based on ${expectedParent} but the branch now points at ${actualParent ?? "nothing (deleted)"}. ` +
        "Rebase the session onto the new tip (session.rebase(solver) or commit(message, { rebase: solver })) and commit again",
    );
  }
}

/** A branch or tag with this name already exists. */
export class RefAlreadyExistsError extends IcechunkError {
  readonly kind = "ref-already-exists";
  constructor(
    readonly refType: "branch" | "tag",
    readonly refName: string,
    detail = "",
  ) {
    super(
      `${refType} '${refName}' already exists${detail ? ` ${detail}` : ""}; choose another name`,
    );
  }
}

/** The `repo` object kept changing under us for every retry. */
export class RepoUpdateAttemptsLimitError extends IcechunkError {
  readonly kind = "repo-update-attempts-limit";
  constructor(readonly attempts: number) {
    super(
      `gave up updating the repository after ${attempts} attempts: other writers kept changing it. Retry later, or raise repoUpdateRetries`,
    );
  }
}

/** The repository is marked read-only (RepoStatus) or its storage cannot write. */
export class ReadOnlyRepositoryError extends IcechunkError {
  readonly kind = "read-only-repository";
  constructor(detail: string) {
    super(`the repository is read-only: ${detail}`);
  }
}

/** Commit metadata that is not JSON (a class instance, a function, undefined, NaN, a cycle, …). */
export class InvalidCommitMetadataError extends IcechunkError {
  readonly kind = "invalid-commit-metadata";
  constructor(
    /** Where in the metadata, e.g. `metadata.author.when`. */
    readonly keyPath: string,
    readonly detail: string,
  ) {
    super(
      `commit metadata is not JSON at ${keyPath}: ${detail}. Pass plain objects, arrays, strings, finite numbers, booleans and null only (e.g. a Date as date.toISOString())`,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// rebase, diff, merge

/**
 * A rebase met conflicts its solver could not resolve. The session stays based on the last commit
 * it could rebase over (its `snapshotId`), with its changes intact.
 */
export class RebaseFailedError extends IcechunkError {
  readonly kind = "rebase-failed";
  constructor(
    /** The commit whose changes conflict with the session's. */
    readonly snapshotId: string,
    readonly conflicts: readonly import("./session/conflicts/types.js").Conflict[],
  ) {
    super(
      `cannot rebase over snapshot ${snapshotId}: ${conflicts.length} conflict(s) (${[...new Set(conflicts.map((c) => c.kind))].join(", ")}). ` +
        "Use a solver that resolves them (BasicConflictSolver), change or discard the conflicting edits, or start a new session from the branch tip",
    );
  }
}

/** A transaction log that rebase or diff needs is missing (expired, or the repository is damaged). */
export class MissingTransactionLogError extends IcechunkError {
  readonly kind = "missing-transaction-log";
  constructor(
    readonly snapshotId: string,
    readonly pruned: boolean,
  ) {
    super(
      `the transaction log of ${pruned ? "expired ancestor " : "snapshot "}${snapshotId} is missing (transactions/${snapshotId}); ` +
        "changes over that snapshot cannot be computed — start a new session from the branch tip instead of rebasing, or diff other versions",
    );
  }
}

/** `diff(from, to)` needs `from` to be a strict ancestor of `to`. */
export class BadSnapshotChainForDiffError extends IcechunkError {
  readonly kind = "bad-snapshot-chain-for-diff";
  constructor(
    readonly from: string,
    readonly to: string,
  ) {
    super(
      `snapshot ${from} is not a strict ancestor of ${to}; diff needs 'from' to be an older version on the history of 'to' (swap them, or pick versions on one branch)`,
    );
  }
}

/** Two change sets cannot be merged (both edited the same thing differently, or one deleted what the other changed). */
export class SessionMergeError extends IcechunkError {
  readonly kind = "session-merge";
  constructor(
    readonly path: string,
    readonly detail: string,
  ) {
    super(
      `cannot merge sessions at '${path}': ${detail}; let only one of the sessions change that node`,
    );
  }
}

/** reindex/shift need a regular chunk grid. */
export class UnsupportedChunkGridError extends IcechunkError {
  readonly kind = "unsupported-chunk-grid-for-reindex";
  constructor(readonly path: string) {
    super(
      `cannot reindex or shift '${path}': only arrays with a regular chunk grid can be reindexed`,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// repository operations

/**
 * Upgrading a spec-1 repository to spec 2 failed. `rolledBack` tells whether the new `repo` object
 * was removed again (the repository then reads as spec 1, unless `refs/` were already deleted).
 */
export class MigrationFailedError extends IcechunkError {
  readonly kind = "migration-failed";
  constructor(
    readonly detail: string,
    readonly rolledBack: boolean,
    options?: { cause?: unknown },
  ) {
    super(
      `upgrading the repository to spec 2 failed: ${detail}. ` +
        (rolledBack
          ? "The new 'repo' object was removed; fix the cause and run the upgrade again"
          : "Inspect the repository before retrying (a 'repo' object may remain)"),
      options,
    );
  }
}
