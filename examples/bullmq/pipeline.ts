/**
 * The submitting side of `examples/bullmq-write.ts`: spawns worker processes, and submits one flow
 * per write: a `commit` parent job with one `region` child per slab, then waits for the parent.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { Repository } from "@icechunk-ts/core";
import { localFilesystemStorage } from "@icechunk-ts/core/fs";
import { FlowProducer, QueueEvents } from "bullmq";
import { CUBE_PATH, type CubeSpec, chunkCount, createCube, slabs } from "../parallel/cube.js";
import {
  COMMIT_JOB,
  type CommitJobData,
  type CommitResult,
  DEFAULT_MAX_INLINE_BYTES,
  REGION_JOB,
  type RegionJobData,
} from "./jobs.js";

/** Where Redis is and which queue the flow uses. */
export interface Connection {
  host: string;
  port: number;
  queue: string;
}

/** Worker processes started by {@link startWorkers}. */
export interface WorkerProcesses {
  pids: number[];
  /** SIGTERM to each (SIGKILL after 10 s); resolves when all have exited. */
  stop(): Promise<void>;
}

const WORKER = new URL("./worker.ts", import.meta.url).pathname;
const ROOT = new URL("../..", import.meta.url).pathname;

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => child.once("exit", () => resolve()));
}

/** Spawns `n` Node processes each running a BullMQ Worker; resolves once every one is connected. */
export async function startWorkers(
  n: number,
  connection: Connection,
  options: { timeoutMs?: number } = {},
): Promise<WorkerProcesses> {
  const children = Array.from({ length: n }, () =>
    spawn(
      process.execPath,
      [
        "--conditions=@icechunk-ts/source",
        "--import",
        "tsx",
        WORKER,
        connection.host,
        String(connection.port),
        connection.queue,
      ],
      // the IPC channel lets a worker exit when this process goes away without stopping it
      { cwd: ROOT, stdio: ["ignore", "pipe", "inherit", "ipc"] },
    ),
  );
  const stop = async (): Promise<void> => {
    await Promise.all(
      children.map(async (child) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
        await exited(child);
        clearTimeout(timer);
      }),
    );
  };
  const timeoutMs = options.timeoutMs ?? 60_000;
  try {
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>((resolve, reject) => {
            const timer = setTimeout(
              () => reject(new Error(`worker process not ready within ${timeoutMs} ms`)),
              timeoutMs,
            );
            child.once("exit", (code) => {
              clearTimeout(timer);
              reject(new Error(`worker process exited (${code}) before it was ready`));
            });
            let out = "";
            child.stdout?.on("data", (b: Buffer) => {
              out += b.toString();
              if (out.includes("ready\n")) {
                clearTimeout(timer);
                resolve();
              }
            });
          }),
      ),
    );
  } catch (e) {
    await stop();
    throw e;
  }
  return { pids: children.map((c) => c.pid ?? -1), stop };
}

/** Options of {@link submitWrite}. */
export interface SubmitWriteOptions {
  connection: Connection;
  /** Directory of the repository (created if absent). */
  dir: string;
  spec: CubeSpec;
  /** Array path (default `cube`). */
  path?: string;
  branch?: string;
  /** Region (child) jobs; default 4. */
  regions?: number;
  /** Attempts per child job (BullMQ retries); default 1. */
  attempts?: number;
  /** Forks above this JSON size go to storage, not through Redis; default 512 KiB. */
  maxInlineBytes?: number;
  /** Test hook: each child throws after writing, on its attempts up to this one. */
  failAttempts?: number;
  /** Bound on waiting for the parent job; default 120 s. */
  timeoutMs?: number;
}

/** What {@link submitWrite} measured. */
export interface SubmitWriteResult extends CommitResult {
  /** The snapshot the write started from (the commit rebased if the branch moved meanwhile). */
  baseSnapshotId: string;
  seconds: number;
  expectedChunks: number;
}

/** A write whose branch session and fork exist, ready to go to the workers ({@link prepareWrite}). */
export interface PreparedWrite {
  readonly baseSnapshotId: string;
  /** Submits the flow and waits for the parent; throws the parent's failure (nothing committed). */
  submit(): Promise<SubmitWriteResult>;
}

/**
 * Creates the array in a branch session and forks it; `submit()` then sends the flow (children:
 * one per region, `failParentOnFailure`) and waits for the parent job.
 */
export async function prepareWrite(options: SubmitWriteOptions): Promise<PreparedWrite> {
  const { connection, dir, spec } = options;
  const path = options.path ?? CUBE_PATH;
  const t0 = performance.now();
  const repo = await Repository.openOrCreate(localFilesystemStorage(dir));
  const session = await repo.writableSession(options.branch ?? "main");
  await createCube(session, spec, path);
  const fork = JSON.stringify(await session.fork());
  const baseSnapshotId = session.snapshotId;
  const submit = async (): Promise<SubmitWriteResult> => {
    const flow = randomUUID();
    const redis = { host: connection.host, port: connection.port };
    const producer = new FlowProducer({ connection: redis });
    const events = new QueueEvents(connection.queue, { connection: redis });
    try {
      await events.waitUntilReady();
      const parentData: CommitJobData = {
        dir,
        session: JSON.stringify(session),
        message: `${path} ${spec.shape.join("×")}`,
      };
      const tree = await producer.add({
        name: COMMIT_JOB,
        queueName: connection.queue,
        data: parentData,
        opts: { attempts: 1 },
        children: slabs(spec, options.regions ?? 4).map((slab, region) => {
          const data: RegionJobData = {
            dir,
            fork,
            spec,
            path,
            slab,
            flow,
            region,
            maxInlineBytes: options.maxInlineBytes ?? DEFAULT_MAX_INLINE_BYTES,
            ...(options.failAttempts === undefined ? {} : { failAttempts: options.failAttempts }),
          };
          return {
            name: REGION_JOB,
            queueName: connection.queue,
            data,
            opts: { attempts: options.attempts ?? 1, failParentOnFailure: true },
          };
        }),
      });
      const result = (await tree.job.waitUntilFinished(
        events,
        options.timeoutMs ?? 120_000,
      )) as CommitResult;
      return {
        ...result,
        baseSnapshotId,
        seconds: (performance.now() - t0) / 1000,
        expectedChunks: chunkCount(spec),
      };
    } finally {
      await producer.close();
      await events.close();
    }
  };
  return { baseSnapshotId, submit };
}

/** {@link prepareWrite}, then `submit()`. */
export async function submitWrite(options: SubmitWriteOptions): Promise<SubmitWriteResult> {
  return (await prepareWrite(options)).submit();
}
