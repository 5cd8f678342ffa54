/**
 * @module session/session
 * A Session reads (and, when writable, edits) one version of the repository. Read-only sessions sit
 * on a snapshot; writable sessions also carry a change set and the branch they commit to; fork
 * sessions can write and flush but not commit. The Zarr key-value view is `session.store`. The
 * work itself lives in read.ts, write.ts, flush.ts and commit.ts; this file checks modes.
 */

import type { AssetManager } from "../assets/asset-manager.js";
import { installRepr } from "../display/repr.js";
import { sessionFields } from "../display/reprs.js";
import {
  InvalidKeyError,
  NodeNotFoundError,
  ReadOnlySessionError,
  SessionModeError,
} from "../errors.js";
import type { NodeId, SnapshotId } from "../format/ids.js";
import type { JsonObject } from "../format/json-value.js";
import type { ChunkPayload } from "../format/manifest.js";
import type { SnapshotView } from "../format/snapshot.js";
import type { RepositoryConfig } from "../repo-core/config.js";
import { DEFAULT_INLINE_CHUNK_THRESHOLD_BYTES } from "../repo-core/config.js";
import type { VersionControl } from "../repo-core/types.js";
import type { OnProgress } from "../util/progress.js";
import type { VirtualChunkResolver } from "../virtual/resolver.js";
import { ChangeSet } from "./change-set.js";
import { checkCommitMetadata, type PublishMode, type PublishOptions, publish } from "./commit.js";
import type { ConflictSolver } from "./conflicts/types.js";
import { type Diff, sessionStatus } from "./diff.js";
import {
  changeSetToJSON,
  cloneChangeSet,
  mergeChangeSets,
  type ParsedSession,
  type SessionJSON,
} from "./fork.js";
import { parseKey, prefixToPath } from "./keys.js";
import { moveNode } from "./move.js";
import { preloadManifests, preloadSettings } from "./preload.js";
import {
  getChunkRef,
  getNode,
  listNodes,
  type Node,
  type ReadContext,
  requireArray,
  virtualChunkLocations,
} from "./read.js";
import { commitRebasing, type RebaseOptions, type RebaseTarget, rebaseSession } from "./rebase.js";
import { type CoordMap, reindexArray, shiftArray } from "./reindex.js";
import { newSessionStore, type SessionStore } from "./store.js";
import * as write from "./write.js";

/** What every session of one repository shares (internal). */
export interface RepoContext {
  readonly assets: AssetManager;
  readonly specVersion: 1 | 2;
  readonly config: RepositoryConfig;
  readonly virtual: VirtualChunkResolver;
  readonly versionControl: VersionControl;
}

/** How a chunk is stored (upstream `ChunkType`; `"uninitialized"`: there is none). */
export type ChunkType = "uninitialized" | "native" | "virtual" | "inline";

/** `rearrange` sessions can only move nodes (spec 2), `writable` ones make every other edit. */
export type SessionMode = "readonly" | "writable" | "rearrange";

/** Options of `session.commit`, `amend` and `flush`. */
export interface CommitOptions {
  /** Commit metadata (JSON values), stored in the snapshot. */
  metadata?: JsonObject;
  /** Commit even when nothing changed. */
  allowEmpty?: boolean;
  /** On a lost race (ConflictError), rebase with this solver and commit again. */
  rebase?: ConflictSolver;
  /** Rebases before giving up (default 1000). */
  rebaseTries?: number;
  /** Progress of writing the manifests: `{ phase: "arrays", done, total }`. */
  onProgress?: OnProgress;
  signal?: AbortSignal;
}

/** Starts preloading; never throws (a config it cannot use means no preloading). */
function startPreload(repo: RepoContext, snapshot: SnapshotView): Promise<number> {
  // nothing to keep the manifests in: preloading would fetch and drop them
  if (repo.config.caching?.numChunkRefs === 0) return Promise.resolve(0);
  try {
    return preloadManifests(repo.assets, snapshot, preloadSettings(repo.config.manifest));
  } catch {
    return Promise.resolve(0);
  }
}

