/**
 * @module errors
 * Every error icechunk-ts throws is an `IcechunkError` with a stable `kind` tag and typed fields.
 * Expected outcomes (a missing object, a lost conditional write, a rebase conflict) are return
 * values, not exceptions; the classes here are for failures the caller must act on.
 * Use `isIcechunkError(err, "kind", ...)` to narrow: it narrows to the class of the given kinds,
 * and a kind that does not exist is a compile error.
 *
 * Adding an error class (the one place to register it): declare the class in its section below
 * with `readonly kind = "some-kind"` and a message that says what to do, then add the line
 * `"some-kind": SomeKindError;` to {@link IcechunkErrorMap} right below. A class whose kind is not
 * registered does not compile (`kind` is typed {@link IcechunkErrorKind}). Other packages
 * (e.g. `@icechunk-ts/s3`) register their classes by augmenting the interface:
 * `declare module "@icechunk-ts/core" { interface IcechunkErrorMap { "s3-config": S3ConfigError } }`.
 */
import { inspectError } from "./display/repr.js";
import type { SnapshotId } from "./format/id-types.js";
import type { Conflict } from "./session/conflicts/conflict.js";

/**
 * Every error kind and its class: the registry behind {@link IcechunkErrorKind} and the
 * narrowing of {@link isIcechunkError}. One line per class, grouped as the sections below.
 */
export interface IcechunkErrorMap {
  // format
  "corrupt-object": CorruptObjectError;
  "unsupported-spec-version": UnsupportedSpecVersionError;
  "invalid-object-id": InvalidObjectIdError;
  "file-type-mismatch": FileTypeMismatchError;
  compression: CompressionError;
  "unencodable-value": UnencodableValueError;
  "object-too-large": ObjectTooLargeError;
  // storage
  storage: StorageError;
  "read-only-storage": ReadOnlyStorageError;
  "invalid-key": InvalidKeyError;
  aborted: AbortError;
  "unsupported-storage-setting": UnsupportedStorageSettingError;
  "unsafe-redirect": UnsafeRedirectError;
  // repository and refs
  "repository-not-found": RepositoryNotFoundError;
  "repository-already-exists": RepositoryAlreadyExistsError;
  "ref-not-found": RefNotFoundError;
  "snapshot-not-found": SnapshotNotFoundError;
  "manifest-not-found": ManifestNotFoundError;
  "no-snapshot-as-of": NoSnapshotAsOfError;
  "invalid-version": InvalidVersionError;
  "invalid-ref-name": InvalidRefNameError;
  "invalid-argument": InvalidArgumentError;
  "invalid-config": InvalidConfigError;
  "spec-version-required": SpecVersionRequiredError;
  "unknown-feature-flag": UnknownFeatureFlagError;
  "feature-flag-disabled": FeatureFlagDisabledError;
  "cannot-delete-main-branch": CannotDeleteMainBranchError;
  // sessions and the store
  "node-not-found": NodeNotFoundError;
  "read-only-session": ReadOnlySessionError;
  "invalid-byte-range": InvalidByteRangeError;
  "session-mode": SessionModeError;
  "invalid-move": InvalidMoveError;
  "unimplemented-store-method": UnimplementedStoreMethodError;
  // virtual chunks
  "virtual-chunk-container-not-found": VirtualChunkContainerNotFoundError;
  "unauthorized-virtual-chunk-container": UnauthorizedVirtualChunkContainerError;
  "virtual-chunk-modified": VirtualChunkModifiedError;
  "virtual-chunk-fetch": VirtualChunkFetchError;
  "invalid-virtual-chunk-location": InvalidVirtualChunkLocationError;
  "bad-metadata": InvalidZarrMetadataError;
  "node-already-exists": NodeAlreadyExistsError;
  "invalid-chunk-index": InvalidChunkIndexError;
  "zero-length-chunk": ZeroLengthChunkError;
  // writes
  "commit-conflict": ConflictError;
  "ref-already-exists": RefAlreadyExistsError;
  "repo-update-attempts-limit": RepoUpdateAttemptsLimitError;
  "read-only-repository": ReadOnlyRepositoryError;
  "no-changes-to-commit": NoChangesToCommitError;
  "amend-initial-commit": AmendInitialCommitError;
  "clock-skew": ClockSkewError;
  "invalid-commit-metadata": InvalidCommitMetadataError;
  // rebase, diff, merge
  "rebase-failed": RebaseFailedError;
  "missing-transaction-log": MissingTransactionLogError;
  "bad-snapshot-chain-for-diff": BadSnapshotChainForDiffError;
  "session-merge": SessionMergeError;
  "unsupported-chunk-grid-for-reindex": UnsupportedChunkGridError;
  // repository operations
  "migration-failed": MigrationFailedError;
}

