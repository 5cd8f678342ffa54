/**
 * Model-based test: random command sequences (test/support/model.ts) run on icechunk-ts and on a
 * small in-memory model (nodes, chunk bytes per key, snapshots, refs, parent links). After every
 * step: the command succeeded exactly when the model says it must (edits, deletes, moves, session
 * modes, refs, flush), the session's every key and its bytes equal the model's, every ref points at
 * the snapshot the model expects with the model's history messages, and after expiry + GC every
 * ref's snapshot still reads exactly as the model has it (nothing reachable lost) and the official
 * implementation opens the repository and reads it identically. Commands whose success depends on
 * rules the model does not restate (rebase, amend, empty commits) take our outcome and the model
 * follows it; their effect on content is still checked. Named sequences cover what random ones
 * reach rarely and shrunk failures. `ICECHUNK_MODEL_RUNS=1000` runs more, `ICECHUNK_MODEL_SEED`
 * picks another seed.
 */
import { INITIAL_SNAPSHOT_ID, Repository } from "@icechunk-ts/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compareRepositories } from "./support/compare.js";
import {
  arrayDoc as arrayDocOf,
  BRANCHES,
  type Cmd,
  chunkBytes,
  chunkKeyOf,
  commandArb,
  fitRank,
  groupDoc as groupDocOf,
  metaKey,
  ourImpl,
  PATHS,
  Runner,
  runsFromEnv,
  seedFromEnv,
  TAGS,
} from "./support/model.js";
import { loadNativeOracle, oracleStorage } from "./support/oracle.js";

/** The official implementation cross-opens the repository after expiry and GC (when it loads here). */
const oracle = await loadNativeOracle();
const stats = { sequences: 0, steps: 0, succeeded: 0, crossOpened: 0, collected: 0 };

const RUNS = runsFromEnv(100);
const SEED = seedFromEnv();

type Tree = Map<string, string>; // key → bytes (hex of the whole value)
type Kinds = Map<string, { kind: "group" | "array"; rank: number; doc: string }>;
interface State {
  tree: Tree;
  kinds: Kinds;
}
const hexOf = (b: Uint8Array) => Buffer.from(b).toString("hex");
const clone = (s: State): State => ({ tree: new Map(s.tree), kinds: new Map(s.kinds) });
const under = (key: string, p: string) => p === "" || key === p || key.startsWith(`${p}/`);

/** The in-memory model of one repository and its current session. */
class Model {
  snapshots: Array<{ state: State; parent: number | undefined; message: string }> = [
    {
      state: { tree: new Map(), kinds: new Map() },
      parent: undefined,
      message: "Repository initialized",
    },
  ];
  branches = new Map<string, number>([["main", 0]]);
  tags = new Map<string, number>();
  deletedTags = new Set<string>();
  /** Set once snapshots were expired: histories are then only checked at both ends. */
  expired = false;
  session = {
    base: 0,
    branch: "main" as string | undefined,
    mode: "writable",
    state: clone(this.snapshots[0]!.state),
  };

  history(i: number): string[] {
    const out: string[] = [];
    for (let c: number | undefined = i; c !== undefined; c = this.snapshots[c]!.parent)
      out.push(this.snapshots[c]!.message);
    return out;
  }

  /** After expiry, a snapshot no ref points at may have been released (refs to it then fail). */
  mayBeReleased(s: number): boolean {
    const idx = s % this.snapshots.length;
    const tips = new Set([0, ...this.branches.values(), ...this.tags.values()]);
    return this.expired && !tips.has(idx);
  }