/** How a session is opened (internal). */
export interface SessionOptions {
  branch?: string;
  mode: SessionMode;
  fork?: boolean;
  /** Start preloading (true), or share the preloading another session started. */
  preload?: boolean | Promise<number>;
  /** Metadata every commit of this session starts from (its own keys win). */
  defaultCommitMetadata?: JsonObject;
}

let construct: (repo: RepoContext, snapshot: SnapshotView, options: SessionOptions) => Session;
let restore: (repo: RepoContext, snapshot: SnapshotView, json: ParsedSession) => Session;
let changesOf: (session: Session) => ChangeSet;

/**
 * Internal: a new session. Sessions are opened by `Repository` (`readonlySession`,
 * `writableSession`, `rearrangeSession`, `sessionFromJSON`); this module-level factory is not
 * exported from the package.
 */
export function newSession(
  repo: RepoContext,
  snapshot: SnapshotView,
  options: SessionOptions,
): Session {
  return construct(repo, snapshot, options);
}

/** Internal: rebuilds a session from parsed `toJSON()` output (`repo.sessionFromJSON`). */
export function restoreSession(
  repo: RepoContext,
  snapshot: SnapshotView,
  json: ParsedSession,
): Session {
  return restore(repo, snapshot, json);
}

/**
 * Internal: a session's uncommitted change set, for read-only use inside the package (status,
 * reprs); not exported from the package.
 */
export function sessionChanges(session: Session): ChangeSet {
  return changesOf(session);
}

/**
 * A view of one version of the repository: read-only at a snapshot, or writable on a branch (with
 * uncommitted changes, committed by {@link Session.commit}). Its Zarr key-value store is
 * {@link Session.store}; hand it to zarrita with `new IcechunkStore(session)`.
 * Open sessions with `repo.readonlySession(version)`, `repo.writableSession(branch)` or
 * `repo.rearrangeSession(branch)`.
 * @example
 * const session = await repo.writableSession("main");
 * await session.store.set("zarr.json", new TextEncoder().encode('{"zarr_format":3,"node_type":"group"}'));
 * const snapshotId = await session.commit("create the root group");
 */
export class Session {
  static {
    construct = (repo, snapshot, options) => new Session(repo, snapshot, options);
    changesOf = (session) => session.#changes;
    restore = (repo, snapshot, json) => {
      const session = new Session(repo, snapshot, {
        mode: json.mode,
        fork: json.fork,
        ...(json.branch === undefined ? {} : { branch: json.branch }),
      });
      session.#changes = json.changes;
      return session;
    };
  }

  readonly #repo: RepoContext;
  #snapshot: SnapshotView;
  #changes = new ChangeSet();
  #branch: string | undefined;
  #mode: SessionMode;
  #fork: boolean;
  readonly #defaultCommitMetadata: JsonObject;
  /** The session's Zarr key-value store. */
  readonly store: SessionStore;
  /**
   * Manifests fetched in the background when the session opened (the repository's
   * `manifest.preload` config; by default those of coordinate-like arrays with at most 1000 refs).
   * Resolves with how many were loaded; never rejects. Reads need not wait for it.
   */
  readonly manifestsPreloaded: Promise<number>;

  private constructor(repo: RepoContext, snapshot: SnapshotView, options: SessionOptions) {
    this.#repo = repo;
    this.#defaultCommitMetadata = options.defaultCommitMetadata ?? {};
    this.#snapshot = snapshot;
    this.#branch = options.branch;
    this.#mode = options.mode;
    this.#fork = options.fork ?? false;
    this.store = newSessionStore({
      readContext: () => this.#readContext(),
      writeContext: (operation) => this.#writeContext(operation),
      session: this,
    });
    this.manifestsPreloaded =
      options.preload === true
        ? startPreload(repo, snapshot)
        : options.preload instanceof Promise
          ? options.preload
          : Promise.resolve(0);
  }