/** The `kind` of every error icechunk-ts throws (stable across releases). */
export type IcechunkErrorKind = keyof IcechunkErrorMap;

/** Base class of every error thrown by icechunk-ts. `kind` is stable across releases. */
export abstract class IcechunkError extends Error {
  /** The stable kind tag: narrow with {@link isIcechunkError}. */
  abstract readonly kind: IcechunkErrorKind;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
  /** `util.inspect`: the stack, then the kind and each typed field in one bounded line. */
  [Symbol.for("nodejs.util.inspect.custom")](
    depth: number,
    options: unknown,
    inspect?: (v: unknown, o?: unknown) => string,
  ): string {
    return inspectError(this, depth, options, inspect);
  }
}

/**
 * True when `err` is an IcechunkError, optionally of one of the given kinds; narrows to the
 * classes of those kinds.
 * @example
 * try {
 *   await session.commit("update");
 * } catch (err) {
 *   if (!isIcechunkError(err, "commit-conflict")) throw err;
 *   console.log(`branch ${err.branch} moved; rebase and retry`); // err: ConflictError
 * }
 */
export function isIcechunkError(err: unknown): err is IcechunkError;
export function isIcechunkError<K extends IcechunkErrorKind>(
  err: unknown,
  ...kinds: [K, ...K[]]
): err is IcechunkErrorMap[K];
export function isIcechunkError(err: unknown, ...kinds: string[]): boolean {
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

/**
 * A metadata object would decompress (or read) to more than its file type's limit: refused before
 * the memory is spent. `setting` names the option that raises the limit for trusted repositories.
 */
export class ObjectTooLargeError extends IcechunkError {
  readonly kind = "object-too-large";
  constructor(
    readonly what: string,
    readonly path: string | undefined,
    readonly limit: number,
    readonly needed: number,
    /** The option that raises the limit; undefined when the limit is fixed. */
    readonly setting?: string,
  ) {
    super(
      `${what}${path ? ` at '${path}'` : ""} needs at least ${needed} bytes, more than the ${limit}-byte limit for ${what} objects. ` +
        (setting
          ? `It is corrupt or hostile (a decompression bomb), or legitimately huge: if the repository is trusted, raise ${setting}`
          : "A legitimate one is far smaller: the object is corrupt or hostile; restore it from a backup"),
    );
  }
}

/** A configuration field does not fit upstream's schema (wrong type, out of range, unknown variant, bad regex). */
export class InvalidConfigError extends IcechunkError {
  readonly kind = "invalid-config";
  constructor(
    /** Dotted serde path of the field, e.g. `manifest.preload.max_total_refs`. */
    readonly field: string,
    readonly detail: string,
    readonly source: "argument" | "persisted" = "argument",
  ) {
    super(
      `invalid repository config field '${field}': ${detail}. ` +
        (source === "argument"
          ? "Fix the value (see the official RepositoryConfig schema); nothing was written"
          : "The persisted config is damaged or was not written by Icechunk; fix it with saveConfig or restore the repository"),
    );
  }
}

/** A value could not be encoded (NUL in a map key, non-finite number, integer beyond 64 bits, …). */
export class UnencodableValueError extends IcechunkError {
  readonly kind = "unencodable-value";
  constructor(
    readonly format: string,
    readonly detail: string,
  ) {
    super(
      `cannot encode value as ${format}: ${detail}. Pass JSON-compatible data only: finite numbers, ` +
        "integers within the 64-bit range, strings and map keys without NUL characters, plain objects and arrays",
    );
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

/** A `config.storage` setting the storage backend cannot honour (it is refused, not ignored). */
export class UnsupportedStorageSettingError extends IcechunkError {
  readonly kind = "unsupported-storage-setting";
  constructor(
    readonly field: string,
    readonly storage: string,
  ) {
    super(
      `the storage setting config.storage.${field} cannot be applied by the storage '${storage}'; remove it from the repository config (or set it to null)`,
    );
  }
}

/** A redirect target that redirect storage refuses to contact (scheme, userinfo, bucket, address). */
export class UnsafeRedirectError extends IcechunkError {
  readonly kind = "unsafe-redirect";
  constructor(
    readonly url: string,
    readonly target: string,
    detail: string,
  ) {
    super(
      `the redirect from '${url}' to '${target}' was refused: ${detail}; open the repository at its real location directly if you trust it`,
    );
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

/** A manifest id names no manifest file of this repository. */
export class ManifestNotFoundError extends IcechunkError {
  readonly kind = "manifest-not-found";
  constructor(readonly manifestId: string) {
    super(
      `manifest ${manifestId} not found in this repository (manifests/${manifestId}); ` +
        "take the id from lookupManifestFiles(snapshotId) or inspectSnapshot(snapshotId)",
    );
  }
}

/** No ancestor of a version was written at or before the requested time (`{ asOf }`). */
export class NoSnapshotAsOfError extends IcechunkError {
  readonly kind = "no-snapshot-as-of";
  constructor(
    /** The snapshot whose history was searched. */
    readonly snapshotId: string,
    readonly asOf: Date,
  ) {
    super(
      `no snapshot in the history of ${snapshotId} was written at or before ${asOf.toISOString()}; ` +
        "pick a later time (repo.ancestry(version) lists the commit times)",
    );
  }
}

/** A version argument that names no branch, tag or snapshot. */
export class InvalidVersionError extends IcechunkError {
  readonly kind = "invalid-version";
  constructor(readonly value: unknown) {
    super(
      `${describeValue(value)} is not a version: pass a branch name ("main"), or one of { branch: "main" }, { tag: "v1" } or { snapshotId: "…" }`,
    );
  }
}

/** A branch or tag name the repository's format cannot hold. */
export class InvalidRefNameError extends IcechunkError {
  readonly kind = "invalid-ref-name";
  constructor(
    readonly refName: string,
    readonly detail: string,
  ) {
    super(`invalid ref name '${refName}': ${detail}; choose another name`);
  }
}

/** An argument of a call has a value the call cannot take (its name is `argument`). */
export class InvalidArgumentError extends IcechunkError {
  readonly kind = "invalid-argument";
  constructor(
    readonly argument: string,
    readonly detail: string,
  ) {
    super(`invalid ${argument}: ${detail}`);
  }
}

/** An operation that needs another spec version than the repository's (e.g. the operations log needs spec 2). */
export class SpecVersionRequiredError extends IcechunkError {
  readonly kind = "spec-version-required";
  constructor(
    readonly operation: string,
    readonly requiredSpecVersion: 1 | 2,
    readonly specVersion: 1 | 2,
  ) {
    super(
      requiredSpecVersion === 2
        ? `${operation} needs an Icechunk spec 2 repository, and this one is spec ${specVersion}; upgrade it with upgradeRepository(repo)`
        : `${operation} needs an Icechunk spec ${requiredSpecVersion} repository, and this one is already spec ${specVersion}; nothing to do`,
    );
  }
}

/** A feature flag name this library does not know. */
export class UnknownFeatureFlagError extends IcechunkError {
  readonly kind = "unknown-feature-flag";
  constructor(
    readonly flag: string,
    readonly known: readonly string[],
  ) {
    super(`unknown feature flag '${flag}'; known: ${known.join(", ")}`);
  }
}

/** The repository's feature flags forbid the operation. */
export class FeatureFlagDisabledError extends IcechunkError {
  readonly kind = "feature-flag-disabled";
  constructor(readonly flag: string) {
    super(
      `the '${flag}' feature flag is disabled for this repository; enable it with repo.setFeatureFlag('${flag}', true)`,
    );
  }
}

/** The `main` branch cannot be deleted. */
export class CannotDeleteMainBranchError extends IcechunkError {
  readonly kind = "cannot-delete-main-branch";
  readonly branch = "main";
  constructor() {
    super(
      "the 'main' branch cannot be deleted; reset it with resetBranch('main', snapshotId) instead",
    );
  }
}

function describeValue(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
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

/**
 * The session's mode does not allow the operation: forks cannot commit or rebase, rearrange
 * sessions only move nodes, only rearrange sessions move nodes. `mode` is the session's.
 */
export class SessionModeError extends IcechunkError {
  readonly kind = "session-mode";
  constructor(
    readonly operation: string,
    readonly mode: "writable" | "rearrange" | "fork",
    /** What to do instead. */
    readonly hint: string,
  ) {
    super(`cannot ${operation} in a ${mode} session: ${hint}`);
  }
}

/** A move (rename) that cannot be done: the root, into itself, under an array. */
export class InvalidMoveError extends IcechunkError {
  readonly kind = "invalid-move";
  constructor(
    readonly from: string,
    readonly to: string,
    readonly detail: string,
  ) {
    super(`cannot move '${from}' to '${to}': ${detail}`);
  }
}

/** A store method Icechunk does not implement (upstream `Unimplemented`, e.g. `setPartialValues`). */
export class UnimplementedStoreMethodError extends IcechunkError {
  readonly kind = "unimplemented-store-method";
  constructor(
    readonly method: string,
    hint: string,
  ) {
    super(`store method ${method} is not implemented by Icechunk; ${hint}`);
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

/**
 * A virtual chunk location that is not in normal form (dot segments, encoded slashes or dots,
 * NUL, userinfo, empty host, …): it is refused before authorization and container matching.
 */
export class InvalidVirtualChunkLocationError extends IcechunkError {
  readonly kind = "invalid-virtual-chunk-location";
  constructor(
    readonly location: string,
    detail: string,
  ) {
    super(
      `the virtual chunk location '${location.slice(0, 300)}' is refused: ${detail}; store the location in normalized form (scheme://host/path with no '.' or '..' segments, no empty segments and no percent-encoded '/', '\\' or '.')`,
    );
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

/** A commit with no changes (pass `{ allowEmpty: true }` to commit anyway). */
export class NoChangesToCommitError extends IcechunkError {
  readonly kind = "no-changes-to-commit";
  constructor() {
    super("no changes to commit; make changes first or pass { allowEmpty: true }");
  }
}

/** The repository's first snapshot cannot be amended (it has no parent to re-commit onto). */
export class AmendInitialCommitError extends IcechunkError {
  readonly kind = "amend-initial-commit";
  constructor(readonly snapshotId: string) {
    super(
      `snapshot ${snapshotId} is the repository's first snapshot and cannot be amended; commit instead`,
    );
  }
}

/**
 * This machine's clock disagrees with a time already in the repository: it is behind the parent
 * snapshot or the last repository update, or more than 600 s off the storage's clock.
 */
export class ClockSkewError extends IcechunkError {
  readonly kind = "clock-skew";
  constructor(
    /** What the local time was compared with. */
    readonly reference: "parent-snapshot" | "repository-update" | "storage",
    /** This machine's time, µs since the epoch. */
    readonly localMicros: number,
    /** The reference time, µs since the epoch. */
    readonly referenceMicros: number,
  ) {
    const at = (us: number) => new Date(us / 1000).toISOString();
    super(
      reference === "storage"
        ? `the storage clock and this machine's clock differ by more than 600 s (snapshot written at ${at(localMicros)}, storage says ${at(referenceMicros)}); fix the clock and commit again`
        : `the clock is behind the ${reference === "parent-snapshot" ? "parent snapshot" : "repository's last update"} (${localMicros} ≤ ${referenceMicros} µs); fix the system clock and retry`,
    );
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
    readonly snapshotId: SnapshotId,
    readonly conflicts: readonly Conflict[],
  ) {
    super(
      `cannot rebase over snapshot ${snapshotId}: ${conflicts.length} conflict(s): ${describeConflicts(conflicts)}. ` +
        "Use a solver that resolves them (BasicConflictSolver), change or discard the conflicting edits, or start a new session from the branch tip",
    );
  }
}

/** The first few conflicts as `kind at 'path'`, so the message names what to fix. */
function describeConflicts(conflicts: readonly Conflict[]): string {
  const shown = conflicts
    .slice(0, 5)
    .map((c) => ("path" in c ? `${c.kind} at '${c.path}'` : c.kind))
    .join(", ");
  return conflicts.length > 5 ? `${shown}, and ${conflicts.length - 5} more` : shown;
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
 * was removed again. Either way the repository opens (as spec 1 or spec 2) with every ref.
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
          : "The repository still opens (as spec 1, or as spec 2 once the 'repo' object is in place) with every ref; run the upgrade again to finish it"),
      options,
    );
  }
}
