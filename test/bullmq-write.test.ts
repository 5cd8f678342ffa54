/**
 * examples/bullmq-write.ts: BullMQ flows on a private redis-server with 2 worker processes. A flow
 * writes every chunk in one commit (the official implementation reads it identically); a child that
 * fails for good fails the parent with nothing committed; children retried after writing leave one
 * set of chunk refs; two pipelines on one branch both land (the later one rebases).
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { Repository } from "@icechunk-ts/core";
import { localFilesystemStorage } from "@icechunk-ts/core/fs";
import { IcechunkStore } from "@icechunk-ts/zarrita";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as zarr from "zarrita";
import { FORKS_PREFIX } from "../examples/bullmq/jobs.js";
import {
  type Connection,
  prepareWrite,
  startWorkers,
  submitWrite,
  type WorkerProcesses,
} from "../examples/bullmq/pipeline.js";
import { type RedisServer, startRedis } from "../examples/bullmq/redis.js";
import type { CubeSpec } from "../examples/parallel/cube.js";
import { expectCube, expectCubeByOracle } from "./support/cube.js";
import { makeTempDir } from "./support/tmp.js";

// edges not multiples of the chunk shape; 1 KiB chunks (real chunk objects); 3 slabs along t
const SPEC: CubeSpec = { shape: [10, 12, 20], chunks: [4, 8, 8] };
const CHUNKS = 18;
const ROOT = join(import.meta.dirname, "..");
const run = promisify(execFile);
/** Bound on waiting for a flow's parent job (below the test's 60 s timeout). */
const WAIT_MS = 45_000;

let redis: RedisServer | undefined;
let workers: WorkerProcesses | undefined;
let connection: Connection;
const cleanups: Array<() => Promise<void>> = [];

beforeAll(async () => {
  redis = await startRedis();
  connection = { host: redis.host, port: redis.port, queue: "icechunk-write-test" };
  workers = await startWorkers(2, connection);
}, 90_000);

afterAll(async () => {
  await workers?.stop();
  await redis?.stop();
  for (const c of cleanups) await c();
}, 30_000);

async function tempRepo(): Promise<string> {
  const { dir, cleanup } = await makeTempDir();
  cleanups.push(cleanup);
  return join(dir, "repo");
}

async function readOurs(dir: string, path = "cube"): Promise<Float32Array> {
  const repo = await Repository.open(localFilesystemStorage(dir));
  const session = await repo.readonlySession({ branch: "main" });
  const arr = await zarr.open.v3(zarr.root(new IcechunkStore(session)).resolve(path), {
    kind: "array",
  });
  return (await zarr.get(arr)).data as Float32Array;
}

async function chunkObjects(dir: string): Promise<number> {
  let n = 0;
  for await (const _ of localFilesystemStorage(dir).list("chunks/")) n++;
  return n;
}

async function refsAtTip(dir: string): Promise<number> {
  const repo = await Repository.open(localFilesystemStorage(dir));
  const files = await repo.lookupManifestFiles(await repo.lookupBranch("main"));
  return files.reduce((n, f) => n + f.numChunkRefs, 0);
}