  /** The snapshot this session reads from (its base, for writable sessions). */
  get snapshotId(): SnapshotId {
    return this.#snapshot.id;
  }
  /** The branch a writable session commits to; undefined for read-only sessions and forks. */
  get branch(): string | undefined {
    return this.#branch;
  }
  /** `readonly`, `writable` or `rearrange`; a session becomes `readonly` once committed. */
  get mode(): SessionMode {
    return this.#mode;
  }
  /** True for read-only sessions (and for sessions after their commit). */
  get readOnly(): boolean {
    return this.#mode === "readonly";
  }
  /** True for fork sessions (`session.fork()`): they can write and flush, not commit. */
  get isFork(): boolean {
    return this.#fork;
  }
  /** The repository configuration this session works with. */
  get config(): RepositoryConfig {
    return this.#repo.config;
  }
  /** True when the session holds changes not yet committed. */
  get hasUncommittedChanges(): boolean {
    return !this.#changes.isEmpty();
  }

  #readContext(): ReadContext {
    return {
      snapshot: this.#snapshot,
      changes: this.#changes,
      assets: this.#repo.assets,
      virtual: this.#repo.virtual,
    };
  }

  #writeContext(operation: string): write.WriteContext {
    if (this.#mode === "readonly") throw new ReadOnlySessionError(operation);
    if (this.#mode === "rearrange")
      throw new SessionModeError(
        operation,
        "rearrange",
        "it only moves nodes; use repo.writableSession(branch) for other edits",
      );
    return {
      snapshot: this.#snapshot,
      changes: this.#changes,
      assets: this.#repo.assets,
      virtual: this.#repo.virtual,
      specVersion: this.#repo.specVersion,
      inlineThreshold:
        this.#repo.config.inlineChunkThresholdBytes ?? DEFAULT_INLINE_CHUNK_THRESHOLD_BYTES,
    };
  }

  /** What rebase needs of the session (internal); live: every read sees the current state. */
  #rebaseTarget(): RebaseTarget {
    const self = this;
    return {
      repo: this.#repo,
      get snapshotId() {
        return self.snapshotId;
      },
      get readOnly() {
        return self.readOnly;
      },
      get isFork() {
        return self.#fork;
      },
      get branch() {
        return self.#branch;
      },
      get changes() {
        return self.#changes;
      },
      readContext: () => this.#readContext(),
      resetBase: (snapshot, changes) => {
        this.#snapshot = snapshot;
        this.#changes = changes;
      },
    };
  }

  /** The group or array at a path (`/`, `/a/b`), or undefined. */
  getNode(path: string): Node | undefined {
    return getNode(this.#readContext(), prefixToPath(path));
  }

  /**
   * The id of the group or array at a path (`/`, `/a/b`).
   * @throws {NodeNotFoundError} when there is none.
   */
  getNodeId(path: string): NodeId {
    const node = this.getNode(path);
    if (!node) throw new NodeNotFoundError(prefixToPath(path));
    return node.id;
  }

  /**
   * The location of every virtual chunk of the session (committed and uncommitted, `vcc://`
   * references expanded), one entry per chunk, as the official `allVirtualChunkLocations`.
   */
  allVirtualChunkLocations(options: { signal?: AbortSignal } = {}): Promise<string[]> {
    return virtualChunkLocations(this.#readContext(), options.signal);
  }

  /**
   * How the chunk at a chunk key (`a/c/0/1`) is stored: `"native"` (a chunk object), `"inline"`
   * (inside its manifest), `"virtual"` (a reference to other storage) or `"uninitialized"` (no
   * chunk: it reads as the fill value), as upstream's `chunk_type`.
   * @throws {InvalidKeyError} when `key` is not a chunk key
   * @throws {NodeNotFoundError} when there is no array at its path
   */
  async chunkType(key: string, options: { signal?: AbortSignal } = {}): Promise<ChunkType> {
    const parsed = parseKey(key);
    if (parsed.kind !== "chunk")
      throw new InvalidKeyError(key, "not a chunk key: expected '<array path>/c/<i>/<j>…'");
    const ctx = this.#readContext();
    const node = requireArray(ctx, parsed.path);
    const payload = await getChunkRef(ctx, node, parsed.coords, options.signal);
    return payload?.kind ?? "uninitialized";
  }

  /** Every node under a path, sorted. */
  listNodes(path = "/"): Node[] {
    return listNodes(this.#readContext(), prefixToPath(path));
  }

  /** Sets a chunk reference directly (virtual refs). */
  setChunkRef(path: string, coords: number[], payload: ChunkPayload): void {
    write.setChunkRef(this.#writeContext("set a chunk ref"), prefixToPath(path), coords, payload);
  }

  /**
   * Re-attaches chunk references at new coordinates without copying data (regular grids only).
   * `forward(c)` gives the new place of the chunk at `c` (undefined: leave it); with `backward`,
   * positions that receive nothing are cleared unless `backward(position)` had a chunk.
   */
  reindexArray(
    path: string,
    forward: CoordMap,
    options: { backward?: CoordMap; signal?: AbortSignal } = {},
  ): Promise<void> {
    return reindexArray(
      this.#writeContext("reindex an array"),
      prefixToPath(path),
      forward,
      options.backward,
      options,
    );
  }

  /**
   * Shifts an array's chunks by `offset` chunks per dimension: chunks moved past the grid are dropped,
   * vacated positions read as the fill value. E.g. `shiftArray("/forecast", [-1, 0, 0])` drops the
   * oldest time step of a rolling window; then write the newest one.
   */
  shiftArray(
    path: string,
    offset: number[],
    options: { signal?: AbortSignal } = {},
  ): Promise<void> {
    return shiftArray(
      this.#writeContext("shift an array"),
      prefixToPath(path),
      offset,
      options.signal,
    );
  }

  /**
   * Moves (renames) a group or array, with everything under it, to a new path. Rearrange sessions
   * only (`repo.rearrangeSession(branch)`); no chunk is copied.
   */
  moveNode(from: string, to: string): void {
    if (this.#mode === "readonly") throw new ReadOnlySessionError("move nodes");
    if (this.#mode !== "rearrange")
      throw new SessionModeError(
        "move nodes",
        this.#fork ? "fork" : "writable",
        "nodes can only be moved in a rearrange session: use repo.rearrangeSession(branch)",
      );
    moveNode(this.#readContext(), prefixToPath(from), prefixToPath(to));
  }

  /** Drops every uncommitted change. */
  discardChanges(): void {
    if (this.#mode === "readonly") throw new ReadOnlySessionError("discard changes");
    this.#changes = new ChangeSet();
  }

  #requireBranch(operation: string): string {
    if (this.#mode === "readonly") throw new ReadOnlySessionError(operation);
    if (this.#fork || this.#branch === undefined)
      throw new SessionModeError(
        operation,
        "fork",
        `merge it into a branch session and ${operation} there`,
      );
    return this.#branch;
  }

  async #publish(
    mode: PublishMode,
    message: string,
    options: CommitOptions & Pick<PublishOptions, "rewriteManifests" | "onProgress">,
  ): Promise<SnapshotId> {
    checkCommitMetadata(options.metadata);
    // upstream `resolve_properties`: the repository's default metadata, overridden key by key
    const metadata = { ...this.#defaultCommitMetadata, ...options.metadata };
    const view = await publish(this.#repo, this.#readContext(), mode, {
      message,
      ...options,
      metadata,
    });
    this.#snapshot = view;
    this.#changes = new ChangeSet();
    // as upstream: read-only at the new snapshot, no longer on a branch
    this.#mode = "readonly";
    this.#branch = undefined;
    return view.id;
  }

  /**
   * Commits the changes to the session's branch and returns the new snapshot id. The session becomes
   * read-only at the new snapshot.
   * @throws {ConflictError} when another writer moved the branch (rebase, then commit again)
   */
  async commit(message: string, options: CommitOptions = {}): Promise<SnapshotId> {
    const branch = this.#requireBranch("commit");
    checkCommitMetadata(options.metadata); // before a rebase copies it
    const { rebase: solver, rebaseTries, ...rest } = options;
    if (!solver) return this.#publish({ kind: "commit", branch }, message, rest);
    return commitRebasing(
      this.#rebaseTarget(),
      (metadata) => this.#publish({ kind: "commit", branch }, message, { ...rest, metadata }),
      {
        solver,
        ...(rebaseTries === undefined ? {} : { rebaseTries }),
        ...(rest.metadata ? { metadata: rest.metadata } : {}),
        ...(rest.signal ? { signal: rest.signal } : {}),
      },
    );
  }

  /**
   * Rebases the session onto its branch tip (see rebase.ts).
   * @throws {RebaseFailedError} when `solver` cannot resolve a conflict
   */
  rebase(solver: ConflictSolver, options: RebaseOptions = {}): Promise<void> {
    return rebaseSession(this.#rebaseTarget(), solver, options);
  }

  /** The uncommitted changes against the base snapshot. */
  async status(options: { signal?: AbortSignal } = {}): Promise<Diff> {
    options.signal?.throwIfAborted();
    return sessionStatus(this.#readContext());
  }

  /**
   * Writes the session's current state as an anonymous snapshot (message "fork") and returns a
   * writable fork session on it (no branch; it can flush but not commit). This session keeps its
   * changes. Send forks to workers with `fork.toJSON()` and `repo.sessionFromJSON(json)`.
   */
  async fork(options: { signal?: AbortSignal } = {}): Promise<Session> {
    this.#writeContext("fork");
    const view = await publish(
      this.#repo,
      this.#readContext(),
      { kind: "detached" },
      { message: "fork", allowEmpty: true, ...options },
    );
    return new Session(this.#repo, view, {
      mode: "writable",
      fork: true,
      defaultCommitMetadata: this.#defaultCommitMetadata,
    });
  }

  /**
   * Absorbs the changes of other sessions (usually forks) into this one; chunk refs of later
   * sessions win. A fork cannot absorb a branch session.
   * @throws {SessionMergeError} when sessions changed the same node incompatibly
   */
  merge(...others: Session[]): void {
    this.#writeContext("merge sessions");
    const merged = cloneChangeSet(this.#changes);
    for (const other of others) {
      if (this.#fork && !other.isFork)
        throw new SessionModeError(
          "absorb a branch session",
          "fork",
          "merge the fork into the branch session instead",
        );
      mergeChangeSets(merged, other.#changes);
    }
    this.#changes = merged;
  }

  /** Plain-data form of the session (base snapshot id and change set; bytes as base64). */
  toJSON(): SessionJSON {
    if (this.#mode === "rearrange")
      throw new SessionModeError("serialize the session", "rearrange", "commit the moves first");
    return {
      format: "icechunk-ts-session",
      version: 1,
      snapshotId: this.#snapshot.id,
      ...(this.#branch === undefined ? {} : { branch: this.#branch }),
      mode: this.#mode === "readonly" ? "readonly" : "writable",
      fork: this.#fork,
      changes: changeSetToJSON(this.#changes),
    };
  }

  /**
   * Internal (use `repo.rewriteManifests`): commits, or amends, this session with every array's
   * manifests rewritten under the current splitting config, even when nothing else changed.
   */
  rewriteManifestsCommit(
    message: string,
    options: {
      metadata: JsonObject;
      amend: boolean;
      onProgress?: OnProgress;
      signal?: AbortSignal;
    },
  ): Promise<SnapshotId> {
    const branch = this.#requireBranch("rewrite manifests");
    const { amend, ...rest } = options;
    return this.#publish({ kind: amend ? "amend" : "commit", branch }, message, {
      ...rest,
      allowEmpty: true,
      rewriteManifests: true,
    });
  }

  /** Replaces the branch tip with a snapshot holding its changes plus this session's (spec 2). */
  amend(message: string, options: CommitOptions = {}): Promise<SnapshotId> {
    const branch = this.#requireBranch("amend");
    return this.#publish({ kind: "amend", branch }, message, options);
  }

  /**
   * Writes an anonymous snapshot (no branch moves) and returns its id; the session becomes
   * read-only at it. As upstream, any session can flush, a read-only one too (e.g. again after a
   * commit or flush): its snapshot gets a child with the same content.
   */
  flush(message: string, options: Omit<CommitOptions, "allowEmpty"> = {}): Promise<SnapshotId> {
    return this.#publish({ kind: "detached" }, message, { ...options, allowEmpty: true });
  }
}

installRepr(Session.prototype, "Session", (s: Session) => sessionFields(s, sessionChanges(s)));
