/**
 * @module bench/tools/prof-commit
 * One-chunk commits on an array of 100,000 refs (case 9's data), for profiling:
 * `node --conditions=@icechunk-ts/source --import tsx --cpu-prof --cpu-prof-dir=/tmp/prof bench/tools/prof-commit.ts native|virtual [split]`.
 * Prints each commit's wall time to stderr.
 */
import { Repository } from "@icechunk-ts/core";
import { localFilesystemStorage } from "@icechunk-ts/core/fs";
import { build, type Kind } from "../cases/small-commit.js";
import { cleanupTempDirs, tempDir } from "../lib/data.js";
import { log } from "../lib/measure.js";

const kind = (process.argv[2] ?? "virtual") as Kind;
const n = 100_000;
const dir = await tempDir("prof-commit");
await build(dir, n, kind, process.argv[3] === "split");
for (let r = 0; r < 4; r++) {
  const t0 = performance.now();
  const repo = await Repository.open(localFilesystemStorage(dir));
  const s = await repo.writableSession("main");
  await s.store.set(`a/c/${r}`, Uint8Array.of(1, 2, 3, 4));
  await s.commit("one chunk");
  log(`${kind}: one chunk + commit ${(performance.now() - t0).toFixed(0)} ms`);
}
await cleanupTempDirs();
