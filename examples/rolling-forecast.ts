/**
 * A rolling forecast cube: keep the last 15 days of a (day, lat, lon) array fresh by shifting it
 * one day per commit instead of rewriting it. `shiftArray` re-attaches the existing chunk
 * references (no chunk bytes are copied or re-uploaded); only the newest day is written.
 * Run: pnpm tsx examples/rolling-forecast.ts [directory] [days-to-run]
 */
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Repository } from "@icechunk-ts/core";
import { localFilesystemStorage } from "@icechunk-ts/core/fs";
import { IcechunkStore } from "@icechunk-ts/zarrita";
import * as zarr from "zarrita";

const WINDOW = 15;
const [LAT, LON] = [45, 90];
const dir = process.argv[2] ?? join(await mkdtemp(join(tmpdir(), "icechunk-forecast-")), "repo");
const days = Number(process.argv[3] ?? 20);

/** The forecast field of one day (deterministic, so readers can check it). */
export function field(day: number): Float32Array {
  return Float32Array.from({ length: LAT * LON }, (_, i) => day * 1000 + i);
}

const repo = await Repository.openOrCreate(localFilesystemStorage(dir));
for (let day = 0; day < days; day++) {
  const session = await repo.writableSession("main");
  const store = new IcechunkStore(session);
  const root = zarr.root(store);
  let cube: zarr.Array<zarr.DataType, IcechunkStore>;
  if (day === 0) {
    cube = await zarr.create(root.resolve("forecast"), {
      shape: [WINDOW, LAT, LON],
      chunkShape: [1, LAT, LON],
      dtype: "float32",
      fillValue: Number.NaN,
      dimensionNames: ["day", "lat", "lon"],
    });
  } else {
    cube = await zarr.open.v3(root.resolve("forecast"), { kind: "array" });
  }
  // the window is full: drop the oldest day by shifting every chunk one step back in time
  const slot = Math.min(day, WINDOW - 1);
  if (day >= WINDOW) await session.shiftArray("/forecast", [-1, 0, 0]);
  await zarr.set(cube, [slot, null, null], {
    data: field(day),
    shape: [LAT, LON],
    stride: [LON, 1],
  });
  await session.commit(`forecast for day ${day}`, { metadata: { day } });
}
const ro = await repo.readonlySession({ branch: "main" });
const cube = await zarr.open.v3(zarr.root(new IcechunkStore(ro)).resolve("forecast"), {
  kind: "array",
});
const first = (await zarr.get(cube, [0, 0, 0])) as number;
const last = (await zarr.get(cube, [WINDOW - 1, 0, 0])) as number;
let chunkFiles = 0;
for await (const _ of repo.storage.list("chunks")) chunkFiles++;
console.log(`window holds days ${first / 1000}..${last / 1000} after ${days} daily commits`);
console.log(
  `chunk files written: ${chunkFiles} (one per day; shifted days are re-referenced, not copied)`,
);
console.log(`repository at ${dir}`);
