/**
 * @module test/support/model
 * Model-based and differential testing of sessions and refs: a small command language (node and
 * chunk edits, commit/amend/flush, sessions of every mode, moves, a second writer and rebase,
 * branches and tags, listings, diffs, expiry and GC), fast-check generators for it, and one
 * adapter interface (`Impl`/`Sess`) with three implementations: icechunk-ts, the official
 * implementation, and an in-memory model of the semantics. Snapshots are named by the index of
 * the command output that produced them (0 is the initial snapshot), so runs of different
 * implementations compare although their snapshot ids differ.
 */
import {
  ConflictDetector,
  type Diff,
  inMemoryStorage,
  Repository,
  type Session,
  type Storage,
} from "@icechunk-ts/core";
import fc from "fast-check";
import type { Oracle } from "./oracle.js";

// ------------------------------------------------------------------------------------ commands

export const PATHS = ["", "a", "a/b", "c", "a/b/d"] as const;
export const PREFIXES = [...PATHS, "a/c", "a/c/0", "c/c", "nope", "a/b/c/1"] as const;
export const BRANCHES = ["main", "dev", "x"] as const;
export const TAGS = ["t1", "t2"] as const;

export type Cmd =
  | { t: "group"; p: number; v: number }
  | { t: "array"; p: number; rank: 1 | 2; v: number }
  | { t: "chunk"; p: number; c: number[]; large: boolean; b: number }
  | { t: "delMeta"; p: number }
  | { t: "delChunk"; p: number; c: number[] }
  | { t: "commit" }
  | { t: "amend" }
  | { t: "flush" }
  | { t: "discard" }
  | { t: "session"; kind: "writable" | "readonly" | "rearrange"; b: number; s: number }
  | { t: "move"; from: number; to: number }
  | { t: "branch"; b: number; s: number }
  | { t: "delBranch"; b: number }
  | { t: "tag"; n: number; s: number }
  | { t: "delTag"; n: number }
  | { t: "reset"; b: number; s: number }
  | { t: "second"; p: number; v: number }
  | { t: "rebase" }
  | { t: "diff"; a: number; z: number }
  | { t: "expire" }
  | { t: "gc" };

const path = fc.nat(PATHS.length - 1);
const coords = fc.oneof(
  { weight: 4, arbitrary: fc.array(fc.nat(1), { minLength: 1, maxLength: 2 }) },
  { weight: 1, arbitrary: fc.array(fc.nat(2), { minLength: 0, maxLength: 3 }) },
);
const idx = fc.nat(20);

