/**
 * @module session/session
 * A Session reads (and, when writable, edits) one version of the repository. Read-only sessions sit
 * on a snapshot; writable sessions also carry a change set and the branch they commit to; fork
 * sessions can write and flush but not commit. The Zarr key-value view is `session.store`. The
 * work itself lives in read.ts, write.ts, flush.ts and commit.ts; this file checks modes.
 */

import type { AssetManager } from "../assets/asset-manager.js";
import { NodeNotFoundError, ReadOnlySessionError, SessionStateError } from "../errors.js";
import type { NodeId, SnapshotId } from "../format/ids.js";
import type { JsonObject } from "../format/json-value.js";
import type { ChunkPayload } from "../format/manifest.js";
import type { SnapshotView } from "../format/snapshot.js";
import type { RepositoryConfig } from "../repo/config.js";
import { DEFAULT_INLINE_CHUNK_THRESHOLD_BYTES } from "../repo/config.js";
import type { VersionControl } from "../repo/types.js";
import type { VirtualChunkResolver } from "../virtual/resolver.js";
import { ChangeSet } from "./change-set.js";
import { type PublishMode, publish } from "./commit.js";
import type { ConflictSolver } from "./conflicts/types.js";
import { type Diff, sessionStatus } from "./diff.js";
import {
  changeSetToJSON,
  cloneChangeSet,
  mergeChangeSets,
  type ParsedSession,
  type SessionJSON,
} from "./fork.js";
import { prefixToPath } from "./keys.js";
import { moveNode } from "./move.js";
import { preloadManifests, preloadSettings } from "./preload.js";
import { getNode, listNodes, type Node, type ReadContext, virtualChunkLocations } from "./read.js";
import { commitRebasing, type RebaseOptions, rebaseSession } from "./rebase.js";
import { type CoordMap, reindexArray, shiftArray } from "./reindex.js";
import { SessionStore, type StoreHost } from "./store.js";
import * as write from "./write.js";

/** What every session of one repository shares. */
export interface RepoContext {
  readonly assets: AssetManager;
  readonly specVersion: 1 | 2;
  readonly config: RepositoryConfig;
  readonly virtual: VirtualChunkResolver;
  readonly versionControl: VersionControl;
}

/** `rearrange` sessions can only move nodes (spec 2), `writable` ones make every other edit. */
export type SessionMode = "readonly" | "writable" | "rearrange";

export interface CommitOptions {
  /** Commit metadata (JSON values), stored in the snapshot. */
  metadata?: JsonObject;
  /** Commit even when nothing changed. */
  allowEmpty?: boolean;
  /** On a lost race (ConflictError), rebase with this solver and commit again. */
  rebase?: ConflictSolver;
  /** Rebases before giving up (default 1000). */
  rebaseTries?: number;
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

export class Session implements StoreHost {
  #snapshot: SnapshotView;
  #changes = new ChangeSet();
  #branch: string | undefined;
  #mode: SessionMode;
  #fork: boolean;
  /** The session's Zarr key-value store. */
  readonly store: SessionStore;
  /**
   * Manifests fetched in the background when the session opened (the repository's
   * `manifest.preload` config; by default those of coordinate-like arrays with at most 1000 refs).
   * Resolves with how many were loaded; never rejects. Reads need not wait for it.
   */
  readonly manifestsPreloaded: Promise<number>;

