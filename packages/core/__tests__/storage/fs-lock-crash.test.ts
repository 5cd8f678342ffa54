/**
 * @module __tests__/storage/fs-lock-crash.test
 * The filesystem backend's conditional-write lock after a crash: a real child process takes the
 * lock and is SIGKILLed while holding it; the next if-match write proceeds at once (well under the
 * 30 s stale time). A lock held by a live process is respected; one whose owner cannot be checked
 * (another host) waits for the stale time; a dead owner's lock broken by many writers at once
 * still lets exactly one of them win.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { afterAll, expect, it } from "vitest";
import { makeTempDir } from "../../../../test/support/tmp.js";
import { isIcechunkError } from "../../src/errors.js";
import { localFilesystemStorage } from "../../src/storage/fs.js";
import { currentOwner, ownerAlive } from "../../src/storage/fs-lock-owner.js";

const CHILD = resolve(import.meta.dirname, "../../../../test/support/fs-lock-child.ts");
const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of cleanups) await c();
});

async function repoDir(): Promise<string> {
  const tmp = await makeTempDir("icechunk-fs-lock-");
  cleanups.push(tmp.cleanup);
  return tmp.dir;
}

/** Spawns a child holding `<dir>/<key>.lock`; resolves once it holds it. */
async function holder(dir: string, key: string): Promise<ChildProcess> {
  const ready = join(dir, `ready-${Math.random().toString(36).slice(2)}`);
  const child = spawn(process.execPath, ["--import", "tsx", CHILD, join(dir, key), ready], {
    cwd: resolve(import.meta.dirname, "../../../.."),
    stdio: ["ignore", "ignore", "inherit"],
  });
  const deadline = Date.now() + 60_000;
  while (!existsSync(ready)) {
    if (child.exitCode !== null) throw new Error(`lock child exited ${child.exitCode}`);
    if (Date.now() > deadline) throw new Error("lock child did not take the lock");
    await new Promise((r) => setTimeout(r, 20));
  }
  return child;
}

function kill(child: ChildProcess): Promise<void> {
  return new Promise((res) => {
    if (child.exitCode !== null || child.signalCode !== null) return res();
    child.once("exit", () => res());
    child.kill("SIGKILL");
  });
}

it("a writer SIGKILLed while holding the lock does not wedge the next writer", async () => {
  const dir = await repoDir();
  const s = localFilesystemStorage(dir);
  for (let round = 0; round < 2; round++) {
    const base = await s.put("repo", new Uint8Array([round]));
    if (base.kind !== "written") throw new Error("setup");
    const child = await holder(dir, "repo");
    await kill(child);
    expect(existsSync(join(dir, "repo.lock")), "the dead writer's lock is left").toBe(true);
    const started = performance.now();
    const w = await s.put("repo", new Uint8Array([9]), { condition: { ifMatch: base.version } });
    const elapsed = performance.now() - started;
    expect(w.kind).toBe("written");
    expect(elapsed, "far under the 30 s stale time").toBeLessThan(10_000);
    console.log(`fs lock of a SIGKILLed writer broken in ${elapsed.toFixed(0)} ms`);
  }
});

it("a lock held by a live process is respected until it dies", async () => {
  const dir = await repoDir();
  const s = localFilesystemStorage(dir, { lockTimeoutMs: 1500 });
  const base = await s.put("repo", new Uint8Array([1]));
  if (base.kind !== "written") throw new Error("setup");
  const child = await holder(dir, "repo");
  try {
    const err = await s
      .put("repo", new Uint8Array([2]), { condition: { ifMatch: base.version } })
      .catch((e: unknown) => e);
    expect(isIcechunkError(err, "storage"), String(err)).toBe(true);
    expect(String(err)).toContain("could not acquire");
    expect((await s.get("repo"))?.data).toEqual(new Uint8Array([1]));
  } finally {
    await kill(child);
  }
  const w = await s.put("repo", new Uint8Array([3]), { condition: { ifMatch: base.version } });
  expect(w.kind).toBe("written");
});

it("a lock whose owner cannot be checked (another host) waits for the stale time", async () => {
  const dir = await repoDir();
  const base = await localFilesystemStorage(dir).put("repo", new Uint8Array([1]));
  if (base.kind !== "written") throw new Error("setup");
  const elsewhere = { ...currentOwner(), host: "another-host.example" };
  expect(ownerAlive(elsewhere)).toBeUndefined();
  await writeFile(join(dir, "repo.lock"), JSON.stringify(elsewhere));
  const impatient = localFilesystemStorage(dir, { lockStaleMs: 60_000, lockTimeoutMs: 300 });
  const err = await impatient
    .put("repo", new Uint8Array([2]), { condition: { ifMatch: base.version } })
    .catch((e: unknown) => e);
  expect(isIcechunkError(err, "storage"), String(err)).toBe(true);
  const stale = localFilesystemStorage(dir, { lockStaleMs: 200, lockTimeoutMs: 10_000 });
  const w = await stale.put("repo", new Uint8Array([3]), { condition: { ifMatch: base.version } });
  expect(w.kind).toBe("written");
});

it("a reused pid does not pass for the dead owner; many writers breaking it: one wins", async () => {
  const me = currentOwner();
  expect(ownerAlive(me)).toBe(true);
  if (me.start !== undefined) expect(ownerAlive({ ...me, start: `${me.start}1` })).toBe(false);
  const dir = await repoDir();
  const s = localFilesystemStorage(dir);
  for (let round = 0; round < 5; round++) {
    const base = await s.put("repo", new Uint8Array([round]));
    if (base.kind !== "written") throw new Error("setup");
    // our own pid with another start time: a process that died and whose pid came back
    await writeFile(join(dir, "repo.lock"), JSON.stringify({ ...me, start: "1" }));
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        localFilesystemStorage(dir).put("repo", new Uint8Array([100 + i]), {
          condition: { ifMatch: base.version },
        }),
      ),
    );
    const winners = results.flatMap((r, i) => (r.kind === "written" ? [i] : []));
    expect(winners, `round ${round}`).toHaveLength(1);
    expect((await s.get("repo"))?.data).toEqual(new Uint8Array([100 + winners[0]!]));
    expect(existsSync(join(dir, "repo.lock"))).toBe(false);
  }
});