/** Commands; `withMaintenance` adds expiry and GC (the official binding exposes neither). */
export function commandArb(withMaintenance: boolean): fc.Arbitrary<Cmd> {
  const cmds: Array<fc.WeightedArbitrary<Cmd>> = [
    { weight: 5, arbitrary: fc.record({ t: fc.constant("group"), p: path, v: fc.nat(2) }) },
    {
      weight: 5,
      arbitrary: fc.record({
        t: fc.constant("array"),
        p: path,
        rank: fc.constantFrom(1 as const, 2 as const),
        v: fc.nat(2),
      }),
    },
    {
      weight: 8,
      arbitrary: fc.record({
        t: fc.constant("chunk"),
        p: path,
        c: coords,
        large: fc.boolean(),
        b: fc.nat(255),
      }),
    },
    { weight: 4, arbitrary: fc.record({ t: fc.constant("delMeta"), p: path }) },
    { weight: 3, arbitrary: fc.record({ t: fc.constant("delChunk"), p: path, c: coords }) },
    { weight: 4, arbitrary: fc.constant({ t: "commit" as const }) },
    { weight: 1, arbitrary: fc.constant({ t: "amend" as const }) },
    { weight: 1, arbitrary: fc.constant({ t: "flush" as const }) },
    { weight: 1, arbitrary: fc.constant({ t: "discard" as const }) },
    {
      // commits, amends and flushes leave the session read-only: open new ones often
      weight: 6,
      arbitrary: fc.record({
        t: fc.constant("session"),
        kind: fc.oneof(
          { weight: 4, arbitrary: fc.constant("writable" as const) },
          { weight: 1, arbitrary: fc.constant("readonly" as const) },
          { weight: 1, arbitrary: fc.constant("rearrange" as const) },
        ),
        b: fc.nat(BRANCHES.length - 1),
        s: idx,
      }),
    },
    { weight: 2, arbitrary: fc.record({ t: fc.constant("move"), from: path, to: path }) },
    {
      weight: 1,
      arbitrary: fc.record({ t: fc.constant("branch"), b: fc.nat(BRANCHES.length - 1), s: idx }),
    },
    {
      weight: 1,
      arbitrary: fc.record({ t: fc.constant("delBranch"), b: fc.nat(BRANCHES.length - 1) }),
    },
    {
      weight: 1,
      arbitrary: fc.record({ t: fc.constant("tag"), n: fc.nat(TAGS.length - 1), s: idx }),
    },
    { weight: 1, arbitrary: fc.record({ t: fc.constant("delTag"), n: fc.nat(TAGS.length - 1) }) },
    {
      weight: 1,
      arbitrary: fc.record({ t: fc.constant("reset"), b: fc.nat(BRANCHES.length - 1), s: idx }),
    },
    { weight: 1, arbitrary: fc.record({ t: fc.constant("second"), p: path, v: fc.nat(2) }) },
    { weight: 1, arbitrary: fc.constant({ t: "rebase" as const }) },
    { weight: 1, arbitrary: fc.record({ t: fc.constant("diff"), a: idx, z: idx }) },
  ];
  if (withMaintenance)
    cmds.push(
      { weight: 3, arbitrary: fc.constant({ t: "expire" as const }) },
      { weight: 3, arbitrary: fc.constant({ t: "gc" as const }) },
    );
  return fc.oneof(...cmds);
}

// ----------------------------------------------------------------------------------- documents

const enc = new TextEncoder();
export const groupDoc = (v: number): Uint8Array =>
  enc.encode(JSON.stringify({ zarr_format: 3, node_type: "group", attributes: { v } }));
export const arrayDoc = (rank: 1 | 2, v: number): Uint8Array =>
  enc.encode(
    JSON.stringify({
      zarr_format: 3,
      node_type: "array",
      shape: Array(rank).fill(4),
      data_type: "uint8",
      chunk_grid: { name: "regular", configuration: { chunk_shape: Array(rank).fill(2) } },
      chunk_key_encoding: { name: "default", configuration: { separator: "/" } },
      fill_value: 0,
      codecs: [{ name: "bytes" }],
      attributes: { v },
    }),
  );
/**
 * Chunk writes use the array's rank (a key of another rank is refused by icechunk-ts and lost at
 * commit by the official implementation, see test/write-errors.test.ts); `c` is cut or padded.
 */
export const fitRank = (c: readonly number[], rank: number | undefined): number[] =>
  rank === undefined ? [...c] : Array.from({ length: rank }, (_, i) => c[i] ?? 0);

async function rankOf(s: Sess, p: string): Promise<number | undefined> {
  const doc = await s.get(metaKey(p));
  if (!doc) return undefined;
  const meta = JSON.parse(new TextDecoder().decode(doc)) as { shape?: number[] };
  return meta.shape?.length;
}

/** 4 bytes (inline) or 600 bytes (a native chunk object). */
export const chunkBytes = (large: boolean, b: number): Uint8Array =>
  new Uint8Array(large ? 600 : 4).fill(b);
export const metaKey = (p: string) => (p === "" ? "zarr.json" : `${p}/zarr.json`);
export const chunkKeyOf = (p: string, c: readonly number[]) =>
  [p === "" ? "c" : `${p}/c`, ...c].join("/");
const nodePath = (p: string) => `/${p}`;

// ----------------------------------------------------------------------------------- adapters

