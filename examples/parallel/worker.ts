/**
 * The piscina task of `examples/parallel-write.ts`: restores the fork from its JSON, writes one slab
 * of the cube into it through zarrita and returns the fork's JSON (text) for the main thread to merge.
 */
import { Repository } from "@icechunk-ts/core";
import { localFilesystemStorage } from "@icechunk-ts/core/fs";
import { type CubeSpec, type Slab, writeSlab } from "./cube.js";

/** What the main thread sends each task. */
export interface SlabTask {
  dir: string;
  fork: string;
  spec: CubeSpec;
  slab: Slab;
}

/** What each task returns. */
export interface SlabResult {
  fork: string;
  chunks: number;
}

let repo: { dir: string; repo: Promise<Repository> } | undefined;

export default async function writeSlabTask(task: SlabTask): Promise<SlabResult> {
  // one Repository per worker thread, reused across its tasks
  if (repo?.dir !== task.dir)
    repo = { dir: task.dir, repo: Repository.open(localFilesystemStorage(task.dir)) };
  const fork = await (await repo.repo).sessionFromJSON(task.fork);
  const chunks = await writeSlab(fork, task.spec, task.slab);
  return { fork: JSON.stringify(fork), chunks };
}
