/**
 * Crash test: a child process does commits, amend, flush, branch and tag updates, expire + GC and
 * (every few rounds, on a fresh spec-1 repository) the 1→2 upgrade on a local-filesystem
 * repository, and is SIGKILLed at a random moment. After each kill: the repository opens, every
 * ref resolves, every reachable snapshot, manifest and chunk exists, the official implementation
 * (native build) opens it and lists the same branches, and the next commit succeeds quickly (no
 * lock left behind wedges it). `ICECHUNK_CRASH_KILLS` sets the number of kills (default 10):
 * `ICECHUNK_CRASH_KILLS=300 pnpm vitest run test/crash.test.ts`.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readFile, rm } from "node:fs/promises";
import { join, resolve } from "node:path";
import { Repository } from "@icechunk-ts/core";
import { localFilesystemStorage } from "@icechunk-ts/core/fs";
import { afterAll, expect, it } from "vitest";
import { checkConsistent } from "./support/consistency.js";
import { array, chunk, commit, group } from "./support/ops-history.js";
import { loadNativeOracle, nativeOracleUnavailableReason } from "./support/oracle.js";
import { makeTempDir } from "./support/tmp.js";

const CHILD = resolve(import.meta.dirname, "support/crash-child.ts");
const KILLS = Number(process.env.ICECHUNK_CRASH_KILLS ?? 10);
/** Every this many kills the child starts from a fresh spec-1 repository (and upgrades it). */
const FRESH_EVERY = 4;

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of cleanups) await c();
});

async function freshSpec1(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  await rm(`${dir}.ops`, { force: true });
  const repo = await Repository.create(localFilesystemStorage(dir), { specVersion: 1 });
  const c1 = await commit(repo, "main", "c1", [
    ["zarr.json", group()],
    ["a/zarr.json", array()],
    ["a/c/0/0", chunk(1)],
    ["a/c/1/1", chunk(2)],
  ]);
  await repo.createBranch("b0", c1);
  await repo.createTag("t0", c1);
}

interface Prepared {
  child: ChildProcess;
  /** Resolves once the child loaded its modules; it then waits for {@link go}. */
  loaded: Promise<void>;
}

/** Starts a child that loads and waits (start-up overlaps the parent's checks). */
function prepare(dir: string): Prepared {
  const child = spawn(process.execPath, ["--import", "tsx", CHILD, dir], {
    cwd: resolve(import.meta.dirname, ".."),
    stdio: ["pipe", "pipe", "pipe"],
  });
  let err = "";
  child.stderr?.on("data", (d) => {
    err += d;
  });
  const loaded = new Promise<void>((res, rej) => {
    child.stdout?.on("data", (d: Buffer) => {
      if (d.toString().includes("loaded")) res();
    });
    child.once("exit", (code, signal) =>
      rej(new Error(`crash child exited early (${code ?? signal}): ${err}`)),
    );
  });
  loaded.catch(() => undefined); // reported when awaited
  return { child, loaded };
}

/** Lets a loaded child start working on the repository. */
async function go(p: Prepared): Promise<ChildProcess> {
  await p.loaded;
  p.child.stdin?.write("go\n");
  return p.child;
}

function kill(child: ChildProcess): Promise<void> {
  return new Promise((res) => {
    child.removeAllListeners("exit");
    child.once("exit", () => res());
    child.kill("SIGKILL");
  });
}

it(`${KILLS} SIGKILLs at random points leave a repository that opens, is whole, and takes the next commit`, async () => {
  const oracle = await loadNativeOracle();
  expect(oracle, `native oracle unavailable: ${nativeOracleUnavailableReason}`).toBeDefined();
  const { dir: base, cleanup } = await makeTempDir("icechunk-crash-");
  cleanups.push(cleanup);
  const dir = join(base, "repo");
  const interrupted: Record<string, number> = {};
  let slowestCommitMs = 0;
  let objects = 0;
  let next = prepare(dir);
  let waitMs = 0;
  for (let k = 0; k < KILLS; k++) {
    if (k % FRESH_EVERY === 0) await freshSpec1(dir);
    const before = (await readFile(`${dir}.ops`, "utf8").catch(() => "")).split("\n").length;
    const w0 = performance.now();
    const child = await go(next);
    waitMs += performance.now() - w0;
    next = prepare(dir);
    // on a fresh spec-1 repository aim at the open and the upgrade, else at the operations after
    const delay = k % FRESH_EVERY === 0 ? Math.random() * 120 : 150 + Math.random() * 500;
    await new Promise((r) => setTimeout(r, delay));
    await kill(child);
    const ops = (await readFile(`${dir}.ops`, "utf8").catch(() => "")).split("\n").slice(0, -1);
    const last = ops.length >= before ? (ops.at(-1) ?? "open") : "open";
    interrupted[last] = (interrupted[last] ?? 0) + 1;
    const label = `kill ${k + 1} (during ${last})`;

    const storage = localFilesystemStorage(dir);
    const report = await checkConsistent(storage).catch((e: unknown) => {
      throw new Error(`${label}: ${e}`);
    });
    objects += report.snapshots + report.manifests + report.chunks;
    const theirs = await oracle!.Repository.open(await oracle!.Storage.newLocalFilesystem(dir));
    expect((await theirs.listBranches()).sort(), label).toEqual(
      Object.keys(report.refs.branches).sort(),
    );
    expect(await theirs.lookupBranch("main"), label).toBe(report.refs.branches.main);

    const started = performance.now();
    const repo = await Repository.open(storage);
    const s = await repo.writableSession("main");
    await s.store.set("a/c/0/0", chunk(200 + (k % 50)));
    await s.commit(`after kill ${k + 1}`);
    const ms = performance.now() - started;
    slowestCommitMs = Math.max(slowestCommitMs, ms);
    expect(ms, `${label}: the next commit is not held up by a dead writer's lock`).toBeLessThan(
      10_000,
    );
  }
  await kill(next.child);
  console.log(
    `crash test: ${KILLS} kills, last operation started before each kill ${JSON.stringify(interrupted)}, ${objects} reachable objects checked, slowest next commit ${slowestCommitMs.toFixed(0)} ms, ${waitMs.toFixed(0)} ms waiting for children to load`,
  );
}, 600_000);