export type DiffLike = Pick<
  Diff,
  | "newGroups"
  | "newArrays"
  | "deletedGroups"
  | "deletedArrays"
  | "updatedGroups"
  | "updatedArrays"
  | "updatedChunks"
  | "movedNodes"
>;

/** One session of an implementation, as the commands drive it. */
export interface Sess {
  readonly mode: string;
  readonly branch: string | undefined;
  readonly snapshotId: string;
  hasUncommittedChanges(): boolean;
  set(key: string, value: Uint8Array): Promise<void>;
  get(key: string): Promise<Uint8Array | undefined>;
  exists(key: string): Promise<boolean>;
  delete(key: string): Promise<void>;
  list(): Promise<string[]>;
  listPrefix(prefix: string): Promise<string[]>;
  listDir(prefix: string): Promise<string[]>;
  commit(message: string): Promise<string>;
  amend(message: string): Promise<string>;
  flush(message: string): Promise<string>;
  discard(): Promise<void>;
  move(from: string, to: string): Promise<void>;
  rebase(): Promise<void>;
  status(): Promise<DiffLike>;
}

/** One repository of an implementation. */
export interface Impl {
  readonly name: string;
  writable(branch: string): Promise<Sess>;
  readonly(snapshotId: string): Promise<Sess>;
  rearrange(branch: string): Promise<Sess>;
  createBranch(name: string, id: string): Promise<void>;
  deleteBranch(name: string): Promise<void>;
  createTag(name: string, id: string): Promise<void>;
  deleteTag(name: string): Promise<void>;
  resetBranch(name: string, id: string): Promise<void>;
  listBranches(): Promise<string[]>;
  listTags(): Promise<string[]>;
  lookupBranch(name: string): Promise<string>;
  lookupTag(name: string): Promise<string>;
  ancestryMessages(version: { branch: string } | { tag: string }): Promise<string[]>;
  diff(from: string, to: string): Promise<DiffLike>;
  expire?(): Promise<void>;
  /** Garbage collection of objects older than `olderThan`; resolves with the objects deleted. */
  gc?(olderThan: Date): Promise<number>;
}

/** Session operations both implementations name and shape alike. */
function sharedOps(s: {
  store: Pick<Session["store"], "exists" | "delete" | "list" | "listPrefix" | "listDir">;
  commit(m: string): Promise<string>;
  amend(m: string): Promise<string>;
  flush(m: string): Promise<string>;
}): Pick<
  Sess,
  "exists" | "delete" | "list" | "listPrefix" | "listDir" | "commit" | "amend" | "flush"
> {
  return {
    exists: (k) => s.store.exists(k),
    delete: (k) => s.store.delete(k),
    list: () => s.store.list(),
    listPrefix: (p) => s.store.listPrefix(p),
    listDir: (p) => s.store.listDir(p),
    commit: (m) => s.commit(m),
    amend: (m) => s.amend(m),
    flush: (m) => s.flush(m),
  };
}

function ourSess(s: Session): Sess {
  return {
    get mode() {
      return s.mode;
    },
    get branch() {
      return s.branch;
    },
    get snapshotId() {
      return s.snapshotId;
    },
    hasUncommittedChanges: () => s.hasUncommittedChanges,
    set: (k, v) => s.store.set(k, v),
    get: (k) => s.store.get(k),
    ...sharedOps(s),
    discard: async () => s.discardChanges(),
    move: async (f, t) => s.moveNode(f, t),
    rebase: () => s.rebase(new ConflictDetector()),
    status: () => s.status(),
  };
}

const REF_OPS = [
  "createBranch",
  "deleteBranch",
  "createTag",
  "deleteTag",
  "resetBranch",
  "listBranches",
  "listTags",
  "lookupBranch",
  "lookupTag",
] as const;
type RefOps = Pick<Impl, (typeof REF_OPS)[number] | "ancestryMessages">;