  /** Whether an edit must succeed (true), must fail (false); applies it when it succeeds. */
  edit(cmd: Cmd): boolean | "either" {
    const { state, mode } = this.session;
    const writable = mode === "writable";
    switch (cmd.t) {
      case "group":
      case "array": {
        const p = PATHS[cmd.p]!;
        const doc = hexOf(cmd.t === "group" ? groupDocOf(cmd.v) : arrayDocOf(cmd.rank, cmd.v));
        const existing = state.kinds.get(p);
        if (mode !== "readonly" && existing?.doc === doc) return true;
        if (!writable) return false;
        if (existing && existing.kind !== cmd.t) return false;
        state.kinds.set(p, { kind: cmd.t, rank: cmd.t === "array" ? cmd.rank : 0, doc });
        state.tree.set(metaKey(p), doc);
        return true;
      }
      case "chunk":
      case "delChunk": {
        const p = PATHS[cmd.p]!;
        const node = state.kinds.get(p);
        const c = cmd.t === "chunk" && node?.kind === "array" ? fitRank(cmd.c, node.rank) : cmd.c;
        const valid = node?.kind === "array" && c.every((x, i) => i >= node.rank || x < 2);
        if (cmd.t === "delChunk") {
          if (!valid) return true;
          if (!writable) return false;
          state.tree.delete(chunkKeyOf(p, c));
          return true;
        }
        if (!writable || !valid) return false;
        state.tree.set(chunkKeyOf(p, c), hexOf(chunkBytes(cmd.large, cmd.b)));
        return true;
      }
      case "delMeta": {
        const p = PATHS[cmd.p]!;
        const node = state.kinds.get(p);
        if (!node) return true;
        if (!writable) return false;
        for (const k of [...state.kinds.keys()])
          if (k === p || (node.kind === "group" && under(k, p))) state.kinds.delete(k);
        for (const k of [...state.tree.keys()]) {
          const owner = k.endsWith("zarr.json")
            ? k.slice(0, -"zarr.json".length).replace(/\/$/, "")
            : chunkOwner(k);
          if (owner === p || (node.kind === "group" && under(owner, p))) state.tree.delete(k);
        }
        return true;
      }
      case "branch": {
        const b = BRANCHES[cmd.b]!;
        if (this.branches.has(b)) return false;
        if (this.mayBeReleased(cmd.s)) return "either";
        this.branches.set(b, cmd.s % this.snapshots.length);
        return true;
      }
      case "delBranch": {
        const b = BRANCHES[cmd.b]!;
        if (b === "main" || !this.branches.has(b)) return false;
        this.branches.delete(b);
        return true;
      }
      case "reset": {
        const b = BRANCHES[cmd.b]!;
        if (!this.branches.has(b)) return false;
        if (this.mayBeReleased(cmd.s)) return "either";
        this.branches.set(b, cmd.s % this.snapshots.length);
        return true;
      }
      case "tag": {
        const t = TAGS[cmd.n]!;
        if (this.tags.has(t) || this.deletedTags.has(t)) return false;
        if (this.mayBeReleased(cmd.s)) return "either";
        this.tags.set(t, cmd.s % this.snapshots.length);
        return true;
      }
      case "delTag": {
        const t = TAGS[cmd.n]!;
        if (!this.tags.has(t)) return false;
        this.tags.delete(t);
        this.deletedTags.add(t);
        return true;
      }
      case "move": {
        // rearrange sessions only; the source exists; not into itself; nothing at the destination,
        // whose parent is a group (upstream `move_node`)
        const from = PATHS[cmd.from]!;
        const to = PATHS[cmd.to]!;
        const parent = to.includes("/") ? to.slice(0, to.lastIndexOf("/")) : "";
        if (mode !== "rearrange" || !state.kinds.has(from)) return false;
        if (to === from || under(to, from) || state.kinds.has(to)) return false;
        if (state.kinds.get(parent)?.kind !== "group") return false;
        const move = (k: string) => (under(k, from) ? `${to}${k.slice(from.length)}` : k);
        state.tree = new Map([...state.tree].map(([k, v]) => [move(k), v]));
        state.kinds = new Map([...state.kinds].map(([k, v]) => [move(k), v]));
        return true;
      }
      case "flush":
        // any session can flush, a read-only one too; after expiry its base may be gone (upstream
        // fails then too: "snapshot id not found")
        return this.expired ? "either" : true;
      default:
        return "either";
    }
  }

  /** A new snapshot of the session's state (commit, amend, flush, second writer). */
  produced(state: State, parent: number | undefined, message: string): number {
    this.snapshots.push({ state: clone(state), parent, message });
    return this.snapshots.length - 1;
  }
}

/** The array owning a chunk key (`a/b/c/0/1` → `a/b`), given arrays never sit at the root. */
function chunkOwner(key: string): string {
  const segs = key.split("/");
  const ci = segs.lastIndexOf("c", segs.length - 1);
  for (let i = segs.length - 1; i >= 0; i--)
    if (segs[i] === "c" && segs.slice(i + 1).every((s) => /^\d+$/.test(s)))
      return segs.slice(0, i).join("/");
  return segs.slice(0, ci).join("/");
}