  constructor(
    readonly repo: RepoContext,
    snapshot: SnapshotView,
    options: {
      branch?: string;
      mode: SessionMode;
      fork?: boolean;
      /** Start preloading (true), or share the preloading another session started. */
      preload?: boolean | Promise<number>;
    },
  ) {
    this.#snapshot = snapshot;
    this.#branch = options.branch;
    this.#mode = options.mode;
    this.#fork = options.fork ?? false;
    this.store = new SessionStore(this);
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
  get branch(): string | undefined {
    return this.#branch;
  }
  get mode(): SessionMode {
    return this.#mode;
  }
  get readOnly(): boolean {
    return this.#mode === "readonly";
  }
  get isFork(): boolean {
    return this.#fork;
  }
  get hasUncommittedChanges(): boolean {
    return !this.#changes.isEmpty();
  }
  /** The uncommitted change set (read-only use; for status, rebase and merge). */
  get changes(): ChangeSet {
    return this.#changes;
  }

  readContext(): ReadContext {
    return {
      snapshot: this.#snapshot,
      changes: this.#changes,
      assets: this.repo.assets,
      virtual: this.repo.virtual,
    };
  }

  writeContext(operation: string): write.WriteContext {
    if (this.#mode === "readonly") throw new ReadOnlySessionError(operation);
    if (this.#mode === "rearrange")
      throw new SessionStateError(
        `cannot ${operation} in a rearrange session: it only moves nodes; use writableSession for other edits`,
      );
    return {
      snapshot: this.#snapshot,
      changes: this.#changes,
      assets: this.repo.assets,
      virtual: this.repo.virtual,
      specVersion: this.repo.specVersion,
      inlineThreshold:
        this.repo.config.inlineChunkThresholdBytes ?? DEFAULT_INLINE_CHUNK_THRESHOLD_BYTES,
    };
  }

  /** The group or array at a path (`/`, `/a/b`), or undefined. */
  getNode(path: string): Node | undefined {
    return getNode(this.readContext(), prefixToPath(path));
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
    return virtualChunkLocations(this.readContext(), options.signal);
  }

  /** Every node under a path, sorted. */
  listNodes(path = "/"): Node[] {
    return listNodes(this.readContext(), prefixToPath(path));
  }

  /** Sets a chunk reference directly (virtual refs). */
  setChunkRef(path: string, coords: number[], payload: ChunkPayload): void {
    write.setChunkRef(this.writeContext("set a chunk ref"), prefixToPath(path), coords, payload);
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
      this.writeContext("reindex an array"),
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
      this.writeContext("shift an array"),
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
    if (this.#mode !== "rearrange")
      throw new SessionStateError(
        "nodes can only be moved in a rearrange session: use repo.rearrangeSession(branch)",
      );
    moveNode(this.readContext(), prefixToPath(from), prefixToPath(to));
  }

  /** Drops every uncommitted change. */
  discardChanges(): void {
    if (this.#mode === "readonly") throw new ReadOnlySessionError("discard changes");
    this.#changes = new ChangeSet();
  }

  #requireBranch(operation: string): string {
    if (this.#mode === "readonly") throw new ReadOnlySessionError(operation);
    if (this.#fork || this.#branch === undefined)
      throw new SessionStateError(
        `a fork session cannot ${operation}; merge it into a branch session and ${operation} there`,
      );
    return this.#branch;
  }

  async #publish(mode: PublishMode, message: string, options: CommitOptions): Promise<SnapshotId> {
    const view = await publish(this.repo, this.readContext(), mode, { message, ...options });
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
    const { rebase: solver, rebaseTries, ...rest } = options;
    if (!solver) return this.#publish({ kind: "commit", branch }, message, rest);
    return commitRebasing(
      this,
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
    return rebaseSession(this, solver, options);
  }

  /** The uncommitted changes against the base snapshot. */
  async status(options: { signal?: AbortSignal } = {}): Promise<Diff> {
    options.signal?.throwIfAborted();
    return sessionStatus(this.readContext());
  }

  /**
   * Writes the session's current state as an anonymous snapshot (message "fork") and returns a
   * writable fork session on it (no branch; it can flush but not commit). This session keeps its
   * changes. Send forks to workers with `fork.toJSON()` and `repo.sessionFromJSON(json)`.
   */
  async fork(options: { signal?: AbortSignal } = {}): Promise<Session> {
    this.writeContext("fork");
    const view = await publish(
      this.repo,
      this.readContext(),
      { kind: "detached" },
      { message: "fork", allowEmpty: true, ...options },
    );
    return new Session(this.repo, view, { mode: "writable", fork: true });
  }

  /**
   * Absorbs the changes of other sessions (usually forks) into this one; chunk refs of later
   * sessions win. A fork cannot absorb a branch session.
   * @throws {SessionMergeError} when sessions changed the same node incompatibly
   */
  merge(...others: Session[]): void {
    this.writeContext("merge sessions");
    const merged = cloneChangeSet(this.#changes);
    for (const other of others) {
      if (this.#fork && !other.isFork)
        throw new SessionStateError(
          "a fork session cannot absorb a branch session; merge the fork into the branch session instead",
        );
      mergeChangeSets(merged, other.changes);
    }
    this.#changes = merged;
  }

  /** Plain-data form of the session (base snapshot id and change set; bytes as base64). */
  toJSON(): SessionJSON {
    if (this.#mode === "rearrange")
      throw new SessionStateError(
        "rearrange sessions cannot be serialized; commit the moves first",
      );
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

  /** Internal: rebuilds a session from `toJSON()` output; use `repo.sessionFromJSON(json)`. */
  static restore(repo: RepoContext, snapshot: SnapshotView, json: ParsedSession): Session {
    const session = new Session(repo, snapshot, {
      mode: json.mode,
      fork: json.fork,
      ...(json.branch === undefined ? {} : { branch: json.branch }),
    });
    session.#changes = json.changes;
    return session;
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

  /** Internal: re-bases the session on another snapshot keeping a change set (rebase, fork). */
  resetBase(snapshot: SnapshotView, changes: ChangeSet): void {
    this.#snapshot = snapshot;
    this.#changes = changes;
  }
}