/** The ref operations both implementations name alike (and the messages of `ancestry`). */
function refOps(
  repo: Pick<Impl, (typeof REF_OPS)[number]> & {
    ancestry(v: { branch: string } | { tag: string }): Promise<Array<{ message: string }>>;
  },
): RefOps {
  const ops = Object.fromEntries(REF_OPS.map((n) => [n, repo[n].bind(repo)]));
  return {
    ...(ops as Pick<Impl, (typeof REF_OPS)[number]>),
    ancestryMessages: async (v) => (await repo.ancestry(v)).map((s) => s.message),
  };
}

/** icechunk-ts on in-memory storage. */
export async function ourImpl(): Promise<Impl & { storage: Storage }> {
  const storage = inMemoryStorage();
  const repo = await Repository.create(storage);
  return {
    name: "icechunk-ts",
    storage,
    writable: async (b) => ourSess(await repo.writableSession(b)),
    readonly: async (id) => ourSess(await repo.readonlySession({ snapshotId: id })),
    rearrange: async (b) => ourSess(await repo.rearrangeSession(b)),
    ...refOps(repo),
    diff: (a, z) => repo.diff({ from: { snapshotId: a }, to: { snapshotId: z } }),
    expire: async () => {
      await repo.expireSnapshots(new Date(Date.now() + 1000));
    },
    gc: async (olderThan) => {
      const { chunks, manifests, snapshots, transactionLogs } =
        await repo.garbageCollect(olderThan);
      return chunks + manifests + snapshots + transactionLogs;
    },
  };
}

type TheirSession = Awaited<ReturnType<InstanceType<Oracle["Repository"]>["writableSession"]>>;

function theirSess(s: TheirSession): Sess {
  return {
    get mode() {
      return s.mode;
    },
    get branch() {
      return s.branch ?? undefined;
    },
    get snapshotId() {
      return s.snapshotId;
    },
    hasUncommittedChanges: () => s.hasUncommittedChanges,
    set: (k, v) => s.store.set(k, Buffer.from(v)),
    get: async (k) => {
      const got = await s.store.get(k);
      return got === null ? undefined : new Uint8Array(got);
    },
    ...sharedOps(s),
    discard: () => s.discardChanges(),
    move: (f, t) => s.moveNode(f, t),
    rebase: () => s.rebase(),
    status: () => s.status(),
  };
}

/** The official implementation on its in-memory storage. */
export async function theirImpl(oracle: Oracle): Promise<Impl> {
  const repo = await oracle.Repository.create(await oracle.Storage.newInMemory());
  return {
    name: "official",
    writable: async (b) => theirSess(await repo.writableSession(b)),
    readonly: async (id) => theirSess(await repo.readonlySession({ snapshotId: id })),
    rearrange: async (b) => theirSess(await repo.rearrangeSession(b)),
    ...refOps(repo),
    diff: (a, z) => repo.diff({ fromSnapshotId: a, toSnapshotId: z }) as Promise<DiffLike>,
  };
}

// -------------------------------------------------------------------------------------- runner

/** What one command produced: success (with a comparable value) or failure. */
export type Outcome = { ok: true; value?: unknown } | { ok: false; error: string };

async function outcome(f: () => Promise<unknown>): Promise<Outcome> {
  try {
    const value = await f();
    return value === undefined ? { ok: true } : { ok: true, value };
  } catch (e) {
    return { ok: false, error: e instanceof Error ? e.message.split("\n")[0]! : String(e) };
  }
}

/** An outcome without the error message (messages differ between implementations). */
const okOrFailed = (o: Outcome) => (o.ok ? o : { ok: false });

export const sorted = (xs: readonly string[]) => [...xs].sort();
const hex = (b: Uint8Array | undefined) =>
  b === undefined ? null : `${b.length}:${Buffer.from(b.subarray(0, 8)).toString("hex")}`;

