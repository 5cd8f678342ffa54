/**
 * A rolling forecast cube: keep the last 15 days of a (day, lat, lon) array fresh by shifting it
 * one day per commit instead of rewriting it. `shiftArray` re-attaches the existing chunk
 * references (no chunk bytes are copied or re-uploaded); only the newest day is written.
 * Run: pnpm tsx examples/rolling-forecast.ts [directory] [days-to-run]   (default 20 days; re-running
 * on the same directory continues from the last committed day)
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
if (!Number.isInteger(days) || days < 1) {
  console.error("usage: rolling-forecast.ts [directory] [days-to-run ≥ 1]");
  process.exit(2);
}

/** The forecast field of one day (deterministic, so readers can check it). */
export function field(day: number): Float32Array {
  return Float32Array.from({ length: LAT * LON }, (_, i) => day * 1000 + i);
}

const repo = await Repository.openOrCreate(localFilesystemStorage(dir));
// re-runs continue the series: the tip's commit metadata records its day
const lastDay = (await repo.ancestry("main"))[0]?.metadata.day;
const start = typeof lastDay === "number" ? lastDay + 1 : 0;
for (let day = start; day < start + days; day++) {
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
// the days in the window: the first value of each filled slot (empty slots read as NaN)
const held: number[] = [];
for (let slot = 0; slot < WINDOW; slot++) {
  const v = (await zarr.get(cube, [slot, 0, 0])) as number;
  if (!Number.isNaN(v)) held.push(v / 1000);
}
let chunkFiles = 0;
for await (const _ of repo.storage.list("chunks")) chunkFiles++;
console.log(
  `window holds days ${held[0]}..${held.at(-1)} (${held.length} of ${WINDOW} slots) after ${days} daily commits` +
    (start > 0 ? `, continuing from day ${start}` : ""),
);
console.log(
  `chunk files written: ${chunkFiles} (one per day in all; shifted days are re-referenced, not copied)`,
);
console.log(`repository at ${dir}`);
