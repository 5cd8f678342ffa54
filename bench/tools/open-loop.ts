/**
 * @module bench/tools/open-loop
 * Opens a repository N times, optionally listing the ancestry of main, with icechunk-ts or the
 * official native build (`<dir> [n] [ancestry] [native]`); prints the mean time per open.
 */
import { Repository } from "@icechunk-ts/core";
import { localFilesystemStorage } from "@icechunk-ts/core/fs";
import { nativeOrReason } from "../lib/anchors.js";

const dir = process.argv[2]!;
const n = Number(process.argv[3] ?? 100);
const withAncestry = process.argv.includes("ancestry");
const native = process.argv.includes("native");
let once: () => Promise<unknown>;
if (native) {
  const { oracle: o, reason } = await nativeOrReason();
  if (!o) throw new Error(`the native build is unavailable: ${reason}`);
  once = async () => {
    const repo = await o.Repository.open(await o.Storage.newLocalFilesystem(dir));
    if (withAncestry) await repo.ancestry({ branch: "main" });
  };
} else {
  once = async () => {
    const repo = await Repository.open(localFilesystemStorage(dir));
    if (withAncestry) await repo.ancestry({ branch: "main" });
  };
}
const t0 = performance.now();
for (let i = 0; i < n; i++) await once();
console.log(
  `${native ? "native" : "icechunk-ts"}: ${((performance.now() - t0) / n).toFixed(1)} ms per open`,
);
process.exit(0);
