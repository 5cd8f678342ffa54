/**
 * Writes a cube through a BullMQ flow on Redis, with worker processes: a `commit` parent job with
 * one `region` child per slab. Each child (in a worker process) restores the fork from JSON, writes
 * its slab with zarrita and returns the fork (or a storage key holding it, when large); the parent
 * merges the children's forks and commits once. Design: docs/design/010-bullmq.md.
 * Run: pnpm tsx examples/bullmq-write.ts <dir> [--workers N] [--regions K] [--shape T,Y,X]
 *      [--chunks T,Y,X] [--redis host:port]   (without --redis: starts a private redis-server)
 */
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { type Connection, startWorkers, submitWrite } from "./bullmq/pipeline.js";
import { type RedisServer, startRedis } from "./bullmq/redis.js";
import { type CubeSpec, triple } from "./parallel/cube.js";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    workers: { type: "string", default: "2" },
    regions: { type: "string" },
    shape: { type: "string", default: "32,256,256" },
    chunks: { type: "string", default: "8,128,128" },
    redis: { type: "string" },
  },
});
const spec: CubeSpec = {
  shape: triple(values.shape, "shape"),
  chunks: triple(values.chunks, "chunks"),
};
const workers = Number(values.workers);
if (!Number.isInteger(workers) || workers < 1)
  throw new Error(`--workers wants a whole number ≥ 1; got "${values.workers}"`);
const regions = values.regions === undefined ? workers * 2 : Number(values.regions);
if (!Number.isInteger(regions) || regions < 1)
  throw new Error(`--regions wants a whole number ≥ 1; got "${values.regions}"`);
const dir = positionals[0] ?? join(await mkdtemp(join(tmpdir(), "icechunk-bullmq-")), "repo");

let server: RedisServer | undefined;
let connection: Connection;
if (values.redis === undefined) {
  server = await startRedis();
  connection = { host: server.host, port: server.port, queue: "icechunk-write" };
} else {
  const [host = "127.0.0.1", port = "6379"] = values.redis.split(":");
  connection = { host, port: Number(port), queue: "icechunk-write" };
}
try {
  const pool = await startWorkers(workers, connection);
  try {
    const r = await submitWrite({ connection, dir, spec, regions });
    console.log(`repository at ${dir}`);
    console.log(
      `wrote cube ${spec.shape.join("×")} float32 (${r.chunks} chunks) with ${workers} worker process${workers === 1 ? "" : "es"}, ${regions} region jobs, in one commit ${r.snapshotId}`,
    );
    console.log(
      `${r.seconds.toFixed(2)} s; fork JSON returned: ${(r.forkJsonBytes / r.chunks).toFixed(0)} bytes per changed chunk (${r.forksFromStorage} of them via storage keys)`,
    );
  } finally {
    await pool.stop();
  }
} finally {
  await server?.stop();
}
