/**
 * @module @icechunk-ts/zarrita
 * An Icechunk session as a zarrita store: every `zarr.json` and chunk goes through the session
 * (and so through Icechunk's snapshot, manifests and change set).
 *
 * @example
 * import * as zarr from "zarrita";
 * import { Repository, httpStorage } from "@icechunk-ts/core";
 * import { IcechunkStore } from "@icechunk-ts/zarrita";
 * const repo = await Repository.open(httpStorage("https://example.com/repo"));
 * const store = new IcechunkStore(await repo.readonlySession({ branch: "main" }));
 * const arr = await zarr.open.v3(zarr.root(store).resolve("temperature"), { kind: "array" });
 * const chunk = await zarr.get(arr, [0, null]);
 */
import type { AbsolutePath, AsyncMutable, GetOptions, RangeQuery } from "zarrita";

/** What the adapter needs of a session: its key-value store (structural, so any core version fits). */
export interface SessionLike {
  readonly readOnly: boolean;
  /** Shown by the store's repr when present (core sessions have them). */
  readonly branch?: string | undefined;
  readonly snapshotId?: string;
  readonly store: {
    get(key: string, options?: { signal?: AbortSignal }): Promise<Uint8Array | undefined>;
    getRange(
      key: string,
      range: RangeQuery,
      options?: { signal?: AbortSignal },
    ): Promise<Uint8Array | undefined>;
    set?(key: string, value: Uint8Array, options?: { signal?: AbortSignal }): Promise<void>;
  };
}

/** zarrita `AsyncReadable` (and `AsyncWritable` for writable sessions) over an Icechunk session. */
export class IcechunkStore implements AsyncMutable {
  constructor(readonly session: SessionLike) {}

  /** `IcechunkStore(readOnly: …, branch: …, snapshotId: …)`: what the store reads, at a glance. */
  toString(): string {
    const s = this.session;
    const fields = [`readOnly: ${s.readOnly}`];
    if (s.branch !== undefined) fields.push(`branch: ${s.branch}`);
    if (s.snapshotId !== undefined) fields.push(`snapshotId: ${s.snapshotId}`);
    return `IcechunkStore(${fields.join(", ")})`;
  }

  /** `util.inspect` / `console.log` (the Symbol.for form: browsers never import node:util). */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }

  /** Deno's Jupyter kernel display: the text form. */
  [Symbol.for("Jupyter.display")](): { "text/plain": string } {
    return { "text/plain": this.toString() };
  }

  get(key: AbsolutePath, options?: GetOptions): Promise<Uint8Array | undefined> {
    return this.session.store.get(key.slice(1), options?.signal ? { signal: options.signal } : {});
  }

  getRange(
    key: AbsolutePath,
    range: RangeQuery,
    options?: GetOptions,
  ): Promise<Uint8Array | undefined> {
    return this.session.store.getRange(
      key.slice(1),
      range,
      options?.signal ? { signal: options.signal } : {},
    );
  }

  /** Writes through the session; read-only sessions throw ReadOnlySessionError. */
  async set(key: AbsolutePath, value: Uint8Array): Promise<void> {
    const set = this.session.store.set;
    if (!set) throw new TypeError("this Icechunk store has no write support");
    await set.call(this.session.store, key.slice(1), value);
  }
}
