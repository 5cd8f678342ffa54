/**
 * A worker process of `examples/bullmq-write.ts`: runs a BullMQ Worker on the flow's queue until
 * SIGTERM / SIGINT (or until its parent's IPC channel closes), then closes it (finishing the job at hand) and exits. Prints `ready` once
 * connected. Run (from the repository root):
 *   node --conditions=@icechunk-ts/source --import tsx examples/bullmq/worker.ts <redis-host> <port> <queue>
 */
import { Worker } from "bullmq";
import { processJob } from "./jobs.js";

const [host = "127.0.0.1", port = "6379", queue = "icechunk-write"] = process.argv.slice(2);
const worker = new Worker(queue, processJob, {
  connection: { host, port: Number(port), maxRetriesPerRequest: null },
  concurrency: 1,
});
worker.on("error", (e) => console.error(`worker ${process.pid}: ${e.message}`));
await worker.waitUntilReady();
console.log("ready");

let closing = false;
const close = async (): Promise<void> => {
  if (closing) return;
  closing = true;
  await worker.close();
  process.exit(0);
};
process.on("SIGTERM", close);
process.on("SIGINT", close);
// spawned by startWorkers (pipeline.ts): exit with the parent process
process.on("disconnect", close);
