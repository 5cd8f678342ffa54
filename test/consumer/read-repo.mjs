/**
 * A digest of a repository as a user of the packages sees it: refs, ancestry, and for every
 * snapshot in those histories each key with the SHA-256 of its bytes (or the error kind a read
 * gave), plus every array of each branch tip read whole through zarrita. Plain JavaScript that
 * takes the modules as arguments, so the same code runs on the installed tarballs (consumer test)
 * and on the workspace sources.
 */
import { createHash } from "node:crypto";

const sha = (bytes) => createHash("sha256").update(bytes).digest("hex");
const failure = (err) => `error:${err?.kind ?? err?.name ?? String(err)}`;

/** Digest of the repository at `dir` (local filesystem). */
export async function digestRepository({ core, fs, zarr, IcechunkStore }, dir) {
  const repo = await core.Repository.open(fs.localFilesystemStorage(dir));
  const branches = (await repo.listBranches()).sort();
  const tags = (await repo.listTags()).sort();
  const refs = [...branches.map((branch) => ({ branch })), ...tags.map((tag) => ({ tag }))];
  const history = {};
  const snapshots = new Set();
  for (const ref of refs) {
    const ancestry = await repo.ancestry(ref);
    history[ref.branch ? `branch:${ref.branch}` : `tag:${ref.tag}`] = ancestry.map((s) => {
      snapshots.add(s.id);
      return `${s.id} ${s.message}`;
    });
  }
  const keys = {};
  for (const snapshotId of [...snapshots].sort()) {
    const session = await repo.readonlySession({ snapshotId });
    const entries = {};
    for (const key of (await session.store.list()).sort()) {
      try {
        const bytes = await session.store.get(key);
        entries[key] = bytes === undefined ? "missing" : sha(bytes);
      } catch (err) {
        entries[key] = failure(err);
      }
    }
    keys[snapshotId] = entries;
  }
  const arrays = {};
  for (const branch of branches) {
    const session = await repo.readonlySession({ branch });
    const root = zarr.root(new IcechunkStore(session));
    for (const key of (await session.store.list()).sort()) {
      if (!key.endsWith("zarr.json")) continue;
      const meta = JSON.parse(new TextDecoder().decode(await session.store.get(key)));
      if (meta.node_type !== "array") continue;
      const path = key === "zarr.json" ? "" : key.slice(0, -"/zarr.json".length);
      try {
        const arr = await zarr.open.v3(root.resolve(path), { kind: "array" });
        const { data, shape } = await zarr.get(arr);
        const bytes = ArrayBuffer.isView(data)
          ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
          : new TextEncoder().encode(JSON.stringify(Array.from(data)));
        arrays[`${branch}:/${path}`] = `${shape.join("x")} ${sha(bytes)}`;
      } catch (err) {
        arrays[`${branch}:/${path}`] = failure(err);
      }
    }
  }
  return { specVersion: repo.specVersion, branches, tags, history, keys, arrays };
}