/** Applies a command the model does not decide, after it succeeded on icechunk-ts. */
async function follow(m: Model, cmd: Cmd, value: unknown, ours: Runner): Promise<void> {
  const ss = m.session;
  const readonlyAt = (idx: number) => {
    m.session = {
      base: idx,
      branch: undefined,
      mode: "readonly",
      state: clone(m.snapshots[idx]!.state),
    };
  };
  switch (cmd.t) {
    case "commit": {
      const tip = m.branches.get(ss.branch!)!;
      expect(tip, "a commit lands only on the session's base").toBe(ss.base);
      const idx = m.produced(ss.state, tip, `commit-${ours.step}`);
      m.branches.set(ss.branch!, idx);
      return readonlyAt(idx);
    }
    case "amend": {
      const tip = m.branches.get(ss.branch!)!;
      expect(tip, "amend replaces the session's base").toBe(ss.base);
      const idx = m.produced(ss.state, m.snapshots[tip]!.parent, `amend-${ours.step}`);
      m.branches.set(ss.branch!, idx);
      return readonlyAt(idx);
    }
    case "flush":
      return readonlyAt(m.produced(ss.state, ss.base, `flush-${ours.step}`));
    case "second": {
      const b = ss.branch ?? "main";
      const tip = m.branches.get(b)!;
      const state = clone(m.snapshots[tip]!.state);
      const p = PATHS[cmd.p]!;
      const doc = hexOf(groupDocOf(cmd.v + 10));
      state.kinds.set(p, { kind: "group", rank: 0, doc });
      state.tree.set(metaKey(p), doc);
      m.branches.set(b, m.produced(state, tip, `second-${ours.step}`));
      return;
    }
    case "branch":
    case "reset":
      m.branches.set(BRANCHES[cmd.b]!, cmd.s % m.snapshots.length);
      return;
    case "tag":
      m.tags.set(TAGS[cmd.n]!, cmd.s % m.snapshots.length);
      return;
    case "discard":
      ss.state = clone(m.snapshots[ss.base]!.state);
      return;
    case "session": {
      const idx = Number(value);
      const branch = cmd.kind === "readonly" ? undefined : BRANCHES[cmd.b]!;
      if (branch !== undefined) expect(idx).toBe(m.branches.get(branch));
      else expect(idx).toBe(cmd.s % m.snapshots.length);
      m.session = { base: idx, branch, mode: cmd.kind, state: clone(m.snapshots[idx]!.state) };
      return;
    }
    case "rebase": {
      // the rebased content is the tip's plus the session's changes: taken from icechunk-ts
      // (the differential test checks it against the official implementation)
      ss.base = Number(ours.label(ours.session.snapshotId));
      const kinds: Kinds = new Map();
      const tree: Tree = new Map();
      for (const [k, v] of Object.entries(await ours.contents())) tree.set(k, v!);
      for (const p of PATHS) {
        const doc = await ours.session.get(metaKey(p));
        if (doc) {
          const meta = JSON.parse(new TextDecoder().decode(doc));
          kinds.set(p, { kind: meta.node_type, rank: meta.shape?.length ?? 0, doc: hexOf(doc) });
        }
      }
      ss.state = { tree: new Map([...tree].map(([k]) => [k, ""])), kinds };
      for (const k of tree.keys()) ss.state.tree.set(k, hexOf((await ours.session.get(k))!));
      return;
    }
    default:
      return;
  }
}

