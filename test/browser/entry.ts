/**
 * Browser bundle entry for the browser test: reads an Icechunk repository over HTTP with
 * icechunk-ts + zarrita, in the page, with no WASM and no cross-origin isolation.
 */
import { httpStorage, redirectStorage, Repository } from "@icechunk-ts/core";
import { IcechunkStore } from "@icechunk-ts/zarrita";
import * as zarr from "zarrita";

export async function readArray(
  url: string,
  version: { branch: string } | { tag: string },
  path: string,
  options: { redirect?: boolean } = {},
) {
  const repo = await Repository.open(options.redirect ? redirectStorage(url) : httpStorage(url));
  const session = await repo.readonlySession(version);
  const arr = await zarr.open.v3(zarr.root(new IcechunkStore(session)).resolve(path), { kind: "array" });
  const { data, shape } = await zarr.get(arr);
  return {
    shape,
    data: Array.from(data as ArrayLike<number>),
    branches: await repo.listBranches(),
    history: (await repo.ancestry(version)).map((s) => s.message),
    crossOriginIsolated: globalThis.crossOriginIsolated ?? false,
  };
}

export async function abortedRead(url: string) {
  const repo = await Repository.open(httpStorage(url));
  const session = await repo.readonlySession({ branch: "main" });
  const controller = new AbortController();
  controller.abort();
  try {
    await session.store.get("a/c/0", { signal: controller.signal });
    return "resolved";
  } catch (e) {
    return (e as Error).name;
  }
}
