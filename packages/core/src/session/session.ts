/**
 * @module session/session
 * A Session reads (and, when writable, edits) one version of the repository. Read-only sessions sit
 * on a snapshot; writable sessions also carry a change set and the branch they commit to. The Zarr
 * key-value view is `session.store`. Writes, commits and rebases live in their own modules.
 */
import type { AssetManager } from "../assets/asset-manager.js";
import type { SnapshotId } from "../format/ids.js";
import type { SnapshotView } from "../format/snapshot.js";
import type { RepositoryConfig } from "../repo/config.js";
import type { VersionControl } from "../repo/types.js";
import type { VirtualChunkResolver } from "../virtual/resolver.js";
import { ChangeSet } from "./change-set.js";
import { prefixToPath } from "./keys.js";
import { getNode, listNodes, type Node, type ReadContext } from "./read.js";
import { SessionStore, type StoreHost } from "./store.js";

/** What every session of one repository shares. */
export interface RepoContext {
  readonly assets: AssetManager;
  readonly specVersion: 1 | 2;
  readonly config: RepositoryConfig;
  readonly virtual: VirtualChunkResolver;
  readonly versionControl: VersionControl;
}

export type SessionMode = "readonly" | "writable";

export class Session implements StoreHost {
  #snapshot: SnapshotView;
  #changes = new ChangeSet();
  #branch: string | undefined;
  #mode: SessionMode;
  /** The session's Zarr key-value store. */
  readonly store: SessionStore;

  constructor(
    readonly repo: RepoContext,
    snapshot: SnapshotView,
    options: { branch?: string; mode: SessionMode },
  ) {
    this.#snapshot = snapshot;
    this.#branch = options.branch;
    this.#mode = options.mode;
    this.store = new SessionStore(this);
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
  get hasUncommittedChanges(): boolean {
    return !this.#changes.isEmpty();
  }

  readContext(): ReadContext {
    return { snapshot: this.#snapshot, changes: this.#changes, assets: this.repo.assets, virtual: this.repo.virtual };
  }

  /** The group or array at a path (`/`, `/a/b`), or undefined. */
  getNode(path: string): Node | undefined {
    return getNode(this.readContext(), prefixToPath(path));
  }

  /** Every node under a path, sorted. */
  listNodes(path = "/"): Node[] {
    return listNodes(this.readContext(), prefixToPath(path));
  }
}
