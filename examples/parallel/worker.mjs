// Piscina's entry for the worker threads: loads the TypeScript task (worker.ts) through tsx's API,
// since a worker thread does not take the main thread's tsx hooks on Node 20. The load happens at
// start-up (piscina reports a thread ready once this module has evaluated).
import { tsImport } from "tsx/esm/api";

const { default: writeSlabTask } = await tsImport("./worker.ts", import.meta.url);

/**
 * Runs one task; `{ barrier }` (an Int32Array on shared memory) is the warm-up: each thread counts
 * itself in and blocks until all have, so `n` warm-up tasks occupy `n` distinct threads.
 */
export default async function run(input) {
  const { barrier } = input;
  if (barrier === undefined) return writeSlabTask(input);
  Atomics.add(barrier, 1, 1);
  Atomics.notify(barrier, 1);
  for (let seen = Atomics.load(barrier, 1); seen < barrier[0]; seen = Atomics.load(barrier, 1))
    Atomics.wait(barrier, 1, seen, 1000);
}
