/**
 * @module bench/tools/read-modes
 * Whole-array reads of the case-2 data with each filesystem read mode, alternating within every
 * repetition (`MODES=worker,pool,sync,plain REPS=8 node --import tsx bench/tools/read-modes.ts`):
 * worker = default (read worker), pool = `readWorker: false`, sync = `syncReadMaxBytes: 65536`,
 * plain = zarrita's FileSystemStore on plain Zarr. Data is kept in /tmp/grid-repo and /tmp/grid-plain.
 */
import { existsSync, mkdirSync } from "node:fs";
import { Repository } from "@icechunk-ts/core";
import { localFilesystemStorage } from "@icechunk-ts/core/fs";
import { IcechunkStore } from "@icechunk-ts/zarrita";
import { FileSystemStore } from "@zarrita/storage";
import * as zarr from "zarrita";
import { checkGrid, writeGridPlainZarr, writeGridRepo } from "../lib/data.js";
import { median } from "../lib/measure.js";

const dir = "/tmp/grid-repo";
const plain = "/tmp/grid-plain";
if (!existsSync(dir)) {
  mkdirSync(dir);
  await writeGridRepo(dir);
}
if (!existsSync(plain)) {
  mkdirSync(plain);
  await writeGridPlainZarr(plain);
}
const modes = (process.env.MODES ?? "worker,pool,sync,plain").split(",");
const samples: Record<string, number[]> = {};
const reps = Number(process.env.REPS ?? 8);
for (let rep = 0; rep <= reps; rep++) {
  for (let k = 0; k < modes.length; k++) {
    const m = modes[(k + rep) % modes.length]!;
    const t0 = performance.now();
    let store: zarr.Readable;
    if (m === "plain") store = new FileSystemStore(plain);
    else {
      const storage = localFilesystemStorage(dir, {
        syncReadMaxBytes: m === "sync" ? 65536 : 0,
        readWorker: m === "worker",
      });
      const repo = await Repository.open(storage);
      store = new IcechunkStore(await repo.readonlySession({ branch: "main" }));
    }
    const arr = await zarr.open.v3(zarr.root(store).resolve("grid"), { kind: "array" });
    checkGrid((await zarr.get(arr, null)).data as Float32Array);
    if (rep > 0) {
      samples[m] ??= [];
      samples[m].push(performance.now() - t0);
    }
  }
}
for (const [m, v] of Object.entries(samples))
  console.log(
    `${m.padEnd(8)} ${median(v).toFixed(0)} ms  (${v.map((x) => x.toFixed(0)).join(" ")})`,
  );
process.exit(0);
