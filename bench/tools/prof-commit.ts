/**
 * @module bench/tools/prof-commit
 * One-chunk commits on an array of 100,000 refs, for profiling:
 * `node --conditions=@icechunk-ts/source --import tsx --cpu-prof --cpu-prof-dir=/tmp/prof bench/tools/prof-commit.ts native|virtual`.
 * Prints each commit's wall time to stderr.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Repository } from "@icechunk-ts/core";
import { localFilesystemStorage } from "@icechunk-ts/core/fs";
import { newChunkId } from "../../packages/core/src/format/ids.js";

const kind = process.argv[2] as "native" | "virtual";
const n = 100_000;
const dir = mkdtempSync(join(tmpdir(), "prof-commit-"));
const enc = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
const repo = await Repository.create(localFilesystemStorage(dir));
const s = await repo.writableSession("main");
await s.store.set("zarr.json", enc({ zarr_format: 3, node_type: "group", attributes: {} }));
await s.store.set(
  "a/zarr.json",
  enc({
    zarr_format: 3,
    node_type: "array",
    shape: [n * 4],
    data_type: "uint8",
    chunk_grid: { name: "regular", configuration: { chunk_shape: [4] } },
    chunk_key_encoding: { name: "default", configuration: { separator: "/" } },
    fill_value: 0,
    codecs: [{ name: "bytes" }],
    attributes: {},
  }),
);
for (let i = 0; i < n; i++)
  s.setChunkRef(
    "/a",
    [i],
    kind === "native"
      ? { kind, chunkId: newChunkId(), offset: 0, length: 4 }
      : { kind, location: `s3://b/archive/file-${i % 1000}.nc`, offset: i * 4, length: 4 },
  );
await s.commit("base");
for (let r = 0; r < 4; r++) {
  const t0 = performance.now();
  const repo2 = await Repository.open(localFilesystemStorage(dir));
  const s2 = await repo2.writableSession("main");
  await s2.store.set(`a/c/${r}`, Uint8Array.of(1, 2, 3, 4));
  await s2.commit("one");
  console.error(kind, "commit", (performance.now() - t0).toFixed(0), "ms");
}