/** A diff in a canonical form (sorted lists, chunk lists sorted by key). */
export function canonicalDiff(d: DiffLike): unknown {
  const chunks = Object.entries(d.updatedChunks as Record<string, number[][]>)
    .map(([k, v]) => [k, v.map((c) => c.join(",")).sort()] as const)
    .sort(([a], [b]) => (a < b ? -1 : 1));
  return {
    newGroups: sorted(d.newGroups),
    newArrays: sorted(d.newArrays),
    deletedGroups: sorted(d.deletedGroups),
    deletedArrays: sorted(d.deletedArrays),
    updatedGroups: sorted(d.updatedGroups),
    updatedArrays: sorted(d.updatedArrays),
    updatedChunks: chunks,
    movedNodes: d.movedNodes.map((m) => `${m.from}->${m.to}`).sort(),
  };
}

/**
 * Drives one implementation through commands. Snapshot ids are replaced by their index in
 * `snapshots` (the order in which commands produced them), so outcomes compare across
 * implementations.
 */
export class Runner {
  readonly snapshots: string[];
  session!: Sess;
  step = 0;
  /** When the current session opened: GC's cutoff (older than every running writer, as documented). */
  #sessionOpenedAt = new Date(0);
  constructor(
    readonly impl: Impl,
    initialSnapshotId: string,
  ) {
    this.snapshots = [initialSnapshotId];
  }

  async start(): Promise<void> {
    this.#sessionOpenedAt = await cutoffNow();
    this.session = await this.impl.writable("main");
  }

  /** Index of a snapshot id (`?` for one no command produced, e.g. a flush's parent chain). */
  label(id: string): string {
    const i = this.snapshots.indexOf(id);
    return i < 0 ? "?" : String(i);
  }

