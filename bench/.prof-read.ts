import { Repository } from "@icechunk-ts/core";
import { localFilesystemStorage } from "@icechunk-ts/core/fs";
import { IcechunkStore } from "@icechunk-ts/zarrita";
import * as zarr from "zarrita";
import { tempDir, writeGridRepo } from "/work/main/bench/lib/data.js";
const dir = process.argv[2] ?? (await tempDir("prof"));
if (!process.argv[2]) { const t=performance.now(); await writeGridRepo(dir); console.log("write", performance.now()-t, dir); }
for (let i = 0; i < 4; i++) {
  const t = performance.now();
  const repo = await Repository.open(localFilesystemStorage(dir));
  const s = await repo.readonlySession({ branch: "main" });
  const arr = await zarr.open.v3(zarr.root(new IcechunkStore(s)).resolve("grid"), { kind: "array" });
  await zarr.get(arr, null);
  console.log("read", performance.now() - t);
}
process.exit(0);
