/**
 * The demo data shared by `demo.ts` and `serve.ts`: a root group and a 6×8 float32 `temperature`
 * array (dimensions y, x; chunks of 3×4; values 15.00, 15.25, … 26.75), written through zarrita.
 */
import type { Session } from "@icechunk-ts/core";
import { IcechunkStore } from "@icechunk-ts/zarrita";
import * as zarr from "zarrita";

/** Writes the group and the array into a writable session (commit it afterwards). */
export async function writeTemperature(session: Session): Promise<void> {
  const root = zarr.root(new IcechunkStore(session));
  await zarr.create(root, { attributes: { title: "icechunk-ts demo" } });
  const temp = await zarr.create(root.resolve("temperature"), {
    shape: [6, 8],
    chunkShape: [3, 4],
    dtype: "float32",
    dimensionNames: ["y", "x"],
  });
  const values = Float32Array.from({ length: 48 }, (_, i) => 15 + i / 4);
  await zarr.set(temp, null, { data: values, shape: [6, 8], stride: [8, 1] });
}