async function run(cmds: readonly Cmd[]): Promise<void> {
  const impl = await ourImpl();
  const ours = new Runner(impl, INITIAL_SNAPSHOT_ID);
  await ours.start();
  const m = new Model();
  stats.sequences++;
  for (const [i, cmd] of cmds.entries()) {
    const where = `step ${i} ${JSON.stringify(cmd)}`;
    const before = clone(m.session.state);
    const decided = m.edit(cmd);
    const got = await ours.apply(cmd);
    stats.steps++;
    if (got.ok) stats.succeeded++;
    if (cmd.t === "gc" && got.ok) stats.collected += Number(got.value ?? 0);
    if (decided !== "either") expect(got.ok, `${where}: ${JSON.stringify(got)}`).toBe(decided);
    if (got.ok && (decided === "either" || cmd.t === "flush"))
      await follow(m, cmd, got.value, ours);
    // a failed rebase may have moved part of the way
    else if (cmd.t === "rebase") await follow(m, cmd, got, ours);
    if (!got.ok && cmd.t !== "rebase") m.session.state = before;
    if (cmd.t === "expire" || cmd.t === "gc") {
      m.expired = true;
      // nothing reachable lost: every ref's snapshot reads exactly as the model has it
      for (const idx of [...m.branches.values(), ...m.tags.values()]) {
        const s = await ours.impl.readonly(ours.snapshots[idx]!);
        expect(await ours.contents(s), `${where} snapshot ${idx}`).toEqual(
          view(m.snapshots[idx]!.state),
        );
      }
      // a session on a snapshot expiry released may have lost it to GC: continue on a new one
      if (cmd.t === "gc" && m.mayBeReleased(m.session.base)) {
        const reopen: Cmd = { t: "session", kind: "writable", b: 0, s: 0 };
        const res = await ours.apply(reopen);
        expect(res.ok, where).toBe(true);
        await follow(m, reopen, res.ok ? res.value : undefined, ours);
      }
      // and the official implementation opens what expiry and GC left, reading it identically
      if (oracle) {
        const theirs = await oracle.Repository.open(await oracleStorage(impl.storage, { oracle }));
        await compareRepositories(await Repository.open(impl.storage), theirs);
        stats.crossOpened++;
      }
    }
    // the session's content is the model's
    expect(await ours.contents(), where).toEqual(view(m.session.state));
    const base = m.snapshots[m.session.base]!.state;
    if (m.session.mode !== "readonly" && !sameState(base, m.session.state))
      expect(ours.session.hasUncommittedChanges(), where).toBe(true);
    // refs and history
    expect((await ours.impl.listBranches()).sort(), where).toEqual([...m.branches.keys()].sort());
    expect((await ours.impl.listTags()).sort(), where).toEqual([...m.tags.keys()].sort());
    for (const [b, idx] of m.branches) {
      expect(ours.label(await ours.impl.lookupBranch(b)), `${where} ${b}`).toBe(String(idx));
      const msgs = await ours.impl.ancestryMessages({ branch: b });
      if (!m.expired) expect(msgs, `${where} ${b}`).toEqual(m.history(idx));
      else {
        expect(msgs[0], `${where} ${b}`).toBe(m.snapshots[idx]!.message);
        expect(msgs.at(-1), `${where} ${b}`).toBe("Repository initialized");
      }
    }
  }
}

function view(s: State): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const k of [...s.tree.keys()].sort()) {
    const h = s.tree.get(k)!;
    out[k] = `${h.length / 2}:${h.slice(0, 16)}`;
  }
  return out;
}
const sameState = (a: State, b: State) => JSON.stringify(view(a)) === JSON.stringify(view(b));

const W: Cmd = { t: "session", kind: "writable", b: 0, s: 0 };
const big = (p: number, c: number[], b: number): Cmd => ({ t: "chunk", p, c, large: true, b });

/** Sequences the random ones reach rarely: much history, then expiry and GC. */
const NAMED: Array<[string, Cmd[]]> = [
  [
    "expiry and GC keep every chunk reachable from a branch or tag, across amend, reset and branches",
    [
      { t: "group", p: 0, v: 0 },
      { t: "array", p: 1, rank: 1, v: 0 },
      big(1, [0], 1),
      big(1, [1], 2),
      { t: "commit" },
      W,
      big(1, [0], 3),
      { t: "array", p: 3, rank: 2, v: 0 },
      big(3, [1, 1], 4),
      { t: "commit" },
      { t: "branch", b: 1, s: 1 },
      { t: "tag", n: 0, s: 2 },
      W,
      big(1, [1], 5),
      { t: "delChunk", p: 3, c: [1, 1] },
      { t: "commit" },
      W,
      big(1, [0], 6),
      { t: "amend" },
      { t: "session", kind: "writable", b: 1, s: 0 },
      big(1, [1], 7),
      { t: "commit" },
      { t: "reset", b: 0, s: 3 },
      W,
      { t: "gc" },
      { t: "expire" },
      { t: "gc" },
      W,
      big(1, [1], 8),
      { t: "commit" },
      { t: "expire" },
      { t: "gc" },
    ],
  ],
  [
    "GC keeps the chunks of a writer whose attempt to open another session failed (shrunk)",
    [
      { t: "array", p: 2, rank: 1, v: 0 },
      big(2, [0], 0),
      { t: "expire" },
      { t: "session", kind: "writable", b: 1, s: 0 },
      { t: "gc" },
      { t: "commit" },
    ],
  ],
];

describe("model-based: icechunk-ts against an in-memory model", () => {
  for (const [name, cmds] of NAMED) it(name, () => run(cmds));

  it(
    "random command sequences (with expiry and GC) match the model after every step",
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(commandArb(true), { minLength: 5, maxLength: 30 }), run),
        { numRuns: RUNS, seed: SEED },
      );
      console.log(
        `model: ${stats.sequences} sequences, ${stats.steps} steps (${stats.succeeded} succeeded), ${stats.crossOpened} cross-opened by the official build after expiry/GC, ${stats.collected} objects garbage-collected (ICECHUNK_MODEL_RUNS=${RUNS}, ICECHUNK_MODEL_SEED=${SEED})`,
      );
    },
    60_000 + RUNS * 500,
  );
});
