/**
 * @module bench/tools/profile
 * Runs one benchmark workload of icechunk-ts alone, for profiling:
 * `node --import tsx --cpu-prof --cpu-prof-dir=/tmp/prof bench/tools/profile.ts write|read|touch|history|manifest`.
 * Prints the wall time of each phase to stderr.
 */
import { Repository } from "@icechunk-ts/core";
import { localFilesystemStorage } from "@icechunk-ts/core/fs";
import { IcechunkStore } from "@icechunk-ts/zarrita";
import * as zarr from "zarrita";
import {
  checkGrid,
  cleanupTempDirs,
  GRID_ARRAY,
  gridData,
  tempDir,
  writeGridRepo,
} from "../lib/data.js";
import { log } from "../lib/measure.js";

async function timed(label: string, fn: () => Promise<void>): Promise<void> {
  const t0 = performance.now();
  await fn();
  log(`${label}: ${(performance.now() - t0).toFixed(0)} ms`);
}

async function write(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    const dir = await tempDir("prof-w");
    await timed("write+commit 10,000 chunks", async () => {
      const repo = await Repository.create(localFilesystemStorage(dir));
      const s = await repo.writableSession("main");
      const root = zarr.root(new IcechunkStore(s));
      await zarr.create(root, {});
      const arr = await zarr.create(root.resolve("grid"), GRID_ARRAY);
      const t0 = performance.now();
      await zarr.set(arr, null, gridData());
      const t1 = performance.now();
      await s.commit("grid");
      log(`  set ${(t1 - t0).toFixed(0)} ms, commit ${(performance.now() - t1).toFixed(0)} ms`);
    });
  }
}

async function read(): Promise<void> {
  const dir = await tempDir("prof-r");
  await writeGridRepo(dir);
  for (let i = 0; i < 4; i++)
    await timed("read 10,000 chunks", async () => {
      const repo = await Repository.open(
        localFilesystemStorage(dir, { syncReadMaxBytes: Number(process.env.SYNC_READ_MAX ?? 0) }),
      );
      const store = new IcechunkStore(await repo.readonlySession({ branch: "main" }));
      const arr = await zarr.open.v3(zarr.root(store).resolve("grid"), { kind: "array" });
      checkGrid((await zarr.get(arr, null)).data as Float32Array);
    });
}

async function touch(): Promise<void> {
  const dir = await tempDir("prof-t");
  const repo = await Repository.create(localFilesystemStorage(dir));
  const s0 = await repo.writableSession("main");
  const root0 = zarr.root(new IcechunkStore(s0));
  await zarr.create(root0, {});
  for (let i = 0; i < 1000; i++)
    await zarr.create(root0.resolve(`a${i}`), {
      shape: [256],
      chunkShape: [256],
      dtype: "float32",
    });
  await s0.commit("arrays");
  for (let rep = 0; rep < 3; rep++)
    await timed("touch 1000 arrays", async () => {
      const s = await repo.writableSession("main");
      const root = zarr.root(new IcechunkStore(s));
      const data = new Float32Array(256).fill(rep + 2);
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: 1000 }, async (_, i) => {
          const arr = await zarr.open.v3(root.resolve(`a${i}`), { kind: "array" });
          await zarr.set(arr as zarr.Array<"float32", zarr.Mutable>, null, {
            data,
            shape: [256],
            stride: [1],
          });
        }),
      );
      const t1 = performance.now();
      await s.commit("touch");
      log(`  set ${(t1 - t0).toFixed(0)} ms, commit ${(performance.now() - t1).toFixed(0)} ms`);
    });
}

async function history(): Promise<void> {
  const { longHistoryCase } = await import("../cases/long-history.js");
  const r = await longHistoryCase({ reps: 20 });
  for (const m of r.rows) log(`${m.name}: ${m.medianMs?.toFixed(1)} ms`);
}

async function manifest(): Promise<void> {
  const { largeManifestCase } = await import("../cases/large-manifest.js");
  const r = await largeManifestCase({ reps: 2 });
  for (const m of r.rows) log(`${m.name}: ${m.medianMs?.toFixed(1)} ms ${JSON.stringify(m.extra)}`);
}

async function bigManifest(): Promise<void> {
  const { buildNativeRefs } = await import("../cases/large-manifest.js");
  const dir = await tempDir("prof-m");
  await timed("1,000,000 native refs: set + commit", () => buildNativeRefs(dir));
}

const which = process.argv[2] ?? "write";
const fns: Record<string, () => Promise<void>> = {
  write,
  read,
  touch,
  history,
  manifest,
  bigManifest,
};
await fns[which]!();
await cleanupTempDirs();
process.exit(0);
