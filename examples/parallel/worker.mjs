// Piscina's entry for the worker threads: loads the TypeScript task (worker.ts) through tsx's API,
// since a worker thread does not take the main thread's loader hooks on Node 20.
import { tsImport } from "tsx/esm/api";

const task = tsImport("./worker.ts", import.meta.url);

export default async function run(input) {
  return (await task).default(input);
}
