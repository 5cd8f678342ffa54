/**
 * The browser read path, as a web map or notebook uses it: open a repository over HTTP, read an
 * array of a branch's tip through zarrita. Type-checked in the consumer project under every
 * configuration, and bundled there with esbuild and with Vite for the browser.
 */
import { httpStorage, isIcechunkError, Repository } from "@icechunk-ts/core";
import { IcechunkStore } from "@icechunk-ts/zarrita";
import * as zarr from "zarrita";

/** Reads `path` from the tip of `branch` of the repository at `url`. */
export async function readArray(
  url: string,
  path: string,
  options: { branch?: string; signal?: AbortSignal } = {},
): Promise<{ shape: number[]; data: unknown }> {
  const signal = options.signal ?? new AbortController().signal;
  const repo = await Repository.open(httpStorage(url), { signal });
  const session = await repo.readonlySession({ branch: options.branch ?? "main" });
  const store = new IcechunkStore(session);
  try {
    const arr = await zarr.open.v3(zarr.root(store).resolve(path), { kind: "array" });
    const { data, shape } = await zarr.get(arr, null, { opts: { signal } });
    return { shape, data };
  } catch (err) {
    if (isIcechunkError(err)) throw new Error(`icechunk: ${err.kind}: ${err.message}`);
    throw err;
  }
}
