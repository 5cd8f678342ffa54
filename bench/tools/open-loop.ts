/** @module bench/tools/open-loop — opens a repository N times, optionally listing the ancestry of main (`<dir> [n] [ancestry]`). */
import { Repository } from "@icechunk-ts/core";
import { localFilesystemStorage } from "@icechunk-ts/core/fs";

const t0 = performance.now();
const n = Number(process.argv[3] ?? 100);
const withAncestry = process.argv[4] === "ancestry";
for (let i = 0; i < n; i++) {
  const repo = await Repository.open(localFilesystemStorage(process.argv[2]!));
  if (withAncestry) await repo.ancestry({ branch: "main" });
}
console.log(`${((performance.now() - t0) / n).toFixed(1)} ms per open`);
process.exit(0);
