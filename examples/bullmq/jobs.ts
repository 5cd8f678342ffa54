/**
 * The two kinds of job of `examples/bullmq-write.ts`, run by the worker processes (worker.ts):
 * - `region` (a child): restores the fork from its JSON, writes one slab of the cube with zarrita
 *   and returns the fork's JSON inline, or, above `maxInlineBytes`, writes it to the storage key
 *   `FORKS_PREFIX/<flow>/<region>.json` (one key per region: a retry overwrites it) and returns the key;
 * - `commit` (the parent): restores the branch session, merges every child's fork
 *   (`job.getChildrenValues()`), commits once (rebasing on a lost race) and deletes the fork keys.
 */
import {
  BasicConflictSolver,
  type Repository,
  Repository as RepositoryClass,
  type Session,
} from "@icechunk-ts/core";
import { localFilesystemStorage } from "@icechunk-ts/core/fs";
import type { Job } from "bullmq";
import { type CubeSpec, type Slab, writeSlab } from "../parallel/cube.js";

/** Storage prefix (outside the repository's own prefixes) of forks too large to travel inline. */
export const FORKS_PREFIX = "bullmq-forks";
/** Default bound on a fork's JSON returned through Redis: larger forks go to storage. */
export const DEFAULT_MAX_INLINE_BYTES = 512 * 1024;

/** Data of a `region` child job. */
export interface RegionJobData {
  dir: string;
  /** The fork's JSON (`JSON.stringify(await session.fork())`); identical for every region of a flow. */
  fork: string;
  spec: CubeSpec;
  path: string;
  slab: Slab;
  /** Identifies the flow (for the storage key of a large fork) and the region within it. */
  flow: string;
  region: number;
  maxInlineBytes: number;
  /** Test hook: the attempts (1-based) up to this one throw after writing their chunks. */
  failAttempts?: number;
}

/** What a `region` job returns: the fork inline, or the storage key holding it. */
export type RegionResult = { chunks: number; pid: number } & (
  | { fork: string }
  | { forkKey: string }
);

/** Data of the `commit` parent job. */
export interface CommitJobData {
  dir: string;
  /** The branch session's JSON (it holds the array's creation). */
  session: string;
  message: string;
}

/** What the `commit` job returns. */
export interface CommitResult {
  snapshotId: string;
  chunks: number;
  /** Sizes of the fork JSON texts merged, inline and from storage. */
  forkJsonBytes: number;
  forksFromStorage: number;
  /** Process ids of the workers that ran the regions. */
  pids: number[];
}

/** Job names on the flow's queue. */
export const REGION_JOB = "region";
export const COMMIT_JOB = "commit";

const repos = new Map<string, Promise<Repository>>();
/** One Repository per process and directory, reused across jobs. */
function openRepo(dir: string): Promise<Repository> {
  let repo = repos.get(dir);
  if (repo === undefined) {
    repo = RepositoryClass.open(localFilesystemStorage(dir));
    repos.set(dir, repo);
  }
  return repo;
}

/** The storage key of a region's fork when too large for Redis. */
export const forkKey = (flow: string, region: number): string =>
  `${FORKS_PREFIX}/${flow}/${region}.json`;

async function regionJob(job: Job<RegionJobData>, signal?: AbortSignal): Promise<RegionResult> {
  const d = job.data;
  const repo = await openRepo(d.dir);
  const fork = await repo.sessionFromJSON(d.fork, { signal });
  const chunks = await writeSlab(fork, d.spec, d.slab, d.path);
  // job.attemptsMade counts the attempts before this one
  if (d.failAttempts !== undefined && job.attemptsMade < d.failAttempts)
    throw new Error(`region ${d.region}: failure injected on attempt ${job.attemptsMade + 1}`);
  const json = JSON.stringify(fork);
  const bytes = new TextEncoder().encode(json);
  if (bytes.length <= d.maxInlineBytes) return { fork: json, chunks, pid: process.pid };
  const key = forkKey(d.flow, d.region);
  await repo.storage.put(key, bytes, { signal });
  return { forkKey: key, chunks, pid: process.pid };
}

async function commitJob(job: Job<CommitJobData>, signal?: AbortSignal): Promise<CommitResult> {
  const d = job.data;
  const repo = await openRepo(d.dir);
  const session = await repo.sessionFromJSON(d.session, { signal });
  const results = Object.values(await job.getChildrenValues<RegionResult>());
  let forkJsonBytes = 0;
  const keys: string[] = [];
  const forks: Session[] = [];
  for (const r of results) {
    let json: string;
    if ("fork" in r) json = r.fork;
    else {
      const got = await repo.storage.get(r.forkKey, { signal });
      if (got === undefined) throw new Error(`fork ${r.forkKey} is missing from storage`);
      json = new TextDecoder().decode(got.data);
      keys.push(r.forkKey);
    }
    forkJsonBytes += json.length;
    forks.push(await repo.sessionFromJSON(json, { signal }));
  }
  session.merge(...forks);
  const snapshotId = await session.commit(d.message, {
    rebase: new BasicConflictSolver(),
    signal,
  });
  if (keys.length > 0) await repo.storage.delete(keys, { signal });
  return {
    snapshotId,
    chunks: results.reduce((n, r) => n + r.chunks, 0),
    forkJsonBytes,
    forksFromStorage: keys.length,
    pids: [...new Set(results.map((r) => r.pid))],
  };
}

/** The worker's processor: dispatches on the job's name. */
export function processJob(job: Job, _token?: string, signal?: AbortSignal): Promise<unknown> {
  if (job.name === REGION_JOB) return regionJob(job as Job<RegionJobData>, signal);
  if (job.name === COMMIT_JOB) return commitJob(job as Job<CommitJobData>, signal);
  throw new Error(`unknown job name "${job.name}"`);
}
