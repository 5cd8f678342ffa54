/**
 * The quick-start demo: an Icechunk repository on the local filesystem, written and read through
 * zarrita — commit, branch, tag, time travel — then opened by nothing but the files on disk.
 * Run: pnpm demo [directory]   (re-runnable: on an existing repository it adds new commits, resets the
 * `warmer` branch to them and tags them with the next free `v<n>`; tags are immutable)
 */
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Repository } from "@icechunk-ts/core";
import { localFilesystemStorage } from "@icechunk-ts/core/fs";
import { IcechunkStore } from "@icechunk-ts/zarrita";
import * as zarr from "zarrita";
import { writeTemperature } from "./temperature.js";

const dir = process.argv[2] ?? join(await mkdtemp(join(tmpdir(), "icechunk-demo-")), "repo");
const storage = localFilesystemStorage(dir);
const repo = await Repository.openOrCreate(storage);
console.log(`repository (spec ${repo.specVersion}) at ${dir}`);

// 1. write a group and a 2-D array through zarrita (examples/temperature.ts), then commit
const session = await repo.writableSession("main");
await writeTemperature(session);
const first = await session.commit("write temperature");
console.log(`committed ${first}`);

// 2. a second commit that changes one region, on a branch (reset to this run's commit if it exists)
if ((await repo.listBranches()).includes("warmer")) await repo.resetBranch("warmer", first);
else await repo.createBranch("warmer", first);
const edit = await repo.writableSession("warmer");
const editArr = await zarr.open.v3(zarr.root(new IcechunkStore(edit)).resolve("temperature"), {
  kind: "array",
});
await zarr.set(editArr, [zarr.slice(0, 3), zarr.slice(0, 4)], 99);
const second = await edit.commit("heat wave in the north-west", { metadata: { author: "demo" } });
const tags = await repo.listTags();
let n = 1;
while (tags.includes(`v${n}`)) n++;
const tag = `v${n}`;
await repo.createTag(tag, first);

// 3. read both versions back
for (const version of [{ tag }, { branch: "warmer" }]) {
  const ro = await repo.readonlySession(version);
  const arr = await zarr.open.v3(zarr.root(new IcechunkStore(ro)).resolve("temperature"), {
    kind: "array",
  });
  const { data } = await zarr.get(arr, [0, null]);
  console.log(`${JSON.stringify(version)} row 0:`, Array.from(data as Float32Array).join(" "));
}
console.log("history of 'warmer':");
for (const s of await repo.ancestry({ branch: "warmer" }))
  console.log(`  ${s.id}  ${s.writtenAt.toISOString()}  ${s.message}`);
console.log(
  `branches: ${(await repo.listBranches()).join(", ")}; tags: ${(await repo.listTags()).join(", ")}`,
);
console.log(`tip of warmer is ${second}`);