  #snap(i: number): string {
    return this.snapshots[i % this.snapshots.length]!;
  }

  #produced(id: string): string {
    this.snapshots.push(id);
    return this.label(id);
  }

  /** Runs one command; the outcome's value is implementation-independent. */
  async apply(cmd: Cmd): Promise<Outcome> {
    this.step++;
    const s = this.session;
    const msg = `${cmd.t}-${this.step}`;
    switch (cmd.t) {
      case "group":
        return outcome(() => s.set(metaKey(PATHS[cmd.p]!), groupDoc(cmd.v)));
      case "array":
        return outcome(() => s.set(metaKey(PATHS[cmd.p]!), arrayDoc(cmd.rank, cmd.v)));
      case "chunk":
        return outcome(async () => {
          const p = PATHS[cmd.p]!;
          const rank = await rankOf(s, p);
          await s.set(chunkKeyOf(p, fitRank(cmd.c, rank)), chunkBytes(cmd.large, cmd.b));
        });
      case "delMeta":
        return outcome(() => s.delete(metaKey(PATHS[cmd.p]!)));
      case "delChunk":
        return outcome(() => s.delete(chunkKeyOf(PATHS[cmd.p]!, cmd.c)));
      case "commit":
        return outcome(async () => this.#produced(await s.commit(msg)));
      case "amend":
        return outcome(async () => this.#produced(await s.amend(msg)));
      case "flush":
        return outcome(async () => this.#produced(await s.flush(msg)));
      case "discard":
        return outcome(() => s.discard());
      case "session":
        return outcome(async () => {
          const b = BRANCHES[cmd.b]!;
          const openedAt = await cutoffNow();
          this.session =
            cmd.kind === "writable"
              ? await this.impl.writable(b)
              : cmd.kind === "rearrange"
                ? await this.impl.rearrange(b)
                : await this.impl.readonly(this.#snap(cmd.s));
          this.#sessionOpenedAt = openedAt; // only once the new session opened
          return this.label(this.session.snapshotId);
        });
      case "move":
        return outcome(() => s.move(nodePath(PATHS[cmd.from]!), nodePath(PATHS[cmd.to]!)));
      case "branch":
        return outcome(() => this.impl.createBranch(BRANCHES[cmd.b]!, this.#snap(cmd.s)));
      case "delBranch":
        return outcome(() => this.impl.deleteBranch(BRANCHES[cmd.b]!));
      case "tag":
        return outcome(() => this.impl.createTag(TAGS[cmd.n]!, this.#snap(cmd.s)));
      case "delTag":
        return outcome(() => this.impl.deleteTag(TAGS[cmd.n]!));
      case "reset":
        return outcome(() => this.impl.resetBranch(BRANCHES[cmd.b]!, this.#snap(cmd.s)));
      case "second":
        // a second writer on the session's branch commits first (the session must then rebase)
        return outcome(async () => {
          const other = await this.impl.writable(s.branch ?? "main");
          await other.set(metaKey(PATHS[cmd.p]!), groupDoc(cmd.v + 10));
          return this.#produced(await other.commit(msg));
        });
      case "rebase":
        return outcome(() => s.rebase());
      case "diff":
        return outcome(async () =>
          canonicalDiff(await this.impl.diff(this.#snap(cmd.a), this.#snap(cmd.z))),
        );
      case "expire":
        return outcome(async () => this.impl.expire?.());
      case "gc":
        // the only writer that may still run is this session: with nothing uncommitted, no object
        // it wrote is needed, so everything written until now may go
        return outcome(async () =>
          this.impl.gc?.(s.hasUncommittedChanges() ? this.#sessionOpenedAt : await cutoffNow()),
        );
    }
  }

  /** Every key of the session with its bytes (as length and leading bytes), sorted. */
  async contents(s: Sess = this.session): Promise<Record<string, string | null>> {
    const out: Record<string, string | null> = {};
    for (const k of sorted(await s.list())) out[k] = hex(await s.get(k));
    return out;
  }

  /** Everything observable about the session and the repository, in a comparable form. */
  async observe(): Promise<Record<string, unknown>> {
    const s = this.session;
    const listings: Record<string, unknown> = {};
    for (const p of PREFIXES) {
      listings[`prefix:${p}`] = okOrFailed(
        await outcome(async () => sorted(await s.listPrefix(p))),
      );
      listings[`dir:${p}`] = okOrFailed(await outcome(async () => sorted(await s.listDir(p))));
    }
    const exists: Record<string, unknown> = {};
    for (const p of PATHS)
      for (const k of [metaKey(p), chunkKeyOf(p, [0]), chunkKeyOf(p, [1, 1])])
        exists[k] = okOrFailed(await outcome(() => s.exists(k)));
    const branches = sorted(await this.impl.listBranches());
    const tags = sorted(await this.impl.listTags());
    const refs: Record<string, unknown> = {};
    for (const b of branches)
      refs[`branch:${b}`] = [
        this.label(await this.impl.lookupBranch(b)),
        await this.impl.ancestryMessages({ branch: b }),
      ];
    for (const t of tags)
      refs[`tag:${t}`] = [
        this.label(await this.impl.lookupTag(t)),
        await this.impl.ancestryMessages({ tag: t }),
      ];
    return {
      mode: s.mode,
      branch: s.branch ?? null,
      base: this.label(s.snapshotId),
      hasUncommittedChanges: s.hasUncommittedChanges(),
      status: okOrFailed(await outcome(async () => canonicalDiff(await s.status()))),
      contents: await this.contents(),
      listings,
      exists,
      branches,
      tags,
      refs,
    };
  }
}

/**
 * A GC cutoff for a writer opening now: later than everything written so far (a few ms pass first,
 * so objects of earlier sessions are strictly older and GC really collects), earlier than anything
 * the new writer will write.
 */
async function cutoffNow(): Promise<Date> {
  await new Promise((r) => setTimeout(r, 3));
  const cutoff = new Date();
  await new Promise((r) => setTimeout(r, 2));
  return cutoff;
}

/** How many sequences to run: `ICECHUNK_MODEL_RUNS` when set, else the CI default. */
export function runsFromEnv(ciDefault: number): number {
  const n = Number(process.env.ICECHUNK_MODEL_RUNS);
  return Number.isInteger(n) && n > 0 ? n : ciDefault;
}

/** The fast-check seed: `ICECHUNK_MODEL_SEED` when set, else a fixed one (CI runs are reproducible). */
export function seedFromEnv(): number {
  const n = Number(process.env.ICECHUNK_MODEL_SEED);
  return Number.isInteger(n) ? n : 20261204;
}
