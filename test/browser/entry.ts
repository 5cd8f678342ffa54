/**
 * Browser bundle entry for the browser test: reads an Icechunk repository over HTTP with
 * icechunk-ts + zarrita, in the page, with no WASM and no cross-origin isolation.
 */
import { httpStorage, Repository, redirectStorage } from "@icechunk-ts/core";
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
  const arr = await zarr.open.v3(zarr.root(new IcechunkStore(session)).resolve(path), {
    kind: "array",
  });
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

/** Writes and commits entirely in the page (in-memory storage), then returns what a fresh open reads. */
export async function writeInPage() {
  const { inMemoryStorage } = await import("@icechunk-ts/core");
  const storage = inMemoryStorage();
  const repo = await Repository.create(storage);
  const session = await repo.writableSession("main");
  const root = zarr.root(new IcechunkStore(session));
  const arr = await zarr.create(root.resolve("grid"), {
    shape: [16, 16],
    chunkShape: [8, 8],
    dtype: "int32",
  });
  await zarr.set(arr, null, {
    data: Int32Array.from({ length: 256 }, (_, i) => i * 3),
    shape: [16, 16],
    stride: [16, 1],
  });
  const id = await session.commit("written in the browser", { metadata: { agent: "chromium" } });
  const reopened = await Repository.open(storage);
  const ro = await reopened.readonlySession({ branch: "main" });
  const got = await zarr.get(
    await zarr.open.v3(zarr.root(new IcechunkStore(ro)).resolve("grid"), { kind: "array" }),
  );
  const files: Record<string, number[]> = {};
  for await (const e of storage.list("")) {
    const obj = await storage.get(e.key);
    files[e.key] = Array.from(obj!.data);
  }
  return { id, data: Array.from(got.data as Int32Array), files };
}

/** Reads a virtual chunk (an HTTP byte range with an ETag checksum) from a cross-origin server. */
export async function readVirtual(url: string, prefix: string, path: string) {
  const repo = await Repository.open(httpStorage(url), {
    authorizeVirtualChunkAccess: { [prefix]: null },
  });
  const session = await repo.readonlySession({ branch: "main" });
  const arr = await zarr.open.v3(zarr.root(new IcechunkStore(session)).resolve(path), {
    kind: "array",
  });
  const { data } = await zarr.get(arr, [zarr.slice(0, 16)]);
  let modified = "";
  try {
    await session.store.get(`${path}/c/1`);
  } catch (e) {
    modified = (e as { kind?: string }).kind ?? String(e);
  }
  return { data: Array.from(data as ArrayLike<number>).slice(0, 16), modified };
}