describe("examples/bullmq-write.ts", () => {
  it("the example writes the cube with its own worker process on the given Redis", async () => {
    const dir = await tempRepo();
    const { stdout } = await run(
      join(ROOT, "node_modules/.bin/tsx"),
      [
        "--conditions=@icechunk-ts/source",
        join(ROOT, "examples/bullmq-write.ts"),
        dir,
        "--workers",
        "1",
        "--shape",
        SPEC.shape.join(","),
        "--chunks",
        SPEC.chunks.join(","),
        "--redis",
        `${connection.host}:${connection.port}`,
      ],
      { cwd: ROOT, timeout: WAIT_MS },
    );
    expect(stdout).toContain("(18 chunks) with 1 worker process, 2 region jobs, in one commit");
    expect(stdout).toMatch(/fork JSON returned: \d+ bytes per changed chunk \(0 of them/);
    expectCube(SPEC, await readOurs(dir));
  });

  it("2 worker processes write every chunk through a flow in one commit; the official implementation agrees", async () => {
    const dir = await tempRepo();
    const r = await submitWrite({ connection, dir, spec: SPEC, regions: 3, timeoutMs: WAIT_MS });
    expect(r.chunks).toBe(CHUNKS);
    expect(r.forksFromStorage).toBe(0);
    expect(r.pids.every((pid) => workers!.pids.includes(pid))).toBe(true);

    const repo = await Repository.open(localFilesystemStorage(dir));
    const history = await repo.ancestry({ branch: "main" });
    expect(history.map((s) => s.message)).toEqual(["cube 10×12×20", "Repository initialized"]);
    expect(history[0]!.id).toBe(r.snapshotId);
    expect(await refsAtTip(dir)).toBe(CHUNKS);
    expectCube(SPEC, await readOurs(dir));

    expect(await expectCubeByOracle(SPEC, dir)).toBe(2);
  });

  it("a child that fails on every attempt fails the parent; nothing is committed", async () => {
    const dir = await tempRepo();
    const prepared = await prepareWrite({
      connection,
      timeoutMs: WAIT_MS,
      dir,
      spec: SPEC,
      regions: 3,
      attempts: 2,
      failAttempts: 99,
    });
    await expect(prepared.submit()).rejects.toThrow(/^child bull:icechunk-write-test:\S+ failed$/);
    const repo = await Repository.open(localFilesystemStorage(dir));
    expect(await repo.lookupBranch("main")).toBe(prepared.baseSnapshotId);
    expect((await repo.ancestry({ branch: "main" })).map((s) => s.message)).toEqual([
      "Repository initialized",
    ]);
  });

  it("children retried after writing their chunks leave one set of chunk refs, in one commit (forks via storage keys)", async () => {
    const dir = await tempRepo();
    const r = await submitWrite({
      connection,
      timeoutMs: WAIT_MS,
      dir,
      spec: SPEC,
      regions: 3,
      attempts: 3,
      failAttempts: 1,
      maxInlineBytes: 0,
    });
    expect(r.chunks).toBe(CHUNKS);
    expect(r.forksFromStorage).toBe(3);
    const repo = await Repository.open(localFilesystemStorage(dir));
    expect((await repo.ancestry({ branch: "main" })).length).toBe(2);
    expectCube(SPEC, await readOurs(dir));
    // the failed attempts wrote their chunks too (orphans, for GC); the commit references one set
    expect(await chunkObjects(dir)).toBe(2 * CHUNKS);
    expect(await refsAtTip(dir)).toBe(CHUNKS);
    // the parent deleted the forks it read from storage
    let forks = 0;
    for await (const _ of repo.storage.list(`${FORKS_PREFIX}/`)) forks++;
    expect(forks).toBe(0);
  });

  it("two pipelines committing to the same branch concurrently both land (the later rebases)", async () => {
    const dir = await tempRepo();
    const repo = await Repository.create(localFilesystemStorage(dir));
    const setup = await repo.writableSession("main");
    await zarr.create(zarr.root(new IcechunkStore(setup)));
    await setup.commit("root group");
    const [a, b] = await Promise.all(
      ["a", "b"].map((path) =>
        prepareWrite({ connection, dir, spec: SPEC, path, regions: 3, timeoutMs: WAIT_MS }),
      ),
    );
    expect(a!.baseSnapshotId).toBe(b!.baseSnapshotId);
    const [ra, rb] = await Promise.all([a!.submit(), b!.submit()]);
    const history = await repo.ancestry({ branch: "main" });
    expect(history.slice(2).map((s) => s.message)).toEqual([
      "root group",
      "Repository initialized",
    ]);
    expect(new Set(history.slice(0, 2).map((s) => s.id))).toEqual(
      new Set([ra.snapshotId, rb.snapshotId]),
    );
    expectCube(SPEC, await readOurs(dir, "a"));
    expectCube(SPEC, await readOurs(dir, "b"));
    expect(await expectCubeByOracle(SPEC, dir, "a")).toBe(4);
    expect(await expectCubeByOracle(SPEC, dir, "b")).toBe(4);
    expect(await refsAtTip(dir)).toBe(2 * CHUNKS);
  });
});
