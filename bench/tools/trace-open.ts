/**
 * @module bench/tools/trace-open
 * Prints every storage call (with its duration) of opening a repository and reading a snapshot:
 * `node --import tsx bench/tools/trace-open.ts <repo dir> [snapshotId]`.
 */
import { Repository, type Storage } from "@icechunk-ts/core";
import { localFilesystemStorage } from "@icechunk-ts/core/fs";

function traced(s: Storage): Storage {
  const wrap =
    <A extends unknown[], R>(name: string, f: (...a: A) => Promise<R>) =>
    async (...a: A): Promise<R> => {
      const t0 = performance.now();
      try {
        return await f(...a);
      } finally {
        process.stderr.write(
          `  ${name} ${String(a[0])} ${(performance.now() - t0).toFixed(2)} ms\n`,
        );
      }
    };
  return {
    ...s,
    description: s.description,
    canWrite: s.canWrite,
    get: wrap("get", s.get.bind(s)),
    put: wrap("put", s.put.bind(s)),
    copy: s.copy.bind(s),
    list: (p, o) => {
      process.stderr.write(`  list ${p}\n`);
      return s.list(p, o);
    },
    delete: s.delete.bind(s),
    lastModified: wrap("lastModified", s.lastModified.bind(s)),
    ...(s.getIfModified ? { getIfModified: wrap("getIfModified", s.getIfModified.bind(s)) } : {}),
  };
}

const [dir, snap] = process.argv.slice(2);
for (let i = 0; i < Number(process.env.N ?? 2); i++) {
  const t0 = performance.now();
  const repo = await Repository.open(traced(localFilesystemStorage(dir!)));
  const t1 = performance.now();
  const s = await repo.readonlySession(snap ? { snapshotId: snap } : { branch: "main" });
  const t2 = performance.now();
  await s.store.get("zarr.json");
  const t3 = performance.now();
  process.stderr.write(
    `open ${(t1 - t0).toFixed(1)} session ${(t2 - t1).toFixed(1)} get ${(t3 - t2).toFixed(1)} ms\n`,
  );
}
process.exit(0);
