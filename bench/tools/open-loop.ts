/** @module bench/tools/open-loop — opens a repository N times (for profiling `Repository.open`). */
import { Repository } from "@icechunk-ts/core";
import { localFilesystemStorage } from "@icechunk-ts/core/fs";

const t0 = performance.now();
const n = Number(process.argv[3] ?? 100);
for (let i = 0; i < n; i++) await Repository.open(localFilesystemStorage(process.argv[2]!));
console.log(`${((performance.now() - t0) / n).toFixed(1)} ms per open`);
process.exit(0);
