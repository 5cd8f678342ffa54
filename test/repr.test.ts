/**
 * What objects print in a REPL, a log line and a notebook: util.inspect, String() and the
 * `Symbol.for("Jupyter.display")` bundle of Repository, Session, SessionStore, IcechunkStore,
 * SnapshotInfo, Diff (upstream's text form), GCSummary, conflicts and errors show the facts a
 * person needs and no internals (asset manager, change set, buffers), in bounded length.
 */
import { inspect } from "node:util";
import {
  ConflictDetector,
  formatConflict,
  inMemoryStorage,
  type JupyterBundle,
  RebaseFailedError,
  Repository,
  SnapshotNotFoundError,
} from "@icechunk-ts/core";
import { localFilesystemStorage } from "@icechunk-ts/core/fs";
import { IcechunkStore } from "@icechunk-ts/zarrita";
import { afterAll, describe, expect, it } from "vitest";
import { makeTempDir } from "./support/tmp.js";
import { array, chunk, group, vector } from "./support/zarr-json.js";

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of cleanups) await c();
});

const INTERNALS = /AssetManager|ChangeSet|RepoContext|VersionControl|Uint8Array|Map\(|#|\[Object/;
const jupyter = (x: unknown) =>
  (x as Record<symbol, () => JupyterBundle>)[Symbol.for("Jupyter.display")]!();

/** util.inspect at the deepest setting, and String(). */
function shown(x: unknown) {
  const deep = inspect(x, { depth: Number.POSITIVE_INFINITY, colors: false });
  return { deep, str: String(x), colored: inspect(x, { colors: true }) };
}

describe("reprs", () => {
  it("Repository: storage, spec version, access", async () => {
    const { dir, cleanup } = await makeTempDir();
    cleanups.push(cleanup);
    const repo = await Repository.create(localFilesystemStorage(dir), { specVersion: 1 });
    const { deep, str, colored } = shown(repo);
    expect(deep).toBe(
      `Repository(storage: ${repo.storage.description}, specVersion: 1, access: read-write)`,
    );
    expect(str).toBe(deep);
    expect(deep).toContain(dir);
    expect(colored).toContain("\x1b["); // util.inspect's colours when asked
    const html = jupyter(repo)["text/html"]!;
    expect(html).toContain("<table");
    expect(html).toContain("specVersion");
    expect(jupyter(repo)["text/plain"]).toBe(str);
    const v2 = await Repository.create(inMemoryStorage());
    expect(String(v2)).toBe("Repository(storage: memory, specVersion: 2, access: read-write)");
  });

  it("Session, SessionStore and IcechunkStore: mode, branch, snapshot, pending changes", async () => {
    const repo = await Repository.create(inMemoryStorage());
    const base = await repo.lookupBranch("main");
    const ro = await repo.readonlySession({ branch: "main" });
    expect(shown(ro).deep).toBe(`Session(mode: readonly, snapshotId: ${base})`);
    const s = await repo.writableSession("main");
    expect(String(s)).toBe(
      `Session(mode: writable, branch: main, snapshotId: ${base}, uncommitted: none)`,
    );
    await s.store.set("zarr.json", group());
    await s.store.set("a/zarr.json", array([4, 4]));
    await s.store.set("a/c/0/0", chunk(1, 4));
    await s.store.set("a/c/1/1", new Uint8Array(1 << 20)); // a big native chunk stays out of sight
    const { deep, str } = shown(s);
    expect(deep).toBe(
      `Session(mode: writable, branch: main, snapshotId: ${base}, uncommitted: 2 nodes created, 2 chunks written or deleted)`,
    );
    expect(str).toBe(deep);
    expect(deep).not.toMatch(INTERNALS);
    expect(shown(s.store).deep).toBe(
      `SessionStore(mode: writable, branch: main, snapshotId: ${base})`,
    );
    expect(shown(new IcechunkStore(s)).deep).toBe(
      `IcechunkStore(readOnly: false, branch: main, snapshotId: ${base})`,
    );
    const fork = await s.fork();
    expect(String(fork)).toMatch(
      /^Session\(mode: writable fork, snapshotId: [0-9A-Z]{20}, uncommitted: none\)$/,
    );
    // an object holding a session prints the session's line, not its insides
    const holder = inspect({ session: s, store: s.store }, { depth: 10 });
    expect(holder).not.toMatch(INTERNALS);
    expect(holder.length).toBeLessThan(400);
    expect(jupyter(s)["text/html"]).toContain("uncommitted");
  });

  it("SnapshotInfo prints its id, parent, time and message and still equals a plain record", async () => {
    const repo = await Repository.create(inMemoryStorage());
    const s = await repo.writableSession("main");
    await s.store.set("zarr.json", group());
    const id = await s.commit("first line\nsecond line", { metadata: { author: "me" } });
    const [info, root] = await repo.ancestry({ branch: "main" });
    expect(shown(info).deep).toMatch(
      new RegExp(
        `^SnapshotInfo\\(id: ${id}, parentId: ${root!.id}, writtenAt: \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}Z, message: "first line", metadata: \\{"author":"me"\\}\\)$`,
      ),
    );
    expect(String(root)).toMatch(/parentId: none, .*message: "Repository initialized"/);
    expect(Object.keys(info!)).toEqual([
      "id",
      "flushedAt",
      "writtenAt",
      "message",
      "metadata",
      "parentId",
    ]);
    expect(info).toEqual({ ...info! });
    expect(JSON.parse(JSON.stringify(info))).toMatchObject({
      id,
      message: "first line\nsecond line",
    });
    expect(await repo.lookupSnapshot(id)).toEqual(info);
    expect(String(await repo.lookupSnapshot(id))).toBe(String(info));
  });

  it("Diff: isEmpty() and upstream's text form; a bounded inspect form", async () => {
    const repo = await Repository.create(inMemoryStorage());
    const s = await repo.writableSession("main");
    const empty = await s.status();
    expect(empty.isEmpty()).toBe(true);
    expect(String(empty)).toBe("");
    expect(shown(empty).deep).toBe("Diff (no changes)");
    await s.store.set("zarr.json", group());
    await s.store.set("g/zarr.json", group());
    await s.store.set("v/zarr.json", vector(20));
    for (let i = 0; i < 12; i++) await s.store.set(`v/c/${i}`, chunk(i, 1));
    const c1 = await s.commit("one");
    const s2 = await repo.writableSession("main");
    await s2.store.set("g/zarr.json", group({ x: 1 }));
    await s2.store.set("v/zarr.json", vector(30));
    await s2.store.delete("v/c/0");
    await s2.store.set("h/zarr.json", group());
    await s2.store.delete("h/zarr.json");
    await s2.store.set("w/zarr.json", vector(2));
    await s2.commit("two");
    const root = (await repo.ancestry({ branch: "main" })).at(-1)!.id;
    const d1 = await repo.diff({ from: { snapshotId: root }, to: { snapshotId: c1 } });
    expect(d1.isEmpty()).toBe(false);
    expect(String(d1)).toBe(
      "Groups created:\n    /\n    /g\n\nArrays created:\n    /v\n\nChunks updated:\n    /v:\n" +
        "        [0]\n        [1]\n        [2]\n        [3]\n        [4]\n        [5]\n        [6]\n" +
        "        [7]\n        [8]\n        [9]\n        ... 2 more\n",
    );
    const d2 = await repo.diff({ from: { snapshotId: c1 }, to: { branch: "main" } });
    expect(String(d2)).toBe(
      "Arrays created:\n    /w\n\nGroup definitions updated:\n    /g\n\nArray definitions updated:\n    /v\n\n" +
        "Chunks updated:\n    /v:\n        [0]\n",
    );
    // moves
    const r = await repo.rearrangeSession("main");
    r.moveNode("/g", "/moved");
    expect(String(await r.status())).toBe("Nodes moved/renamed:\n    /g -> /moved\n\n");
    // deletions
    const s3 = await repo.writableSession("main");
    await s3.store.delete("w/zarr.json");
    await s3.store.delete("g/zarr.json");
    expect(String(await s3.status())).toBe(
      "Groups deleted:\n    /g\n\nArrays deleted:\n    /w\n\n",
    );
    // inspect: the same sections, each cut at 20 paths
    const s4 = await repo.writableSession("main");
    for (let i = 0; i < 50; i++)
      await s4.store.set(`many/g${String(i).padStart(2, "0")}/zarr.json`, group());
    await s4.store.set("many/zarr.json", group());
    const big = await s4.status();
    const text = shown(big).deep;
    expect(text.startsWith("Diff\nGroups created:\n    /many\n")).toBe(true);
    expect(text).toContain("    ... 31 more");
    expect(text.split("\n").length).toBeLessThan(30);
    expect(String(big).split("\n").length).toBeGreaterThan(50); // toString lists every path, as upstream
    expect(jupyter(big)["text/html"]).toMatch(/^<pre>Diff\n/);
  });

  it("GCSummary, conflicts and errors", async () => {
    const repo = await Repository.create(inMemoryStorage());
    const gc = await repo.garbageCollect(new Date(), { dryRun: true });
    expect(String(gc)).toBe(
      "GCSummary(snapshots: 0, transactionLogs: 0, manifests: 0, chunks: 0, bytes: 0)",
    );
    expect(gc).toEqual({ snapshots: 0, transactionLogs: 0, manifests: 0, chunks: 0, bytes: 0 });

    const s = await repo.writableSession("main");
    await s.store.set("zarr.json", group());
    await s.store.set("a/zarr.json", array([4, 4]));
    await s.commit("base");
    const s1 = await repo.writableSession("main");
    const s2 = await repo.writableSession("main");
    await s1.store.set("a/c/0/0", chunk(1));
    await s1.store.set("a/c/1/1", chunk(1));
    await s1.commit("theirs");
    await s2.store.set("a/c/0/0", chunk(2));
    await s2.store.set("a/c/1/1", chunk(2));
    const err = await s2.rebase(new ConflictDetector()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RebaseFailedError);
    const [conflict] = (err as RebaseFailedError).conflicts;
    expect(String(conflict)).toBe("Chunk double update: /a (chunks [0, 0], [1, 1])");
    expect(formatConflict(conflict!)).toBe(String(conflict));
    expect(
      formatConflict({ kind: "delete-of-updated-group", path: "/g", nodeId: "X" as never }),
    ).toBe("Delete of updated group: /g");
    expect(inspect(conflict)).toBe(
      "Conflict(type: Chunk double update, path: /a, chunks: [0, 0], [1, 1])",
    );
    expect(conflict).toMatchObject({ kind: "chunk-double-update", path: "/a" });
    const shownErr = inspect(err);
    expect(shownErr).toMatch(/^RebaseFailedError: cannot rebase over snapshot/);
    expect(shownErr).toContain("    at "); // the stack
    expect(shownErr).toContain("kind: rebase-failed");
    expect(shownErr).toContain("conflicts: [Chunk double update: /a (chunks [0, 0], [1, 1])]");
    expect(shownErr).not.toMatch(/ChangeSet|AssetManager/);

    const missing = await repo.lookupSnapshot("AAAAAAAAAAAAAAAAAAAA").catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(SnapshotNotFoundError);
    expect(inspect(missing)).toContain('snapshotId: "AAAAAAAAAAAAAAAAAAA0"');
    expect(String(missing)).toMatch(
      /^SnapshotNotFoundError: snapshot AAAAAAAAAAAAAAAAAAA0 not found/,
    );
  });

  it("every repr stays bounded with long names and messages", async () => {
    const long = "x".repeat(5000);
    const repo = await Repository.create(inMemoryStorage());
    await repo.createBranch(long.slice(0, 200), await repo.lookupBranch("main"));
    const s = await repo.writableSession(long.slice(0, 200));
    await s.store.set("zarr.json", group());
    await s.commit(long);
    const [info] = await repo.ancestry({ branch: long.slice(0, 200) });
    for (const x of [s, s.store, info]) {
      expect(inspect(x).length).toBeLessThan(400);
      expect(String(x).length).toBeLessThan(400);
      expect(jupyter(x)["text/html"]!.length).toBeLessThan(3000);
    }
  });
});
